//! The crate's one error type. Every failure carries a kind, which decides both the HTTP status
//! the handler answers with and the stable `ERR_HOT_UPDATER_*` code JS sees as `err.code`.

use std::fmt;

/// What went wrong, coarsely: enough to pick a status code and an error code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorKind {
    /// Bad request input that upstream answers with 400 (route params, query values, payloads).
    BadRequest,
    /// A bundle the request names does not exist where upstream answers 404.
    NotFound,
    /// Invalid options given to a constructor; thrown to the caller, never an HTTP answer.
    Config,
    /// A database failed (connection, query, constraint) or its schema is not ready.
    Database,
    /// A storage plugin or backend failed.
    Storage,
    /// A JS plugin threw or returned something unusable.
    Plugin,
    /// Any other failure that upstream reports as a 500 with its message.
    Internal,
    /// The database is known to be unreachable, so a write is refused at once (HTTP 503 with
    /// `Retry-After: retry_after` seconds; upstream has no such state and answers 500).
    Unavailable { retry_after: u32 },
}

impl ErrorKind {
    /// The stable code exposed to JS as `err.code`.
    pub fn code(self) -> &'static str {
        match self {
            ErrorKind::BadRequest => "ERR_HOT_UPDATER_BAD_REQUEST",
            ErrorKind::NotFound => "ERR_HOT_UPDATER_NOT_FOUND",
            ErrorKind::Config => "ERR_HOT_UPDATER_CONFIG",
            ErrorKind::Database => "ERR_HOT_UPDATER_DATABASE",
            ErrorKind::Storage => "ERR_HOT_UPDATER_STORAGE",
            ErrorKind::Plugin => "ERR_HOT_UPDATER_PLUGIN",
            ErrorKind::Internal => "ERR_HOT_UPDATER_INTERNAL",
            ErrorKind::Unavailable { .. } => "ERR_HOT_UPDATER_UNAVAILABLE",
        }
    }
}

/// An error with a kind and a message that is safe to show (it never contains secrets).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Error {
    pub kind: ErrorKind,
    pub message: String,
    /// The database could not be reached (refused, timed out, connection lost), as opposed to a
    /// database that answered with an error. Decides whether the snapshot treats it as an outage.
    pub unreachable: bool,
}

impl Error {
    pub fn new(kind: ErrorKind, message: impl Into<String>) -> Self {
        Error { kind, message: message.into(), unreachable: false }
    }
    /// A database that could not be reached (see [`Error::unreachable`]).
    pub fn unreachable(message: impl Into<String>) -> Self {
        Error { kind: ErrorKind::Database, message: message.into(), unreachable: true }
    }
    pub fn bad_request(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::BadRequest, message)
    }
    pub fn internal(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::Internal, message)
    }
    pub fn config(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::Config, message)
    }
    pub fn database(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::Database, message)
    }
    pub fn storage(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::Storage, message)
    }
    pub fn plugin(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::Plugin, message)
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Error {}

pub type Result<T, E = Error> = std::result::Result<T, E>;
