// A hand-written database plugin, built the way upstream documents it (plugin-core's
// createDatabasePlugin), whose every method reads the request context: `context.tenant`
// selects one of several in-memory stores. A server that drops or mixes up the context
// answers from the wrong store.
import { createDatabasePlugin } from "@hot-updater/plugin-core";

import { calculatePagination, matches } from "./memory-db.mjs";

const byId = (direction) => (a, b) => (direction === "asc" ? a.id.localeCompare(b.id) : b.id.localeCompare(a.id));

const contextPlugin = createDatabasePlugin({
  name: "contextDatabase",
  factory: ({ tenants }) => {
    const store = (context) => {
      const tenant = context?.tenant ?? "default";
      if (!tenants.has(tenant)) tenants.set(tenant, new Map());
      return tenants.get(tenant);
    };
    return {
      async getBundleById(id, context) {
        const found = store(context).get(id);
        return found ? structuredClone(found) : null;
      },
      async getBundles(options, context) {
        const offset = options.offset ?? 0;
        const rows = [...store(context).values()].filter((b) => matches(b, options.where ?? {}));
        rows.sort(byId(options.orderBy?.direction ?? "desc"));
        return {
          data: structuredClone(rows.slice(offset, offset + options.limit)),
          pagination: calculatePagination(rows.length, options.limit, offset),
        };
      },
      async getChannels(context) {
        return [...new Set([...store(context).values()].map((b) => b.channel))].sort();
      },
      async commitBundle({ changedSets }, context) {
        const rows = store(context);
        for (const { operation, data } of changedSets) {
          if (operation === "delete") rows.delete(data.id);
          else rows.set(data.id, structuredClone(data));
        }
      },
    };
  },
});

/** A fresh plugin factory; `tenants` (Map of tenant → Map of bundles) is exposed for tests. */
export function contextDatabase() {
  const tenants = new Map();
  return Object.assign(contextPlugin({ tenants }), { tenants });
}
