// ESM declarations of index.mjs: the names index.js exports (declared in index.d.ts), and the
// module object as the default export, as index.mjs does.
export * from "./index.js";
import * as moduleObject from "./index.js";
export default moduleObject;
