// What the storage test files share: update checks through a handler, downloads that only ever
// reach loopback (or the server's own /files/ route), a small origin server for custom plugins
// and plain http(s) URIs, and a custom JS storage plugin on top of it.
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import http from "node:http";

import { smallBundle } from "./fixtures.mjs";

export const NIL = "00000000-0000-0000-0000-000000000000";
export const SDK = { "Hot-Updater-SDK-Version": "0.36.0" };
export const sha256 = (bytes) => createHash("sha256").update(bytes).digest("hex");
/** `0195a000-0000-7000-8000-0000000000<n>` (n: two hex digits). */
export const bundleId = (n) => `0195a000-0000-7000-8000-0000000000${n}`;
/** A bundle `n` on `channel` for app version 1.x whose archive is `storageUri`. */
export function storageBundle(n, channel, storageUri, extra = {}) {
  return smallBundle(n, { id: bundleId(n), fileHash: `hash-${n}`, message: `bundle ${n}`, channel, storageUri, ...extra });
}

/** An app-version update check on basePath `/hot-updater` (iOS, from `bundle`, minBundleId NIL). */
export const checkPath = (channel, { appVersion = "1.0.0", bundle = NIL } = {}) => `/hot-updater/app-version/ios/${appVersion}/${channel}/${NIL}/${bundle}`;

/** An update check (SDK 0.36.0) through `hotUpdater.handler`: status, content type, text, JSON (null when not JSON). */
export async function check(hotUpdater, path) {
  const res = await hotUpdater.handler(new Request(`http://localhost${path}`, { headers: SDK }));
  const text = await res.text();
  let json = null;
  try {
    json = JSON.parse(text);
  } catch {
    // left null; callers assert on status and text
  }
  return { status: res.status, contentType: res.headers.get("content-type"), text, json };
}

/**
 * Downloads `url`: through `server`'s handler for its own `http://localhost/…/files/` URLs, else
 * from 127.0.0.1 only (a test never reaches the network).
 */
export async function download(url, { server, method = "GET", timeoutMs = 10_000 } = {}) {
  const target = new URL(url);
  let res;
  if (target.origin === "http://localhost") {
    assert.ok(server && target.pathname.includes("/files/"), `only the server's own files are local: ${url}`);
    res = await server.handler(new Request(url, { method }));
  } else {
    assert.equal(target.hostname, "127.0.0.1", `tests only talk to 127.0.0.1, not ${url}`);
    res = await fetch(url, { method, signal: AbortSignal.timeout(timeoutMs) });
  }
  const bytes = Buffer.from(await res.arrayBuffer());
  return { status: res.status, headers: res.headers, bytes, text: bytes.toString("utf8") };
}

/** A loopback origin serving `objects` (Map path → bytes) at `/<path>`; 404 for anything else. */
export async function startOrigin(objects = new Map()) {
  const requests = [];
  const server = http.createServer((req, res) => {
    let path;
    try {
      path = decodeURIComponent(new URL(req.url, "http://origin").pathname.slice(1));
    } catch {
      path = null;
    }
    requests.push({ method: req.method, path });
    const body = path === null ? undefined : objects.get(path);
    if (!body) {
      res.writeHead(404, { "content-type": "text/plain" });
      res.end("not found");
      return;
    }
    res.writeHead(200, { "content-type": "application/octet-stream", "content-length": body.length });
    res.end(req.method === "HEAD" ? undefined : body);
  });
  await new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", resolve);
  });
  return {
    url: `http://127.0.0.1:${server.address().port}`,
    objects,
    requests,
    async close() {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(() => resolve()));
    },
  };
}

/**
 * A custom JS storage plugin for `protocol` on `origin`: `<protocol>://<host>/<key>` →
 * `<origin>/<tag>/<key>`; readText reads `<tag>/<key>` from the origin's objects (null when
 * missing), as upstream's runtime profile asks. Calls are logged in `calls`.
 */
export function originPlugin(origin, tag, protocol = "custom") {
  const calls = [];
  const keyOf = (storageUri) => decodeURIComponent(new URL(storageUri).pathname.slice(1));
  return {
    calls,
    name: `jsStorage-${tag}`,
    supportedProtocol: protocol,
    profiles: {
      runtime: {
        async getDownloadUrl(storageUri) {
          calls.push(["getDownloadUrl", storageUri]);
          return { fileUrl: `${origin.url}/${tag}/${keyOf(storageUri).split("/").map(encodeURIComponent).join("/")}` };
        },
        async readText(storageUri) {
          calls.push(["readText", storageUri]);
          const body = origin.objects.get(`${tag}/${keyOf(storageUri)}`);
          return body === undefined ? null : body.toString("utf8");
        },
      },
    },
  };
}
