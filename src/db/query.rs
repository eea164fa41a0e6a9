//! The bundle-list query every backend answers (upstream `DatabaseBundleQueryOptions`).

use serde::Serialize;

use crate::core::bundle::Bundle;
use crate::core::pagination::PaginationInfo;

/// Filters on `id` (all conditions are ANDed; `in_` with no items matches nothing).
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct IdFilter {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub eq: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub gt: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub gte: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub lt: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub lte: Option<String>,
    #[serde(rename = "in", skip_serializing_if = "Option::is_none")]
    pub in_: Option<Vec<String>>,
}

impl IdFilter {
    pub fn is_empty(&self) -> bool {
        self.eq.is_none() && self.gt.is_none() && self.gte.is_none() && self.lt.is_none() && self.lte.is_none() && self.in_.is_none()
    }
}

/// `where` of a bundle query. `Some(None)` on a nullable column means `IS NULL`.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct BundleWhere {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub channel: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub platform: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub enabled: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<IdFilter>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub target_app_version: Option<Option<String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub target_app_version_in: Option<Vec<String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub target_app_version_not_null: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fingerprint_hash: Option<Option<String>>,
}

impl BundleWhere {
    /// Whether a set filter is empty, so nothing can match (upstream answers without querying).
    pub fn has_empty_set(&self) -> bool {
        self.target_app_version_in.as_ref().is_some_and(Vec::is_empty) || self.id.as_ref().and_then(|f| f.in_.as_ref()).is_some_and(Vec::is_empty)
    }

    /// Evaluates the filter on one bundle in memory (blob-style backends and tests).
    pub fn matches(&self, b: &Bundle) -> bool {
        let opt_eq = |filter: &Option<Option<String>>, value: &Option<String>| match filter {
            None => true,
            Some(None) => value.is_none(),
            Some(Some(v)) => value.as_deref() == Some(v.as_str()),
        };
        self.channel.as_ref().is_none_or(|c| &b.channel == c)
            && self.platform.as_ref().is_none_or(|p| &b.platform == p)
            && self.enabled.is_none_or(|e| b.enabled == e)
            && opt_eq(&self.target_app_version, &b.target_app_version)
            && opt_eq(&self.fingerprint_hash, &b.fingerprint_hash)
            && self.target_app_version_in.as_ref().is_none_or(|set| b.target_app_version.as_ref().is_some_and(|t| set.contains(t)))
            && (self.target_app_version_not_null != Some(true) || b.target_app_version.is_some())
            && self.id.as_ref().is_none_or(|f| {
                let id = b.id.as_str();
                f.eq.as_deref().is_none_or(|v| id == v)
                    && f.gt.as_deref().is_none_or(|v| id > v)
                    && f.gte.as_deref().is_none_or(|v| id >= v)
                    && f.lt.as_deref().is_none_or(|v| id < v)
                    && f.lte.as_deref().is_none_or(|v| id <= v)
                    && f.in_.as_ref().is_none_or(|set| set.iter().any(|s| s == id))
            })
    }
}

/// Cursor pagination: `after` wins over `before`.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Cursor {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub after: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub before: Option<String>,
}

/// A bundle-list query: filter, page size, and either a page number or a cursor.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct BundleQuery {
    #[serde(rename = "where")]
    pub filter: BundleWhere,
    pub limit: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub page: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cursor: Option<Cursor>,
    /// `true` = `ORDER BY id DESC` (upstream's default).
    #[serde(skip)]
    pub descending: bool,
}

impl Default for BundleQuery {
    fn default() -> Self {
        BundleQuery { filter: BundleWhere::default(), limit: 50, page: None, cursor: None, descending: true }
    }
}

/// One page of bundles with upstream's pagination object.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct BundlePage {
    pub data: Vec<Bundle>,
    pub pagination: PaginationInfo,
}
