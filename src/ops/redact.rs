//! Error texts made safe for logs and health answers: no URL credentials, query strings (signed
//! URLs) or secret-looking `key=value` pairs.

/// Strips what could carry a secret from an error text: URL credentials and query strings, and
/// `key=value` pairs whose key names a secret.
pub fn redact(message: &str) -> String {
    let mut out = String::with_capacity(message.len());
    for (i, word) in message.split(' ').enumerate() {
        if i > 0 {
            out.push(' ');
        }
        out.push_str(&redact_word(word));
    }
    out
}

fn redact_word(word: &str) -> String {
    if let Some(scheme_end) = word.find("://") {
        let (scheme, rest) = word.split_at(scheme_end + 3);
        let rest = match rest.find('@') {
            Some(at) if !rest[..at].contains('/') => &rest[at + 1..],
            _ => rest,
        };
        let rest = rest.split(['?', '#']).next().unwrap_or("");
        return format!("{scheme}{rest}");
    }
    let lower = word.to_ascii_lowercase();
    for key in ["password", "secret", "token", "signature", "credential", "apikey", "api_key", "accesskey", "access_key", "authorization"] {
        if lower.contains(key) && (word.contains('=') || word.contains(':')) {
            return "[redacted]".to_string();
        }
    }
    word.to_string()
}
