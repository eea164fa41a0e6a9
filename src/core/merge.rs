//! PATCH semantics: upstream merges a partial bundle into the stored one with lodash `merge`
//! rules, except that `patches` and `targetCohorts` are replaced wholesale.

use serde_json::{Map, Value};

/// Deep-merges `src` into `dst` like lodash `merge`: objects recurse, arrays merge index-wise,
/// `null` overwrites, and keys whose value is absent (JS `undefined`) never reach here.
fn merge_value(dst: &mut Value, src: &Value) {
    match (dst, src) {
        (Value::Object(d), Value::Object(s)) => merge_object(d, s),
        (Value::Array(d), Value::Array(s)) => {
            for (i, item) in s.iter().enumerate() {
                if i < d.len() {
                    merge_value(&mut d[i], item);
                } else {
                    d.push(item.clone());
                }
            }
        }
        (d, s) => *d = s.clone(),
    }
}

fn merge_object(dst: &mut Map<String, Value>, src: &Map<String, Value>) {
    for (key, value) in src {
        match dst.get_mut(key) {
            Some(existing) if value.is_object() || value.is_array() => {
                if existing.is_object() == value.is_object() && existing.is_array() == value.is_array() {
                    merge_value(existing, value);
                } else {
                    *existing = value.clone();
                }
            }
            _ => {
                dst.insert(key.clone(), value.clone());
            }
        }
    }
}

/// Applies a PATCH body (without `id`) to the current bundle as JSON.
pub fn merge_bundle_patch(current: &Value, patch: &Map<String, Value>) -> Value {
    let mut merged = current.clone();
    let Value::Object(target) = &mut merged else { return merged };
    for (key, value) in patch {
        if key == "patches" || key == "targetCohorts" {
            target.insert(key.clone(), value.clone());
            continue;
        }
        let mut single = Map::new();
        single.insert(key.clone(), value.clone());
        merge_object(target, &single);
    }
    merged
}

#[cfg(test)]
#[path = "merge_tests.rs"]
mod tests;
