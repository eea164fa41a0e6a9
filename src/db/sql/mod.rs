//! Native SQL backends (sqlx) on upstream's schema.
