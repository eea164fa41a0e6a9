//! The early-exit walk must agree with the reference decision on every input.

use super::*;
use crate::core::bundle::Bundle;

fn bundle(id: &str, enabled: bool, rollout: Option<f64>, cohorts: Option<Vec<String>>) -> Bundle {
    Bundle {
        id: id.to_string(),
        platform: "ios".into(),
        should_force_update: false,
        enabled,
        file_hash: format!("h-{id}"),
        git_commit_hash: None,
        message: Some(format!("m-{id}")),
        channel: "production".into(),
        storage_uri: format!("s3://b/{id}"),
        target_app_version: Some("*".into()),
        fingerprint_hash: Some("fp".into()),
        metadata: None,
        manifest_storage_uri: None,
        manifest_file_hash: None,
        asset_base_storage_uri: None,
        patches: vec![],
        rollout_cohort_count: rollout,
        target_cohorts: cohorts,
    }
}

struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

fn id(n: u64) -> String {
    format!("0190{n:04x}-0000-7000-8000-000000000000")
}

#[test]
fn sorted_walk_equals_reference() {
    let mut rng = Rng(0x9e3779b97f4a7c15);
    let cohorts = [None, Some("1"), Some("500"), Some("999"), Some("qa"), Some(""), Some("1001")];
    for _ in 0..20_000 {
        let n = rng.below(8);
        let mut bundles: Vec<Bundle> = (0..n)
            .map(|i| {
                let rollout = match rng.below(4) {
                    0 => None,
                    1 => Some(0.0),
                    2 => Some(rng.below(1001) as f64),
                    _ => Some(1000.0),
                };
                let targets = if rng.below(5) == 0 { Some(vec!["qa".to_string(), "7".to_string()]) } else { None };
                bundle(&id(i * 3 + 1 + rng.below(2)), rng.below(6) != 0, rollout, targets)
            })
            .collect();
        bundles.dedup_by(|a, b| a.id == b.id);
        let pick = |rng: &mut Rng, bundles: &[Bundle]| -> String {
            match rng.below(4) {
                0 => NIL_UUID.to_string(),
                1 if !bundles.is_empty() => bundles[rng.below(bundles.len() as u64) as usize].id.clone(),
                _ => id(rng.below(30)),
            }
        };
        let args = UpdateArgs {
            strategy: Strategy::Fingerprint,
            platform: "ios".into(),
            target: "fp".into(),
            bundle_id: pick(&mut rng, &bundles),
            channel: "production".into(),
            min_bundle_id: if rng.below(3) == 0 { pick(&mut rng, &bundles) } else { NIL_UUID.to_string() },
            cohort: cohorts[rng.below(cohorts.len() as u64) as usize].map(str::to_string),
        };
        let expected = resolve(&bundles, &args);
        let mut candidates: Vec<&Bundle> = bundles.iter().filter(|b| is_candidate(b, &args)).collect();
        candidates.sort_by(|a, b| locale_compare(&b.id, &a.id));
        let got = decide_sorted_bundles(&candidates, &args);
        assert_eq!(got, expected, "args {args:?}");

        // The explaining variant decides the same and reports every candidate once, with the
        // role its id has relative to the installed bundle.
        let cohort = parse_request_cohort(args.cohort.as_deref());
        let eligible = |b: &Bundle| is_cohort_eligible_parsed(&b.id, &cohort, b.rollout_cohort_count, b.target_cohorts.as_deref());
        let mut seen = Vec::new();
        let traced = decide_traced(&candidates, &args, eligible, &mut |b, role| seen.push((b.id.clone(), role)));
        assert_eq!(traced, expected, "traced, args {args:?}");
        assert_eq!(seen.len(), candidates.len());
        for (id, role) in &seen {
            let b = candidates.iter().find(|b| &b.id == id).unwrap();
            let want = match locale_compare(id, &args.bundle_id) {
                _ if *id == args.bundle_id => Role::Installed { eligible: eligible(b) },
                Ordering::Greater => Role::Newer { eligible: eligible(b) },
                Ordering::Less if args.bundle_id != NIL_UUID => Role::Older,
                _ => Role::NotNewer,
            };
            assert_eq!(*role, want);
        }
        // The chosen UPDATE is the highest eligible newer candidate.
        if let Some(info) = traced.filter(|i| i.status == UpdateStatus::Update) {
            let best = seen.iter().filter(|(_, r)| *r == Role::Newer { eligible: true }).map(|(id, _)| id).max_by(|a, b| locale_compare(a, b));
            assert_eq!(best, Some(&info.id));
        }
        // Every bundle left out has a reason, and only those.
        for b in &bundles {
            assert_eq!(candidate_skip(b, &args).is_none(), is_candidate(b, &args));
            if !b.enabled {
                assert_eq!(candidate_skip(b, &args), Some(Skip::Disabled));
            }
        }
    }
}

#[test]
fn reference_cases() {
    let a = bundle(&id(1), true, None, None);
    let b = bundle(&id(2), true, None, None);
    let off = bundle(&id(3), false, None, None);
    let all = vec![a.clone(), b.clone(), off];
    let mut args = UpdateArgs {
        strategy: Strategy::Fingerprint,
        platform: "ios".into(),
        target: "fp".into(),
        bundle_id: NIL_UUID.into(),
        channel: "production".into(),
        min_bundle_id: NIL_UUID.into(),
        cohort: None,
    };
    assert_eq!(resolve(&all, &args).unwrap().id, b.id);
    args.bundle_id = b.id.clone();
    assert_eq!(resolve(&all, &args), None);
    args.bundle_id = id(3);
    let r = resolve(&all, &args).unwrap();
    assert_eq!((r.id.as_str(), r.status, r.should_force_update), (b.id.as_str(), UpdateStatus::Rollback, true));
    args.bundle_id = id(9);
    assert_eq!(resolve(&[], &args), Some(UpdateInfo::init_rollback()));
    args.min_bundle_id = id(9);
    assert_eq!(resolve(&[], &args), None);
}
