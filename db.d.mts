// ESM declarations of db.mjs: the names db.js exports (declared in db.d.ts), and the
// module object as the default export, as db.mjs does.
export * from "./db.js";
import * as moduleObject from "./db.js";
export default moduleObject;
