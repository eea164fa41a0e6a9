//! The bundle queries and writes, written once over [`Exec`] for all engines.

use super::conn::{ColumnRead, Exec};
use super::dialect::Provider;
use super::filter::push_where;
use super::rows::{attach_patches, bundle_select_list, delete_patches_by, insert_patches, row_to_bundle, row_to_patch, select_patches, upsert_bundle};
use super::stmt::{SqlBuilder, Stmt};
use crate::core::bundle::Bundle;
use crate::db::query::BundleWhere;
use crate::error::Result;

/// `select <bundle columns> from bundles` (a `where` and `order by` follow).
pub fn select_bundles(provider: Provider) -> SqlBuilder {
    let mut b = SqlBuilder::new(provider);
    b.push(&format!("select {} from bundles", bundle_select_list(provider)));
    b
}

/// Decodes bundle rows without their patches.
pub async fn fetch_bundles(exec: &mut Exec<'_>, stmt: &Stmt) -> Result<Vec<Bundle>> {
    exec.fetch_all(stmt).await?.iter().map(row_to_bundle).collect()
}

/// Loads the patch rows of `bundles` (one query, skipped when there is nothing to load).
pub async fn load_patches(exec: &mut Exec<'_>, provider: Provider, bundles: &mut [Bundle]) -> Result<()> {
    if bundles.is_empty() {
        return Ok(());
    }
    let ids: Vec<String> = bundles.iter().map(|b| b.id.clone()).collect();
    let rows = exec.fetch_all(&select_patches(provider, &ids)).await?;
    let patches = rows.iter().map(row_to_patch).collect::<Result<Vec<_>>>()?;
    attach_patches(bundles, patches);
    Ok(())
}

/// One bundle with its patches. `lock` takes a row lock for a read-modify-write transaction.
pub async fn get_bundle(exec: &mut Exec<'_>, provider: Provider, id: &str, lock: bool) -> Result<Option<Bundle>> {
    let mut b = select_bundles(provider);
    b.push(" where bundles.id = ").uuid(id);
    if lock {
        b.push(provider.for_update());
    }
    let mut found = fetch_bundles(exec, &b.finish()).await?;
    found.truncate(1);
    load_patches(exec, provider, &mut found).await?;
    Ok(found.pop())
}

/// `select count(*) from bundles where …`.
pub async fn count(exec: &mut Exec<'_>, provider: Provider, filter: &BundleWhere) -> Result<u64> {
    let mut b = SqlBuilder::new(provider);
    b.push("select count(*) as total from bundles");
    push_where(&mut b, filter);
    let rows = exec.fetch_all(&b.finish()).await?;
    let total = match rows.first() {
        Some(row) => row.opt_int("total")?.unwrap_or(0),
        None => 0,
    };
    Ok(total.max(0) as u64)
}

/// One page of bundles ordered by id, with patches.
pub async fn list(exec: &mut Exec<'_>, provider: Provider, filter: &BundleWhere, descending: bool, limit: u64, offset: u64) -> Result<Vec<Bundle>> {
    let mut b = select_bundles(provider);
    push_where(&mut b, filter);
    let direction = if descending { "desc" } else { "asc" };
    // The numbers are ours (u64), so they go into the text rather than being bound.
    b.push(&format!(" order by bundles.id {direction} limit {limit} offset {offset}"));
    let mut bundles = fetch_bundles(exec, &b.finish()).await?;
    load_patches(exec, provider, &mut bundles).await?;
    Ok(bundles)
}

/// Channels in the database's `order by channel asc`, de-duplicated keeping the first.
pub async fn channels(exec: &mut Exec<'_>, provider: Provider) -> Result<Vec<String>> {
    // `distinct` keeps the transfer small where equality is exact; MySQL's usual collations
    // are case-insensitive, so there `distinct` could merge `Beta` into `beta`.
    let sql = match provider {
        Provider::MySql => "select channel from bundles order by channel asc",
        Provider::Sqlite | Provider::Postgres => "select distinct channel from bundles order by channel asc",
    };
    let rows = exec.fetch_all(&super::stmt::raw(sql)).await?;
    let mut out: Vec<String> = Vec::new();
    for row in &rows {
        let channel = row.text("channel")?;
        if !out.contains(&channel) {
            out.push(channel);
        }
    }
    Ok(out)
}

/// Upserts `bundle` and replaces its patch rows (run inside a transaction).
pub async fn write_bundle(exec: &mut Exec<'_>, provider: Provider, bundle: &Bundle) -> Result<()> {
    exec.execute(&upsert_bundle(provider, bundle)).await?;
    exec.execute(&delete_patches_by(provider, "bundle_id", &bundle.id)).await?;
    if let Some(insert) = insert_patches(provider, bundle) {
        exec.execute(&insert).await?;
    }
    Ok(())
}

/// Deletes the patches of `id`, the patches built against `id`, then the bundle (run inside a
/// transaction). A missing id deletes nothing.
pub async fn delete_bundle(exec: &mut Exec<'_>, provider: Provider, id: &str) -> Result<()> {
    exec.execute(&delete_patches_by(provider, "bundle_id", id)).await?;
    exec.execute(&delete_patches_by(provider, "base_bundle_id", id)).await?;
    let mut b = SqlBuilder::new(provider);
    b.push("delete from bundles where id = ").uuid(id);
    exec.execute(&b.finish()).await?;
    Ok(())
}
