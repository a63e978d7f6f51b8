//! The binding's query parameters: paging, sorting, filtering and field selection.

use std::cmp::Ordering;

use serde_json::{Map, Value};

use super::{Fail, Kind, form_decode, parse_time};

/// The query parameters of a collection request.
pub(super) struct Query {
    pub(super) limit: usize,
    pub(super) offset: usize,
    sort: Option<Vec<String>>,
    descending: bool,
    filter: Option<Filter>,
    fields: Option<Vec<String>>,
    /// Every parameter but `limit` and `offset`, raw, for the paging links.
    pub(super) others: Vec<String>,
}

impl Query {
    pub(super) fn parse(kind: &Kind, raw: &str) -> Result<Self, Fail> {
        let mut query = Query {
            limit: 100,
            offset: 0,
            sort: None,
            descending: false,
            filter: None,
            fields: None,
            others: Vec::new(),
        };
        for pair in raw.split('&').filter(|p| !p.is_empty()) {
            let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
            let (name, value) = (form_decode(name), form_decode(value));
            let number = |what: &str| {
                value.trim().parse::<usize>().map_err(|_| {
                    Fail::bad(
                        "invaliddata",
                        format!("{what} must be a whole number: {value:?}"),
                    )
                })
            };
            match name.as_str() {
                "limit" => {
                    query.limit = number("limit")?;
                    if query.limit == 0 {
                        return Err(Fail::bad("invaliddata", "limit must be at least 1"));
                    }
                    continue;
                }
                "offset" => {
                    query.offset = number("offset")?;
                    continue;
                }
                "sort" => query.sort = Some(field_path(kind, &value, "invalid_sort_field")?),
                "orderBy" => {
                    query.descending = match value.as_str() {
                        "asc" => false,
                        "desc" => true,
                        _ => return Err(Fail::bad("invaliddata", "orderBy is asc or desc")),
                    }
                }
                "filter" if !value.trim().is_empty() => {
                    query.filter = Some(Filter::parse(kind, &value)?);
                }
                "fields" if !value.trim().is_empty() => {
                    let fields: Vec<String> =
                        value.split(',').map(|f| f.trim().to_owned()).collect();
                    if let Some(bad) = fields.iter().find(|f| !kind.knows(f)) {
                        return Err(Fail::bad(
                            "invalid_selection_field",
                            format!("{} have no field {bad:?}", kind.collection),
                        ));
                    }
                    query.fields = Some(fields);
                }
                _ => {}
            }
            query.others.push(pair.to_owned());
        }
        Ok(query)
    }

    /// Whether the filter keeps `row`.
    pub(super) fn keeps(&self, row: &Map<String, Value>) -> bool {
        self.filter.as_ref().is_none_or(|f| f.matches(row))
    }

    /// Sorts as asked; ties keep the store's order.
    pub(super) fn arrange(&self, rows: &mut [&Map<String, Value>]) {
        if let Some(path) = &self.sort {
            rows.sort_by(|a, b| {
                let order = compare_by(a, b, path);
                if self.descending {
                    order.reverse()
                } else {
                    order
                }
            });
        }
    }

    pub(super) fn project(&self, row: &Map<String, Value>) -> Value {
        match &self.fields {
            None => Value::Object(row.clone()),
            Some(fields) => Value::Object(
                row.iter()
                    .filter(|(k, _)| fields.contains(k))
                    .map(|(k, v)| (k.clone(), v.clone()))
                    .collect(),
            ),
        }
    }
}

/// A dotted field path (`class.sourcedId`, `roles.role`) whose first step the collection has.
fn field_path(kind: &Kind, text: &str, minor: &'static str) -> Result<Vec<String>, Fail> {
    let path: Vec<String> = text.trim().split('.').map(str::to_owned).collect();
    let well_formed = path.iter().all(|step| {
        !step.is_empty() && step.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
    });
    if !well_formed || !kind.knows(&path[0]) {
        return Err(Fail::bad(
            minor,
            format!("{} have no field {text:?}", kind.collection),
        ));
    }
    Ok(path)
}

#[derive(Clone, Copy, PartialEq)]
enum Op {
    Eq,
    Ne,
    Gt,
    Ge,
    Lt,
    Le,
    Contains,
}

struct Predicate {
    path: Vec<String>,
    op: Op,
    value: String,
}

/// The binding's filter: one predicate, or two joined by one `AND` or `OR`.
enum Filter {
    One(Predicate),
    And(Predicate, Predicate),
    Or(Predicate, Predicate),
}

impl Filter {
    fn parse(kind: &Kind, text: &str) -> Result<Self, Fail> {
        let mut rest = text.trim();
        let first = Predicate::parse(kind, &mut rest)?;
        let rest = rest.trim_start();
        if rest.is_empty() {
            return Ok(Filter::One(first));
        }
        let (and, after) = if let Some(after) = rest.strip_prefix("AND") {
            (true, after)
        } else if let Some(after) = rest.strip_prefix("OR") {
            (false, after)
        } else {
            return Err(malformed(text));
        };
        if !after.starts_with(char::is_whitespace) {
            return Err(malformed(text));
        }
        let mut rest = after.trim_start();
        let second = Predicate::parse(kind, &mut rest)?;
        if !rest.trim().is_empty() {
            return Err(malformed(text));
        }
        Ok(if and {
            Filter::And(first, second)
        } else {
            Filter::Or(first, second)
        })
    }

    fn matches(&self, row: &Map<String, Value>) -> bool {
        match self {
            Filter::One(p) => p.matches(row),
            Filter::And(a, b) => a.matches(row) && b.matches(row),
            Filter::Or(a, b) => a.matches(row) || b.matches(row),
        }
    }
}

fn malformed(text: &str) -> Fail {
    Fail::bad("invalid_filter_field", format!("malformed filter {text:?}"))
}

impl Predicate {
    /// Reads `field op 'value'` from the start of `rest`, leaving what follows.
    fn parse(kind: &Kind, rest: &mut &str) -> Result<Self, Fail> {
        let text = *rest;
        let end = text
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '.' || c == '_'))
            .unwrap_or(text.len());
        if end == 0 {
            return Err(malformed(text));
        }
        let path = field_path(kind, &text[..end], "invalid_filter_field")?;
        let after = text[end..].trim_start();
        let ops = [
            ("!=", Op::Ne),
            (">=", Op::Ge),
            ("<=", Op::Le),
            ("=", Op::Eq),
            (">", Op::Gt),
            ("<", Op::Lt),
            ("~", Op::Contains),
        ];
        let Some((op, after)) = ops
            .iter()
            .find_map(|(token, op)| after.strip_prefix(token).map(|a| (*op, a)))
        else {
            return Err(malformed(text));
        };
        let quoted = after
            .trim_start()
            .strip_prefix('\'')
            .ok_or_else(|| malformed(text))?;
        let close = quoted.find('\'').ok_or_else(|| malformed(text))?;
        let value = quoted[..close].to_owned();
        if is_time_field(&path) && parse_time(&value).is_none() {
            return Err(Fail::bad(
                "invalid_filter_field",
                format!("{value:?} is not a date-time"),
            ));
        }
        *rest = &quoted[close + 1..];
        Ok(Predicate { path, op, value })
    }

    fn matches(&self, row: &Map<String, Value>) -> bool {
        let values = leaves(row, &self.path);
        if self.op == Op::Ne {
            return values
                .iter()
                .all(|v| self.compare(v) != Some(Ordering::Equal));
        }
        values.iter().any(|v| {
            if self.op == Op::Contains {
                return scalar_text(v).contains(&self.value);
            }
            let Some(order) = self.compare(v) else {
                return false;
            };
            match self.op {
                Op::Eq => order.is_eq(),
                Op::Gt => order.is_gt(),
                Op::Ge => order.is_ge(),
                Op::Lt => order.is_lt(),
                Op::Le => order.is_le(),
                Op::Ne | Op::Contains => false,
            }
        })
    }

    /// The record's value against the filter's: times as times, numbers as numbers, the
    /// rest as strings.
    fn compare(&self, value: &Value) -> Option<Ordering> {
        if is_time_field(&self.path) {
            return Some(parse_time(value.as_str()?)?.cmp(&parse_time(&self.value)?));
        }
        if let (Some(n), Ok(m)) = (value.as_f64(), self.value.trim().parse::<f64>()) {
            return n.partial_cmp(&m);
        }
        Some(scalar_text(value).as_str().cmp(self.value.as_str()))
    }
}

fn is_time_field(path: &[String]) -> bool {
    path.len() == 1 && path[0] == "dateLastModified"
}

/// The scalar values at `path`, through arrays; a GUIDRef stands for its sourcedId.
fn leaves<'a>(row: &'a Map<String, Value>, path: &[String]) -> Vec<&'a Value> {
    fn walk<'a>(value: &'a Value, path: &[String], out: &mut Vec<&'a Value>) {
        match (value, path.split_first()) {
            (Value::Array(items), _) => items.iter().for_each(|i| walk(i, path, out)),
            (Value::Object(map), Some((step, rest))) => {
                if let Some(inner) = map.get(step) {
                    walk(inner, rest, out);
                }
            }
            (Value::Object(map), None) => out.extend(map.get("sourcedId")),
            (Value::Null, _) | (_, Some(_)) => {}
            (scalar, None) => out.push(scalar),
        }
    }
    let mut out = Vec::new();
    if let Some((first, rest)) = path.split_first()
        && let Some(value) = row.get(first)
    {
        walk(value, rest, &mut out);
    }
    out
}

fn scalar_text(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// Orders two records by the first value at `path`; records without one come last.
fn compare_by(a: &Map<String, Value>, b: &Map<String, Value>, path: &[String]) -> Ordering {
    let (a, b) = (
        leaves(a, path).first().copied(),
        leaves(b, path).first().copied(),
    );
    match (a, b) {
        (None, None) => Ordering::Equal,
        (None, Some(_)) => Ordering::Greater,
        (Some(_), None) => Ordering::Less,
        (Some(a), Some(b)) => {
            let times = is_time_field(path)
                .then(|| Some((parse_time(a.as_str()?)?, parse_time(b.as_str()?)?)))
                .flatten();
            if let Some((a, b)) = times {
                return a.cmp(&b);
            }
            match (a.as_f64(), b.as_f64()) {
                (Some(x), Some(y)) => x.total_cmp(&y),
                _ => scalar_text(a).cmp(&scalar_text(b)),
            }
        }
    }
}
