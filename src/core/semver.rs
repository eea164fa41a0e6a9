//! TEMPORARY stub until the real matcher lands.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Version { pub major: u64, pub minor: u64, pub patch: u64 }
impl Version { pub fn parse_strict(_s: &str) -> Option<Version> { None } }
pub fn coerce(_s: &str) -> Option<Version> { None }
#[derive(Debug, Clone)]
pub struct Range;
impl Range { pub fn parse(_s: &str) -> Option<Range> { None } pub fn test(&self, _v: &Version) -> bool { false } }
pub fn satisfies(range: &str, v: &str) -> bool { range == v }
pub fn sdk_supports_up_to_date(_h: &str) -> bool { false }
