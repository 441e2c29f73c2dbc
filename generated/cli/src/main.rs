//! `ringg`: the Ringg AI API from a shell.
//!
//! Every endpoint of the spec is a command, `ringg <resource> <endpoint>`, generated into
//! `spec.rs`; this hand-written core parses, builds the client, prints and maps errors to exit
//! codes. Besides the endpoints: `webhooks trigger|listen`, `emulator`, `webcall snippet` and
//! `completions`.
//!
//! Exit codes: 0 success, 1 a local failure (a file could not be written), 2 bad usage or input,
//! 3 the API answered with an error, 4 network failure or timeout, 5 a response did not decode.

mod app;
mod output;
#[rustfmt::skip]
mod spec;
mod tools;
mod webhooks;

use std::process::ExitCode;

fn main() -> ExitCode {
    let matches = match app::command().try_get_matches() {
        Ok(m) => m,
        Err(e) => {
            // `--help` and `--version` are "errors" printed to stdout with success.
            let _ = e.print();
            return if e.use_stderr() { ExitCode::from(app::EXIT_USAGE) } else { ExitCode::SUCCESS };
        }
    };
    let runtime = match tokio::runtime::Builder::new_current_thread().enable_all().build() {
        Ok(r) => r,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(app::run(&matches)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(failure) => {
            eprintln!("error: {}", failure.message);
            ExitCode::from(failure.code)
        }
    }
}
