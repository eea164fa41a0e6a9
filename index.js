"use strict";
// Everything lib/server.js exports but its internal instance marker, plus fileStorage and the
// migration error.
const { INSTANCE: _instance, ...server } = require("./lib/server.js");
const { HotUpdaterSchemaMigrationRequiredError } = require("./lib/plugins.js");
const { fileStorage } = require("./lib/file-storage.js");

module.exports = { ...server, fileStorage, HotUpdaterSchemaMigrationRequiredError };
