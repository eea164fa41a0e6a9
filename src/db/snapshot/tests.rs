//! The snapshot's outage behaviour over a database whose reachability the test switches:
//! answers keep coming (marked stale) within the probe timeout, a failed write keeps the
//! snapshot, writes are refused while the database is known to be down, recovery needs no
//! restart, and a poisoned lock does not stop answers.

use std::sync::atomic::{AtomicBool, AtomicU64, AtomicU8, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use async_trait::async_trait;
use serde_json::{json, Map, Value};

use super::{SnapshotDatabase, SnapshotOptions};
use crate::context::Ctx;
use crate::core::bundle::{Bundle, Strategy, UpdateArgs, NIL_UUID};
use crate::db::{BundleQuery, Database, UpdateLookup};
use crate::error::{Error, ErrorKind, Result};

const UP: u8 = 0;
/// Every call fails at once, as with a refused connection.
const REFUSED: u8 = 1;
/// Every call hangs, as with a network that drops packets.
const BLACKHOLE: u8 = 2;

#[derive(Default)]
struct Fake {
    mode: AtomicU8,
    bundles: Mutex<Vec<Bundle>>,
    /// How long reading the change marker takes, and how often it was read.
    marker_delay_ms: AtomicU64,
    marker_reads: AtomicU64,
    /// Partition loads fail (as a plugin's `getBundles` over a database's parameter limit);
    /// how many loads were attempted, and how many update checks the backend answered itself.
    loads_fail: AtomicBool,
    loads: AtomicU64,
    own_answers: AtomicU64,
    /// How long reading the `production` channel's partition takes.
    production_delay_ms: AtomicU64,
}

impl Fake {
    async fn gate(&self) -> Result<()> {
        match self.mode.load(Ordering::SeqCst) {
            UP => Ok(()),
            REFUSED => Err(Error::unreachable("connection refused")),
            _ => futures::future::pending().await,
        }
    }
    fn rows(&self) -> Vec<Bundle> {
        self.bundles.lock().unwrap().clone()
    }
}

#[async_trait]
impl Database for Fake {
    fn adapter_name(&self) -> String {
        "fake".into()
    }
    async fn ensure_ready(&self) -> Result<()> {
        Ok(())
    }
    async fn get_bundle_by_id(&self, id: &str, _ctx: Ctx) -> Result<Option<Bundle>> {
        self.gate().await?;
        Ok(self.rows().into_iter().find(|b| b.id == id))
    }
    async fn get_bundles_json(&self, _query: &BundleQuery, _ctx: Ctx) -> Result<Value> {
        self.gate().await?;
        Ok(json!(self.rows().len()))
    }
    async fn get_channels(&self, _ctx: Ctx) -> Result<Vec<String>> {
        self.gate().await?;
        Ok(vec!["production".into()])
    }
    async fn get_update_info(&self, _args: &UpdateArgs, _ctx: Ctx) -> Result<UpdateLookup> {
        // Only a backend that may answer when its partition does not load is asked.
        assert!(self.loads_fail.load(Ordering::SeqCst) || self.own_answers.load(Ordering::SeqCst) > 0, "the snapshot answers update checks");
        self.own_answers.fetch_add(1, Ordering::SeqCst);
        Ok(UpdateLookup::default())
    }
    async fn insert_bundle(&self, bundle: &Value, _ctx: Ctx) -> Result<()> {
        self.gate().await?;
        self.bundles.lock().unwrap().push(serde_json::from_value(bundle.clone()).unwrap());
        Ok(())
    }
    async fn update_bundle(&self, _id: &str, _patch: &Map<String, Value>, _ctx: Ctx) -> Result<()> {
        self.gate().await
    }
    async fn delete_bundle(&self, id: &str, _ctx: Ctx) -> Result<()> {
        self.gate().await?;
        self.bundles.lock().unwrap().retain(|b| b.id != id);
        Ok(())
    }
    async fn snapshot_partition(&self, _platform: &str, channel: &str) -> Result<Option<Vec<Bundle>>> {
        self.gate().await?;
        self.loads.fetch_add(1, Ordering::SeqCst);
        if channel == "production" {
            tokio::time::sleep(Duration::from_millis(self.production_delay_ms.load(Ordering::SeqCst))).await;
        }
        if self.loads_fail.load(Ordering::SeqCst) {
            return Err(Error::unreachable("The query parameter limit supported by your database is exceeded."));
        }
        Ok(Some(self.rows()))
    }
    async fn change_marker(&self) -> Result<Option<String>> {
        self.gate().await?;
        self.marker_reads.fetch_add(1, Ordering::SeqCst);
        tokio::time::sleep(Duration::from_millis(self.marker_delay_ms.load(Ordering::SeqCst))).await;
        let rows = self.rows();
        Ok(Some(format!("{}|{}", rows.len(), rows.last().map(|b| b.id.as_str()).unwrap_or(""))))
    }
}

fn bundle(n: u32) -> Value {
    json!({
        "id": format!("01900000-0000-7000-8000-{n:012}"), "platform": "ios", "shouldForceUpdate": false, "enabled": true,
        "fileHash": format!("h{n}"), "channel": "production", "storageUri": format!("s3://b/{n}.zip"), "targetAppVersion": "1.x",
    })
}

fn args() -> UpdateArgs {
    UpdateArgs {
        strategy: Strategy::AppVersion,
        platform: "ios".into(),
        target: "1.0.0".into(),
        bundle_id: NIL_UUID.into(),
        channel: "production".into(),
        min_bundle_id: NIL_UUID.into(),
        cohort: None,
    }
}

const PROBE_TIMEOUT: Duration = Duration::from_millis(300);

fn setup() -> (Arc<Fake>, SnapshotDatabase) {
    let fake = Arc::new(Fake::default());
    let opts = SnapshotOptions { probe_interval: Duration::from_millis(20), probe_timeout: PROBE_TIMEOUT, ..SnapshotOptions::default() };
    let snap = SnapshotDatabase::new(fake.clone(), opts);
    (fake, snap)
}

/// The answered id and staleness, and how long the check took.
async fn check(snap: &SnapshotDatabase) -> (Option<String>, bool, Duration) {
    let start = Instant::now();
    let found = snap.get_update_info(&args(), Ctx::default()).await.unwrap();
    (found.info.map(|i| i.id), found.stale, start.elapsed())
}

async fn outage(mode: u8) {
    let (fake, snap) = setup();
    snap.insert_bundle(&bundle(1), Ctx::default()).await.unwrap();
    let id1 = bundle(1)["id"].as_str().unwrap().to_string();
    assert_eq!(check(&snap).await.0.as_deref(), Some(id1.as_str()));

    fake.mode.store(mode, Ordering::SeqCst);
    // A write while the outage is not yet known: it fails, and the snapshot stays.
    let write = snap.insert_bundle(&bundle(2), Ctx::default()).await.unwrap_err();
    assert!(matches!(write.kind, ErrorKind::Database | ErrorKind::Unavailable { .. }), "{write:?}");
    for _ in 0..5 {
        tokio::time::sleep(Duration::from_millis(30)).await;
        let (id, stale, took) = check(&snap).await;
        assert_eq!(id.as_deref(), Some(id1.as_str()), "the last good snapshot answers");
        assert!(stale, "and says it is stale");
        // Generous: the bound is one probe timeout, far below the pool's acquire timeout.
        assert!(took < PROBE_TIMEOUT * 3, "a check waited {took:?}");
    }
    // Known down: writes are refused at once with a retry hint; reads are bounded.
    let refused = snap.delete_bundle(&id1, Ctx::default()).await.unwrap_err();
    assert!(matches!(refused.kind, ErrorKind::Unavailable { retry_after } if retry_after >= 1), "{refused:?}");
    let read = snap.get_channels(Ctx::default()).await.unwrap_err();
    assert_eq!(read.kind, ErrorKind::Database);
    assert_eq!(snap.answers_epoch(), None, "stale answers are never reused");

    fake.mode.store(UP, Ordering::SeqCst);
    let deadline = Instant::now() + Duration::from_secs(5);
    while check(&snap).await.1 {
        assert!(Instant::now() < deadline, "no recovery");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    snap.insert_bundle(&bundle(3), Ctx::default()).await.unwrap();
    let id3 = bundle(3)["id"].as_str().unwrap().to_string();
    assert_eq!(check(&snap).await.0.as_deref(), Some(id3.as_str()), "writes after recovery show at once");
    snap.close().await;
}

#[tokio::test]
async fn refused_database_keeps_answering_from_the_snapshot() {
    outage(REFUSED).await;
}

#[tokio::test]
async fn blackholed_database_keeps_answering_within_the_probe_timeout() {
    outage(BLACKHOLE).await;
}

#[tokio::test]
async fn a_write_whose_outcome_is_unknown_is_picked_up_after_recovery() {
    let (fake, snap) = setup();
    snap.insert_bundle(&bundle(1), Ctx::default()).await.unwrap();
    check(&snap).await;
    fake.mode.store(REFUSED, Ordering::SeqCst);
    assert!(snap.update_bundle("x", &Map::new(), Ctx::default()).await.is_err());
    // Meanwhile another writer changed the data in a way no marker shows (same count, same
    // last id): only the forced rebuild after an unknown outcome can reveal it.
    fake.bundles.lock().unwrap()[0].enabled = false;
    fake.mode.store(UP, Ordering::SeqCst);
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        let (id, stale, _) = check(&snap).await;
        if id.is_none() && !stale {
            break;
        }
        assert!(Instant::now() < deadline, "the unknown write was never re-checked");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

#[tokio::test]
async fn a_poisoned_lock_does_not_stop_answers_or_invalidation() {
    let (_fake, snap) = setup();
    snap.insert_bundle(&bundle(1), Ctx::default()).await.unwrap();
    check(&snap).await;
    let core = snap.core.clone();
    let _ = std::thread::spawn(move || {
        let _guard = core.state.write().unwrap();
        panic!("poison the snapshot lock");
    })
    .join();
    assert!(snap.core.state.is_poisoned());
    assert!(check(&snap).await.0.is_some());
    snap.insert_bundle(&bundle(2), Ctx::default()).await.unwrap();
    assert_eq!(check(&snap).await.0.as_deref(), bundle(2)["id"].as_str(), "invalidation still works");
}

#[test]
fn slow_markers_space_the_probes_out_within_limits() {
    let opts = SnapshotOptions { probe_interval: Duration::from_secs(1), ..SnapshotOptions::default() };
    let spacing = |ms| super::probe_spacing(&opts, Duration::from_millis(ms));
    assert_eq!(spacing(2), Duration::from_secs(1), "a cheap marker: the plain interval");
    let fast = SnapshotOptions { probe_interval: Duration::from_millis(100), ..SnapshotOptions::default() };
    assert_eq!(super::probe_spacing(&fast, Duration::from_millis(40)), Duration::from_millis(100), "under 50 ms: never spaced");
    assert_eq!(super::probe_spacing(&fast, Duration::from_millis(60)), Duration::from_millis(500), "a slow one: capped at five intervals");
    assert_eq!(spacing(250), Duration::from_millis(2500), "a tenth of the time");
    assert_eq!(spacing(1500), Duration::from_secs(5), "never less often than five intervals");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn steady_checks_never_wait_for_the_probe() {
    // A marker that takes 150 ms to read, probed every 1.5 s (a slow marker spaces the probes out
    // to ten times its read time): once one probe has shown how long it takes, each next one
    // starts 350 ms early, in the background, and ends before it is due.
    let fake = Arc::new(Fake::default());
    let opts = SnapshotOptions { probe_interval: Duration::from_secs(1), probe_timeout: Duration::from_secs(2), ..SnapshotOptions::default() };
    let snap = SnapshotDatabase::new(fake.clone(), opts);
    snap.insert_bundle(&bundle(1), Ctx::default()).await.unwrap();
    fake.marker_delay_ms.store(150, Ordering::SeqCst);
    let id1 = bundle(1)["id"].as_str().unwrap().to_string();
    let until = Instant::now() + Duration::from_millis(1500);
    while Instant::now() < until {
        assert_eq!(check(&snap).await.0.as_deref(), Some(id1.as_str()));
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    // Measured: 3.5 s of checks every 10 ms, spanning at least two probes.
    let reads_before = fake.marker_reads.load(Ordering::SeqCst);
    let (mut slowest, mut answered_now, mut oldest) = (Duration::ZERO, 0, Duration::ZERO);
    let until = Instant::now() + Duration::from_millis(3500);
    while Instant::now() < until {
        oldest = oldest.max(snap.core.status().age);
        let (id, stale, took) = check(&snap).await;
        assert_eq!((id.as_deref(), stale), (Some(id1.as_str()), false));
        slowest = slowest.max(took);
        answered_now += usize::from(snap.update_info_now(&args()).is_some());
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let reads = fake.marker_reads.load(Ordering::SeqCst) - reads_before;
    assert!(reads >= 2, "the probe kept running: {reads} marker reads in 3.5 s");
    assert!(slowest < Duration::from_millis(100), "a check waited for the 150 ms marker: {slowest:?}");
    assert!(answered_now > 200, "the synchronous path answered {answered_now} times");
    // No answer came from a snapshot verified longer ago than the probe spacing.
    let spacing = snap.core.read().spacing;
    assert!(spacing >= Duration::from_millis(1500) && spacing < Duration::from_secs(3), "the slow marker spaced the probes out: {spacing:?}");
    assert!(oldest < spacing, "the snapshot went unverified for {oldest:?} (spacing {spacing:?})");
}

#[tokio::test]
async fn a_partition_that_does_not_load_is_retried_after_a_backoff_not_at_every_check() {
    let fake = Arc::new(Fake::default());
    fake.insert_bundle(&bundle(1), Ctx::default()).await.unwrap();
    fake.loads_fail.store(true, Ordering::SeqCst);
    let interval = Duration::from_millis(300);
    let opts = SnapshotOptions { probe_interval: interval, max_age: Duration::from_secs(5), fall_back_when_unloaded: true, ..SnapshotOptions::default() };
    let snap = SnapshotDatabase::new(fake.clone(), opts);
    let id1 = bundle(1)["id"].as_str().unwrap().to_string();

    let started = Instant::now();
    for _ in 0..20 {
        assert_eq!(check(&snap).await.0, None, "the backend's own answer");
    }
    assert!(started.elapsed() < interval, "the checks outlasted the first backoff; the count below would not hold");
    assert_eq!(fake.loads.load(Ordering::SeqCst), 1, "one load attempt, not one per check");
    assert_eq!(fake.own_answers.load(Ordering::SeqCst), 20);

    // After the backoff, one more attempt (which fails too: the backoff doubles).
    tokio::time::sleep(interval + Duration::from_millis(20)).await;
    check(&snap).await;
    check(&snap).await;
    assert_eq!(fake.loads.load(Ordering::SeqCst), 2);

    // The cause is gone: after the doubled backoff the partition loads and answers.
    fake.loads_fail.store(false, Ordering::SeqCst);
    tokio::time::sleep(interval * 2 + Duration::from_millis(20)).await;
    assert_eq!(check(&snap).await.0.as_deref(), Some(id1.as_str()));
    let answered_by_backend = fake.own_answers.load(Ordering::SeqCst);
    for _ in 0..5 {
        assert_eq!(check(&snap).await.0.as_deref(), Some(id1.as_str()));
    }
    assert_eq!(fake.own_answers.load(Ordering::SeqCst), answered_by_backend, "the snapshot answers now");
    assert_eq!(fake.loads.load(Ordering::SeqCst), 3);
    snap.close().await;
}

#[tokio::test]
async fn a_partition_loaded_while_a_rebuild_runs_is_kept_by_it() {
    let fake = Arc::new(Fake::default());
    fake.insert_bundle(&bundle(1), Ctx::default()).await.unwrap();
    // As for a JS plugin without a marker: timed reloads that checks never wait for.
    let opts =
        SnapshotOptions { probe_interval: Duration::from_millis(50), max_age: Duration::from_millis(100), timed_reload: true, ..SnapshotOptions::default() };
    let snap = SnapshotDatabase::new(fake.clone(), opts);
    let beta = UpdateArgs { channel: "beta".into(), ..args() };
    check(&snap).await;
    assert_eq!(snap.core.status().loads, 1);

    // The next reload reads `production` slowly; meanwhile a check loads `beta` (quickly).
    fake.production_delay_ms.store(400, Ordering::SeqCst);
    tokio::time::sleep(Duration::from_millis(150)).await;
    check(&snap).await;
    tokio::time::sleep(Duration::from_millis(50)).await;
    snap.get_update_info(&beta, Ctx::default()).await.unwrap();
    assert_eq!(snap.core.status().loads, 2);

    // After the reload's swap, `beta` is still there: no third load.
    tokio::time::sleep(Duration::from_millis(500)).await;
    snap.get_update_info(&beta, Ctx::default()).await.unwrap();
    let status = snap.core.status();
    assert!(status.rebuilds >= 1, "the slow reload was swapped in");
    assert_eq!(status.loads, 2, "the partition loaded during the reload was dropped by it");
    assert_eq!(status.partitions, 2);
    snap.close().await;
}
