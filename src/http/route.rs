//! Path handling and the route table (SPEC §2.1–2.2). Upstream's matching is simple and exact
//! (equal segment count, literal segments, `:param` captures the raw segment even when empty),
//! so a dedicated matcher states it more faithfully than a general-purpose router would.

/// Which group a route belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Group {
    Always,
    UpdateCheck,
    Bundles,
}

/// What a matched route does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    Version,
    Fingerprint,
    AppVersion,
    Channels,
    GetBundle,
    ListBundles,
    CreateBundles,
    UpdateBundle,
    DeleteBundle,
}

struct Route {
    method: &'static str,
    pattern: &'static [&'static str],
    group: Group,
    action: Action,
}

const ROUTES: &[Route] = &[
    Route { method: "GET", pattern: &["version"], group: Group::Always, action: Action::Version },
    Route {
        method: "GET",
        pattern: &["fingerprint", ":platform", ":fingerprintHash", ":channel", ":minBundleId", ":bundleId"],
        group: Group::UpdateCheck,
        action: Action::Fingerprint,
    },
    Route {
        method: "GET",
        pattern: &["fingerprint", ":platform", ":fingerprintHash", ":channel", ":minBundleId", ":bundleId", ":cohort"],
        group: Group::UpdateCheck,
        action: Action::Fingerprint,
    },
    Route {
        method: "GET",
        pattern: &["app-version", ":platform", ":appVersion", ":channel", ":minBundleId", ":bundleId"],
        group: Group::UpdateCheck,
        action: Action::AppVersion,
    },
    Route {
        method: "GET",
        pattern: &["app-version", ":platform", ":appVersion", ":channel", ":minBundleId", ":bundleId", ":cohort"],
        group: Group::UpdateCheck,
        action: Action::AppVersion,
    },
    Route { method: "GET", pattern: &["api", "bundles", "channels"], group: Group::Bundles, action: Action::Channels },
    Route { method: "GET", pattern: &["api", "bundles", ":id"], group: Group::Bundles, action: Action::GetBundle },
    Route { method: "GET", pattern: &["api", "bundles"], group: Group::Bundles, action: Action::ListBundles },
    Route { method: "POST", pattern: &["api", "bundles"], group: Group::Bundles, action: Action::CreateBundles },
    Route { method: "PATCH", pattern: &["api", "bundles", ":id"], group: Group::Bundles, action: Action::UpdateBundle },
    Route { method: "DELETE", pattern: &["api", "bundles", ":id"], group: Group::Bundles, action: Action::DeleteBundle },
];

/// Upstream's `basePath` normalisation: empty or `/` → `/`; one trailing `/` removed.
pub fn normalize_base_path(base: Option<&str>) -> String {
    match base {
        None | Some("") | Some("/") => "/".to_string(),
        Some(b) => b.strip_suffix('/').unwrap_or(b).to_string(),
    }
}

/// The route-relative path: the base path stripped when it is a prefix (no segment check, like
/// upstream), a leading `/` ensured, one trailing `/` removed.
pub fn relative_path<'a>(pathname: &'a str, base_path: &str) -> std::borrow::Cow<'a, str> {
    let rest = pathname.strip_prefix(base_path).unwrap_or(pathname);
    let rest = if rest.len() > 1 { rest.strip_suffix('/').unwrap_or(rest) } else { rest };
    if rest.starts_with('/') {
        std::borrow::Cow::Borrowed(rest)
    } else {
        std::borrow::Cow::Owned(format!("/{rest}"))
    }
}

/// A matched route with its raw (still percent-encoded) parameters, in pattern order.
#[derive(Debug, PartialEq)]
pub struct Matched<'a> {
    pub action: Action,
    pub params: Vec<(&'static str, &'a str)>,
}

impl Matched<'_> {
    pub fn param(&self, name: &str) -> Option<&str> {
        self.params.iter().find(|(k, _)| *k == name).map(|(_, v)| *v)
    }
}

/// Finds the first enabled route for `method` and the relative `path`.
pub fn find<'a>(method: &str, path: &'a str, update_check: bool, bundles: bool) -> Option<Matched<'a>> {
    let segments: Vec<&str> = path[1..].split('/').collect();
    let path_segments: &[&str] = if path == "/" { &[] } else { &segments };
    ROUTES.iter().find_map(|route| {
        let enabled = match route.group {
            Group::Always => true,
            Group::UpdateCheck => update_check,
            Group::Bundles => bundles,
        };
        if !enabled || !route.method.eq_ignore_ascii_case(method) || route.pattern.len() != path_segments.len() {
            return None;
        }
        let mut params = Vec::new();
        for (pat, seg) in route.pattern.iter().zip(path_segments) {
            match pat.strip_prefix(':') {
                Some(name) => params.push((name, *seg)),
                None if pat == seg => {}
                None => return None,
            }
        }
        Some(Matched { action: route.action, params })
    })
}

#[cfg(test)]
#[path = "route_tests.rs"]
mod tests;
