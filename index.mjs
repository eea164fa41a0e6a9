import cjs from "./index.js";

export const { createHotUpdater, sqliteDatabase, postgresDatabase, mysqlDatabase, mongoDatabase, s3Database, s3Storage, r2Storage, supabaseStorage, firebaseStorage, withCloudFrontSignedUrl, s3LambdaEdgeStorage, awsLambdaEdgeStorage, fileStorage, HotUpdaterSchemaMigrationRequiredError, HOT_UPDATER_SERVER_VERSION } = cjs;
export default cjs;
