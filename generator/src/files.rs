//! The one piece of file access in the generator library: reading files for callers (the xtask
//! and tests). `load` and `emit` never touch the file system.
//!
//! The generator's input is the spec (`spec/*.yaml`). The hand-written runtime lives where it
//! compiles, in the generated crate (`generated/src/runtime/`); callers that build another crate
//! from another spec (golden crates, semver probes) copy it with [`read_runtime`]. Everything is
//! read when the caller runs, from the checkout it names: nothing is embedded at compile time,
//! because cargo may reuse a compiled generator for another checkout that shares its target
//! folder.

use std::path::Path;

use crate::SourceFile;

/// Where the hand-written runtime lives, relative to the repository root.
pub const RUNTIME_DIR: &str = "generated/src/runtime";

/// The crate name the runtime's doc examples write; [`read_runtime`] puts another crate's name
/// in its place.
const RUNTIME_CRATE: &str = "ringg::";

/// Every `*.yaml` (or `*.yml`) file of `dir`, named `spec/<file>` as the loader expects, in
/// name order. An empty folder gives an empty list.
pub fn read_spec_dir(dir: &Path) -> Result<Vec<SourceFile>, String> {
    read_dir(dir, "spec/", |ext| ext == "yaml" || ext == "yml")
}

/// The hand-written runtime of the checkout at `root`, for a crate named `krate`: every `*.rs`
/// file of [`RUNTIME_DIR`], named `src/runtime/<file>`, with the doc examples' crate name
/// replaced by `krate`, in name order.
pub fn read_runtime(root: &Path, krate: &str) -> Result<Vec<SourceFile>, String> {
    let dir = root.join(RUNTIME_DIR);
    let mut files = read_dir(&dir, "src/runtime/", |ext| ext == "rs")?;
    if files.is_empty() {
        return Err(format!("no runtime files (*.rs) in {}", dir.display()));
    }
    for f in &mut files {
        f.text = f.text.replace(RUNTIME_CRATE, &format!("{krate}::"));
    }
    Ok(files)
}

/// Everything [`generate`](crate::generate) needs from a checkout at `root`: `spec/*.yaml`.
pub fn read_inputs(root: &Path) -> Result<Vec<SourceFile>, String> {
    read_spec_dir(&root.join("spec"))
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
