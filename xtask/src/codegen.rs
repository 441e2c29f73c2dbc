//! `cargo xtask codegen [--check]`: the only place that writes generated files.
//!
//! The generator returns every file in memory; this module compares them with the tree. In write
//! mode it writes the files whose contents changed and deletes generated files that the spec no
//! longer produces. In check mode it writes nothing, prints a unified diff per stale file and the
//! command that fixes it. The same check runs from a `#[test]`, so `cargo test` catches drift.

use std::collections::BTreeSet;
use std::fmt::Write as _;
use std::path::Path;

use generator::GeneratedFile;

/// What `run` does with differences.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// Write changed files, delete stale ones.
    Write,
    /// Write nothing; report differences as an error.
    Check,
}

/// Folders whose every file is generated: anything else in them is stale.
const OWNED_DIRS: &[&str] = &["generated"];

/// Files in those folders that other tasks write: the changelog is history, kept by
/// `cargo xtask changelog`, not output of the current spec.
const KEPT: &[&str] = &[crate::changelog::PATH];

/// Regenerates, or checks, every generated file.
pub fn run(root: &Path, mode: Mode) -> Result<(), String> {
    let files = generator::files::read_inputs(root)?;
    let generated = generator::generate(&files).map_err(|d| format!("{d}; nothing was written"))?;
    let report = compare(root, &generated)?;
    match mode {
        Mode::Check => {
            if report.is_clean() {
                println!("codegen: {} generated files are up to date", generated.len());
                Ok(())
            } else {
                Err(report.render())
            }
        }
        Mode::Write => {
            for file in &generated {
                if report.changed.contains(&file.path) || report.missing.contains(&file.path) {
                    write_file(root, file)?;
                }
            }
            for stale in &report.extra {
                let path = root.join(stale);
                std::fs::remove_file(&path).map_err(|e| format!("cannot remove {}: {e}", path.display()))?;
            }
            let touched = report.changed.len() + report.missing.len() + report.extra.len();
            if touched == 0 {
                println!("codegen: {} generated files are up to date", generated.len());
            } else {
                println!(
                    "codegen: updated {}, created {}, removed {} (of {} generated files)",
                    report.changed.len(),
                    report.missing.len(),
                    report.extra.len(),
                    generated.len()
                );
            }
            Ok(())
        }
    }
}

/// Writes one generated file below `root`, creating its folder.
pub fn write_file(root: &Path, file: &GeneratedFile) -> Result<(), String> {
    let path = root.join(&file.path);
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).map_err(|e| format!("cannot create {}: {e}", parent.display()))?;
    }
    std::fs::write(&path, &file.contents).map_err(|e| format!("cannot write {}: {e}", path.display()))
}

/// Differences between the generated files and the tree.
#[derive(Debug, Default)]
pub struct Report {
    /// Files whose contents differ, with a unified diff (tree to expected).
    pub changed_diffs: Vec<(String, String)>,
    /// Paths of changed files.
    pub changed: BTreeSet<String>,
    /// Changed files whose content no longer matches the hash in their header: edited by hand.
    pub edited: BTreeSet<String>,
    /// Files the generator produces that are not in the tree.
    pub missing: BTreeSet<String>,
    /// Files in generated folders that the generator no longer produces.
    pub extra: BTreeSet<String>,
}

impl Report {
    /// Nothing to do.
    pub fn is_clean(&self) -> bool {
        self.changed.is_empty() && self.missing.is_empty() && self.extra.is_empty()
    }

    /// The check-mode message: diffs, missing and extra files, and the fix.
    pub fn render(&self) -> String {
        let mut out = String::new();
        for (path, diff) in &self.changed_diffs {
            let why = if self.edited.contains(path) {
                "was edited by hand (its content no longer matches the hash in its header)"
            } else {
                "differs from what the spec generates"
            };
            let _ = writeln!(out, "stale: {path} {why}:\n{diff}");
        }
        for path in &self.missing {
            let _ = writeln!(out, "missing: {path} is generated from the spec but is not in the tree");
        }
        for path in &self.extra {
            let _ = writeln!(out, "extra: {path} should not be there (the spec does not generate it)");
        }
        let n = self.changed.len() + self.missing.len() + self.extra.len();
        let _ = write!(
            out,
            "error: {n} generated file{} out of date with spec/\n  fix: run `cargo xtask codegen` and commit the result (generated files are never edited by hand)",
            if n == 1 { " is" } else { "s are" }
        );
        out
    }
}

/// Compares generated files with the tree without writing anything.
pub fn compare(root: &Path, generated: &[GeneratedFile]) -> Result<Report, String> {
    let mut report = Report::default();
    let expected: BTreeSet<&str> = generated.iter().map(|f| f.path.as_str()).collect();
    for file in generated {
        let path = root.join(&file.path);
        match std::fs::read(&path) {
            Ok(actual) if actual == file.contents.as_bytes() => {}
            Ok(actual) => {
                let actual = String::from_utf8_lossy(&actual);
                let diff = similar::TextDiff::from_lines(actual.as_ref(), file.contents.as_str())
                    .unified_diff()
                    .context_radius(3)
                    .header(&format!("a/{}", file.path), &format!("b/{}", file.path))
                    .to_string();
                if generator::emit::seal_intact(&actual) == Some(false) {
                    report.edited.insert(file.path.clone());
                }
                report.changed_diffs.push((file.path.clone(), diff));
                report.changed.insert(file.path.clone());
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                report.missing.insert(file.path.clone());
            }
            Err(e) => return Err(format!("cannot read {}: {e}", path.display())),
        }
    }
    for dir in OWNED_DIRS {
        let mut stack = vec![root.join(dir)];
        while let Some(d) = stack.pop() {
            let Ok(entries) = std::fs::read_dir(&d) else { continue };
            for entry in entries.flatten() {
                let p = entry.path();
                if p.is_dir() {
                    stack.push(p);
                } else if let Ok(rel) = p.strip_prefix(root) {
                    let rel = rel.to_string_lossy().replace('\\', "/");
                    if !expected.contains(rel.as_str()) && !KEPT.contains(&rel.as_str()) {
                        report.extra.insert(rel);
                    }
                }
            }
        }
    }
    Ok(report)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn generate_real() -> Vec<GeneratedFile> {
        let files = generator::files::read_inputs(&crate::repo_root().unwrap()).expect("the inputs are readable");
        generator::generate(&files).unwrap_or_else(|d| panic!("{d}"))
    }

    /// The same check as `cargo xtask codegen --check`, so `cargo test` alone catches drift.
    /// The repository README's compile-only blocks are copies of the crate README's, which the
    /// crate compiles as doctests, so neither can drift.
    #[test]
    fn readme_examples_are_the_crate_readmes_doctests() {
        let root = crate::repo_root().unwrap();
        let read = |p: &str| std::fs::read_to_string(root.join(p)).unwrap();
        let (readme, crate_readme) = (read("README.md"), read("generated/README.md"));
        let blocks: Vec<&str> = readme.split("```rust,no_run\n").skip(1).filter_map(|b| b.split("```").next()).collect();
        assert!(!blocks.is_empty(), "README.md has no rust,no_run block");
        for block in blocks {
            assert!(crate_readme.contains(block), "not in generated/README.md, so not compiled:\n{block}");
        }
    }

    #[test]
    fn generated_files_are_fresh() {
        let report = compare(&crate::repo_root().unwrap(), &generate_real()).expect("the tree is readable");
        assert!(report.is_clean(), "{}", report.render());
    }

    /// A scratch folder with the generated files written out, removed on drop.
    struct Scratch(std::path::PathBuf);

    impl Scratch {
        fn new(name: &str, files: &[GeneratedFile]) -> Scratch {
            let dir = std::env::temp_dir().join(format!("ringg-codegen-{name}-{}", std::process::id()));
            let _ = std::fs::remove_dir_all(&dir);
            for f in files {
                let path = dir.join(&f.path);
                std::fs::create_dir_all(path.parent().unwrap()).unwrap();
                std::fs::write(path, &f.contents).unwrap();
            }
            Scratch(dir)
        }
    }

    impl Drop for Scratch {
        fn drop(&mut self) {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }

    #[test]
    fn a_hand_edit_is_reported_with_the_file_and_the_fix() {
        let files = generate_real();
        let scratch = Scratch::new("edit", &files);
        let lib = scratch.0.join("generated/src/lib.rs");
        let edited = std::fs::read_to_string(&lib).unwrap().replace("pub mod types;", "pub mod types; // tweak");
        std::fs::write(&lib, &edited).unwrap();
        std::fs::write(scratch.0.join("generated/src/stray.rs"), "// not generated\n").unwrap();
        std::fs::remove_file(scratch.0.join("generated/README.md")).unwrap();

        let report = compare(&scratch.0, &files).unwrap();
        let text = report.render();
        assert!(text.contains("stale: generated/src/lib.rs was edited by hand"), "{text}");
        assert!(text.contains("-pub mod types; // tweak\n+pub mod types;"), "{text}");
        assert!(text.contains("extra: generated/src/stray.rs should not be there"), "{text}");
        assert!(text.contains("missing: generated/README.md"), "{text}");
        assert!(text.contains("run `cargo xtask codegen`"), "{text}");
        // Check mode wrote nothing.
        assert_eq!(std::fs::read_to_string(&lib).unwrap(), edited);
        assert!(scratch.0.join("generated/src/stray.rs").exists());
    }

    #[test]
    fn a_bad_spec_writes_nothing() {
        let scratch = Scratch::new("bad", &[]);
        std::fs::create_dir_all(scratch.0.join("spec")).unwrap();
        std::fs::write(scratch.0.join("spec/api.yaml"), "api: [unclosed\n").unwrap();
        std::fs::create_dir_all(scratch.0.join("generator/runtime")).unwrap();
        std::fs::write(scratch.0.join("generator/runtime/lib.rs"), "//! A runtime.\n").unwrap();
        for core in ["emulator", "cli"] {
            std::fs::create_dir_all(scratch.0.join("generator").join(core).join("src")).unwrap();
            std::fs::write(scratch.0.join("generator").join(core).join("src/main.rs"), "fn main() {}\n").unwrap();
        }
        let err = run(&scratch.0, Mode::Write).unwrap_err();
        assert!(err.contains("spec/api.yaml:"), "{err}");
        assert!(err.contains("nothing was written"), "{err}");
        assert!(!scratch.0.join("generated").exists());
    }
}
