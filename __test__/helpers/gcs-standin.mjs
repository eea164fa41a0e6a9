// A stand-in for Cloud Storage's XML API on 127.0.0.1, just large enough for signed-URL reads:
// path-style `GET`/`HEAD /<bucket>/<object>` answered only for a valid V4 (GOOG4-RSA-SHA256) or
// V2 (GoogleAccessId/Expires/Signature) signed URL, verified with the service accounts' public
// keys. Everything here is written for these tests from Google's published descriptions of the
// signing processes; nothing is taken from a client library.
//
// What it checks, and how it answers, follows the real service where that is documented or
// observed (sources are listed in the test file's header):
// - V4: the canonical request is METHOD, resource path, canonical query (every parameter but
//   X-Goog-Signature, names and values RFC 3986-encoded, sorted by name), canonical headers
//   (signed headers only, lower-case names, trimmed values), the signed-header list and
//   UNSIGNED-PAYLOAD; the string to sign is GOOG4-RSA-SHA256, X-Goog-Date, the credential scope
//   and the hex SHA-256 of the canonical request; X-Goog-Signature is the hex RSA-SHA256 signature.
//   The resource path is the path as sent, except that the reserved characters
//   ?=!#$&'()*+,:;@[]" count as percent-encoded even when sent literally (Google: "you must
//   percent encode the following reserved characters ... Any other percent encoding used in the
//   URL should also be included in the resource path").
// - The `host` header is canonicalised as the host name without a port: the real endpoint has
//   none, and that is also what @google-cloud/storage signs when pointed at a custom endpoint.
// - V2: the string to sign is METHOD, Content-MD5, Content-Type, Expires, canonical x-goog-*
//   headers and the resource path (same rule as V4); Signature is its base64 RSA-SHA256 signature.
// - Errors are XML documents like the service's: 403 SignatureDoesNotMatch (with StringToSign,
//   and CanonicalRequest for V4), 400 ExpiredToken, 400 MalformedSecurityHeader for unusable
//   signing parameters, 403 AccessDenied for an unsigned request, and only after a valid
//   signature 404 NoSuchBucket / NoSuchKey.
//   Not confirmed against the real service, so chosen here: an unknown service account is a
//   403 SignatureDoesNotMatch, an X-Goog-Date in the future a 400 ExpiredToken, X-Goog-Expires
//   over 604800 a 400 MalformedSecurityHeader; only GET and HEAD are served (405 otherwise).
// The V4 canonicalisation was also checked, outside this repository, against the GET cases of
// Google's public V4 conformance vectors (googleapis/conformance-tests, storage/v1).
//
// Test switches: `setMode("refuse")` stops listening (connections are refused on the same port),
// `setMode("hang")` accepts requests and never answers, `setMode("normal")` serves again;
// `setClockOffset(ms)` moves the stand-in's clock (to test expiry without waiting). Every request
// is logged in `requests`.
import { createHash, createPublicKey, createVerify } from "node:crypto";
import http from "node:http";

const V4_ALGORITHM = "GOOG4-RSA-SHA256";
const MAX_V4_EXPIRES = 604800;
/** Reserved characters the resource path always carries percent-encoded. */
const RESERVED_IN_PATH = new Set([..."?=!#$&'()*+,:;@[]\""]);

/** RFC 3986 encoding: everything but A-Z a-z 0-9 - . _ ~ as upper-case %XX of the UTF-8 bytes. */
export function rfc3986(text) {
  let out = "";
  for (const byte of Buffer.from(text, "utf8")) {
    const c = String.fromCharCode(byte);
    out += /[A-Za-z0-9\-._~]/.test(c) ? c : `%${byte.toString(16).toUpperCase().padStart(2, "0")}`;
  }
  return out;
}

/** The resource path Cloud Storage signs for a raw request path. */
export function canonicalResourcePath(rawPath) {
  let out = "";
  for (const c of rawPath) out += RESERVED_IN_PATH.has(c) ? `%${c.charCodeAt(0).toString(16).toUpperCase()}` : c;
  return out;
}

const xmlEscape = (s) => String(s).replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&apos;" })[c]);

/** A GCS-style XML error document. */
export function errorXml(code, message, extra = {}) {
  let body = `<?xml version='1.0' encoding='UTF-8'?><Error><Code>${xmlEscape(code)}</Code><Message>${xmlEscape(message)}</Message>`;
  for (const [name, value] of Object.entries(extra)) if (value !== undefined) body += `<${name}>${xmlEscape(value)}</${name}>`;
  return `${body}</Error>`;
}

class Refusal extends Error {
  constructor(status, code, message, extra = {}) {
    super(`${status} ${code}: ${message}`);
    this.status = status;
    this.code = code;
    this.xmlMessage = message;
    this.extra = extra;
  }
}

const malformed = (details, parameter) => new Refusal(400, "MalformedSecurityHeader", "Your request has a malformed header.", { ParameterName: parameter, Details: details });
const mismatch = (extra) =>
  new Refusal(403, "SignatureDoesNotMatch", "The request signature we calculated does not match the signature you provided. Check your Google secret key and signing method.", extra);

/** Decodes one query component (`+` is a space, as in form encoding). */
function decodeComponent(text) {
  try {
    return decodeURIComponent(text.replace(/\+/g, " "));
  } catch {
    throw new Refusal(400, "InvalidArgument", "Invalid argument.", { Details: `Invalid percent-encoding in the query string: ${text}` });
  }
}

/** `[name, value]` pairs of a raw query string, decoded, in order. */
function parseQuery(rawQuery) {
  if (!rawQuery) return [];
  return rawQuery
    .split("&")
    .filter((part) => part !== "")
    .map((part) => {
      const eq = part.indexOf("=");
      return eq < 0 ? [decodeComponent(part), ""] : [decodeComponent(part.slice(0, eq)), decodeComponent(part.slice(eq + 1))];
    });
}

/** The single value of a parameter looked up case-insensitively; refused when repeated. */
function param(pairs, name) {
  const found = pairs.filter(([k]) => k.toLowerCase() === name.toLowerCase());
  if (found.length > 1) throw malformed(`The parameter ${name} appears more than once.`, name);
  return found.length ? found[0][1] : undefined;
}

/** Seconds since the epoch of an ISO 8601 basic timestamp (YYYYMMDD'T'HHMMSS'Z'), or NaN. */
function parseBasicDate(text) {
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(text ?? "");
  if (!m) return NaN;
  const [y, mo, d, h, mi, s] = m.slice(1).map(Number);
  const ms = Date.UTC(y, mo - 1, d, h, mi, s);
  const back = new Date(ms);
  // Reject dates like 20240231 that Date.UTC would roll over.
  if (back.getUTCMonth() !== mo - 1 || back.getUTCDate() !== d || h > 23 || mi > 59 || s > 59) return NaN;
  return ms / 1000;
}

/** A header value canonicalised: trimmed, inner runs of white space as one space. */
const canonicalHeaderValue = (value) => String(value).trim().replace(/\s+/g, " ");

/** The value of a request header for signing; `host` is the host name without its port. */
function requestHeader(req, name) {
  if (name === "host") {
    const host = req.headers.host;
    if (host === undefined) return undefined;
    // "[::1]:port" keeps its brackets; "name:port" loses the port.
    return host.startsWith("[") ? host.slice(0, host.indexOf("]") + 1) : host.replace(/:\d+$/, "");
  }
  const value = req.headers[name];
  if (value === undefined) return undefined;
  return Array.isArray(value) ? value.map(canonicalHeaderValue).join(",") : canonicalHeaderValue(value);
}

function verifyRsaSha256(keys, data, signature) {
  return keys.some((key) => {
    const verifier = createVerify("RSA-SHA256");
    verifier.update(data, "utf8");
    return verifier.verify(key, signature);
  });
}

/**
 * Starts the stand-in. `serviceAccounts`: `[{ clientEmail, publicKeyPem }]` (an account may be
 * listed more than once, one entry per key); `buckets`: `{ [bucket]: { [object]: Buffer | string } }`.
 */
export async function startGcsStandin({ serviceAccounts = [], buckets = {} } = {}) {
  /** client email → public keys */
  const accounts = new Map();
  const addServiceAccount = ({ clientEmail, publicKeyPem }) => {
    if (typeof clientEmail !== "string" || !clientEmail) throw new TypeError("startGcsStandin: clientEmail is required");
    const key = createPublicKey(publicKeyPem);
    accounts.set(clientEmail, [...(accounts.get(clientEmail) ?? []), key]);
  };
  for (const account of serviceAccounts) addServiceAccount(account);

  /** bucket → Map(object name → { bytes, contentType, generation, updated }) */
  const store = new Map();
  let generation = 1_700_000_000_000_000;
  const put = (bucket, key, bytes, contentType = "application/octet-stream") => {
    if (!store.has(bucket)) store.set(bucket, new Map());
    const body = Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes);
    store.get(bucket).set(key, { bytes: body, contentType, generation: String(++generation), updated: new Date() });
  };
  const remove = (bucket, key) => store.get(bucket)?.delete(key) ?? false;
  for (const [bucket, objects] of Object.entries(buckets)) {
    if (!store.has(bucket)) store.set(bucket, new Map());
    for (const [key, bytes] of Object.entries(objects ?? {})) put(bucket, key, bytes);
  }

  let clockOffsetMs = 0;
  const nowSeconds = () => (Date.now() + clockOffsetMs) / 1000;
  let mode = "normal";
  const requests = [];
  const hanging = new Set();

  /** Checks a V4 signed request; returns the signer's email. */
  function verifyV4(req, rawPath, pairs) {
    const algorithm = param(pairs, "X-Goog-Algorithm");
    const credential = param(pairs, "X-Goog-Credential");
    const date = param(pairs, "X-Goog-Date");
    const expires = param(pairs, "X-Goog-Expires");
    const signedHeadersParam = param(pairs, "X-Goog-SignedHeaders");
    const signature = param(pairs, "X-Goog-Signature");
    for (const [name, value] of [["X-Goog-Algorithm", algorithm], ["X-Goog-Credential", credential], ["X-Goog-Date", date], ["X-Goog-Expires", expires], ["X-Goog-SignedHeaders", signedHeadersParam], ["X-Goog-Signature", signature]]) {
      if (value === undefined || value === "") throw malformed(`The parameter ${name} is required for V4 signed URLs.`, name);
    }
    if (algorithm !== V4_ALGORITHM) throw malformed(`Unsupported signing algorithm ${algorithm} (this stand-in knows ${V4_ALGORITHM}).`, "X-Goog-Algorithm");

    const requestTime = parseBasicDate(date);
    if (Number.isNaN(requestTime)) throw malformed(`Invalid X-Goog-Date: ${date}`, "X-Goog-Date");
    if (!/^\d+$/.test(expires)) throw malformed(`Invalid X-Goog-Expires: ${expires}`, "X-Goog-Expires");
    const lifetime = Number(expires);
    if (lifetime < 1 || lifetime > MAX_V4_EXPIRES) throw malformed(`X-Goog-Expires must be between 1 and ${MAX_V4_EXPIRES} seconds: ${expires}`, "X-Goog-Expires");

    // <authorizer>/<YYYYMMDD>/<location>/storage/goog4_request
    const parts = credential.split("/");
    if (parts.length < 5) throw malformed(`Invalid credential: ${credential}`, "X-Goog-Credential");
    const [day, location, service, terminator] = parts.slice(-4);
    const email = parts.slice(0, -4).join("/");
    if (day !== date.slice(0, 8)) throw malformed(`The credential date ${day} is not the day of X-Goog-Date ${date}.`, "X-Goog-Credential");
    if (!location || service !== "storage" || terminator !== "goog4_request") throw malformed(`Invalid credential scope: ${parts.slice(-4).join("/")}`, "X-Goog-Credential");

    const signedHeaders = signedHeadersParam.split(";");
    const sorted = [...signedHeaders].sort();
    if (signedHeaders.some((h) => h === "" || h !== h.toLowerCase()) || sorted.join(";") !== signedHeadersParam || new Set(signedHeaders).size !== signedHeaders.length) {
      throw malformed(`X-Goog-SignedHeaders must be distinct lower-case names sorted and separated by ";": ${signedHeadersParam}`, "X-Goog-SignedHeaders");
    }
    if (!signedHeaders.includes("host")) throw malformed("host must be one of the signed headers.", "X-Goog-SignedHeaders");

    const now = nowSeconds();
    if (now < requestTime) throw new Refusal(400, "ExpiredToken", "Invalid argument.", { Details: `Request is not valid yet: X-Goog-Date ${date} is in the future.` });
    if (now >= requestTime + lifetime) throw new Refusal(400, "ExpiredToken", "Invalid argument.", { Details: `Request has expired: ${date} + ${expires}s.` });

    let canonicalHeaders = "";
    for (const name of signedHeaders) {
      const value = requestHeader(req, name);
      if (value === undefined) throw malformed(`Header was included in signedheaders, but not in the request: ${name}`, name);
      canonicalHeaders += `${name}:${value}\n`;
    }
    const canonicalQuery = pairs
      .filter(([k]) => k.toLowerCase() !== "x-goog-signature")
      .map(([k, v]) => [rfc3986(k), rfc3986(v)])
      .sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : a[1] < b[1] ? -1 : a[1] > b[1] ? 1 : 0))
      .map(([k, v]) => `${k}=${v}`)
      .join("&");
    const canonicalRequest = [req.method, canonicalResourcePath(rawPath), canonicalQuery, canonicalHeaders, signedHeadersParam, "UNSIGNED-PAYLOAD"].join("\n");
    const stringToSign = [V4_ALGORITHM, date, parts.slice(-4).join("/"), createHash("sha256").update(canonicalRequest, "utf8").digest("hex")].join("\n");
    const details = { Details: "The request signature we calculated does not match the signature you provided. Check your Google secret key and signing method.", StringToSign: stringToSign, CanonicalRequest: canonicalRequest };
    const keys = accounts.get(email);
    if (!keys) throw mismatch({ ...details, Details: `No key of service account ${email} is known here.` });
    if (!/^(?:[0-9a-fA-F]{2})+$/.test(signature) || !verifyRsaSha256(keys, stringToSign, Buffer.from(signature, "hex"))) throw mismatch(details);
    return { email, canonicalRequest, stringToSign };
  }

  /** Checks a V2 signed request; returns the signer's email. */
  function verifyV2(req, rawPath, pairs) {
    const email = param(pairs, "GoogleAccessId");
    const expires = param(pairs, "Expires");
    const signature = param(pairs, "Signature");
    for (const [name, value] of [["GoogleAccessId", email], ["Expires", expires], ["Signature", signature]]) {
      if (value === undefined || value === "") throw malformed(`The parameter ${name} is required for V2 signed URLs.`, name);
    }
    if (!/^\d+$/.test(expires)) throw malformed(`Invalid Expires: ${expires}`, "Expires");
    if (nowSeconds() > Number(expires)) throw new Refusal(400, "ExpiredToken", "The provided token has expired.", { Details: `Request has expired: ${expires}` });
    const extension = Object.keys(req.headers)
      .filter((name) => name.startsWith("x-goog-"))
      .sort()
      .map((name) => `${name}:${requestHeader(req, name)}\n`)
      .join("");
    const stringToSign = [req.method, requestHeader(req, "content-md5") ?? "", requestHeader(req, "content-type") ?? "", expires, extension + canonicalResourcePath(rawPath)].join("\n");
    const keys = accounts.get(email);
    if (!keys || !/^[A-Za-z0-9+/]+={0,2}$/.test(signature) || !verifyRsaSha256(keys, stringToSign, Buffer.from(signature, "base64"))) {
      throw mismatch({ StringToSign: stringToSign });
    }
    return { email, stringToSign };
  }

  function handle(req, res, entry) {
    const url = req.url ?? "/";
    const q = url.indexOf("?");
    const rawPath = q < 0 ? url : url.slice(0, q);
    const rawQuery = q < 0 ? "" : url.slice(q + 1);
    if (req.method !== "GET" && req.method !== "HEAD") throw new Refusal(405, "MethodNotAllowed", "The specified method is not allowed against this resource.");
    const pairs = parseQuery(rawQuery);
    const names = new Set(pairs.map(([k]) => k.toLowerCase()));
    const isV4 = [...names].some((k) => k.startsWith("x-goog-"));
    const isV2 = names.has("googleaccessid") || names.has("signature") || names.has("expires");
    if (isV4 && isV2) throw malformed("A request carries both V2 and V4 signing parameters.", "X-Goog-Algorithm");
    if (!isV4 && !isV2) {
      throw new Refusal(403, "AccessDenied", "Access denied.", {
        Details: "Anonymous caller does not have storage.objects.get access to the Google Cloud Storage object. Permission 'storage.objects.get' denied on resource (or it may not exist).",
      });
    }
    const verified = isV4 ? verifyV4(req, rawPath, pairs) : verifyV2(req, rawPath, pairs);
    entry.version = isV4 ? "v4" : "v2";
    entry.signer = verified.email;

    const match = /^\/([^/]+)\/(.+)$/.exec(rawPath);
    if (!match) throw new Refusal(400, "InvalidArgument", "Invalid argument.", { Details: "This stand-in serves only path-style object URLs /<bucket>/<object>." });
    let bucketName;
    let objectName;
    try {
      bucketName = decodeURIComponent(match[1]);
      objectName = decodeURIComponent(match[2]);
    } catch {
      throw new Refusal(400, "InvalidURI", "Couldn't parse the specified URI.");
    }
    entry.bucket = bucketName;
    entry.key = objectName;
    const bucket = store.get(bucketName);
    if (!bucket) throw new Refusal(404, "NoSuchBucket", "The specified bucket does not exist.");
    const object = bucket.get(objectName);
    if (!object) throw new Refusal(404, "NoSuchKey", "The specified key does not exist.", { Details: `No such object: ${bucketName}/${objectName}` });

    const md5 = createHash("md5").update(object.bytes);
    res.writeHead(200, {
      "Content-Type": object.contentType,
      "Content-Length": object.bytes.length,
      ETag: `"${md5.copy().digest("hex")}"`,
      "Last-Modified": object.updated.toUTCString(),
      "x-goog-generation": object.generation,
      "x-goog-metageneration": "1",
      "x-goog-stored-content-length": String(object.bytes.length),
      "x-goog-stored-content-encoding": "identity",
      "x-goog-hash": `md5=${md5.digest("base64")}`,
      "x-goog-storage-class": "STANDARD",
    });
    res.end(req.method === "HEAD" ? undefined : object.bytes);
    return 200;
  }

  const server = http.createServer((req, res) => {
    const entry = { method: req.method, url: req.url, host: req.headers.host, at: Date.now(), version: null, signer: null, status: null, code: null };
    requests.push(entry);
    if (mode === "hang") {
      entry.status = "hung";
      hanging.add(res);
      res.on("close", () => hanging.delete(res));
      return;
    }
    try {
      entry.status = handle(req, res, entry);
    } catch (error) {
      if (!(error instanceof Refusal)) {
        entry.status = 500;
        entry.code = "InternalError";
        entry.error = String(error?.stack ?? error);
        res.writeHead(500, { "Content-Type": "application/xml; charset=UTF-8" });
        res.end(errorXml("InternalError", "We encountered an internal error. Please try again."));
        return;
      }
      entry.status = error.status;
      entry.code = error.code;
      entry.details = error.extra;
      const body = errorXml(error.code, error.xmlMessage, error.extra);
      res.writeHead(error.status, { "Content-Type": "application/xml; charset=UTF-8", "Content-Length": Buffer.byteLength(body) });
      res.end(req.method === "HEAD" ? undefined : body);
    }
  });
  server.keepAliveTimeout = 1000;

  const listen = (port) =>
    new Promise((resolve, reject) => {
      server.once("error", reject);
      server.listen(port, "127.0.0.1", () => {
        server.off("error", reject);
        resolve(server.address().port);
      });
    });
  const closeListener = () =>
    new Promise((resolve) => {
      if (!server.listening) return resolve();
      server.close(() => resolve());
      server.closeAllConnections();
    });

  const port = await listen(0);
  const endpoint = `http://127.0.0.1:${port}`;

  return {
    endpoint,
    port,
    requests,
    put,
    remove,
    addServiceAccount,
    /** "normal" | "refuse" (nothing listens on the port) | "hang" (requests are never answered). */
    async setMode(next) {
      if (!["normal", "refuse", "hang"].includes(next)) throw new TypeError(`unknown mode ${next}`);
      if (next === "refuse" && server.listening) await closeListener();
      if (next !== "refuse" && !server.listening) await listen(port);
      if (next !== "hang") for (const res of hanging) res.destroy();
      mode = next;
    },
    /** Moves the stand-in's clock by `ms` (positive: later) for expiry checks. */
    setClockOffset(ms) {
      clockOffsetMs = ms;
    },
    async stop() {
      for (const res of hanging) res.destroy();
      await closeListener();
    },
  };
}
