//! Query filters: upstream's `mongoWhere` for bundle lists, and the update-check scopes.

use mongodb::bson::{doc, Bson, Document};

use crate::core::bundle::UpdateArgs;
use crate::db::query::{BundleWhere, IdFilter};

fn strings(items: &[String]) -> Bson {
    Bson::Array(items.iter().cloned().map(Bson::String).collect())
}

fn id_conditions(f: &IdFilter) -> Document {
    let mut d = Document::new();
    let mut put = |op: &str, v: &Option<String>| {
        if let Some(v) = v {
            d.insert(op, v.as_str());
        }
    };
    put("$eq", &f.eq);
    put("$gt", &f.gt);
    put("$gte", &f.gte);
    put("$lt", &f.lt);
    put("$lte", &f.lte);
    if let Some(set) = &f.in_ {
        d.insert("$in", strings(set));
    }
    d
}

/// A nullable field's filter: `null` matches null, missing and `""` (as upstream's does).
fn nullable(value: &Option<String>) -> Bson {
    match value {
        None => Bson::Document(doc! { "$in": [Bson::Null, ""] }),
        Some(v) => Bson::String(v.clone()),
    }
}

/// The filter of a bundle list (`getBundles`' `where`).
pub fn bundle_where(w: &BundleWhere) -> Document {
    let mut base = Document::new();
    if let Some(c) = &w.channel {
        base.insert("channel", c.as_str());
    }
    if let Some(p) = &w.platform {
        base.insert("platform", p.as_str());
    }
    if let Some(e) = w.enabled {
        base.insert("enabled", e);
    }
    if let Some(f) = &w.fingerprint_hash {
        base.insert("fingerprint_hash", nullable(f));
    }
    if let Some(f) = &w.id {
        base.insert("id", id_conditions(f));
    }
    let mut parts: Vec<Document> = Vec::new();
    if !base.is_empty() {
        parts.push(base);
    }
    if let Some(t) = &w.target_app_version {
        parts.push(doc! { "target_app_version": nullable(t) });
    }
    if let Some(set) = &w.target_app_version_in {
        parts.push(doc! { "target_app_version": { "$in": strings(set) } });
    }
    if w.target_app_version_not_null == Some(true) {
        parts.push(doc! { "target_app_version": { "$exists": true, "$nin": [Bson::Null, ""] } });
    }
    match parts.len() {
        0 => Document::new(),
        1 => parts.pop().unwrap_or_default(),
        _ => doc! { "$and": parts },
    }
}

/// `enabled`, platform, channel and `id >= minBundleId`: the scope of every update-check query.
pub fn update_scope(args: &UpdateArgs) -> Document {
    let mut d = doc! { "enabled": true, "platform": args.platform.as_str(), "channel": args.channel.as_str() };
    // Upstream always bounds by `minBundleId` (the nil UUID by default); an empty one bounds
    // nothing (HTTP answers 400 before it gets here).
    if !args.min_bundle_id.is_empty() {
        d.insert("id", doc! { "$gte": args.min_bundle_id.as_str() });
    }
    d
}

/// The enabled bundles of one (platform, channel): a snapshot partition.
pub fn partition_scope(platform: &str, channel: &str) -> Document {
    doc! { "enabled": true, "platform": platform, "channel": channel }
}
