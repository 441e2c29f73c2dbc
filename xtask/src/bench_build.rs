//! `cargo xtask bench build`: what the generated crate costs to compile, against a baseline.
//!
//! For the working tree and for a baseline revision (`--baseline REV`, by default the merge base
//! with `main`, unpacked with `git archive` into a temporary folder) it times, in interleaved
//! rounds and with dependencies prebuilt, rebuilds of the `ringg` library alone (`check`, dev
//! `build`, `build --release`, each after its `src/lib.rs` is touched), and the release rebuild of
//! a consumer crate that calls every endpoint (emitted from the working tree's spec). Then it
//! counts the LLVM IR lines of the release library with `cargo llvm-lines` (installed here when
//! missing; CI never runs this bench) and lists the functions that produce the most.
//!
//! Timings on a shared machine are noisy, so the ratios come from rounds that alternate the two
//! sides; IR lines are deterministic and are the figure to track.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant, SystemTime};

pub const USAGE: &str = "\
cargo xtask bench build [--baseline REV] [--rounds N] [--top N]

Rebuild times of the generated crate alone (check, dev, release) and of a consumer crate calling
every endpoint (release), for the working tree and for REV (default: the merge base with main),
in N interleaved rounds (default 3); then release LLVM IR lines of `ringg`'s library from
`cargo llvm-lines` (installed when missing), with the top N functions (default 15). The consumer
is emitted from the working tree's spec; when it does not build against REV (an API change in
between), its row says so and the other rows are still timed.
";

#[derive(Debug)]
struct Options {
    baseline: Option<String>,
    rounds: usize,
    top: usize,
}

fn options(args: &[&str]) -> Result<Options, String> {
    let mut o = Options { baseline: None, rounds: 3, top: 15 };
    let mut it = args.iter();
    while let Some(arg) = it.next() {
        let mut value = || it.next().copied().ok_or_else(|| format!("`{arg}` needs a value\n\n{USAGE}"));
        match *arg {
            "--baseline" => o.baseline = Some(value()?.to_owned()),
            "--rounds" => o.rounds = value()?.parse().map_err(|_| format!("--rounds takes a number\n\n{USAGE}"))?,
            "--top" => o.top = value()?.parse().map_err(|_| format!("--top takes a number\n\n{USAGE}"))?,
            other => return Err(format!("unknown argument `{other}`\n\n{USAGE}")),
        }
    }
    if o.rounds == 0 {
        return Err("--rounds must be at least 1".into());
    }
    Ok(o)
}

/// One checkout to measure: its workspace root, the target folder, and its consumer crate.
struct Side {
    label: String,
    root: PathBuf,
    target: PathBuf,
    /// The consumer crate's folder, outside the side's workspace.
    consumer: PathBuf,
}

impl Side {
    fn consumer(&self) -> PathBuf {
        self.consumer.clone()
    }

    fn cargo(&self, dir: &Path, args: &[&str]) -> Command {
        let mut c = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()));
        c.args(args)
            .current_dir(dir)
            .env("CARGO_TARGET_DIR", &self.target)
            .env("CARGO_INCREMENTAL", "0")
            .env_remove("RUSTFLAGS");
        c
    }
}

/// What one timed step rebuilds: the file touched, and the cargo command run in `dir`.
#[derive(Clone, Copy)]
enum Step {
    Check,
    Dev,
    Release,
    ConsumerRelease,
}

impl Step {
    const ALL: [Step; 4] = [Step::Check, Step::Dev, Step::Release, Step::ConsumerRelease];

    fn label(self) -> &'static str {
        match self {
            Step::Check => "ringg check",
            Step::Dev => "ringg build (dev)",
            Step::Release => "ringg build --release",
            Step::ConsumerRelease => "consumer build --release",
        }
    }

    /// The file to touch, the folder to run in, and the cargo arguments.
    fn plan(self, side: &Side) -> (PathBuf, PathBuf, Vec<&'static str>) {
        let lib = side.root.join("generated/src/lib.rs");
        match self {
            Step::Check => (lib, side.root.clone(), vec!["check", "-q", "-p", "ringg", "--lib"]),
            Step::Dev => (lib, side.root.clone(), vec!["build", "-q", "-p", "ringg", "--lib"]),
            Step::Release => (lib, side.root.clone(), vec!["build", "-q", "--release", "-p", "ringg", "--lib"]),
            Step::ConsumerRelease => {
                let dir = side.consumer();
                (dir.join("src/lib.rs"), dir, vec!["build", "-q", "--release", "--lib"])
            }
        }
    }
}

pub fn run(root: &Path, args: &[&str]) -> Result<(), String> {
    let o = options(args)?;
    let rev = match &o.baseline {
        Some(rev) => rev.clone(),
        None => git(root, &["merge-base", "HEAD", "main"])?,
    };
    let short = git(root, &["rev-parse", "--short", &rev])?;
    let temp = std::env::temp_dir().join(format!("ringg-bench-build-{}", std::process::id()));
    let result = measure(root, &temp, &rev, &short, &o);
    // The baseline checkout and the consumer crates are scratch: always removed.
    let _ = std::fs::remove_dir_all(&temp);
    result
}

fn measure(root: &Path, temp: &Path, rev: &str, short: &str, o: &Options) -> Result<(), String> {
    let base_root = temp.join("baseline");
    std::fs::create_dir_all(&base_root).map_err(|e| format!("cannot create {}: {e}", base_root.display()))?;
    unpack(root, rev, &base_root)?;
    // One target folder for both sides, the workspace's own: the dependencies are built once and
    // most likely already. The two checkouts' `ringg` share artifacts (cargo names a workspace
    // member's by its path inside the workspace, the same in both, and judges freshness by file
    // times), so every timed step first touches the side's own `src/lib.rs`: each is a rebuild
    // of that side's code. The consumers are separate crates depending on each side by its own
    // path, so theirs are apart.
    let target = std::env::var_os("CARGO_TARGET_DIR").map_or_else(|| root.join("target"), PathBuf::from);
    let sides = [
        Side {
            label: format!("baseline {short}"),
            root: base_root,
            target: target.clone(),
            consumer: temp.join("consumer-baseline"),
        },
        Side {
            label: "working tree".into(),
            root: root.to_path_buf(),
            target,
            consumer: temp.join("consumer-working-tree"),
        },
    ];
    let consumer = consumer_source(root)?;
    for side in &sides {
        write_consumer(side, &consumer)?;
    }
    timed_rounds(&sides, o).and_then(|table| {
        println!("{table}");
        ir_lines(&sides, o.top)
    })
}

/// `git archive REV | tar -x`: the baseline's files, without touching this repository's worktrees.
fn unpack(root: &Path, rev: &str, into: &Path) -> Result<(), String> {
    let archive = Command::new("git")
        .args(["archive", "--format=tar", rev])
        .current_dir(root)
        .stdout(Stdio::piped())
        .spawn()
        .map_err(|e| format!("cannot run git archive: {e}"))?;
    let status = Command::new("tar")
        .arg("-x")
        .arg("-C")
        .arg(into)
        .stdin(archive.stdout.ok_or("git archive gave no output")?)
        .status()
        .map_err(|e| format!("cannot run tar: {e}"))?;
    if !status.success() {
        return Err(format!("unpacking {rev} failed (is it a revision of this repository?)"));
    }
    Ok(())
}

fn git(root: &Path, args: &[&str]) -> Result<String, String> {
    let out = Command::new("git").args(args).current_dir(root).output().map_err(|e| format!("cannot run git: {e}"))?;
    if !out.status.success() {
        return Err(format!("git {} failed: {}", args.join(" "), String::from_utf8_lossy(&out.stderr).trim()));
    }
    Ok(String::from_utf8_lossy(&out.stdout).trim().to_owned())
}

/// The consumer's `lib.rs`, from the working tree's spec. Both sides compile the same source.
fn consumer_source(root: &Path) -> Result<String, String> {
    let files = crate::read_spec(root)?;
    let api = generator::load(&files).map_err(|d| d.to_string())?;
    Ok(generator::emit::consumer(&api))
}

/// A crate of its own (an empty `[workspace]`) depending on the side's `generated/`, locked like
/// the side's workspace.
fn write_consumer(side: &Side, source: &str) -> Result<(), String> {
    let dir = side.consumer();
    let write = |path: PathBuf, text: &str| {
        std::fs::create_dir_all(path.parent().expect("has a parent"))
            .map_err(|e| format!("{}: {e}", path.display()))?;
        std::fs::write(&path, text).map_err(|e| format!("cannot write {}: {e}", path.display()))
    };
    let ringg = side.root.join("generated");
    let manifest = format!(
        "[package]\nname = \"ringg-bench-consumer\"\nversion = \"0.0.0\"\nedition = \"2024\"\npublish = false\n\n\
         [dependencies]\nringg = {{ path = {:?} }}\nserde_json = \"1\"\n\n[workspace]\n",
        ringg.display().to_string()
    );
    write(dir.join("Cargo.toml"), &manifest)?;
    write(dir.join("src/lib.rs"), source)?;
    let lock = side.root.join("Cargo.lock");
    std::fs::copy(&lock, dir.join("Cargo.lock")).map_err(|e| format!("cannot copy {}: {e}", lock.display()))?;
    Ok(())
}

fn touch(path: &Path) -> Result<(), String> {
    let file =
        std::fs::File::options().write(true).open(path).map_err(|e| format!("cannot touch {}: {e}", path.display()))?;
    file.set_modified(SystemTime::now()).map_err(|e| format!("cannot touch {}: {e}", path.display()))
}

fn run_step(side: &Side, step: Step) -> Result<Duration, String> {
    let (file, dir, args) = step.plan(side);
    touch(&file)?;
    let start = Instant::now();
    let out = side.cargo(&dir, &args).output().map_err(|e| format!("cannot run cargo: {e}"))?;
    let elapsed = start.elapsed();
    if !out.status.success() {
        return Err(format!(
            "{}: `cargo {}` failed in {}:\n{}",
            side.label,
            args.join(" "),
            dir.display(),
            String::from_utf8_lossy(&out.stderr)
        ));
    }
    Ok(elapsed)
}

fn timed_rounds(sides: &[Side; 2], o: &Options) -> Result<String, String> {
    eprintln!("bench build: prebuilding dependencies for both sides (untimed)");
    let mut steps = Step::ALL.to_vec();
    let mut notes = Vec::new();
    for (s, side) in sides.iter().enumerate() {
        for step in Step::ALL {
            match run_step(side, step) {
                Ok(_) => {}
                // The consumer is emitted from the working tree's spec: a baseline from before an
                // API change cannot build it, and the crate-alone rows still compare.
                Err(e) if s == 0 && matches!(step, Step::ConsumerRelease) => {
                    let first = e.lines().find(|l| l.starts_with("error")).unwrap_or("it does not compile");
                    notes.push(format!(
                        "  {:<26} not timed: the consumer, emitted from the working tree's spec, does not build against the {} ({first})",
                        step.label(),
                        side.label
                    ));
                    steps.retain(|k| !matches!(k, Step::ConsumerRelease));
                }
                Err(e) => return Err(e),
            }
        }
    }
    let mut samples = vec![[Vec::new(), Vec::new()]; steps.len()];
    for round in 0..o.rounds {
        eprintln!("bench build: round {} of {}", round + 1, o.rounds);
        for (k, &step) in steps.iter().enumerate() {
            // Alternate which side goes first, so neither always meets a warmer machine.
            let order = if (round + k) % 2 == 0 { [0, 1] } else { [1, 0] };
            for s in order {
                samples[k][s].push(run_step(&sides[s], step)?);
            }
        }
    }
    let mut out = String::new();
    let _ = writeln!(
        out,
        "bench build: rebuild of one crate after touching its src/lib.rs, CARGO_INCREMENTAL=0, median of {} interleaved rounds",
        o.rounds
    );
    let _ = writeln!(
        out,
        "  {:<26} {:>14} {:>14} {:>8}   samples (s): baseline | working tree",
        "", sides[0].label, sides[1].label, "ratio"
    );
    for (k, step) in steps.iter().enumerate() {
        let [a, b] = &samples[k];
        let (ma, mb) = (median(a), median(b));
        let list = |v: &[Duration]| v.iter().map(|d| format!("{:.2}", d.as_secs_f64())).collect::<Vec<_>>().join(" ");
        let _ = writeln!(
            out,
            "  {:<26} {:>13.2}s {:>13.2}s {:>7.2}x   {} | {}",
            step.label(),
            ma.as_secs_f64(),
            mb.as_secs_f64(),
            mb.as_secs_f64() / ma.as_secs_f64(),
            list(a),
            list(b)
        );
    }
    for note in notes {
        let _ = writeln!(out, "{note}");
    }
    Ok(out)
}

fn median(samples: &[Duration]) -> Duration {
    let mut v = samples.to_vec();
    v.sort();
    v[v.len() / 2]
}

/// `cargo llvm-lines --release -p ringg --lib` on both sides: the totals, and the top functions
/// of the working tree.
fn ir_lines(sides: &[Side; 2], top: usize) -> Result<(), String> {
    ensure_llvm_lines()?;
    let mut totals = Vec::new();
    let mut tables = Vec::new();
    for side in sides {
        eprintln!("bench build: cargo llvm-lines for the {}", side.label);
        let out = side
            .cargo(&side.root, &["llvm-lines", "--release", "-p", "ringg", "--lib"])
            .output()
            .map_err(|e| format!("cannot run cargo llvm-lines: {e}"))?;
        if !out.status.success() {
            return Err(format!("{}: cargo llvm-lines failed:\n{}", side.label, String::from_utf8_lossy(&out.stderr)));
        }
        let text = String::from_utf8_lossy(&out.stdout).into_owned();
        totals.push(
            total_lines(&text).ok_or_else(|| format!("{}: no (TOTAL) row in cargo llvm-lines output", side.label))?,
        );
        tables.push(text);
    }
    println!("bench build: release LLVM IR lines of the ringg library (cargo llvm-lines --release -p ringg --lib)");
    println!("  {:<26} {:>14} {:>14} {:>8}", "", sides[0].label, sides[1].label, "ratio");
    println!("  {:<26} {:>14} {:>14} {:>7.2}x", "TOTAL", totals[0], totals[1], totals[1] as f64 / totals[0] as f64);
    for (side, table) in sides.iter().zip(&tables) {
        println!("  top {top} functions, {}:", side.label);
        for line in table.lines().skip_while(|l| !l.contains("(TOTAL)")).skip(1).take(top) {
            println!("  {line}");
        }
    }
    Ok(())
}

/// The first number of the `(TOTAL)` row.
fn total_lines(table: &str) -> Option<u64> {
    let row = table.lines().find(|l| l.contains("(TOTAL)"))?;
    row.split_whitespace().next()?.parse().ok()
}

fn ensure_llvm_lines() -> Result<(), String> {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let present = Command::new(&cargo).args(["llvm-lines", "--version"]).output().is_ok_and(|o| o.status.success());
    if present {
        return Ok(());
    }
    eprintln!("bench build: installing cargo-llvm-lines (cargo install cargo-llvm-lines --locked)");
    let status = Command::new(&cargo)
        .args(["install", "cargo-llvm-lines", "--locked"])
        .status()
        .map_err(|e| format!("cannot run cargo install: {e}"))?;
    if !status.success() {
        return Err("installing cargo-llvm-lines failed; install it with `cargo install cargo-llvm-lines`".into());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn options_and_total_row() {
        let o = options(&["--baseline", "main", "--rounds", "5"]).unwrap();
        assert_eq!((o.baseline.as_deref(), o.rounds, o.top), (Some("main"), 5, 15));
        assert!(options(&["--rounds", "0"]).is_err());
        assert!(options(&["--baseline"]).unwrap_err().contains("needs a value"));
        assert!(options(&["--fast"]).unwrap_err().contains("unknown argument"));
        let table = "  Lines            Copies        Function name\n  -----            ------        -------------\n  544134           12001         (TOTAL)\n   17350 (3.2%,  3.2%)  1 (0.0%, 0.0%)  x::serialize\n";
        assert_eq!(total_lines(table), Some(544_134));
        assert_eq!(total_lines("nothing"), None);
    }

    #[test]
    fn the_consumer_calls_every_endpoint() {
        let root = crate::repo_root().unwrap();
        let source = consumer_source(&root).unwrap();
        let api = generator::load(&crate::read_spec(&root).unwrap()).unwrap();
        assert_eq!(source.matches("(client).await").count(), api.endpoint_count());
        assert!(!source.contains("crate::"), "the consumer lives outside the crate");
    }
}
