//! YAML text to raw spec structs, with YAML and serde errors turned into located diagnostics.

use crate::diag::{Diagnostic, did_you_mean};
use crate::raw::RawFile;

/// Parses one spec file. A failure is one diagnostic: the YAML parser stops at the first problem.
pub(crate) fn parse_file(path: &str, text: &str) -> Result<RawFile, Box<Diagnostic>> {
    if text.trim().is_empty() {
        return Ok(RawFile::default());
    }
    let options = serde_saphyr::options! {
        with_snippet: false,
    };
    serde_saphyr::from_str_with_options::<RawFile>(text, options).map_err(|err| {
        let (line, column) = err.location().map(|l| (l.line() as u32, l.column() as u32)).unwrap_or((0, 0));
        let raw_message = err.without_snippet().to_string();
        let hint = hint_for(raw_message.split(" at line ").next().unwrap_or(&raw_message)).or_else(|| {
            Some(if raw_message.contains("invalid type") || raw_message.contains("invalid value") {
                "this key takes another kind of value; spec/README.md says what each key takes".into()
            } else {
                "check the YAML here: quoting, indentation, and `key: value` pairs".into()
            })
        });
        let mut message = clean_message(&raw_message);
        let mut hint = hint;
        if let Some(key) = message.strip_prefix("duplicate mapping key: ") {
            let key = key.split(',').next().unwrap_or(key).trim().to_string();
            let (what, first) = duplicate_key(text, line, column, &key);
            message = what;
            hint = Some(match first {
                Some(first) => {
                    format!("the first one is at line {first}; YAML keeps only one of the two, so rename or remove one")
                }
                None => "YAML keeps only one of the two: rename or remove one".to_string(),
            });
        }
        let source_line = line_of(text, line);
        let width = source_line.as_deref().map(|l| token_width(l, column)).unwrap_or(1);
        Box::new(Diagnostic {
            file: path.to_string(),
            line,
            column,
            width,
            path: yaml_path_at(text, line, column),
            message,
            hint,
            source_line,
            note: false,
        })
    })
}

/// What a spec file declares, read from its text alone: used when the file does not parse, so
/// that references to its types and resources are not reported as unknown elsewhere.
#[derive(Debug, Default)]
pub(crate) struct Declared {
    /// Keys under `types:`.
    pub types: Vec<String>,
    /// Keys under `resources:`.
    pub resources: Vec<String>,
    /// The file has an `api:` block.
    pub api: bool,
}

/// The names a file declares, by indentation: the keys one level below `types:` and
/// `resources:`. Works on text that does not parse, which is when it is needed.
pub(crate) fn declared(text: &str) -> Declared {
    let mut out = Declared::default();
    let mut section = "";
    let mut indent: Option<usize> = None;
    for line in text.lines() {
        let trimmed = line.trim_start();
        if trimmed.is_empty() || trimmed.starts_with('#') {
            continue;
        }
        let depth = line.len() - trimmed.len();
        let key = trimmed.split(':').next().unwrap_or("").trim().trim_matches(['"', '\'']);
        let is_key =
            trimmed.contains(':') && !key.is_empty() && key.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
        if depth == 0 {
            section = if is_key { key } else { "" };
            if section == "api" {
                out.api = true;
            }
            indent = None;
            continue;
        }
        let level = *indent.get_or_insert(depth);
        if depth == level && is_key {
            match section {
                "types" => out.types.push(key.to_string()),
                "resources" => out.resources.push(key.to_string()),
                _ => {}
            }
        }
    }
    out
}

/// The message without the location the parser appends (we print our own).
fn clean_message(message: &str) -> String {
    let mut m = message.trim().to_string();
    for marker in [" at line ", " at line: ", "\n"] {
        if let Some(i) = m.find(marker) {
            m.truncate(i);
        }
    }
    if let Some(rest) = m.strip_prefix("error: ") {
        m = rest.to_string();
    }
    // serde's "unknown field `x`, expected one of ..." names a YAML key; the hint lists the rest.
    if let Some(rest) = m.strip_prefix("unknown field ") {
        let name = rest.split(", expected").next().unwrap_or(rest);
        m = format!("unknown key {name}");
    }
    m
}

/// A hint for serde's "unknown field `x`, expected one of `a`, `b`" and similar messages.
fn hint_for(message: &str) -> Option<String> {
    let name = between(message, "unknown field `", "`").or_else(|| between(message, "unknown variant `", "`"))?;
    let expected: Vec<&str> = message
        .split_once("expected one of ")
        .or_else(|| message.split_once("expected "))
        .map(|(_, rest)| rest.split(", ").map(|e| e.trim().trim_matches('`')).filter(|e| !e.is_empty()).collect())
        .unwrap_or_default();
    if expected.is_empty() {
        return Some("remove the key; see spec/README.md for the keys allowed here".into());
    }
    // A field written at the level of its type, beside `fields:` rather than under it.
    let in_type = ["fields", "enum", "variants", "one_of"].iter().all(|k| expected.contains(k));
    if in_type && !expected.contains(&name) && did_you_mean(name, expected.iter().copied()).is_none() {
        return Some(format!(
            "did you mean to put `{name}` under `fields:`? A type's own keys are: {}",
            expected.iter().map(|e| format!("`{e}`")).collect::<Vec<_>>().join(", ")
        ));
    }
    // An endpoint example (its keys are `query`, `request`, `response`) has no path parameters.
    let in_example = ["query", "request", "response"].iter().all(|k| expected.contains(k));
    if in_example && ["path_params", "path", "params", "path_parameters"].contains(&name) {
        return Some(
            "remove it: examples carry no path parameters (the endpoint tests fill each one with a \
             sample value); an id from a documented URL can go in the example's `doc` \
             (spec/README.md, `resources`)"
                .into(),
        );
    }
    Some(did_you_mean(name, expected.iter().copied()).unwrap_or_else(|| {
        format!("allowed here: {}", expected.iter().map(|e| format!("`{e}`")).collect::<Vec<_>>().join(", "))
    }))
}

/// The message for a key given twice in one mapping, in the spec's terms, and the line of its
/// first use: the nearest line above with the same indentation and key, within the same parent.
fn duplicate_key(text: &str, line: u32, column: u32, key: &str) -> (String, Option<u32>) {
    let path = yaml_path_at(text, line, column);
    let parts: Vec<&str> = path.split('.').collect();
    let what = match parts.as_slice() {
        ["resources", r, "endpoints", e] => format!("endpoint `{e}` is defined twice in resource `{r}`"),
        ["resources", r] => format!("resource `{r}` is defined twice in this file"),
        ["types", t] => format!("type `{t}` is defined twice in this file"),
        ["types", t, "fields", f] => format!("field `{f}` is defined twice in type `{t}`"),
        ["types", t, "enum", v] => format!("value `{v}` is listed twice in enum `{t}`"),
        ["types", t, "variants", v] => format!("variant `{v}` is defined twice in `{t}`"),
        [.., "query", q] | [.., "path_params", q] => format!("parameter `{q}` is defined twice in `{path}`"),
        _ => format!("key `{key}` is given twice in one mapping (`{path}`)"),
    };
    let lines: Vec<&str> = text.lines().collect();
    let Some(here) = (line as usize).checked_sub(1).and_then(|i| lines.get(i)) else { return (what, None) };
    let indent = indent_of(here);
    let first = lines[..line as usize - 1]
        .iter()
        .enumerate()
        .rev()
        .filter(|(_, l)| !l.trim().is_empty() && !l.trim_start().starts_with('#'))
        .take_while(|(_, l)| indent_of(l) >= indent)
        .find(|(_, l)| indent_of(l) == indent && keys_in_line(l).first().is_some_and(|k| k == key))
        .map(|(i, _)| i as u32 + 1);
    (what, first)
}

fn between<'a>(s: &'a str, start: &str, end: &str) -> Option<&'a str> {
    let from = s.find(start)? + start.len();
    let len = s[from..].find(end)?;
    Some(&s[from..from + len])
}

/// The text of a 1-based line.
pub(crate) fn line_of(text: &str, line: u32) -> Option<String> {
    if line == 0 {
        return None;
    }
    text.lines().nth(line as usize - 1).map(str::to_string)
}

/// Width of the token starting at a 1-based column: up to the next delimiter.
pub(crate) fn token_width(line: &str, column: u32) -> u32 {
    let rest: String = line.chars().skip(column.saturating_sub(1) as usize).collect();
    let n = rest.chars().take_while(|c| !matches!(c, ':' | ',' | '}' | ']' | '#') && !c.is_whitespace()).count();
    n.max(1) as u32
}

/// Best-effort dotted path of the node at a line and column of block-style YAML.
///
/// Used for parser errors, which carry a position but no path. Parents are the nearest lines
/// above with less indentation; inside a flow mapping on the line, the key just before the column.
pub(crate) fn yaml_path_at(text: &str, line: u32, column: u32) -> String {
    let lines: Vec<&str> = text.lines().collect();
    if line == 0 || line as usize > lines.len() {
        return String::from("(file)");
    }
    let idx = line as usize - 1;
    let mut keys: Vec<String> = Vec::new();
    let current = lines[idx];
    let mut indent = indent_of(current);
    // On the line itself: its block key, then the key at the column (or the last one before it).
    let line_keys = keys_in_line(current);
    let before: String = current.chars().take(column.saturating_sub(1) as usize).collect();
    let keys_before = keys_in_line(&before);
    let at_column = keys_in_line(&current.chars().skip(column.saturating_sub(1) as usize).collect::<String>())
        .into_iter()
        .next()
        .filter(|k| {
            current.chars().skip(column.saturating_sub(1) as usize).collect::<String>().starts_with(k.as_str())
        });
    let mut own: Vec<String> = Vec::new();
    if let Some(first) = line_keys.first()
        && keys_before.first() == Some(first)
    {
        own.push(first.clone());
    }
    match at_column.or_else(|| keys_before.last().cloned()) {
        Some(k) if own.last() != Some(&k) => own.push(k),
        _ => {}
    }
    keys.extend(own.into_iter().rev());
    for l in lines[..idx].iter().rev() {
        if l.trim().is_empty() || l.trim_start().starts_with('#') {
            continue;
        }
        let i = indent_of(l);
        if i < indent {
            if let Some(k) = keys_in_line(l).first() {
                keys.push(k.clone());
            }
            indent = i;
            if i == 0 {
                break;
            }
        }
    }
    keys.reverse();
    if keys.is_empty() { "(file)".into() } else { keys.join(".") }
}

fn indent_of(line: &str) -> usize {
    let trimmed = line.trim_start_matches([' ', '-']);
    line.len() - trimmed.len()
}

/// Keys (`name:`) on one line, left to right; quotes are removed.
fn keys_in_line(line: &str) -> Vec<String> {
    let mut keys = Vec::new();
    let mut token = String::new();
    let mut quote: Option<char> = None;
    let mut chars = line.chars().peekable();
    while let Some(c) = chars.next() {
        match quote {
            Some(q) if c == q => quote = None,
            Some(_) => token.push(c),
            None => match c {
                '"' | '\'' => quote = Some(c),
                '#' if token.is_empty() => break,
                ':' if chars.peek().is_none_or(|n| n.is_whitespace()) => {
                    let k = token.trim().trim_start_matches(['-', '{', ',', ' ']).trim();
                    if !k.is_empty() {
                        keys.push(k.to_string());
                    }
                    token.clear();
                }
                '{' | ',' | '[' => token.clear(),
                _ => token.push(c),
            },
        }
    }
    keys
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn path_heuristic() {
        let text = "resources:\n  calling:\n    endpoints:\n      history:\n        query:\n          limit: { type: integer, optinal: true }\n";
        assert_eq!(yaml_path_at(text, 6, 35), "resources.calling.endpoints.history.query.limit.optinal");
        assert_eq!(yaml_path_at(text, 6, 26), "resources.calling.endpoints.history.query.limit.type");
        assert_eq!(yaml_path_at(text, 4, 7), "resources.calling.endpoints.history");
    }
}
