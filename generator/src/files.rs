//! The one piece of file access in the generator library: reading a folder of spec files for
//! callers (the xtask and tests). `load` and `emit` never touch the file system.

use std::path::Path;

use crate::SourceFile;

/// Every `*.yaml` (or `*.yml`) file of `dir`, named `spec/<file>` as the loader expects, in
/// name order. An empty folder gives an empty list.
pub fn read_spec_dir(dir: &Path) -> Result<Vec<SourceFile>, String> {
    let entries = std::fs::read_dir(dir).map_err(|e| format!("cannot read {}: {e}", dir.display()))?;
    let mut files = Vec::new();
    for entry in entries {
        let path = entry.map_err(|e| format!("cannot read {}: {e}", dir.display()))?.path();
        if path.extension().is_some_and(|e| e == "yaml" || e == "yml") {
            let text = std::fs::read_to_string(&path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
            let name = path.file_name().and_then(|n| n.to_str()).unwrap_or_default();
            files.push(SourceFile { path: format!("spec/{name}"), text });
        }
    }
    files.sort_by(|a, b| a.path.cmp(&b.path));
    Ok(files)
}
