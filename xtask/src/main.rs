//! Maintainer tasks for the Ringg SDK. Run `cargo xtask help`.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

mod bench;
mod bench_cli;
#[cfg(feature = "client-bench")]
mod bench_client;
mod codegen;
mod spec_diff;

const HELP: &str = "\
cargo xtask <task>

Tasks:
  validate          check spec/ and print every problem, or a one-line summary
  codegen           regenerate generated/ and spec/schema.json from spec/ (writes changed files only)
  codegen --check   write nothing; fail with a diff when a generated file is stale
  spec-diff         classify every spec change for the wire and for Rust semver (merge base with main
                    vs working tree by default); `spec-diff --help` lists --base/--head/--format
  bench codegen     time generation of the spec and of 10x and 100x copies
                    (run optimised: cargo run --release -p xtask -- bench codegen)
  bench client      per-request overhead of the generated client against hand-written reqwest, and
                    page decode cost (cargo run --release -p xtask --features client-bench -- bench client)
  bench cli         start-up of the ringg binary, and `ringg workspace get` against the emulator
                    vs curl (cargo xtask bench cli; builds the binary with --release)
  openapi           regenerate only generated/openapi.yaml, the OpenAPI 3.0.3 export (codegen writes it too)
";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let result = match args.as_slice() {
        ["validate"] => validate(),
        ["codegen"] => codegen::run(&repo_root(), codegen::Mode::Write),
        ["codegen", "--check"] => codegen::run(&repo_root(), codegen::Mode::Check),
        ["spec-diff", "--help" | "-h"] => {
            print!("{}", spec_diff::USAGE);
            Ok(())
        }
        ["spec-diff", rest @ ..] => spec_diff::run(&repo_root(), rest),
        ["openapi"] => openapi(),
        ["bench", "codegen"] => bench::codegen(&repo_root()),
        ["bench", "cli"] => bench_cli::run(&repo_root()),
        #[cfg(feature = "client-bench")]
        ["bench", "client"] => bench_client::run(&repo_root()),
        #[cfg(not(feature = "client-bench"))]
        ["bench", "client"] => Err("bench client needs its feature: cargo run --release -p xtask --features client-bench -- bench client".into()),
        [] | ["help"] | ["--help"] | ["-h"] => {
            print!("{HELP}");
            Ok(())
        }
        other => Err(format!("unknown task `{}`\n\n{HELP}", other.join(" "))),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("{message}");
            ExitCode::FAILURE
        }
    }
}

/// The repository root, found from this crate's manifest, never from the current directory.
pub fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("xtask lives one level below the repository root")
        .to_path_buf()
}

/// Reads every `spec/*.yaml` file, in name order.
pub fn read_spec(root: &Path) -> Result<Vec<generator::SourceFile>, String> {
    generator::files::read_spec_dir(&root.join("spec"))
}

fn validate() -> Result<(), String> {
    let files = read_spec(&repo_root())?;
    let api = generator::load(&files).map_err(|d| d.to_string())?;
    println!("{}", generator::summary(&api));
    Ok(())
}

/// Writes `generated/openapi.yaml` alone, when it changed.
fn openapi() -> Result<(), String> {
    let root = repo_root();
    let files = read_spec(&root)?;
    let generated = generator::generate(&files).map_err(|d| d.to_string())?;
    let path = generator::emit::openapi::PATH;
    let file = generated
        .iter()
        .find(|f| f.path == path)
        .ok_or_else(|| format!("the generator produced no {path}"))?;
    if std::fs::read(root.join(path)).is_ok_and(|old| old == file.contents.as_bytes()) {
        println!("openapi: {path} is up to date");
        return Ok(());
    }
    codegen::write_file(&root, file)?;
    println!("openapi: wrote {path} ({} lines)", file.contents.lines().count());
    Ok(())
}
