//! The one piece of file access in the generator library: reading the generator's inputs for
//! callers (the xtask and tests). `load` and `emit` never touch the file system.
//!
//! The inputs are the spec (`spec/*.yaml`) and the hand-written cores, copied into the generated
//! crates: the client runtime (`generator/runtime/*.rs`), the emulator's core
//! (`generator/emulator/**/*.rs`) and the CLI's core (`generator/cli/**/*.rs`). All are read when
//! the caller runs, from the checkout it names: nothing is embedded at compile time, because cargo
//! may reuse a compiled generator for another checkout that shares its target folder.

use std::path::Path;

use crate::SourceFile;

/// Where runtime files are named from: `generator/runtime/<file>`.
pub const RUNTIME_PREFIX: &str = "generator/runtime/";

/// Where the emulator's core files are named from: `generator/emulator/<relative path>`.
pub const EMULATOR_PREFIX: &str = "generator/emulator/";

/// Where the CLI's core files are named from: `generator/cli/<relative path>`.
pub const CLI_PREFIX: &str = "generator/cli/";

/// Whether an input is a hand-written core file rather than a spec file.
pub fn is_core_file(path: &str) -> bool {
    [RUNTIME_PREFIX, EMULATOR_PREFIX, CLI_PREFIX].iter().any(|p| path.starts_with(p))
}

/// Every `*.yaml` (or `*.yml`) file of `dir`, named `spec/<file>` as the loader expects, in
/// name order. An empty folder gives an empty list.
pub fn read_spec_dir(dir: &Path) -> Result<Vec<SourceFile>, String> {
    read_dir(dir, "spec/", |ext| ext == "yaml" || ext == "yml")
}

/// Every `*.rs` file of a runtime folder, named `generator/runtime/<file>`, in name order.
pub fn read_runtime_dir(dir: &Path) -> Result<Vec<SourceFile>, String> {
    let files = read_dir(dir, RUNTIME_PREFIX, |ext| ext == "rs")?;
    if files.is_empty() {
        return Err(format!("no runtime files (*.rs) in {}", dir.display()));
    }
    Ok(files)
}

/// Every `*.rs` file below a core folder (subfolders included), named `<prefix><relative path>`
/// with `/` separators, in name order. A core without files is an error.
pub fn read_core_tree(dir: &Path, prefix: &str) -> Result<Vec<SourceFile>, String> {
    fn walk(dir: &Path, rel: &str, prefix: &str, out: &mut Vec<SourceFile>) -> Result<(), String> {
        let entries = std::fs::read_dir(dir).map_err(|e| format!("cannot read {}: {e}", dir.display()))?;
        for entry in entries {
            let path = entry.map_err(|e| format!("cannot read {}: {e}", dir.display()))?.path();
            let name = path.file_name().and_then(|n| n.to_str()).unwrap_or_default().to_string();
            if path.is_dir() {
                walk(&path, &format!("{rel}{name}/"), prefix, out)?;
            } else if path.extension().is_some_and(|e| e == "rs") {
                let text = std::fs::read_to_string(&path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
                out.push(SourceFile { path: format!("{prefix}{rel}{name}"), text });
            }
        }
        Ok(())
    }
    let mut files = Vec::new();
    walk(dir, "", prefix, &mut files)?;
    if files.is_empty() {
        return Err(format!("no source files (*.rs) below {}", dir.display()));
    }
    files.sort_by(|a, b| a.path.cmp(&b.path));
    Ok(files)
}

/// Everything [`generate`](crate::generate) needs from a checkout at `root`: `spec/*.yaml`,
/// `generator/runtime/*.rs` and the emulator's and CLI's cores below `generator/emulator/` and
/// `generator/cli/`.
pub fn read_inputs(root: &Path) -> Result<Vec<SourceFile>, String> {
    let mut files = read_spec_dir(&root.join("spec"))?;
    files.extend(read_runtime_dir(&root.join("generator/runtime"))?);
    files.extend(read_core_tree(&root.join("generator/emulator"), EMULATOR_PREFIX)?);
    files.extend(read_core_tree(&root.join("generator/cli"), CLI_PREFIX)?);
    Ok(files)
}

fn read_dir(dir: &Path, prefix: &str, wanted: impl Fn(&str) -> bool) -> Result<Vec<SourceFile>, String> {
    let entries = std::fs::read_dir(dir).map_err(|e| format!("cannot read {}: {e}", dir.display()))?;
    let mut files = Vec::new();
    for entry in entries {
        let path = entry.map_err(|e| format!("cannot read {}: {e}", dir.display()))?.path();
        if path.extension().and_then(|e| e.to_str()).is_some_and(&wanted) {
            let text = std::fs::read_to_string(&path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
            let name = path.file_name().and_then(|n| n.to_str()).unwrap_or_default();
            files.push(SourceFile { path: format!("{prefix}{name}"), text });
        }
    }
    files.sort_by(|a, b| a.path.cmp(&b.path));
    Ok(files)
}
