"use strict";
// `fileStorage({ dir, publicBaseUrl?, maxUploadBytes? })`: bundles on the server's own disk.
//
// The native core resolves `file-storage://local/<key>` URIs for update checks and decides the
// storage's routes (`GET/HEAD <basePath>/files/<key>` and the management API upstream's
// `standaloneStorage` client calls, `<basePath>/api/storage/{upload,delete,readText,getDownloadUrl}`,
// mounted with the bundle routes) in `src/http/files.rs`; `lib/file-routes.js` streams their bodies
// and this module keeps the storage directory and its bookkeeping.
//
// On disk: `<dir>/<key>` holds the file; `<dir>/.hot-updater/` holds uploads in progress (`tmp/`)
// and per-file records `{ sha256, size, ino, mtimeNs }` (`meta/`, named by the sha256 of the key)
// that give the ETag. A record counts only while size, inode and mtime still match the file, so a
// file replaced behind our back (or by a racing upload) never gets another file's ETag.

const fs = require("node:fs");
const fsp = require("node:fs/promises");
const path = require("node:path");
// node:crypto is loaded on first use: requiring it costs a few milliseconds of every start.
const crypto = () => require("node:crypto");
const { fromNative, configError, withCode, CODES } = require("./errors.js");
const { markNative } = require("./plugins.js");

const FILE_STORAGE = Symbol.for("hot-updater-rs/file-storage");
/** The first key segment `src/storage/file.rs` reserves (`RESERVED_SEGMENT`): keys never reach it. */
const INTERNAL_DIR = ".hot-updater";
const DEFAULT_MAX_UPLOAD_BYTES = 512 * 1024 * 1024;
/** Room for the multipart framing and the `key` field on top of the file itself. */
const MULTIPART_OVERHEAD_BYTES = 1024 * 1024;
const MAX_FIELD_BYTES = 8 * 1024;
const MAX_JSON_BODY_BYTES = 64 * 1024;
/** Files up to this size are answered from one buffer instead of a stream. */
const SMALL_FILE_BYTES = 64 * 1024;
const STALE_UPLOAD_MS = 24 * 60 * 60 * 1000;

class HttpError extends Error {
  constructor(status, message, headers) {
    super(message);
    this.status = status;
    this.headers = headers;
  }
}


/** Runs a native function; invalid input (`ERR_HOT_UPDATER_BAD_REQUEST`) becomes a 400. */
function nativeCall(fn, ...args) {
  try {
    return fn(...args);
  } catch (error) {
    const err = fromNative(error);
    if (err && err.code === "ERR_HOT_UPDATER_BAD_REQUEST") throw new HttpError(400, err.message);
    throw err;
  }
}

function isInside(root, candidate) {
  const prefix = root.endsWith(path.sep) ? root : root + path.sep;
  return candidate.startsWith(prefix);
}

function ignoreMissing(error) {
  if (error && (error.code === "ENOENT" || error.code === "ENOTDIR")) return null;
  throw error;
}

/**
 * Creates the folder `target` (at or below `dir`) one level at a time, and returns its real path.
 * Each level is checked before anything is created below it: an existing level must be a folder
 * whose real path is inside the storage's real path `realDir` (a symlink to a folder inside is
 * followed, one pointing elsewhere is refused), and a missing level is created inside the level
 * just checked. So no folder is ever created outside the storage, whatever symlinks sit in it
 * (a recursive `mkdir` followed by a real-path check would create them first and refuse after).
 * `internal` folders (the bookkeeping under `.hot-updater/`) fail with a plain Error (a 500),
 * key folders with a 400 or 409 the client can act on.
 */
async function mkdirInside(dir, realDir, target, internal = false) {
  const outside = () =>
    internal ? withCode(new Error(`fileStorage: ${target} resolves outside the storage directory`), CODES.STORAGE) : new HttpError(400, "Invalid storage key: outside the storage");
  const blocked = () => (internal ? withCode(new Error(`fileStorage: a file is in the way of ${target}`), CODES.STORAGE) : new HttpError(409, "A file is in the way of this key"));
  const rel = path.relative(dir, target);
  if (rel === ".." || rel.startsWith(`..${path.sep}`) || path.isAbsolute(rel)) throw outside();
  let current = realDir;
  for (const segment of rel === "" ? [] : rel.split(path.sep)) {
    const next = path.join(current, segment);
    let st = await fsp.lstat(next).catch(ignoreMissing);
    if (st === null) {
      try {
        await fsp.mkdir(next);
        current = next;
        continue;
      } catch (error) {
        if (error.code !== "EEXIST") throw error;
        st = await fsp.lstat(next);
      }
    }
    if (st.isSymbolicLink()) {
      const real = await fsp.realpath(next).catch((e) => (e && e.code === "ELOOP" ? null : ignoreMissing(e)));
      if (real === null || (real !== realDir && !isInside(realDir, real))) throw outside();
      if (!(await fsp.stat(real)).isDirectory()) throw blocked();
      current = real;
    } else if (st.isDirectory()) {
      current = next;
    } else {
      throw blocked();
    }
  }
  return current;
}

/** One storage directory: reading, writing and the bookkeeping under `.hot-updater/`. */
function createStore({ dir, maxUploadBytes }) {
  const internal = path.join(dir, INTERNAL_DIR);
  const tmpDir = path.join(internal, "tmp");
  const metaDir = path.join(internal, "meta");
  const hashing = new Set();

  const metaPathOf = (key) => {
    const h = crypto().createHash("sha256").update(key).digest("hex");
    return path.join(metaDir, h.slice(0, 2), `${h}.json`);
  };
  const realDir = () => fsp.realpath(dir);

  /** A folder of the storage's own bookkeeping, created only inside `dir`; its real path. */
  const internalDir = async (folder) => mkdirInside(dir, await realDir(), folder, true);

  async function writeAtomically(target, data) {
    const folder = await internalDir(path.dirname(target));
    const tmp = path.join(await internalDir(tmpDir), `${crypto().randomUUID()}.meta`);
    try {
      await fsp.writeFile(tmp, data, { flag: "wx" });
      await fsp.rename(tmp, path.join(folder, path.basename(target)));
    } catch (error) {
      await fsp.rm(tmp, { force: true }).catch(() => {});
      throw error;
    }
  }

  const recordOf = (sha256, st) => JSON.stringify({ sha256, size: String(st.size), ino: String(st.ino), mtimeNs: String(st.mtimeNs) });

  async function readRecord(key, st) {
    const text = await fsp.readFile(metaPathOf(key), "utf8").catch(ignoreMissing);
    if (text === null) return null;
    try {
      const r = JSON.parse(text);
      const fresh = r.size === String(st.size) && r.ino === String(st.ino) && r.mtimeNs === String(st.mtimeNs);
      return fresh && /^[0-9a-f]{64}$/.test(r.sha256) ? r.sha256 : null;
    } catch {
      return null;
    }
  }

  /** Hashes a file that has no valid record (e.g. copied into `dir` by hand), in the background. */
  function scheduleHash(key, realPath) {
    if (hashing.has(key) || hashing.size >= 2) return;
    hashing.add(key);
    (async () => {
      const fh = await fsp.open(realPath, "r");
      try {
        const st = await fh.stat({ bigint: true });
        const hash = crypto().createHash("sha256");
        for await (const chunk of fh.createReadStream({ autoClose: false, start: 0 })) hash.update(chunk);
        await writeAtomically(metaPathOf(key), recordOf(hash.digest("hex"), st));
      } finally {
        await fh.close();
      }
    })()
      .catch(() => {})
      .finally(() => hashing.delete(key));
  }

  /** Opens the file at `filePath` (a key's path, from the native router) if it is a regular file really inside `dir`; `null` otherwise. */
  async function open(filePath) {
    const real = await fsp.realpath(filePath).catch((e) => (e && e.code === "ELOOP" ? null : ignoreMissing(e)));
    if (real === null || !isInside(await realDir(), real)) return null;
    const fh = await fsp.open(real, "r").catch(ignoreMissing);
    if (fh === null) return null;
    const st = await fh.stat({ bigint: true });
    if (!st.isFile()) {
      await fh.close();
      return null;
    }
    return { fh, st, real };
  }

  /** The ETag of an open file, from its record (scheduling a hash when there is none). */
  async function etagOf(key, opened) {
    const sha256 = await readRecord(key, opened.st);
    if (sha256 === null) scheduleHash(key, opened.real);
    return sha256 === null ? null : `"${sha256}"`;
  }

  /** Removes leftovers of uploads interrupted by a crash (best effort). */
  async function sweep() {
    const names = await fsp.readdir(tmpDir).catch(() => []);
    const cutoff = Date.now() - STALE_UPLOAD_MS;
    for (const name of names) {
      const p = path.join(tmpDir, name);
      const st = await fsp.stat(p).catch(() => null);
      if (st && st.isFile() && st.mtimeMs < cutoff) await fsp.rm(p, { force: true }).catch(() => {});
    }
  }

  return { dir, tmpDir, maxUploadBytes, metaPathOf, realDir, internalDir, writeAtomically, recordOf, open, etagOf, sweep };
}

/**
 * Bundles on this server's disk, in `dir`. Stored URIs are `file-storage://local/<key>`; download
 * URLs are `<publicBaseUrl>/<key>` when `publicBaseUrl` is set, otherwise `<basePath>/files/<key>`
 * on the server that answers the update check (same origin as the request).
 */
function fileStorage(config) {
  if (!config || typeof config.dir !== "string" || config.dir === "") {
    throw configError("fileStorage: `dir` must be a non-empty string.", Error);
  }
  let publicBaseUrl = null;
  if (config.publicBaseUrl !== undefined && config.publicBaseUrl !== null) {
    let url;
    try {
      url = new URL(config.publicBaseUrl);
    } catch {
      url = null;
    }
    if (!url || (url.protocol !== "http:" && url.protocol !== "https:") || url.search || url.hash) {
      throw configError("fileStorage: `publicBaseUrl` must be an absolute http(s) URL without query or fragment.", Error);
    }
    publicBaseUrl = String(config.publicBaseUrl).replace(/\/+$/, "");
  }
  const maxUploadBytes = config.maxUploadBytes ?? DEFAULT_MAX_UPLOAD_BYTES;
  if (!Number.isSafeInteger(maxUploadBytes) || maxUploadBytes <= 0) {
    throw configError("fileStorage: `maxUploadBytes` must be a positive integer.", Error);
  }
  const dir = path.resolve(config.dir);
  fs.mkdirSync(dir, { recursive: true });
  const store = createStore({ dir, maxUploadBytes });
  store.publicBaseUrl = publicBaseUrl;
  store.sweep();
  const storage = { name: "fileStorage", supportedProtocol: "file-storage" };
  markNative(storage, { kind: "file", dir, publicBaseUrl });
  Object.defineProperty(storage, FILE_STORAGE, { enumerable: false, value: store });
  return storage;
}

module.exports = { fileStorage, FILE_STORAGE, HttpError, nativeCall, isInside, ignoreMissing, mkdirInside, createStore, constants: { SMALL_FILE_BYTES, MULTIPART_OVERHEAD_BYTES, MAX_FIELD_BYTES, MAX_JSON_BODY_BYTES } };
