//! The two queries behind the in-memory snapshot (`crate::db::snapshot`), and the revision row
//! that lets several hot-updater-rs processes on one database see each other's writes.

use super::conn::{ColumnRead, Exec};
use super::dialect::Provider;
use super::rows::{row_to_snapshot_bundle, snapshot_select_list};
use super::stmt::SqlBuilder;
use crate::core::bundle::Bundle;
use crate::error::Result;

use crate::db::shared::{revision_token, REVISION_KEY};

fn push_partition_scope(b: &mut SqlBuilder, platform: &str, channel: &str) {
    b.push(" where enabled = ").boolean(true);
    b.push(" and platform = ").text(Some(platform));
    b.push(" and channel = ").text(Some(channel));
}

/// The enabled bundles of one (platform, channel) with the columns the snapshot keeps. Patches
/// are not read: the snapshot never answers with them (enrichment reads the target itself).
/// On SQLite the rows are decoded straight from the C API ([`Exec::fetch_map`]).
pub async fn partition(exec: &mut Exec<'_>, provider: Provider, platform: &str, channel: &str) -> Result<Vec<Bundle>> {
    let mut b = SqlBuilder::new(provider);
    b.push(&format!("select {} from bundles", snapshot_select_list(provider)));
    push_partition_scope(&mut b, platform, channel);
    exec.fetch_map(&b.finish(), row_to_snapshot_bundle).await
}

/// The change marker of a server database (and of an in-memory SQLite database, which only this
/// process can write): anything that changes an update answer changes it, including a row
/// updated in place by another tool. SQLite files use [`data_version`] instead.
///
/// - PostgreSQL: every inserted or updated row version carries the id of the transaction that
///   wrote it (`xmin`), so the count with the sum and maximum of `xmin` changes with every
///   insert, update and delete; one sequential read of the system column, no text at all.
/// - MySQL/MariaDB have no such column: a checksum of the columns update answers read (the
///   ones the snapshot keeps): the sum of each row's CRC-32, with the count.
/// - The revision row (bumped by every write through hot-updater-rs) is read on every engine.
pub async fn change_marker(exec: &mut Exec<'_>, provider: Provider) -> Result<String> {
    let key = provider.key_column();
    let digest = match provider {
        Provider::Postgres => "(select count(*)::text || '.' || coalesce(sum(xmin::text::bigint), 0)::text || '.' || \
             coalesce(max(xmin::text::bigint), 0)::text from bundles)"
            .to_string(),
        Provider::MySql => format!("(select concat_ws('.', count(*), coalesce(sum(crc32({})), 0)) from bundles)", mysql_row_text()),
        Provider::Sqlite => "(select count(*) || '.' || coalesce(max(id), '') from bundles)".to_string(),
    };
    let sql = format!("select {digest} as digest, (select value from private_hot_updater_settings where {key} = '{REVISION_KEY}') as revision");
    let rows = exec.fetch_all(&super::stmt::raw(sql)).await?;
    let Some(row) = rows.first() else { return Ok(String::new()) };
    let digest = row.opt_text("digest")?.unwrap_or_default();
    let revision = row.opt_text("revision")?.unwrap_or_default();
    Ok(format!("{digest}|{revision}"))
}

/// One MySQL row's update-relevant columns as one string: `concat_ws` skips NULLs, so which
/// nullable columns are NULL is added as a bit mask (a value moving from one nullable column to
/// the next still changes the text).
fn mysql_row_text() -> String {
    let nullable = ["message", "target_app_version", "fingerprint_hash", "target_cohorts", "manifest_storage_uri"];
    let mask: Vec<String> = nullable.iter().enumerate().map(|(i, c)| format!("({c} is null) * {}", 1 << i)).collect();
    format!(
        "concat_ws('|', id, platform, channel, enabled, should_force_update, file_hash, storage_uri, rollout_cohort_count, \
         message, target_app_version, fingerprint_hash, {}, {})",
        Provider::MySql.json_expr("target_cohorts"),
        mask.join(" + ")
    )
}

/// SQLite's `PRAGMA data_version` on the connection kept for it: it changes whenever another
/// connection (of this process or any other, hot-updater-rs or not) commits to the file, which
/// covers every change, in place or not, for the price of reading the file's header.
pub async fn data_version(exec: &mut Exec<'_>) -> Result<i64> {
    let rows = exec.fetch_all(&super::stmt::raw("pragma data_version".to_string())).await?;
    let Some(row) = rows.first() else { return Ok(0) };
    Ok(row.opt_int("data_version")?.unwrap_or(0))
}

/// Records a new revision (inside the write's transaction).
pub async fn bump_revision(exec: &mut Exec<'_>, provider: Provider) -> Result<()> {
    let token = revision_token();
    let key = provider.key_column();
    let head = format!("insert into private_hot_updater_settings ({key}, value) values ('{REVISION_KEY}', '{token}')");
    let sql = match provider {
        Provider::MySql => format!("{head} on duplicate key update value = '{token}'"),
        Provider::Sqlite | Provider::Postgres => format!("{head} on conflict ({key}) do update set value = '{token}'"),
    };
    exec.execute(&super::stmt::raw(sql)).await.map(drop)
}
