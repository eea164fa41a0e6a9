"use strict";
// Built-in protection of the management routes (`createHotUpdater({ auth })`), off unless `auth`
// is given.
//
// Upstream leaves protection to middleware in front of `<basePath>/api/*`. That depends on how the
// handler is mounted: the handler strips a leading basePath when the path still carries it, so
// behind Hono's `app.mount(basePath, handler)` a request for `<basePath><basePath>/api/bundles`
// passes a middleware on `<basePath>/api/*` and still reaches the bundle routes. The guard here
// decides on the route-relative path the router itself uses (`relativePath`, the rule of
// `src/http/route.rs`), so it holds however the handler is mounted.

const { configError } = require("./errors.js");

// node:crypto is loaded on first use: requiring it costs a few milliseconds of every start.
const crypto = () => require("node:crypto");
const { jsonResponse } = require("./response.js");

const UNAUTHORIZED_BODY = JSON.stringify({ error: "Unauthorized" });
const AUTH_SHAPE = "createHotUpdater: `auth` must be { bearerToken: string } or { verify(request, context) => boolean | Promise<boolean> }";

const digest = (text) => crypto().createHash("sha256").update(text, "utf8").digest();

/** `Authorization: Bearer <token>` (scheme case-insensitive, RFC 6750); `null` when absent or malformed. */
function bearerOf(request) {
  const header = request.headers.get("authorization");
  if (header === null) return null;
  const m = /^[ \t]*bearer[ \t]+([^ \t]+)[ \t]*$/i.exec(header);
  return m ? m[1] : null;
}

/** Checks `auth` and returns the request check it configures, or `null` when `auth` is not given. */
function authOption(auth) {
  if (auth === undefined || auth === null) return null;
  if (typeof auth !== "object" || Array.isArray(auth)) throw configError(`${AUTH_SHAPE}.`);
  const hasToken = auth.bearerToken !== undefined;
  const hasVerify = auth.verify !== undefined;
  if (hasToken === hasVerify) throw configError(`${AUTH_SHAPE} (exactly one of the two).`);
  if (hasToken) {
    if (typeof auth.bearerToken !== "string" || auth.bearerToken.trim() === "" || /[\s]/.test(auth.bearerToken)) {
      throw configError("createHotUpdater: `auth.bearerToken` must be a non-empty string without spaces.");
    }
    const expected = digest(auth.bearerToken);
    // Equal-length digests, compared in constant time: neither the token's length nor the
    // position of the first wrong byte shows in the answer time.
    return async (request) => {
      const token = bearerOf(request);
      return token !== null && crypto().timingSafeEqual(digest(token), expected);
    };
  }
  if (typeof auth.verify !== "function") throw configError("createHotUpdater: `auth.verify` must be a function (request, context) => boolean | Promise<boolean>.");
  const verify = auth.verify;
  return async (request, context) => {
    try {
      // Only `true` lets a request in: a forgotten `return`, a truthy non-boolean, a throw or a
      // rejection all deny.
      return (await verify(request, context)) === true;
    } catch (error) {
      console.error("Hot Updater auth.verify failed (request denied):", error);
      return false;
    }
  };
}

/** The route-relative path (`relative_path` in src/http/route.rs): plain prefix strip, leading `/`, one trailing `/` off. */
function relativePath(pathname, basePath) {
  let rest = pathname.startsWith(basePath) ? pathname.slice(basePath.length) : pathname;
  if (rest.length > 1 && rest.endsWith("/")) rest = rest.slice(0, -1);
  return rest.startsWith("/") ? rest : `/${rest}`;
}

/** Whether a request goes to a management route: its route-relative path is under `/api`. */
function isManagementRequest(url, basePath) {
  // Update checks, `/version` and downloads pay no URL parse when `/api` is nowhere in the URL.
  if (!/\/api/i.test(url)) return false;
  let pathname;
  try {
    pathname = new URL(url).pathname;
  } catch {
    return true;
  }
  // Case-insensitive although the routes are not: a superset of what the routers answer.
  return /^\/api(?:\/|$)/i.test(relativePath(pathname, basePath));
}

const EXEMPTABLE = ["health", "metrics"];

function exemptCandidate(url, basePath) {
  try {
    return relativePath(new URL(url).pathname, basePath);
  } catch {
    return null;
  }
}

/** `auth.exempt`: operate routes a load balancer or scraper may call without a token. */
function exemptPaths(exempt) {
  if (exempt === undefined || exempt === null) return null;
  if (!Array.isArray(exempt) || !exempt.every((e) => EXEMPTABLE.includes(e))) {
    throw configError('createHotUpdater: `auth.exempt` must be an array of "health" and/or "metrics".');
  }
  return exempt.length === 0 ? null : new Set(exempt.map((e) => `/api/${e}`));
}

/**
 * The guard `handler` runs first (`allowed` is what `authOption` returned): `null` lets the request through, otherwise the 401 to answer.
 * Every management route (`/api/bundles…`, `fileStorage`'s `/api/storage/…`) needs `auth`;
 * update checks, `/version` and file downloads stay public.
 */
function createGuard(allowed, basePath, exempt) {
  if (allowed === null) return null;
  const open = exemptPaths(exempt);
  return async function guard(request, context) {
    if (!isManagementRequest(request.url, basePath)) return null;
    if (open !== null && open.has(exemptCandidate(request.url, basePath))) return null;
    if (await allowed(request, context)) return null;
    // An unread body (an upload) must not be taken for the next request on this connection.
    const extra = request.body ? { "WWW-Authenticate": "Bearer", Connection: "close" } : { "WWW-Authenticate": "Bearer" };
    return jsonResponse(401, UNAUTHORIZED_BODY, extra);
  };
}

module.exports = { createGuard, authOption, isManagementRequest, bearerOf };
