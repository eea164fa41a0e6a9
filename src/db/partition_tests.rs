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
