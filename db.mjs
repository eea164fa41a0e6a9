import cjs from "./db.js";

export const { createMigrator, generateSchema, HotUpdaterSchemaMigrationRequiredError, HOT_UPDATER_SERVER_VERSION } = cjs;
export default cjs;
