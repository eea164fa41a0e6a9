//! HTTP dates (RFC 9110 IMF-fixdate), as JS `Date.prototype.toUTCString` writes them.

const DAYS: [&str; 7] = ["Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"];
const MONTHS: [&str; 12] = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

/// The civil date (year, month 1–12, day 1–31) of a day count since 1970-01-01 (Howard Hinnant's
/// `civil_from_days`): a dozen lines instead of a date-time crate. Also used for S3/GCS timestamps.
pub fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

/// `Thu, 01 Jan 1970 00:00:00 GMT` for milliseconds since the epoch (seconds rounded down).
pub fn imf_fixdate(ms: f64) -> String {
    let secs = if ms.is_finite() { (ms / 1000.0).floor() as i64 } else { 0 };
    let days = secs.div_euclid(86_400);
    let rem = secs.rem_euclid(86_400);
    let (year, month, day) = civil_from_days(days);
    let weekday = DAYS[days.rem_euclid(7) as usize];
    format!("{weekday}, {day:02} {} {year:04} {:02}:{:02}:{:02} GMT", MONTHS[month as usize - 1], rem / 3600, rem % 3600 / 60, rem % 60)
}

#[cfg(test)]
#[path = "http_date_tests.rs"]
mod tests;
