//! `cargo xtask bench cli`: start-up of the `ringg` binary (`ringg --help`), and
//! `ringg workspace get` against a local emulator compared with `curl` making the same request,
//! measured in the same run, interleaved, as medians. The target is at most 1.5x curl's wall time.
//!
//! It builds the binary optimised (`cargo build --release -p ringg-cli`) and runs the emulator
//! with `ringg emulator --port 0`. Shared machines are noisy: read the ratio, not the times.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// Runs per measurement.
const RUNS: usize = 40;
/// The target: `ringg workspace get` within this many times curl's wall time.
const TARGET_RATIO: f64 = 1.5;
/// The key `ringg emulator` accepts when none is configured; the CLI sends it to loopback URLs.
const EMULATOR_KEY: &str = "ringg-emulator-key";

pub fn run(root: &Path) -> Result<(), String> {
    let binary = build(root)?;
    let url_path = workspace_get_path(root)?;

    let help = time(RUNS, || status(Command::new(&binary).arg("--help")))?;
    println!(
        "ringg --help (start-up)            median {:>8.2} ms   min {:>8.2} ms",
        ms(median(&help)),
        ms(min(&help))
    );

    let mut emulator = Emulator::start(&binary)?;
    let base = emulator.address.clone();
    let ringg =
        || status(Command::new(&binary).args(["--base-url", &base, "workspace", "get"]).env_remove("RINGG_API_KEY"));
    let url = format!("{base}{url_path}");
    let header = format!("X-API-KEY: {EMULATOR_KEY}");
    let curl = || status(Command::new("curl").args(["-sS", "--fail", "-o", "/dev/null", "-H", &header, &url]));
    if curl().is_err() {
        emulator.stop();
        return Err("curl is not installed or could not reach the emulator; the comparison needs it".into());
    }
    ringg()?;
    // Interleaved, so both see the same machine load.
    let (mut ours, mut theirs) = (Vec::with_capacity(RUNS), Vec::with_capacity(RUNS));
    for _ in 0..RUNS {
        ours.extend(time(1, ringg)?);
        theirs.extend(time(1, curl)?);
    }
    emulator.stop();
    let ratio = median(&ours).as_secs_f64() / median(&theirs).as_secs_f64();
    println!(
        "ringg workspace get (emulator)     median {:>8.2} ms   min {:>8.2} ms",
        ms(median(&ours)),
        ms(min(&ours))
    );
    println!(
        "curl, the same request             median {:>8.2} ms   min {:>8.2} ms",
        ms(median(&theirs)),
        ms(min(&theirs))
    );
    let verdict = if ratio <= TARGET_RATIO { "within" } else { "OVER" };
    println!("ratio ringg / curl: {ratio:.2}x ({verdict} the {TARGET_RATIO}x target; {RUNS} runs each, interleaved)");
    Ok(())
}

/// Builds the binary optimised and returns its path, as cargo reports it.
fn build(root: &Path) -> Result<PathBuf, String> {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let out = Command::new(cargo)
        .current_dir(root)
        .args(["build", "--release", "-p", "ringg-cli", "--message-format=json-render-diagnostics"])
        .stderr(Stdio::inherit())
        .output()
        .map_err(|e| format!("cannot run cargo: {e}"))?;
    if !out.status.success() {
        return Err("cargo build --release -p ringg-cli failed".into());
    }
    let text = String::from_utf8_lossy(&out.stdout);
    text.lines()
        .filter(|l| {
            l.contains(r#""reason":"compiler-artifact""#)
                && l.contains(r#""name":"ringg""#)
                && l.contains(r#""kind":["bin"]"#)
        })
        .find_map(|l| {
            let at = l.find(r#""executable":""#)? + r#""executable":""#.len();
            let end = l[at..].find('"')?;
            Some(PathBuf::from(&l[at..at + end]))
        })
        .ok_or_else(|| "cargo did not report the ringg binary".into())
}

/// The path of `workspace.get` below the emulator's address, from the spec.
fn workspace_get_path(root: &Path) -> Result<String, String> {
    let files = generator::files::read_spec_dir(&root.join("spec")).map_err(|e| e.to_string())?;
    let api = generator::load(&files).map_err(|d| d.to_string())?;
    let base = api.base_urls.iter().find(|b| b.name == "default").ok_or("the spec has no default base URL")?;
    let after_scheme = base.url.split_once("://").map_or(base.url.as_str(), |(_, r)| r);
    let base_path = after_scheme.find('/').map_or("", |i| &after_scheme[i..]);
    let endpoint = api
        .resources
        .iter()
        .find(|r| r.name == "workspace")
        .and_then(|r| r.endpoints.iter().find(|e| e.name == "get"))
        .ok_or("the spec has no workspace.get")?;
    Ok(format!("{}{}", base_path.trim_end_matches('/'), endpoint.path))
}

fn status(command: &mut Command) -> Result<(), String> {
    let status = command.stdout(Stdio::null()).stderr(Stdio::null()).status().map_err(|e| e.to_string())?;
    if status.success() { Ok(()) } else { Err(format!("{command:?} failed: {status}")) }
}

fn time(runs: usize, mut f: impl FnMut() -> Result<(), String>) -> Result<Vec<Duration>, String> {
    (0..runs)
        .map(|_| {
            let t = Instant::now();
            f()?;
            Ok(t.elapsed())
        })
        .collect()
}

fn median(d: &[Duration]) -> Duration {
    let mut v = d.to_vec();
    v.sort_unstable();
    v[v.len() / 2]
}

fn min(d: &[Duration]) -> Duration {
    d.iter().copied().min().unwrap_or_default()
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

/// `ringg emulator --port 0`, stopped by [`Emulator::stop`] or when dropped.
struct Emulator {
    child: Child,
    address: String,
}

impl Emulator {
    fn start(binary: &Path) -> Result<Emulator, String> {
        let mut child = Command::new(binary)
            .args(["emulator", "--port", "0"])
            .env_remove("RINGG_API_KEY")
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .map_err(|e| format!("cannot start the emulator: {e}"))?;
        let stdout = child.stdout.take().ok_or("no stdout")?;
        let mut line = String::new();
        BufReader::new(stdout).read_line(&mut line).map_err(|e| e.to_string())?;
        let mut emulator = Emulator { child, address: String::new() };
        let at = line.find("http://").ok_or_else(|| format!("the emulator printed no address: {line}"))?;
        emulator.address = line[at..].trim().to_string();
        Ok(emulator)
    }

    fn stop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for Emulator {
    fn drop(&mut self) {
        self.stop();
    }
}
