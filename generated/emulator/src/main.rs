//! `ringg-emulator`: serves the emulator on a port for any HTTP client.
//!
//! ```text
//! cargo run -p ringg-emulator -- [--port 8080] [--key KEY] [--clock manual|real] [--speed 60] [--seed 1] [--credits 3025] [--max-calls 10000] [--state FILE]
//! ```
//! Without `--key` it accepts the well-known key `ringg-emulator-key` ([`DEFAULT_KEY`]), or the
//! key saved in the `--state` file. With `--state FILE` the store is read from the file at start
//! (when it exists) and written to it on Ctrl-C and SIGTERM. Calls
//! move on the real clock, `--speed` emulator seconds per real second (default 1), or with
//! `--clock manual` only when a test moves it (`POST /__emulator/clock/advance`). The control
//! API is under `/__emulator/`.

use std::io::Write as _;
use std::process::ExitCode;

/// `println!` that ignores a closed stdout: the emulator outlives whoever read its banner.
macro_rules! say {
    ($($arg:tt)*) => {{
        let _ = writeln!(std::io::stdout(), $($arg)*);
    }};
}

use ringg_emulator::{Clock, DEFAULT_KEY, Emulator};

const USAGE: &str = "usage: ringg-emulator [--port N] [--key KEY] [--clock manual|real] [--speed FACTOR] [--seed N] [--credits N] [--max-calls N] [--state FILE]";

/// What the command line asked for besides the builder's settings.
struct Run {
    builder: ringg_emulator::EmulatorBuilder,
    state: Option<std::path::PathBuf>,
}

fn value<T: std::str::FromStr>(flag: &str, v: Option<String>) -> Result<T, String> {
    let v = v.ok_or_else(|| format!("{flag} needs a value\n{USAGE}"))?;
    v.parse().map_err(|_| format!("{flag}: `{v}` is not a valid value\n{USAGE}"))
}

fn parse() -> Result<Run, String> {
    let mut b = Emulator::builder().port(8080);
    let mut key = None;
    let mut state: Option<std::path::PathBuf> = None;
    let mut manual = false;
    let mut speed = None;
    let mut args = std::env::args().skip(1);
    while let Some(flag) = args.next() {
        b = match flag.as_str() {
            "--port" => b.port(value(&flag, args.next())?),
            "--key" => {
                key = Some(value::<String>(&flag, args.next())?);
                b
            }
            "--state" => {
                let path: String = value(&flag, args.next())?;
                state = Some(path.clone().into());
                b.state_file(path)
            }
            "--clock" => {
                manual = match value::<String>(&flag, args.next())?.as_str() {
                    "manual" => true,
                    "real" => false,
                    other => return Err(format!("--clock: `{other}` is not manual or real\n{USAGE}")),
                };
                b
            }
            "--speed" => {
                let s: f64 = value(&flag, args.next())?;
                if !(s > 0.0 && s.is_finite()) {
                    return Err(format!("--speed must be a positive number\n{USAGE}"));
                }
                speed = Some(s);
                b
            }
            "--seed" => b.seed(value(&flag, args.next())?),
            "--credits" => b.credits(value(&flag, args.next())?),
            "--max-calls" => b.max_calls(value(&flag, args.next())?),
            "-h" | "--help" => return Err(USAGE.into()),
            other => return Err(format!("unknown argument `{other}`\n{USAGE}")),
        };
    }
    // The key given, else the one a saved state holds, else the well-known one.
    b = match key {
        Some(key) => b.api_key(key),
        None if state.as_ref().is_some_and(|p| p.exists()) => b,
        None => b.api_key(DEFAULT_KEY),
    };
    let builder = match (manual, speed) {
        (true, Some(_)) => return Err(format!("--speed applies to the real clock, not to --clock manual\n{USAGE}")),
        (true, None) => b.clock(Clock::Manual),
        (false, speed) => b.clock(Clock::Real { speed: speed.unwrap_or(1.0) }),
    };
    Ok(Run { builder, state })
}

/// Resolves on Ctrl-C, or on SIGTERM where there are signals.
async fn stop_requested() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        if let Ok(mut term) = signal(SignalKind::terminate()) {
            tokio::select! {
                _ = tokio::signal::ctrl_c() => {}
                _ = term.recv() => {}
            }
            return;
        }
    }
    let _ = tokio::signal::ctrl_c().await;
}

#[tokio::main]
async fn main() -> ExitCode {
    let Run { builder, state } = match parse() {
        Ok(run) => run,
        Err(e) => {
            eprintln!("{e}");
            return ExitCode::from(2);
        }
    };
    let emulator = match builder.start().await {
        Ok(e) => e,
        Err(e) if e.kind() == std::io::ErrorKind::InvalidData => {
            eprintln!("ringg-emulator: cannot start from the state file: {e}");
            return ExitCode::FAILURE;
        }
        Err(e) => {
            eprintln!("ringg-emulator: cannot listen: {e}");
            return ExitCode::FAILURE;
        }
    };
    say!("ringg-emulator listening on http://{}", emulator.addr());
    say!("  base URL: {}", emulator.base_url());
    if let Some(stt) = emulator.url_for("stt") {
        say!("  speech-to-text base URL: {stt}");
    }
    let key = emulator.api_key();
    if key == DEFAULT_KEY {
        say!("  X-API-KEY: {key} (the default key)");
    } else {
        say!("  X-API-KEY: {key}");
    }
    let clock = match emulator.clock() {
        Clock::Manual => "manual (moved by POST /__emulator/clock/advance or /settle)".to_string(),
        Clock::Real { speed } => format!("real, {speed} emulator seconds per second"),
    };
    say!("  clock: {clock}");
    say!("  control API: http://{}/__emulator/ (document: /__emulator/openapi.yaml)", emulator.addr());
    let from_spec = emulator.served_from_spec();
    if !from_spec.is_empty() {
        let names: Vec<&str> = from_spec.iter().map(|op| op.name()).collect();
        say!("  answered from the spec's examples (no behaviour yet): {}", names.join(", "));
    }
    if let Some(path) = &state {
        say!("  state: {} (saved on Ctrl-C and SIGTERM)", path.display());
    }
    say!("Press Ctrl-C to stop.");
    stop_requested().await;
    if let Some(path) = &state {
        match emulator.save_state() {
            Ok(()) => say!("ringg-emulator: state saved to {}", path.display()),
            Err(e) => {
                eprintln!("ringg-emulator: cannot save the state to {}: {e}", path.display());
                return ExitCode::FAILURE;
            }
        }
    }
    ExitCode::SUCCESS
}
