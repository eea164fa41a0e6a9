"use strict";
// Options of the native `s3Storage` / `r2Storage`: upstream's config shapes (`@hot-updater/aws`,
// `@hot-updater/cloudflare`) checked and completed here, with upstream's environment fallbacks,
// so that the native side receives plain, explicit values.

const { env, optionalInteger, optionalString } = require("./options.js");

const TRUTHY = new Set(["1", "true", "yes", "on"]);

/** `endpoint` as the AWS SDK accepts it: a string, a `URL`, or `{ url }`. */
function endpointString(name, endpoint) {
  if (endpoint === undefined || endpoint === null) return undefined;
  if (typeof endpoint === "string") return endpoint;
  if (endpoint instanceof URL) return endpoint.href;
  if (typeof endpoint === "object" && endpoint.url !== undefined) return endpointString(name, endpoint.url);
  throw new TypeError(`${name}: \`endpoint\` must be a URL string (endpoint providers are not supported natively).`);
}

function credentialsOption(name, credentials) {
  if (credentials === undefined || credentials === null) return undefined;
  if (typeof credentials === "function") {
    throw new TypeError(
      `${name}: \`credentials\` must be an object { accessKeyId, secretAccessKey, sessionToken? }; credential provider functions are not supported natively.`,
    );
  }
  const { accessKeyId, secretAccessKey, sessionToken } = credentials;
  if (typeof accessKeyId !== "string" || typeof secretAccessKey !== "string" || accessKeyId === "" || secretAccessKey === "") {
    throw new TypeError(`${name}: \`credentials.accessKeyId\` and \`credentials.secretAccessKey\` must be non-empty strings.`);
  }
  if (sessionToken !== undefined && sessionToken !== null && typeof sessionToken !== "string") {
    throw new TypeError(`${name}: \`credentials.sessionToken\` must be a string.`);
  }
  return { accessKeyId, secretAccessKey, sessionToken: sessionToken || undefined };
}

/** What both flavours share: bucket, URL lifetime, public base URL, caching and timeouts. */
function commonOptions(name, config) {
  if (typeof config.bucketName !== "string" || config.bucketName === "") {
    throw new TypeError(`${name}: \`bucketName\` must be a non-empty string.`);
  }
  if (config.forcePathStyle !== undefined && typeof config.forcePathStyle !== "boolean") {
    throw new TypeError(`${name}: \`forcePathStyle\` must be a boolean.`);
  }
  if (config.cache !== undefined && typeof config.cache !== "boolean") {
    throw new TypeError(`${name}: \`cache\` must be a boolean.`);
  }
  return {
    bucketName: config.bucketName,
    expiresIn: optionalInteger(name, config, "expiresIn", 1, 604800),
    publicBaseUrl: optionalString(name, config, "publicBaseUrl"),
    cache: config.cache,
    connectTimeoutMs: optionalInteger(name, config, "connectTimeoutMs", 1, 600000),
    requestTimeoutMs: optionalInteger(name, config, "requestTimeoutMs", 1, 3600000),
  };
}

/** Native options of `s3Storage(config)`, with `@hot-updater/aws`'s environment fallbacks. */
function s3StorageOption(config) {
  const name = "s3Storage";
  if (!config || typeof config !== "object") throw new TypeError(`${name}: a config object is required.`);
  const endpoint = endpointString(name, config.endpoint) ?? env("AWS_ENDPOINT_URL");
  let forcePathStyle = config.forcePathStyle;
  if (forcePathStyle === undefined && TRUTHY.has((env("AWS_S3_FORCE_PATH_STYLE") ?? "").toLowerCase())) forcePathStyle = true;
  let credentials = credentialsOption(name, config.credentials);
  if (credentials === undefined && env("AWS_ACCESS_KEY_ID") && env("AWS_SECRET_ACCESS_KEY")) {
    credentials = { accessKeyId: env("AWS_ACCESS_KEY_ID"), secretAccessKey: env("AWS_SECRET_ACCESS_KEY"), sessionToken: env("AWS_SESSION_TOKEN") };
  }
  if (config.region !== undefined && typeof config.region !== "string") {
    throw new TypeError(`${name}: \`region\` must be a string (region providers are not supported natively).`);
  }
  return {
    kind: "s3",
    ...commonOptions(name, config),
    region: config.region || env("AWS_REGION"),
    endpoint,
    forcePathStyle,
    credentials,
  };
}

/** Native options of `r2Storage(config)` (R2's S3 API; no environment fallbacks, like upstream). */
function r2StorageOption(config) {
  const name = "r2Storage";
  if (!config || typeof config !== "object") throw new TypeError(`${name}: a config object is required.`);
  const endpoint = endpointString(name, config.endpoint);
  const accountId = optionalString(name, config, "accountId");
  if (!endpoint && !accountId) throw new TypeError(`${name}: \`accountId\` or \`endpoint\` is required.`);
  return {
    kind: "r2",
    ...commonOptions(name, config),
    accountId,
    region: optionalString(name, config, "region"),
    endpoint,
    forcePathStyle: config.forcePathStyle,
    // Without credentials (upstream's deprecated Wrangler mode) every runtime call fails with
    // upstream's message.
    credentials: credentialsOption(name, config.credentials),
  };
}

module.exports = { s3StorageOption, r2StorageOption };
