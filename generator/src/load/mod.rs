//! Spec text to a validated IR: parse every file, lower, check, and gate.
//!
//! Nothing here reads the file system: callers pass the files in. A spec with any problem yields
//! every problem at once and no IR, so no emitter ever sees a half-valid spec.

mod conform;
mod lower;
mod parse;

pub(crate) use conform::conform;
pub use lower::ERROR_KINDS;

use crate::diag::{Diagnostic, Diagnostics};
use crate::ir::{Api, SourceInfo};

/// One spec file: its path relative to the repository (`spec/calling.yaml`) and its text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SourceFile {
    /// Path relative to the repository root.
    pub path: String,
    /// File contents.
    pub text: String,
}

/// FNV-1a, 64 bits: a stable content hash for generated-file headers (not for security).
pub fn content_hash(bytes: &[u8]) -> String {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in bytes {
        h ^= u64::from(*b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    format!("{h:016x}")
}

/// `1 type`, `3 types`.
fn count_of(n: usize, noun: &str) -> String {
    if n == 1 { format!("1 {noun}") } else { format!("{n} {noun}s") }
}

/// Loads, lowers and validates the spec. Files are processed in path order.
pub fn load(sources: &[SourceFile]) -> Result<Api, Diagnostics> {
    load_with(sources, true)
}

/// Loads an earlier revision of the spec to compare with ([`crate::diff`]): every rule is
/// checked except the examples', which a comparison never reads. A rule added to examples since
/// that revision (such as reporting every unknown key) therefore does not stop spec-diff or the
/// changelog from comparing with it.
pub fn load_for_comparison(sources: &[SourceFile]) -> Result<Api, Diagnostics> {
    load_with(sources, false)
}

fn load_with(sources: &[SourceFile], check_examples: bool) -> Result<Api, Diagnostics> {
    let mut sorted: Vec<&SourceFile> = sources.iter().collect();
    sorted.sort_by(|a, b| a.path.cmp(&b.path));
    let files: Vec<(String, String)> = sorted.iter().map(|s| (s.path.clone(), s.text.clone())).collect();

    let mut diags: Vec<Diagnostic> = Vec::new();
    let mut raws = Vec::new();
    let mut infos = Vec::new();
    for s in &sorted {
        let stem = s.path.rsplit('/').next().unwrap_or(&s.path).trim_end_matches(".yaml").trim_end_matches(".yml");
        let module = crate::ident::snake(stem);
        if module != stem || module.is_empty() {
            diags.push(Diagnostic {
                file: s.path.clone(),
                line: 0,
                column: 0,
                width: 1,
                path: "(file)".into(),
                message: format!("file name `{stem}` is not a snake_case module name"),
                hint: Some(format!("rename the file to `{}.yaml`", crate::ident::plain(&module))),
                source_line: None,
                note: false,
            });
        }
        infos.push(SourceInfo { path: s.path.clone(), module, hash: content_hash(s.text.as_bytes()) });
    }
    // Parsing is the costly part of loading and each file is independent.
    let parsed = crate::par::map(&sorted, |s| parse::parse_file(&s.path, &s.text));
    let mut unloaded = lower::Unloaded::default();
    for (i, result) in parsed.into_iter().enumerate() {
        match result {
            Ok(raw) => raws.push((i, raw)),
            Err(d) => {
                diags.push(*d);
                // The whole file is dropped: say so once, and keep the names it declares from
                // turning into "unknown type" errors elsewhere, with misleading hints.
                let declared = parse::declared(&sorted[i].text);
                let count = declared.types.len() + declared.resources.len();
                if count > 0 || declared.api {
                    diags.push(Diagnostic {
                        file: sorted[i].path.clone(),
                        line: 1,
                        column: 1,
                        width: 1,
                        path: "(file)".into(),
                        message: format!(
                            "nothing in {} was loaded because of the problem above: its {} and {} are not checked, and references to them elsewhere are not reported",
                            sorted[i].path,
                            count_of(declared.types.len(), "type"),
                            count_of(declared.resources.len(), "resource")
                        ),
                        hint: Some("fix the problem above and validate again: this file's own checks run then".into()),
                        source_line: parse::line_of(&sorted[i].text, 1),
                        note: true,
                    });
                }
                unloaded.types.extend(declared.types);
                unloaded.resources.extend(declared.resources);
                unloaded.api |= declared.api;
            }
        }
    }
    if sources.is_empty() {
        diags.push(Diagnostic {
            file: "spec/".into(),
            line: 0,
            column: 0,
            width: 1,
            path: "(spec)".into(),
            message: "no spec files".into(),
            hint: Some("put the API description in spec/*.yaml".into()),
            source_line: None,
            note: false,
        });
    }
    let mut ctx = lower::Ctx::new(&files);
    ctx.unloaded = unloaded;
    ctx.check_examples = check_examples;
    let api = lower::lower(&mut ctx, &raws, infos);
    diags.extend(ctx.diags);
    match api {
        Some(api) if diags.is_empty() => Ok(api),
        _ => Err(Diagnostics(diags)),
    }
}
