//! Engine-neutral statements: SQL text plus typed parameters, built with the dialect's
//! placeholders so the query code is written once for all three engines.

use super::dialect::{Provider, Slot};

/// A bound value.
#[derive(Debug, Clone, PartialEq)]
pub enum Param {
    Text(Option<String>),
    Int(i64),
    Bool(bool),
}

/// A statement ready to execute.
#[derive(Debug, Clone, PartialEq)]
pub struct Stmt {
    pub sql: String,
    pub params: Vec<Param>,
}

/// Builds one statement, numbering placeholders as values are bound.
pub struct SqlBuilder {
    provider: Provider,
    sql: String,
    params: Vec<Param>,
}

impl SqlBuilder {
    pub fn new(provider: Provider) -> Self {
        SqlBuilder { provider, sql: String::new(), params: Vec::new() }
    }

    /// Appends SQL text.
    pub fn push(&mut self, sql: &str) -> &mut Self {
        self.sql.push_str(sql);
        self
    }

    fn bind(&mut self, param: Param, slot: Slot) -> &mut Self {
        self.params.push(param);
        let placeholder = self.provider.placeholder(self.params.len(), slot);
        self.sql.push_str(&placeholder);
        self
    }

    /// Binds a text value (or NULL).
    pub fn text(&mut self, value: Option<&str>) -> &mut Self {
        self.bind(Param::Text(value.map(str::to_string)), Slot::Text)
    }

    /// Binds a value for a `uuid` column (cast on Postgres).
    pub fn uuid(&mut self, value: &str) -> &mut Self {
        self.bind(Param::Text(Some(value.to_string())), Slot::Uuid)
    }

    /// Binds JSON text for a `json` column (or NULL).
    pub fn json(&mut self, value: Option<String>) -> &mut Self {
        self.bind(Param::Text(value), Slot::Json)
    }

    /// Binds a boolean: 0/1 on SQLite, whose column is an integer (and whose JS driver upstream
    /// fails on real booleans), a native boolean elsewhere.
    pub fn boolean(&mut self, value: bool) -> &mut Self {
        match self.provider {
            Provider::Sqlite => self.bind(Param::Int(i64::from(value)), Slot::Plain),
            Provider::Postgres | Provider::MySql => self.bind(Param::Bool(value), Slot::Plain),
        }
    }

    pub fn int(&mut self, value: i64) -> &mut Self {
        self.bind(Param::Int(value), Slot::Plain)
    }

    /// Binds `(v1, v2, …)` for an `in` list; the caller never passes an empty list.
    pub fn list(&mut self, values: &[String], uuid: bool) -> &mut Self {
        self.push("(");
        for (i, value) in values.iter().enumerate() {
            if i > 0 {
                self.push(", ");
            }
            if uuid {
                self.uuid(value);
            } else {
                self.text(Some(value));
            }
        }
        self.push(")")
    }

    pub fn finish(self) -> Stmt {
        Stmt { sql: self.sql, params: self.params }
    }
}

/// A statement without parameters.
pub fn raw(sql: impl Into<String>) -> Stmt {
    Stmt { sql: sql.into(), params: Vec::new() }
}

#[cfg(test)]
#[path = "stmt_tests.rs"]
mod tests;
