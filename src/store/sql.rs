//! Helpers every store module uses to put a statement together: its text from the module's
//! own constants, placeholders for many rows at once, and numbers bound as text.

use super::Backend;

/// Rows per multi-row statement: well under both databases' limits on bound values.
pub(super) const BATCH_ROWS: usize = 500;

/// A statement put together from the store's own constants, never from input.
pub(super) fn built(sql: String) -> sqlx::AssertSqlSafe<String> {
    sqlx::AssertSqlSafe(sql)
}

/// `LIMIT n`, written into the statement rather than bound. SQLite plans a bound `LIMIT`
/// with its value, and so prepares the statement again every time one is bound (3.45 on):
/// on every page the menu's conversation count was parsed and planned anew.
pub(super) fn limit(n: u32) -> String {
    format!("LIMIT {n}")
}

/// A number as bound text, cast back by the statement that reads it. sqlx's `Any` driver
/// declares a missing `f64` to PostgreSQL as `float4`, and a statement prepared so then
/// refuses a later `f64`; text has one type, and prints every finite `f64` exactly.
pub(super) fn real(n: f64) -> String {
    n.to_string()
}

/// `(…), (…)`: placeholders for `rows` rows of `width` values, bound in order.
pub(super) fn values(backend: Backend, rows: usize, width: usize) -> String {
    let mut sql = String::with_capacity(rows * width * 5);
    for r in 0..rows {
        if r > 0 {
            sql.push_str(", ");
        }
        sql.push('(');
        for c in 0..width {
            if c > 0 {
                sql.push_str(", ");
            }
            match backend {
                Backend::Sqlite => sql.push('?'),
                Backend::Postgres => sql.push_str(&format!("${}", r * width + c + 1)),
            }
        }
        sql.push(')');
    }
    sql
}
