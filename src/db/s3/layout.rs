//! The object layout of upstream's blob database (plugin-core `createBlobDatabasePlugin`, as
//! `@hot-updater/aws`'s `s3Database` stores it; SPEC §7.6), as pure functions: keys, target
//! normalisation, the target-version index and the CDN paths a change invalidates.

use serde_json::Value;

use crate::core::collate::locale_compare;
use crate::core::jsnum::is_js_whitespace;
use crate::core::semver::{coerce, Version};
use crate::error::{Error, Result};

/// The file holding one target's bundles.
pub const UPDATE_JSON: &str = "update.json";
/// The per channel/platform index of the app-version targets present.
pub const TARGET_VERSIONS_JSON: &str = "target-app-versions.json";
/// upstream's default `apiBasePath`.
pub const DEFAULT_API_BASE_PATH: &str = "/api/check-update";

/// `basePath` without leading or trailing `/`.
pub fn normalize_base_path(base: Option<&str>) -> String {
    base.unwrap_or("").trim_matches('/').to_string()
}

/// The physical key of a logical one: `<basePath>/<key>`, or the key alone.
pub fn storage_key(base: &str, key: &str) -> String {
    match (base.is_empty(), key.is_empty()) {
        (true, _) => key.to_string(),
        (false, true) => base.to_string(),
        (false, false) => format!("{base}/{key}"),
    }
}

/// The logical key of a physical one (keys outside `basePath` are returned unchanged).
pub fn logical_key<'a>(base: &str, key: &'a str) -> &'a str {
    if base.is_empty() {
        return key;
    }
    key.strip_prefix(base).and_then(|k| k.strip_prefix('/')).unwrap_or(key)
}

/// upstream's target normalisation: white-space runs collapse to one space, the ends are
/// trimmed, and a space between an operator run (`><=~^`) and a digit is removed
/// (`">= 1.0.0  <  2.0.0"` → `">=1.0.0 <2.0.0"`). `None` for an absent or empty version.
pub fn normalize_target(version: Option<&str>) -> Option<String> {
    let version = version.filter(|v| !v.is_empty())?;
    let mut collapsed = String::with_capacity(version.len());
    let mut in_space = false;
    for c in version.chars() {
        if is_js_whitespace(c) {
            in_space = true;
            continue;
        }
        if in_space && !collapsed.is_empty() {
            collapsed.push(' ');
        }
        in_space = false;
        collapsed.push(c);
    }
    let chars: Vec<char> = collapsed.chars().collect();
    let mut out = String::with_capacity(collapsed.len());
    for (i, &c) in chars.iter().enumerate() {
        let joins = c == ' ' && i > 0 && matches!(chars[i - 1], '>' | '<' | '=' | '~' | '^') && chars.get(i + 1).is_some_and(char::is_ascii_digit);
        if !joins {
            out.push(c);
        }
    }
    Some(out)
}

fn str_field<'a>(bundle: &'a Value, name: &str) -> Option<&'a str> {
    bundle.get(name).and_then(Value::as_str)
}

/// A string field that JS would find truthy (present and non-empty).
fn truthy<'a>(bundle: &'a Value, name: &str) -> Option<&'a str> {
    str_field(bundle, name).filter(|s| !s.is_empty())
}

/// The folder a bundle is stored under: its normalised target app version, else its fingerprint.
pub fn storage_target(bundle: &Value) -> Result<String> {
    let target = normalize_target(str_field(bundle, "targetAppVersion")).or_else(|| str_field(bundle, "fingerprintHash").map(str::to_string));
    match target {
        Some(t) if !t.is_empty() => Ok(t),
        _ => Err(Error::internal("target not found")),
    }
}

/// `<channel>/<platform>/<target>/update.json` of a bundle.
pub fn update_key(bundle: &Value) -> Result<String> {
    let target = storage_target(bundle)?;
    let channel = str_field(bundle, "channel").unwrap_or("undefined");
    let platform = str_field(bundle, "platform").unwrap_or("undefined");
    Ok(format!("{channel}/{platform}/{target}/{UPDATE_JSON}"))
}

/// `<channel>/<platform>/target-app-versions.json`.
pub fn target_versions_key(channel: &str, platform: &str) -> String {
    format!("{channel}/{platform}/{TARGET_VERSIONS_JSON}")
}

/// Whether a logical key is one of the layout's `update.json` files.
pub fn is_update_key(key: &str) -> bool {
    update_key_parts(key).is_some()
}

/// `(channel, platform, target)` of `<channel>/<ios|android>/<target>/update.json`.
pub fn update_key_parts(key: &str) -> Option<(&str, &str, &str)> {
    let mut parts = key.split('/');
    let (channel, platform, target, file) = (parts.next()?, parts.next()?, parts.next()?, parts.next()?);
    let ok = parts.next().is_none() && !channel.is_empty() && matches!(platform, "ios" | "android") && !target.is_empty() && file == UPDATE_JSON;
    ok.then_some((channel, platform, target))
}

/// The narrowest prefix a management listing needs for a filter on channel, platform and
/// target app version.
pub fn management_prefix(channel: Option<&str>, platform: Option<&str>, target_app_version: Option<&str>) -> String {
    let channel = channel.filter(|c| !c.is_empty());
    let platform = platform.filter(|p| !p.is_empty());
    match (channel, platform) {
        (Some(c), Some(p)) => match target_app_version.and_then(|t| normalize_target(Some(t))).filter(|t| !t.is_empty()) {
            Some(t) => format!("{c}/{p}/{t}/"),
            None => format!("{c}/{p}/"),
        },
        (Some(c), None) => format!("{c}/"),
        _ => String::new(),
    }
}

/// Orders bundles as upstream writes them: by id, highest first (`localeCompare`).
pub fn sort_desc(bundles: &mut [Value]) {
    bundles.sort_by(|a, b| locale_compare(str_field(b, "id").unwrap_or(""), str_field(a, "id").unwrap_or("")));
}

/// Pending changes to one `target-app-versions.json`.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct TargetChanges {
    pub additions: Vec<String>,
    pub removals: Vec<String>,
}

impl TargetChanges {
    pub fn add(&mut self, bundle: &Value) {
        if let Some(t) = normalize_target(str_field(bundle, "targetAppVersion")) {
            if !self.additions.contains(&t) {
                self.additions.push(t);
            }
        }
    }

    pub fn remove(&mut self, bundle: &Value) {
        if let Some(t) = normalize_target(str_field(bundle, "targetAppVersion")) {
            if !self.removals.contains(&t) {
                self.removals.push(t);
            }
        }
    }

    /// The new list: removals dropped (unless added back), additions appended once.
    pub fn apply(&self, old: &[Value]) -> Vec<Value> {
        let listed = |list: &[String], v: &Value| v.as_str().is_some_and(|s| list.iter().any(|t| t == s));
        let mut out: Vec<Value> = old.iter().filter(|v| !listed(&self.removals, v) || listed(&self.additions, v)).cloned().collect();
        for a in &self.additions {
            if !out.iter().any(|v| v.as_str() == Some(a.as_str())) {
                out.push(Value::String(a.clone()));
            }
        }
        out
    }
}

/// The CDN paths a change invalidates, in the order upstream adds them (no duplicates).
#[derive(Debug, Default, Clone)]
pub struct Invalidations {
    api: String,
    paths: Vec<String>,
}

impl Invalidations {
    pub fn new(api_base_path: &str) -> Self {
        Invalidations { api: api_base_path.to_string(), paths: Vec::new() }
    }

    fn push(&mut self, path: String) {
        if !self.paths.contains(&path) {
            self.paths.push(path);
        }
    }

    /// The update-check lookups that could answer with `bundle` (given as its channel,
    /// platform, target app version and fingerprint).
    pub fn add_lookup(&mut self, channel: &str, platform: &str, target_app_version: Option<&str>, fingerprint: Option<&str>) {
        if let Some(fp) = fingerprint.filter(|f| !f.is_empty()) {
            self.push(format!("{}/fingerprint/{platform}/{fp}/{channel}/*", self.api));
            return;
        }
        let Some(tav) = target_app_version.filter(|t| !t.is_empty()) else { return };
        match exact_versions(tav) {
            None => self.push(format!("{}/app-version/{platform}/*", self.api)),
            Some(versions) => {
                for v in versions {
                    self.push(format!("{}/app-version/{platform}/{v}/{channel}/*", self.api));
                }
            }
        }
    }

    pub fn add_bundle(&mut self, bundle: &Value) {
        self.add_lookup(
            str_field(bundle, "channel").unwrap_or("undefined"),
            str_field(bundle, "platform").unwrap_or("undefined"),
            truthy(bundle, "targetAppVersion"),
            truthy(bundle, "fingerprintHash"),
        );
    }

    /// The paths, each passed through JS `encodeURI`.
    pub fn encoded(&self) -> Vec<String> {
        let mut out: Vec<String> = Vec::with_capacity(self.paths.len());
        for p in &self.paths {
            let e = encode_uri(p);
            if !out.contains(&e) {
                out.push(e);
            }
        }
        out
    }
}

/// For an exact version (a strict semver after normalisation): the forms a client may ask with
/// (`1.0.0` → `1.0.0`, `1.0`, `1`). `None` for a range.
fn exact_versions(tav: &str) -> Option<Vec<String>> {
    let normalized = normalize_target(Some(tav)).filter(|n| !n.is_empty())?;
    Version::parse_strict(&normalized)?;
    let Some(c) = coerce(&normalized) else { return Some(vec![normalized]) };
    let mut out = vec![format!("{}.{}.{}", c.major, c.minor, c.patch)];
    if c.patch == 0 {
        out.push(format!("{}.{}", c.major, c.minor));
    }
    if c.minor == 0 && c.patch == 0 {
        out.push(format!("{}", c.major));
    }
    Some(out)
}

/// JS `encodeURI`: everything but `A-Z a-z 0-9 ; , / ? : @ & = + $ - _ . ! ~ * ' ( ) #` is
/// percent-encoded as UTF-8.
pub fn encode_uri(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        let keep = b.is_ascii_alphanumeric() || b";,/?:@&=+$-_.!~*'()#".contains(&b);
        if keep {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}
