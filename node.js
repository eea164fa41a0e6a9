"use strict";
// `toNodeHandler` for Express / Connect-style servers.

const { Readable } = require("node:stream");
const { pipeline } = require("node:stream/promises");
const { HOT_UPDATER_SERVER_VERSION, INSTANCE } = require("./lib/server.js");

/** Node's lowercase name of the SDK version header update checks read. */
const SDK_HEADER = "hot-updater-sdk-version";

/** Bodies larger than this are refused with 413 while they are read (defined natively). */
const { MAX_BODY_BYTES } = require("./lib/binding.js");

function readRawBody(req) {
  return new Promise((resolve, reject) => {
    const chunks = [];
    let size = 0;
    let done = false;
    req.on("data", (chunk) => {
      if (done) return;
      size += chunk.length;
      if (size > MAX_BODY_BYTES) {
        done = true;
        req.resume();
        resolve({ tooLarge: true });
        return;
      }
      chunks.push(chunk);
    });
    req.on("end", () => {
      if (!done) resolve({ text: Buffer.concat(chunks).toString("utf8") });
    });
    req.on("error", reject);
  });
}

async function requestBody(req) {
  const body = req.body;
  if (typeof body === "string" || Buffer.isBuffer(body)) return { text: body.toString() };
  // Upstream's rule: a body parser's result is sent as JSON.
  if (body) return { text: JSON.stringify(body) };
  // No parser ran: read the stream ourselves, so `express.json()` is optional.
  if (req._body !== true && typeof req.on === "function" && !req.readableEnded) return readRawBody(req);
  return {};
}

function isStreamedUpload(req) {
  const type = (req.headers && req.headers["content-type"]) || "";
  return req.method === "POST" && !req.body && req._body !== true && typeof req.on === "function" && !req.readableEnded && /^multipart\/form-data/i.test(type);
}

function send(res, status, headers, text) {
  if (typeof res.status === "function") res.status(status);
  else res.statusCode = status;
  for (const [key, value] of headers) res.setHeader(key, value);
  if (text && typeof res.send === "function") res.send(text);
  else res.end(text || undefined);
}

/**
 * Adapts a hot-updater-rs server to `(req, res, next?) => Promise<void>` for Express 4/5 and
 * Connect (and plain `http.createServer`).
 */
function toNodeHandler(hotUpdater) {
  // A hot-updater-rs server answers warm update checks and `/version` within one native call,
  // without the Web Request and Response a handler needs (about half of the time per check
  // through Express); any other object with a `handler` goes the general way.
  const instance = hotUpdater && hotUpdater[INSTANCE];
  const quickGet = instance && typeof instance.quickGet === "function" ? instance.quickGet : null;
  return async function hotUpdaterNodeHandler(req, res) {
    try {
      const host = (typeof req.get === "function" && req.get("host")) || (req.headers && req.headers.host) || "localhost";
      const url = `${req.protocol || "http"}://${host}${req.url || "/"}`;
      let quick;
      if (quickGet !== null && req.method === "GET") {
        // As the general way's `Headers` sees it: an empty value is no header.
        const value = req.headers && req.headers[SDK_HEADER];
        quick = quickGet(url, value ? headerText(value) : null);
        if (typeof quick === "string") {
          send(res, 200, JSON_HEADERS, quick);
          return;
        }
      }
      let response;
      if (quick !== undefined) {
        response = await quick;
      } else {
        const request = await toRequest(req, url);
        if (request === TOO_LARGE) {
          send(res, 413, [["Content-Type", "application/json"]], JSON.stringify({ error: "Payload too large" }));
          return;
        }
        response = await hotUpdater.handler(request);
      }
      if (response.body && !/^application\/json\b/i.test(response.headers.get("content-type") || "")) {
        // fileStorage downloads: bytes, streamed (a text round trip would corrupt them).
        if (typeof res.status === "function") res.status(response.status);
        else res.statusCode = response.status;
        for (const [key, value] of response.headers) res.setHeader(key, value);
        await pipeline(Readable.fromWeb(response.body), res).catch(() => res.destroy());
        return;
      }
      const text = await response.text();
      send(res, response.status, response.headers, text);
    } catch (error) {
      console.error("Hot Updater handler error:", error);
      send(res, 500, [], "Internal Server Error");
    }
  };
}

const TOO_LARGE = Symbol("too large");

/** The header of a 200 JSON answer; only read by `send`, which copies it into the response. */
const JSON_HEADERS = [["content-type", "application/json"]];

/** A Node header value as one string (repeated headers joined, as `Headers` joins them). */
const headerText = (value) => (Array.isArray(value) ? value.join(", ") : String(value));

/** The Web Request of `req` at `url`, or `TOO_LARGE` for a body over the limit. */
async function toRequest(req, url) {
  const headers = new Headers();
  for (const [key, value] of Object.entries(req.headers || {})) {
    if (value) headers.set(key, headerText(value));
  }
  const init = { method: req.method, headers };
  if (isStreamedUpload(req)) {
    // fileStorage uploads: binary and possibly huge, so handed over as the raw stream.
    init.body = Readable.toWeb(req);
    init.duplex = "half";
  } else if (req.method && req.method !== "GET" && req.method !== "HEAD") {
    const body = await requestBody(req);
    if (body.tooLarge) return TOO_LARGE;
    if (body.text !== undefined) init.body = body.text;
  }
  return new Request(url, init);
}

module.exports = { toNodeHandler, HOT_UPDATER_SERVER_VERSION };
