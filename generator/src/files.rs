//! The one piece of file access in the generator library: reading the generator's inputs for
//! callers (the xtask and tests). `load` and `emit` never touch the file system.
//!
//! The inputs are the spec (`spec/*.yaml`) and the hand-written runtime (`generator/runtime/*.rs`,
//! copied into the generated crate). Both are read when the caller runs, from the checkout it
//! names: nothing is embedded at compile time, because cargo may reuse a compiled generator for
//! another checkout that shares its target folder.

use std::path::Path;

use crate::SourceFile;

/// Where runtime files are named from: `generator/runtime/<file>`.
pub const RUNTIME_PREFIX: &str = "generator/runtime/";

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

/// Everything [`generate`](crate::generate) needs from a checkout at `root`: `spec/*.yaml` and
/// `generator/runtime/*.rs`.
pub fn read_inputs(root: &Path) -> Result<Vec<SourceFile>, String> {
    let mut files = read_spec_dir(&root.join("spec"))?;
    files.extend(read_runtime_dir(&root.join("generator/runtime"))?);
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
