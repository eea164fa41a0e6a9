//! The two queries behind the in-memory snapshot (`crate::db::snapshot`), and the revision row
//! that lets several hot-updater-rs processes on one database see each other's writes.

use super::conn::Exec;
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

/// Every enabled bundle of `platform`/`channel` with its patches: two queries, whatever the
/// number of bundles (the patches are selected through a subquery, not an id list).
/// The enabled bundles of one (platform, channel) with the columns the snapshot keeps. Patches
/// are not read: the snapshot never answers with them (enrichment reads the target itself).
pub async fn partition(exec: &mut Exec<'_>, provider: Provider, platform: &str, channel: &str) -> Result<Vec<Bundle>> {
    let mut b = SqlBuilder::new(provider);
    b.push(&format!("select {} from bundles", snapshot_select_list(provider)));
    push_partition_scope(&mut b, platform, channel);
    let rows = exec.fetch_all(&b.finish()).await?;
    rows.iter().map(row_to_snapshot_bundle).collect()
}

pub async fn change_marker(exec: &mut Exec<'_>, provider: Provider) -> Result<String> {
    let key = provider.key_column();
    let max_id = match provider {
        // PostgreSQL has no max() over uuid.
        Provider::Postgres => "max(id::text)",
        Provider::Sqlite | Provider::MySql => "max(id)",
    };
    let sql = format!(
        "select (select count(*) from bundles) as total, (select {max_id} from bundles) as last_id, \
         (select value from private_hot_updater_settings where {key} = '{REVISION_KEY}') as revision"
    );
    let rows = exec.fetch_all(&super::stmt::raw(sql)).await?;
    let Some(row) = rows.first() else { return Ok(String::new()) };
    let total = row.opt_int("total")?.unwrap_or(0);
    let last = row.opt_text("last_id")?.unwrap_or_default();
    let revision = row.opt_text("revision")?.unwrap_or_default();
    Ok(format!("{total}|{last}|{revision}"))
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
