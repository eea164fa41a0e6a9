//! TEMPORARY stub until the real module lands.
pub fn js_number(s: &str) -> f64 { s.trim().parse().unwrap_or(f64::NAN) }
pub fn decode_uri_component(s: &str) -> Option<String> { Some(s.to_string()) }
