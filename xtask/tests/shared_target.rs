//! Two copies of the repository sharing one target folder each regenerate their own tree.
//!
//! Cargo reuses build outputs across checkouts that share a target folder (git worktrees, a global
//! `CARGO_TARGET_DIR`) when their sources match, including build scripts and the xtask binary. So
//! every path the tools act on must be read at run time, never fixed at compile time. This test
//! copies the working tree twice, gives the second copy its own spec and runtime, and runs the
//! xtask in each against one target folder (kept under this workspace's target, so later runs
//! only rebuild what changed).

use std::path::{Path, PathBuf};
use std::process::Command;

/// Read when the test runs: cargo sets it for test processes.
fn repo_root() -> PathBuf {
    let dir = std::env::var_os("CARGO_MANIFEST_DIR").expect("cargo test sets CARGO_MANIFEST_DIR");
    Path::new(&dir).parent().expect("xtask sits below the repository root").to_path_buf()
}

/// This test binary's target folder (`<target>/debug/deps/<binary>`).
fn target_root() -> PathBuf {
    let exe = std::env::current_exe().expect("the test binary has a path");
    exe.ancestors().nth(3).expect("test binaries live in <target>/<profile>/deps").to_path_buf()
}

/// Copies every tracked and untracked, not ignored, file of the working tree to `to`.
fn copy_tree(from: &Path, to: &Path) {
    let listing = Command::new("git")
        .arg("-C")
        .arg(from)
        .args(["ls-files", "-z", "--cached", "--others", "--exclude-standard"])
        .output()
        .expect("git runs");
    assert!(listing.status.success(), "git ls-files: {}", String::from_utf8_lossy(&listing.stderr));
    for rel in listing.stdout.split(|b| *b == 0).filter(|p| !p.is_empty()) {
        let rel = std::str::from_utf8(rel).expect("paths are UTF-8");
        let src = from.join(rel);
        if !src.is_file() {
            continue; // deleted in the working tree, not yet committed
        }
        let dst = to.join(rel);
        std::fs::create_dir_all(dst.parent().unwrap()).unwrap();
        std::fs::copy(&src, &dst).unwrap_or_else(|e| panic!("copy {rel}: {e}"));
    }
}

/// `cargo xtask <args>` in `checkout` with the shared target folder: (success, stdout + stderr).
fn xtask(checkout: &Path, target: &Path, args: &[&str]) -> (bool, String) {
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let output = Command::new(cargo)
        .current_dir(checkout)
        .args(["run", "--offline", "--quiet", "--package", "xtask", "--"])
        .args(args)
        .env("CARGO_TARGET_DIR", target)
        .env_remove("CARGO_MANIFEST_DIR")
        .output()
        .expect("cargo runs");
    let text = format!("{}{}", String::from_utf8_lossy(&output.stdout), String::from_utf8_lossy(&output.stderr));
    (output.status.success(), text)
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

#[test]
fn each_checkout_regenerates_its_own_tree() {
    let root = repo_root();
    let scratch = target_root().join("tmp").join(format!("shared-checkouts-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&scratch);
    let (a, b, target) = (scratch.join("a"), scratch.join("b"), target_root().join("shared-checkouts-target"));
    copy_tree(&root, &a);
    copy_tree(&root, &b);

    let (ok, out) = xtask(&a, &target, &["codegen", "--check"]);
    assert!(ok, "copy a starts fresh:\n{out}");

    // Copy b gets its own spec.
    let api = b.join("spec/api.yaml");
    let text = read(&api);
    let version_line = text.lines().find(|l| l.trim_start().starts_with("version:")).expect("api.yaml has a version");
    std::fs::write(&api, text.replacen(version_line, "  version: 9.9.9", 1)).unwrap();

    let (ok, out) = xtask(&b, &target, &["codegen", "--check"]);
    assert!(!ok, "copy b's check must see its own spec:\n{out}");
    assert!(out.contains("stale: generated/Cargo.toml"), "{out}");

    let (ok, out) = xtask(&b, &target, &["codegen"]);
    assert!(ok, "{out}");
    assert!(read(&b.join("generated/Cargo.toml")).contains("version = \"9.9.9\""));

    // Copy a is untouched and still fresh, with the binaries copy b just used.
    assert!(!read(&a.join("generated/Cargo.toml")).contains("version = \"9.9.9\""));
    let (ok, out) = xtask(&a, &target, &["codegen", "--check"]);
    assert!(ok, "copy a must check its own tree:\n{out}");

    // Without copy a, copy b still builds and checks.
    std::fs::remove_dir_all(&a).unwrap();
    let (ok, out) = xtask(&b, &target, &["codegen", "--check"]);
    assert!(ok, "copy b alone:\n{out}");

    let _ = std::fs::remove_dir_all(&scratch);
}
