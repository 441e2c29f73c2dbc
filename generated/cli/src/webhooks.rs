//! `ringg webhooks trigger` posts the spec's example payload of an event to a local handler;
//! `ringg webhooks listen` receives events on 127.0.0.1 and prints each one decoded with
//! `ringg::webhooks::Event`, unknown events raw.

use std::io::Write as _;
use std::time::Duration;

use bytes::Bytes;
use clap::{Arg, ArgAction, ArgMatches, Command};
use http_body_util::{BodyExt, Full, Limited};
use hyper_util::rt::TokioIo;
use serde_json::{Value, json};

use crate::app::{EXIT_API, EXIT_NETWORK, Failure};
use crate::spec;

/// How long `trigger` waits for the handler, connection included.
const TRIGGER_TIMEOUT: Duration = Duration::from_secs(30);
/// Largest event `listen` reads.
const MAX_EVENT: usize = 16 * 1024 * 1024;

/// `ringg webhooks ...`.
pub(crate) fn command() -> Command {
    let events: Vec<&'static str> = spec::WEBHOOK_EVENTS.iter().map(|(tag, _)| *tag).collect();
    Command::new("webhooks")
        .about("Fire sample webhook events at a local handler, or receive and decode events")
        .subcommand_required(true)
        .subcommand(
            Command::new("trigger")
                .about("POST the spec's example payload of an event to a handler and print its answer")
                .arg(Arg::new("event").required(true).value_name("EVENT").value_parser(events).help("The event type"))
                .arg(Arg::new("to").long("to").required(true).value_name("URL").help("The handler, an http:// URL"))
                .arg(
                    Arg::new("header")
                        .long("header")
                        .short('H')
                        .value_name("K:V")
                        .action(ArgAction::Append)
                        .help("A header to send, such as a shared secret (repeatable)"),
                ),
        )
        .subcommand(
            Command::new("listen")
                .about("Receive webhook events and per-call status callbacks on 127.0.0.1 and print each decoded, one JSON line per delivery")
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
                        .help("Stop after this many events"),
                ),
        )
}

pub(crate) async fn run(m: &ArgMatches) -> Result<(), Failure> {
    match m.subcommand() {
        Some(("trigger", m)) => trigger(m).await,
        Some(("listen", m)) => listen(m).await,
        _ => Err(Failure::usage("expected `ringg webhooks trigger` or `ringg webhooks listen`")),
    }
}

/// The example payload of an event, as JSON text.
fn example(event: &str) -> Option<&'static str> {
    spec::WEBHOOK_EVENTS.iter().find(|(tag, _)| *tag == event).map(|(_, payload)| *payload)
}

async fn trigger(m: &ArgMatches) -> Result<(), Failure> {
    let event = m.get_one::<String>("event").map(String::as_str).unwrap_or_default();
    let payload = example(event).ok_or_else(|| Failure::usage(format!("unknown event `{event}`")))?;
    let url = m.get_one::<String>("to").map(String::as_str).unwrap_or_default();
    let mut headers = Vec::new();
    for h in m.get_many::<String>("header").into_iter().flatten() {
        let (k, v) = h
            .split_once(':')
            .filter(|(k, _)| !k.trim().is_empty())
            .ok_or_else(|| Failure::usage(format!("--header `{h}`: expected NAME:VALUE")))?;
        headers.push((k.trim().to_string(), v.trim().to_string()));
    }
    let (status, body) = match tokio::time::timeout(TRIGGER_TIMEOUT, post(url, &headers, payload)).await {
        Ok(r) => r?,
        Err(_) => return Err(Failure { code: EXIT_NETWORK, message: format!("{url} did not answer within 30 s") }),
    };
    eprintln!("{event} -> {url}: HTTP {status}");
    let mut out = std::io::stdout().lock();
    let _ = out.write_all(&body);
    if !body.ends_with(b"\n") && !body.is_empty() {
        let _ = out.write_all(b"\n");
    }
    if (200..300).contains(&status) {
        Ok(())
    } else {
        Err(Failure { code: EXIT_API, message: format!("the handler answered {status}") })
    }
}

/// One HTTP/1.1 POST over a fresh connection.
async fn post(url: &str, headers: &[(String, String)], payload: &'static str) -> Result<(u16, Bytes), Failure> {
    let rest = url
        .strip_prefix("http://")
        .ok_or_else(|| Failure::usage(format!("--to `{url}`: expected an http:// URL of a local handler")))?;
    let (authority, path) = rest.split_once('/').map_or((rest, "/".to_string()), |(a, p)| (a, format!("/{p}")));
    if authority.is_empty() {
        return Err(Failure::usage(format!("--to `{url}`: the URL has no host")));
    }
    let host = if authority.contains(':') { authority.to_string() } else { format!("{authority}:80") };
    let network = |e: String| Failure { code: EXIT_NETWORK, message: e };
    let stream =
        tokio::net::TcpStream::connect(&host).await.map_err(|e| network(format!("cannot connect to {host}: {e}")))?;
    let (mut sender, conn) =
        hyper::client::conn::http1::handshake(TokioIo::new(stream)).await.map_err(|e| network(e.to_string()))?;
    tokio::spawn(async move {
        let _ = conn.await;
    });
    let mut req = hyper::Request::builder()
        .method("POST")
        .uri(path)
        .header("host", authority)
        .header("content-type", "application/json")
        .header("user-agent", concat!("ringg-cli/", env!("CARGO_PKG_VERSION")));
    for (k, v) in headers {
        req = req.header(k.as_str(), v.as_str());
    }
    let req = req
        .body(Full::new(Bytes::from_static(payload.as_bytes())))
        .map_err(|e| Failure::usage(format!("--header: {e}")))?;
    let resp = sender.send_request(req).await.map_err(|e| network(format!("{url}: {e}")))?;
    let status = resp.status().as_u16();
    let body = Limited::new(resp.into_body(), MAX_EVENT)
        .collect()
        .await
        .map_err(|e| network(format!("reading the answer of {url}: {e}")))?
        .to_bytes();
    Ok((status, body))
}

/// What `listen` prints for one delivery, and the status it answers.
fn describe(body: &[u8]) -> (u16, Value) {
    match ringg::webhooks::Event::from_slice(body) {
        // A per-call status callback (the `callback_url` given when a call is placed) carries
        // no event tag: the call's state is under `data`.
        Ok(ringg::webhooks::Event::Unknown(raw))
            if raw.get(spec::WEBHOOK_TAG).is_none() && raw["data"].get("call_id").is_some() =>
        {
            match serde_json::from_value::<ringg::types::CallbackPayload>(raw) {
                Ok(payload) => (200, json!({ "event": "callback", "known": true, "payload": payload })),
                Err(e) => (400, json!({ "error": format!("a call status callback that does not decode: {e}") })),
            }
        }
        Ok(ringg::webhooks::Event::Unknown(raw)) => {
            let event = raw.get(spec::WEBHOOK_TAG).cloned().unwrap_or(Value::Null);
            (200, json!({ "event": event, "known": false, "raw": raw }))
        }
        Ok(event) => match serde_json::to_value(&event) {
            Ok(typed) => (200, json!({ "event": event.tag(), "known": true, "payload": typed })),
            Err(e) => (500, json!({ "error": e.to_string() })),
        },
        Err(e) => (400, json!({ "error": e.to_string() })),
    }
}

async fn listen(m: &ArgMatches) -> Result<(), Failure> {
    let port = m.get_one::<u16>("port").copied().unwrap_or(8787);
    let mut remaining = m.get_one::<u64>("count").copied();
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", port))
        .await
        .map_err(|e| Failure::local(format!("cannot listen on 127.0.0.1:{port}: {e}")))?;
    let addr = listener.local_addr().map_err(|e| Failure::local(e.to_string()))?;
    eprintln!("listening for webhooks on http://{addr}/ (Ctrl-C to stop)");
    let (tx, mut rx) = tokio::sync::mpsc::channel::<Value>(64);
    loop {
        tokio::select! {
            accepted = listener.accept() => {
                let Ok((stream, _)) = accepted else { continue };
                let tx = tx.clone();
                tokio::spawn(async move {
                    let service = hyper::service::service_fn(move |req: hyper::Request<hyper::body::Incoming>| {
                        let tx = tx.clone();
                        async move {
                            let (status, line) = match Limited::new(req.into_body(), MAX_EVENT).collect().await {
                                Ok(body) => describe(&body.to_bytes()),
                                Err(e) => (413, json!({ "error": e.to_string() })),
                            };
                            let answer = if status == 200 { json!({ "received": true }) } else { line.clone() };
                            let _ = tx.send(line).await;
                            hyper::Response::builder()
                                .status(status)
                                .header("content-type", "application/json")
                                .body(Full::new(Bytes::from(answer.to_string())))
                        }
                    });
                    let _ = hyper::server::conn::http1::Builder::new().serve_connection(TokioIo::new(stream), service).await;
                });
            }
            Some(line) = rx.recv() => {
                let failed = line.get("error").is_some();
                if failed {
                    eprintln!("rejected a delivery: {}", line["error"].as_str().unwrap_or_default());
                } else {
                    let mut out = std::io::stdout().lock();
                    let _ = writeln!(out, "{line}").and_then(|()| out.flush());
                    if let Some(n) = remaining.as_mut() {
                        *n -= 1;
                        if *n == 0 {
                            return Ok(());
                        }
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
    }

    #[test]
    fn unknown_events_are_shown_raw_and_bad_ones_rejected() {
        let (status, line) = describe(br#"{"event_type":"call_teleported","x":1}"#);
        assert_eq!((status, &line["known"], &line["raw"]["x"]), (200, &json!(false), &json!(1)));
        let (status, line) = describe(br#"{"event_type":"call_completed","call_id":5}"#);
        assert_eq!(status, 400);
        assert!(line["error"].as_str().unwrap().contains("call_id"), "{line}");
    }

    #[test]
    fn call_status_callbacks_are_recognised() {
        let body = br#"{"status":"success","message":"Call Details","data":{"call_id":"c1","status":"ongoing","retry":0,"custom_args_values":{"plan":"gold"}}}"#;
        let (status, line) = describe(body);
        assert_eq!((status, &line["event"], &line["known"]), (200, &json!("callback"), &json!(true)), "{line}");
        assert_eq!(line["payload"]["data"]["status"], "ongoing");
        assert_eq!(line["payload"]["data"]["custom_args_values"]["plan"], "gold");
        let (status, line) = describe(br#"{"data":{"call_id":7}}"#);
        assert_eq!(status, 400);
        assert!(line["error"].as_str().unwrap().contains("callback"), "{line}");
    }
}
