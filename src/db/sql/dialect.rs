//! What differs between the three SQL engines, in one place: placeholders, casts, quoting,
//! upserts, JSON columns and the few expressions that need engine-specific spelling.

/// Adapter name of the SQLite backend (used in readiness messages).
pub const SQLITE_ADAPTER_NAME: &str = "sqlite";
/// Adapter name of the PostgreSQL backend (used in readiness messages).
pub const POSTGRES_ADAPTER_NAME: &str = "postgresql";
/// Adapter name of the MySQL/MariaDB backend (used in readiness messages).
pub const MYSQL_ADAPTER_NAME: &str = "mysql";

/// The SQL engine a backend talks to (upstream's `provider`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Provider {
    /// SQLite (upstream `provider: "sqlite"`).
    Sqlite,
    /// PostgreSQL (upstream `provider: "postgresql"`).
    Postgres,
    /// MySQL or MariaDB (upstream `provider: "mysql"`).
    MySql,
}

/// How a bound value is used, so the dialect can add the cast the column needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Slot {
    /// A `text`/`varchar`/`char` value, or any value compared with one.
    Text,
    /// A value for or compared with a `uuid` column (upstream's logical `uuid` type).
    Uuid,
    /// JSON given as text, for a `json` column.
    Json,
    /// A plain value (integers, booleans) that needs no cast.
    Plain,
}

impl Provider {
    /// The name used in upstream's readiness messages and as our `adapterName`.
    pub fn adapter_name(self) -> &'static str {
        match self {
            Provider::Sqlite => SQLITE_ADAPTER_NAME,
            Provider::Postgres => POSTGRES_ADAPTER_NAME,
            Provider::MySql => MYSQL_ADAPTER_NAME,
        }
    }

    /// A human name for messages.
    pub fn display_name(self) -> &'static str {
        match self {
            Provider::Sqlite => "SQLite",
            Provider::Postgres => "PostgreSQL",
            Provider::MySql => "MySQL",
        }
    }

    /// The placeholder for the `n`-th (1-based) bound value.
    ///
    /// Postgres receives typed parameters from sqlx (`text`, `bool`, `int8`), so comparing a
    /// `uuid` or writing a `json` column needs an explicit cast. For `uuid` this mirrors what
    /// upstream gets from node-postgres (untyped parameters that Postgres infers as `uuid`): a
    /// value that is not a UUID fails with Postgres' own `invalid input syntax for type uuid:
    /// "<value>"`, which upstream answers as a 500 with that message, and so do we, except where
    /// a device's ids are compared (update checks and lookups by id check [`pg_accepts_uuid`]
    /// first and answer as SQLite and MySQL do).
    pub fn placeholder(self, n: usize, slot: Slot) -> String {
        match self {
            Provider::Sqlite | Provider::MySql => "?".to_string(),
            Provider::Postgres => match slot {
                Slot::Uuid => format!("${n}::uuid"),
                Slot::Json => format!("${n}::json"),
                Slot::Text | Slot::Plain => format!("${n}"),
            },
        }
    }

    /// The settings table's `key` column (a reserved word only on MySQL).
    pub fn key_column(self) -> &'static str {
        match self {
            Provider::MySql => "`key`",
            Provider::Sqlite | Provider::Postgres => "key",
        }
    }

    /// How a `uuid` column is read back as text.
    pub fn uuid_expr(self, column: &str) -> String {
        match self {
            Provider::Postgres => format!("{column}::text"),
            Provider::Sqlite | Provider::MySql => column.to_string(),
        }
    }

    /// How a `json` column is read back as text. MySQL 8 reports JSON columns with their own
    /// wire type, which is not a string type for sqlx; MariaDB stores them as `longtext` and
    /// accepts the same cast.
    pub fn json_expr(self, column: &str) -> String {
        match self {
            Provider::Postgres => format!("{column}::text"),
            Provider::MySql => format!("cast({column} as char)"),
            Provider::Sqlite => column.to_string(),
        }
    }

    /// An expression whose `DISTINCT` keeps values that differ only in case or accents apart.
    /// MySQL's default collations are case-insensitive, which would merge `1.0.0-RC` and
    /// `1.0.0-rc` into one representative before the semver test sees them.
    pub fn exact_text_expr(self, column: &str) -> String {
        match self {
            Provider::MySql => format!("convert({column} using utf8mb4) collate utf8mb4_bin"),
            Provider::Sqlite | Provider::Postgres => column.to_string(),
        }
    }

    /// The tail of an `insert` that turns it into an upsert on `key_column`, updating
    /// `columns` with the inserted values.
    pub fn upsert_clause(self, key_column: &str, columns: &[&str]) -> String {
        match self {
            Provider::MySql => {
                let sets: Vec<String> = columns.iter().map(|c| format!("{c} = values({c})")).collect();
                format!(" on duplicate key update {}", sets.join(", "))
            }
            Provider::Sqlite | Provider::Postgres => {
                let sets: Vec<String> = columns.iter().map(|c| format!("{c} = excluded.{c}")).collect();
                format!(" on conflict ({key_column}) do update set {}", sets.join(", "))
            }
        }
    }

    /// Row locking for a read that a transaction is about to overwrite. SQLite has no row
    /// locks; its write transactions start with `BEGIN IMMEDIATE` instead.
    pub fn for_update(self) -> &'static str {
        match self {
            Provider::Sqlite => "",
            Provider::Postgres | Provider::MySql => " for update",
        }
    }

    /// Whether DDL runs inside a transaction (MySQL commits implicitly after each statement).
    pub fn transactional_ddl(self) -> bool {
        !matches!(self, Provider::MySql)
    }
}

/// Whether PostgreSQL's `uuid` input accepts `text` (its `uuid_in` grammar: optional braces,
/// 32 hex digits, a hyphen allowed after any group of four). Anything else cannot be in a `uuid`
/// column, so a lookup of it finds nothing without asking (Postgres would refuse the literal).
pub fn pg_accepts_uuid(text: &str) -> bool {
    let b = text.as_bytes();
    let braces = b.first() == Some(&b'{');
    let mut i = usize::from(braces);
    for byte in 0..16 {
        if !b.get(i).is_some_and(u8::is_ascii_hexdigit) || !b.get(i + 1).is_some_and(u8::is_ascii_hexdigit) {
            return false;
        }
        i += 2;
        if byte % 2 == 1 && byte < 15 && b.get(i) == Some(&b'-') {
            i += 1;
        }
    }
    if braces {
        if b.get(i) != Some(&b'}') {
            return false;
        }
        i += 1;
    }
    i == b.len()
}

#[cfg(test)]
#[path = "dialect_tests.rs"]
mod tests;
