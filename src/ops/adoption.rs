//! Adoption seen from traffic: update checks per (platform, channel, installed bundle id) over a
//! sliding window of one-minute buckets.
//!
//! Checks carry no device id, so a count is a number of checks, not of devices: one device that
//! checks every launch counts once per launch. Ratios between bundles are meaningful as long as
//! devices check at similar rates. Each replica counts only the checks it answered; sum the
//! replicas' counts (e.g. `sum by (bundle_id)` in Prometheus) for the whole fleet.

use std::collections::HashMap;
use std::sync::{Mutex, PoisonError};
use std::time::{SystemTime, UNIX_EPOCH};

use serde_json::{json, Value};

/// `platform \u{1} channel \u{1} bundle id` (none of the three holds U+0001 in practice; a
/// value that does only splits differently in the report).
type Key = String;
const SEP: char = '\u{1}';

const BUCKET_SECS: u64 = 60;

/// How many update-check URLs [`Adoption::record_url`] remembers the key of before it forgets
/// them all and starts over (only URLs the JS answer cache reuses an answer for reach it).
const URL_KEYS_MAX: usize = 10_000;

struct State {
    /// The bucket number (`unix seconds / 60`) of `ring[current % len]`.
    current: u64,
    ring: Vec<HashMap<Key, u64>>,
    dropped: u64,
    /// The key of each URL counted through [`Adoption::record_url`] (`None`: not an update check).
    url_keys: HashMap<Box<str>, Option<Key>>,
}

/// Counts over the last `window_minutes` minutes, at most `max_keys` keys per minute.
pub struct Adoption {
    state: Mutex<State>,
    max_keys: usize,
}

fn now_bucket() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs() / BUCKET_SECS)
}

impl State {
    fn advance(&mut self, to: u64) {
        if to <= self.current {
            return;
        }
        let len = self.ring.len() as u64;
        for b in (self.current + 1)..=to.min(self.current + len) {
            self.ring[(b % len) as usize].clear();
        }
        self.current = to;
    }
}

fn key_of(platform: &str, channel: &str, bundle_id: &str) -> Key {
    format!("{platform}{SEP}{channel}{SEP}{bundle_id}")
}

/// Adds one check of `key` to the minute `bucket` of `ring`, unless that minute already holds
/// `max_keys` keys (then it is counted in `dropped`).
fn count(ring: &mut [HashMap<Key, u64>], dropped: &mut u64, bucket: u64, key: &str, max_keys: usize) {
    let len = ring.len() as u64;
    let slot = &mut ring[(bucket % len) as usize];
    if let Some(n) = slot.get_mut(key) {
        *n += 1;
    } else if slot.len() >= max_keys {
        *dropped += 1;
    } else {
        slot.insert(key.to_owned(), 1);
    }
}

impl Adoption {
    pub fn new(window_minutes: u32, max_keys: usize) -> Self {
        let len = window_minutes.clamp(1, 24 * 60) as usize;
        let state = State { current: now_bucket(), ring: vec![HashMap::new(); len], dropped: 0, url_keys: HashMap::new() };
        Adoption { state: Mutex::new(state), max_keys: max_keys.max(1) }
    }

    pub fn window_minutes(&self) -> usize {
        self.state.lock().unwrap_or_else(PoisonError::into_inner).ring.len()
    }

    /// Counts one check.
    pub fn record(&self, platform: &str, channel: &str, bundle_id: &str) {
        let key = key_of(platform, channel, bundle_id);
        let bucket = now_bucket();
        let mut s = self.state.lock().unwrap_or_else(PoisonError::into_inner);
        s.advance(bucket);
        let State { ring, dropped, .. } = &mut *s;
        count(ring, dropped, bucket, &key, self.max_keys);
    }

    /// Counts one check answered again for `url` (the JS answer cache reusing an answer): the
    /// URL's (platform, channel, installed bundle id) is worked out by `parse` the first time
    /// only, so a reused answer is counted without parsing its URL and routing it again.
    pub fn record_url(&self, url: &str, parse: impl FnOnce() -> Option<(String, String, String)>) {
        let bucket = now_bucket();
        let mut s = self.state.lock().unwrap_or_else(PoisonError::into_inner);
        s.advance(bucket);
        let State { ring, dropped, url_keys, .. } = &mut *s;
        let key = match url_keys.get(url) {
            Some(key) => key,
            None => {
                if url_keys.len() >= URL_KEYS_MAX {
                    url_keys.clear();
                }
                url_keys.entry(url.into()).or_insert(parse().map(|(p, c, b)| key_of(&p, &c, &b)))
            }
        };
        if let Some(key) = key {
            count(ring, dropped, bucket, key, self.max_keys);
        }
    }

    /// The window's counts, highest first: `[(platform, channel, bundle id, checks)]`.
    pub fn totals(&self) -> (Vec<(String, String, String, u64)>, u64) {
        let mut s = self.state.lock().unwrap_or_else(PoisonError::into_inner);
        s.advance(now_bucket());
        let mut sum: HashMap<&Key, u64> = HashMap::new();
        for slot in &s.ring {
            for (k, n) in slot {
                *sum.entry(k).or_default() += n;
            }
        }
        let mut out: Vec<_> = sum
            .into_iter()
            .map(|(k, n)| {
                let mut parts = k.splitn(3, SEP);
                let mut next = || parts.next().unwrap_or("").to_string();
                (next(), next(), next(), n)
            })
            .collect();
        out.sort_by(|a, b| b.3.cmp(&a.3).then_with(|| (&a.0, &a.1, &a.2).cmp(&(&b.0, &b.1, &b.2))));
        (out, s.dropped)
    }

    /// The JSON answer of `<basePath>/api/adoption`: per (platform, channel), checks per
    /// installed bundle and its share.
    pub fn to_json(&self) -> Value {
        let (rows, dropped) = self.totals();
        // ((platform, channel), [(bundle id, checks)]), in the order of the highest counts.
        type Group = ((String, String), Vec<(String, u64)>);
        let mut groups: Vec<Group> = Vec::new();
        for (p, c, b, n) in rows {
            match groups.iter_mut().find(|(k, _)| k.0 == p && k.1 == c) {
                Some((_, list)) => list.push((b, n)),
                None => groups.push(((p, c), vec![(b, n)])),
            }
        }
        let data: Vec<Value> = groups
            .into_iter()
            .map(|((platform, channel), list)| {
                let total: u64 = list.iter().map(|(_, n)| n).sum();
                let bundles: Vec<Value> = list
                    .into_iter()
                    .map(|(id, n)| json!({ "bundleId": id, "checks": n, "share": if total == 0 { 0.0 } else { n as f64 / total as f64 } }))
                    .collect();
                json!({ "platform": platform, "channel": channel, "checks": total, "bundles": bundles })
            })
            .collect();
        json!({
            "windowSeconds": self.window_minutes() as u64 * BUCKET_SECS,
            "counts": "update checks, not devices (checks carry no device id); this replica only",
            "droppedChecks": dropped,
            "data": data,
        })
    }
}

#[cfg(test)]
#[path = "adoption_tests.rs"]
mod tests;
