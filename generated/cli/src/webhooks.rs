//! `ringg webhooks trigger` posts an event's example payload (or a per-call status callback)
//! to a handler, http or https, with `--override field=value`; `ringg webhooks listen`
//! receives deliveries on 127.0.0.1 and prints each one (path, query, headers with secrets
//! redacted, the event decoded with `ringg::webhooks::Event`, unknown events raw), can insist
//! on a header (`--require-header`) and can forward each delivery to a local handler
//! (`--forward-to`, as the Stripe CLI does).

use std::io::Write as _;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use clap::{Arg, ArgAction, ArgMatches, Command};
use http_body_util::{BodyExt, Full, Limited};
use hyper_util::rt::TokioIo;
use serde_json::{Map, Value, json};

use crate::failure::Failure;
use crate::http::{plain_client, redact_header};
use crate::record::{Exchange, Recorder};
use crate::spec;

/// How long `trigger` and a forward wait for the handler, connection included.
const HANDLER_TIMEOUT: Duration = Duration::from_secs(30);
/// Largest event `listen` reads.
const MAX_EVENT: usize = 16 * 1024 * 1024;
/// Longest a connection to `listen` may stay open.
const CONNECTION_LIMIT: Duration = Duration::from_secs(60);
/// The pseudo-event of a per-call status callback.
const CALLBACK: &str = "callback";

/// `ringg webhooks ...`.
pub(crate) fn command() -> Command {
    let mut events: Vec<&'static str> = spec::WEBHOOK_EVENTS.iter().map(|(tag, _)| *tag).collect();
    events.push(CALLBACK);
    Command::new("webhooks")
        .about("Fire sample webhook events at a handler, or receive, show and forward deliveries")
        .subcommand_required(true)
        .subcommand(
            Command::new("trigger")
                .about("POST the spec's example payload of an event (or a call status callback) to a handler and print its answer")
                .arg(Arg::new("event").required(true).value_name("EVENT").value_parser(events).help("The event type; `callback` is a per-call status callback"))
                .arg(Arg::new("to").long("to").required(true).value_name("URL").help("The handler, an https:// URL or http:// on any host"))
                .arg(
                    Arg::new("header")
                        .long("header")
                        .short('H')
                        .value_name("K:V")
                        .action(ArgAction::Append)
                        .help("A header to send, such as a shared secret (repeatable)"),
                )
                .arg(
                    Arg::new("override")
                        .long("override")
                        .value_name("FIELD=VALUE")
                        .action(ArgAction::Append)
                        .help("Set a field of the payload (dotted path, such as data.status); VALUE is JSON or text (repeatable)"),
                ),
        )
        .subcommand(
            Command::new("listen")
                .about("Receive webhook events and per-call status callbacks on 127.0.0.1 and print each, one JSON line per delivery")
                .arg(
                    Arg::new("port")
                        .long("port")
                        .value_name("N")
                        .default_value("8787")
                        .value_parser(clap::value_parser!(u16))
                        .help("Port on 127.0.0.1 (0 picks a free one)"),
                )
                .arg(
                    Arg::new("count")
                        .long("count")
                        .value_name("N")
                        .value_parser(clap::value_parser!(u64).range(1..))
                        .help("Stop after this many deliveries"),
                )
                .arg(
                    Arg::new("forward-to")
                        .long("forward-to")
                        .value_name("URL")
                        .help("Also POST each delivery (body and headers) to this handler and answer with its status"),
                )
                .arg(
                    Arg::new("require-header")
                        .long("require-header")
                        .value_name("NAME:VALUE")
                        .action(ArgAction::Append)
                        .help("Refuse deliveries (401) without this header and value, as a handler checking a secret does (repeatable)"),
                ),
        )
}

/// Runs `ringg webhooks ...`.
pub(crate) async fn run(m: &ArgMatches, verbosity: u8) -> Result<(), Failure> {
    match m.subcommand() {
        Some(("trigger", m)) => trigger(m, verbosity).await,
        Some(("listen", m)) => listen(m).await,
        _ => Err(Failure::usage("expected `ringg webhooks trigger` or `ringg webhooks listen`")),
    }
}

/// The example payload of an event, as JSON text.
fn example(event: &str) -> Option<&'static str> {
    if event == CALLBACK {
        return Some(spec::CALLBACK_EXAMPLE);
    }
    spec::WEBHOOK_EVENTS.iter().find(|(tag, _)| *tag == event).map(|(_, payload)| *payload)
}

/// `NAME:VALUE` pairs.
fn header_pairs(m: &ArgMatches, id: &str) -> Result<Vec<(String, String)>, Failure> {
    m.get_many::<String>(id)
        .into_iter()
        .flatten()
        .map(|h| {
            h.split_once(':')
                .filter(|(k, _)| !k.trim().is_empty())
                .map(|(k, v)| (k.trim().to_string(), v.trim().to_string()))
                .ok_or_else(|| Failure::usage(format!("--{id}: expected NAME:VALUE")))
        })
        .collect()
}

/// Sets `path` (dotted) in `payload` to `value` (JSON, else text).
fn apply_override(payload: &mut Value, spec: &str) -> Result<(), Failure> {
    let (path, text) = spec
        .split_once('=')
        .filter(|(p, _)| !p.is_empty())
        .ok_or_else(|| Failure::usage(format!("--override `{spec}`: expected FIELD=VALUE")))?;
    let value = serde_json::from_str(text).unwrap_or_else(|_| Value::String(text.to_string()));
    let mut at = payload;
    let steps: Vec<&str> = path.split('.').collect();
    for (i, step) in steps.iter().enumerate() {
        let Value::Object(members) = at else {
            return Err(Failure::usage(format!("--override {path}: `{}` is not an object", steps[..i].join("."))));
        };
        if i + 1 == steps.len() {
            members.insert((*step).to_string(), value);
            return Ok(());
        }
        at = members.entry((*step).to_string()).or_insert_with(|| Value::Object(Map::new()));
    }
    Ok(())
}

/// A handler URL: https anywhere, http anywhere (webhook handlers hold no API key).
fn handler_url(flag: &str, url: &str) -> Result<reqwest::Url, Failure> {
    let parsed = reqwest::Url::parse(url)
        .map_err(|e| Failure::usage(format!("{flag} `{url}`: {e}; use http://HOST:PORT/PATH or https://...")))?;
    if !matches!(parsed.scheme(), "http" | "https") || parsed.host_str().is_none_or(str::is_empty) {
        return Err(Failure::usage(format!("{flag} `{url}`: expected an http:// or https:// URL with a host")));
    }
    Ok(parsed)
}

async fn trigger(m: &ArgMatches, verbosity: u8) -> Result<(), Failure> {
    let event = m.get_one::<String>("event").map(String::as_str).unwrap_or_default();
    let text = example(event).ok_or_else(|| Failure::usage(format!("unknown event `{event}`")))?;
    let mut payload: Value =
        serde_json::from_str(text).map_err(|e| Failure::local(format!("the example of {event}: {e}")))?;
    for o in m.get_many::<String>("override").into_iter().flatten() {
        apply_override(&mut payload, o)?;
    }
    let to = m.get_one::<String>("to").map(String::as_str).unwrap_or_default();
    let url = handler_url("--to", to)?;
    let client = plain_client(url.scheme() == "https", HANDLER_TIMEOUT)?;
    let mut req = client
        .post(url.clone())
        .header("content-type", "application/json")
        .header("user-agent", concat!("ringg-cli/", env!("CARGO_PKG_VERSION")))
        .body(payload.to_string());
    for (k, v) in header_pairs(m, "header")? {
        req = req.header(k, v);
    }
    if verbosity > 0 {
        eprintln!("> POST {url}");
    }
    let resp = req.send().await.map_err(|e| {
        if e.is_timeout() {
            Failure::network(format!("{to} did not answer within {} s", HANDLER_TIMEOUT.as_secs()))
        } else {
            Failure::network(format!("cannot reach {to}: {}", crate::http::chain(&e)))
        }
    })?;
    let status = resp.status().as_u16();
    let body = resp.bytes().await.map_err(|e| Failure::network(format!("reading the answer of {to}: {e}")))?;
    eprintln!("{event} -> {to}: HTTP {status}");
    let mut out = std::io::stdout().lock();
    let _ = out.write_all(&body);
    if !body.ends_with(b"\n") && !body.is_empty() {
        let _ = out.write_all(b"\n");
    }
    if (200..300).contains(&status) { Ok(()) } else { Err(Failure::api(format!("the handler answered {status}"))) }
}

/// What `listen` prints for one delivery's body, and the status it answers.
fn describe(body: &[u8]) -> (u16, Value) {
    match ringg::webhooks::Event::from_slice(body) {
        // A per-call status callback (the `callback_url` given when a call is placed) carries
        // no event tag: the call's state is under `data`.
        Ok(ringg::webhooks::Event::Unknown(raw))
            if raw.get(spec::WEBHOOK_TAG).is_none() && raw["data"].get("call_id").is_some() =>
        {
            match ringg::runtime::decode_slice::<ringg::types::CallbackPayload>(body) {
                Ok(_) => (200, json!({ "event": CALLBACK, "known": true, "payload": raw })),
                Err(e) => (400, json!({ "error": format!("a call status callback that does not decode{}", at(&e)) })),
            }
        }
        Ok(ringg::webhooks::Event::Unknown(raw)) => {
            let event = raw.get(spec::WEBHOOK_TAG).cloned().unwrap_or(Value::Null);
            (200, json!({ "event": event, "known": false, "raw": raw }))
        }
        // Shown as received: the typed decode only says the event is known and fits.
        Ok(event) => match serde_json::from_slice::<Value>(body) {
            Ok(raw) => (200, json!({ "event": event.tag(), "known": true, "payload": raw })),
            Err(e) => (400, json!({ "error": e.to_string() })),
        },
        Err(e) => (400, json!({ "error": format!("a delivery that does not decode{}", at(&e)) })),
    }
}

/// ` at `path`` of a decode error: never the body.
fn at(e: &ringg::Error) -> String {
    e.decode_path().map(|p| format!(" at `{p}`")).unwrap_or_default()
}

/// What `listen` is configured with, shared by its connections.
struct Listener {
    require: Vec<(String, String)>,
    forward: Option<(reqwest::Url, reqwest::Client)>,
    tx: tokio::sync::mpsc::Sender<Value>,
    /// `--record`: every delivery appended as a `webhook` or `callback` line.
    recorder: Option<Recorder>,
}

impl Listener {
    /// Handles one delivery: checks headers, describes, forwards; the line to print and
    /// the answer.
    async fn handle(&self, req: hyper::Request<hyper::body::Incoming>) -> (u16, Bytes) {
        let (parts, body) = req.into_parts();
        let (status, answer, line, body) = self.answer(&parts, body).await;
        if let Some(recorder) = &self.recorder {
            let kind = if line.get("event").and_then(Value::as_str) == Some(CALLBACK) { CALLBACK } else { "webhook" };
            let path = parts.uri.path_and_query().map_or("/", |p| p.as_str());
            let exchange = Exchange {
                kind: Some(kind),
                operation: None,
                method: parts.method.as_str(),
                path,
                status,
                headers: &parts.headers,
                body: body.as_deref(),
            };
            if let Err(failure) = recorder.write(&exchange, "") {
                let _ = writeln!(std::io::stderr(), "warning: {}", failure.message);
            }
        }
        let _ = self.tx.send(line).await;
        (status, answer)
    }

    /// Reads, checks, describes and forwards one delivery: the status and body to answer, the
    /// line to print, and the body read (`None` when it could not be read).
    async fn answer(
        &self,
        parts: &hyper::http::request::Parts,
        body: hyper::body::Incoming,
    ) -> (u16, Bytes, Value, Option<Bytes>) {
        let mut headers = Map::new();
        for (name, value) in &parts.headers {
            let shown = redact_header(name.as_str(), value.to_str().unwrap_or("<binary>"), "");
            headers.insert(name.as_str().to_string(), Value::String(shown));
        }
        let mut line = json!({
            "method": parts.method.as_str(),
            "path": parts.uri.path(),
            "query": parts.uri.query().unwrap_or(""),
            "headers": headers,
        });
        // The body is read first, so the connection stays usable whatever the answer.
        let body = match Limited::new(body, MAX_EVENT).collect().await {
            Ok(b) => b.to_bytes(),
            Err(e) => {
                line["error"] = json!(format!("the body could not be read: {e}"));
                return (413, Bytes::from_static(br#"{"error":"body too large or broken"}"#), line, None);
            }
        };
        let header_ok = |(k, v): &(String, String)| {
            parts.headers.get_all(k.as_str()).iter().any(|got| got.to_str().is_ok_and(|g| g.trim() == v))
        };
        if let Some((name, _)) = self.require.iter().find(|r| !header_ok(r)) {
            line["error"] = json!(format!("missing or wrong required header `{name}`"));
            return (
                401,
                Bytes::from_static(br#"{"error":"a required header is missing or wrong"}"#),
                line,
                Some(body),
            );
        }
        let (mut status, described) = describe(&body);
        if let (Value::Object(l), Value::Object(d)) = (&mut line, described) {
            l.extend(d);
        }
        let mut answer = if status == 200 {
            Bytes::from_static(br#"{"received":true}"#)
        } else {
            Bytes::from(json!({ "error": line["error"].clone() }).to_string())
        };
        if let (Some((url, client)), 200) = (&self.forward, status) {
            let mut fwd = client.post(url.clone()).body(body.clone());
            for (name, value) in &parts.headers {
                if !matches!(name.as_str(), "host" | "content-length" | "connection" | "transfer-encoding") {
                    fwd = fwd.header(name.clone(), value.clone());
                }
            }
            match fwd.send().await {
                Ok(resp) => {
                    status = resp.status().as_u16();
                    line["forwarded"] = json!({ "to": url.as_str(), "status": status });
                    answer = resp.bytes().await.unwrap_or_default();
                }
                Err(e) => {
                    status = 502;
                    line["forwarded"] = json!({ "to": url.as_str(), "error": e.to_string() });
                    answer = Bytes::from_static(br#"{"error":"the forward target did not answer"}"#);
                }
            }
        }
        (status, answer, line, Some(body))
    }
}

async fn listen(m: &ArgMatches) -> Result<(), Failure> {
    let port = m.get_one::<u16>("port").copied().unwrap_or(8787);
    let mut remaining = m.get_one::<u64>("count").copied();
    let forward = match m.get_one::<String>("forward-to") {
        Some(url) => {
            let url = handler_url("--forward-to", url)?;
            let client = plain_client(url.scheme() == "https", HANDLER_TIMEOUT)?;
            Some((url, client))
        }
        None => None,
    };
    let require = header_pairs(m, "require-header")?;
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", port))
        .await
        .map_err(|e| Failure::local(format!("cannot listen on 127.0.0.1:{port}: {e}")))?;
    let addr = listener.local_addr().map_err(|e| Failure::local(e.to_string()))?;
    // Whoever started it may stop reading stderr: that must not stop the listener.
    let _ = writeln!(std::io::stderr(), "listening for webhooks on http://{addr}/ (Ctrl-C to stop)");
    let (tx, mut rx) = tokio::sync::mpsc::channel::<Value>(64);
    let recorder = m.get_one::<String>("record").map(|path| Recorder::open(path)).transpose()?;
    let shared = Arc::new(Listener { require, forward, tx, recorder });
    loop {
        tokio::select! {
            accepted = listener.accept() => {
                let Ok((stream, _)) = accepted else { continue };
                let shared = shared.clone();
                tokio::spawn(async move {
                    let service = hyper::service::service_fn(move |req: hyper::Request<hyper::body::Incoming>| {
                        let shared = shared.clone();
                        async move {
                            let (status, answer) = shared.handle(req).await;
                            hyper::Response::builder()
                                .status(status)
                                .header("content-type", "application/json")
                                .body(Full::new(answer))
                        }
                    });
                    let conn = hyper::server::conn::http1::Builder::new()
                        .timer(hyper_util::rt::TokioTimer::new())
                        .header_read_timeout(Duration::from_secs(10))
                        .serve_connection(TokioIo::new(stream), service);
                    let _ = tokio::time::timeout(CONNECTION_LIMIT, conn).await;
                });
            }
            Some(line) = rx.recv() => {
                if let Some(error) = line.get("error").and_then(Value::as_str) {
                    let _ = writeln!(std::io::stderr(), "rejected a delivery to {}: {error}", line["path"].as_str().unwrap_or("/"));
                    continue;
                }
                let mut out = std::io::stdout().lock();
                if writeln!(out, "{line}").and_then(|()| out.flush()).is_err() {
                    // The reader went away: nobody sees further deliveries.
                    return Ok(());
                }
                if let Some(n) = remaining.as_mut() {
                    *n = n.saturating_sub(1);
                    if *n == 0 {
                        return Ok(());
                    }
                }
            }
            _ = tokio::signal::ctrl_c() => return Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_event_has_an_example_that_decodes_typed() {
        assert!(!spec::WEBHOOK_EVENTS.is_empty());
        for (tag, payload) in spec::WEBHOOK_EVENTS {
            let (status, line) = describe(payload.as_bytes());
            assert_eq!(status, 200, "{tag}: {line}");
            assert_eq!(line["event"], *tag);
            assert_eq!(line["known"], true, "{tag}");
        }
        let (status, line) = describe(spec::CALLBACK_EXAMPLE.as_bytes());
        assert_eq!((status, &line["event"]), (200, &json!(CALLBACK)), "{line}");
    }

    #[test]
    fn unknown_events_are_shown_raw_and_bad_ones_rejected_without_echo() {
        let (status, line) = describe(br#"{"event_type":"call_teleported","x":1}"#);
        assert_eq!((status, &line["known"], &line["raw"]["x"]), (200, &json!(false), &json!(1)));
        let (status, line) = describe(br#"{"event_type":"call_completed","call_id":5,"secret":"sk_live_x"}"#);
        assert_eq!(status, 400);
        let error = line["error"].as_str().unwrap();
        assert!(error.contains("call_id") && !error.contains("sk_live"), "{line}");
    }

    #[test]
    fn call_status_callbacks_are_recognised_and_shown_as_received() {
        let body = br#"{"status":"success","message":"Call Details","data":{"call_id":"c1","status":"ongoing","retry":0,"custom_args_values":{"plan":"gold"},"brand_new":1.0}}"#;
        let (status, line) = describe(body);
        assert_eq!((status, &line["event"], &line["known"]), (200, &json!("callback"), &json!(true)), "{line}");
        assert_eq!(line["payload"]["data"]["custom_args_values"]["plan"], "gold");
        assert_eq!(line["payload"]["data"]["brand_new"], json!(1.0));
        let (status, line) = describe(br#"{"data":{"call_id":7}}"#);
        assert_eq!(status, 400);
        assert!(line["error"].as_str().unwrap().contains("callback"), "{line}");
    }

    #[test]
    fn overrides_set_dotted_fields() {
        let mut v = json!({"data": {"status": "ongoing"}});
        apply_override(&mut v, "data.status=completed").unwrap();
        apply_override(&mut v, "data.retry=2").unwrap();
        apply_override(&mut v, "extra.note=hi").unwrap();
        assert_eq!(v, json!({"data": {"status": "completed", "retry": 2}, "extra": {"note": "hi"}}));
        assert!(apply_override(&mut v, "data.status.x=1").is_err());
    }
}
