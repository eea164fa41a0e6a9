//! Checks upstream runs before any write (`assertBundlePersistenceConstraints`). Violations are
//! plain errors, which the handler answers with 500 like upstream.

use serde_json::Value;

use super::rollout::{is_valid_cohort, INVALID_COHORT_ERROR_MESSAGE};
use crate::error::{Error, Result};

fn present(value: Option<&Value>) -> bool {
    match value {
        Some(Value::String(s)) => !s.trim().is_empty(),
        Some(Value::Null) | None => false,
        // Upstream only trims strings; any other truthy value counts as present.
        Some(Value::Bool(b)) => *b,
        Some(Value::Number(n)) => n.as_f64().is_some_and(|f| f != 0.0),
        Some(_) => true,
    }
}

/// Validates a bundle given as JSON (the POSTed bundle, or current merged with a PATCH).
pub fn check_bundle_json(bundle: &Value) -> Result<()> {
    if !present(bundle.get("targetAppVersion")) && !present(bundle.get("fingerprintHash")) {
        return Err(Error::internal("Bundle must define either targetAppVersion or fingerprintHash."));
    }
    match bundle.get("rolloutCohortCount") {
        None | Some(Value::Null) => {}
        Some(Value::Number(n)) => {
            let f = n.as_f64().unwrap_or(f64::NAN);
            if f.fract() != 0.0 || !(0.0..=1000.0).contains(&f) {
                return Err(Error::internal("rolloutCohortCount must be an integer between 0 and 1000."));
            }
        }
        Some(_) => return Err(Error::internal("rolloutCohortCount must be an integer between 0 and 1000.")),
    }
    if let Some(Value::Array(cohorts)) = bundle.get("targetCohorts") {
        for cohort in cohorts {
            let valid = cohort.as_str().is_some_and(is_valid_cohort);
            if !valid {
                let raw = match cohort {
                    Value::String(s) => s.clone(),
                    other => other.to_string(),
                };
                return Err(Error::internal(format!("Invalid target cohort \"{raw}\". {INVALID_COHORT_ERROR_MESSAGE}")));
            }
        }
    }
    Ok(())
}
