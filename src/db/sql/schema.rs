//! Upstream's versioned schema (0.21.0, 0.29.0, 0.31.0) as data, so that fresh DDL, incremental
//! migrations and old-version fixtures all come from one description (SPEC §7.1–7.2).

pub use crate::db::shared::{SCHEMA_VERSION, SETTINGS_TABLE};
/// Versions a migration can start from, oldest first (upstream's `hotUpdaterSchemaVersions`).
pub const SCHEMA_VERSIONS: [&str; 3] = ["0.21.0", "0.29.0", "0.31.0"];

/// Upstream's logical column types.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ColumnType {
    /// `uuid` (SQLite `text`, MySQL `char(36)`).
    Uuid,
    /// upstream's `string` (`text` everywhere).
    Text,
    /// `boolean` (SQLite `integer`).
    Bool,
    /// `integer`.
    Integer,
    /// `json` (SQLite `text`).
    Json,
    /// `varchar(n)` (SQLite `text`).
    Varchar(u32),
}

/// A column default, as upstream's DSL distinguishes them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ColumnDefault {
    /// A string literal.
    Text(String),
    /// An integer literal.
    Integer(i64),
    /// A JSON document (only `{}` is used).
    Json(&'static str),
}

/// One column.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Column {
    /// Column name.
    pub name: &'static str,
    /// Logical type.
    pub ty: ColumnType,
    /// Whether NULL is allowed (otherwise `not null`).
    pub nullable: bool,
    /// Whether this is the primary key.
    pub primary_key: bool,
    /// Default value, if any.
    pub default: Option<ColumnDefault>,
}

/// A named check constraint.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Check {
    /// Constraint name.
    pub name: &'static str,
    /// The checked SQL expression.
    pub expression: &'static str,
}

/// A named single-column index.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Index {
    /// Index name.
    pub name: &'static str,
    /// The indexed column.
    pub column: &'static str,
}

/// A named foreign key (always `on update restrict on delete cascade` upstream).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ForeignKey {
    /// Constraint name.
    pub name: &'static str,
    /// The referencing column.
    pub column: &'static str,
    /// The referenced table.
    pub referenced_table: &'static str,
    /// The referenced column.
    pub referenced_column: &'static str,
}

/// One table of one schema version.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Table {
    /// Table name.
    pub name: &'static str,
    /// Columns in declaration order.
    pub columns: Vec<Column>,
    /// Indexes (SQL engines only; upstream's MongoDB-only platform index is left out).
    pub indexes: Vec<Index>,
    /// Check constraints (inline on SQLite, `alter table` elsewhere).
    pub checks: Vec<Check>,
    /// Foreign keys (not on SQLite).
    pub foreign_keys: Vec<ForeignKey>,
    /// The settings table: created with the schema but never migrated column by column.
    pub internal: bool,
}

impl Table {
    /// The column called `name` (every index names an existing column).
    pub fn column(&self, name: &str) -> Option<&Column> {
        self.columns.iter().find(|c| c.name == name)
    }
}

fn col(name: &'static str, ty: ColumnType) -> Column {
    Column { name, ty, nullable: false, primary_key: false, default: None }
}

fn nullable(name: &'static str, ty: ColumnType) -> Column {
    Column { nullable: true, ..col(name, ty) }
}

fn primary(name: &'static str, ty: ColumnType) -> Column {
    Column { primary_key: true, ..col(name, ty) }
}

fn with_default(mut column: Column, default: ColumnDefault) -> Column {
    column.default = Some(default);
    column
}

fn ordinal(version: &str) -> usize {
    SCHEMA_VERSIONS.iter().position(|v| *v == version).unwrap_or(usize::MAX)
}

const CHECK_VERSION_OR_FINGERPRINT: Check =
    Check { name: "check_version_or_fingerprint", expression: "(target_app_version is not null) or (fingerprint_hash is not null)" };
const CHECK_ROLLOUT: Check = Check { name: "bundles_rollout_cohort_count_check", expression: "rollout_cohort_count >= 0 and rollout_cohort_count <= 1000" };

fn bundles_table(level: usize) -> Table {
    use ColumnType::*;
    let mut columns = vec![
        primary("id", Uuid),
        col("platform", Text),
        col("should_force_update", Bool),
        col("enabled", Bool),
        col("file_hash", Text),
        nullable("git_commit_hash", Text),
        nullable("message", Text),
        with_default(col("channel", Text), ColumnDefault::Text("production".into())),
        col("storage_uri", Text),
        nullable("target_app_version", Text),
        nullable("fingerprint_hash", Text),
        with_default(col("metadata", Json), ColumnDefault::Json("{}")),
    ];
    let mut indexes = vec![
        Index { name: "bundles_target_app_version_idx", column: "target_app_version" },
        Index { name: "bundles_fingerprint_hash_idx", column: "fingerprint_hash" },
        Index { name: "bundles_channel_idx", column: "channel" },
    ];
    let mut checks = vec![CHECK_VERSION_OR_FINGERPRINT];
    if level >= 1 {
        columns.push(with_default(col("rollout_cohort_count", Integer), ColumnDefault::Integer(1000)));
        columns.push(nullable("target_cohorts", Json));
        indexes.push(Index { name: "bundles_rollout_idx", column: "rollout_cohort_count" });
        checks.push(CHECK_ROLLOUT);
    }
    if level >= 2 {
        columns.push(nullable("manifest_storage_uri", Text));
        columns.push(nullable("manifest_file_hash", Text));
        columns.push(nullable("asset_base_storage_uri", Text));
    }
    Table { name: "bundles", columns, indexes, checks, foreign_keys: Vec::new(), internal: false }
}

fn bundle_patches_table() -> Table {
    use ColumnType::*;
    Table {
        name: "bundle_patches",
        columns: vec![
            primary("id", Varchar(255)),
            col("bundle_id", Uuid),
            col("base_bundle_id", Uuid),
            col("base_file_hash", Text),
            col("patch_file_hash", Text),
            col("patch_storage_uri", Text),
            with_default(col("order_index", Integer), ColumnDefault::Integer(0)),
        ],
        indexes: vec![
            Index { name: "bundle_patches_bundle_id_idx", column: "bundle_id" },
            Index { name: "bundle_patches_base_bundle_id_idx", column: "base_bundle_id" },
        ],
        checks: Vec::new(),
        foreign_keys: vec![
            ForeignKey { name: "bundle_patches_bundle_id_fk", column: "bundle_id", referenced_table: "bundles", referenced_column: "id" },
            ForeignKey { name: "bundle_patches_base_bundle_id_fk", column: "base_bundle_id", referenced_table: "bundles", referenced_column: "id" },
        ],
        internal: false,
    }
}

fn settings_table(version: &str) -> Table {
    Table {
        name: SETTINGS_TABLE,
        columns: vec![primary("key", ColumnType::Varchar(255)), with_default(col("value", ColumnType::Text), ColumnDefault::Text(version.to_string()))],
        indexes: Vec::new(),
        checks: Vec::new(),
        foreign_keys: Vec::new(),
        internal: true,
    }
}

/// The tables of schema `version`, in upstream's order; `None` for an unknown version.
pub fn tables(version: &str) -> Option<Vec<Table>> {
    let level = ordinal(version);
    if level >= SCHEMA_VERSIONS.len() {
        return None;
    }
    let mut out = vec![bundles_table(level)];
    if level >= 2 {
        out.push(bundle_patches_table());
    }
    out.push(settings_table(version));
    Some(out)
}

/// Whether `version` is one a migration can start from (`None` = empty database).
pub fn is_migratable(version: Option<&str>) -> bool {
    match version {
        None => true,
        Some(v) => ordinal(v) < SCHEMA_VERSIONS.len(),
    }
}

#[cfg(test)]
#[path = "schema_tests.rs"]
mod tests;
