"use strict";
const { createHotUpdater, sqliteDatabase, postgresDatabase, mysqlDatabase, HOT_UPDATER_SERVER_VERSION } = require("./lib/server.js");
const { HotUpdaterSchemaMigrationRequiredError } = require("./lib/plugins.js");

module.exports = {
  createHotUpdater,
  sqliteDatabase,
  postgresDatabase,
  mysqlDatabase,
  HotUpdaterSchemaMigrationRequiredError,
  HOT_UPDATER_SERVER_VERSION,
};
