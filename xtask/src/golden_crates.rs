//! `cargo xtask golden-crates`: every golden spec's crate compiles and passes its own tests.
//!
//! The golden cases under `generator/tests/golden/` pin the generator's output for constructs the
//! Ringg spec does not use. This task generates each case's whole crate (with the runtime), puts
//! them in one cargo workspace (`<target>/golden-crates/ws/`), and runs `cargo test` on all of
//! them: the emitted endpoint tests against the loopback server, the example round trips and the
//! doc examples, the runtime's included. The runtime's own tests are the same in every crate and run once, in
//! `generated/`. The build shares this workspace's target folder, so the client's dependencies
//! built for `generated/` are reused where their features agree.

use std::path::Path;
use std::process::Command;
use std::time::Instant;

/// `cargo xtask golden-crates`.
pub fn run(root: &Path) -> Result<(), String> {
    let started = Instant::now();
    let golden = root.join("generator/tests/golden");
    let target = crate::semver_probes::target_root()?;
    let work = target.join("golden-crates");
    let ws = work.join("ws");
    let _ = std::fs::remove_dir_all(&ws);
    let mut cases: Vec<String> = std::fs::read_dir(&golden)
        .map_err(|e| format!("cannot read {}: {e}", golden.display()))?
        .filter_map(|e| e.ok())
        .filter(|e| e.path().is_dir())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    cases.sort();
    let mut members = Vec::new();
    for case in &cases {
        let spec = generator::files::read_spec_dir(&golden.join(case).join("spec"))?;
        let api = generator::load(&spec).map_err(|d| format!("golden case {case} does not load:\n{d}"))?;
        let runtime = generator::files::read_runtime(root, &api.name)?;
        let package = format!("golden-{}", case.replace('_', "-"));
        crate::semver_probes::write_crate(&ws.join(case), &spec, &runtime, &package, Some(&api.name))?;
        members.push(format!("\"{case}\""));
    }
    std::fs::write(
        ws.join("Cargo.toml"),
        format!("[workspace]\nresolver = \"3\"\nmembers = [{}]\n", members.join(", ")),
    )
    .map_err(|e| e.to_string())?;
    std::fs::copy(root.join("Cargo.lock"), ws.join("Cargo.lock"))
        .map_err(|e| format!("cannot copy Cargo.lock: {e}"))?;
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let run = |args: &[&str]| {
        Command::new(&cargo)
            .current_dir(&ws)
            .args(args)
            .env("CARGO_TARGET_DIR", &target)
            .status()
            .map_err(|e| format!("cannot run cargo: {e}"))
    };
    // The runtime's own unit tests are the same in every crate and run once, in `generated/`;
    // its doc examples name the crate, so they run in each.
    let units = run(&[
        "test",
        "--workspace",
        "--lib",
        "--tests",
        "--no-fail-fast",
        "--offline",
        "--quiet",
        "--",
        "--skip",
        "runtime::",
    ])?;
    let docs = run(&["test", "--workspace", "--doc", "--no-fail-fast", "--offline", "--quiet"])?;
    let status = if units.success() { docs } else { units };
    let seconds = started.elapsed().as_secs_f64();
    if !status.success() {
        return Err(format!(
            "golden-crates: some golden crate does not build or fails its tests (see above; {seconds:.1}s)"
        ));
    }
    println!("golden-crates: {} golden crates build and pass their tests ({seconds:.1}s)", cases.len());
    Ok(())
}
