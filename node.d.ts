import type { HotUpdaterAPI } from "./index";

/** Adapts a server to Express / Connect: `app.use("/hot-updater", toNodeHandler(hotUpdater))`. */
export declare function toNodeHandler(hotUpdater: Pick<HotUpdaterAPI, "handler">): (req: any, res: any, next?: (err?: unknown) => void) => Promise<void>;

export declare const HOT_UPDATER_SERVER_VERSION: string;
