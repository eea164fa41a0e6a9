"use strict";
// Every `Response` this package creates is built here, each with headers of its own.
//
// Hosts write into the headers object they are handed: `@hono/node-server` 1.x keeps the init
// object of a `Response` it did not build and sets `content-length` on it when it writes the
// answer. A headers object shared between two responses therefore leaks the first answer's
// length into every later one (truncated bodies, dropped keep-alive connections). So no headers
// object, and nothing else mutable, is ever shared between two responses: each call below
// allocates its own. Bodies are strings (immutable) or buffers created for one response.

/** A JSON answer: `body` is the JSON text; `extra` adds headers (copied, never kept). */
function jsonResponse(status, body, extra) {
  const headers = { "Content-Type": "application/json" };
  if (extra) Object.assign(headers, extra);
  return new Response(body, { status, headers });
}

/** `jsonResponse` for a value that still needs serialising. */
function jsonValueResponse(status, value, extra) {
  return jsonResponse(status, JSON.stringify(value), extra);
}

module.exports = { jsonResponse, jsonValueResponse };
