"use strict";
// `withCloudFrontSignedUrl` and `s3LambdaEdgeStorage` (`@hot-updater/aws`): download URLs of
// `s3://` bundles become CloudFront signed URLs (canned policy, RSA-SHA1), signed natively.
// The private key comes from `getPrivateKey()` or from an SSM parameter (read here with
// `@aws-sdk/client-ssm` when that package is installed); the native side asks for it once, on
// first use, through the bridge, and keeps it. `publicBaseUrl` may be a function of the request
// context, called per request through the bridge.

const { configError } = require("./errors.js");
const { markNative, nativeOption } = require("./plugins.js");
const { env, optionalBoolean, optionalInteger } = require("./options.js");
const { s3StorageOption } = require("./s3.js");

/** The longest `expiresSeconds` accepted: 100 years. */
const MAX_EXPIRES_SECONDS = 100 * 365 * 24 * 60 * 60;

/** Reads `{"privateKey": "..."}` from an SSM SecureString parameter, as upstream does. */
async function ssmPrivateKey(region, parameterName) {
  let ssm;
  try {
    ssm = require("@aws-sdk/client-ssm");
  } catch {
    throw new Error(
      "withCloudFrontSignedUrl: reading the private key from SSM needs the package @aws-sdk/client-ssm (npm install @aws-sdk/client-ssm); or pass `getPrivateKey`.",
    );
  }
  const client = new ssm.SSMClient({ region, endpoint: env("AWS_ENDPOINT_URL") });
  let response;
  try {
    response = await client.send(new ssm.GetParameterCommand({ Name: parameterName, WithDecryption: true }));
  } finally {
    client.destroy();
  }
  const value = response && response.Parameter && response.Parameter.Value;
  if (!value) throw new Error(`Failed to retrieve private key from SSM parameter: ${parameterName}`);
  let parsed;
  try {
    parsed = JSON.parse(value);
  } catch (error) {
    throw new Error(`Invalid JSON format in SSM parameter: ${parameterName}. ${error instanceof Error ? error.message : String(error)}`);
  }
  const privateKey = parsed && parsed.privateKey;
  if (!privateKey || typeof privateKey !== "string") throw new Error(`Invalid private key format in SSM parameter: ${parameterName}`);
  return privateKey;
}

/** `() => Promise<string>` giving the PEM key: `getPrivateKey`, or the SSM parameter. */
function privateKeyProvider(name, config) {
  const getter = config.getPrivateKey;
  const ssmGiven = config.ssmParameterName !== undefined || config.ssmRegion !== undefined;
  if (getter !== undefined && getter !== null) {
    if (typeof getter !== "function") throw configError(`${name}: \`getPrivateKey\` must be a function returning the PEM private key.`);
    if (ssmGiven) throw configError(`${name}: pass either \`getPrivateKey\` or \`ssmParameterName\` with \`ssmRegion\`, not both.`);
    return async () => getter();
  }
  const { ssmParameterName, ssmRegion } = config;
  if (typeof ssmParameterName !== "string" || ssmParameterName === "") {
    throw configError(`${name}: the private key needs \`getPrivateKey\` or \`ssmParameterName\` (with \`ssmRegion\`).`);
  }
  if (typeof ssmRegion !== "string" || ssmRegion === "") {
    throw configError(`${name}: \`ssmRegion\` must be an AWS region such as "us-east-1".`);
  }
  return () => ssmPrivateKey(ssmRegion, ssmParameterName);
}

function isHttpUrl(value) {
  try {
    const { protocol } = new URL(value);
    return protocol === "http:" || protocol === "https:";
  } catch {
    return false;
  }
}

/** The wrapped storage: a native storage of this package, or a storage plugin (or its factory). */
function baseStorage(name, storageFactory) {
  if (nativeOption(storageFactory)) return { marker: storageFactory, option: nativeOption(storageFactory) };
  const made = typeof storageFactory === "function" ? storageFactory() : storageFactory;
  if (nativeOption(made)) return { marker: made, option: nativeOption(made) };
  if (!made || typeof made !== "object" || !made.profiles || !made.profiles.runtime) {
    throw configError(`${name}: the first argument must be a storage (such as s3Storage(...)) or a storage plugin factory.`);
  }
  return { marker: made, plugin: made };
}

/**
 * `withCloudFrontSignedUrl(storageFactory, { keyPairId, publicBaseUrl, expiresSeconds?,
 * getPrivateKey | ssmParameterName + ssmRegion })`.
 */
function withCloudFrontSignedUrl(storageFactory, config) {
  const name = "withCloudFrontSignedUrl";
  if (!config || typeof config !== "object") throw configError(`${name}: a config object is required.`);
  const base = baseStorage(name, storageFactory);
  if (base.option && (base.option.kind === "file" || base.option.kind === "cloudFront")) {
    throw configError(`${name}: wrap s3Storage(...) or a storage plugin, not fileStorage or another CloudFront storage.`);
  }
  if (typeof config.keyPairId !== "string" || config.keyPairId === "") throw configError(`${name}: \`keyPairId\` must be a non-empty string.`);
  const publicBaseUrl = config.publicBaseUrl;
  if (typeof publicBaseUrl === "string") {
    if (!isHttpUrl(publicBaseUrl)) throw configError(`${name}: \`publicBaseUrl\` must be an http(s) URL.`);
  } else if (typeof publicBaseUrl !== "function") {
    throw configError(`${name}: \`publicBaseUrl\` must be an http(s) URL or a function of the request context returning one.`);
  }
  const privateKey = privateKeyProvider(name, config);
  const option = {
    kind: "cloudFront",
    base: base.option,
    signing: {
      keyPairId: config.keyPairId,
      publicBaseUrl: typeof publicBaseUrl === "string" ? publicBaseUrl : undefined,
      expiresSeconds: optionalInteger(name, config, "expiresSeconds", 0, MAX_EXPIRES_SECONDS),
      cache: optionalBoolean(name, config, "cache"),
      keyIndex: 0,
    },
    // Not sent to the native side: `resolveStorages` registers these for the bridge.
    providers: {
      plugin: base.plugin,
      privateKey,
      publicBaseUrl: typeof publicBaseUrl === "function" ? async (context) => publicBaseUrl(context) : undefined,
    },
  };
  const baseName = base.marker.name ?? "storage";
  return markNative({ name: `${baseName}WithCloudFrontSignedUrl`, supportedProtocol: base.marker.supportedProtocol }, option);
}

const SIGNING_KEYS = ["keyPairId", "publicBaseUrl", "expiresSeconds", "getPrivateKey", "ssmParameterName", "ssmRegion"];

/** `s3LambdaEdgeStorage(config)`: `s3Storage(config)` wrapped by `withCloudFrontSignedUrl(config)`. */
function s3LambdaEdgeStorage(config) {
  if (!config || typeof config !== "object") throw configError("s3LambdaEdgeStorage: a config object is required.");
  const s3Config = { ...config };
  for (const key of SIGNING_KEYS) delete s3Config[key];
  const base = markNative({ name: "s3Storage", supportedProtocol: "s3" }, s3StorageOption(s3Config));
  return withCloudFrontSignedUrl(base, config);
}

module.exports = { withCloudFrontSignedUrl, s3LambdaEdgeStorage, awsLambdaEdgeStorage: s3LambdaEdgeStorage };
