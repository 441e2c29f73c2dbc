//! `ringg emulator`, `ringg webcall snippet` and `ringg completions`.

use std::io::Write as _;

use clap::{Arg, ArgMatches, Command};

use crate::failure::{Failure, write_stdout};
use crate::settings::EMULATOR_KEY;

/// `ringg emulator`.
pub(crate) fn emulator_command() -> Command {
    Command::new("emulator")
        .about("Run the local Ringg emulator on 127.0.0.1 (no calls are placed); stop with Ctrl-C")
        .long_about(
            "Run the local Ringg emulator on 127.0.0.1: agents, calls, campaigns and knowledge bases in memory, \
             calls moving through their states on the real clock, webhooks posted to subscribed URLs. \
             Then use `ringg --base-url http://127.0.0.1:PORT ...`: with a loopback base URL and no key \
             configured, the CLI sends the emulator's default key. The key it accepts is the global \
             --api-key when given, else the key's environment variable, else that default key.",
        )
        .arg(
            Arg::new("port")
                .long("port")
                .value_name("N")
                .default_value("8080")
                .value_parser(clap::value_parser!(u16))
                .help("Port on 127.0.0.1 (0 picks a free one)"),
        )
        .arg(
            Arg::new("speed")
                .long("speed")
                .value_name("FACTOR")
                .default_value("1")
                .value_parser(clap::value_parser!(f64))
                .help("Emulator seconds per real second"),
        )
        .arg(
            Arg::new("seed")
                .long("seed")
                .value_name("N")
                .value_parser(clap::value_parser!(u64))
                .help("Seed of the generated ids"),
        )
}

/// Runs the emulator; `flag_key` is the global `--api-key`, `key_env` the key's variable.
pub(crate) async fn emulator(m: &ArgMatches, flag_key: Option<&str>, key_env: &str) -> Result<(), Failure> {
    let port = m.get_one::<u16>("port").copied().unwrap_or(8080);
    let speed = m.get_one::<f64>("speed").copied().unwrap_or(1.0);
    if !(speed > 0.0 && speed.is_finite()) {
        return Err(Failure::usage("--speed: expected a positive number"));
    }
    // The emulator accepts the key the CLI would send: the configured one, which is never
    // printed, or the well-known emulator key.
    let (key, source) = match flag_key {
        Some(k) => (Some(k.to_string()), "--api-key".to_string()),
        None => (std::env::var(key_env).ok().filter(|k| !k.is_empty()), key_env.to_string()),
    };
    let mut builder = ringg_emulator::Emulator::builder()
        .port(port)
        .clock(ringg_emulator::Clock::Real { speed })
        .api_key(key.clone().unwrap_or_else(|| EMULATOR_KEY.to_string()));
    if let Some(&seed) = m.get_one::<u64>("seed") {
        builder = builder.seed(seed);
    }
    let emulator =
        builder.start().await.map_err(|e| Failure::local(format!("cannot listen on 127.0.0.1:{port}: {e}")))?;
    let addr = emulator.addr();
    let accepts = if key.is_some() {
        format!("it accepts the key given by {source}")
    } else {
        format!("it accepts the key `{EMULATOR_KEY}`, which the CLI sends to a loopback base URL by default")
    };
    // Whoever reads this may stop reading (a script that only wants the address): a closed
    // stdout must not stop the emulator.
    let mut out = std::io::stdout().lock();
    let _ = writeln!(
        out,
        "ringg emulator listening on http://{addr}\n  try: ringg --base-url http://{addr} workspace get\n  {accepts}\nPress Ctrl-C to stop."
    )
    .and_then(|()| out.flush());
    drop(out);
    let _ = tokio::signal::ctrl_c().await;
    Ok(())
}

/// `ringg webcall snippet`.
pub(crate) fn webcall_command() -> Command {
    Command::new("webcall").about("The browser widget for web calls").subcommand_required(true).subcommand(
        Command::new("snippet")
            .about("Print the HTML that embeds the widget for an agent")
            .long_about(
                "Print the HTML that embeds the widget for an agent. The widget authenticates with a workspace key \
                 that every visitor of the page can read; the snippet holds the placeholder YOUR_X_API_KEY, which you \
                 replace, and never the key this CLI is configured with.",
            )
            .arg(
                Arg::new("agent-id")
                    .long("agent-id")
                    .required(true)
                    .value_name("ID")
                    .help("The agent the widget talks to"),
            )
            .arg(
                Arg::new("widget-version")
                    .long("widget-version")
                    .value_name("VERSION")
                    .help("Pin the widget to a version (default: latest)"),
            ),
    )
}

/// What the snippet holds in place of a key.
const KEY_PLACEHOLDER: &str = "YOUR_X_API_KEY";

/// Prints the widget snippet.
pub(crate) fn webcall(m: &ArgMatches) -> Result<(), Failure> {
    let Some(("snippet", m)) = m.subcommand() else { return Err(Failure::usage("expected `ringg webcall snippet`")) };
    let agent = m.get_one::<String>("agent-id").cloned().unwrap_or_default();
    let options = ringg::types::WidgetOptions::new(ringg::types::AgentId::new(agent), KEY_PLACEHOLDER);
    let html = match m.get_one::<String>("widget-version") {
        Some(v) => options.embed_snippet_for_version(v),
        None => options.embed_snippet(),
    };
    write_stdout(html.as_bytes())
}

/// `ringg completions`.
pub(crate) fn completions_command() -> Command {
    Command::new("completions").about("Print a shell completion script").arg(
        Arg::new("shell")
            .required(true)
            .value_parser(["bash", "zsh", "fish"])
            .help("The shell; e.g. `ringg completions bash > ~/.local/share/bash-completion/completions/ringg`"),
    )
}

/// Writes the completion script of `root`.
pub(crate) fn completions(m: &ArgMatches, root: &mut Command) -> Result<(), Failure> {
    use clap_complete::Shell;
    let shell = match m.get_one::<String>("shell").map(String::as_str) {
        Some("bash") => Shell::Bash,
        Some("zsh") => Shell::Zsh,
        Some("fish") => Shell::Fish,
        _ => return Err(Failure::usage("expected bash, zsh or fish")),
    };
    let mut script = Vec::new();
    clap_complete::generate(shell, root, "ringg", &mut script);
    write_stdout(&script)
}
