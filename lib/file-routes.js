"use strict";
// The HTTP side of `fileStorage`, answered by `handler` before the native router:
//   GET/HEAD <basePath>/files/<key>                  public downloads (ETag, Range, 304, 416)
//   POST     <basePath>/api/storage/upload           multipart `file` + `key` → { storageUri }
//   DELETE   <basePath>/api/storage/delete           { storageUri } → { success: true }
//   POST     <basePath>/api/storage/readText         { storageUri } → the file's text
//   POST     <basePath>/api/storage/getDownloadUrl   { storageUri } → { fileUrl }
// The `/api/storage/*` routes exist only with `routes.bundles`, under the `/api/` prefix that
// deployments protect with their auth middleware; they are what upstream's `standaloneStorage`
// calls (point its `baseUrl` at `<server><basePath>/api/storage`).

const fsp = require("node:fs/promises");
const path = require("node:path");
const crypto = require("node:crypto");
const { Readable } = require("node:stream");
const native = require("./binding.js");
const { jsonValueResponse: json } = require("./response.js");
const { FILE_STORAGE, HttpError, nativeCall, isInside, ignoreMissing, mkdirInside, contentTypeOf, fileHeaders, constants } = require("./file-storage.js");
const { UNTRUSTED_HOST, isTrustedHost } = require("./trusted-hosts.js");
const { MultipartParser, MultipartError, boundaryOf, parseContentDisposition } = require("./multipart.js");

const { IMMUTABLE, SMALL_FILE_BYTES, MULTIPART_OVERHEAD_BYTES, MAX_FIELD_BYTES, MAX_JSON_BODY_BYTES } = constants;
const NOT_FOUND = { error: "Not found" };

/** Upstream's route-relative path (SPEC §2.1): plain prefix strip, leading `/`, one trailing `/` off. */
function relativePath(pathname, basePath) {
  let rest = pathname.startsWith(basePath) ? pathname.slice(basePath.length) : pathname;
  if (rest.length > 1 && rest.endsWith("/")) rest = rest.slice(0, -1);
  return rest.startsWith("/") ? rest : `/${rest}`;
}

/** `If-None-Match` against a strong ETag (weak comparison, as RFC 9110 asks for this header). */
function noneMatchHits(header, etag) {
  if (!header) return false;
  if (header.trim() === "*") return true;
  return header.split(",").some((t) => t.trim().replace(/^W\//, "") === etag);
}

/**
 * A single `bytes=` range against `size`: `{ start, end }`, `"ignore"` (another unit, or several
 * ranges, which are answered with the whole file), or `null` (invalid or unsatisfiable → 416).
 */
function parseRange(header, size) {
  const m = /^\s*bytes\s*=\s*(.*)$/i.exec(header);
  if (!m) return "ignore";
  if (m[1].includes(",")) return "ignore";
  const r = /^\s*(\d*)\s*-\s*(\d*)\s*$/.exec(m[1]);
  if (!r || (r[1] === "" && r[2] === "")) return null;
  const first = r[1] === "" ? null : Number(r[1]);
  const last = r[2] === "" ? null : Number(r[2]);
  if ((first !== null && !Number.isSafeInteger(first)) || (last !== null && !Number.isSafeInteger(last))) return null;
  if (first === null) {
    if (last === 0 || size === 0) return null;
    return { start: Math.max(0, size - last), end: size - 1 };
  }
  if (first >= size || (last !== null && last < first)) return null;
  return { start: first, end: last === null ? size - 1 : Math.min(last, size - 1) };
}

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

/** Answers `key` from disk. `download` adds the caching, conditional and range handling. */
async function serve(store, request, key, download) {
  const opened = await store.open(key);
  if (opened === null) return json(404, NOT_FOUND);
  const { fh, st } = opened;
  let handedOff = false;
  try {
    const size = Number(st.size);
    const type = contentTypeOf(key);
    const headers = { "Content-Type": type, "Accept-Ranges": "bytes", ...fileHeaders(key, type) };
    let start = 0;
    let end = size - 1;
    let status = 200;
    if (download) {
      const etag = await store.etagOf(key, opened);
      const lastModified = new Date(Number(st.mtimeMs)).toUTCString();
      Object.assign(headers, { "Cache-Control": IMMUTABLE, "Last-Modified": lastModified }, etag ? { ETag: etag } : {});
      const inm = request.headers.get("if-none-match");
      if (etag && noneMatchHits(inm, etag)) {
        return new Response(null, { status: 304, headers: { ETag: etag, "Cache-Control": IMMUTABLE, "Last-Modified": lastModified, ...fileHeaders(key, type) } });
      }
      const range = request.headers.get("range");
      const ifRange = request.headers.get("if-range");
      // A Range is honoured only while the client's copy is still this file.
      if (range !== null && (ifRange === null || (etag !== null && ifRange.trim() === etag))) {
        const r = parseRange(range, size);
        if (r === null) {
          return json(416, { error: "Range Not Satisfiable" }, { "Content-Range": `bytes */${size}`, "Accept-Ranges": "bytes" });
        }
        if (r !== "ignore") {
          ({ start, end } = r);
          status = 206;
          headers["Content-Range"] = `bytes ${start}-${end}/${size}`;
        }
      }
    } else {
      headers["Cache-Control"] = "no-store";
    }
    const length = size === 0 ? 0 : end - start + 1;
    headers["Content-Length"] = String(length);
    if (request.method === "HEAD" || length === 0) return new Response(null, { status, headers });
    if (length <= SMALL_FILE_BYTES) return new Response(await readRange(fh, start, length), { status, headers });
    // The stream closes the file when it ends, fails, or the client goes away.
    const body = Readable.toWeb(fh.createReadStream({ start, end, highWaterMark: 256 * 1024 }));
    handedOff = true;
    return new Response(body, { status, headers });
  } finally {
    if (!handedOff) await fh.close().catch(() => {});
  }
}

async function readJsonBody(request) {
  const declared = Number(request.headers.get("content-length"));
  if (Number.isFinite(declared) && declared > MAX_JSON_BODY_BYTES) throw new HttpError(413, "Payload too large", { Connection: "close" });
  const text = await request.text();
  if (text.length > MAX_JSON_BODY_BYTES) throw new HttpError(413, "Payload too large");
  let body;
  try {
    body = JSON.parse(text);
  } catch {
    throw new HttpError(400, "Expected a JSON body { storageUri }");
  }
  if (!body || typeof body.storageUri !== "string" || body.storageUri === "") {
    throw new HttpError(400, "Expected a JSON body { storageUri }");
  }
  return body.storageUri;
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
async function upload(store, request) {
  const boundary = boundaryOf(request.headers.get("content-type"));
  if (!boundary || !request.body) throw new HttpError(400, "Expected a multipart/form-data body with `file` and `key`");
  const limit = store.maxUploadBytes;
  const declared = Number(request.headers.get("content-length"));
  if (Number.isFinite(declared) && declared > limit + MULTIPART_OVERHEAD_BYTES) throw new HttpError(413, "Payload too large", { Connection: "close" });

  const tmpPath = path.join(await store.internalDir(store.tmpDir), `${crypto.randomUUID()}.part`);
  let fh = await fsp.open(tmpPath, "wx");
  const reader = request.body.getReader();
  let finished = false;
  let committed = false;
  try {
    const parser = new MultipartParser(boundary);
    const hash = crypto.createHash("sha256");
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
    const fullKey = [key, file.filename].filter(Boolean).join("/");
    const storageUri = nativeCall(native.fileStorageUri, fullKey);
    const target = store.pathOf(fullKey);

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
async function remove(store, request) {
  const key = nativeCall(native.fileStorageKeyFromUri, await readJsonBody(request));
  const target = store.pathOf(key);
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

function downloadBase(store, request, basePath, trustedHosts) {
  if (store.publicBaseUrl) return store.publicBaseUrl;
  if (trustedHosts && !isTrustedHost(request.url, trustedHosts)) throw new HttpError(400, UNTRUSTED_HOST);
  const base = native.fileStorageRequestBase(request.url, basePath);
  if (!base) throw new HttpError(400, "Cannot derive a download URL from this request; set `publicBaseUrl`");
  return base;
}

/**
 * The `fileStorage` routes of one server, or `null` when no `fileStorage` is configured.
 * `handle(request)` answers a request it owns and returns `null` for everything else.
 */
function createFileRoutes(storages, { basePath, bundles, trustedHosts = null }) {
  const entry = (storages || []).find((s) => s && typeof s === "object" && s[FILE_STORAGE]);
  if (!entry) return null;
  const store = entry[FILE_STORAGE];

  async function route(request, rest) {
    const method = request.method.toUpperCase();
    if (rest.startsWith("/files/")) {
      if (method !== "GET" && method !== "HEAD") return null;
      return serve(store, request, nativeCall(native.fileStorageKeyFromUrlPath, rest.slice("/files/".length)), true);
    }
    if (!bundles || !rest.startsWith("/api/storage/")) return null;
    switch (`${method} ${rest.slice("/api/storage/".length)}`) {
      case "POST upload":
        return upload(store, request);
      case "DELETE delete":
        return remove(store, request);
      case "POST readText":
        return serve(store, request, nativeCall(native.fileStorageKeyFromUri, await readJsonBody(request)), false);
      case "POST getDownloadUrl": {
        const uri = await readJsonBody(request);
        return json(200, { fileUrl: nativeCall(native.fileStorageDownloadUrl, uri, downloadBase(store, request, basePath, trustedHosts)) });
      }
      default:
        return null;
    }
  }

  return {
    async handle(request) {
      const url = request.url;
      // Cheap test first: update checks should not pay for a URL parse here.
      if (!url.includes("/files/") && !url.includes("/api/storage/")) return null;
      let rest;
      try {
        rest = relativePath(new URL(url).pathname, basePath);
      } catch {
        return null;
      }
      try {
        return await route(request, rest);
      } catch (error) {
        if (error instanceof HttpError) return json(error.status, { error: error.message }, error.headers);
        console.error("Hot Updater handler error:", error);
        return json(500, { error: "Internal server error", message: error && error.message });
      }
    },
  };
}

module.exports = { createFileRoutes, parseRange, relativePath };
