"use strict";
// Update-check answers reused on the JS side of the napi boundary. An OTA push makes thousands
// of devices send the same request (same URL, same SDK header) within seconds; when the native
// snapshot is fresh, the answer to a repeated request is the same string, so it is kept here:
//
// - an entry is reused only while the native snapshot's answer epoch is the one it was computed
//   in (the epoch changes with every write through this process, every rebuild after another
//   process's write, every stale/fresh switch), and the native side reports no epoch at all
//   while a probe of the database is due, so the probe still runs on schedule;
// - and for at most `maxAgeMs` (default 1 s), which also bounds how much older a signed URL in
//   a reused answer is than one the native storage would hand out (those are reused for half
//   their lifetime anyway);
// - only complete 200 answers of the synchronous path are kept: never an error, never a stale
//   answer, never one whose URL came from a JS storage plugin.
// Memory is bounded by two generations of at most `maxEntries / 2` entries each.

const { configError } = require("./errors.js");

const DEFAULT_MAX_AGE_MS = 1000;
const DEFAULT_MAX_ENTRIES = 10_000;

function answerCacheOptions(option) {
  if (option === false) return null;
  const config = option === undefined || option === true ? {} : option;
  if (typeof config !== "object" || config === null) {
    throw configError("createHotUpdater: `answerCache` must be false or { maxAgeMs?, maxEntries? }.");
  }
  const maxAgeMs = config.maxAgeMs ?? DEFAULT_MAX_AGE_MS;
  const maxEntries = config.maxEntries ?? DEFAULT_MAX_ENTRIES;
  if (!Number.isInteger(maxAgeMs) || maxAgeMs < 0 || maxAgeMs > 60_000) {
    throw configError("createHotUpdater: `answerCache.maxAgeMs` must be an integer from 0 to 60000.");
  }
  if (!Number.isInteger(maxEntries) || maxEntries < 0 || maxEntries > 1_000_000) {
    throw configError("createHotUpdater: `answerCache.maxEntries` must be an integer from 0 to 1000000.");
  }
  return maxAgeMs === 0 || maxEntries === 0 ? null : { maxAgeMs, maxEntries };
}

class AnswerCache {
  constructor({ maxAgeMs, maxEntries }) {
    this.maxAgeMs = maxAgeMs;
    this.generationSize = Math.max(1, Math.floor(maxEntries / 2));
    this.young = new Map();
    this.old = new Map();
  }

  /** `{ epoch, body }` kept for `key`, if still young enough at `now` (ms); the native side then
   * says whether `epoch` is still the snapshot's (one call for the check and the answer). */
  entry(key, now) {
    let entry = this.young.get(key);
    if (entry === undefined) {
      entry = this.old.get(key);
      if (entry === undefined) return undefined;
      this.old.delete(key);
      this.insert(key, entry);
    }
    return now - entry.at > this.maxAgeMs ? undefined : entry;
  }

  /** `slot`: the native metrics counter of this answer (when counted), handed back on reuse. */
  set(key, epoch, now, body, slot) {
    this.insert(key, slot === undefined || slot === null ? { epoch, at: now, body } : { epoch, at: now, body, slot });
  }

  insert(key, entry) {
    if (this.young.size >= this.generationSize && !this.young.has(key)) {
      this.old = this.young;
      this.young = new Map();
    }
    this.young.set(key, entry);
  }

  get size() {
    return this.young.size + this.old.size;
  }
}

module.exports = { AnswerCache, answerCacheOptions };
