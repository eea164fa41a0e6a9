//! The partition's order: highest id first under the collation, whichever sort path is taken.

use super::*;

fn bundle(id: &str) -> Bundle {
    Bundle {
        id: id.to_string(),
        platform: "ios".into(),
        should_force_update: false,
        enabled: true,
        file_hash: format!("h-{id}"),
        git_commit_hash: None,
        message: None,
        channel: "production".into(),
        storage_uri: format!("s3://b/{id}"),
        target_app_version: Some("*".into()),
        fingerprint_hash: None,
        metadata: None,
        manifest_storage_uri: None,
        manifest_file_hash: None,
        asset_base_storage_uri: None,
        patches: vec![],
        rollout_cohort_count: None,
        target_cohorts: None,
    }
}

fn order(ids: &[String]) -> Vec<String> {
    let p = Partition::build(ids.iter().map(|id| bundle(id)).collect(), "ios", "production");
    p.entries.iter().map(|e| e.id.to_string()).collect()
}

fn collation_order(ids: &[String]) -> Vec<String> {
    let mut sorted = ids.to_vec();
    sorted.sort_by(|a, b| locale_compare(b, a));
    sorted
}

/// Shuffled lowercase UUIDs (the byte-order path), then the same with one id the collation
/// orders differently from bytes (the collation path for all): both match a collation sort.
#[test]
fn entries_sorted_highest_first_on_both_paths() {
    let mut state = 0x9E37_79B9_7F4A_7C15_u64;
    let mut next = || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    let mut ids: Vec<String> =
        (0..2_000).map(|_| format!("{:08x}-{:04x}-7{:03x}-8000-{:012x}", next() as u32, next() as u16, next() % 0xfff, next() % 0xffff_ffff_ffff)).collect();
    ids.push("0190".to_string());
    ids.push("0190-".to_string());
    assert!(ids.iter().all(|id| is_byte_ordered(id)));
    let fast = order(&ids);
    assert_eq!(fast, collation_order(&ids));
    let mut bytes = ids.clone();
    bytes.sort_by(|a, b| b.cmp(a));
    assert_eq!(fast, bytes, "byte order is the collation's order on these ids");

    // Upper case and underscores sort differently under the collation than by bytes.
    let mut mixed = ids.clone();
    mixed.extend(["B-bundle", "a-bundle", "_first", "ZZZ"].map(String::from));
    let slow = order(&mixed);
    assert_eq!(slow, collation_order(&mixed));
    let mut by_bytes = mixed.clone();
    by_bytes.sort_by(|a, b| b.cmp(a));
    assert_ne!(slow, by_bytes, "these ids need the collation");
}

/// Versions that satisfy the same ranges share one candidate list, so the memo's size follows
/// the distinct range sets, not the distinct versions; every list is the bundles whose range the
/// version satisfies, highest first.
#[test]
fn version_memo_shares_lists_between_versions() {
    let targets = ["1.x", "*", "2.0.0", ">=1.5.0", "^1.2.0"];
    let bundles: Vec<Bundle> = (0..500)
        .map(|n| {
            let mut b = bundle(&format!("0190{n:04x}-0000-7000-8000-000000000000"));
            b.target_app_version = Some(targets[n % targets.len()].to_string());
            b
        })
        .collect();
    let targets_by_id: HashMap<String, String> = bundles.iter().map(|b| (b.id.clone(), b.target_app_version.clone().unwrap())).collect();
    let p = Partition::build(bundles, "ios", "production");
    let mut versions = 0;
    for major in 0..3 {
        for minor in 0..20 {
            for patch in 0..10 {
                let version = format!("{major}.{minor}.{patch}");
                let v = coerce(&version).unwrap();
                let expected: Vec<u32> =
                    (0..p.entries.len() as u32).filter(|&i| Range::parse(&targets_by_id[&*p.entries[i as usize].id]).is_some_and(|r| r.test(&v))).collect();
                assert_eq!(&*p.app_version_candidates(&version), &expected[..], "{version}");
                versions += 1;
            }
        }
    }
    let memo = p.memo.lock().unwrap();
    assert_eq!(memo.by_version.len(), versions);
    assert!(memo.by_ranges.len() <= 6, "{} distinct lists", memo.by_ranges.len());
    assert_eq!(memo.held, memo.by_ranges.values().map(|l| l.len()).sum::<usize>());
    // One list per range set: every version's entry points at a shared list.
    for list in memo.by_version.values() {
        assert!(memo.by_ranges.values().any(|l| Arc::ptr_eq(l, list)));
    }
}
