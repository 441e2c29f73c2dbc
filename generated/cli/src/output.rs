//! Printing responses: JSON (pretty and coloured on a terminal, compact otherwise), YAML, and
//! tables whose columns are a list endpoint's row fields.

use std::fmt::Write as _;

use serde_json::Value;

/// `--output`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Format {
    Json,
    Yaml,
    Table,
}

/// How a response shows as a table: where its rows are and which of their fields are columns.
/// Empty for responses that are not lists; they show as one row of key and value per field.
#[derive(Debug)]
pub(crate) struct Table {
    /// Wire names from the response to its list of rows (`["data", "agents"]`); empty when the
    /// response itself is the list.
    pub rows: &'static [&'static str],
    /// The row type's fields, in spec order; empty when the response is not a list.
    pub columns: &'static [&'static str],
}

/// The text printed for a response, ending with a newline.
pub(crate) fn render(value: &Value, format: Format, color: bool, table: &Table) -> String {
    let mut out = match format {
        Format::Json if color => {
            let mut s = String::new();
            pretty(value, 0, &mut s);
            s
        }
        Format::Json => value.to_string(),
        Format::Yaml => yaml(value),
        Format::Table => render_table(value, table),
    };
    if !out.ends_with('\n') {
        out.push('\n');
    }
    out
}

const KEY: &str = "\x1b[34m";
const STRING: &str = "\x1b[32m";
const NUMBER: &str = "\x1b[36m";
const LITERAL: &str = "\x1b[35m";
const RESET: &str = "\x1b[0m";

/// Indented JSON with ANSI colours for keys, strings, numbers and literals.
fn pretty(value: &Value, depth: usize, out: &mut String) {
    let pad = |d: usize| "  ".repeat(d);
    match value {
        Value::Object(m) if !m.is_empty() => {
            out.push_str("{\n");
            for (i, (k, v)) in m.iter().enumerate() {
                let _ = write!(out, "{}{KEY}{}{RESET}: ", pad(depth + 1), Value::String(k.clone()));
                pretty(v, depth + 1, out);
                out.push_str(if i + 1 < m.len() { ",\n" } else { "\n" });
            }
            let _ = write!(out, "{}}}", pad(depth));
        }
        Value::Array(a) if !a.is_empty() => {
            out.push_str("[\n");
            for (i, v) in a.iter().enumerate() {
                out.push_str(&pad(depth + 1));
                pretty(v, depth + 1, out);
                out.push_str(if i + 1 < a.len() { ",\n" } else { "\n" });
            }
            let _ = write!(out, "{}]", pad(depth));
        }
        Value::String(_) => {
            let _ = write!(out, "{STRING}{value}{RESET}");
        }
        Value::Number(_) => {
            let _ = write!(out, "{NUMBER}{value}{RESET}");
        }
        Value::Bool(_) | Value::Null => {
            let _ = write!(out, "{LITERAL}{value}{RESET}");
        }
        empty => out.push_str(&empty.to_string()),
    }
}

/// YAML. Strings are written double-quoted with JSON escapes, which YAML reads the same way,
/// so no value can change type (`"yes"`, `"1.0"`) or break the layout.
fn yaml(value: &Value) -> String {
    let mut out = String::new();
    yaml_value(value, 0, &mut out);
    out
}

fn yaml_value(value: &Value, depth: usize, out: &mut String) {
    let pad = "  ".repeat(depth);
    match value {
        Value::Object(m) if !m.is_empty() => {
            for (k, v) in m {
                let _ = write!(out, "{pad}{}:", Value::String(k.clone()));
                yaml_child(v, depth, out);
            }
        }
        Value::Array(a) if !a.is_empty() => {
            for v in a {
                let _ = write!(out, "{pad}-");
                yaml_child(v, depth, out);
            }
        }
        scalar => {
            let _ = writeln!(out, "{pad}{scalar}");
        }
    }
}

/// A value after `key:` or `-`: scalars and empty collections on the same line, others below.
fn yaml_child(v: &Value, depth: usize, out: &mut String) {
    match v {
        Value::Object(m) if !m.is_empty() => {
            out.push('\n');
            yaml_value(v, depth + 1, out);
        }
        Value::Array(a) if !a.is_empty() => {
            out.push('\n');
            yaml_value(v, depth + 1, out);
        }
        scalar => {
            let _ = writeln!(out, " {scalar}");
        }
    }
}

/// Widest a table cell gets before it is cut with `…`.
const CELL: usize = 40;

fn cell(v: Option<&Value>) -> String {
    let text = match v {
        None | Some(Value::Null) => String::new(),
        Some(Value::String(s)) => s.clone(),
        Some(other) => other.to_string(),
    };
    let text = text.replace(['\n', '\t'], " ");
    if text.chars().count() > CELL { format!("{}…", text.chars().take(CELL - 1).collect::<String>()) } else { text }
}

fn render_table(value: &Value, table: &Table) -> String {
    let rows = table.rows.iter().try_fold(value, |v, k| v.get(k));
    match rows {
        Some(Value::Array(items)) if !table.columns.is_empty() => {
            let header: Vec<String> = table.columns.iter().map(|c| c.to_string()).collect();
            let body: Vec<Vec<String>> =
                items.iter().map(|item| table.columns.iter().map(|c| cell(item.get(*c))).collect()).collect();
            grid(&header, &body)
        }
        _ => match value {
            Value::Object(m) => {
                let body: Vec<Vec<String>> = m.iter().map(|(k, v)| vec![k.clone(), cell(Some(v))]).collect();
                grid(&["field".to_string(), "value".to_string()], &body)
            }
            other => cell(Some(other)),
        },
    }
}

/// Columns padded to their widest cell, separated by two spaces.
fn grid(header: &[String], rows: &[Vec<String>]) -> String {
    let mut widths: Vec<usize> = header.iter().map(|h| h.chars().count()).collect();
    for row in rows {
        for (w, c) in widths.iter_mut().zip(row) {
            *w = (*w).max(c.chars().count());
        }
    }
    let mut out = String::new();
    for row in std::iter::once(header).chain(rows.iter().map(Vec::as_slice)) {
        let line: Vec<String> = row.iter().zip(&widths).map(|(c, w)| format!("{c:<w$}")).collect();
        let _ = writeln!(out, "{}", line.join("  ").trim_end());
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const NONE: Table = Table { rows: &[], columns: &[] };

    #[test]
    fn json_is_compact_off_a_terminal_and_coloured_on_one() {
        let v = json!({ "a": [1, "x", null], "b": {} });
        assert_eq!(render(&v, Format::Json, false, &NONE), "{\"a\":[1,\"x\",null],\"b\":{}}\n");
        let coloured = render(&v, Format::Json, true, &NONE);
        assert!(coloured.contains("\x1b[34m\"a\"\x1b[0m: [\n"), "{coloured}");
        let plain: String =
            coloured.replace(KEY, "").replace(STRING, "").replace(NUMBER, "").replace(LITERAL, "").replace(RESET, "");
        assert_eq!(serde_json::from_str::<Value>(&plain).unwrap(), v);
    }

    #[test]
    fn yaml_keeps_types_and_nesting() {
        let v = json!({ "name": "yes", "n": 1.5, "tags": ["a", { "k": null }], "empty": [] });
        assert_eq!(
            yaml(&v),
            "\"name\": \"yes\"\n\"n\": 1.5\n\"tags\":\n  - \"a\"\n  -\n    \"k\": null\n\"empty\": []\n"
        );
    }

    #[test]
    fn tables_use_the_row_fields() {
        let v = json!({ "data": { "agents": [{ "id": "a1", "name": "Ada", "extra": 1 }, { "id": "a2" }] } });
        let t = Table { rows: &["data", "agents"], columns: &["id", "name"] };
        assert_eq!(render(&v, Format::Table, false, &t), "id  name\na1  Ada\na2\n");
        let one = json!({ "credits": 3, "name": "W" });
        assert_eq!(render(&one, Format::Table, false, &NONE), "field    value\ncredits  3\nname     W\n");
    }
}
