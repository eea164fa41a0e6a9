//! TEMPORARY stub until the real module lands.
pub fn locale_compare(a: &str, b: &str) -> std::cmp::Ordering { a.cmp(b) }
