import { createUpstream } from "/work/main/__test__/helpers/upstream.mjs";
import Database from "better-sqlite3";
const p = "/tmp/mig-test.db";
const u = await createUpstream(p);
await u.close();
const db = new Database(p);
console.log(db.prepare("select type,name,sql from sqlite_master").all());
console.log(db.prepare("select * from private_hot_updater_settings").all());
