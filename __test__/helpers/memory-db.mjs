// An in-memory database plugin with upstream's DatabasePlugin shape (SPEC §1.10) and
// pagination object (§5.5). Mutations are staged by appendBundle/updateBundle/deleteBundle and
// applied by commitBundle, like plugin-core's createDatabasePlugin.

const REPLACED_KEYS = new Set(["patches", "targetCohorts"]);

function clone(value) {
  return value === undefined ? undefined : structuredClone(value);
}

function isPlainObject(value) {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

// lodash `merge` semantics, except that `patches` and `targetCohorts` are replaced (§5.4).
function deepMerge(target, source, top = true) {
  for (const [key, value] of Object.entries(source)) {
    if (value === undefined) continue;
    const current = target[key];
    if (top && REPLACED_KEYS.has(key)) target[key] = clone(value);
    else if (Array.isArray(value) && Array.isArray(current)) target[key] = deepMerge([...current], value, false);
    else if (isPlainObject(value) && isPlainObject(current)) target[key] = deepMerge({ ...current }, value, false);
    else target[key] = clone(value);
  }
  return target;
}

function matchesId(id, filter) {
  if (!filter) return true;
  if (filter.eq !== undefined && id !== filter.eq) return false;
  if (filter.gt !== undefined && !(id.localeCompare(filter.gt) > 0)) return false;
  if (filter.gte !== undefined && !(id.localeCompare(filter.gte) >= 0)) return false;
  if (filter.lt !== undefined && !(id.localeCompare(filter.lt) < 0)) return false;
  if (filter.lte !== undefined && !(id.localeCompare(filter.lte) <= 0)) return false;
  if (filter.in !== undefined && !filter.in.includes(id)) return false;
  return true;
}

export function matches(bundle, where = {}) {
  if (where.channel !== undefined && bundle.channel !== where.channel) return false;
  if (where.platform !== undefined && bundle.platform !== where.platform) return false;
  if (where.enabled !== undefined && bundle.enabled !== where.enabled) return false;
  if (!matchesId(bundle.id, where.id)) return false;
  if (where.targetAppVersion !== undefined && (bundle.targetAppVersion ?? null) !== where.targetAppVersion) return false;
  if (where.targetAppVersionIn !== undefined && !where.targetAppVersionIn.includes(bundle.targetAppVersion)) return false;
  if (where.targetAppVersionNotNull === true && (bundle.targetAppVersion ?? null) === null) return false;
  if (where.fingerprintHash !== undefined && (bundle.fingerprintHash ?? null) !== where.fingerprintHash) return false;
  return true;
}

export function calculatePagination(total, limit, offset) {
  if (total === 0) {
    return { total: 0, hasNextPage: false, hasPreviousPage: false, currentPage: 1, totalPages: 0 };
  }
  return {
    total,
    hasNextPage: offset + limit < total,
    hasPreviousPage: offset > 0,
    currentPage: Math.floor(offset / limit) + 1,
    totalPages: Math.ceil(total / limit),
  };
}

function paged(total, limit, start, data) {
  const pagination = calculatePagination(total, limit, start);
  if (data.length > 0 && start + data.length < total) pagination.nextCursor = data[data.length - 1].id;
  if (data.length > 0 && start > 0) pagination.previousCursor = data[0].id;
  return { data, pagination };
}

/**
 * Creates a plain database plugin object backed by a Map.
 * `calls` records every plugin call as `[method, ...args]` and `contexts` the context each call
 * received, so tests can inspect them.
 */
export function memoryDatabase({ initialBundles = [] } = {}) {
  const store = new Map(initialBundles.map((b) => [b.id, clone(b)]));
  let pending = [];
  const calls = [];
  const contexts = [];
  const record = (context, ...call) => {
    calls.push(call);
    contexts.push(context);
  };

  const sorted = (where, direction) => {
    const rows = [...store.values()].filter((b) => matches(b, where));
    rows.sort((a, b) => (direction === "asc" ? a.id.localeCompare(b.id) : b.id.localeCompare(a.id)));
    return rows;
  };

  const plugin = {
    name: "memoryDatabase",
    calls,
    contexts,
    store,

    async getBundleById(id, context) {
      record(context, "getBundleById", id);
      return clone(store.get(id)) ?? null;
    },

    async getBundles(options, context) {
      record(context, "getBundles", options);
      if (options.offset !== undefined) {
        throw new Error("Bundle offset pagination has been removed. Use cursor.after or cursor.before instead.");
      }
      const where = options.where ?? {};
      const limit = options.limit;
      const direction = options.orderBy?.direction ?? "desc";
      const all = sorted(where, direction);
      const total = all.length;
      const page = Number.isInteger(options.page) && options.page >= 1 ? options.page : undefined;

      if (page !== undefined) {
        const totalPages = Math.ceil(total / limit);
        const maxOffset = totalPages === 0 ? 0 : (totalPages - 1) * limit;
        const start = Math.min((page - 1) * limit, maxOffset);
        return paged(total, limit, start, clone(all.slice(start, start + limit)));
      }

      const after = options.cursor?.after;
      const before = options.cursor?.before;
      if (!after && !before) return paged(total, limit, 0, clone(all.slice(0, limit)));

      const beyond = (id, cursor) => (direction === "desc" ? id.localeCompare(cursor) < 0 : id.localeCompare(cursor) > 0);
      let data;
      if (after) {
        data = all.filter((b) => beyond(b.id, after)).slice(0, limit);
      } else {
        const earlier = all.filter((b) => beyond(before, b.id));
        data = earlier.slice(Math.max(0, earlier.length - limit));
      }
      if (data.length === 0) {
        const pagination = calculatePagination(total, limit, after ? total : 0);
        if (after) pagination.previousCursor = after;
        else pagination.nextCursor = before;
        return { data: [], pagination };
      }
      const start = all.findIndex((b) => b.id === data[0].id);
      return paged(total, limit, start, clone(data));
    },

    async getChannels(context) {
      record(context, "getChannels");
      return [...new Set([...store.values()].map((b) => b.channel))].sort();
    },

    async appendBundle(bundle, context) {
      record(context, "appendBundle", bundle.id);
      pending.push({ operation: "insert", data: clone(bundle) });
    },

    async updateBundle(id, patch, context) {
      record(context, "updateBundle", id, patch);
      const staged = [...pending].reverse().find((c) => c.data.id === id);
      const current = staged ? staged.data : store.get(id);
      if (!current) throw new Error("targetBundleId not found");
      pending.push({ operation: "update", data: deepMerge(clone(current), patch) });
    },

    async deleteBundle(bundle, context) {
      record(context, "deleteBundle", bundle.id);
      pending.push({ operation: "delete", data: clone(bundle) });
    },

    async commitBundle(context) {
      record(context, "commitBundle");
      const changes = pending;
      pending = [];
      for (const { operation, data } of changes) {
        if (operation === "delete") store.delete(data.id);
        else store.set(data.id, data);
      }
    },
  };
  return plugin;
}
