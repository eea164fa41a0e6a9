// The README's Elysia quick start, typed.
import { Elysia } from "elysia";
import { createHotUpdater, sqliteDatabase } from "hot-updater-rs";

const hotUpdater = createHotUpdater({ database: sqliteDatabase({ path: "./data/hot-updater.db" }), basePath: "/hot-updater" });
new Elysia().mount("/hot-updater", hotUpdater.handler);
