// The three handlers under test, created from a plain spec so that a child process can build
// them too: { impl: "ours" | "upstream" | "ceiling", db: "sqlite" | "postgres", path?, url? }.
// Imports are dynamic so that a child can time import → first answered check.
const BASE_PATH = "/hot-updater";
const ROUTES = { updateCheck: true, bundles: true };
const JSON_HEADERS = { "Content-Type": "application/json" };

export const IMPLS = ["ours", "upstream", "ceiling"];
export const LABELS = { ours: "hot-updater-rs", upstream: "@hot-updater/server", ceiling: "constant JSON (ceiling)" };

async function storage() {
  const { parityStorage } = await import("../../__test__/helpers/parity-storage.mjs");
  return parityStorage();
}

async function ours(spec) {
  const { createHotUpdater, sqliteDatabase, postgresDatabase } = await import("../../index.mjs");
  const database = spec.db === "postgres" ? postgresDatabase({ connectionString: spec.url }) : sqliteDatabase({ path: spec.path });
  const hotUpdater = createHotUpdater({ database, storages: [await storage()], basePath: BASE_PATH, routes: ROUTES });
  return { handler: (request) => hotUpdater.handler(request), close: () => hotUpdater.close() };
}

async function upstream(spec) {
  if (spec.db === "postgres") {
    const { createUpstreamServer } = await import("../../__test__/helpers/upstream-servers.mjs");
    const { hotUpdater, close } = await createUpstreamServer("postgresql", spec.url, { migrate: false, storages: [await storage()] });
    return { handler: (request) => hotUpdater.handler(request), close };
  }
  const [{ createHotUpdater }, { upstreamKysely }] = await Promise.all([
    import("@hot-updater/server"),
    import("../../__test__/helpers/upstream.mjs"),
  ]);
  const { adapter, db } = upstreamKysely(spec.path);
  const hotUpdater = createHotUpdater({ database: adapter, storages: [await storage()], basePath: BASE_PATH, routes: ROUTES });
  return { handler: (request) => hotUpdater.handler(request), close: () => db.destroy() };
}

function ceiling() {
  const body = '{"status":"UP_TO_DATE"}';
  return { handler: async () => new Response(body, { headers: JSON_HEADERS }), close: async () => {} };
}

export async function createServer(spec) {
  if (spec.impl === "ours") return ours(spec);
  if (spec.impl === "upstream") return upstream(spec);
  if (spec.impl === "ceiling") return ceiling();
  throw new Error(`unknown server ${spec.impl}`);
}

/** A mix entry as a Web Request. */
export function toRequest({ path, sdk }) {
  return new Request(`http://localhost${path}`, sdk === undefined ? undefined : { headers: { "Hot-Updater-SDK-Version": sdk } });
}
