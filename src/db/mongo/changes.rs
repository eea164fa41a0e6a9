//! What the update-check snapshot needs: its partitions, and a change marker.
//!
//! The marker comes from a change stream on `bundles` where the deployment has change streams
//! (replica sets, sharded clusters): a background task counts the events, so every write by any
//! process or tool, in-place updates included, changes the marker as soon as its event arrives,
//! and a probe costs no query at all. When the stream ends (an error the driver could not resume
//! from), the next probe opens a new one and the marker changes with it, which rebuilds the
//! snapshot, so nothing missed in between is kept.
//!
//! Where the server has no change streams (a standalone server), the marker is the content
//! signature of `bundles` kept by a background scan (`signature`: every document's answer
//! fields, hashed, so in-place edits by other tools are seen too) and the revision record every
//! write through hot-updater-rs changes. The probe itself reads only the revision record (one
//! indexed lookup, which is also how it finds the server unreachable), never waits for a scan.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;

use futures::StreamExt;
use mongodb::bson::{doc, Bson};
use tokio::sync::Mutex;
use tokio::task::JoinHandle;

use super::convert::{doc_to_bundle, snapshot_projection};
use super::database::Opened;
use super::errors::{is_unreachable, map_err, Redactor};
use super::filter::partition_scope;
use super::queries::find_all;
use super::signature::Scanner;
use crate::core::bundle::Bundle;
use crate::db::shared::REVISION_KEY;
use crate::error::Result;

#[derive(Default)]
enum Mode {
    /// Not tried yet (or closed).
    #[default]
    Unknown,
    /// A stream task is (or was) running.
    Stream { epoch: u64, events: Arc<AtomicU64>, alive: Arc<AtomicBool>, task: JoinHandle<()> },
    /// The server has no change streams: probe with an aggregate.
    Probe,
}

/// The change-stream state of one database.
#[derive(Default)]
pub struct Watcher {
    mode: Mutex<Mode>,
    epochs: AtomicU64,
    scanner: Scanner,
}

impl Watcher {
    /// The current marker (see the module documentation).
    pub async fn marker(&self, o: &Arc<Opened>, r: &Redactor) -> Result<String> {
        let mut mode = self.mode.lock().await;
        if let Mode::Stream { epoch, events, alive, .. } = &*mode {
            if alive.load(Ordering::Acquire) {
                return Ok(format!("stream:{epoch}:{}", events.load(Ordering::Acquire)));
            }
        }
        if !matches!(*mode, Mode::Probe) {
            match o.bundles().watch().await {
                Ok(mut stream) => {
                    let epoch = self.epochs.fetch_add(1, Ordering::AcqRel) + 1;
                    let events = Arc::new(AtomicU64::new(0));
                    let alive = Arc::new(AtomicBool::new(true));
                    let (counter, flag) = (events.clone(), alive.clone());
                    let task = tokio::spawn(async move {
                        // Every event counts, whatever it is: an `invalidate` (collection
                        // dropped or renamed) ends the stream after it.
                        while let Some(Ok(_)) = stream.next().await {
                            counter.fetch_add(1, Ordering::AcqRel);
                        }
                        flag.store(false, Ordering::Release);
                    });
                    if let Mode::Stream { task: old, .. } = std::mem::replace(&mut *mode, Mode::Stream { epoch, events, alive, task }) {
                        old.abort();
                    }
                    return Ok(format!("stream:{epoch}:0"));
                }
                // An answer, not an outage: this deployment has no change streams.
                Err(e) if !is_unreachable(&e) => *mode = Mode::Probe,
                Err(e) => return Err(map_err(e, r)),
            }
        }
        drop(mode);
        let revision = o.settings().find_one(doc! { "key": REVISION_KEY }).await.map_err(|e| map_err(e, r))?;
        let revision = revision.and_then(|d| d.get("value").map(Bson::to_string)).unwrap_or_default();
        Ok(format!("probe:{}|{revision}", self.scanner.signature(o)))
    }

    /// Stops the stream task (on close).
    pub async fn stop(&self) {
        self.scanner.stop();
        let mut mode = self.mode.lock().await;
        if let Mode::Stream { task, .. } = std::mem::take(&mut *mode) {
            task.abort();
        }
    }
}

/// The enabled bundles of one (platform, channel) with the fields the snapshot keeps.
pub async fn partition(o: &Opened, platform: &str, channel: &str, r: &Redactor) -> Result<Vec<Bundle>> {
    let rows = find_all(&o.bundles(), partition_scope(platform, channel), None, 0, None, Some(snapshot_projection()), r).await?;
    Ok(rows.iter().map(doc_to_bundle).collect())
}
