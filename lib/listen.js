"use strict";
// `hotUpdater.listen({ port, host, signal })`: the built-in HTTP/1.1 server (src/listener). Update
// checks, `/version` and the bundle API are answered natively, without entering JavaScript (a JS
// database or storage plugin is still called through the plugin bridge, as from `handler`).
// `fileStorage`'s streaming routes (downloads, uploads, readText, delete) are handed to `handler`
// whole through the forward function below.
//
// `auth`: `bearerToken` is checked natively, with lib/auth.js's rule. `verify` is a JS function
// that gets a Web `Request`; the listener refuses to start with it rather than build a `Request`
// for every management call (mount `handler` in a framework for that).

const { configError, fromNative, messageOf } = require("./errors.js");
const { FILE_STORAGE, constants } = require("./file-storage.js");
const native = require("./binding.js");

const NO_BODY = Buffer.alloc(0);
// A timer that keeps the event loop alive while the listener is open (the native server's
// sockets are not libuv handles). Its period is irrelevant: it never fires usefully.
const KEEP_ALIVE_PERIOD_MS = 0x7fffffff;

function frame(status, headers, body) {
  return Buffer.concat([Buffer.from(`${JSON.stringify({ status, headers })}\n`), body]);
}

/** The forward function the native listener calls for routes that need `handler`. */
function createForward(handler) {
  return async function forward(method, url, headersJson, body) {
    try {
      const init = { method, headers: JSON.parse(headersJson) };
      if (method !== "GET" && method !== "HEAD") init.body = body;
      const res = await handler(new Request(url, init));
      const headers = [];
      res.headers.forEach((value, name) => headers.push([name, value]));
      const data = res.body === null ? NO_BODY : Buffer.from(await res.arrayBuffer());
      return frame(res.status, headers, data);
    } catch (error) {
      console.error("Hot Updater handler error:", error);
      const text = JSON.stringify({ error: "Internal server error", message: messageOf(error) });
      return frame(500, [["content-type", "application/json"]], Buffer.from(text));
    }
  };
}

function optionalInteger(options, key, min, max) {
  const value = options[key];
  if (value === undefined) return undefined;
  if (!Number.isInteger(value) || value < min || value > max) {
    throw configError(`listen: \`${key}\` must be an integer from ${min} to ${max}.`);
  }
  return value;
}

function abortError(signal) {
  const error = new Error("listen: aborted before the listener started", { cause: signal.reason });
  error.name = "AbortError";
  error.code = "ABORT_ERR";
  return error;
}

/**
 * `listen` for one instance. `auth` is the `createHotUpdater` option (already checked by
 * lib/auth.js), `storages` its storages (for `fileStorage`'s upload limit).
 */
function createListen({ server, handler, auth, storages }) {
  let forwardSet = false;
  const store = (storages || []).map((s) => s && typeof s === "object" && s[FILE_STORAGE]).find(Boolean);
  const forwardBodyBytes = store ? Math.max(native.MAX_BODY_BYTES, store.maxUploadBytes + constants.MULTIPART_OVERHEAD_BYTES) : undefined;

  return async function listen(options) {
    const opts = options ?? {};
    if (typeof opts !== "object") throw configError("listen: options must be an object { port, host?, signal? }.");
    if (auth != null && auth.verify !== undefined) {
      throw configError(
        "listen: `auth.verify` is a JS function and the native listener does not call it; use `auth.bearerToken` with listen(), or mount `handler` in a framework to keep `verify`.",
      );
    }
    const port = opts.port ?? 0;
    if (!Number.isInteger(port) || port < 0 || port > 65535) throw configError("listen: `port` must be an integer from 0 to 65535 (0: any free port).");
    const host = opts.host ?? "0.0.0.0";
    if (typeof host !== "string" || host === "") throw configError("listen: `host` must be a non-empty string such as \"127.0.0.1\" or \"::\".");
    const signal = opts.signal;
    if (signal !== undefined && (signal === null || typeof signal.aborted !== "boolean" || typeof signal.addEventListener !== "function")) {
      throw configError("listen: `signal` must be an AbortSignal.");
    }
    const nativeOptions = {
      port,
      host,
      bearerToken: auth != null ? auth.bearerToken : undefined,
      authExempt: auth != null && Array.isArray(auth.exempt) ? auth.exempt : undefined,
      forwardBodyBytes,
      maxUploadBytes: store ? store.maxUploadBytes : undefined,
      headersTimeoutMs: optionalInteger(opts, "headersTimeoutMs", 1, 3_600_000),
      requestTimeoutMs: optionalInteger(opts, "requestTimeoutMs", 1, 3_600_000),
      maxHeaders: optionalInteger(opts, "maxHeaders", 1, 10_000),
      maxHeaderBytes: optionalInteger(opts, "maxHeaderBytes", 8192, 16 * 1024 * 1024),
    };
    if (signal !== undefined && signal.aborted) throw abortError(signal);
    if (!forwardSet) {
      server.setListenForward(createForward(handler));
      forwardSet = true;
    }
    let listener;
    try {
      listener = await server.listen(nativeOptions);
    } catch (error) {
      throw fromNative(error);
    }
    const keepAlive = setInterval(() => {}, KEEP_ALIVE_PERIOD_MS);
    let closing = null;
    const onAbort = () => {
      handle.close().catch((error) => console.error("Hot Updater listener close failed:", error));
    };
    const handle = {
      port: listener.port,
      host: listener.address,
      /** Stops accepting, finishes in-flight requests, closes connections; idempotent. */
      close() {
        if (closing === null) {
          if (signal !== undefined) signal.removeEventListener("abort", onAbort);
          closing = listener.close().then(
            () => {
              clearInterval(keepAlive);
            },
            (error) => {
              clearInterval(keepAlive);
              throw fromNative(error);
            },
          );
        }
        return closing;
      },
      /** Lets the process exit while the listener is open (as `server.unref()`). */
      unref() {
        keepAlive.unref();
        return handle;
      },
      ref() {
        keepAlive.ref();
        return handle;
      },
    };
    if (signal !== undefined) {
      signal.addEventListener("abort", onAbort, { once: true });
      // Aborted while binding.
      if (signal.aborted) onAbort();
    }
    return handle;
  };
}

module.exports = { createListen };
