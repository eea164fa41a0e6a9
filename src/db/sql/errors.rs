//! sqlx failures as crate errors, with connection secrets removed from every message.

use crate::error::Error;

/// Secrets that must never appear in an error message (passwords from the connection URL, in
/// raw and percent-decoded form). `Debug` shows how many, never which.
#[derive(Clone, Default)]
pub struct Redactor {
    secrets: Vec<String>,
}

impl std::fmt::Debug for Redactor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Redactor").field("secrets", &self.secrets.len()).finish()
    }
}

impl Redactor {
    /// A redactor for the password of `url` (if it has one).
    pub fn for_url(url: &str) -> Self {
        let mut secrets = Vec::new();
        if let Ok(parsed) = url::Url::parse(url) {
            if let Some(password) = parsed.password().filter(|p| !p.is_empty()) {
                secrets.push(password.to_string());
                let decoded = percent_encoding::percent_decode_str(password).decode_utf8_lossy().into_owned();
                if decoded != password {
                    secrets.push(decoded);
                }
            }
            for (key, value) in parsed.query_pairs() {
                if key.contains("password") && !value.is_empty() {
                    secrets.push(value.into_owned());
                }
            }
        }
        Redactor { secrets }
    }

    /// `message` without any known secret and without credentials of any URL it quotes.
    pub fn redact(&self, message: &str) -> String {
        let mut out = strip_url_credentials(message);
        for secret in &self.secrets {
            out = out.replace(secret.as_str(), "***");
        }
        out
    }
}

/// Replaces the password part of every `scheme://user:password@host` in `text` with `***`.
pub fn strip_url_credentials(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(pos) = rest.find("://") {
        let (head, tail) = rest.split_at(pos + 3);
        out.push_str(head);
        let authority_end = tail.find(|c: char| c == '/' || c == '?' || c == '#' || c.is_whitespace() || c == '"' || c == '\'').unwrap_or(tail.len());
        let authority = &tail[..authority_end];
        match authority.rfind('@') {
            Some(at) => {
                let userinfo = &authority[..at];
                match userinfo.find(':') {
                    Some(colon) => {
                        out.push_str(&userinfo[..colon]);
                        out.push_str(":***");
                    }
                    None => out.push_str(userinfo),
                }
                out.push_str(&authority[at..]);
            }
            None => out.push_str(authority),
        }
        rest = &tail[authority_end..];
    }
    out.push_str(rest);
    out
}

/// Whether the server answered, but only to say that it cannot serve: SQLSTATE class 08
/// (connection exceptions, which is also where MySQL/MariaDB put "too many connections" and
/// "server shutdown") and PostgreSQL's class 57 (operator intervention: shutdown,
/// `pg_terminate_backend`).
fn server_unavailable(err: &sqlx::Error) -> bool {
    let sqlx::Error::Database(db) = err else { return false };
    db.code().is_some_and(|code| code.starts_with("08") || code.starts_with("57"))
}

/// Maps a sqlx error to [`Error::database`]. Server errors keep the server's own text (which is
/// what upstream's JS drivers put in `error.message`); everything else says what failed.
pub fn map_sqlx(err: sqlx::Error, redactor: &Redactor) -> Error {
    let message = match &err {
        sqlx::Error::Database(db) => db.message().to_string(),
        sqlx::Error::PoolTimedOut => "Timed out waiting for a database connection (the pool is exhausted or the server is unreachable)".to_string(),
        sqlx::Error::PoolClosed => "The database pool was closed".to_string(),
        sqlx::Error::Io(io) => format!("Database I/O error: {io}"),
        sqlx::Error::Configuration(cause) => format!("Invalid database configuration: {cause}"),
        sqlx::Error::Tls(cause) => format!("Database TLS error: {cause}"),
        sqlx::Error::Protocol(text) => format!("Database protocol error: {text}"),
        other => other.to_string(),
    };
    // Everything but an answer from the server (or a local misconfiguration) means the server
    // was not reached or the connection broke: an outage, as far as the snapshot is concerned.
    let reached = !server_unavailable(&err)
        && matches!(
            err,
            sqlx::Error::Database(_)
                | sqlx::Error::Configuration(_)
                | sqlx::Error::PoolClosed
                | sqlx::Error::RowNotFound
                | sqlx::Error::ColumnNotFound(_)
                | sqlx::Error::ColumnDecode { .. }
                | sqlx::Error::Decode(_)
                | sqlx::Error::TypeNotFound { .. }
                | sqlx::Error::ColumnIndexOutOfBounds { .. }
        );
    let mut out = Error::database(redactor.redact(&message));
    out.unreachable = !reached;
    out
}

/// Whether a failed write transaction may simply be run again: a deadlock or serialization
/// failure chosen by the server (InnoDB picks deadlock victims even for short transactions
/// that touch the same parent rows through foreign keys). Recognised by the servers' standard
/// English texts, since the crate error keeps only the message.
pub fn is_transient(err: &Error) -> bool {
    err.kind == crate::error::ErrorKind::Database
        && ["Deadlock found when trying to get lock", "deadlock detected", "could not serialize access"].iter().any(|text| err.message.contains(text))
}

/// Whether `err` says that `table` does not exist (upstream's `isMissingSettingsTableError`,
/// plus the engines' error codes).
pub fn is_missing_table(err: &sqlx::Error, table: &str) -> bool {
    let sqlx::Error::Database(db) = err else { return false };
    let code = db.code();
    if matches!(code.as_deref(), Some("42P01") | Some("42S02") | Some("1146")) {
        return true;
    }
    let message = db.message().to_lowercase();
    message.contains(table) && ["does not exist", "no such table", "doesn't exist", "not found"].iter().any(|p| message.contains(p))
}

#[cfg(test)]
#[path = "errors_tests.rs"]
mod tests;
