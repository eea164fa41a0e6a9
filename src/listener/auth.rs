//! `createHotUpdater({ auth: { bearerToken } })` as the listener applies it: the rule of
//! `lib/auth.js` (management routes, that is route-relative paths under `/api`, need
//! `Authorization: Bearer <token>`; update checks, `/version` and downloads stay public).

use sha2::{Digest, Sha256};

use crate::http::route::relative_path;

/// The SHA-256 of the expected token; tokens are compared as digests, in constant time.
#[derive(Clone)]
pub struct BearerAuth {
    expected: [u8; 32],
    /// Route-relative paths open without a token (`auth.exempt`: `/api/health`, `/api/metrics`).
    exempt: Vec<String>,
}

impl std::fmt::Debug for BearerAuth {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("BearerAuth(..)")
    }
}

fn digest(bytes: &[u8]) -> [u8; 32] {
    Sha256::digest(bytes).into()
}

impl BearerAuth {
    pub fn new(token: &str) -> Self {
        BearerAuth { expected: digest(token.as_bytes()), exempt: Vec::new() }
    }

    /// Opens `<basePath>/api/<name>` for each name of `auth.exempt` (checked by lib/auth.js).
    pub fn with_exempt(mut self, names: &[String]) -> Self {
        self.exempt = names.iter().map(|n| format!("/api/{n}")).collect();
        self
    }

    /// Whether `url` is a route `auth.exempt` opens, compared as lib/auth.js does: the exact
    /// route-relative path.
    pub fn exempts(&self, url: &str, base_path: &str) -> bool {
        if self.exempt.is_empty() {
            return false;
        }
        let Ok(parsed) = url::Url::parse(url) else { return false };
        let rest = relative_path(parsed.path(), base_path);
        self.exempt.iter().any(|e| *e == rest)
    }

    /// Whether an `Authorization` header value carries the token.
    pub fn allows(&self, header: Option<&[u8]>) -> bool {
        let Some(token) = header.and_then(bearer_of) else { return false };
        let got = digest(token);
        got.iter().zip(self.expected.iter()).fold(0u8, |acc, (a, b)| acc | (a ^ b)) == 0
    }
}

fn is_blank(b: &u8) -> bool {
    *b == b' ' || *b == b'\t'
}

/// The token of `[ \t]*bearer[ \t]+<token>[ \t]*` (scheme case-insensitive), as lib/auth.js's
/// `bearerOf`; `None` when absent or malformed.
pub fn bearer_of(header: &[u8]) -> Option<&[u8]> {
    let start = header.iter().position(|b| !is_blank(b))?;
    let end = header.iter().rposition(|b| !is_blank(b))? + 1;
    let h = &header[start..end];
    if h.len() < 7 || !h[..6].eq_ignore_ascii_case(b"bearer") || !is_blank(&h[6]) {
        return None;
    }
    let token = &h[6..];
    let token = &token[token.iter().position(|b| !is_blank(b))?..];
    if token.iter().any(is_blank) {
        return None;
    }
    Some(token)
}

/// Whether `url` is a management request (lib/auth.js's `isManagementRequest`): its
/// route-relative path is `/api` or under `/api/`, case-insensitively; an unparsable URL is one.
pub fn is_management(url: &str, base_path: &str) -> bool {
    if !url.to_ascii_lowercase().contains("/api") {
        return false;
    }
    let Ok(parsed) = url::Url::parse(url) else { return true };
    let rest = relative_path(parsed.path(), base_path);
    let b = rest.as_bytes();
    b.len() >= 4 && b[..4].eq_ignore_ascii_case(b"/api") && (b.len() == 4 || b[4] == b'/')
}
