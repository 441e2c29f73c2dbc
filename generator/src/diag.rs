//! Diagnostics: every problem found in a spec, with its place, rendered the way rustc does.

use std::fmt;

/// One problem in the spec.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    /// Spec file, relative to the repository (`spec/calling.yaml`).
    pub file: String,
    /// 1-based line; 0 when the problem has no single place (a missing key in no file).
    pub line: u32,
    /// 1-based column, in characters.
    pub column: u32,
    /// Width of the underline, in characters (at least 1).
    pub width: u32,
    /// The spec path of the offending node (`resources.calling.endpoints.history.query.limit`).
    pub path: String,
    /// What is wrong.
    pub message: String,
    /// What to do about it.
    pub hint: Option<String>,
    /// The source line, for rendering.
    pub source_line: Option<String>,
    /// A note about other problems (what they kept from being checked), not a problem itself:
    /// rendered as `note:` and not counted.
    pub note: bool,
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "{}: {}", if self.note { "note" } else { "error" }, self.message)?;
        if self.line == 0 {
            writeln!(f, "  --> {}", self.file)?;
        } else {
            let number = self.line.to_string();
            let pad = " ".repeat(number.len());
            writeln!(f, "{pad}--> {}:{}:{}", self.file, self.line, self.column)?;
            if let Some(line) = &self.source_line {
                let line = line.trim_end();
                writeln!(f, "{pad} |")?;
                writeln!(f, "{number} | {line}")?;
                let before: String = line
                    .chars()
                    .take(self.column.saturating_sub(1) as usize)
                    .map(|c| if c == '\t' { '\t' } else { ' ' })
                    .collect();
                writeln!(f, "{pad} | {before}{}", "^".repeat(self.width.max(1) as usize))?;
            }
            write!(f, "{pad} = ")?;
            writeln!(f, "at: {}", self.path)?;
            if let Some(hint) = &self.hint {
                writeln!(f, "{pad} = help: {hint}")?;
            }
            return Ok(());
        }
        writeln!(f, "   = at: {}", self.path)?;
        if let Some(hint) = &self.hint {
            writeln!(f, "   = help: {hint}")?;
        }
        Ok(())
    }
}

/// Every problem found, in the order found (files in name order, top to bottom).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Diagnostics(pub Vec<Diagnostic>);

impl Diagnostics {
    /// True when nothing is wrong.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Number of problems, notes included.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Number of problems, notes left out.
    pub fn problems(&self) -> usize {
        self.0.iter().filter(|d| !d.note).count()
    }
}

impl fmt::Display for Diagnostics {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for d in &self.0 {
            writeln!(f, "{d}")?;
        }
        let n = self.problems();
        write!(f, "error: the spec has {n} problem{}", if n == 1 { "" } else { "s" })
    }
}

impl std::error::Error for Diagnostics {}

/// Levenshtein distance, for "did you mean" hints.
fn distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    let mut cur = vec![0; b.len() + 1];
    for (i, ca) in a.chars().enumerate() {
        cur[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let cost = usize::from(!ca.eq_ignore_ascii_case(cb));
            cur[j + 1] = (prev[j + 1] + 1).min(cur[j] + 1).min(prev[j] + cost);
        }
        std::mem::swap(&mut prev, &mut cur);
    }
    prev[b.len()]
}

/// The candidate closest to `wanted`, if it is close enough to be a likely typo.
pub fn closest<'a>(wanted: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    let len = wanted.chars().count();
    let limit = (len / 3).max(1);
    candidates
        .into_iter()
        // Lengths further apart than the limit cannot be within it; skipping them keeps a
        // megabyte-long name from costing a megabyte of work per candidate.
        .filter(|c| c.chars().count().abs_diff(len) <= limit)
        .map(|c| (distance(wanted, c), c))
        .filter(|(d, c)| *d <= limit || c.eq_ignore_ascii_case(wanted))
        .min_by(|a, b| a.0.cmp(&b.0).then(a.1.cmp(b.1)))
        .map(|(_, c)| c)
}

/// "did you mean `x`?" for the closest candidate, or a list of what is allowed.
pub fn did_you_mean<'a>(wanted: &str, candidates: impl IntoIterator<Item = &'a str> + Clone) -> Option<String> {
    closest(wanted, candidates).map(|c| format!("did you mean `{c}`?"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn closest_finds_typos_only() {
        let names = ["CallStatus", "CallType", "Workspace"];
        assert_eq!(closest("CallStatuz", names), Some("CallStatus"));
        assert_eq!(closest("callstatus", names), Some("CallStatus"));
        assert_eq!(closest("Banana", names), None);
    }
}
