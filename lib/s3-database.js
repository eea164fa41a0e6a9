"use strict";
// Options of the native `s3Database`: upstream's `S3DatabaseConfig` (`@hot-updater/aws`) checked
// and completed here, with upstream's environment fallbacks for the endpoint, path style and
// region. Credentials and a region left unset are resolved natively by the AWS SDK's chains.

const { configError } = require("./errors.js");
const { env, optionalBoolean, optionalInteger, optionalString } = require("./options.js");
const { endpointString, credentialsOption } = require("./s3.js");

const NAME = "s3Database";
const TRUTHY = new Set(["1", "true", "yes", "on"]);

/** Native options of `s3Database(config)`. */
function s3DatabaseOption(config) {
  if (!config || typeof config !== "object") throw configError(`${NAME}: a config object is required.`);
  if (typeof config.bucketName !== "string" || config.bucketName === "") {
    throw configError(`${NAME}: \`bucketName\` must be a non-empty string.`);
  }
  if (config.region !== undefined && typeof config.region !== "string") {
    throw configError(`${NAME}: \`region\` must be a string (region providers are not supported natively).`);
  }
  const endpoint = endpointString(NAME, config.endpoint) ?? env("AWS_ENDPOINT_URL");
  let forcePathStyle = optionalBoolean(NAME, config, "forcePathStyle");
  if (forcePathStyle === undefined && TRUTHY.has((env("AWS_S3_FORCE_PATH_STYLE") ?? "").toLowerCase())) forcePathStyle = true;
  const option = {
    kind: "s3Database",
    bucketName: config.bucketName,
    basePath: optionalString(NAME, config, "basePath"),
    region: config.region || env("AWS_REGION"),
    endpoint,
    forcePathStyle,
    credentials: credentialsOption(NAME, config.credentials),
    cloudfrontDistributionId: optionalString(NAME, config, "cloudfrontDistributionId"),
    cloudfrontEndpoint: endpointString(NAME, config.cloudfrontEndpoint),
    shouldWaitForInvalidation: optionalBoolean(NAME, config, "shouldWaitForInvalidation"),
    apiBasePath: optionalString(NAME, config, "apiBasePath"),
    connectTimeoutMs: optionalInteger(NAME, config, "connectTimeoutMs", 1, 600000),
    requestTimeoutMs: optionalInteger(NAME, config, "requestTimeoutMs", 1, 3600000),
  };
  if (config.snapshot !== undefined) option.snapshot = config.snapshot;
  return option;
}

module.exports = { s3DatabaseOption };
