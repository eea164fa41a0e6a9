//! Diff-update enrichment of an update answer (SPEC §4): manifest URL, changed assets with
//! their download URLs (content-addressed or legacy layout, `.br` Hermes bundles) and the bsdiff
//! patch descriptor when the installed bundle is the patch's base.

use percent_encoding::{utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};
use serde_json::{json, Map, Value};

use crate::context::Ctx;
use crate::core::bundle::Bundle;
use crate::error::Result;
use crate::storage::Storages;

/// `encodeURIComponent`'s set: everything but `A-Z a-z 0-9 - _ . ! ~ * ' ( )`.
const URI_COMPONENT: &AsciiSet =
    &NON_ALPHANUMERIC.remove(b'-').remove(b'_').remove(b'.').remove(b'!').remove(b'~').remove(b'*').remove(b'\'').remove(b'(').remove(b')');

/// A parsed manifest: asset path → (fileHash), in the manifest's key order.
pub struct Manifest {
    pub assets: Vec<(String, String)>,
}

/// Parses manifest text with upstream's shape rules; `None` when it is not a valid manifest.
pub fn parse_manifest(text: &str) -> Option<Manifest> {
    let value: Value = serde_json::from_str(text).ok()?;
    let obj = value.as_object()?;
    obj.get("bundleId")?.as_str()?;
    let assets = obj.get("assets")?.as_object()?;
    let mut out = Vec::with_capacity(assets.len());
    for (path, asset) in js_key_order(assets) {
        let asset = asset.as_object()?;
        let hash = asset.get("fileHash")?.as_str()?;
        if asset.get("signature").is_some_and(|s| !s.is_string()) {
            return None;
        }
        out.push((path.clone(), hash.to_string()));
    }
    Some(Manifest { assets: out })
}

/// JS object key order: array-index-like keys ascending first, then insertion order.
fn js_key_order(map: &Map<String, Value>) -> Vec<(&String, &Value)> {
    let is_index = |k: &str| {
        !k.is_empty()
            && (k == "0" || !k.starts_with('0'))
            && k.len() <= 10
            && k.bytes().all(|b| b.is_ascii_digit())
            && k.parse::<u64>().is_ok_and(|n| n < 4_294_967_295)
    };
    let mut indexed: Vec<(&String, &Value)> = map.iter().filter(|(k, _)| is_index(k)).collect();
    indexed.sort_by_key(|(k, _)| k.parse::<u64>().unwrap_or(0));
    indexed.extend(map.iter().filter(|(k, _)| !is_index(k)));
    indexed
}

fn is_brotli_asset(path: &str) -> bool {
    let p = path.replace('\\', "/");
    let name = p.rsplit('/').next().unwrap_or("");
    name.strip_prefix("index.").and_then(|r| r.strip_suffix(".bundle")).is_some_and(|m| !m.is_empty())
}

/// The storage URI of one asset below `base` (`None` if `base` is not a URL).
pub fn asset_storage_uri(base: &str, download_path: &str, file_hash: &str) -> Option<String> {
    let mut url = url::Url::parse(base).ok()?;
    let base_path = url.path().trim_end_matches('/').to_string();
    let relative = if base_path == "/assets" || base_path.ends_with("/assets") {
        let ext = if download_path.ends_with(".br") {
            ".br".to_string()
        } else if let Some(pos) = download_path.rfind('.') {
            download_path[pos..].to_string()
        } else {
            String::new()
        };
        let prefix: String = file_hash.chars().take(2).collect();
        format!("sha256/{prefix}/{file_hash}{ext}")
    } else {
        download_path.to_string()
    };
    let encoded: Vec<String> =
        relative.replace('\\', "/").split('/').filter(|s| !s.is_empty()).map(|s| utf8_percent_encode(s, URI_COMPONENT).to_string()).collect();
    url.set_path(&format!("{base_path}/{}", encoded.join("/")));
    Some(url.to_string())
}

async fn fetch_manifest(storages: &Storages, uri: &str, ctx: Ctx) -> Result<Option<(String, Manifest)>> {
    let (text, url) = futures::future::try_join(storages.read_text(uri, ctx), storages.resolve_file_url(Some(uri), ctx)).await?;
    let Some(manifest) = text.as_deref().and_then(parse_manifest) else { return Ok(None) };
    match url {
        Some(u) if !u.is_empty() => Ok(Some((u, manifest))),
        _ => Ok(None),
    }
}

/// The enrichment fields (`changedAssets`, `manifestFileHash`, `manifestUrl`), or `None` when the
/// target has no usable manifest or an asset cannot be resolved.
pub async fn manifest_artifacts(storages: &Storages, target: &Bundle, current: Option<&Bundle>, ctx: Ctx) -> Result<Option<Map<String, Value>>> {
    let (Some(manifest_uri), Some(manifest_hash), Some(asset_base)) = (
        target.manifest_storage_uri.as_deref().filter(|s| !s.is_empty()),
        target.manifest_file_hash.as_deref().filter(|s| !s.is_empty()),
        target.asset_base_storage_uri.as_deref().filter(|s| !s.is_empty()),
    ) else {
        return Ok(None);
    };
    let current_uri = current.and_then(|c| c.manifest_storage_uri.as_deref()).filter(|s| !s.is_empty());
    let (target_manifest, current_manifest) = futures::future::try_join(fetch_manifest(storages, manifest_uri, ctx), async {
        match current_uri {
            Some(uri) => fetch_manifest(storages, uri, ctx).await,
            None => Ok(None),
        }
    })
    .await?;
    let Some((manifest_url, target_manifest)) = target_manifest else { return Ok(None) };
    let current_assets = current_manifest.map(|(_, m)| m.assets).unwrap_or_default();

    let patch = patch_descriptor(storages, target, current, &target_manifest, ctx).await?;
    let mut changed = Map::new();
    for (asset_path, file_hash) in &target_manifest.assets {
        if current_assets.iter().any(|(p, h)| p == asset_path && h == file_hash) {
            continue;
        }
        let brotli = is_brotli_asset(asset_path);
        let download_path = if brotli { format!("{asset_path}.br") } else { asset_path.clone() };
        let asset_patch = patch.as_ref().filter(|(p, _)| p == asset_path).map(|(_, d)| d.clone());
        let uri = asset_storage_uri(asset_base, &download_path, file_hash);
        let url = match storages.resolve_file_url(uri.as_deref(), ctx).await {
            Ok(u) => u.filter(|u| !u.is_empty()),
            Err(e) if asset_patch.is_none() => return Err(e),
            Err(_) => None,
        };
        if url.is_none() && asset_patch.is_none() {
            return Ok(None);
        }
        let mut entry = Map::new();
        entry.insert("fileHash".into(), json!(file_hash));
        if let Some(url) = url {
            let mut file = Map::new();
            file.insert("url".into(), json!(url));
            if brotli {
                file.insert("compression".into(), json!("br"));
            }
            entry.insert("file".into(), Value::Object(file));
        }
        if let Some(p) = asset_patch {
            entry.insert("patch".into(), p);
        }
        changed.insert(asset_path.clone(), Value::Object(entry));
    }
    let mut out = Map::new();
    out.insert("changedAssets".into(), Value::Object(changed));
    out.insert("manifestFileHash".into(), json!(manifest_hash));
    out.insert("manifestUrl".into(), json!(manifest_url));
    Ok(Some(out))
}

async fn patch_descriptor(storages: &Storages, target: &Bundle, current: Option<&Bundle>, manifest: &Manifest, ctx: Ctx) -> Result<Option<(String, Value)>> {
    let Some(current) = current else { return Ok(None) };
    let Some(patch) = target.patch_for(&current.id) else { return Ok(None) };
    let hbc: Vec<&String> = manifest.assets.iter().map(|(p, _)| p).filter(|p| p.ends_with(".bundle")).collect();
    if hbc.len() != 1 || patch.patch_storage_uri.is_empty() || patch.patch_file_hash.is_empty() || patch.base_file_hash.is_empty() {
        return Ok(None);
    }
    let Some(url) = storages.resolve_file_url(Some(&patch.patch_storage_uri), ctx).await?.filter(|u| !u.is_empty()) else {
        return Ok(None);
    };
    let descriptor = json!({
        "algorithm": "bsdiff",
        "baseBundleId": patch.base_bundle_id,
        "baseFileHash": patch.base_file_hash,
        "patchFileHash": patch.patch_file_hash,
        "patchUrl": url,
    });
    Ok(Some((hbc[0].clone(), descriptor)))
}

#[cfg(test)]
#[path = "enrich_tests.rs"]
mod tests;
