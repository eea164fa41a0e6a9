//! Driver errors as the crate's [`Error`]: outages marked unreachable (the snapshot keeps
//! answering through them), and no credentials in any message.

use mongodb::error::{Error as MongoError, ErrorKind as MongoKind};

use crate::error::Error;

/// Removes the connection string's password from messages (the driver does not print it, but
/// a server or a parse error may echo parts of the URL).
#[derive(Debug, Clone, Default)]
pub struct Redactor {
    secrets: Vec<String>,
}

impl Redactor {
    pub fn for_url(url: &str) -> Self {
        let mut secrets = Vec::new();
        if let Some(rest) = url.split_once("://").map(|(_, r)| r) {
            let authority = rest.split(['/', '?']).next().unwrap_or_default();
            if let Some((userinfo, _)) = authority.rsplit_once('@') {
                if let Some((_, password)) = userinfo.split_once(':') {
                    if !password.is_empty() {
                        secrets.push(password.to_string());
                        let decoded = percent_encoding::percent_decode_str(password).decode_utf8_lossy().into_owned();
                        if decoded != password {
                            secrets.push(decoded);
                        }
                    }
                }
            }
        }
        Redactor { secrets }
    }

    pub fn clean(&self, message: &str) -> String {
        let mut out = message.to_string();
        for secret in &self.secrets {
            out = out.replace(secret.as_str(), "****");
        }
        out
    }
}

/// Whether the error says the server could not be reached (as opposed to an answer).
pub fn is_unreachable(e: &MongoError) -> bool {
    matches!(*e.kind, MongoKind::ServerSelection { .. } | MongoKind::Io(_) | MongoKind::ConnectionPoolCleared { .. })
}

/// The server's error code, when the server answered with one.
pub fn server_code(e: &MongoError) -> Option<i32> {
    match &*e.kind {
        MongoKind::Command(c) => Some(c.code),
        MongoKind::Write(mongodb::error::WriteFailure::WriteError(w)) => Some(w.code),
        _ => None,
    }
}

pub fn map_err(e: MongoError, redactor: &Redactor) -> Error {
    let message = redactor.clean(&e.to_string());
    if is_unreachable(&e) {
        Error::unreachable(message)
    } else {
        Error::database(message)
    }
}

/// Upstream's test for a deployment without transactions (SPEC §7.5), plus the Rust driver's
/// own wording for the same condition.
pub fn is_transaction_unsupported(e: &MongoError) -> bool {
    says_transactions_unsupported(&e.to_string())
}

/// [`is_transaction_unsupported`] on an error's text. A standalone MongoDB answers a transaction
/// with code 20, "Transaction numbers are only allowed on a replica set member or mongos".
pub fn says_transactions_unsupported(message: &str) -> bool {
    let message = message.to_ascii_lowercase();
    ["transaction numbers are only allowed", "replica set member or mongos", "transaction api error", "transactions are not supported"]
        .iter()
        .any(|needle| message.contains(needle))
}
