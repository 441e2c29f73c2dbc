//! Following one call: `ringg calling wait ID` (until it ends, or reaches `--until STATUS`),
//! `ringg calling transcript ID` (its utterances as text or JSON) and `ringg calling recording
//! ID` (its audio). All three read the call's details endpoint.

use std::io::IsTerminal as _;
use std::time::{Duration, Instant};

use clap::{Arg, ArgMatches, Command};

use crate::ctx::{Call, Cli};
use crate::failure::{Failure, write_stdout};
use crate::json::{self, Node};
use crate::output::{self, Format};

/// The resource these commands join.
pub(crate) const GROUP: &str = "calling";
/// The endpoint that shows one call.
const DETAILS: &str = "calling.details";
/// Statuses after which a call changes no more, and whether each is a success.
const FINAL: &[(&str, bool)] =
    &[("completed", true), ("forwarded", true), ("failed", false), ("error", false), ("cancelled", false)];

/// Adds `wait`, `transcript` and `recording` to the `calling` command.
pub(crate) fn extend(calling: Command) -> Command {
    let id = || {
        Arg::new("id")
            .required(true)
            .value_name("ID")
            .help("The call's id (from `ringg calling history` or the answer that placed it)")
    };
    let statuses: Vec<&str> =
        ["registered", "ongoing", "retry"].into_iter().chain(FINAL.iter().map(|(s, _)| *s)).collect();
    calling
        .subcommand(
            Command::new("wait")
                .about("Wait until a call ends (or reaches --until STATUS); exits 0 on success, 3 when the call failed")
                .long_about(
                    "Poll the call's details until it ends, printing each status change to stderr and the final \
                     details to stdout. Exits 0 when the call completed (or reached --until), 3 when it ended \
                     failed, error or cancelled, 4 when the global --timeout SECONDS (here: the whole wait, \
                     default 600) runs out.",
                )
                .arg(id())
                .arg(
                    Arg::new("until")
                        .long("until")
                        .value_name("STATUS")
                        .value_parser(statuses)
                        .help("Stop at this status instead of the end"),
                )
                .arg(
                    Arg::new("interval")
                        .long("interval")
                        .value_name("SECONDS")
                        .default_value("5")
                        .value_parser(clap::value_parser!(f64))
                        .help("Seconds between two looks"),
                )
                .arg(crate::args::format_arg()),
        )
        .subcommand(
            Command::new("transcript")
                .about("Print a call's utterances, one `speaker: text` line each, or as JSON")
                .arg(id())
                .arg(
                    Arg::new("output")
                        .long("output")
                        .short('o')
                        .value_name("FORMAT")
                        .value_parser(["text", "json", "yaml"])
                        .help("text (default): `bot: ...` lines; json or yaml: the turns as the API sent them"),
                ),
        )
        .subcommand(
            Command::new("recording")
                .about("Download a call's recording (valid for 24 hours after the call)")
                .long_about(
                    "Download a call's recording from the URL in its details. The recording's host is not Ringg's, \
                     so the key is not sent there.",
                )
                .arg(id())
                .arg(crate::args::output_file_arg()),
        )
}

/// Runs one of these commands; `None` for any other endpoint of the group.
pub(crate) async fn run(cli: &Cli, endpoint: &str, m: &ArgMatches) -> Option<Result<(), Failure>> {
    let id = m.try_get_one::<String>("id").ok().flatten().cloned().unwrap_or_default();
    Some(match endpoint {
        "wait" => wait(cli, &id, m).await,
        "transcript" => transcript(cli, &id, m).await,
        "recording" => recording(cli, &id, m).await,
        _ => return None,
    })
}

/// The call's details, as received and scrubbed.
async fn details(cli: &Cli, id: &str) -> Result<Node, Failure> {
    let route = crate::spec::ROUTES
        .iter()
        .find(|(name, _)| *name == DETAILS)
        .map(|(_, r)| *r)
        .ok_or_else(|| Failure::local("the spec has no call details endpoint"))?;
    let mut call = Call::new(route);
    call.set_query("id", id.to_string());
    let req = cli.request(&call)?;
    let (_, bytes) = cli.settings.conn.fetch(&req).await?;
    cli.check_type::<ringg::types::CallDetailsResponse>(&bytes, route.label);
    let mut node = json::parse(&bytes).map_err(|e| Failure::decode(format!("the call details are not JSON ({e})")))?;
    node.scrub(cli.settings.conn.key());
    Ok(node)
}

fn status_of(details: &Node) -> Option<&str> {
    details.at(&["data", "call_status"]).and_then(Node::as_str)
}

async fn wait(cli: &Cli, id: &str, m: &ArgMatches) -> Result<(), Failure> {
    let until = m.get_one::<String>("until").cloned();
    let interval = m.get_one::<f64>("interval").copied().unwrap_or(5.0);
    if !(interval > 0.0 && interval.is_finite() && interval < 86_400.0) {
        return Err(Failure::usage("--interval: expected a positive number of seconds"));
    }
    let limit = cli.settings.wait_limit.unwrap_or(Duration::from_secs(600));
    let started = Instant::now();
    let mut last: Option<String> = None;
    loop {
        let node = details(cli, id).await?;
        let status = status_of(&node).unwrap_or("").to_string();
        if last.as_deref() != Some(status.as_str()) {
            eprintln!("{id}: {}", if status.is_empty() { "(no status yet)" } else { status.as_str() });
            last = Some(status.clone());
        }
        let ended = FINAL.iter().find(|(s, _)| *s == status);
        if until.as_deref() == Some(status.as_str()) || (until.is_none() && ended.is_some_and(|(_, ok)| *ok)) {
            return write_stdout(
                output::render(&node, &cli.settings.style, &output::Table { rows: &[], columns: &[] }).as_bytes(),
            );
        }
        if let Some((s, _)) = ended {
            let _ = write_stdout(
                output::render(&node, &cli.settings.style, &output::Table { rows: &[], columns: &[] }).as_bytes(),
            );
            let wanted = until.map(|u| format!(" before reaching `{u}`")).unwrap_or_default();
            return Err(Failure::api(format!("the call ended `{s}`{wanted}")));
        }
        if started.elapsed() >= limit {
            return Err(Failure::network(format!(
                "the call is still `{status}` after {} s; raise the wait with --timeout SECONDS",
                limit.as_secs()
            )));
        }
        tokio::time::sleep(Duration::from_secs_f64(interval).min(limit.saturating_sub(started.elapsed()))).await;
    }
}

/// The turns of a transcript: a list, or a string holding a JSON list, or plain text.
fn turns(transcript: &Node) -> Result<Node, String> {
    match transcript {
        Node::Arr(_) => Ok(transcript.clone()),
        Node::Str(s) => match json::parse(s.as_bytes()) {
            Ok(list @ Node::Arr(_)) => Ok(list),
            _ => Ok(Node::Arr(vec![Node::Obj(vec![("text".into(), Node::Str(s.clone()))])])),
        },
        Node::Null => Ok(Node::Arr(Vec::new())),
        _ => Err("the transcript is neither a list of turns nor text".into()),
    }
}

/// `speaker: text` for one turn.
fn line(turn: &Node) -> String {
    let Node::Obj(members) = turn else { return turn.compact() };
    for speaker in ["bot", "user"] {
        if let Some(Node::Str(text)) = turn.get(speaker) {
            return format!("{speaker}: {text}");
        }
    }
    if let (Some(Node::Str(role)), Some(Node::Str(content))) = (turn.get("role"), turn.get("content")) {
        return format!("{role}: {content}");
    }
    if let Some(Node::Str(text)) = turn.get("text") {
        return text.clone();
    }
    members
        .iter()
        .map(|(k, v)| format!("{k}: {}", v.as_str().map_or_else(|| v.compact(), str::to_string)))
        .collect::<Vec<_>>()
        .join(", ")
}

async fn transcript(cli: &Cli, id: &str, m: &ArgMatches) -> Result<(), Failure> {
    let node = details(cli, id).await?;
    let transcript = node.at(&["data", "transcription_url"]).unwrap_or(&Node::Null);
    let turns = turns(transcript).map_err(Failure::decode)?;
    let format = m.get_one::<String>("output").map_or("text", String::as_str);
    let text = match format {
        "json" => output::render(
            &turns,
            &crate::output::Style { format: Format::Json, ..cli.settings.style },
            &output::Table { rows: &[], columns: &[] },
        ),
        "yaml" => output::yaml(&turns),
        _ => {
            let Node::Arr(items) = &turns else { return Ok(()) };
            items.iter().map(|t| format!("{}\n", line(t))).collect()
        }
    };
    write_stdout(text.as_bytes())
}

async fn recording(cli: &Cli, id: &str, m: &ArgMatches) -> Result<(), Failure> {
    let node = details(cli, id).await?;
    let url = node
        .at(&["data", "recording_url"])
        .and_then(Node::as_str)
        .filter(|u| !u.is_empty())
        .ok_or_else(|| Failure::api(format!("call {id} has no recording (yet)")))?
        .to_string();
    let target = m.get_one::<String>("output-file").cloned();
    if target.is_none() && std::io::stdout().is_terminal() {
        return Err(Failure::usage("a recording is audio: pass --output-file FILE, or redirect stdout"));
    }
    let parsed = reqwest::Url::parse(&url).map_err(|_| Failure::decode("the recording URL is not a URL"))?;
    if parsed.scheme() != "https" && !crate::settings::is_loopback(&url) {
        return Err(Failure::api("the recording URL is not https; not fetched"));
    }
    // No key: the recording lives on another host.
    let resp = cli
        .settings
        .conn
        .http()
        .get(parsed)
        .send()
        .await
        .map_err(|e| Failure::network(format!("cannot fetch the recording: {e}")))?;
    if !resp.status().is_success() {
        return Err(Failure::api(format!("the recording's host answered HTTP {}", resp.status().as_u16())));
    }
    let bytes = resp.bytes().await.map_err(|e| Failure::network(format!("reading the recording: {e}")))?;
    match target {
        Some(path) => {
            std::fs::write(&path, &bytes).map_err(|e| Failure::local(format!("cannot write `{path}`: {e}")))?;
            eprintln!("saved {} bytes to {path}", bytes.len());
            Ok(())
        }
        None => write_stdout(&bytes),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn transcripts_read_in_every_form() {
        let text = Node::Str(r#"[{"bot": "Hi"}, {"user": "Hello"}]"#.into());
        let Node::Arr(items) = turns(&text).unwrap() else { panic!() };
        assert_eq!(items.iter().map(line).collect::<Vec<_>>(), ["bot: Hi", "user: Hello"]);
        let plain = turns(&Node::Str("just words".into())).unwrap();
        assert_eq!(plain.compact(), r#"[{"text":"just words"}]"#);
        let role = json::parse(br#"{"role":"agent","content":"Hi"}"#).unwrap();
        assert_eq!(line(&role), "agent: Hi");
    }
}
