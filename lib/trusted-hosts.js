"use strict";
// `createHotUpdater({ trustedHosts })`: which request Hosts may appear in the download URLs that
// `fileStorage` builds from the request (when it has no `publicBaseUrl`). Without the option every
// Host is used, as upstream does; with it, a Host not listed gets a 400 instead of a URL on a host
// the client chose. The native side applies the rule (`host_is_trusted` in src/storage/file.rs)
// to the URLs of update checks and of `getDownloadUrl` (src/http/files.rs).

const { configError } = require("./errors.js");

/**
 * `trustedHosts`: host names, each optionally with a port (`updates.example.com`,
 * `127.0.0.1:3000`, `[::1]:8080`), normalised to lower-case `host` or `host:port`; `null` when not
 * given (every Host is used, as upstream does).
 */
function trustedHostsOption(hosts) {
  if (hosts === undefined || hosts === null) return null;
  const shape = "createHotUpdater: `trustedHosts` must be an array of host names, each optionally with a port (e.g. [\"updates.example.com\", \"127.0.0.1:3000\"]).";
  if (!Array.isArray(hosts)) throw configError(shape);
  return hosts.map((entry) => {
    if (typeof entry !== "string" || entry === "" || /[/?#@\s\\]/.test(entry)) throw configError(`${shape} Got ${JSON.stringify(entry)}.`);
    const m = /^(\[[^\]]*\]|[^:[\]]+)(?::(\d{1,5}))?$/.exec(entry);
    let hostname = null;
    try {
      hostname = m ? new URL(`http://${m[1]}/`).hostname : null;
    } catch {
      hostname = null;
    }
    const port = m && m[2] !== undefined ? Number(m[2]) : null;
    if (hostname === null || hostname === "" || (port !== null && (port < 1 || port > 65535))) throw configError(`${shape} Got ${JSON.stringify(entry)}.`);
    return port === null ? hostname : `${hostname}:${port}`;
  });
}

/** The native storage options with `trustedHosts` handed to the native `fileStorage`. */
function withTrustedHosts(storageOptions, hosts) {
  if (hosts === null) return storageOptions;
  return storageOptions.map((o) => (o && o.kind === "file" ? { ...o, trustedHosts: hosts } : o));
}

module.exports = { trustedHostsOption, withTrustedHosts };
