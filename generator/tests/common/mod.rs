//! What the generator's integration tests share: where the crate is, and pinned expectations
//! that `UPDATE_EXPECT=1` rewrites.

#![allow(dead_code, reason = "each test binary uses the helpers it needs")]

use std::path::{Path, PathBuf};

/// The generator's folder, read when the test runs (cargo sets it), never fixed at compile time.
pub fn manifest_dir() -> PathBuf {
    std::env::var_os("CARGO_MANIFEST_DIR").map(PathBuf::from).expect("cargo test sets CARGO_MANIFEST_DIR")
}

/// Whether this run rewrites pinned expectations (`UPDATE_EXPECT=1`) instead of checking them.
pub fn updating() -> bool {
    std::env::var_os("UPDATE_EXPECT").is_some()
}

/// Checks `actual` against the pinned file at `path`, or rewrites the file when [`updating`].
/// `what` names the expectation in the failure.
pub fn pinned_file(path: &Path, actual: &str, what: &str) {
    if updating() {
        std::fs::write(path, actual).unwrap_or_else(|e| panic!("cannot write {}: {e}", path.display()));
        return;
    }
    let expected = std::fs::read_to_string(path)
        .unwrap_or_else(|e| panic!("cannot read {}: {e} (run with UPDATE_EXPECT=1)", path.display()));
    assert!(
        expected == actual,
        "{what} differs from {} (UPDATE_EXPECT=1 rewrites it, then review the diff):\n--- expected\n{expected}\n--- actual\n{actual}",
        path.display()
    );
}
