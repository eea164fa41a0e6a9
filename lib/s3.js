"use strict";
// Options of the native `s3Storage` / `r2Storage`: upstream's config shapes (`@hot-updater/aws`,
// `@hot-updater/cloudflare`) checked and completed here, with upstream's environment fallbacks
// for the endpoint, path style and region. Credentials and a region left unset are resolved
// natively by the AWS SDK's chains.


const native = require("./binding.js");
const { configError, fromNative } = require("./errors.js");
const { env, optionalCount, optionalInteger, optionalString } = require("./options.js");

const TRUTHY = new Set(["1", "true", "yes", "on"]);

/** `endpoint` as the AWS SDK accepts it: a string, a `URL`, or `{ url }`. */
function endpointString(name, endpoint) {
  if (endpoint === undefined || endpoint === null) return undefined;
  if (typeof endpoint === "string") return endpoint;
  if (endpoint instanceof URL) return endpoint.href;
  if (typeof endpoint === "object" && endpoint.url !== undefined) return endpointString(name, endpoint.url);
  throw configError(`${name}: \`endpoint\` must be a URL string (endpoint providers are not supported natively).`);
}

function credentialsOption(name, credentials) {
  if (credentials === undefined || credentials === null) return undefined;
  if (typeof credentials === "function") {
    throw configError(
      `${name}: \`credentials\` must be an object { accessKeyId, secretAccessKey, sessionToken? }; credential provider functions are not supported natively.`,
    );
  }
  const { accessKeyId, secretAccessKey, sessionToken } = credentials;
  if (typeof accessKeyId !== "string" || typeof secretAccessKey !== "string" || accessKeyId === "" || secretAccessKey === "") {
    throw configError(`${name}: \`credentials.accessKeyId\` and \`credentials.secretAccessKey\` must be non-empty strings.`);
  }
  if (sessionToken !== undefined && sessionToken !== null && typeof sessionToken !== "string") {
    throw configError(`${name}: \`credentials.sessionToken\` must be a string.`);
  }
  return { accessKeyId, secretAccessKey, sessionToken: sessionToken || undefined };
}

/** What both flavours share: bucket, URL lifetime, public base URL, caching and timeouts. */
function commonOptions(name, config) {
  // JS types are checked here (only JS sees them); values (an empty bucket, the URL lifetime's
  // range, which endpoint R2 needs) are checked once, natively, in `S3Config::from_options`.
  if (typeof config.bucketName !== "string") {
    throw configError(`${name}: \`bucketName\` must be a non-empty string.`);
  }
  if (config.forcePathStyle !== undefined && typeof config.forcePathStyle !== "boolean") {
    throw configError(`${name}: \`forcePathStyle\` must be a boolean.`);
  }
  if (config.cache !== undefined && typeof config.cache !== "boolean") {
    throw configError(`${name}: \`cache\` must be a boolean.`);
  }
  return {
    bucketName: config.bucketName,
    expiresIn: optionalCount(name, config, "expiresIn"),
    publicBaseUrl: optionalString(name, config, "publicBaseUrl"),
    cache: config.cache,
    connectTimeoutMs: optionalInteger(name, config, "connectTimeoutMs", 1, 600000),
    requestTimeoutMs: optionalInteger(name, config, "requestTimeoutMs", 1, 3600000),
  };
}

/** `option` once the native side accepts it (its checks throw here, when the factory is called). */
function checked(option) {
  try {
    native.checkS3StorageOption(JSON.stringify(option));
  } catch (error) {
    throw fromNative(error);
  }
  return option;
}

/** Native options of `s3Storage(config)`, with `@hot-updater/aws`'s environment fallbacks. */
function s3StorageOption(config) {
  const name = "s3Storage";
  if (!config || typeof config !== "object") throw configError(`${name}: a config object is required.`);
  const endpoint = endpointString(name, config.endpoint) ?? env("AWS_ENDPOINT_URL");
  let forcePathStyle = config.forcePathStyle;
  if (forcePathStyle === undefined && TRUTHY.has((env("AWS_S3_FORCE_PATH_STYLE") ?? "").toLowerCase())) forcePathStyle = true;
  // Without explicit credentials the native side uses the AWS SDK's default chain (environment,
  // shared files and profiles, SSO, web identity, ECS, instance metadata), as upstream's SDK does.
  const credentials = credentialsOption(name, config.credentials);
  if (config.region !== undefined && typeof config.region !== "string") {
    throw configError(`${name}: \`region\` must be a string (region providers are not supported natively).`);
  }
  return checked({
    kind: "s3",
    ...commonOptions(name, config),
    region: config.region || env("AWS_REGION"),
    endpoint,
    forcePathStyle,
    credentials,
  });
}

/** Native options of `r2Storage(config)` (R2's S3 API; no environment fallbacks, like upstream). */
function r2StorageOption(config) {
  const name = "r2Storage";
  if (!config || typeof config !== "object") throw configError(`${name}: a config object is required.`);
  const endpoint = endpointString(name, config.endpoint);
  const accountId = optionalString(name, config, "accountId");
  return checked({
    kind: "r2",
    ...commonOptions(name, config),
    accountId,
    region: optionalString(name, config, "region"),
    endpoint,
    forcePathStyle: config.forcePathStyle,
    // Without credentials (upstream's deprecated Wrangler mode) every runtime call fails with
    // upstream's message.
    credentials: credentialsOption(name, config.credentials),
  });
}

module.exports = { s3StorageOption, r2StorageOption, endpointString, credentialsOption };
