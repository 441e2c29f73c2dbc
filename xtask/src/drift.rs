//! `cargo xtask drift FILE...`: where recorded traffic and the spec disagree.
//!
//! Reads NDJSON recordings (`ringg --record FILE`; the line format is
//! [`generator::drift::Record`]) and HAR files (by their `.har` extension), checks every body
//! against the spec in strict mode ([`generator::drift`]), and prints the findings as text,
//! Markdown or JSON. `--patch` writes a proposed change to the spec's YAML files, after checking
//! that the patched spec loads and generates.

use std::fmt::Write as _;
use std::fs::File;
use std::io::BufReader;
use std::path::{Path, PathBuf};

use generator::drift::{self, Drift, Report};

/// Help for `cargo xtask drift --help`.
pub const USAGE: &str = "\
cargo xtask drift [--format text|markdown|json] [--patch] [--spec DIR] FILE...

Checks recorded responses and webhook deliveries against the spec, strictly, and reports by type
and field: new fields (JSON types, nullability, count), new enum values, required fields that were
missing, declared fields never seen (candidates to make optional), null in non-null fields, values
of the wrong type, new webhook event types and requests that match no endpoint.

FILE is an NDJSON recording (`ringg --record FILE`, one exchange per line) or, when its name ends
in `.har`, a HAR file saved from a browser's network panel. Reports hold keys, paths, JSON types,
counts and enum strings only, never other values of a body.

Options:
  --format F   text (default), markdown (for a pull request) or json
  --patch      write the proposed change to the spec: new fields as optional with an observed doc
               and a note with the count, new enum values and event types, `optional: true` on
               fields seen missing and `nullable: true` on fields seen null; review it with
               `cargo xtask spec-diff`, then `cargo xtask codegen`
  --spec DIR   the spec folder to check and patch (default: spec/ of this checkout)

Exit status: 0 when nothing drifted, 1 when something did, 2 on a usage or read error.
";

/// Output formats.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Format {
    Text,
    Markdown,
    Json,
}

/// What a run found.
pub enum Outcome {
    /// The traffic fits the spec.
    Clean,
    /// Something drifted.
    Drift,
}

/// Runs the task. `Err` is a usage or read error (exit 2).
pub fn run(root: &Path, args: &[&str]) -> Result<Outcome, String> {
    let mut format = Format::Text;
    let mut patch = false;
    let mut spec_dir = root.join("spec");
    let mut inputs: Vec<PathBuf> = Vec::new();
    let mut it = args.iter();
    while let Some(arg) = it.next() {
        match *arg {
            "--format" => {
                format = match it.next().copied() {
                    Some("text") => Format::Text,
                    Some("markdown" | "md") => Format::Markdown,
                    Some("json") => Format::Json,
                    other => return Err(format!("--format takes text, markdown or json, not {other:?}\n\n{USAGE}")),
                }
            }
            "--patch" => patch = true,
            "--spec" => spec_dir = PathBuf::from(it.next().ok_or(format!("--spec takes a folder\n\n{USAGE}"))?),
            s if s.starts_with("--") => return Err(format!("unknown option `{s}`\n\n{USAGE}")),
            s => inputs.push(PathBuf::from(s)),
        }
    }
    if inputs.is_empty() {
        return Err(format!("no recordings given\n\n{USAGE}"));
    }
    let files = generator::files::read_spec_dir(&spec_dir)?;
    let api = generator::load(&files).map_err(|d| format!("the spec in {} does not load:\n{d}", spec_dir.display()))?;
    let report = check(&api, &inputs)?;
    let out = match format {
        Format::Text => text(&report),
        Format::Markdown => markdown(&report),
        Format::Json => serde_json::to_string_pretty(&report).map_err(|e| e.to_string())? + "\n",
    };
    print!("{out}");
    if patch {
        write_patch(&api, &files, &report, &spec_dir)?;
    }
    Ok(if report.has_drift() { Outcome::Drift } else { Outcome::Clean })
}

/// Reads every input into one report.
pub fn check(api: &generator::ir::Api, inputs: &[PathBuf]) -> Result<Report, String> {
    let mut drift = Drift::new(api);
    for path in inputs {
        let file = File::open(path).map_err(|e| format!("{}: {e}", path.display()))?;
        let reader = BufReader::with_capacity(1 << 16, file);
        let har = path.extension().is_some_and(|e| e.eq_ignore_ascii_case("har"));
        let result = if har { drift::read_har(reader, &mut drift) } else { drift::read_ndjson(reader, &mut drift) };
        result.map_err(|e| format!("{}: {e}", path.display()))?;
    }
    Ok(drift.finish())
}

/// Computes the patch, checks that the patched spec loads and generates, and writes it.
fn write_patch(
    api: &generator::ir::Api,
    files: &[generator::SourceFile],
    report: &Report,
    spec_dir: &Path,
) -> Result<(), String> {
    let patch = drift::patch(api, files, report);
    let mut merged: Vec<generator::SourceFile> = files.to_vec();
    for changed in &patch.files {
        if let Some(f) = merged.iter_mut().find(|f| f.path == changed.path) {
            f.text = changed.text.clone();
        }
    }
    if !patch.files.is_empty() {
        generator::generate(&merged)
            .map_err(|d| format!("the patched spec does not load, so nothing was written:\n{d}"))?;
    }
    for changed in &patch.files {
        let name = changed.path.strip_prefix("spec/").unwrap_or(&changed.path);
        let path = spec_dir.join(name);
        std::fs::write(&path, &changed.text).map_err(|e| format!("{}: {e}", path.display()))?;
    }
    eprintln!("patch: {} changes in {} files", patch.applied.len(), patch.files.len());
    for a in &patch.applied {
        eprintln!("  applied: {a}");
    }
    for s in &patch.skipped {
        eprintln!("  not patched: {s}");
    }
    if !patch.files.is_empty() {
        eprintln!("review with `cargo xtask spec-diff`, then run `cargo xtask codegen`");
    }
    Ok(())
}

fn times(n: u64) -> String {
    if n == 1 { "1 time".into() } else { format!("{n} times") }
}

fn summary(r: &Report) -> String {
    format!(
        "{} exchanges read, {} bodies checked, {} skipped (not 2xx, no JSON body or no JSON response), {} unreadable",
        r.exchanges, r.checked, r.skipped, r.unreadable
    )
}

/// The plain-text report.
pub fn text(r: &Report) -> String {
    let mut s = String::new();
    let _ = writeln!(s, "drift: {}", summary(r));
    for (name, t) in &r.types {
        if !t.has_drift() && t.never_seen.is_empty() {
            continue;
        }
        let _ = writeln!(s, "\n{name} ({} seen)", t.seen);
        for (k, f) in &t.new_fields {
            let mut types: Vec<&str> = f.types.iter().map(String::as_str).collect();
            if f.nullable {
                types.push("null");
            }
            let _ = writeln!(s, "  new field        `{k}`: {}, seen {}", types.join(" | "), times(f.count));
        }
        for (v, n) in &t.new_values {
            let _ = writeln!(s, "  new enum value   `{v}`: seen {}", times(*n));
        }
        for (v, n) in &t.new_tags {
            let _ = writeln!(s, "  new tag          `{v}`: seen {}", times(*n));
        }
        for (f, n) in &t.missing_required {
            let _ = writeln!(s, "  missing required `{f}`: absent {}", times(*n));
        }
        for (f, n) in &t.unexpected_null {
            let _ = writeln!(s, "  null, not null   `{f}`: {}", times(*n));
        }
        for (f, w) in &t.wrong_type {
            let found: Vec<String> = w.found.iter().map(|(k, n)| format!("{k} ({})", times(*n))).collect();
            let _ = writeln!(s, "  wrong type       `{f}`: expected {}, found {}", w.expected, found.join(", "));
        }
        if !t.never_seen.is_empty() {
            let fields: Vec<String> = t.never_seen.iter().map(|f| format!("`{f}`")).collect();
            let _ = writeln!(s, "  never seen in {} objects (optional?): {}", t.seen, fields.join(", "));
        }
    }
    if !r.new_events.is_empty() {
        let _ = writeln!(s, "\nnew webhook event types");
        for (e, n) in &r.new_events {
            let _ = writeln!(s, "  `{e}`: seen {}", times(*n));
        }
    }
    if !r.unmatched.is_empty() {
        let _ = writeln!(s, "\nrequests that match no endpoint");
        for (e, n) in &r.unmatched {
            let _ = writeln!(s, "  {e}: {}", times(*n));
        }
    }
    if r.dropped > 0 {
        let _ = writeln!(s, "\n{} findings not listed: a list reached {} entries", r.dropped, drift::MAX_DISTINCT);
    }
    let _ = writeln!(s, "\n{}", if r.has_drift() { "drift found" } else { "no drift" });
    s
}

/// Escapes a table cell.
fn cell(s: &str) -> String {
    s.replace('|', "\\|")
}

/// The Markdown report: one table of findings, for a pull request or an issue.
pub fn markdown(r: &Report) -> String {
    let mut s = String::new();
    let _ = writeln!(s, "## Spec drift\n\n{}.\n", summary(r));
    let mut rows = Vec::new();
    for (name, t) in &r.types {
        let name = cell(name);
        for (k, f) in &t.new_fields {
            let mut types: Vec<&str> = f.types.iter().map(String::as_str).collect();
            if f.nullable {
                types.push("null");
            }
            rows.push(format!("| `{name}` | new field | `{}` | {} | {} |", cell(k), types.join(", "), f.count));
        }
        for (v, n) in &t.new_values {
            rows.push(format!("| `{name}` | new enum value | `{}` | | {n} |", cell(v)));
        }
        for (v, n) in &t.new_tags {
            rows.push(format!("| `{name}` | new tag | `{}` | | {n} |", cell(v)));
        }
        for (f, n) in &t.missing_required {
            rows.push(format!("| `{name}` | required field missing | `{}` | | {n} |", cell(f)));
        }
        for (f, n) in &t.unexpected_null {
            rows.push(format!("| `{name}` | null in a non-null field | `{}` | | {n} |", cell(f)));
        }
        for (f, w) in &t.wrong_type {
            for (found, n) in &w.found {
                rows.push(format!(
                    "| `{name}` | wrong type | `{}` | expected `{}`, found {found} | {n} |",
                    cell(f),
                    cell(&w.expected)
                ));
            }
        }
        for f in &t.never_seen {
            rows.push(format!("| `{name}` | never seen (optional?) | `{}` | in {} objects | 0 |", cell(f), t.seen));
        }
    }
    for (e, n) in &r.new_events {
        rows.push(format!("| webhooks | new event type | `{}` | | {n} |", cell(e)));
    }
    for (e, n) in &r.unmatched {
        rows.push(format!("| requests | no endpoint matches | `{}` | | {n} |", cell(e)));
    }
    if rows.is_empty() {
        let _ = writeln!(s, "No drift: every body fits the spec.");
    } else {
        let _ = writeln!(s, "| type | finding | key | detail | count |\n|---|---|---|---|---:|");
        for row in rows {
            let _ = writeln!(s, "{row}");
        }
    }
    if r.dropped > 0 {
        let _ = writeln!(s, "\n{} findings not listed: a list reached {} entries.", r.dropped, drift::MAX_DISTINCT);
    }
    s
}
