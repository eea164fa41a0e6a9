//! TEMPORARY stub until the real module lands.
pub const INVALID_COHORT_ERROR_MESSAGE: &str = "Invalid cohort. Use 1-1000 or a lowercase slug without spaces, up to 64 characters.";
pub enum RequestCohort { None }
pub fn parse_request_cohort(_c: Option<&str>) -> RequestCohort { RequestCohort::None }
pub fn is_cohort_eligible_parsed(_id: &str, _c: &RequestCohort, _n: Option<f64>, _t: Option<&[String]>) -> bool { true }
pub fn is_valid_cohort(_c: &str) -> bool { true }
