//! Update checks (SPEC §3.5): fetch only rows that can be candidates, then decide in Rust.
//!
//! App-version strategy, at most three statements:
//! 1. `select distinct target_app_version from bundles where enabled = ? and platform = ? and
//!    channel = ? and bundles.id >= ? and target_app_version is not null`, then keep the
//!    non-empty values that `semver::satisfies` accepts for the client's version;
//! 2. only if some remain: `select <columns> from bundles where <same> and target_app_version in
//!    (…) order by bundles.id desc`;
//! 3. only if the decision names a bundle: the patch rows of the target and installed bundles.
//!
//! Fingerprint strategy: (1) `select <columns> … and fingerprint_hash = ? order by bundles.id
//! desc`, then (3).
//!
//! The candidate predicate is re-applied in Rust, so a database collation (MySQL compares
//! case-insensitively) can only add rows, never change an answer.

use std::sync::Arc;

use super::conn::{ColumnRead, Exec};
use super::dialect::{pg_accepts_uuid, Provider};
use super::queries::{fetch_bundles, load_patches, select_bundles};
use super::stmt::SqlBuilder;
use crate::core::bundle::{Bundle, Strategy, UpdateArgs};
use crate::core::semver;
use crate::core::update::{decide, is_candidate, is_candidate_base};
use crate::db::UpdateLookup;
use crate::error::Result;

/// ` where enabled = ? and platform = ? and channel = ? [and bundles.id >= ?]`.
fn push_scope(b: &mut SqlBuilder, provider: Provider, args: &UpdateArgs) {
    b.push(" where enabled = ").boolean(true);
    b.push(" and platform = ").text(Some(&args.platform));
    b.push(" and channel = ").text(Some(&args.channel));
    // Upstream always compares with `minBundleId` (defaulted to the nil UUID); an empty one
    // (unreachable over HTTP, which answers 400) bounds nothing, so it is left out.
    // On PostgreSQL a `minBundleId` that is not a UUID cannot be compared in SQL; the predicate
    // re-applied in Rust compares it as text, exactly as the snapshot does.
    let comparable = provider != Provider::Postgres || pg_accepts_uuid(&args.min_bundle_id);
    if !args.min_bundle_id.is_empty() && comparable {
        b.push(" and bundles.id >= ").uuid(&args.min_bundle_id);
    }
}

/// The distinct target versions in scope that accept the client's app version.
async fn compatible_versions(exec: &mut Exec<'_>, provider: Provider, args: &UpdateArgs) -> Result<Vec<String>> {
    let mut b = SqlBuilder::new(provider);
    b.push(&format!("select distinct {} as target_app_version from bundles", provider.exact_text_expr("target_app_version")));
    push_scope(&mut b, provider, args);
    b.push(" and target_app_version is not null");
    let rows = exec.fetch_all(&b.finish()).await?;
    let mut out: Vec<String> = Vec::new();
    for row in &rows {
        let Some(version) = row.opt_text("target_app_version")? else { continue };
        if !version.is_empty() && !out.contains(&version) && semver::satisfies(&version, &args.target) {
            out.push(version);
        }
    }
    Ok(out)
}

/// The rows that may be candidates, newest first, without patches, and the target versions
/// already known to accept the client (empty for the fingerprint strategy).
async fn candidate_rows(exec: &mut Exec<'_>, provider: Provider, args: &UpdateArgs) -> Result<(Vec<Bundle>, Vec<String>)> {
    let mut b = select_bundles(provider);
    push_scope(&mut b, provider, args);
    let mut versions = Vec::new();
    match args.strategy {
        Strategy::AppVersion => {
            versions = compatible_versions(exec, provider, args).await?;
            if versions.is_empty() {
                return Ok((Vec::new(), versions));
            }
            b.push(" and target_app_version in ").list(&versions, false);
        }
        Strategy::Fingerprint => {
            b.push(" and fingerprint_hash = ").text(Some(&args.target));
        }
    }
    b.push(" order by bundles.id desc");
    Ok((fetch_bundles(exec, &b.finish()).await?, versions))
}

/// The candidate predicate, reusing the semver answers of the first query: a row whose target
/// version is exactly one already accepted needs no second parse (only rows a case-insensitive
/// `in` let through are tested again).
fn is_candidate_row(bundle: &Bundle, args: &UpdateArgs, accepted: &[String]) -> bool {
    match (args.strategy, bundle.target_app_version.as_ref()) {
        (Strategy::AppVersion, Some(version)) if accepted.contains(version) => is_candidate_base(bundle, args),
        _ => is_candidate(bundle, args),
    }
}

/// Answers an update check: the decision plus the target and installed bundles (with their
/// patches) for the response enrichment.
pub async fn get_update_info(exec: &mut Exec<'_>, provider: Provider, args: &UpdateArgs) -> Result<UpdateLookup> {
    let (rows, accepted) = candidate_rows(exec, provider, args).await?;
    let candidates: Vec<&Bundle> = rows.iter().filter(|b| is_candidate_row(b, args, &accepted)).collect();
    let info = decide(&candidates, args);
    let Some(info) = info else {
        // Upstream seeds nothing when there is no update, and nothing downstream reads the
        // bundles then, so no patch query is spent on them.
        return Ok(UpdateLookup::default());
    };
    let pick = |id: &str| candidates.iter().find(|b| b.id == id).map(|b| (*b).clone());
    let mut target: Vec<Bundle> = pick(&info.id).into_iter().collect();
    let target_may_have_manifest = target.first().is_none_or(|t| t.manifest_storage_uri.is_some());
    // Patches only matter to diff enrichment, which needs the target's manifest: without one,
    // the check stays at two queries.
    if target_may_have_manifest {
        load_patches(exec, provider, &mut target).await?;
    }
    let target = target.pop().map(Arc::new);
    let current = pick(&args.bundle_id).map(Arc::new);
    let current_is_candidate = current.is_some();
    Ok(UpdateLookup { info: Some(info), target, current, seeded: true, current_is_candidate, target_may_have_manifest, stale: false })
}
