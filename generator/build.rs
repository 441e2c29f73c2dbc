//! Embeds every file of `runtime/`, `emulator/` and `cli/` into the generator, so a new hand-written
//! file can never be forgotten by the emitter and the generator core needs no file access at
//! run time.

use std::fmt::Write as _;
use std::path::Path;

fn main() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let out_dir = std::env::var("OUT_DIR").expect("cargo sets OUT_DIR");
    embed(&root.join("runtime"), "RUNTIME_FILES", "runtime/", &Path::new(&out_dir).join("runtime_files.rs"));
    embed(&root.join("emulator"), "EMULATOR_FILES", "emulator/", &Path::new(&out_dir).join("emulator_files.rs"));
    embed(&root.join("cli"), "CLI_FILES", "cli/", &Path::new(&out_dir).join("cli_files.rs"));
}

/// Writes `const NAME: &[(&str, &str)]`: every `.rs` file below `dir` by its relative path.
fn embed(dir: &Path, name: &str, label: &str, dest: &Path) {
    println!("cargo::rerun-if-changed={}", dir.display());
    let mut names = Vec::new();
    collect(dir, "", &mut names);
    names.sort();
    let mut out = format!("/// Every file of `generator/{label}`, by relative path.\npub(crate) const {name}: &[(&str, &str)] = &[\n");
    for rel in &names {
        let path = dir.join(rel);
        println!("cargo::rerun-if-changed={}", path.display());
        let _ = writeln!(out, "    ({rel:?}, include_str!({:?})),", path.display().to_string());
    }
    out.push_str("];\n");
    std::fs::write(dest, out).expect("OUT_DIR is writable");
}

fn collect(dir: &Path, prefix: &str, out: &mut Vec<String>) {
    let Ok(entries) = std::fs::read_dir(dir) else { return };
    for e in entries.filter_map(|e| e.ok()) {
        let name = e.file_name().to_string_lossy().into_owned();
        let rel = format!("{prefix}{name}");
        if e.path().is_dir() {
            println!("cargo::rerun-if-changed={}", e.path().display());
            collect(&e.path(), &format!("{rel}/"), out);
        } else if name.ends_with(".rs") {
            out.push(rel);
        }
    }
}
