// A CommonJS consumer: require() gets the CommonJS declarations.
import hotUpdaterRs = require("hot-updater-rs");
import node = require("hot-updater-rs/node");
import db = require("hot-updater-rs/db");

const hotUpdater = hotUpdaterRs.createHotUpdater({ database: hotUpdaterRs.sqliteDatabase({ path: ":memory:" }) });
export const handler: (req: any, res: any) => Promise<void> = node.toNodeHandler(hotUpdater);
export const migrator: db.Migrator = db.createMigrator(hotUpdater);
