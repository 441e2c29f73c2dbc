//! `ringg-emulator`: serves the emulator on a port for any HTTP client.
//!
//! ```text
//! cargo run -p ringg-emulator -- [--port 8080] [--key KEY] [--speed 60] [--seed 1] [--credits 3025] [--max-calls 10000]
//! ```
//! Without `--key` a key is generated and printed. Calls move on the real clock, `--speed`
//! emulator seconds per real second (default 1).

use std::process::ExitCode;

use ringg_emulator::{Clock, Emulator};

const USAGE: &str =
    "usage: ringg-emulator [--port N] [--key KEY] [--speed FACTOR] [--seed N] [--credits N] [--max-calls N]";

fn value<T: std::str::FromStr>(flag: &str, v: Option<String>) -> Result<T, String> {
    let v = v.ok_or_else(|| format!("{flag} needs a value\n{USAGE}"))?;
    v.parse().map_err(|_| format!("{flag}: `{v}` is not a valid value\n{USAGE}"))
}

fn parse() -> Result<ringg_emulator::EmulatorBuilder, String> {
    let mut b = Emulator::builder().port(8080).clock(Clock::Real { speed: 1.0 });
    let mut args = std::env::args().skip(1);
    while let Some(flag) = args.next() {
        b = match flag.as_str() {
            "--port" => b.port(value(&flag, args.next())?),
            "--key" => b.api_key(value::<String>(&flag, args.next())?),
            "--speed" => {
                let speed: f64 = value(&flag, args.next())?;
                if !(speed > 0.0 && speed.is_finite()) {
                    return Err(format!("--speed must be a positive number\n{USAGE}"));
                }
                b.clock(Clock::Real { speed })
            }
            "--seed" => b.seed(value(&flag, args.next())?),
            "--credits" => b.credits(value(&flag, args.next())?),
            "--max-calls" => b.max_calls(value(&flag, args.next())?),
            "-h" | "--help" => return Err(USAGE.into()),
            other => return Err(format!("unknown argument `{other}`\n{USAGE}")),
        };
    }
    Ok(b)
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
    println!("  X-API-KEY: {}", emulator.api_key());
    let from_spec = emulator.served_from_spec();
    if !from_spec.is_empty() {
        let names: Vec<&str> = from_spec.iter().map(|op| op.name()).collect();
        println!("  answered from the spec's examples (no behaviour yet): {}", names.join(", "));
    }
    println!("Press Ctrl-C to stop.");
    let _ = tokio::signal::ctrl_c().await;
    ExitCode::SUCCESS
}
