"use strict";
// Checks shared by the native storages' option builders: each names the factory and the key in
// its TypeError, so a broken config says exactly what to fix.

const { configError } = require("./errors.js");

/** A non-empty environment variable, trimmed. */
function env(name) {
  const value = process.env[name];
  return typeof value === "string" && value.trim() !== "" ? value.trim() : undefined;
}

function optionalString(name, config, key) {
  const value = config[key];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== "string") throw configError(`${name}: \`${key}\` must be a string.`);
  return value;
}

function optionalInteger(name, config, key, min, max) {
  const value = config[key];
  if (value === undefined || value === null) return undefined;
  if (!Number.isInteger(value) || value < min || value > max) {
    throw configError(`${name}: \`${key}\` must be an integer between ${min} and ${max}.`);
  }
  return value;
}

/** A whole number of at least 0 (its range, when it has one, is checked natively). */
function optionalCount(name, config, key) {
  const value = config[key];
  if (value === undefined || value === null) return undefined;
  if (!Number.isSafeInteger(value) || value < 0) throw configError(`${name}: \`${key}\` must be a whole number.`);
  return value;
}

function optionalBoolean(name, config, key) {
  const value = config[key];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== "boolean") throw configError(`${name}: \`${key}\` must be a boolean.`);
  return value;
}

/** Caching and timeouts, which every native network storage takes. */
function networkOptions(name, config) {
  return {
    cache: optionalBoolean(name, config, "cache"),
    connectTimeoutMs: optionalInteger(name, config, "connectTimeoutMs", 1, 600000),
    requestTimeoutMs: optionalInteger(name, config, "requestTimeoutMs", 1, 3600000),
  };
}

module.exports = { env, optionalString, optionalInteger, optionalCount, optionalBoolean, networkOptions };
