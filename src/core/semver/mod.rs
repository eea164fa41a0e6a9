//! node-semver compatible version matching, reproducing `verkit@0.3.2` as used by
//! `@hot-updater/plugin-core`'s `semverSatisfies` and `@hot-updater/server`'s
//! `Hot-Updater-SDK-Version` check.
//!
//! verkit compiles a range by rewriting the string with a chain of regular
//! expressions (hyphen ranges, operator gluing, `~`/`^`/x-range expansion)
//! and only then parses plain comparators. Odd inputs therefore behave in odd
//! but observable ways (`1.2.3*` is a valid range, `>=5.7.0<=5.7.4` is not).
//! [`Range::parse`] replays the same rewriting stages with hand-written
//! scanners so that every input is accepted, rejected and matched exactly as
//! upstream does; the result is a compiled [`Range`] whose [`Range::test`]
//! does not allocate.

mod expand;
mod range;
mod rewrite;
mod scan;
mod version;

#[cfg(test)]
mod edge_tests;
#[cfg(test)]
mod tests;

pub use range::{satisfies, sdk_supports_up_to_date, Range};
pub use version::{coerce, Identifier, Version};
