//! The thin engine-specific layer: pools, connections, transactions and rows of the three sqlx
//! drivers behind one set of enums, so everything above is written once.

use std::sync::atomic::{AtomicU64, Ordering};

use futures::future::BoxFuture;
use futures::TryStreamExt;
use sqlx::mysql::{MySql, MySqlConnection, MySqlPool, MySqlRow};
use sqlx::pool::PoolConnection;
use sqlx::postgres::{PgConnection, PgPool, PgRow, Postgres};
use sqlx::sqlite::{Sqlite, SqliteConnection, SqlitePool, SqliteRow};
use sqlx::{Executor, Row, Transaction};

use super::errors::{map_sqlx, Redactor};
use super::stmt::{Param, Stmt};
use crate::error::{Error, Result};

/// What every statement needs besides a connection: error redaction and the statement counter.
#[derive(Debug, Default)]
pub struct Shared {
    pub redactor: Redactor,
    /// Statements executed since the backend was created (lets tests bound query counts).
    pub statements: AtomicU64,
}

/// One of the three pools.
#[derive(Debug, Clone)]
pub enum Pools {
    Sqlite(SqlitePool),
    Postgres(PgPool),
    MySql(MySqlPool),
}

/// A pooled connection, returned to the pool on drop.
pub enum Held {
    Sqlite(PoolConnection<Sqlite>),
    Postgres(PoolConnection<Postgres>),
    MySql(PoolConnection<MySql>),
}

/// An open transaction; dropping it without [`Tx::commit`] rolls back.
pub enum Tx {
    Sqlite(Transaction<'static, Sqlite>),
    Postgres(Transaction<'static, Postgres>),
    MySql(Transaction<'static, MySql>),
}

enum ConnRef<'c> {
    Sqlite(&'c mut SqliteConnection),
    Postgres(&'c mut PgConnection),
    MySql(&'c mut MySqlConnection),
}

/// Runs statements on one connection (pooled or inside a transaction).
pub struct Exec<'c> {
    conn: ConnRef<'c>,
    shared: &'c Shared,
}

/// A result row of any engine.
pub enum DbRow {
    Sqlite(SqliteRow),
    Postgres(PgRow),
    MySql(MySqlRow),
}

impl Pools {
    pub async fn acquire(&self, shared: &Shared) -> Result<Held> {
        let err = |e| map_sqlx(e, &shared.redactor);
        Ok(match self {
            Pools::Sqlite(p) => Held::Sqlite(p.acquire().await.map_err(err)?),
            Pools::Postgres(p) => Held::Postgres(p.acquire().await.map_err(err)?),
            Pools::MySql(p) => Held::MySql(p.acquire().await.map_err(err)?),
        })
    }

    /// Starts a write transaction. SQLite's starts with `BEGIN IMMEDIATE` so that a transaction
    /// that reads before it writes waits for the write lock up front (honouring the busy
    /// timeout) instead of failing with `SQLITE_BUSY` when it upgrades.
    pub async fn begin(&self, shared: &Shared) -> Result<Tx> {
        let err = |e| map_sqlx(e, &shared.redactor);
        Ok(match self {
            Pools::Sqlite(p) => Tx::Sqlite(p.begin_with("BEGIN IMMEDIATE").await.map_err(err)?),
            Pools::Postgres(p) => Tx::Postgres(p.begin().await.map_err(err)?),
            Pools::MySql(p) => Tx::MySql(p.begin().await.map_err(err)?),
        })
    }

    pub async fn close(&self) {
        match self {
            Pools::Sqlite(p) => p.close().await,
            Pools::Postgres(p) => p.close().await,
            Pools::MySql(p) => p.close().await,
        }
    }
}

impl Held {
    pub fn exec<'c>(&'c mut self, shared: &'c Shared) -> Exec<'c> {
        let conn = match self {
            Held::Sqlite(c) => ConnRef::Sqlite(c),
            Held::Postgres(c) => ConnRef::Postgres(c),
            Held::MySql(c) => ConnRef::MySql(c),
        };
        Exec { conn, shared }
    }
}

impl<'c> Exec<'c> {
    /// Statements on a connection of its own, outside the pool (the change-marker connection).
    pub fn sqlite(conn: &'c mut SqliteConnection, shared: &'c Shared) -> Exec<'c> {
        Exec { conn: ConnRef::Sqlite(conn), shared }
    }
}

impl Tx {
    pub fn exec<'c>(&'c mut self, shared: &'c Shared) -> Exec<'c> {
        let conn = match self {
            Tx::Sqlite(t) => ConnRef::Sqlite(t),
            Tx::Postgres(t) => ConnRef::Postgres(t),
            Tx::MySql(t) => ConnRef::MySql(t),
        };
        Exec { conn, shared }
    }

    pub async fn commit(self, shared: &Shared) -> Result<()> {
        let result = match self {
            Tx::Sqlite(t) => t.commit().await,
            Tx::Postgres(t) => t.commit().await,
            Tx::MySql(t) => t.commit().await,
        };
        result.map_err(|e| map_sqlx(e, &shared.redactor))
    }
}

macro_rules! bound_query {
    ($db:ty, $stmt:expr) => {{
        let mut query = sqlx::query::<$db>(&$stmt.sql);
        for param in &$stmt.params {
            query = match param {
                Param::Text(v) => query.bind(v.clone()),
                Param::Int(v) => query.bind(*v),
                Param::Bool(v) => query.bind(*v),
            };
        }
        query
    }};
}

impl Exec<'_> {
    /// The redactor for messages built from this connection's errors.
    pub fn redactor(&self) -> &Redactor {
        &self.shared.redactor
    }

    fn map(&self, err: sqlx::Error) -> Error {
        map_sqlx(err, &self.shared.redactor)
    }

    fn count(&self) {
        self.shared.statements.fetch_add(1, Ordering::Relaxed);
    }

    /// Runs a query and returns all rows.
    pub async fn fetch_all(&mut self, stmt: &Stmt) -> Result<Vec<DbRow>> {
        let result = self.try_fetch_all(stmt).await;
        result.map_err(|e| self.map(e))
    }

    // The driver calls below return boxed `Send` futures: awaiting sqlx's executor futures
    // directly inside these enum matches trips rustc's higher-ranked lifetime inference
    // ("implementation of `Executor` is not general enough") once the caller must be `Send`.

    /// Runs a query and decodes every row with `decode`. On SQLite the rows are read through the
    /// C API on this thread ([`super::sqlite_raw`]), which skips sqlx's per-value copies; on the
    /// servers each row is decoded as it arrives. The snapshot's partition loads use this.
    pub async fn fetch_map<T: Send>(&mut self, stmt: &Stmt, decode: fn(&dyn ColumnRead) -> Result<T>) -> Result<Vec<T>> {
        self.count();
        if let ConnRef::Sqlite(c) = &mut self.conn {
            let mut locked = c.lock_handle().await.map_err(|e| map_sqlx(e, &self.shared.redactor))?;
            let db = locked.as_raw_handle();
            // SAFETY: the guard held in `locked` keeps sqlx's worker off this connection until
            // the read returns.
            let read = || unsafe { super::sqlite_raw::fetch_map(db, stmt, decode) };
            // A large read would hold up the other tasks of this runtime thread; a multi-thread
            // runtime hands them to another worker meanwhile.
            let multi_thread = tokio::runtime::Handle::try_current().is_ok_and(|h| h.runtime_flavor() == tokio::runtime::RuntimeFlavor::MultiThread);
            let rows = if multi_thread { tokio::task::block_in_place(read) } else { read() };
            drop(locked);
            return rows;
        }
        match self.try_fetch_map(stmt, decode).await {
            Ok(decoded) => decoded,
            Err(e) => Err(self.map(e)),
        }
    }

    /// The rows of `stmt` decoded one by one as the driver yields them (decoding overlaps the
    /// transfer, and no row outlives its decoding; counted by the caller). A decoding error ends the read (the inner
    /// result); the driver drains the rest of the result before the connection's next query.
    fn try_fetch_map<'s, T: Send + 's>(
        &'s mut self,
        stmt: &'s Stmt,
        decode: fn(&dyn ColumnRead) -> Result<T>,
    ) -> BoxFuture<'s, Result<Result<Vec<T>>, sqlx::Error>> {
        macro_rules! decoded {
            ($db:ty, $row:path, $c:expr) => {
                Box::pin(async move {
                    let mut rows = bound_query!($db, stmt).fetch(&mut **$c);
                    let mut out = Vec::new();
                    while let Some(row) = rows.try_next().await? {
                        match decode(&$row(row)) {
                            Ok(value) => out.push(value),
                            Err(e) => return Ok(Err(e)),
                        }
                    }
                    Ok(Ok(out))
                })
            };
        }
        match &mut self.conn {
            ConnRef::Sqlite(c) => decoded!(Sqlite, DbRow::Sqlite, c),
            ConnRef::Postgres(c) => decoded!(Postgres, DbRow::Postgres, c),
            ConnRef::MySql(c) => decoded!(MySql, DbRow::MySql, c),
        }
    }

    /// Like [`Exec::fetch_all`], but hands back the driver error (to recognise missing tables).
    pub fn try_fetch_all<'s>(&'s mut self, stmt: &'s Stmt) -> BoxFuture<'s, Result<Vec<DbRow>, sqlx::Error>> {
        self.count();
        match &mut self.conn {
            ConnRef::Sqlite(c) => Box::pin(async move {
                let rows = bound_query!(Sqlite, stmt).fetch_all(&mut **c).await?;
                Ok(rows.into_iter().map(DbRow::Sqlite).collect())
            }),
            ConnRef::Postgres(c) => Box::pin(async move {
                let rows = bound_query!(Postgres, stmt).fetch_all(&mut **c).await?;
                Ok(rows.into_iter().map(DbRow::Postgres).collect())
            }),
            ConnRef::MySql(c) => Box::pin(async move {
                let rows = bound_query!(MySql, stmt).fetch_all(&mut **c).await?;
                Ok(rows.into_iter().map(DbRow::MySql).collect())
            }),
        }
    }

    fn try_execute<'s>(&'s mut self, stmt: &'s Stmt) -> BoxFuture<'s, Result<u64, sqlx::Error>> {
        self.count();
        match &mut self.conn {
            ConnRef::Sqlite(c) => Box::pin(async move { Ok(bound_query!(Sqlite, stmt).execute(&mut **c).await?.rows_affected()) }),
            ConnRef::Postgres(c) => Box::pin(async move { Ok(bound_query!(Postgres, stmt).execute(&mut **c).await?.rows_affected()) }),
            ConnRef::MySql(c) => Box::pin(async move { Ok(bound_query!(MySql, stmt).execute(&mut **c).await?.rows_affected()) }),
        }
    }

    fn try_execute_raw<'s>(&'s mut self, sql: &'s str) -> BoxFuture<'s, Result<(), sqlx::Error>> {
        self.count();
        match &mut self.conn {
            ConnRef::Sqlite(c) => Box::pin(async move { (&mut **c).execute(sqlx::raw_sql(sql)).await.map(drop) }),
            ConnRef::Postgres(c) => Box::pin(async move { (&mut **c).execute(sqlx::raw_sql(sql)).await.map(drop) }),
            ConnRef::MySql(c) => Box::pin(async move { (&mut **c).execute(sqlx::raw_sql(sql)).await.map(drop) }),
        }
    }

    /// Runs a statement and returns the number of affected rows.
    pub async fn execute(&mut self, stmt: &Stmt) -> Result<u64> {
        let result = self.try_execute(stmt).await;
        result.map_err(|e| self.map(e))
    }

    /// Runs SQL text without preparing it (DDL, locks).
    pub async fn execute_raw(&mut self, sql: &str) -> Result<()> {
        let result = self.try_execute_raw(sql).await;
        result.map_err(|e| self.map(e))
    }
}

/// Reads a result row's columns by name, whichever reader produced it ([`DbRow`] from sqlx, or
/// a row of [`super::sqlite_raw`]), so each row format is decoded by one function.
pub trait ColumnRead {
    /// A nullable text column.
    fn opt_text(&self, column: &str) -> Result<Option<String>>;
    /// A nullable integer column of any width.
    fn opt_int(&self, column: &str) -> Result<Option<i64>>;
    /// A boolean column; NULL reads as false.
    fn boolean(&self, column: &str) -> Result<bool>;

    /// A non-null text column.
    fn text(&self, column: &str) -> Result<String> {
        self.opt_text(column)?.ok_or_else(|| Error::database(format!("Column {column} is unexpectedly NULL")))
    }
}

fn decode_err(column: &str, err: sqlx::Error) -> Error {
    Error::database(format!("Cannot read column {column}: {err}"))
}

impl ColumnRead for DbRow {
    /// A nullable text column.
    fn opt_text(&self, column: &str) -> Result<Option<String>> {
        let result = match self {
            DbRow::Sqlite(r) => r.try_get::<Option<String>, _>(column),
            DbRow::Postgres(r) => r.try_get::<Option<String>, _>(column),
            // Binary collations come back flagged as binary strings, which sqlx will not decode
            // as `String`; read those as bytes.
            DbRow::MySql(r) => r
                .try_get::<Option<String>, _>(column)
                .or_else(|_| r.try_get::<Option<Vec<u8>>, _>(column).map(|v| v.map(|b| String::from_utf8_lossy(&b).into_owned()))),
        };
        result.map_err(|e| decode_err(column, e))
    }

    /// A nullable integer column of any width.
    fn opt_int(&self, column: &str) -> Result<Option<i64>> {
        let result = match self {
            DbRow::Sqlite(r) => r.try_get::<Option<i64>, _>(column),
            // Postgres decodes strictly by width: `integer` is int4, `count(*)` is int8.
            DbRow::Postgres(r) => r.try_get::<Option<i64>, _>(column).or_else(|_| r.try_get::<Option<i32>, _>(column).map(|v| v.map(i64::from))),
            DbRow::MySql(r) => r.try_get::<Option<i64>, _>(column),
        };
        result.map_err(|e| decode_err(column, e))
    }

    /// A boolean column: native on Postgres, an integer on SQLite and MySQL (`tinyint(1)`).
    /// Like upstream's `Boolean(x)`, any non-zero value is true.
    fn boolean(&self, column: &str) -> Result<bool> {
        let value = match self {
            DbRow::Postgres(r) => r.try_get::<Option<bool>, _>(column).map_err(|e| decode_err(column, e))?,
            DbRow::Sqlite(_) | DbRow::MySql(_) => self.opt_int(column)?.map(|v| v != 0),
        };
        Ok(value.unwrap_or(false))
    }
}
