//! `ringg`: the Ringg AI API from a shell.
//!
//! Every endpoint of the spec is a command, `ringg <resource> <endpoint>`, generated into
//! `spec.rs`; the hand-written core parses, sends, prints what the API said and maps failures
//! to exit codes. Besides the endpoints: `api` (raw requests), `calling wait|transcript|recording`,
//! `webhooks trigger|listen`, `profile`, `emulator`, `webcall snippet` and `completions`.
//!
//! Exit codes: 0 success (also when the reader of stdout goes away), 1 a local failure (a file
//! could not be written), 2 bad usage or input, 3 the API answered with an error, 4 network
//! failure or timeout, 5 a response that is not JSON.

mod api;
mod app;
mod args;
mod ctx;
mod failure;
mod follow;
mod http;
mod json;
mod output;
mod profile;
mod record;
mod schema;
mod settings;
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
            return if e.use_stderr() { ExitCode::from(failure::EXIT_USAGE) } else { ExitCode::SUCCESS };
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
        Err(failure) if failure.is_quiet() => ExitCode::SUCCESS,
        Err(failure) => {
            eprintln!("error: {}", failure.message);
            ExitCode::from(failure.code)
        }
    }
}
