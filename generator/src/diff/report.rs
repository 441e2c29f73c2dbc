//! Reports: the summary line every format starts with, and the text, Markdown and JSON renderings.

use std::fmt::Write as _;

use super::{Bump, Change, Kind, SpecDiff, Wire};

impl SpecDiff {
    /// No changes.
    pub fn is_empty(&self) -> bool {
        self.changes.is_empty()
    }

    /// Changes of each Rust class: `(major, minor, patch)`.
    pub fn counts(&self) -> (usize, usize, usize) {
        let n = |b: Bump| self.changes.iter().filter(|c| c.rust == b).count();
        (n(Bump::Major), n(Bump::Minor), n(Bump::Patch))
    }

    /// Changes that break existing integrations on the wire.
    pub fn wire_breaking(&self) -> usize {
        self.changes.iter().filter(|c| c.wire == Wire::Breaking).count()
    }

    /// The one-line verdict that heads every report.
    pub fn summary(&self, markdown: bool) -> String {
        let strong = |s: &str| if markdown { format!("**{s}**") } else { s.to_string() };
        let versions = format!("{} → {}", self.base_version, self.head_version);
        let check = self.version_check();
        let Some(required) = check.required else {
            return format!("{} Version {versions}.", strong("Spec diff: no API changes."));
        };
        let lead = strong(&format!("Spec diff: {}.", bump_words(&self.base_version, required)));
        let verdict = match &check.suggested {
            None if self.base_version != self.head_version => {
                format!("Version {versions} makes it (commit the regenerated crate and `Cargo.lock` with it).")
            }
            None => format!("Version {versions} makes it."),
            Some(next) => format!(
                "Version {versions} does not make it: use {next} in `api.version`, and commit the regenerated \
                 crate and `Cargo.lock` with it."
            ),
        };
        let (major, minor, patch) = self.counts();
        let parts: Vec<String> = [(major, "major"), (minor, "minor"), (patch, "patch")]
            .iter()
            .filter(|(n, _)| *n > 0)
            .map(|(n, s)| format!("{n} {s}"))
            .collect();
        let total = self.changes.len();
        let plural = if total == 1 { "change" } else { "changes" };
        let wire = match self.wire_breaking() {
            0 => "none breaks the wire".to_string(),
            1 => "1 breaks the wire".to_string(),
            n => format!("{n} break the wire"),
        };
        // Received data that disappears without breaking a decoder still changes what old
        // integrations see: say so rather than let "none breaks the wire" stand alone.
        let silent = self.changes.iter().filter(|c| c.kind == Kind::FieldRemoved && c.wire == Wire::Compatible).count();
        let silent = match silent {
            0 => String::new(),
            1 => ", but 1 removes a received field that old integrations will silently read as absent".to_string(),
            n => format!(", but {n} remove received fields that old integrations will silently read as absent"),
        };
        format!("{lead} {verdict} {total} {plural}: {}; {wire}{silent}.", parts.join(", "))
    }

    fn groups(&self) -> Vec<(&str, Vec<&Change>)> {
        let mut groups: Vec<(&str, Vec<&Change>)> = Vec::new();
        for c in &self.changes {
            match groups.iter_mut().find(|(g, _)| *g == c.group) {
                Some((_, items)) => items.push(c),
                None => groups.push((&c.group, vec![c])),
            }
        }
        groups
    }

    /// A Markdown report for a pull request: the summary line, then a table per resource.
    pub fn to_markdown(&self) -> String {
        let mut out = self.summary(true);
        out.push('\n');
        for (group, items) in self.groups() {
            let _ = write!(out, "\n### `{group}`\n\n| Item | Change | Wire | Rust |\n|---|---|---|---|\n");
            for c in items {
                let mut change = c.change.clone();
                if let Some(note) = &c.note {
                    change.push_str(" — ");
                    change.push_str(note);
                }
                let wire =
                    if c.wire == Wire::Breaking { "**breaking**".to_string() } else { c.wire.as_str().to_string() };
                let rust = if c.rust == Bump::Major { "**major**".to_string() } else { c.rust.as_str().to_string() };
                let _ = writeln!(out, "| `{}` | {} | {wire} | {rust} |", c.subject, change.replace('|', "\\|"));
            }
        }
        out
    }

    /// A plain-text report for a terminal.
    pub fn to_text(&self) -> String {
        let mut out = self.summary(false);
        out.push('\n');
        for (group, items) in self.groups() {
            let _ = write!(out, "\n{group}\n");
            for c in items {
                let _ = writeln!(out, "  {:<5}  {:<10}  {}: {}", c.rust.as_str(), c.wire.as_str(), c.subject, c.change);
                if let Some(note) = &c.note {
                    let _ = writeln!(out, "{:21}note: {note}", "");
                }
            }
        }
        out
    }

    /// JSON for tools: versions, verdict, counts and every change.
    pub fn to_json(&self) -> String {
        let check = self.version_check();
        let (major, minor, patch) = self.counts();
        let changes: Vec<serde_json::Value> = self
            .changes
            .iter()
            .map(|c| {
                serde_json::json!({
                    "group": c.group,
                    "subject": c.subject,
                    "kind": c.kind.id(),
                    "change": c.change,
                    "note": c.note,
                    "wire": c.wire.as_str(),
                    "rust": c.rust.as_str(),
                })
            })
            .collect();
        let value = serde_json::json!({
            "summary": self.summary(false),
            "base_version": self.base_version,
            "head_version": self.head_version,
            "required_bump": check.required.map(Bump::as_str),
            "version_bump": check.made.map(Bump::as_str),
            "version_ok": check.ok,
            "blocking": check.blocking,
            "suggested_version": check.suggested,
            "counts": { "major": major, "minor": minor, "patch": patch, "wire_breaking": self.wire_breaking() },
            "changes": changes,
        });
        let mut text = serde_json::to_string_pretty(&value).expect("JSON values always serialize");
        text.push('\n');
        text
    }
}

/// The bump a diff requires, in the terms of the version numbers it moves: Cargo's semver
/// levels from 1.0 on; before 1.0 the number that changes, since `0.y.z` keeps breaking changes
/// in `y` and additions in `z` (a "minor" change there moves the patch number).
pub(super) fn bump_words(base_version: &str, required: Bump) -> String {
    let zero = super::version::parse_version(base_version).map(|[major, minor, _]| (major, minor));
    match (zero, required) {
        (Some((0, 0)), _) => "a new patch number is required (before 0.1 every release is a breaking one)".to_string(),
        (Some((0, _)), Bump::Major) => {
            "breaking changes: a new minor number is required (before 1.0 it is the breaking one)".to_string()
        }
        (Some((0, _)), Bump::Minor) => {
            "additions: a new patch number is required (before 1.0 it carries additions too)".to_string()
        }
        (Some((0, _)), Bump::Patch) => "fixes only: a new patch number is required".to_string(),
        (_, r) => format!("{} bump required", r.as_str()),
    }
}
