"use strict";
// Native errors arrive as "CODE\0message"; this turns them into Errors with `code`.

function fromNative(err) {
  if (!err || typeof err.message !== "string") return err;
  const sep = err.message.indexOf("\u0000");
  if (sep < 0) return err;
  const out = new Error(err.message.slice(sep + 1));
  out.code = err.message.slice(0, sep);
  return out;
}

function messageOf(error) {
  if (error instanceof Error) return error.message;
  if (error && typeof error.message === "string") return error.message;
  return "Unknown error";
}

module.exports = { fromNative, messageOf };
