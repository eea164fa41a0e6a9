//! Bulk reads on a SQLite connection through the C API, for the snapshot's partition loads.
//!
//! sqlx's SQLite driver copies every value of every row on its worker thread (one
//! `sqlite3_value_dup` each), sends the rows over a channel and frees the copies after they are
//! decoded: at 100,000 bundles that was ~90 ms of a ~30 ms query for one partition of ~14,000
//! rows. Here the statement runs on the caller's thread, on the connection sqlx hands out through
//! `lock_handle` (its worker is parked meanwhile), and each value is decoded straight from
//! SQLite's own buffer. The storage classes accepted are the ones sqlx accepts (text from
//! `TEXT`, `INTEGER` and `REAL`; integers from `INTEGER` only), so both readers answer the same.

use std::collections::HashMap;
use std::ffi::{c_int, CStr};
use std::ptr::{self, NonNull};

use libsqlite3_sys as ffi;

use super::conn::ColumnRead;
use super::stmt::{Param, Stmt};
use crate::error::{Error, Result};

/// A prepared statement, finalized on drop.
struct Prepared {
    db: *mut ffi::sqlite3,
    stmt: *mut ffi::sqlite3_stmt,
}

impl Drop for Prepared {
    fn drop(&mut self) {
        // SAFETY: `stmt` came from `sqlite3_prepare_v2` on `db` and is finalized exactly once.
        unsafe { ffi::sqlite3_finalize(self.stmt) };
    }
}

impl Prepared {
    /// SQLite's message for the connection's last error, as a crate error (the server was
    /// reached: this is an answer, not an outage).
    fn error(&self) -> Error {
        // SAFETY: `db` is an open connection; `sqlite3_errmsg` returns a NUL-terminated string
        // owned by SQLite, copied before any further call.
        let message = unsafe { CStr::from_ptr(ffi::sqlite3_errmsg(self.db)) }.to_string_lossy().into_owned();
        Error::database(message)
    }

    fn check(&self, code: c_int) -> Result<()> {
        if code == ffi::SQLITE_OK {
            Ok(())
        } else {
            Err(self.error())
        }
    }
}

/// One result row: values are read by column name, straight from the statement.
pub struct RawRow<'a> {
    stmt: *mut ffi::sqlite3_stmt,
    columns: &'a HashMap<String, c_int>,
}

impl RawRow<'_> {
    fn index(&self, column: &str) -> Result<c_int> {
        self.columns.get(column).copied().ok_or_else(|| Error::database(format!("Cannot read column {column}: no such column in the result")))
    }

    fn type_of(&self, index: c_int) -> c_int {
        // SAFETY: the statement is positioned on a row (`sqlite3_step` returned SQLITE_ROW) and
        // `index` is one of its columns.
        unsafe { ffi::sqlite3_column_type(self.stmt, index) }
    }
}

fn type_name(code: c_int) -> &'static str {
    match code {
        ffi::SQLITE_INTEGER => "INTEGER",
        ffi::SQLITE_FLOAT => "REAL",
        ffi::SQLITE_BLOB => "BLOB",
        ffi::SQLITE_TEXT => "TEXT",
        _ => "NULL",
    }
}

fn mismatch(column: &str, wanted: &str, found: c_int) -> Error {
    Error::database(format!("Cannot read column {column}: mismatched types; {wanted} is not compatible with SQL type {}", type_name(found)))
}

impl ColumnRead for RawRow<'_> {
    fn opt_text(&self, column: &str) -> Result<Option<String>> {
        let index = self.index(column)?;
        match self.type_of(index) {
            ffi::SQLITE_NULL => Ok(None),
            // Numbers read as SQLite renders them, as through sqlx (`sqlite3_value_text`).
            ffi::SQLITE_TEXT | ffi::SQLITE_INTEGER | ffi::SQLITE_FLOAT => {
                // SAFETY: as in `type_of`. The text pointer is valid until the next step or
                // conversion on this column; `sqlite3_column_bytes` is called after it, as SQLite
                // documents, and the bytes are copied at once.
                let bytes = unsafe {
                    let text = ffi::sqlite3_column_text(self.stmt, index);
                    let len = ffi::sqlite3_column_bytes(self.stmt, index);
                    if text.is_null() || len <= 0 {
                        &[][..]
                    } else {
                        std::slice::from_raw_parts(text, len as usize)
                    }
                };
                String::from_utf8(bytes.to_vec()).map(Some).map_err(|_| Error::database(format!("Cannot read column {column}: the text is not valid UTF-8")))
            }
            other => Err(mismatch(column, "TEXT", other)),
        }
    }

    fn opt_int(&self, column: &str) -> Result<Option<i64>> {
        let index = self.index(column)?;
        match self.type_of(index) {
            ffi::SQLITE_NULL => Ok(None),
            // SAFETY: as in `type_of`.
            ffi::SQLITE_INTEGER => Ok(Some(unsafe { ffi::sqlite3_column_int64(self.stmt, index) })),
            other => Err(mismatch(column, "INTEGER", other)),
        }
    }

    fn boolean(&self, column: &str) -> Result<bool> {
        Ok(self.opt_int(column)?.is_some_and(|v| v != 0))
    }
}

/// Runs `stmt` on `db` and decodes every row with `decode`.
///
/// # Safety
/// `db` must be an open connection that nothing else uses until this returns (the guard of
/// sqlx's `lock_handle` held by the caller).
pub unsafe fn fetch_map<T>(db: NonNull<ffi::sqlite3>, stmt: &Stmt, decode: fn(&dyn ColumnRead) -> Result<T>) -> Result<Vec<T>> {
    let db = db.as_ptr();
    let sql = stmt.sql.as_bytes();
    let mut raw = ptr::null_mut();
    // SAFETY: `sql` outlives the call and its length is given, so no NUL terminator is needed.
    let code = unsafe { ffi::sqlite3_prepare_v2(db, sql.as_ptr().cast(), sql.len() as c_int, &mut raw, ptr::null_mut()) };
    let prepared = Prepared { db, stmt: raw };
    if code != ffi::SQLITE_OK || raw.is_null() {
        // A null statement with SQLITE_OK means the text held no statement at all.
        return Err(if code == ffi::SQLITE_OK { Error::database("Empty SQL statement") } else { prepared.error() });
    }
    for (i, param) in stmt.params.iter().enumerate() {
        let at = i as c_int + 1;
        // SAFETY: `raw` is a live statement; SQLITE_TRANSIENT makes SQLite copy the text now.
        let code = unsafe {
            match param {
                Param::Text(Some(text)) => ffi::sqlite3_bind_text(raw, at, text.as_ptr().cast(), text.len() as c_int, ffi::SQLITE_TRANSIENT()),
                Param::Text(None) => ffi::sqlite3_bind_null(raw, at),
                Param::Int(v) => ffi::sqlite3_bind_int64(raw, at, *v),
                Param::Bool(v) => ffi::sqlite3_bind_int64(raw, at, i64::from(*v)),
            }
        };
        prepared.check(code)?;
    }
    // SAFETY: column names are NUL-terminated strings owned by the statement, copied here.
    let columns: HashMap<String, c_int> = (0..unsafe { ffi::sqlite3_column_count(raw) })
        .map(|i| {
            let name = unsafe { ffi::sqlite3_column_name(raw, i) };
            let name = if name.is_null() { String::new() } else { unsafe { CStr::from_ptr(name) }.to_string_lossy().into_owned() };
            (name, i)
        })
        .collect();
    let mut out = Vec::new();
    loop {
        // SAFETY: `raw` is a live statement on a connection only this thread uses now.
        match unsafe { ffi::sqlite3_step(raw) } {
            ffi::SQLITE_ROW => out.push(decode(&RawRow { stmt: raw, columns: &columns })?),
            ffi::SQLITE_DONE => return Ok(out),
            _ => return Err(prepared.error()),
        }
    }
}
