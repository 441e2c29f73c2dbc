//! `ringg-emulator`: serves the emulator on a port for any HTTP client.
//!
//! ```text
//! cargo run -p ringg-emulator -- [--port 8080] [--key KEY] [--clock manual|real] [--speed 60] [--seed 1] [--credits 3025] [--max-calls 10000]
//! ```
//! Without `--key` it accepts the well-known key `ringg-emulator-key` ([`DEFAULT_KEY`]). Calls
//! move on the real clock, `--speed` emulator seconds per real second (default 1), or with
//! `--clock manual` only when a test moves it (`POST /__emulator/clock/advance`). The control
//! API is under `/__emulator/`.

use std::process::ExitCode;

use ringg_emulator::{Clock, DEFAULT_KEY, Emulator};

const USAGE: &str = "usage: ringg-emulator [--port N] [--key KEY] [--clock manual|real] [--speed FACTOR] [--seed N] [--credits N] [--max-calls N]";

fn value<T: std::str::FromStr>(flag: &str, v: Option<String>) -> Result<T, String> {
    let v = v.ok_or_else(|| format!("{flag} needs a value\n{USAGE}"))?;
    v.parse().map_err(|_| format!("{flag}: `{v}` is not a valid value\n{USAGE}"))
}

fn parse() -> Result<ringg_emulator::EmulatorBuilder, String> {
    let mut b = Emulator::builder().port(8080).api_key(DEFAULT_KEY);
    let mut manual = false;
    let mut speed = None;
    let mut args = std::env::args().skip(1);
    while let Some(flag) = args.next() {
        b = match flag.as_str() {
            "--port" => b.port(value(&flag, args.next())?),
            "--key" => b.api_key(value::<String>(&flag, args.next())?),
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
    match (manual, speed) {
        (true, Some(_)) => Err(format!("--speed applies to the real clock, not to --clock manual\n{USAGE}")),
        (true, None) => Ok(b.clock(Clock::Manual)),
        (false, speed) => Ok(b.clock(Clock::Real { speed: speed.unwrap_or(1.0) })),
    }
}

#[tokio::main]
async fn main() -> ExitCode {
    let builder = match parse() {
        Ok(b) => b,
        Err(e) => {
            eprintln!("{e}");
            return ExitCode::from(2);
        }
    };
    let emulator = match builder.start().await {
        Ok(e) => e,
        Err(e) => {
            eprintln!("ringg-emulator: cannot listen: {e}");
            return ExitCode::FAILURE;
        }
    };
    println!("ringg-emulator listening on http://{}", emulator.addr());
    println!("  base URL: {}", emulator.base_url());
    if let Some(stt) = emulator.url_for("stt") {
        println!("  speech-to-text base URL: {stt}");
    }
    let key = emulator.api_key();
    if key == DEFAULT_KEY {
        println!("  X-API-KEY: {key} (the default key)");
    } else {
        println!("  X-API-KEY: {key}");
    }
    let clock = match emulator.clock() {
        Clock::Manual => "manual (moved by POST /__emulator/clock/advance or /settle)".to_string(),
        Clock::Real { speed } => format!("real, {speed} emulator seconds per second"),
    };
    println!("  clock: {clock}");
    println!("  control API: http://{}/__emulator/ (document: /__emulator/openapi.yaml)", emulator.addr());
    let from_spec = emulator.served_from_spec();
    if !from_spec.is_empty() {
        let names: Vec<&str> = from_spec.iter().map(|op| op.name()).collect();
        println!("  answered from the spec's examples (no behaviour yet): {}", names.join(", "));
    }
    println!("Press Ctrl-C to stop.");
    let _ = tokio::signal::ctrl_c().await;
    ExitCode::SUCCESS
}
