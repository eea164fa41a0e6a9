//! Caches of the native storages (S3, R2, Supabase, Cloud Storage), both on the update-check hot path:
//!
//! - presigned URLs per storage URI, reused while more than half of their lifetime is left (a
//!   client that gets a cached URL still has at least `expiresIn / 2` to start its download);
//! - object texts per storage URI (manifests, which never change for a given bundle).
//!
//! Both are bounded with two generations instead of a full LRU: entries go into the young map;
//! when it is full, the old map is dropped and the young one takes its place; a hit in the old
//! map moves the entry back into the young one. Recently used entries survive, memory stays
//! below the budget, and every operation is one or two hash-map calls under a short lock.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// At most this many presigned URLs are kept.
pub const URL_CACHE_ENTRIES: usize = 10_000;
/// At most this many bytes of object text (plus keys) are kept.
pub const TEXT_CACHE_BYTES: usize = 16 * 1024 * 1024;
/// Bookkeeping charged per text entry besides its key and text.
const TEXT_ENTRY_OVERHEAD: usize = 64;

/// A two-generation map whose entries each weigh something; the sum stays within the budget.
pub struct GenCache<V> {
    young: HashMap<String, (V, usize)>,
    old: HashMap<String, (V, usize)>,
    young_weight: usize,
    old_weight: usize,
    generation_budget: usize,
}

impl<V: Clone> GenCache<V> {
    /// `budget` bounds the total weight of both generations together.
    pub fn new(budget: usize) -> Self {
        GenCache { young: HashMap::new(), old: HashMap::new(), young_weight: 0, old_weight: 0, generation_budget: (budget / 2).max(1) }
    }

    pub fn get(&mut self, key: &str) -> Option<V> {
        if let Some((v, _)) = self.young.get(key) {
            return Some(v.clone());
        }
        let (key, (v, w)) = self.old.remove_entry(key)?;
        self.old_weight -= w;
        self.insert_young(key, v.clone(), w);
        Some(v)
    }

    /// Keeps `value` unless it alone is heavier than a generation may be.
    pub fn insert(&mut self, key: &str, value: V, weight: usize) {
        self.remove(key);
        if weight > self.generation_budget {
            return;
        }
        self.insert_young(key.to_string(), value, weight);
    }

    pub fn remove(&mut self, key: &str) {
        if let Some((_, w)) = self.young.remove(key) {
            self.young_weight -= w;
        }
        if let Some((_, w)) = self.old.remove(key) {
            self.old_weight -= w;
        }
    }

    fn insert_young(&mut self, key: String, value: V, weight: usize) {
        if self.young_weight + weight > self.generation_budget {
            self.old = std::mem::take(&mut self.young);
            self.old_weight = std::mem::replace(&mut self.young_weight, 0);
        }
        self.young_weight += weight;
        self.young.insert(key, (value, weight));
    }

    pub fn len(&self) -> usize {
        self.young.len() + self.old.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    pub fn weight(&self) -> usize {
        self.young_weight + self.old_weight
    }
}

/// The URL and text caches of one storage; a disabled one keeps nothing.
pub struct StorageCaches {
    enabled: bool,
    urls: Mutex<GenCache<(Arc<str>, Instant)>>,
    texts: Mutex<GenCache<Arc<str>>>,
}

impl StorageCaches {
    pub fn new(enabled: bool) -> Self {
        Self::with_budgets(enabled, URL_CACHE_ENTRIES, TEXT_CACHE_BYTES)
    }

    pub fn with_budgets(enabled: bool, url_entries: usize, text_bytes: usize) -> Self {
        StorageCaches { enabled, urls: Mutex::new(GenCache::new(url_entries)), texts: Mutex::new(GenCache::new(text_bytes)) }
    }

    /// A cached URL for `uri` that still has more than half of its lifetime left at `now`.
    pub fn url(&self, uri: &str, now: Instant) -> Option<String> {
        if !self.enabled {
            return None;
        }
        let mut urls = self.urls.lock().unwrap_or_else(|e| e.into_inner());
        match urls.get(uri) {
            Some((url, reuse_until)) if now < reuse_until => Some(url.to_string()),
            Some(_) => {
                urls.remove(uri);
                None
            }
            None => None,
        }
    }

    /// Keeps a URL made at `now` that is valid for `lifetime`.
    pub fn put_url(&self, uri: &str, url: &str, lifetime: Duration, now: Instant) {
        if self.enabled {
            let entry = (Arc::from(url), now + lifetime / 2);
            self.urls.lock().unwrap_or_else(|e| e.into_inner()).insert(uri, entry, 1);
        }
    }

    pub fn text(&self, uri: &str) -> Option<String> {
        if !self.enabled {
            return None;
        }
        self.texts.lock().unwrap_or_else(|e| e.into_inner()).get(uri).map(|t| t.to_string())
    }

    pub fn put_text(&self, uri: &str, text: &str) {
        if self.enabled {
            let weight = uri.len() + text.len() + TEXT_ENTRY_OVERHEAD;
            self.texts.lock().unwrap_or_else(|e| e.into_inner()).insert(uri, Arc::from(text), weight);
        }
    }
}

#[cfg(test)]
#[path = "cache_tests.rs"]
mod tests;
