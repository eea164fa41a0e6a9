"use strict";
// The streaming side of `fileStorage`'s routes, answered by `handler` before the native router.
// Which request is which route, which key and file it names, the answers that need no disk, and
// the status and headers of every file answer are decided natively (`src/http/files.rs`, through
// `server.fileRoute`, `server.fileUploadTarget` and `fileAnswer`); this side moves the bytes
// between the request, the response and the disk, and answers what only the disk or the body
// stream can tell (a missing file, a folder in the way, a body too large or malformed).

const fsp = require("node:fs/promises");
const path = require("node:path");
// node:crypto and node:stream are loaded on first use: requiring them costs a few milliseconds of
// every start, and only fileStorage's routes need them.
const crypto = () => require("node:crypto");
const native = require("./binding.js");
const { jsonResponse, jsonValueResponse: json } = require("./response.js");
const { FILE_STORAGE, HttpError, nativeCall, isInside, ignoreMissing, mkdirInside, constants } = require("./file-storage.js");
const { MultipartParser, MultipartError, boundaryOf, parseContentDisposition } = require("./multipart.js");

const { SMALL_FILE_BYTES, MULTIPART_OVERHEAD_BYTES, MAX_FIELD_BYTES, MAX_JSON_BODY_BYTES } = constants;
const NOT_FOUND = { error: "Not found" };

async function readRange(fh, start, length) {
  const buf = Buffer.alloc(length);
  let off = 0;
  while (off < length) {
    const { bytesRead } = await fh.read(buf, off, length - off, start + off);
    if (bytesRead === 0) break;
    off += bytesRead;
  }
  return off === length ? buf : buf.subarray(0, off);
}

/** Answers the file of `step` (`download`: with caching, conditional and range handling). */
async function serve(store, request, step, download) {
  const opened = await store.open(step.path);
  if (opened === null) return json(404, NOT_FOUND);
  const { fh, st } = opened;
  let handedOff = false;
  try {
    const etag = download ? await store.etagOf(step.key, opened) : null;
    const h = request.headers;
    const answer = native.fileAnswer(step.key, Number(st.size), Number(st.mtimeMs), etag, download, request.method, h.get("if-none-match"), h.get("range"), h.get("if-range"));
    const { status, headers, start, length } = answer;
    if (answer.json != null) return new Response(answer.json, { status, headers });
    if (length === 0) return new Response(null, { status, headers });
    if (length <= SMALL_FILE_BYTES) return new Response(await readRange(fh, start, length), { status, headers });
    // The stream closes the file when it ends, fails, or the client goes away.
    const body = require("node:stream").Readable.toWeb(fh.createReadStream({ start, end: start + length - 1, highWaterMark: 256 * 1024 }));
    handedOff = true;
    return new Response(body, { status, headers });
  } finally {
    if (!handedOff) await fh.close().catch(() => {});
  }
}

/** The JSON body text of a `/api/storage/*` route (the native router parses it). */
async function readJsonText(request) {
  const declared = Number(request.headers.get("content-length"));
  if (Number.isFinite(declared) && declared > MAX_JSON_BODY_BYTES) throw new HttpError(413, "Payload too large", { Connection: "close" });
  const text = await request.text();
  if (text.length > MAX_JSON_BODY_BYTES) throw new HttpError(413, "Payload too large");
  return text;
}

async function writeAll(fh, chunk) {
  let off = 0;
  while (off < chunk.length) {
    const { bytesWritten } = await fh.write(chunk, off, chunk.length - off);
    off += bytesWritten;
  }
}

/**
 * Creates the parent folders of `target` inside the storage only (see `mkdirInside`) and returns
 * the real path `target` is to be renamed to.
 */
async function ensureParent(store, target) {
  const realParent = await mkdirInside(store.dir, await store.realDir(), path.dirname(target));
  return path.join(realParent, path.basename(target));
}

/**
 * The upload: the `file` part is streamed to a temporary file while it is hashed and counted,
 * then the `key` part decides its name; only a complete, valid upload is renamed into place.
 */
async function upload(store, server, request) {
  const boundary = boundaryOf(request.headers.get("content-type"));
  if (!boundary || !request.body) throw new HttpError(400, "Expected a multipart/form-data body with `file` and `key`");
  const limit = store.maxUploadBytes;
  const declared = Number(request.headers.get("content-length"));
  if (Number.isFinite(declared) && declared > limit + MULTIPART_OVERHEAD_BYTES) throw new HttpError(413, "Payload too large", { Connection: "close" });

  const tmpPath = path.join(await store.internalDir(store.tmpDir), `${crypto().randomUUID()}.part`);
  let fh = await fsp.open(tmpPath, "wx");
  const reader = request.body.getReader();
  let finished = false;
  let committed = false;
  try {
    const parser = new MultipartParser(boundary);
    const hash = crypto().createHash("sha256");
    const fields = new Map();
    let file = null;
    let part = null;
    let fieldBytes = 0;
    for (;;) {
      const { done, value } = await reader.read().catch((error) => {
        // The client went away mid-body (or the framework gave up on it).
        throw new HttpError(400, `Upload aborted: ${error && error.message}`);
      });
      finished = done;
      for (const ev of done ? parser.end() : parser.push(value)) {
        if (ev.type === "part") {
          const { name, filename } = parseContentDisposition(ev.headers["content-disposition"]);
          if (name === "file") {
            if (file !== null) throw new HttpError(400, "More than one `file` part");
            file = { filename: filename ?? "", size: 0 };
            part = file;
          } else {
            part = { field: name, chunks: [] };
          }
        } else if (ev.type === "data") {
          if (part === file) {
            file.size += ev.chunk.length;
            if (file.size > limit) throw new HttpError(413, "Payload too large");
            hash.update(ev.chunk);
            await writeAll(fh, ev.chunk);
          } else {
            fieldBytes += ev.chunk.length;
            if (fieldBytes > MAX_FIELD_BYTES) throw new HttpError(400, "Form fields too large");
            part.chunks.push(Buffer.from(ev.chunk));
          }
        } else if (part !== file && part.field !== undefined && !fields.has(part.field)) {
          fields.set(part.field, Buffer.concat(part.chunks).toString("utf8"));
        }
      }
      if (done) break;
    }
    if (file === null) throw new HttpError(400, "Missing `file` part");
    const key = fields.get("key");
    if (key === undefined) throw new HttpError(400, "Missing `key` field");
    const { key: fullKey, storageUri, path: target } = nativeCall(() => server.fileUploadTarget(key, file.filename));

    await fh.sync();
    const st = await fh.stat({ bigint: true });
    await fh.close();
    fh = null;
    const realTarget = await ensureParent(store, target);
    // The record first: it names the inode, so it is valid exactly once the rename lands.
    await store.writeAtomically(store.metaPathOf(fullKey), store.recordOf(hash.digest("hex"), st));
    try {
      await fsp.rename(tmpPath, realTarget);
    } catch (error) {
      if (error.code === "ENOENT") {
        // A concurrent delete pruned the now-empty parent folder: create it again once.
        await fsp.rename(tmpPath, await ensureParent(store, target));
      } else if (error.code === "EISDIR" || error.code === "ENOTEMPTY" || error.code === "EEXIST" || error.code === "EPERM") {
        throw new HttpError(409, "A folder exists at this key");
      } else {
        throw error;
      }
    }
    committed = true;
    return json(200, { storageUri });
  } catch (error) {
    const failure = error instanceof MultipartError ? new HttpError(400, error.message) : error;
    // The rest of the body stays unread: the client must not reuse this connection.
    if (failure instanceof HttpError && !finished) failure.headers = { Connection: "close" };
    throw failure;
  } finally {
    if (!finished) reader.releaseLock();
    if (fh !== null) await fh.close().catch(() => {});
    if (!committed) await fsp.rm(tmpPath, { force: true }).catch(() => {});
  }
}

/** Every file key below a folder key (symlinks are removed, never followed). */
async function keysBelow(folder, key, out) {
  for (const entry of await fsp.readdir(folder, { withFileTypes: true })) {
    const childKey = `${key}/${entry.name}`;
    if (entry.isDirectory()) await keysBelow(path.join(folder, entry.name), childKey, out);
    else out.push(childKey);
  }
  return out;
}

/** Deletes a file, or a folder with everything in it (upstream storages delete by prefix). */
async function remove(store, { key, path: target }) {
  const realDir = await store.realDir();
  const realParent = await fsp.realpath(path.dirname(target)).catch(ignoreMissing);
  if (realParent === null || (realParent !== realDir && !isInside(realDir, realParent))) return json(404, NOT_FOUND);
  const st = await fsp.lstat(target).catch(ignoreMissing);
  if (st === null) return json(404, NOT_FOUND);
  const keys = st.isDirectory() ? await keysBelow(target, key, []) : [key];
  if (st.isDirectory()) await fsp.rm(target, { recursive: true, force: true });
  else await fsp.unlink(target);
  await Promise.all(keys.map((k) => fsp.rm(store.metaPathOf(k), { force: true }).catch(() => {})));
  // Prune folders the deletion left empty, up to the storage directory.
  for (let p = path.dirname(target); p !== store.dir && isInside(store.dir, p); p = path.dirname(p)) {
    try {
      await fsp.rmdir(p);
    } catch {
      break;
    }
  }
  return json(200, { success: true });
}

/**
 * The `fileStorage` routes of one server, or `null` when no `fileStorage` is configured.
 * `handle(request)` answers a request it owns and returns `null` for everything else;
 * `mayOwn(url)` is false for every URL `handle` returns `null` for without a native call.
 */
function createFileRoutes(storages, server) {
  const entry = (storages || []).find((s) => s && typeof s === "object" && s[FILE_STORAGE]);
  if (!entry) return null;
  const store = entry[FILE_STORAGE];

  async function route(request, step) {
    if (step.action === "readJsonBody") {
      step = server.fileRoute(request.method, request.url, await readJsonText(request));
    }
    switch (step.action) {
      case undefined:
      case null:
        return jsonResponse(step.status, step.body, step.headers);
      case "download":
        return serve(store, request, step, true);
      case "readText":
        return serve(store, request, step, false);
      case "upload":
        return upload(store, server, request);
      case "delete":
        return remove(store, step);
      default:
        throw new Error(`Unknown fileStorage route step: ${step.action}`);
    }
  }

  // Cheap test first: update checks should not pay for a native call here.
  const mayOwn = (url) => url.includes("/files/") || url.includes("/api/storage/");

  return {
    mayOwn,
    async handle(request) {
      const url = request.url;
      if (!mayOwn(url)) return null;
      const step = server.fileRoute(request.method, url, null);
      if (step == null) return null;
      try {
        return await route(request, step);
      } catch (error) {
        if (error instanceof HttpError) return json(error.status, { error: error.message }, error.headers);
        console.error("Hot Updater handler error:", error);
        return json(500, { error: "Internal server error", message: error && error.message });
      }
    },
  };
}

module.exports = { createFileRoutes };
