//! Printing what the API sent: JSON (as received off a terminal; indented, and coloured when
//! colour is on, on one), YAML, and tables fitted to the terminal's width: a list as rows and
//! columns, a single object as one field/value row per leaf, as `kubectl describe` does.

use std::fmt::Write as _;

use crate::json::{Node, quote};

/// `--output`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Format {
    /// JSON.
    Json,
    /// YAML.
    Yaml,
    /// A table.
    Table,
}

/// How output looks.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Style {
    /// `--output`.
    pub format: Format,
    /// Indented JSON (stdout is a terminal).
    pub pretty: bool,
    /// ANSI colours (`--color`, `NO_COLOR`).
    pub color: bool,
    /// The width tables fit into; `None` for no limit.
    pub width: Option<usize>,
    /// `--wide`: every column, whatever the width.
    pub wide: bool,
}

impl Style {
    /// Compact JSON, no colour, no width: what a script reads.
    #[cfg(test)]
    pub(crate) fn plain(format: Format) -> Style {
        Style { format, pretty: false, color: false, width: None, wide: false }
    }
}

/// How a list response shows as a table: where its rows are and which of their fields are
/// columns. Empty for responses that are not lists.
#[derive(Debug)]
pub(crate) struct Table {
    /// Wire names from the response to its list of rows (`["data", "agents"]`); empty when the
    /// response itself is the list.
    pub rows: &'static [&'static str],
    /// The row type's scalar fields, in spec order; empty when the response is not a list.
    pub columns: &'static [&'static str],
}

/// The text printed for a whole response, ending with a newline.
pub(crate) fn render(value: &Node, style: &Style, table: &Table) -> String {
    let mut out = match style.format {
        Format::Json if style.pretty => {
            let mut s = String::new();
            pretty(value, 0, style.color, &mut s);
            s
        }
        Format::Json => value.compact(),
        Format::Yaml => yaml(value),
        Format::Table => render_table(value, table, style),
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

fn paint(out: &mut String, color: bool, code: &str, text: &str) {
    if color {
        let _ = write!(out, "{code}{text}{RESET}");
    } else {
        out.push_str(text);
    }
}

/// Indented JSON, with ANSI colours for keys, strings, numbers and literals when `color`.
pub(crate) fn pretty(value: &Node, depth: usize, color: bool, out: &mut String) {
    let pad = |d: usize| "  ".repeat(d);
    match value {
        Node::Obj(m) if !m.is_empty() => {
            out.push_str("{\n");
            for (i, (k, v)) in m.iter().enumerate() {
                out.push_str(&pad(depth + 1));
                paint(out, color, KEY, &quote(k));
                out.push_str(": ");
                pretty(v, depth + 1, color, out);
                out.push_str(if i + 1 < m.len() { ",\n" } else { "\n" });
            }
            let _ = write!(out, "{}}}", pad(depth));
        }
        Node::Arr(a) if !a.is_empty() => {
            out.push_str("[\n");
            for (i, v) in a.iter().enumerate() {
                out.push_str(&pad(depth + 1));
                pretty(v, depth + 1, color, out);
                out.push_str(if i + 1 < a.len() { ",\n" } else { "\n" });
            }
            let _ = write!(out, "{}]", pad(depth));
        }
        Node::Str(s) => paint(out, color, STRING, &quote(s)),
        Node::Num(n) => paint(out, color, NUMBER, n),
        Node::Bool(_) | Node::Null => paint(out, color, LITERAL, &value.compact()),
        empty => out.push_str(&empty.compact()),
    }
}

/// YAML. Strings are written double-quoted with JSON escapes, which YAML reads the same way,
/// so no value can change type (`"yes"`, `"1.0"`) or break the layout; numbers as received.
pub(crate) fn yaml(value: &Node) -> String {
    let mut out = String::new();
    yaml_value(value, 0, &mut out);
    out
}

fn yaml_value(value: &Node, depth: usize, out: &mut String) {
    let pad = "  ".repeat(depth);
    match value {
        Node::Obj(m) if !m.is_empty() => {
            for (k, v) in m {
                let _ = write!(out, "{pad}{}:", quote(k));
                yaml_child(v, depth, out);
            }
        }
        Node::Arr(a) if !a.is_empty() => {
            for v in a {
                let _ = write!(out, "{pad}-");
                yaml_child(v, depth, out);
            }
        }
        scalar => {
            let _ = writeln!(out, "{pad}{}", scalar.compact());
        }
    }
}

/// A value after `key:` or `-`: scalars and empty collections on the same line, others below.
fn yaml_child(v: &Node, depth: usize, out: &mut String) {
    match v {
        Node::Obj(m) if !m.is_empty() => {
            out.push('\n');
            yaml_value(v, depth + 1, out);
        }
        Node::Arr(a) if !a.is_empty() => {
            out.push('\n');
            yaml_value(v, depth + 1, out);
        }
        scalar => {
            let _ = writeln!(out, " {}", scalar.compact());
        }
    }
}

/// Widest a table cell gets before it is cut with `…` (unless `--wide`).
const CELL: usize = 40;
/// Narrowest a column is cut to when fitting the width.
const MIN_CELL: usize = 8;

fn cell_text(v: Option<&Node>) -> String {
    let text = match v {
        None | Some(Node::Null) => String::new(),
        Some(Node::Str(s)) => s.clone(),
        Some(other) => other.compact(),
    };
    text.replace(['\n', '\t', '\r'], " ")
}

fn cut(text: &str, width: usize) -> String {
    if text.chars().count() > width {
        let keep = width.saturating_sub(1);
        format!("{}…", text.chars().take(keep).collect::<String>())
    } else {
        text.to_string()
    }
}

/// The rows of a list response, when `table` says where they are and they are there.
pub(crate) fn table_rows<'a>(value: &'a Node, table: &Table) -> Option<&'a [Node]> {
    match value.at(table.rows) {
        Some(Node::Arr(items)) if !table.columns.is_empty() => Some(items),
        _ => None,
    }
}

fn render_table(value: &Node, table: &Table, style: &Style) -> String {
    match table_rows(value, table) {
        Some(items) => {
            let layout = Layout::fit(table.columns, items, style);
            let mut out = layout.header();
            for item in items {
                out.push_str(&layout.row(item));
            }
            out
        }
        None => describe(value, style),
    }
}

/// One row per leaf: `workspace_info.credits  120.5`.
fn describe(value: &Node, style: &Style) -> String {
    let mut rows = Vec::new();
    leaves(value, String::new(), &mut rows);
    if rows.is_empty() {
        return String::new();
    }
    let key_width = rows.iter().map(|(k, _)| k.chars().count()).max().unwrap_or(0).max("FIELD".len());
    let value_width = match (style.wide, style.width) {
        (false, Some(w)) => w.saturating_sub(key_width + 2).max(MIN_CELL),
        _ => usize::MAX,
    };
    let mut out = String::new();
    let _ = writeln!(out, "{:<key_width$}  VALUE", "FIELD");
    for (k, v) in rows {
        let _ = writeln!(out, "{}", format!("{k:<key_width$}  {}", cut(&v, value_width)).trim_end());
    }
    out
}

fn leaves(value: &Node, prefix: String, out: &mut Vec<(String, String)>) {
    match value {
        Node::Obj(m) if !m.is_empty() => {
            for (k, v) in m {
                let key = if prefix.is_empty() { k.clone() } else { format!("{prefix}.{k}") };
                leaves(v, key, out);
            }
        }
        Node::Arr(a) if !a.is_empty() => {
            for (i, v) in a.iter().enumerate() {
                leaves(v, format!("{prefix}[{i}]"), out);
            }
        }
        leaf => out.push((if prefix.is_empty() { "value".to_string() } else { prefix }, cell_text(Some(leaf)))),
    }
}

/// The columns chosen for a table and their widths; rows streamed later keep them.
#[derive(Debug, Clone)]
pub(crate) struct Layout {
    columns: Vec<String>,
    widths: Vec<usize>,
}

impl Layout {
    /// Columns in spec order and widths fitted to `items`; without `--wide`, cells are cut
    /// and columns dropped from the right until a row fits the width.
    pub(crate) fn fit(columns: &[&str], items: &[Node], style: &Style) -> Layout {
        let cap = if style.wide { usize::MAX } else { CELL };
        let mut widths: Vec<usize> = columns
            .iter()
            .map(|c| {
                let widest = items.iter().map(|i| cell_text(i.get(c)).chars().count()).max().unwrap_or(0);
                widest.max(c.len()).min(cap.max(c.len()))
            })
            .collect();
        let mut columns: Vec<String> = columns.iter().map(|c| c.to_string()).collect();
        if let (false, Some(limit)) = (style.wide, style.width) {
            let total = |w: &[usize]| w.iter().sum::<usize>() + 2 * w.len().saturating_sub(1);
            // First narrow the widest columns, then drop columns from the right.
            while total(&widths) > limit {
                let Some((i, &w)) = widths.iter().enumerate().max_by_key(|(_, w)| **w) else { break };
                if w <= MIN_CELL.max(columns[i].len()) {
                    break;
                }
                widths[i] = (w - 1).max(MIN_CELL.max(columns[i].len()));
            }
            while total(&widths) > limit && columns.len() > 1 {
                columns.pop();
                widths.pop();
            }
        }
        Layout { columns, widths }
    }

    /// The header line.
    pub(crate) fn header(&self) -> String {
        let cells: Vec<String> = self.columns.iter().map(|c| c.to_ascii_uppercase()).collect();
        self.line(&cells)
    }

    /// One item's line.
    pub(crate) fn row(&self, item: &Node) -> String {
        let cells: Vec<String> = self.columns.iter().map(|c| cell_text(item.get(c))).collect();
        self.line(&cells)
    }

    /// The scalar members of a row, as columns, for rows the spec does not describe.
    pub(crate) fn columns_of(item: &Node) -> Vec<&str> {
        match item {
            Node::Obj(members) => members
                .iter()
                .filter(|(_, v)| !matches!(v, Node::Obj(_) | Node::Arr(_)))
                .map(|(k, _)| k.as_str())
                .collect(),
            Node::Null | Node::Bool(_) | Node::Num(_) | Node::Str(_) | Node::Arr(_) => Vec::new(),
        }
    }

    fn line(&self, cells: &[String]) -> String {
        let parts: Vec<String> =
            cells.iter().zip(&self.widths).map(|(c, w)| format!("{:<w$}", cut(c, *w), w = *w)).collect();
        let mut line = parts.join("  ").trim_end().to_string();
        line.push('\n');
        line
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::json::parse;

    const NONE: Table = Table { rows: &[], columns: &[] };

    fn node(text: &str) -> Node {
        parse(text.as_bytes()).unwrap()
    }

    #[test]
    fn json_keeps_what_was_sent_and_colour_is_separate_from_layout() {
        let v = node(r#"{"a": [5, 5.0, "x", null], "b": {}}"#);
        assert_eq!(render(&v, &Style::plain(Format::Json), &NONE), "{\"a\":[5,5.0,\"x\",null],\"b\":{}}\n");
        let pretty_plain = render(&v, &Style { pretty: true, ..Style::plain(Format::Json) }, &NONE);
        assert!(
            pretty_plain.contains("\"a\": [\n    5,\n    5.0,") && !pretty_plain.contains('\x1b'),
            "{pretty_plain}"
        );
        let coloured = render(&v, &Style { pretty: true, color: true, ..Style::plain(Format::Json) }, &NONE);
        assert!(coloured.contains("\x1b[34m\"a\"\x1b[0m: [\n"), "{coloured}");
    }

    #[test]
    fn yaml_keeps_types_and_nesting() {
        let v = node(r#"{ "name": "yes", "n": 1.50, "tags": ["a", { "k": null }], "empty": [] }"#);
        assert_eq!(
            yaml(&v),
            "\"name\": \"yes\"\n\"n\": 1.50\n\"tags\":\n  - \"a\"\n  -\n    \"k\": null\n\"empty\": []\n"
        );
    }

    #[test]
    fn tables_list_rows_and_describe_objects_leaf_by_leaf() {
        let v = node(r#"{ "data": { "agents": [{ "id": "a1", "name": "Ada", "extra": 1 }, { "id": "a2" }] } }"#);
        let t = Table { rows: &["data", "agents"], columns: &["id", "name"] };
        assert_eq!(render(&v, &Style::plain(Format::Table), &t), "ID  NAME\na1  Ada\na2\n");
        let one = node(r#"{ "workspace_info": { "credits": 3, "name": "W" }, "tags": ["x"] }"#);
        assert_eq!(
            render(&one, &Style::plain(Format::Table), &NONE),
            "FIELD                   VALUE\nworkspace_info.credits  3\nworkspace_info.name     W\ntags[0]                 x\n"
        );
    }

    #[test]
    fn tables_fit_the_width_unless_wide() {
        let columns: &'static [&'static str] = &["id", "name", "status", "created_at", "notes"];
        let items = vec![node(
            r#"{"id":"c-1","name":"Ada Lovelace","status":"completed","created_at":"2025-09-24T10:00:00+05:30","notes":"a long note about this call that goes on"}"#,
        )];
        let narrow = Style { width: Some(40), ..Style::plain(Format::Table) };
        let layout = Layout::fit(columns, &items, &narrow);
        for line in [layout.header(), layout.row(&items[0])] {
            assert!(line.trim_end().chars().count() <= 40, "{line}");
        }
        let wide = Layout::fit(columns, &items, &Style { wide: true, ..narrow });
        assert!(wide.row(&items[0]).contains("goes on"));
    }
}
