//! Upstream's pagination object and the arithmetic behind it (SPEC §5.5).

use serde::ser::{Serialize, SerializeMap, Serializer};

/// `PaginationInfo`: cursor keys are omitted, never `null`, when they do not apply.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PaginationInfo {
    pub total: u64,
    pub has_next_page: bool,
    pub has_previous_page: bool,
    pub current_page: u64,
    pub total_pages: u64,
    pub next_cursor: Option<String>,
    pub previous_cursor: Option<String>,
    /// Upstream writes `previousCursor` first on an empty cursor page (key order only).
    pub previous_first: bool,
}

impl Serialize for PaginationInfo {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut m = s.serialize_map(None)?;
        m.serialize_entry("total", &self.total)?;
        m.serialize_entry("hasNextPage", &self.has_next_page)?;
        m.serialize_entry("hasPreviousPage", &self.has_previous_page)?;
        m.serialize_entry("currentPage", &self.current_page)?;
        m.serialize_entry("totalPages", &self.total_pages)?;
        let next = self.next_cursor.as_ref().map(|c| ("nextCursor", c));
        let prev = self.previous_cursor.as_ref().map(|c| ("previousCursor", c));
        let (first, second) = if self.previous_first { (prev, next) } else { (next, prev) };
        for (k, v) in first.into_iter().chain(second) {
            m.serialize_entry(k, v)?;
        }
        m.end()
    }
}

/// `calculatePagination(total, { limit, offset })`.
pub fn calculate(total: u64, limit: u64, offset: u64) -> PaginationInfo {
    let limit = limit.max(1);
    if total == 0 {
        return PaginationInfo {
            total: 0,
            has_next_page: false,
            has_previous_page: false,
            current_page: 1,
            total_pages: 0,
            next_cursor: None,
            previous_cursor: None,
            previous_first: false,
        };
    }
    PaginationInfo {
        total,
        has_next_page: offset + limit < total,
        has_previous_page: offset > 0,
        current_page: offset / limit + 1,
        total_pages: total.div_ceil(limit),
        next_cursor: None,
        previous_cursor: None,
        previous_first: false,
    }
}

/// `paged(total, limit, start, data)`: the pagination plus cursors from the page's first and
/// last ids.
pub fn paged(total: u64, limit: u64, start: u64, first_id: Option<&str>, last_id: Option<&str>, len: u64) -> PaginationInfo {
    let mut info = calculate(total, limit, start);
    if len > 0 && start + len < total {
        info.next_cursor = last_id.map(str::to_string);
    }
    if len > 0 && start > 0 {
        info.previous_cursor = first_id.map(str::to_string);
    }
    info
}

/// The offset of the last page (an out-of-range `page` answers the last page).
pub fn last_page_offset(total: u64, limit: u64) -> u64 {
    let limit = limit.max(1);
    let pages = total.div_ceil(limit);
    if pages == 0 {
        0
    } else {
        (pages - 1) * limit
    }
}

#[cfg(test)]
#[path = "pagination_tests.rs"]
mod tests;
