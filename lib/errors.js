"use strict";
// Errors as JS sees them: every error this package throws carries a stable `code`
// (`ERR_HOT_UPDATER_*`, listed with their meaning and HTTP status in the README's "Error codes").
// Native errors arrive as "CODE\0message"; `fromNative` turns them into Errors with `code`.

/** The codes, as the native `ErrorKind::code` spells them, plus the wrapper's own. */
const CODES = Object.freeze({
  BAD_REQUEST: "ERR_HOT_UPDATER_BAD_REQUEST",
  NOT_FOUND: "ERR_HOT_UPDATER_NOT_FOUND",
  CONFIG: "ERR_HOT_UPDATER_CONFIG",
  DATABASE: "ERR_HOT_UPDATER_DATABASE",
  STORAGE: "ERR_HOT_UPDATER_STORAGE",
  PLUGIN: "ERR_HOT_UPDATER_PLUGIN",
  INTERNAL: "ERR_HOT_UPDATER_INTERNAL",
  UNAVAILABLE: "ERR_HOT_UPDATER_UNAVAILABLE",
  NO_BINARY: "ERR_HOT_UPDATER_NO_BINARY",
});

const NAPI_STATUSES = new Set(["GenericFailure", "InvalidArg", "ObjectExpected", "StringExpected", "NumberExpected", "FunctionExpected", "Cancelled", "PendingException", "Unknown"]);

/** `error` with `code` set; returns it, for `throw withCode(new Error(...), CODES.X)`. */
function withCode(error, code) {
  error.code = code;
  return error;
}

/** A configuration error (bad options to a factory or to `createHotUpdater`): a `TypeError`
 * unless `Type` says otherwise (some checks throw upstream's plain `Error`). */
function configError(message, Type = TypeError) {
  return withCode(new Type(message), CODES.CONFIG);
}

function fromNative(err) {
  if (!err || typeof err.message !== "string") return err;
  const sep = err.message.indexOf("\u0000");
  if (sep < 0) {
    // napi's own failures (argument checks, a contained panic) carry napi's status as `code`:
    // those are internal errors. Anything else (a plugin's error passed through) is left as is.
    return NAPI_STATUSES.has(err.code) ? withCode(err, CODES.INTERNAL) : err;
  }
  const code = err.message.slice(0, sep);
  const message = err.message.slice(sep + 1);
  return withCode(code === CODES.CONFIG ? new TypeError(message) : new Error(message), code);
}

function messageOf(error) {
  if (error instanceof Error) return error.message;
  if (error && typeof error.message === "string") return error.message;
  return "Unknown error";
}

module.exports = { CODES, withCode, configError, fromNative, messageOf };
