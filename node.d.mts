// ESM declarations of node.mjs: the names node.js exports (declared in node.d.ts), and the
// module object as the default export, as node.mjs does.
export * from "./node.js";
import * as moduleObject from "./node.js";
export default moduleObject;
