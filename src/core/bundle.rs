//! The bundle record and the update answer, with upstream's JSON shapes.

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::{Map, Value};

/// The nil UUID: "no bundle installed" and the id of the INIT rollback.
pub const NIL_UUID: &str = "00000000-0000-0000-0000-000000000000";
/// Upstream's default rollout size (all 1000 cohorts).
pub const DEFAULT_ROLLOUT: f64 = 1000.0;

/// One diff patch of a bundle against an older base bundle.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct BundlePatch {
    pub base_bundle_id: String,
    pub base_file_hash: String,
    pub patch_file_hash: String,
    pub patch_storage_uri: String,
}

/// A bundle as stored and as the bundle API shows it.
///
/// Deserialising accepts what clients POST (camelCase, unknown keys ignored, the deprecated flat
/// `patch*` fields ignored because rows derive from `patches` only). Serialising writes upstream's
/// 22 keys in upstream's order, deriving the deprecated `patch*` mirrors from `patches[0]`.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Bundle {
    pub id: String,
    pub platform: String,
    pub should_force_update: bool,
    pub enabled: bool,
    pub file_hash: String,
    #[serde(default)]
    pub git_commit_hash: Option<String>,
    #[serde(default)]
    pub message: Option<String>,
    #[serde(default = "default_channel")]
    pub channel: String,
    pub storage_uri: String,
    #[serde(default)]
    pub target_app_version: Option<String>,
    #[serde(default)]
    pub fingerprint_hash: Option<String>,
    /// Any JSON; only an object is shown back (upstream drops other values when reading rows).
    #[serde(default)]
    pub metadata: Option<Value>,
    #[serde(default)]
    pub manifest_storage_uri: Option<String>,
    #[serde(default)]
    pub manifest_file_hash: Option<String>,
    #[serde(default)]
    pub asset_base_storage_uri: Option<String>,
    #[serde(default, deserialize_with = "deserialize_patches")]
    pub patches: Vec<BundlePatch>,
    /// `None` means "not given": stored as 1000. Kept as f64 because constraints must see 250.7.
    #[serde(default)]
    pub rollout_cohort_count: Option<f64>,
    #[serde(default)]
    pub target_cohorts: Option<Vec<String>>,
}

fn default_channel() -> String {
    "production".to_string()
}

/// Keeps the well-formed patch entries, first per base bundle id wins (upstream's `getBundlePatches`).
pub fn sanitize_patches(value: &Value) -> Vec<BundlePatch> {
    let Some(items) = value.as_array() else { return Vec::new() };
    let mut out: Vec<BundlePatch> = Vec::new();
    for item in items {
        let Ok(patch) = serde_json::from_value::<BundlePatch>(item.clone()) else { continue };
        if !out.iter().any(|p| p.base_bundle_id == patch.base_bundle_id) {
            out.push(patch);
        }
    }
    out
}

fn deserialize_patches<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<BundlePatch>, D::Error> {
    let value = Value::deserialize(d)?;
    Ok(sanitize_patches(&value))
}

/// Writes a JS number: integral values without a fraction, like `JSON.stringify`.
pub fn js_number_value(n: f64) -> Value {
    if n.fract() == 0.0 && n.abs() < 9_007_199_254_740_992.0 {
        Value::from(n as i64)
    } else {
        serde_json::Number::from_f64(n).map(Value::Number).unwrap_or(Value::Null)
    }
}

impl Bundle {
    /// The rollout size as stored (`null`/absent → 1000).
    pub fn rollout(&self) -> f64 {
        self.rollout_cohort_count.unwrap_or(DEFAULT_ROLLOUT)
    }

    /// The metadata object as upstream reads it back (non-objects are dropped).
    pub fn metadata_object(&self) -> Option<&Map<String, Value>> {
        self.metadata.as_ref().and_then(Value::as_object)
    }

    /// The patch against `base_bundle_id`, if any.
    pub fn patch_for(&self, base_bundle_id: &str) -> Option<&BundlePatch> {
        self.patches.iter().find(|p| p.base_bundle_id == base_bundle_id)
    }

    /// The bundle as a JSON value (same shape as its serialisation).
    pub fn to_value(&self) -> Value {
        serde_json::to_value(self).unwrap_or(Value::Null)
    }
}

impl Serialize for Bundle {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let first = self.patches.first();
        let mut m = s.serialize_map(None)?;
        m.serialize_entry("id", &self.id)?;
        m.serialize_entry("platform", &self.platform)?;
        m.serialize_entry("shouldForceUpdate", &self.should_force_update)?;
        m.serialize_entry("enabled", &self.enabled)?;
        m.serialize_entry("fileHash", &self.file_hash)?;
        m.serialize_entry("gitCommitHash", &self.git_commit_hash)?;
        m.serialize_entry("message", &self.message)?;
        m.serialize_entry("channel", &self.channel)?;
        m.serialize_entry("storageUri", &self.storage_uri)?;
        m.serialize_entry("targetAppVersion", &self.target_app_version)?;
        m.serialize_entry("fingerprintHash", &self.fingerprint_hash)?;
        if let Some(meta) = self.metadata_object() {
            m.serialize_entry("metadata", meta)?;
        }
        m.serialize_entry("manifestStorageUri", &self.manifest_storage_uri)?;
        m.serialize_entry("manifestFileHash", &self.manifest_file_hash)?;
        m.serialize_entry("assetBaseStorageUri", &self.asset_base_storage_uri)?;
        m.serialize_entry("patches", &self.patches)?;
        m.serialize_entry("patchBaseBundleId", &first.map(|p| &p.base_bundle_id))?;
        m.serialize_entry("patchBaseFileHash", &first.map(|p| &p.base_file_hash))?;
        m.serialize_entry("patchFileHash", &first.map(|p| &p.patch_file_hash))?;
        m.serialize_entry("patchStorageUri", &first.map(|p| &p.patch_storage_uri))?;
        m.serialize_entry("rolloutCohortCount", &js_number_value(self.rollout()))?;
        m.serialize_entry("targetCohorts", &self.target_cohorts)?;
        m.end()
    }
}

/// Which lookup an update check uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Strategy {
    AppVersion,
    Fingerprint,
}

/// The arguments of an update check (upstream's `GetBundlesArgs`).
#[derive(Debug, Clone, PartialEq)]
pub struct UpdateArgs {
    pub strategy: Strategy,
    pub platform: String,
    /// The app version (app-version strategy) or the fingerprint hash.
    pub target: String,
    pub bundle_id: String,
    pub channel: String,
    pub min_bundle_id: String,
    pub cohort: Option<String>,
}

/// UPDATE or ROLLBACK.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UpdateStatus {
    Update,
    Rollback,
}

impl UpdateStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            UpdateStatus::Update => "UPDATE",
            UpdateStatus::Rollback => "ROLLBACK",
        }
    }
}

/// The decision of an update check, before the storage URI becomes a download URL.
#[derive(Debug, Clone, PartialEq)]
pub struct UpdateInfo {
    pub id: String,
    pub message: Option<String>,
    pub should_force_update: bool,
    pub status: UpdateStatus,
    pub storage_uri: Option<String>,
    pub file_hash: Option<String>,
    /// Extra keys a JS plugin's own `getUpdateInfo` returned; upstream passes them through.
    pub extra: Option<Map<String, Value>>,
}

impl UpdateInfo {
    /// The rollback to the built-in bundle (`id` = nil UUID).
    pub fn init_rollback() -> Self {
        UpdateInfo {
            id: NIL_UUID.to_string(),
            message: None,
            should_force_update: true,
            status: UpdateStatus::Rollback,
            storage_uri: None,
            file_hash: None,
            extra: None,
        }
    }

    pub fn is_init(&self) -> bool {
        self.id == NIL_UUID
    }

    /// Upstream's `UpdateInfo` object in its key order (the INIT rollback writes `message`
    /// first), with a plugin's extra keys last. `storageUri` is left out of the app-facing
    /// answer, which carries `fileUrl` instead.
    pub fn to_json(&self, with_storage_uri: bool) -> Map<String, Value> {
        let mut m = Map::new();
        let (id, message) = (Value::from(self.id.as_str()), Value::from(self.message.as_deref()));
        if self.is_init() && self.extra.is_none() {
            m.insert("message".into(), message);
            m.insert("id".into(), id);
        } else {
            m.insert("id".into(), id);
            m.insert("message".into(), message);
        }
        m.insert("shouldForceUpdate".into(), Value::Bool(self.should_force_update));
        m.insert("status".into(), Value::from(self.status.as_str()));
        if with_storage_uri {
            m.insert("storageUri".into(), Value::from(self.storage_uri.as_deref()));
        }
        m.insert("fileHash".into(), Value::from(self.file_hash.as_deref()));
        if let Some(extra) = &self.extra {
            m.extend(extra.clone());
        }
        m
    }
}
