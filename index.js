"use strict";
const {
  createHotUpdater,
  sqliteDatabase,
  postgresDatabase,
  mysqlDatabase,
  s3Storage,
  r2Storage,
  supabaseStorage,
  firebaseStorage,
  HOT_UPDATER_SERVER_VERSION,
} = require("./lib/server.js");
const { HotUpdaterSchemaMigrationRequiredError } = require("./lib/plugins.js");
const { fileStorage } = require("./lib/file-storage.js");

module.exports = {
  createHotUpdater,
  sqliteDatabase,
  postgresDatabase,
  mysqlDatabase,
  s3Storage,
  r2Storage,
  supabaseStorage,
  firebaseStorage,
  fileStorage,
  HotUpdaterSchemaMigrationRequiredError,
  HOT_UPDATER_SERVER_VERSION,
};
