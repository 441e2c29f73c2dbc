//! The arguments of the generated endpoint commands: how flags are declared and how their
//! text becomes values. Dates take every form the API accepts plus a few shell shortcuts;
//! lists take repeated flags, comma lists or a JSON array.

use std::io::Read as _;
use std::time::{SystemTime, UNIX_EPOCH};

use clap::{Arg, ArgAction, ArgMatches};
use serde::de::DeserializeOwned;
use serde_json::{Map, Value};

use crate::failure::Failure;

/// Where `--help` lists the body's fields.
const BODY: &str = "Body fields";

/// How a flag's text becomes a value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    /// The text itself (strings, ids, enums).
    Text,
    /// JSON when it reads as JSON (`10`, `true`, `{...}`), else the text.
    Json,
    /// A calendar date: `YYYY-MM-DD`, `today`, `yesterday`, or a date-time (its date).
    Date,
    /// A date-time with offset; also `YYYY-MM-DD` (the day's start in UTC, or its end for
    /// an `end` parameter), `today`, `yesterday`, `now`.
    DateTime {
        /// The parameter ends a range (`end_date`).
        end: bool,
    },
}

/// What `--help` says a date or date-time flag takes.
pub(crate) const DATE_HELP: &str = "YYYY-MM-DD, today or yesterday (a date-time gives its date)";
/// What `--help` says a date-time flag takes.
pub(crate) const DATETIME_HELP: &str =
    "2025-09-24T10:00:00+05:30 (any offset, or Z), or YYYY-MM-DD, today, yesterday (that day in UTC), or now";

/// One input (path or query parameter) of an endpoint.
#[derive(Debug)]
pub(crate) struct Input {
    /// Argument id.
    pub id: &'static str,
    /// Wire name.
    pub wire: &'static str,
    /// How messages name it: `--status`, `<ID>`.
    pub shown: &'static str,
    /// The spec type, for messages.
    pub expected: &'static str,
    /// How its text is read.
    pub kind: Kind,
}

/// A warning on stderr (a deprecated command); a closed stderr is ignored.
pub(crate) fn warn(text: &str) {
    use std::io::Write as _;
    let _ = writeln!(std::io::stderr(), "{text}");
}

/// A required positional argument.
pub(crate) fn positional(id: &'static str, value_name: &'static str, help: &'static str) -> Arg {
    Arg::new(id).required(true).value_name(value_name).help(help)
}

/// An optional flag taking one value, shown as `value_name`; `values` lists an enum's values
/// (shown and completed).
pub(crate) fn flag(
    name: &'static str,
    value_name: &'static str,
    help: &'static str,
    values: &'static [&'static str],
) -> Arg {
    let arg = Arg::new(name).long(name).value_name(value_name).help(help);
    if values.is_empty() { arg } else { arg.value_parser(values.to_vec()) }
}

/// A flag that may repeat and take comma lists or a JSON array: `--agent-id a --agent-id b`,
/// `--agent-id a,b`, `--agent-id '["a","b"]'`.
pub(crate) fn list_flag(
    name: &'static str,
    value_name: &'static str,
    help: &'static str,
    values: &'static [&'static str],
) -> Arg {
    let arg = Arg::new(name).long(name).value_name(value_name).help(help).action(ArgAction::Append);
    // An enum's values are checked (and completed) by clap, after it splits comma lists.
    if values.is_empty() { arg } else { arg.value_parser(values.to_vec()).value_delimiter(',') }
}

/// A flag setting one top-level field of the body; `required` marks it in help.
pub(crate) fn body_flag(
    name: &'static str,
    value_name: &'static str,
    help: &'static str,
    values: &'static [&'static str],
    list: bool,
) -> Arg {
    let arg = if list { list_flag(name, value_name, help, values) } else { flag(name, value_name, help, values) };
    arg.help_heading(BODY)
}

/// A file path for a multipart file field.
pub(crate) fn file_flag(name: &'static str, help: &'static str, required: bool, repeat: bool) -> Arg {
    let arg = Arg::new(name)
        .long(name)
        .value_name("PATH")
        .required(required)
        .help(help)
        .help_heading(BODY)
        .value_hint(clap::ValueHint::FilePath);
    if repeat { arg.action(ArgAction::Append) } else { arg }
}

/// `--body`: the whole body as `@file.json`, `-` (stdin) or inline JSON.
pub(crate) fn body_arg(type_name: &'static str) -> Arg {
    Arg::new("body").long("body").value_name("@FILE|-|JSON").help_heading(BODY).help(format!(
        "The body as JSON ({type_name}): @file.json, - for stdin, or inline; field flags override its fields; checked before sending"
    ))
}

/// `--no-validate`: send the body as written.
pub(crate) fn no_validate_arg() -> Arg {
    Arg::new("no-validate")
        .long("no-validate")
        .help_heading(BODY)
        .action(ArgAction::SetTrue)
        .help("Send the body as written, without checking keys, types and enum values first")
}

/// `--output json|yaml|table`.
pub(crate) fn format_arg() -> Arg {
    Arg::new("output").long("output").short('o').value_name("FORMAT").value_parser(["json", "yaml", "table"]).help(
        "Output format (default json: as received, indented on a terminal; table: rows or one field per line; see --wide)",
    )
}

/// `--output-file FILE` of a download.
pub(crate) fn output_file_arg() -> Arg {
    Arg::new("output-file")
        .long("output-file")
        .short('O')
        .value_name("FILE")
        .value_hint(clap::ValueHint::FilePath)
        .help("Where to save the file (default: stdout, when it is not a terminal)")
}

/// `--all` of a paginated endpoint.
pub(crate) fn all_arg() -> Arg {
    Arg::new("all").long("all").action(ArgAction::SetTrue).help(
        "Every item of every page, one page in memory at a time: one JSON line each (NDJSON), or YAML documents, or table rows with -o",
    )
}

/// Whether `--all` was given.
pub(crate) fn all(m: &ArgMatches) -> bool {
    m.try_get_one::<bool>("all").ok().flatten().copied().unwrap_or(false)
}

/// Reads a value given as text into a spec type, to check it: JSON when it decodes as such
/// (`10`, `true`), otherwise the text itself as a JSON string.
pub(crate) fn decode_text<T: DeserializeOwned>(flag: &str, text: &str, expected: &str) -> Result<T, Failure> {
    if let Ok(v) = serde_json::from_str::<Value>(text) {
        if let Ok(t) = serde_json::from_value::<T>(v) {
            return Ok(t);
        }
    }
    serde_json::from_value(Value::String(text.to_string()))
        .map_err(|_| Failure::usage(format!("invalid value `{text}` for {flag}: expected {expected}")))
}

/// The text sent for a flag's value: dates in one of their accepted forms become the form
/// the API takes; everything else is sent as written.
pub(crate) fn wire_text(kind: Kind, flag: &str, text: &str) -> Result<String, Failure> {
    let text = text.trim();
    match kind {
        Kind::Text | Kind::Json => Ok(text.to_string()),
        Kind::Date => {
            let day = shortcut_day(text)
                .or_else(|| text.get(..10).filter(|d| ringg::Date::parse(d).is_ok()).map(str::to_string));
            day.ok_or_else(|| Failure::usage(format!("invalid date `{text}` for {flag}: expected {DATE_HELP}")))
        }
        Kind::DateTime { end } => {
            let day = shortcut_day(text)
                .or_else(|| (text.len() == 10 && ringg::Date::parse(text).is_ok()).then(|| text.to_string()));
            let full = match (text, day) {
                ("now", _) => now_utc(),
                (_, Some(d)) => format!("{d}T{}Z", if end { "23:59:59" } else { "00:00:00" }),
                (t, None) => t.to_string(),
            };
            match ringg::Timestamp::parse(&full) {
                Ok(_) => Ok(full),
                Err(_) => {
                    Err(Failure::usage(format!("invalid date-time `{text}` for {flag}: expected {DATETIME_HELP}")))
                }
            }
        }
    }
}

/// `today` and `yesterday` as `YYYY-MM-DD` (UTC).
fn shortcut_day(text: &str) -> Option<String> {
    let days = SystemTime::now().duration_since(UNIX_EPOCH).ok()?.as_secs() / 86_400;
    match text {
        "today" => Some(civil(days)),
        "yesterday" => Some(civil(days.saturating_sub(1))),
        _ => None,
    }
}

fn now_utc() -> String {
    let secs = SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs());
    let rem = secs % 86_400;
    format!("{}T{:02}:{:02}:{:02}Z", civil(secs / 86_400), rem / 3600, rem % 3600 / 60, rem % 60)
}

/// Days since 1970-01-01 as a calendar date (Howard Hinnant's algorithm).
fn civil(days: u64) -> String {
    let z = days + 719_468;
    let era = z / 146_097;
    let doe = z % 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + u64::from(m <= 2);
    format!("{y:04}-{m:02}-{d:02}")
}

/// The values of a repeated flag: each occurrence may be a JSON array or a comma list.
pub(crate) fn list_values(m: &ArgMatches, id: &str, flag: &str) -> Result<Vec<Value>, Failure> {
    let mut out = Vec::new();
    for text in m.get_many::<String>(id).into_iter().flatten() {
        let trimmed = text.trim();
        if trimmed.starts_with('[') {
            match serde_json::from_str::<Value>(trimmed) {
                Ok(Value::Array(items)) => out.extend(items),
                _ => {
                    return Err(Failure::usage(format!(
                        "invalid list for {flag}: `[` starts a JSON array, which did not parse"
                    )));
                }
            }
        } else {
            out.extend(
                trimmed.split(',').map(str::trim).filter(|s| !s.is_empty()).map(|s| Value::String(s.to_string())),
            );
        }
    }
    Ok(out)
}

/// A list item as text (a JSON string's content, or other JSON as written).
pub(crate) fn item_text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// One top-level body field that has a flag.
#[derive(Debug)]
pub(crate) struct BodyField {
    /// Argument id, the flag without `--`.
    pub id: &'static str,
    /// Wire name.
    pub wire: &'static str,
    /// The flag, `--campaign-name`.
    pub flag: &'static str,
    /// The spec type, for messages.
    pub ty: &'static str,
    /// How the flag's text (each item's, for a list) is read.
    pub kind: Kind,
    /// A list: repeatable, comma lists, JSON arrays.
    pub list: bool,
}

/// The body as JSON: `--body` (or `{}`) with the field flags laid over it.
pub(crate) fn body_json(m: &ArgMatches, fields: &[BodyField]) -> Result<Map<String, Value>, Failure> {
    let mut body = match m.get_one::<String>("body") {
        None => Map::new(),
        Some(source) => {
            let text = read_body(source)?;
            match serde_json::from_str::<Value>(&text) {
                Ok(Value::Object(o)) => o,
                Ok(_) => return Err(Failure::usage("--body: expected a JSON object")),
                // serde_json's message names line and column, never the text.
                Err(e) => return Err(Failure::usage(format!("--body is not JSON: {e}"))),
            }
        }
    };
    for f in fields {
        if f.list {
            if m.get_many::<String>(f.id).is_none() {
                continue;
            }
            let items = list_values(m, f.id, f.flag)?
                .into_iter()
                .map(|item| match (&item, f.kind) {
                    (Value::String(s), Kind::Json) => serde_json::from_str(s).or(Ok(item.clone())),
                    (Value::String(s), kind) => wire_text(kind, f.flag, s).map(Value::String),
                    _ => Ok(item),
                })
                .collect::<Result<Vec<Value>, Failure>>()?;
            body.insert(f.wire.to_string(), Value::Array(items));
            continue;
        }
        let Some(text) = m.get_one::<String>(f.id) else { continue };
        let value = match f.kind {
            Kind::Json => serde_json::from_str(text)
                .map_err(|_| Failure::usage(format!("invalid value for {}: expected {} as JSON", f.flag, f.ty)))?,
            kind => Value::String(wire_text(kind, f.flag, text)?),
        };
        body.insert(f.wire.to_string(), value);
    }
    Ok(body)
}

fn read_body(source: &str) -> Result<String, Failure> {
    if source == "-" {
        let mut text = String::new();
        std::io::stdin()
            .read_to_string(&mut text)
            .map_err(|e| Failure::usage(format!("--body -: cannot read stdin: {e}")))?;
        Ok(text)
    } else if let Some(path) = source.strip_prefix('@') {
        std::fs::read_to_string(path).map_err(|e| Failure::usage(format!("--body: cannot read `{path}`: {e}")))
    } else {
        Ok(source.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_take_every_accepted_form() {
        let end = Kind::DateTime { end: true };
        let start = Kind::DateTime { end: false };
        assert_eq!(wire_text(start, "--start-date", "2025-09-24").unwrap(), "2025-09-24T00:00:00Z");
        assert_eq!(wire_text(end, "--end-date", "2025-09-24").unwrap(), "2025-09-24T23:59:59Z");
        assert_eq!(wire_text(start, "--start-date", "2025-09-24T10:00:00+05:30").unwrap(), "2025-09-24T10:00:00+05:30");
        let e = wire_text(start, "--start-date", "2025-09-24T10:00:00").unwrap_err();
        assert!(e.message.contains("--start-date") && !e.message.contains("Timestamp"), "{}", e.message);
        assert_eq!(wire_text(Kind::Date, "--start-date", "2025-09-24T10:00:00+05:30").unwrap(), "2025-09-24");
        assert_eq!(wire_text(Kind::Date, "--start-date", "today").unwrap().len(), 10);
        assert!(wire_text(Kind::Date, "--start-date", "24/09/2025").is_err());
        assert_eq!(civil(0), "1970-01-01");
        assert_eq!(civil(20_355), "2025-09-24");
    }
}
