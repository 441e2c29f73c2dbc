//! `ringg emulator` (running one, and driving one through its control API), `ringg webcall
//! snippet` and `ringg completions`.

use std::io::Write as _;

use clap::{Arg, ArgAction, ArgMatches, Command};
use serde_json::{Value, json};

use crate::ctx::Cli;
use crate::failure::{Failure, write_stdout};
use crate::http::{Payload, Req};
use crate::json;
use crate::output::{self, Table};
use crate::settings::EMULATOR_KEY;

/// The control commands of `ringg emulator` and what each does.
const CONTROL: &[(&str, &str)] = &[
    ("status", "The emulator at a glance: clock, counts, credits, operations answered from the spec"),
    ("outcome", "How calls to a number (or, with --default, to every other number) end"),
    ("outcomes", "The outcomes staged per number and the default; --clear forgets them"),
    (
        "fault",
        "Make the next requests to an operation fail: rate-limited, status, stall, drop, reply-lost, reply-status, reply-stall",
    ),
    ("faults", "The faults waiting per operation; --clear drops them"),
    ("clock", "Emulator time and the clock's kind"),
    ("advance", "Move the manual clock forward (60s, 5m, 1h30m), applying every call transition and webhook due"),
    ("settle", "Run the manual clock until every call has settled and every webhook is delivered or given up"),
    ("calls", "Every stored call, oldest first, as call history shows it"),
    ("deliveries", "Webhook and callback deliveries: delivered (default), --failed or --all"),
    ("credits", "The workspace's credit balance; with N, set it"),
    ("reset", "Back to a fresh store: no calls, no deliveries, starting credits, nothing staged"),
    ("fixtures", "Create one of everything (agent, knowledge base, contact list, calls) and print the ids"),
];

/// The flags that start the emulator, on `ringg emulator` and `ringg emulator start`.
fn start_args(c: Command) -> Command {
    c.arg(
        Arg::new("port")
            .long("port")
            .value_name("N")
            .default_value("8080")
            .value_parser(clap::value_parser!(u16))
            .help("Port on 127.0.0.1 (0 picks a free one)"),
    )
    .arg(
        Arg::new("clock")
            .long("clock")
            .value_name("KIND")
            .value_parser(["real", "manual"])
            .default_value("real")
            .help("real: calls move with time (see --speed); manual: only `ringg emulator advance|settle` moves them"),
    )
    .arg(
        Arg::new("speed")
            .long("speed")
            .value_name("FACTOR")
            .value_parser(clap::value_parser!(f64))
            .help("Emulator seconds per real second on the real clock (default 1)"),
    )
    .arg(
        Arg::new("seed")
            .long("seed")
            .value_name("N")
            .value_parser(clap::value_parser!(u64))
            .help("Seed of the generated ids"),
    )
}

/// `ringg emulator`.
pub(crate) fn emulator_command() -> Command {
    let about = |name: &str| CONTROL.iter().find(|(n, _)| *n == name).map_or("", |(_, a)| *a);
    let sub = |name: &'static str| Command::new(name).about(about(name)).arg(crate::args::format_arg());
    let root = Command::new("emulator")
        .about("Run the local Ringg emulator on 127.0.0.1 (no calls are placed), and stage failures in it")
        .long_about(
            "Run the local Ringg emulator on 127.0.0.1: agents, calls, campaigns and knowledge bases in memory, \
             calls moving through their states on the clock, webhooks posted to subscribed URLs. \
             Then use `ringg --base-url http://127.0.0.1:PORT ...`: with a loopback base URL and no key \
             configured, the CLI sends the emulator's default key `ringg-emulator-key`. The key it accepts is the global \
             --api-key when given, else the key's environment variable, else that default key.\n\n\
             The other subcommands drive a running emulator through its control API (/__emulator/), with the same \
             --base-url, key and --output as every command, and print what it answered:\n  \
             ringg --base-url http://127.0.0.1:8080 emulator fault calling.initiate reply-lost\n  \
             ringg --base-url http://127.0.0.1:8080 emulator outcome +919876543210 failed\n  \
             ringg --base-url http://127.0.0.1:8080 emulator advance 5m   (needs --clock manual)",
        )
        .args_conflicts_with_subcommands(true)
        .subcommand(start_args(Command::new("start").about("Run the emulator (what `ringg emulator` alone does)")))
        .subcommand(sub("status"))
        .subcommand(
            sub("outcome")
                .arg(
                    Arg::new("values")
                        .num_args(1..=2)
                        .value_names(["NUMBER", "OUTCOME"])
                        .help("The callee number and completed, failed, retry or voicemail; with --default, the outcome only"),
                )
                .arg(
                    Arg::new("default")
                        .long("default")
                        .action(ArgAction::SetTrue)
                        .help("Set the outcome of calls to numbers without their own"),
                )
                .arg(
                    Arg::new("clear")
                        .long("clear")
                        .action(ArgAction::SetTrue)
                        .help("Forget the number's outcome (with --default: the default becomes completed)"),
                ),
        )
        .subcommand(sub("outcomes").arg(clear_arg("Forget every number's outcome; the default becomes completed")))
        .subcommand(
            sub("fault")
                .arg(Arg::new("operation").required(true).value_name("OPERATION").help(
                    "The operation, as the Rust client names it: calling.initiate, assistants.create, workspace.get, ...",
                ))
                .arg(Arg::new("kind").required(true).value_name("FAULT").value_parser([
                    "rate-limited",
                    "status",
                    "stall",
                    "drop",
                    "reply-lost",
                    "reply-status",
                    "reply-stall",
                ]).help("rate-limited, status, stall and drop act before the request is handled; reply-lost, reply-status and reply-stall after it took effect"))
                .arg(
                    Arg::new("times")
                        .long("times")
                        .value_name("N")
                        .value_parser(clap::value_parser!(u64))
                        .help("How many of the next requests meet it (default 1)"),
                )
                .arg(
                    Arg::new("status")
                        .long("status")
                        .value_name("CODE")
                        .value_parser(clap::value_parser!(u64))
                        .help("The status of a status or reply-status fault (400 to 599)"),
                )
                .arg(
                    Arg::new("retry-after")
                        .long("retry-after")
                        .value_name("SECONDS")
                        .value_parser(clap::value_parser!(u64))
                        .help("Retry-After of a rate-limited fault (default 1)"),
                )
                .arg(
                    Arg::new("stall")
                        .long("stall")
                        .value_name("DURATION")
                        .help("How long a stall or reply-stall fault waits: 40s, 2m, 250ms (at most 1h)"),
                ),
        )
        .subcommand(sub("faults").arg(clear_arg("Drop every waiting fault")))
        .subcommand(sub("clock"))
        .subcommand(
            sub("advance").arg(
                Arg::new("duration")
                    .required(true)
                    .value_name("DURATION")
                    .help("How far: 60s, 5m, 2h, 1d, 1h30m, or seconds (at most 30 days)"),
            ),
        )
        .subcommand(sub("settle"))
        .subcommand(sub("calls"))
        .subcommand(
            sub("deliveries")
                .arg(
                    Arg::new("failed")
                        .long("failed")
                        .action(ArgAction::SetTrue)
                        .conflicts_with("all")
                        .help("Deliveries that failed for good (every attempt used)"),
                )
                .arg(Arg::new("all").long("all").action(ArgAction::SetTrue).help("Delivered and failed ones")),
        )
        .subcommand(
            sub("credits").arg(
                Arg::new("credits")
                    .value_name("N")
                    .value_parser(clap::value_parser!(f64))
                    .help("Set the balance to N (0 makes calls answer 402)"),
            ),
        )
        .subcommand(sub("reset"))
        .subcommand(sub("fixtures"));
    start_args(root)
}

fn clear_arg(help: &'static str) -> Arg {
    Arg::new("clear").long("clear").action(ArgAction::SetTrue).help(help)
}

/// Runs the emulator; `flag_key` is the global `--api-key`, `key_env` the key's variable.
pub(crate) async fn emulator(m: &ArgMatches, flag_key: Option<&str>, key_env: &str) -> Result<(), Failure> {
    let port = m.get_one::<u16>("port").copied().unwrap_or(8080);
    let manual = m.get_one::<String>("clock").is_some_and(|c| c == "manual");
    let speed = m.get_one::<f64>("speed").copied();
    let clock = match (manual, speed) {
        (true, Some(_)) => return Err(Failure::usage("--speed applies to the real clock, not to --clock manual")),
        (true, None) => ringg_emulator::Clock::Manual,
        (false, Some(s)) if !(s > 0.0 && s.is_finite()) => {
            return Err(Failure::usage("--speed: expected a positive number"));
        }
        (false, speed) => ringg_emulator::Clock::Real { speed: speed.unwrap_or(1.0) },
    };
    // The emulator accepts the key the CLI would send: the configured one, which is never
    // printed, or the well-known emulator key.
    let (key, source) = match flag_key {
        Some(k) => (Some(k.to_string()), "--api-key".to_string()),
        None => (std::env::var(key_env).ok().filter(|k| !k.is_empty()), key_env.to_string()),
    };
    let mut builder = ringg_emulator::Emulator::builder()
        .port(port)
        .clock(clock)
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
    let clock = match clock {
        ringg_emulator::Clock::Manual => {
            format!("clock: manual; move it with `ringg --base-url http://{addr} emulator advance 60s` or `... settle`")
        }
        ringg_emulator::Clock::Real { speed } => format!("clock: real, {speed} emulator seconds per second"),
    };
    // Whoever reads this may stop reading (a script that only wants the address): a closed
    // stdout must not stop the emulator.
    let mut out = std::io::stdout().lock();
    let _ = writeln!(
        out,
        "ringg emulator listening on http://{addr}\n  try: ringg --base-url http://{addr} workspace get\n  {accepts}\n  {clock}\n  \
         control API: http://{addr}/__emulator/ (`ringg emulator --help` lists its commands)\nPress Ctrl-C to stop."
    )
    .and_then(|()| out.flush());
    drop(out);
    let _ = tokio::signal::ctrl_c().await;
    Ok(())
}

/// The control API's root for the configured base URL: the base URL without the API's own
/// path (`http://127.0.0.1:8080/ca/api/v0` gives `http://127.0.0.1:8080`).
fn control_root(cli: &Cli) -> Result<String, Failure> {
    let base = cli.settings.base("default")?;
    let spec_default = cli.api.bases.iter().find(|(_, _, f)| f.is_empty()).map_or("", |(_, u, _)| *u);
    if base.trim_end_matches('/') == spec_default.trim_end_matches('/') {
        return Err(Failure::usage(format!(
            "`ringg emulator` commands talk to an emulator, and the base URL is Ringg's own ({base}); pass \
             --base-url http://127.0.0.1:PORT (the address `ringg emulator` printed)"
        )));
    }
    let url = reqwest::Url::parse(base).map_err(|e| Failure::usage(format!("the base URL `{base}`: {e}")))?;
    let api_path =
        reqwest::Url::parse(spec_default).map(|u| u.path().trim_end_matches('/').to_string()).unwrap_or_default();
    let path = url.path().trim_end_matches('/');
    let prefix = path.strip_suffix(api_path.as_str()).filter(|_| !api_path.is_empty()).unwrap_or("");
    Ok(format!("{}{prefix}", url.origin().ascii_serialization()))
}

/// Runs a control subcommand `name` of `ringg emulator` and prints what the emulator answered.
pub(crate) async fn control(cli: &Cli, name: &str, m: &ArgMatches) -> Result<(), Failure> {
    let flag = |id: &str| m.try_get_one::<bool>(id).ok().flatten().copied().unwrap_or(false);
    let (method, path, body, safe): (&str, String, Option<Value>, bool) = match name {
        "status" => ("GET", "/".into(), None, true),
        "outcome" => {
            let values: Vec<&String> = m.get_many::<String>("values").into_iter().flatten().collect();
            let (target, outcome) = match (flag("default"), flag("clear"), values.as_slice()) {
                (true, true, []) => ("default".to_string(), None),
                (true, false, [outcome]) => ("default".to_string(), Some(outcome.to_string())),
                (false, true, [number]) => (number.to_string(), None),
                (false, false, [number, outcome]) => (number.to_string(), Some(outcome.to_string())),
                _ => {
                    return Err(Failure::usage(
                        "expected `ringg emulator outcome NUMBER OUTCOME`, `outcome --default OUTCOME`, \
                         `outcome NUMBER --clear` or `outcome --default --clear`",
                    ));
                }
            };
            let path = format!("/outcomes/{}", ringg::runtime::encode_segment(&target));
            match outcome {
                Some(o) => ("PUT", path, Some(json!({ "outcome": o })), true),
                None => ("DELETE", path, None, true),
            }
        }
        "outcomes" if flag("clear") => ("DELETE", "/outcomes".into(), None, true),
        "outcomes" => ("GET", "/outcomes".into(), None, true),
        "fault" => {
            let mut body = json!({
                "operation": m.get_one::<String>("operation").cloned().unwrap_or_default(),
                "fault": m.get_one::<String>("kind").cloned().unwrap_or_default(),
            });
            if let Some(n) = m.get_one::<u64>("times") {
                body["times"] = json!(n);
            }
            if let Some(code) = m.get_one::<u64>("status") {
                body["status"] = json!(code);
            }
            if let Some(secs) = m.get_one::<u64>("retry-after") {
                body["retry_after"] = json!(secs);
            }
            if let Some(d) = m.get_one::<String>("stall") {
                body["duration"] = json!(d);
            }
            // Staging twice would make two requests fail: never re-sent.
            ("POST", "/faults".into(), Some(body), false)
        }
        "faults" if flag("clear") => ("DELETE", "/faults".into(), None, true),
        "faults" => ("GET", "/faults".into(), None, true),
        "clock" => ("GET", "/clock".into(), None, true),
        "advance" => {
            let by = m.get_one::<String>("duration").cloned().unwrap_or_default();
            ("POST", "/clock/advance".into(), Some(json!({ "duration": by })), false)
        }
        "settle" => ("POST", "/clock/settle".into(), None, true),
        "calls" => ("GET", "/calls".into(), None, true),
        "deliveries" => {
            let status = if flag("all") {
                "all"
            } else if flag("failed") {
                "failed"
            } else {
                "delivered"
            };
            ("GET", format!("/deliveries?status={status}"), None, true)
        }
        "credits" => match m.get_one::<f64>("credits") {
            Some(&n) => ("PUT", "/credits".into(), Some(json!({ "credits": n })), true),
            None => ("GET", "/credits".into(), None, true),
        },
        "reset" => ("POST", "/reset".into(), None, true),
        "fixtures" => ("POST", "/fixtures".into(), None, false),
        other => return Err(Failure::usage(format!("unknown command `ringg emulator {other}`"))),
    };
    let url = format!("{}/__emulator{path}", control_root(cli)?);
    let req = Req {
        label: format!("ringg emulator {name}"),
        // Not an endpoint of the API; `--record` leaves it out.
        operation: None,
        method: reqwest::Method::from_bytes(method.as_bytes()).map_err(|e| Failure::local(e.to_string()))?,
        url: reqwest::Url::parse(&url).map_err(|e| Failure::usage(format!("cannot build the URL `{url}`: {e}")))?,
        payload: body.map_or(Payload::Empty, |b| Payload::Json(b.to_string().into_bytes())),
        safe,
        accept: "application/json",
    };
    let (_, bytes) = cli.settings.conn.fetch(&req).await?;
    let mut node = json::parse(&bytes).map_err(|e| {
        Failure::decode(format!(
            "{} answered with something that is not JSON ({e}); is the base URL an emulator?",
            req.label
        ))
    })?;
    node.scrub(cli.settings.conn.key());
    let table = match name {
        "calls" => Table { rows: &["calls"], columns: &["id", "to_number", "status", "sub_status", "created_at"] },
        "deliveries" => Table {
            rows: &["deliveries"],
            columns: &["event_type", "call_id", "url", "attempts", "status", "delivered", "error"],
        },
        "fault" | "faults" => {
            Table { rows: &["faults"], columns: &["operation", "fault", "times", "status", "retry_after", "ms"] }
        }
        _ => Table { rows: &[], columns: &[] },
    };
    write_stdout(output::render(&node, &cli.settings.style, &table).as_bytes())
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
