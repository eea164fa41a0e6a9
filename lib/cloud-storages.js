"use strict";
// Options of the native `supabaseStorage` and `firebaseStorage`: upstream's config shapes
// (`@hot-updater/supabase`, `@hot-updater/firebase`) checked here, so the native side receives
// plain, explicit values. Keys and private keys go to the native side only; no error here
// repeats them.

const { configError } = require("./errors.js");

const { readFileSync } = require("node:fs");
const { env, optionalInteger, optionalString, networkOptions } = require("./options.js");

function urlProtocol(value) {
  try {
    return new URL(value).protocol;
  } catch {
    return "";
  }
}

function requireObject(name, config) {
  if (!config || typeof config !== "object") throw configError(`${name}: a config object is required.`);
}

function requireString(name, config, key) {
  const value = config[key];
  if (typeof value !== "string" || value.trim() === "") throw configError(`${name}: \`${key}\` must be a non-empty string.`);
  return value;
}

/** Native options of `supabaseStorage(config)`. */
function supabaseStorageOption(config) {
  const name = "supabaseStorage";
  requireObject(name, config);
  const supabaseUrl = requireString(name, config, "supabaseUrl");
  if (!/^https?:$/.test(urlProtocol(supabaseUrl))) throw configError(`${name}: \`supabaseUrl\` must be an http(s) URL.`);
  // Upstream: the service-role key, else the anon key.
  const key = optionalString(name, config, "supabaseServiceRoleKey") || optionalString(name, config, "supabaseAnonKey");
  if (!key) throw configError("Supabase service role key is required. Set supabaseServiceRoleKey.");
  return {
    kind: "supabase",
    supabaseUrl,
    key,
    bucketName: requireString(name, config, "bucketName"),
    expiresIn: optionalInteger(name, config, "expiresIn", 1, 31536000),
    ...networkOptions(name, config),
  };
}

/** `{ clientEmail, privateKey }` from a service-account object in either spelling. */
function serviceAccountKey(account) {
  if (!account || typeof account !== "object") return undefined;
  const clientEmail = account.clientEmail ?? account.client_email;
  const privateKey = account.privateKey ?? account.private_key;
  if (typeof clientEmail === "string" && typeof privateKey === "string" && clientEmail !== "" && privateKey !== "") {
    return { clientEmail, privateKey };
  }
  return undefined;
}

function readKeyFile(name, path, what) {
  let text;
  try {
    text = readFileSync(path, "utf8");
  } catch (e) {
    throw configError(`${name}: cannot read the service-account key file named by ${what} (${e.code ?? e.message}).`);
  }
  try {
    return JSON.parse(text);
  } catch {
    throw configError(`${name}: the service-account key file named by ${what} is not JSON.`);
  }
}

const NO_KEY =
  "firebaseStorage: signing download URLs natively needs a service-account key: pass `credential: cert(serviceAccount)`, " +
  "`serviceAccount` (the key file's JSON or its path), or set GOOGLE_APPLICATION_CREDENTIALS to the key file. " +
  "Other Google credentials (metadata server, impersonation) work with @hot-updater/firebase's own plugin, which is accepted too.";

/** The service-account key: `credential`, then `serviceAccount`, then GOOGLE_APPLICATION_CREDENTIALS. */
function firebaseKey(name, config) {
  if (config.credential !== undefined && config.credential !== null) {
    const key = serviceAccountKey(config.credential);
    if (key) return key;
    throw configError(`${NO_KEY} (the given \`credential\` has no clientEmail/privateKey)`);
  }
  const account = config.serviceAccount;
  if (typeof account === "string") {
    const key = serviceAccountKey(readKeyFile(name, account, "`serviceAccount`"));
    if (!key) throw configError(`${name}: the \`serviceAccount\` file has no client_email/private_key.`);
    return key;
  }
  if (account !== undefined && account !== null) {
    const key = serviceAccountKey(account);
    if (!key) throw configError(`${name}: \`serviceAccount\` needs client_email and private_key (or clientEmail and privateKey).`);
    return key;
  }
  const path = env("GOOGLE_APPLICATION_CREDENTIALS");
  if (path) {
    const key = serviceAccountKey(readKeyFile(name, path, "GOOGLE_APPLICATION_CREDENTIALS"));
    if (key) return key;
  }
  throw configError(NO_KEY);
}

/** Native options of `firebaseStorage(config)`. */
function firebaseStorageOption(config) {
  const name = "firebaseStorage";
  requireObject(name, config);
  const storageBucket = requireString(name, config, "storageBucket");
  const version = config.signedUrlVersion;
  if (version !== undefined && version !== "v2" && version !== "v4") {
    throw configError(`${name}: \`signedUrlVersion\` must be "v4" or "v2".`);
  }
  const key = firebaseKey(name, config);
  // Key files keep newlines as `\n` escapes; environment variables sometimes keep them literally.
  const privateKey = key.privateKey.includes("\\n") ? key.privateKey.replace(/\\n/g, "\n") : key.privateKey;
  let parsed;
  try {
    parsed = require("node:crypto").createPrivateKey(privateKey);
  } catch {
    parsed = undefined;
  }
  if (!parsed || parsed.asymmetricKeyType !== "rsa") {
    throw configError(`${name}: the service account's private key is not an RSA private key in PEM form (as in Google's key files).`);
  }
  if ((parsed.asymmetricKeyDetails?.modulusLength ?? 0) < 2048) {
    throw configError(`${name}: the service account's RSA key must have at least 2048 bits (Google's keys do).`);
  }
  const apiEndpoint = optionalString(name, config, "apiEndpoint");
  if (apiEndpoint !== undefined && !/^https?:$/.test(urlProtocol(apiEndpoint))) {
    throw configError(`${name}: \`apiEndpoint\` must be an http(s) URL.`);
  }
  const clientEmail = key.clientEmail;
  return {
    kind: "gcs",
    storageBucket,
    clientEmail,
    privateKey,
    apiEndpoint,
    signedUrlVersion: version,
    expiresIn: optionalInteger(name, config, "expiresIn", 1, 604800),
    ...networkOptions(name, config),
  };
}

module.exports = { supabaseStorageOption, firebaseStorageOption };
