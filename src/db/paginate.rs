//! Upstream's page and cursor pagination (SPEC §5.5), built on two primitive queries that every
//! offset-capable backend provides.

use async_trait::async_trait;

use super::query::{BundlePage, BundleQuery, BundleWhere, IdFilter};
use crate::core::bundle::Bundle;
use crate::core::pagination::{calculate, last_page_offset, paged};
use crate::error::Result;

/// The two queries pagination needs.
#[async_trait]
pub trait OffsetSource: Send + Sync {
    /// `SELECT count(*) ... WHERE filter`.
    async fn count(&self, filter: &BundleWhere) -> Result<u64>;
    /// `SELECT ... WHERE filter ORDER BY id [DESC] LIMIT limit OFFSET offset`, with patches.
    async fn list(&self, filter: &BundleWhere, descending: bool, limit: u64, offset: u64) -> Result<Vec<Bundle>>;
}

fn with_id(filter: &BundleWhere, f: impl FnOnce(&mut IdFilter)) -> BundleWhere {
    let mut out = filter.clone();
    let mut id = out.id.take().unwrap_or_default();
    f(&mut id);
    out.id = Some(id);
    out
}

fn page_of(data: Vec<Bundle>, total: u64, limit: u64, start: u64) -> BundlePage {
    let pagination = paged(total, limit, start, data.first().map(|b| b.id.as_str()), data.last().map(|b| b.id.as_str()), data.len() as u64);
    BundlePage { data, pagination }
}

/// Answers `query` the way upstream's `createDatabasePlugin` does over an offset adapter.
pub async fn paginate<S: OffsetSource + ?Sized>(src: &S, query: &BundleQuery) -> Result<BundlePage> {
    let limit = query.limit.max(1);
    let desc = query.descending;
    if query.filter.has_empty_set() {
        // Nothing can match; the page is answered without a query, with the cursors upstream
        // gives any empty cursor page.
        let page = query.page.filter(|p| *p >= 1);
        let mut pagination = calculate(0, limit, page.map(|p| (p - 1) * limit).unwrap_or(0));
        if page.is_none() {
            let cursor = query.cursor.clone().unwrap_or_default();
            pagination.previous_cursor = cursor.after.filter(|s| !s.is_empty());
            pagination.next_cursor = cursor.before.filter(|s| !s.is_empty());
            pagination.previous_first = true;
        }
        return Ok(BundlePage { data: Vec::new(), pagination });
    }
    if let Some(page) = query.page.filter(|p| *p >= 1) {
        let requested = (page - 1) * limit;
        let total = src.count(&query.filter).await?;
        let resolved = requested.min(last_page_offset(total, limit));
        let data = src.list(&query.filter, desc, limit, resolved).await?;
        return Ok(page_of(data, total, limit, resolved));
    }
    let total = src.count(&query.filter).await?;
    let cursor = query.cursor.clone().unwrap_or_default();
    let after = cursor.after.filter(|s| !s.is_empty());
    let before = cursor.before.filter(|s| !s.is_empty());
    let (filter, reverse) = match (&after, &before) {
        (Some(a), _) => (with_id(&query.filter, |id| if desc { id.lt = Some(a.clone()) } else { id.gt = Some(a.clone()) }), false),
        (None, Some(b)) => (with_id(&query.filter, |id| if desc { id.gt = Some(b.clone()) } else { id.lt = Some(b.clone()) }), true),
        (None, None) => {
            let data = src.list(&query.filter, desc, limit, 0).await?;
            return Ok(page_of(data, total, limit, 0));
        }
    };
    let mut data = src.list(&filter, if reverse { !desc } else { desc }, limit, 0).await?;
    if reverse {
        data.reverse();
    }
    let Some(first) = data.first() else {
        let mut pagination = calculate(total, limit, if after.is_some() { total } else { 0 });
        pagination.previous_cursor = after;
        pagination.next_cursor = before;
        pagination.previous_first = true;
        return Ok(BundlePage { data, pagination });
    };
    let first_id = first.id.clone();
    let before_first = with_id(&query.filter, |id| if desc { id.gt = Some(first_id) } else { id.lt = Some(first_id) });
    let start = src.count(&before_first).await?;
    Ok(page_of(data, total, limit, start))
}
