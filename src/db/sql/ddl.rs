//! DDL text per provider, generated from [`super::schema`] with upstream's rendering rules
//! (SPEC §7.1), and the statement lists of a migration (SPEC §7.2–7.3).

use super::dialect::Provider;
use super::schema::{self, Column, ColumnDefault, ColumnType, Table, SCHEMA_VERSION, SETTINGS_TABLE};
use crate::error::{Error, Result};

fn sql_type(ty: ColumnType, provider: Provider) -> String {
    match (provider, ty) {
        (Provider::Sqlite, ColumnType::Bool | ColumnType::Integer) => "integer".into(),
        (Provider::Sqlite, _) => "text".into(),
        (Provider::MySql, ColumnType::Uuid) => "char(36)".into(),
        (Provider::Postgres, ColumnType::Uuid) => "uuid".into(),
        (_, ColumnType::Bool) => "boolean".into(),
        (_, ColumnType::Integer) => "integer".into(),
        (_, ColumnType::Json) => "json".into(),
        (_, ColumnType::Varchar(n)) => format!("varchar({n})"),
        (_, ColumnType::Text) => "text".into(),
    }
}

fn quote_literal(value: &str) -> String {
    format!("'{}'", value.replace('\'', "''"))
}

fn default_clause(column: &Column, provider: Provider) -> String {
    let Some(default) = &column.default else { return String::new() };
    // MySQL cannot give text/json columns a literal default, so upstream omits those there.
    if provider == Provider::MySql && matches!(column.ty, ColumnType::Text | ColumnType::Json) {
        return String::new();
    }
    match default {
        ColumnDefault::Json(doc) if provider == Provider::Postgres => format!(" default {}::json", quote_literal(doc)),
        ColumnDefault::Json(doc) => format!(" default {}", quote_literal(doc)),
        ColumnDefault::Text(text) => format!(" default {}", quote_literal(text)),
        ColumnDefault::Integer(n) => format!(" default {n}"),
    }
}

fn column_name(table: &Table, column: &Column, provider: Provider) -> String {
    if table.name == SETTINGS_TABLE && column.name == "key" {
        provider.key_column().to_string()
    } else {
        column.name.to_string()
    }
}

/// `<name> <type> [primary key] [not null][ default …]`.
pub fn column_definition(table: &Table, column: &Column, provider: Provider) -> String {
    let mut parts = vec![column_name(table, column, provider), sql_type(column.ty, provider)];
    if column.primary_key {
        parts.push("primary key".into());
    }
    if !column.nullable {
        parts.push("not null".into());
    }
    parts.join(" ") + &default_clause(column, provider)
}

/// `create table if not exists …` with SQLite's checks inline (SQLite cannot add them later).
pub fn create_table(table: &Table, provider: Provider) -> String {
    let mut lines: Vec<String> = table.columns.iter().map(|c| column_definition(table, c, provider)).collect();
    if provider == Provider::Sqlite {
        lines.extend(table.checks.iter().map(|c| format!("constraint {} check ({})", c.name, c.expression)));
    }
    format!("create table if not exists {} (\n{}\n)", table.name, lines.join(",\n"))
}

fn create_index(table: &Table, index: &schema::Index, provider: Provider) -> String {
    // MySQL can only index a prefix of a `text` column.
    let is_text = table.column(index.column).is_some_and(|c| c.ty == ColumnType::Text);
    let column = if provider == Provider::MySql && is_text { format!("{}(255)", index.column) } else { index.column.to_string() };
    format!("create index {} on {}({})", index.name, table.name, column)
}

fn add_check(table: &Table, check: &schema::Check) -> String {
    format!("alter table {} add constraint {} check ({})", table.name, check.name, check.expression)
}

fn add_foreign_key(table: &Table, fk: &schema::ForeignKey) -> String {
    format!(
        "alter table {} add constraint {} foreign key ({}) references {}({}) on update restrict on delete cascade",
        table.name, fk.name, fk.column, fk.referenced_table, fk.referenced_column
    )
}

/// The statement that records `version` in the settings table.
pub fn settings_upsert(provider: Provider, version: &str) -> String {
    let key = provider.key_column();
    let head = format!("insert into {SETTINGS_TABLE} ({key}, value) values ('version', '{version}')");
    match provider {
        Provider::MySql => format!("{head} on duplicate key update value = '{version}'"),
        Provider::Sqlite | Provider::Postgres => format!("{head} on conflict (key) do update set value = '{version}'"),
    }
}

fn unknown_version(version: &str) -> Error {
    Error::database(format!("Unsupported Hot Updater schema version: {version}"))
}

/// Every statement that creates schema `version` from nothing, ending with the settings row.
/// For the current version this is upstream's `createTableSql` plus the settings upsert; older
/// versions serve as fixtures for migration tests.
pub fn create_statements(provider: Provider, version: &str) -> Result<Vec<String>> {
    let tables = schema::tables(version).ok_or_else(|| unknown_version(version))?;
    let mut out: Vec<String> = tables.iter().map(|t| create_table(t, provider)).collect();
    for table in &tables {
        out.extend(table.indexes.iter().map(|i| create_index(table, i, provider)));
    }
    if provider != Provider::Sqlite {
        for table in &tables {
            out.extend(table.checks.iter().map(|c| add_check(table, c)));
        }
        for table in &tables {
            out.extend(table.foreign_keys.iter().map(|f| add_foreign_key(table, f)));
        }
    }
    out.push(settings_upsert(provider, version));
    Ok(out)
}

fn added_table(table: &Table, provider: Provider) -> Vec<String> {
    let mut out = vec![create_table(table, provider)];
    out.extend(table.indexes.iter().map(|i| create_index(table, i, provider)));
    if provider != Provider::Sqlite {
        out.extend(table.checks.iter().map(|c| add_check(table, c)));
        out.extend(table.foreign_keys.iter().map(|f| add_foreign_key(table, f)));
    }
    out
}

fn changed_table(previous: &Table, next: &Table, provider: Provider) -> Vec<String> {
    let mut out: Vec<String> = next
        .columns
        .iter()
        .filter(|c| previous.column(c.name).is_none())
        .map(|c| format!("alter table {} add column {}", next.name, column_definition(next, c, provider)))
        .collect();
    let had_index = |name: &str| previous.indexes.iter().any(|i| i.name == name);
    out.extend(next.indexes.iter().filter(|i| !had_index(i.name)).map(|i| create_index(next, i, provider)));
    if provider != Provider::Sqlite {
        let had_check = |name: &str| previous.checks.iter().any(|c| c.name == name);
        out.extend(next.checks.iter().filter(|c| !had_check(c.name)).map(|c| add_check(next, c)));
        let had_fk = |name: &str| previous.foreign_keys.iter().any(|f| f.name == name);
        out.extend(next.foreign_keys.iter().filter(|f| !had_fk(f.name)).map(|f| add_foreign_key(next, f)));
    }
    out
}

/// The statements that bring a schema at `from` (`None` = empty database) to the current
/// version, ending with the settings upsert; empty when already current. Any other version is
/// refused with upstream's `Unsupported Hot Updater schema version: <v>`.
pub fn migration_statements(provider: Provider, from: Option<&str>) -> Result<Vec<String>> {
    let Some(from) = from else { return create_statements(provider, SCHEMA_VERSION) };
    if from == SCHEMA_VERSION {
        return Ok(Vec::new());
    }
    let start = schema::SCHEMA_VERSIONS.iter().position(|v| *v == from).ok_or_else(|| unknown_version(from))?;
    let mut out = Vec::new();
    for pair in schema::SCHEMA_VERSIONS[start..].windows(2) {
        let (Some(previous), Some(next)) = (schema::tables(pair[0]), schema::tables(pair[1])) else { continue };
        for table in next.iter().filter(|t| !t.internal) {
            match previous.iter().find(|p| p.name == table.name) {
                Some(old) => out.extend(changed_table(old, table, provider)),
                None => out.extend(added_table(table, provider)),
            }
        }
    }
    out.push(settings_upsert(provider, SCHEMA_VERSION));
    Ok(out)
}

/// Upstream's `getSQL()` rendering: each statement with `;`, separated by a blank line.
pub fn render_script(statements: &[String]) -> String {
    statements.iter().map(|s| format!("{s};")).collect::<Vec<_>>().join("\n\n")
}
