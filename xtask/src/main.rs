//! Maintainer tasks for the Ringg SDK. Run `cargo xtask help`.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

mod bench;
mod bench_build;
mod bench_cli;
#[cfg(feature = "client-bench")]
mod bench_client;
#[cfg(feature = "client-bench")]
#[allow(dead_code, reason = "the hand-written client's types are decoded, not read")]
mod bench_client_types;
#[cfg(feature = "emulator-bench")]
mod bench_emulator;
mod changelog;
mod codegen;
mod drift;
mod golden_crates;
mod semver_probes;
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
  bench build       rebuild times (check, dev, release) of the generated crate and of a consumer calling
                    every endpoint, against a baseline revision, and release LLVM IR lines;
                    `bench build --help` lists --baseline/--rounds/--top
  bench client      per-request overhead of the generated client against hand-written reqwest, and
                    page decode cost (cargo run --release -p xtask --features client-bench -- bench client)
  changelog         write the api.version section of generated/CHANGELOG.md from the spec diff since the
                    previous release tag; `--check` verifies it, `--base REV` picks the base
  golden-crates     build every golden spec's crate and run its own tests (endpoint tests, examples, docs)
  semver-probes     prove spec-diff's Rust verdicts: for one spec change per rule, compile a probe of the
                    old crate's public API against the new crate (cargo check, shared target folder)
  bench emulator    start time, throughput and latency against a trivial handler, and a whole call
                    lifecycle (cargo run --release -p xtask --features emulator-bench -- bench emulator)
  bench cli         start-up of the ringg binary, and `ringg workspace get` against the emulator
                    vs curl (cargo xtask bench cli; builds the binary with --release)
  drift FILE...     check recorded responses and webhook deliveries (NDJSON from `ringg --record`, or
                    .har files) against the spec; report drift as text, markdown or json, exit 1 when
                    found; `--patch` writes a proposed spec change; `drift --help` lists the options
  bench drift       read 100 MB of generated recordings through drift, in process, and print MB/s
                    (run optimised: cargo run --release -p xtask -- bench drift)
  openapi           regenerate only generated/openapi.yaml, the OpenAPI 3.0.3 export (codegen writes it too)
";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let result = match args.as_slice() {
        ["validate"] => validate(),
        ["codegen"] => repo_root().and_then(|root| codegen::run(&root, codegen::Mode::Write)),
        ["codegen", "--check"] => repo_root().and_then(|root| codegen::run(&root, codegen::Mode::Check)),
        ["spec-diff", "--help" | "-h"] => {
            print!("{}", spec_diff::USAGE);
            Ok(())
        }
        ["spec-diff", rest @ ..] => match repo_root().and_then(|root| spec_diff::run(&root, rest)) {
            Ok(spec_diff::Verdict::Ok) => Ok(()),
            Ok(spec_diff::Verdict::BumpNeeded(message)) => {
                eprintln!("{message}");
                return ExitCode::from(spec_diff::EXIT_BUMP_NEEDED);
            }
            Err(e) => Err(e),
        },
        ["drift", "--help" | "-h"] => {
            print!("{}", drift::USAGE);
            Ok(())
        }
        ["drift", rest @ ..] => match repo_root().and_then(|root| drift::run(&root, rest)) {
            Ok(drift::Outcome::Clean) => Ok(()),
            Ok(drift::Outcome::Drift) => return ExitCode::from(1),
            Err(e) => {
                eprintln!("{e}");
                return ExitCode::from(2);
            }
        },
        ["changelog", "--help" | "-h"] => {
            print!("{}", changelog::USAGE);
            Ok(())
        }
        ["changelog", rest @ ..] => repo_root().and_then(|root| changelog::run(&root, rest)),
        ["openapi"] => openapi(),
        ["golden-crates"] => repo_root().and_then(|root| golden_crates::run(&root)),
        ["semver-probes"] => repo_root().and_then(|root| semver_probes::run(&root)),
        ["bench", "codegen"] => repo_root().and_then(|root| bench::codegen(&root)),
        ["bench", "drift"] => repo_root().and_then(|root| bench::drift(&root)),
        ["bench", "cli"] => repo_root().and_then(|root| bench_cli::run(&root)),
        ["bench", "build", "--help" | "-h"] => {
            print!("{}", bench_build::USAGE);
            Ok(())
        }
        ["bench", "build", rest @ ..] => repo_root().and_then(|root| bench_build::run(&root, rest)),
        #[cfg(feature = "client-bench")]
        ["bench", "client"] => repo_root().and_then(|root| bench_client::run(&root)),
        #[cfg(not(feature = "client-bench"))]
        ["bench", "client"] => Err("bench client needs its feature: cargo run --release -p xtask --features client-bench -- bench client".into()),
        #[cfg(feature = "emulator-bench")]
        ["bench", "emulator"] => bench_emulator::run(),
        #[cfg(not(feature = "emulator-bench"))]
        ["bench", "emulator"] => Err("bench emulator needs its feature: cargo run --release -p xtask --features emulator-bench -- bench emulator".into()),
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

/// The repository root: the parent of this crate's manifest directory, read at run time from the
/// `CARGO_MANIFEST_DIR` that `cargo run` (and so `cargo xtask`) and `cargo test` set. Never the
/// current directory, and never a path fixed at compile time: with a target folder shared by two
/// checkouts, cargo may run a binary built in one checkout for the other.
pub fn repo_root() -> Result<PathBuf, String> {
    let dir = std::env::var_os("CARGO_MANIFEST_DIR")
        .ok_or("CARGO_MANIFEST_DIR is not set: run the tasks through cargo, as `cargo xtask <task>`")?;
    Path::new(&dir)
        .parent()
        .map(Path::to_path_buf)
        .ok_or_else(|| format!("CARGO_MANIFEST_DIR ({}) has no parent folder", Path::new(&dir).display()))
}

/// Reads every `spec/*.yaml` file, in name order.
pub fn read_spec(root: &Path) -> Result<Vec<generator::SourceFile>, String> {
    generator::files::read_spec_dir(&root.join("spec"))
}

fn validate() -> Result<(), String> {
    let files = read_spec(&repo_root()?)?;
    let api = generator::load(&files).map_err(|d| d.to_string())?;
    for warning in generator::warnings(&api) {
        eprintln!("{warning}");
    }
    println!("{}", generator::summary(&api));
    Ok(())
}

/// Writes `generated/openapi.yaml` alone, when it changed.
fn openapi() -> Result<(), String> {
    let root = repo_root()?;
    let files = generator::files::read_inputs(&root)?;
    let generated = generator::generate(&files).map_err(|d| d.to_string())?;
    let path = generator::emit::openapi::PATH;
    let file = generated.iter().find(|f| f.path == path).ok_or_else(|| format!("the generator produced no {path}"))?;
    if std::fs::read(root.join(path)).is_ok_and(|old| old == file.contents.as_bytes()) {
        println!("openapi: {path} is up to date");
        return Ok(());
    }
    codegen::write_file(&root, file)?;
    println!("openapi: wrote {path} ({} lines)", file.contents.lines().count());
    Ok(())
}
