import cjs from "./index.js";

export const { createHotUpdater, sqliteDatabase, postgresDatabase, mysqlDatabase, HotUpdaterSchemaMigrationRequiredError, HOT_UPDATER_SERVER_VERSION } = cjs;
export default cjs;
