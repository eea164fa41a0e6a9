// A local stand-in for Supabase Storage ("storage-api" behind the API gateway) on 127.0.0.1,
// for tests that cannot reach a real Supabase. It answers the routes the Hot Updater storage
// plugins use and checks what the real service checks, with the real status codes and error
// bodies. Facts come from supabase/storage (src/http/routes/object/*.ts, src/storage/object.ts,
// src/internal/auth/jwt.ts, src/internal/errors/*.ts, src/http/plugins/jwt.ts,
// src/storage/limits.ts) and supabase/supabase (docker/volumes/api/kong.yml); the code here is
// written from scratch.
//
// What the real service does, and this stand-in too:
// - Gateway (Kong, self-hosted config): `/storage/v1/*` is proxied to storage-api with the prefix
//   stripped; there is NO key-auth on the storage route (S3 presigned URLs carry no apikey). The
//   Authorization header passes through unless it is `Bearer sb_…`; otherwise an opaque secret
//   key in `apikey` is swapped for the service-role JWT, else `apikey` itself is forwarded as
//   Authorization. Unknown paths answer 404 `{"message":"no Route matched with those values"}`.
// - storage-api verifies Authorization as an HS256 JWT with the project's JWT secret (jose).
//   Failure on an authenticated route: AccessDenied. Errors are rendered as JSON
//   `{statusCode, code, error, message}`, with HTTP 400 for every non-500 error (the real status
//   is only in the `statusCode` string), e.g. a missing object is HTTP 400
//   `{"statusCode":"404","code":"NoSuchKey","error":"not_found","message":"Object not found"}`.
// - Only the service_role bypasses row level security; with no policies (the default) other
//   roles see no objects at all. Buckets here are private.
// - Object keys must match `^[A-Za-z0-9_/!.*'() &$=@;:+,?-]+$` (so no non-ASCII): otherwise
//   InvalidKey on any lookup by key, and uploads are refused (so `put` throws).
// - `POST /object/sign/:bucket/*` {expiresIn} → {signedURL: "/object/sign/<decodeURI(path)>?token=…"}
//   where the path is the raw request path (so a key arrives percent-encoded and is decoded with
//   decodeURI, which leaves reserved escapes such as %26 as they are).
// - `POST /object/sign/:bucket` {expiresIn, paths} → 200 with one {error, path, signedURL} per
//   path; a missing/invisible object (or unknown bucket) gives error
//   "Either the object does not exist or you do not have access to it", signedURL null.
// - Signed tokens: HS256 with the JWT secret, payload {url: "<bucket>/<key>", scope: "download",
//   iat, exp} (legacy tokens without scope are still accepted for downloads).
// - `GET /object/sign/:bucket/*?token=` (no auth): bad token → 400 InvalidJWT with jose's message,
//   wrong scope / other object → 400 InvalidSignature, then the object is looked up.
// - `GET /object/authenticated/:bucket/*` needs a valid JWT; `GET /object/:bucket/*` also takes
//   none (anonymous), then a private bucket reads as NoSuchBucket "Bucket not found".
import { createHash, createHmac, randomBytes, timingSafeEqual } from "node:crypto";
import http from "node:http";

const PREFIX = "/storage/v1";
const VALID_OBJECT_KEY = /^[A-Za-z0-9_/!.*'() &$=@;:+,?-]*$/;
const MAX_OBJECTS_PER_REQUEST = 1000;
const NO_ACCESS = "Either the object does not exist or you do not have access to it";

// ---------------------------------------------------------------------------------------------
// HS256 JWTs (what jose does for storage-api, with jose's error messages).

const b64url = (buf) => Buffer.from(buf).toString("base64url");
const fromB64url = (s) => Buffer.from(s, "base64url");

/** Signs `payload` with HS256; `iat`/`exp` are added when `expiresIn` (seconds) is given. */
export function signJwt(payload, secret, { expiresIn, now = Math.floor(Date.now() / 1000), header = { alg: "HS256" } } = {}) {
  const claims = { ...payload };
  if (expiresIn !== undefined) {
    claims.iat = now;
    claims.exp = now + expiresIn;
  }
  const input = `${b64url(JSON.stringify(header))}.${b64url(JSON.stringify(claims))}`;
  return `${input}.${createHmac("sha256", secret).update(input).digest("base64url")}`;
}

class JwtError extends Error {}

/** Verifies an HS256 JWT like jose's jwtVerify with algorithms ["HS256"]; throws jose's messages. */
export function verifyJwt(token, secret) {
  if (typeof token !== "string") throw new JwtError("Invalid Compact JWS");
  const parts = token.split(".");
  if (parts.length !== 3) throw new JwtError("Invalid Compact JWS");
  const [h, p, s] = parts;
  let header;
  try {
    header = JSON.parse(fromB64url(h).toString("utf8"));
  } catch {
    throw new JwtError("JWS Protected Header is invalid");
  }
  if (!header || typeof header !== "object" || Array.isArray(header)) throw new JwtError("JWS Protected Header is invalid");
  if (header.alg !== "HS256") throw new JwtError('"alg" (Algorithm) Header Parameter value not allowed');
  const expected = createHmac("sha256", secret).update(`${h}.${p}`).digest();
  const given = fromB64url(s);
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) throw new JwtError("signature verification failed");
  let payload;
  try {
    payload = JSON.parse(fromB64url(p).toString("utf8"));
  } catch {
    throw new JwtError("JWT Claims Set must be a top-level JSON object");
  }
  if (!payload || typeof payload !== "object" || Array.isArray(payload)) throw new JwtError("JWT Claims Set must be a top-level JSON object");
  const now = Math.floor(Date.now() / 1000);
  if (payload.nbf !== undefined) {
    if (typeof payload.nbf !== "number") throw new JwtError('"nbf" claim must be a number');
    if (payload.nbf > now) throw new JwtError('"nbf" claim timestamp check failed');
  }
  if (payload.exp !== undefined) {
    if (typeof payload.exp !== "number") throw new JwtError('"exp" claim must be a number');
    if (payload.exp <= now) throw new JwtError('"exp" claim timestamp check failed');
  }
  return payload;
}

/** An API key as `supabase start` / the self-hosted setup makes them: a long-lived role JWT. */
export function makeApiKey(role, jwtSecret) {
  return signJwt({ iss: "supabase", ref: "standin", role }, jwtSecret, { expiresIn: 10 * 365 * 86400 });
}

// ---------------------------------------------------------------------------------------------
// storage-api errors: HTTP 400 for everything but 500, the real code in `statusCode`.

class StorageError extends Error {
  constructor(statusCode, code, message, error) {
    super(message);
    this.statusCode = statusCode;
    this.code = code;
    this.error = error ?? code;
  }
  get httpStatus() {
    return this.statusCode === 500 ? 500 : 400;
  }
  body() {
    return { statusCode: String(this.statusCode), code: this.code, error: this.error, message: this.message };
  }
}

const ERRORS = {
  accessDenied: (message) => new StorageError(403, "AccessDenied", message || "Access denied", "Unauthorized"),
  noSuchKey: () => new StorageError(404, "NoSuchKey", "Object not found", "not_found"),
  noSuchBucket: () => new StorageError(404, "NoSuchBucket", "Bucket not found", "Bucket not found"),
  invalidKey: (key) => new StorageError(400, "InvalidKey", `Invalid key: ${key}`),
  invalidJwt: (message) => new StorageError(400, "InvalidJWT", message || "Invalid JWT"),
  invalidSignature: (message) => new StorageError(400, "InvalidSignature", message || "Invalid signature"),
  expiredSignature: () => new StorageError(400, "ExpiredToken", "The provided token has expired."),
  invalidParameter: (name) => new StorageError(400, "InvalidParameter", `Invalid Parameter ${name}`),
  // Fastify schema validation errors (FST_ERR_VALIDATION → InvalidRequest, error = err.name).
  validation: (message) => new StorageError(400, "InvalidRequest", message, "Error"),
};

// ---------------------------------------------------------------------------------------------

function decodeSegment(s) {
  try {
    return decodeURIComponent(s);
  } catch {
    return null;
  }
}

function contentTypeOf(key) {
  const ext = key.slice(key.lastIndexOf(".") + 1).toLowerCase();
  return { json: "application/json", zip: "application/zip", png: "image/png", txt: "text/plain", br: "application/x-brotli" }[ext] ?? "application/octet-stream";
}

/**
 * Starts the stand-in. Options:
 * - `jwtSecret`: the project's JWT secret (default: random);
 * - `serviceKey`: the service-role key: a JWT signed with `jwtSecret` (role service_role), or an
 *   opaque `sb_secret_…` key that the gateway swaps for the service-role JWT. Default: a minted
 *   legacy service-role JWT;
 * - `buckets`: `{ [bucket]: { [key]: Buffer|string } }` (private buckets);
 * - `mode`: "normal" (default), "hang" (read requests, never answer) or "reset" (drop them).
 *
 * Returns `{ url, serviceKey, anonKey, jwtSecret, requests, put, remove, has, setMode, signToken, stop }`.
 * `requests` logs `{ method, path, headers, body, status }` (path is the raw request target).
 */
export async function startSupabaseStandin({ serviceKey, jwtSecret = randomBytes(32).toString("hex"), buckets = {}, mode = "normal" } = {}) {
  const serviceJwt = makeApiKey("service_role", jwtSecret);
  const anonKey = makeApiKey("anon", jwtSecret);
  let opaqueSecretKey = null;
  if (serviceKey === undefined) {
    serviceKey = serviceJwt;
  } else if (typeof serviceKey === "string" && serviceKey.startsWith("sb_secret_")) {
    opaqueSecretKey = serviceKey;
  } else {
    // A JWT key must really be a service-role key of this project, or the setup is wrong.
    let payload;
    try {
      payload = verifyJwt(serviceKey, jwtSecret);
    } catch (e) {
      throw new Error(`startSupabaseStandin: serviceKey must be a JWT signed with jwtSecret or an sb_secret_ key (${e.message})`);
    }
    if (payload.role !== "service_role") throw new Error("startSupabaseStandin: serviceKey must have role service_role");
  }

  /** bucket → key → { bytes, contentType, etag, lastModified } */
  const store = new Map();
  const put = (bucket, key, bytes, { contentType } = {}) => {
    const objects = store.get(bucket);
    if (!objects) throw new Error("Bucket not found");
    if (!key || !VALID_OBJECT_KEY.test(key)) throw new Error(`Invalid key: ${key}`);
    const body = Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes);
    objects.set(key, {
      bytes: body,
      contentType: contentType ?? contentTypeOf(key),
      etag: `"${createHash("md5").update(body).digest("hex")}"`,
      lastModified: new Date().toUTCString(),
    });
  };
  for (const [bucket, objects] of Object.entries(buckets)) {
    store.set(bucket, new Map());
    for (const [key, bytes] of Object.entries(objects ?? {})) put(bucket, key, bytes);
  }

  const requests = [];

  /** The gateway's Authorization rewrite, then storage-api's JWT check. */
  function authenticate(headers) {
    const authz = headers.authorization;
    const apikey = headers.apikey;
    let forwarded;
    if (authz !== undefined && !authz.startsWith("Bearer sb_")) forwarded = authz;
    else if (opaqueSecretKey !== null && apikey === opaqueSecretKey) forwarded = `Bearer ${serviceJwt}`;
    else forwarded = apikey;
    const jwt = (forwarded ?? "").replace(/^Bearer\s+/i, "");
    if (!jwt) return { ok: false, message: "Invalid Compact JWS", role: "anon" };
    try {
      const payload = verifyJwt(jwt, jwtSecret);
      return { ok: true, role: payload.role ?? "anon" };
    } catch (e) {
      if (!(e instanceof JwtError)) throw e;
      return { ok: false, message: e.message, role: "anon" };
    }
  }

  /** findObject: key validation, then the row as the role may see it (no RLS policies: only service_role). */
  function findObject(bucket, key, role) {
    if (!key || !VALID_OBJECT_KEY.test(key)) throw ERRORS.invalidKey(key ?? "");
    const obj = role === "service_role" ? store.get(bucket)?.get(key) : undefined;
    if (!obj) throw ERRORS.noSuchKey();
    return obj;
  }

  function checkExpiresIn(body) {
    if (body === undefined || body === null || typeof body !== "object" || Array.isArray(body)) throw ERRORS.validation("body must be object");
    if (!("expiresIn" in body)) throw ERRORS.validation("body must have required property 'expiresIn'");
    const { expiresIn } = body;
    if (typeof expiresIn !== "number" || !Number.isInteger(expiresIn)) throw ERRORS.validation("body/expiresIn must be integer");
    if (expiresIn < 1) throw ERRORS.validation("body/expiresIn must be >= 1");
    if (!Number.isSafeInteger(expiresIn) || expiresIn > 10 * 365 * 86400 * 100) throw ERRORS.invalidParameter("expiresIn");
    return expiresIn;
  }

  function sendJson(res, status, value) {
    const text = JSON.stringify(value);
    res.writeHead(status, { "content-type": "application/json; charset=utf-8", "content-length": Buffer.byteLength(text) });
    res.end(text);
    return status;
  }

  function sendObject(res, obj, method, extraHeaders = {}) {
    res.writeHead(200, {
      "content-type": obj.contentType,
      "content-length": obj.bytes.length,
      "cache-control": "max-age=3600",
      etag: obj.etag,
      "last-modified": obj.lastModified,
      ...extraHeaders,
    });
    res.end(method === "HEAD" ? undefined : obj.bytes);
    return 200;
  }

  /** storage-api, after the gateway stripped `/storage/v1`. Returns the status sent. */
  function route(req, res, rawPath, query, bodyText) {
    const method = req.method;
    const segments = rawPath.split("/").slice(1); // ["object", ...]
    const notFound = () => sendJson(res, 404, { statusCode: "404", error: "Not Found", message: `Route ${method}:${req.url.slice(PREFIX.length)} not found`, code: "InvalidRequest" });
    if (segments[0] !== "object" || segments.length < 2) return notFound();
    const decoded = segments.map(decodeSegment);
    if (decoded.includes(null)) return sendJson(res, 400, { statusCode: "400", error: "Bad Request", message: `'${rawPath}' is not a valid url component`, code: "InvalidRequest" });
    const parseBody = () => {
      if (!bodyText) return undefined;
      if (!/application\/json/i.test(req.headers["content-type"] ?? "")) return undefined;
      try {
        return JSON.parse(bodyText);
      } catch {
        throw new StorageError(400, "InvalidRequest", `Body is not valid JSON but content-type is set to 'application/json'`, "Bad Request");
      }
    };

    try {
      // POST /object/sign/:bucket  and  POST /object/sign/:bucket/*
      if (method === "POST" && decoded[1] === "sign" && segments.length >= 3) {
        const bucket = decoded[2];
        if (segments.length === 3) {
          const body = parseBody();
          const expiresIn = checkExpiresIn(body);
          if (!("paths" in body)) throw ERRORS.validation("body must have required property 'paths'");
          if (!Array.isArray(body.paths)) throw ERRORS.validation("body/paths must be array");
          if (body.paths.length < 1) throw ERRORS.validation("body/paths must NOT have fewer than 1 items");
          if (body.paths.length > MAX_OBJECTS_PER_REQUEST) throw ERRORS.validation(`body/paths must NOT have more than ${MAX_OBJECTS_PER_REQUEST} items`);
          body.paths.forEach((p, i) => {
            if (typeof p !== "string") throw ERRORS.validation(`body/paths/${i} must be string`);
          });
          const auth = authenticate(req.headers);
          if (!auth.ok) throw ERRORS.accessDenied(auth.message);
          const objects = store.get(bucket);
          return sendJson(
            res,
            200,
            body.paths.map((path) => {
              if (auth.role === "service_role" && objects?.has(path)) {
                const url = `${bucket}/${path}`;
                const token = signJwt({ url, scope: "download" }, jwtSecret, { expiresIn });
                return { error: null, path, signedURL: `/object/sign/${url}?token=${token}` };
              }
              return { error: NO_ACCESS, path, signedURL: null };
            }),
          );
        }
        const key = decoded.slice(3).join("/");
        const expiresIn = checkExpiresIn(parseBody());
        const auth = authenticate(req.headers);
        if (!auth.ok) throw ERRORS.accessDenied(auth.message);
        findObject(bucket, key, auth.role);
        // The real service signs decodeURI of the raw request path after /object/sign/.
        const urlToSign = decodeURI(segments.slice(2).join("/"));
        const token = signJwt({ url: urlToSign, scope: "download" }, jwtSecret, { expiresIn });
        return sendJson(res, 200, { signedURL: `/object/sign/${urlToSign}?token=${token}` });
      }

      if (method === "GET" && decoded[1] === "sign" && segments.length >= 4) {
        const bucket = decoded[2];
        const key = decoded.slice(3).join("/");
        const token = query.get("token");
        if (token === null) throw ERRORS.validation("querystring must have required property 'token'");
        let payload;
        try {
          payload = verifyJwt(token, jwtSecret);
        } catch (e) {
          if (!(e instanceof JwtError)) throw e;
          throw ERRORS.invalidJwt(e.message);
        }
        const downloadScoped = payload.scope === "download" || (payload.scope === undefined && !("upsert" in payload));
        if (!downloadScoped) throw ERRORS.invalidSignature("Token is not scoped for download");
        if (payload.url !== `${bucket}/${key}`) throw ERRORS.invalidSignature();
        if (payload.exp * 1000 < Date.now()) throw ERRORS.expiredSignature();
        const [tokenBucket, ...rest] = String(payload.url).split("/");
        const obj = findObject(tokenBucket, rest.join("/"), "service_role");
        return sendObject(res, obj, method, { expires: new Date(payload.exp * 1000).toUTCString() });
      }

      // GET|HEAD /object/authenticated/:bucket/*  and  GET|HEAD /object/:bucket/*
      if ((method === "GET" || method === "HEAD") && !["sign", "public", "info", "upload", "list", "move", "copy"].includes(decoded[1]) && segments.length >= 3) {
        const strict = decoded[1] === "authenticated";
        if (strict && segments.length < 4) return notFound();
        const bucket = strict ? decoded[2] : decoded[1];
        const key = decoded.slice(strict ? 3 : 2).join("/");
        const auth = authenticate(req.headers);
        if (!auth.ok && strict) throw ERRORS.accessDenied(auth.message);
        if (!auth.ok || !store.has(bucket)) throw ERRORS.noSuchBucket(); // private buckets only
        return sendObject(res, findObject(bucket, key, auth.role), method);
      }
      return notFound();
    } catch (e) {
      if (!(e instanceof StorageError)) throw e;
      if (method === "HEAD") {
        res.writeHead(e.httpStatus);
        res.end();
        return e.httpStatus;
      }
      return sendJson(res, e.httpStatus, e.body());
    }
  }

  const sockets = new Set();
  const server = http.createServer((req, res) => {
    const chunks = [];
    req.on("data", (c) => chunks.push(c));
    req.on("end", () => {
      const body = Buffer.concat(chunks).toString("utf8");
      const entry = { method: req.method, path: req.url, headers: { ...req.headers }, body, status: null };
      requests.push(entry);
      if (mode === "hang") return; // never answer
      if (mode === "reset") {
        req.socket.destroy();
        return;
      }
      const target = new URL(req.url, "http://standin");
      try {
        if (!target.pathname.startsWith(`${PREFIX}/`)) {
          entry.status = sendJson(res, 404, { message: "no Route matched with those values" });
          return;
        }
        entry.status = route(req, res, target.pathname.slice(PREFIX.length), target.searchParams, body);
      } catch (e) {
        entry.status = sendJson(res, 500, { statusCode: "500", code: "InternalError", error: "Internal", message: "Internal Server Error" });
        entry.error = e;
      }
    });
  });
  server.on("connection", (socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
  });
  await new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", resolve);
  });
  const { port } = server.address();

  return {
    url: `http://127.0.0.1:${port}`,
    port,
    serviceKey,
    anonKey,
    jwtSecret,
    requests,
    put,
    remove: (bucket, key) => store.get(bucket)?.delete(key) ?? false,
    has: (bucket, key) => store.get(bucket)?.has(key) ?? false,
    setMode(next) {
      if (!["normal", "hang", "reset"].includes(next)) throw new Error(`unknown mode ${next}`);
      mode = next;
    },
    /** Signs a token with the project's secret, as the service would (for expiry/scope tests). */
    signToken: (payload, expiresIn) => signJwt(payload, jwtSecret, { expiresIn }),
    async stop() {
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => server.close(() => resolve()));
    },
  };
}
