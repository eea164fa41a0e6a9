//! The caller's request context, shared by the database and storage layers (both call JS plugins
//! with it), so neither imports the other for it.

/// The caller's request context, as an opaque handle. The JS side keeps the real value in a
/// table and resolves the handle when a JS plugin is called, so Rust never holds JS objects.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Ctx {
    /// 0 = `undefined`.
    pub id: u32,
    /// Whether the context is an object or function (upstream scopes its identity map to those).
    pub is_object: bool,
}
