import cjs from "./node.js";

export const { toNodeHandler, HOT_UPDATER_SERVER_VERSION } = cjs;
export default cjs;
