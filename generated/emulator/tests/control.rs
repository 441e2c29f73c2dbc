//! The control API (`/__emulator/`) over plain HTTP, as a test in another language uses it:
//! raw requests on a loopback socket, no Rust handle in between. Every answer is checked
//! against `control-openapi.yaml` (its status documented, its JSON fitting the schema with no
//! undeclared key), and every route of the document against the server's.
//!
//! With `RINGG_CONTROL_RECORD` naming a file, every JSON success is appended to it as
//! `{"operation": ..., "body": ...}` for the independent validator (`.ci/run`).

use std::sync::{Arc, Mutex};
use std::time::Duration;

use ringg_emulator::{Clock, Emulator};
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

mod common;

const DOCUMENT: &str = include_str!("../control-openapi.yaml");

/// One answer: status (0 when the connection closed without one), content type and body.
#[derive(Debug)]
struct Answer {
    status: u16,
    content_type: String,
    headers: String,
    body: Vec<u8>,
}

impl Answer {
    fn json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap_or(Value::Null)
    }

    fn detail(&self) -> String {
        self.json()["detail"].as_str().unwrap_or_default().to_string()
    }
}

/// Sends one request on a fresh connection (closed after) and reads the whole answer, within
/// 30 seconds.
async fn send(emulator: &Emulator, method: &str, path: &str, key: Option<&str>, body: Option<&[u8]>) -> Answer {
    let mut s = tokio::net::TcpStream::connect(emulator.addr()).await.unwrap();
    let mut head = format!("{method} {path} HTTP/1.1\r\nhost: localhost\r\nconnection: close\r\n");
    if let Some(key) = key {
        head.push_str(&format!("x-api-key: {key}\r\n"));
    }
    if let Some(body) = body {
        head.push_str(&format!("content-type: application/json\r\ncontent-length: {}\r\n", body.len()));
    }
    head.push_str("\r\n");
    s.write_all(head.as_bytes()).await.unwrap();
    if let Some(body) = body {
        // The server may answer (413) before reading it all.
        let _ = s.write_all(body).await;
    }
    let mut out = Vec::new();
    let read = tokio::time::timeout(Duration::from_secs(30), s.read_to_end(&mut out)).await;
    assert!(read.is_ok(), "{method} {path}: no answer within 30 s");
    let split = out.windows(4).position(|w| w == b"\r\n\r\n").map_or(out.len(), |p| p + 4);
    let headers = String::from_utf8_lossy(&out[..split]).to_ascii_lowercase();
    let status = headers.get(9..12).and_then(|c| c.parse().ok()).unwrap_or(0);
    let content_type =
        headers.lines().find_map(|l| l.strip_prefix("content-type:")).map(|v| v.trim().to_string()).unwrap_or_default();
    Answer { status, content_type, headers, body: out[split..].to_vec() }
}

/// The document, and a client that checks every control answer against it.
struct Control<'a> {
    emulator: &'a Emulator,
    key: String,
    doc: Value,
}

impl<'a> Control<'a> {
    fn new(emulator: &'a Emulator) -> Control<'a> {
        let doc: Value = serde_saphyr::from_str(DOCUMENT).expect("control-openapi.yaml is YAML");
        Control { emulator, key: emulator.api_key(), doc }
    }

    /// A control request with the key, its answer checked against the document.
    async fn call(&self, method: &str, path: &str, body: Option<Value>) -> Answer {
        let bytes = body.map(|b| b.to_string().into_bytes());
        let answer = send(self.emulator, method, path, Some(&self.key), bytes.as_deref()).await;
        self.conforms(method, path, &answer);
        answer
    }

    /// A request with a raw body.
    async fn raw(&self, method: &str, path: &str, body: &[u8]) -> Answer {
        let answer = send(self.emulator, method, path, Some(&self.key), Some(body)).await;
        self.conforms(method, path, &answer);
        answer
    }

    /// The document's operation for a request path (query left out).
    fn operation(&self, method: &str, path: &str) -> Option<&Value> {
        let path = path.split('?').next().unwrap_or(path);
        let paths = self.doc["paths"].as_object()?;
        let (_, item) = paths.iter().find(|(template, _)| matches(template, path))?;
        item.get(method.to_ascii_lowercase())
    }

    fn conforms(&self, method: &str, path: &str, answer: &Answer) {
        if self.operation(method, path).is_none() {
            let known = self.doc["paths"].as_object().is_some_and(|p| p.keys().any(|t| matches(t, path)));
            if known {
                // A documented path, another method: 405 naming the allowed ones.
                assert_eq!(answer.status, 405, "{method} {path}");
                assert!(answer.headers.contains("allow: "), "{method} {path}: {}", answer.headers);
            } else {
                // An unknown path: 404 with the route list.
                assert_eq!(answer.status, 404, "{method} {path}");
                assert!(answer.json()["routes"].is_array(), "{method} {path}: {}", answer.json());
            }
            assert!(!answer.detail().is_empty(), "{method} {path}: an error says what to send");
            return;
        }
        let op = self.operation(method, path).unwrap_or_else(|| panic!("{method} {path} is not in the document"));
        let status = answer.status.to_string();
        let response = op["responses"]
            .get(&status)
            .unwrap_or_else(|| panic!("{method} {path} answered {status}, which the document does not list"));
        let response = self.resolve(response);
        if answer.content_type != "application/json" {
            assert!(
                response["content"].get(&answer.content_type).is_some(),
                "{method} {path}: content type {} is not documented",
                answer.content_type
            );
            return;
        }
        let schema = &response["content"]["application/json"]["schema"];
        let body = answer.json();
        let mut problems = Vec::new();
        self.check(schema, &body, "$", &mut problems);
        assert!(problems.is_empty(), "{method} {path} {status} does not fit the document: {problems:?}\n{body}");
        if status == "200"
            && let Ok(file) = std::env::var("RINGG_CONTROL_RECORD")
            && !file.is_empty()
        {
            use std::io::Write as _;
            let line = format!("{}\n", json!({ "operation": op["operationId"], "body": body }));
            let mut f = std::fs::OpenOptions::new().create(true).append(true).open(&file).expect("the record opens");
            f.write_all(line.as_bytes()).expect("the record is writable");
        }
    }

    fn resolve<'v>(&'v self, mut v: &'v Value) -> &'v Value {
        for _ in 0..8 {
            match v.get("$ref").and_then(Value::as_str) {
                Some(r) => {
                    let mut at = &self.doc;
                    for part in r.trim_start_matches("#/").split('/') {
                        at = &at[part];
                    }
                    v = at;
                }
                None => break,
            }
        }
        v
    }

    /// A strict check: types, nullable, enums, ranges, required keys, and no key an object
    /// schema with `properties` does not declare (unless it says `additionalProperties`).
    fn check(&self, schema: &Value, value: &Value, at: &str, out: &mut Vec<String>) {
        let s = self.resolve(schema);
        if value.is_null() && s["nullable"] == true {
            return;
        }
        if let Some(allowed) = s["enum"].as_array()
            && !allowed.contains(value)
        {
            out.push(format!("{at}: {value} is not one of {allowed:?}"));
        }
        if let Some(n) = value.as_f64()
            && (s["minimum"].as_f64().is_some_and(|m| n < m) || s["maximum"].as_f64().is_some_and(|m| n > m))
        {
            out.push(format!("{at}: {n} is out of range"));
        }
        let fits = match s["type"].as_str() {
            None => true,
            Some("string") => value.is_string(),
            Some("integer") => value.is_i64() || value.is_u64(),
            Some("number") => value.is_number(),
            Some("boolean") => value.is_boolean(),
            Some("array") => {
                for (i, item) in value.as_array().into_iter().flatten().enumerate() {
                    self.check(&s["items"], item, &format!("{at}[{i}]"), out);
                }
                value.is_array()
            }
            Some("object") => {
                if let Some(obj) = value.as_object() {
                    for name in s["required"].as_array().into_iter().flatten().filter_map(Value::as_str) {
                        if !obj.contains_key(name) {
                            out.push(format!("{at}.{name}: required, missing"));
                        }
                    }
                    for (k, v) in obj {
                        match (s["properties"].get(k), &s["additionalProperties"]) {
                            (Some(field), _) => self.check(field, v, &format!("{at}.{k}"), out),
                            (None, extra) if extra.is_object() => self.check(extra, v, &format!("{at}.{k}"), out),
                            (None, Value::Bool(true)) => {}
                            (None, Value::Null) if s.get("properties").is_none() => {}
                            (None, _) => out.push(format!("{at}.{k}: not declared")),
                        }
                    }
                }
                value.is_object()
            }
            Some(other) => panic!("the checker does not know type {other}"),
        };
        if !fits {
            out.push(format!("{at}: {value} is not of type {}", s["type"]));
        }
    }
}

/// Whether a path fits a template of the document (`/__emulator/outcomes/{number}`); the
/// summary answers with and without its slash.
fn matches(template: &str, path: &str) -> bool {
    let trim = |p: &str| p.trim_end_matches('/').to_string();
    let (t, p) = (trim(template), trim(path));
    let (t, p): (Vec<&str>, Vec<&str>) = (t.split('/').collect(), p.split('/').collect());
    t.len() == p.len() && t.iter().zip(&p).all(|(t, p)| t == p || (t.starts_with('{') && !p.is_empty()))
}

/// A webhook receiver on 127.0.0.1 answering 200 to each request (bounded: 200 connections,
/// 5 s each); the bodies it got are collected.
async fn receiver() -> (String, Arc<Mutex<Vec<Value>>>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/hooks", listener.local_addr().unwrap());
    let seen = Arc::new(Mutex::new(Vec::new()));
    let log = seen.clone();
    tokio::spawn(async move {
        for _ in 0..200 {
            let Ok((mut s, _)) = listener.accept().await else { return };
            let log = log.clone();
            tokio::spawn(async move {
                let mut buf = Vec::new();
                let mut chunk = [0u8; 4096];
                let read = tokio::time::timeout(Duration::from_secs(5), async {
                    while buf.len() < 1 << 20 {
                        let Ok(n) = s.read(&mut chunk).await else { break };
                        if n == 0 {
                            break;
                        }
                        buf.extend_from_slice(&chunk[..n]);
                        let text = String::from_utf8_lossy(&buf).to_string();
                        if let Some(end) = text.find("\r\n\r\n") {
                            let length = text[..end]
                                .lines()
                                .find_map(|l| {
                                    l.to_ascii_lowercase().strip_prefix("content-length:").map(str::to_string)
                                })
                                .and_then(|v| v.trim().parse::<usize>().ok())
                                .unwrap_or(0);
                            if buf.len() >= end + 4 + length {
                                log.lock()
                                    .unwrap()
                                    .push(serde_json::from_slice(&buf[end + 4..]).unwrap_or(Value::Null));
                                break;
                            }
                        }
                    }
                })
                .await;
                if read.is_ok() {
                    let _ = s.write_all(b"HTTP/1.1 200 OK\r\ncontent-length: 0\r\nconnection: close\r\n\r\n").await;
                }
            });
        }
    });
    (url, seen)
}

/// A URL nothing listens on.
async fn dead_url() -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    drop(listener);
    format!("http://{addr}/gone")
}

/// Places a call with a raw `calling.initiate` request.
async fn place(c: &Control<'_>, fixtures: &Value, to: &str, callback: &str) -> Answer {
    let body = json!({ "name": "Ada", "mobile_number": to, "agent_id": fixtures["agent_id"],
        "from_number_id": fixtures["number_id"], "callback_url": callback });
    send(c.emulator, "POST", "/ca/api/v0/calling/outbound/individual", Some(&c.key), Some(body.to_string().as_bytes()))
        .await
}

fn calls_to<'v>(calls: &'v Value, number: &str) -> Vec<&'v Value> {
    calls["calls"].as_array().unwrap().iter().filter(|c| c["to_number"] == number).collect()
}

#[tokio::test]
async fn a_lost_reply_staged_over_http_leaves_exactly_one_call() {
    let emulator = Emulator::start().await.unwrap();
    let c = Control::new(&emulator);
    let summary = c.call("GET", "/__emulator/", None).await;
    assert_eq!(summary.status, 200);
    assert_eq!(summary.json()["clock"]["kind"], "manual");
    let fixtures = c.call("POST", "/__emulator/fixtures", None).await.json();
    assert!(fixtures["agent_id"].is_string(), "{fixtures}");
    let before = c.call("GET", "/__emulator/calls", None).await.json()["calls"].as_array().unwrap().len();

    let staged = c
        .call(
            "POST",
            "/__emulator/faults",
            Some(json!({ "operation": "calling.initiate", "fault": "reply-lost", "times": 1 })),
        )
        .await;
    assert_eq!(staged.status, 200, "{}", staged.detail());
    assert_eq!(
        staged.json(),
        json!({ "faults": [{ "operation": "calling.initiate", "fault": "reply-lost", "times": 1 }] })
    );

    let (url, _) = receiver().await;
    let lost = place(&c, &fixtures, "+919800000111", &url).await;
    assert_eq!(lost.status, 0, "the connection closes without an answer: {lost:?}");
    assert!(lost.body.is_empty());

    let calls = c.call("GET", "/__emulator/calls", None).await.json();
    assert_eq!(calls["calls"].as_array().unwrap().len(), before + 1, "the call was placed once: {calls}");
    let placed = calls_to(&calls, "+919800000111");
    assert_eq!(placed.len(), 1);
    assert_eq!(placed[0]["status"], "registered");
    // The fault is used up: the queue is empty and the next request answers.
    assert_eq!(c.call("GET", "/__emulator/faults", None).await.json(), json!({ "faults": [] }));
    assert_eq!(place(&c, &fixtures, "+919800000112", &url).await.status, 200);
    // The handle sees what HTTP did.
    assert_eq!(emulator.calls().len(), before + 2);
}

#[tokio::test]
async fn outcomes_the_clock_and_deliveries_over_http() {
    let emulator = Emulator::start().await.unwrap();
    let c = Control::new(&emulator);
    let fixtures = c.call("POST", "/__emulator/fixtures", None).await.json();

    let set = c.call("PUT", "/__emulator/outcomes/+919800000201", Some(json!({ "outcome": "failed" }))).await;
    assert_eq!(set.json(), json!({ "default": "completed", "numbers": { "+919800000201": "failed" } }));
    let set = c.call("PUT", "/__emulator/outcomes/%2B919800000202", Some(json!({ "outcome": "voicemail" }))).await;
    assert_eq!(set.json()["numbers"]["+919800000202"], "voicemail", "escaped numbers are read as numbers");
    c.call("DELETE", "/__emulator/outcomes/+919800000202", None).await;
    let set = c.call("PUT", "/__emulator/outcomes/default", Some(json!({ "outcome": "retry" }))).await;
    assert_eq!(set.json()["default"], "retry");
    c.call("DELETE", "/__emulator/outcomes/default", None).await;
    let outcomes = c.call("GET", "/__emulator/outcomes", None).await.json();
    assert_eq!(outcomes, json!({ "default": "completed", "numbers": { "+919800000201": "failed" } }));
    assert_eq!(emulator.outcomes().numbers.len(), 1, "the handle reads the same table");

    let (good, seen) = receiver().await;
    let dead = dead_url().await;
    assert_eq!(place(&c, &fixtures, "+919800000201", &good).await.status, 200);
    assert_eq!(place(&c, &fixtures, "+919800000203", &dead).await.status, 200);

    let clock = c.call("GET", "/__emulator/clock", None).await.json();
    let moved = c.call("POST", "/__emulator/clock/advance", Some(json!({ "duration": "1s" }))).await.json();
    assert_eq!(moved["now_ms"].as_u64().unwrap() - clock["now_ms"].as_u64().unwrap(), 1_000);
    let moved = c.call("POST", "/__emulator/clock/advance", Some(json!({ "seconds": 0.5 }))).await.json();
    assert_eq!(moved["now_ms"].as_u64().unwrap() - clock["now_ms"].as_u64().unwrap(), 1_500);
    let settled = c.call("POST", "/__emulator/clock/settle", None).await.json();
    assert_eq!(settled["events_scheduled"], 0, "{settled}");
    assert_eq!(settled["next_event_at"], Value::Null);

    let calls = c.call("GET", "/__emulator/calls", None).await.json();
    assert_eq!(calls_to(&calls, "+919800000201")[0]["status"], "failed");
    assert_eq!(calls_to(&calls, "+919800000203")[0]["status"], "completed");
    let failed_id = calls_to(&calls, "+919800000201")[0]["id"].clone();
    let completed_id = calls_to(&calls, "+919800000203")[0]["id"].clone();

    let delivered = c.call("GET", "/__emulator/deliveries", None).await.json()["deliveries"].clone();
    let delivered = delivered.as_array().unwrap();
    assert!(!delivered.is_empty());
    for d in delivered {
        assert_eq!((&d["url"], &d["call_id"], &d["event_type"]), (&json!(good), &failed_id, &json!("callback")), "{d}");
        assert_eq!((&d["status"], &d["delivered"], &d["error"]), (&json!(200), &json!(true), &Value::Null));
    }
    assert_eq!(seen.lock().unwrap().len(), delivered.len(), "each delivery reached the receiver once");
    let failed = c.call("GET", "/__emulator/deliveries?status=failed", None).await.json()["deliveries"].clone();
    let failed = failed.as_array().unwrap();
    assert!(!failed.is_empty());
    for d in failed {
        assert_eq!((&d["url"], &d["call_id"]), (&json!(dead), &completed_id), "{d}");
        assert_eq!((&d["attempts"], &d["status"], &d["delivered"]), (&json!(4), &Value::Null, &json!(false)));
        assert!(d["error"].as_str().is_some_and(|e| e.contains("cannot connect")), "{d}");
    }
    let all = c.call("GET", "/__emulator/deliveries?status=all", None).await.json();
    assert_eq!(all["deliveries"].as_array().unwrap().len(), delivered.len() + failed.len());
    assert_eq!(emulator.failed_deliveries().len(), failed.len(), "the handle reads the same record");
    let urls: Vec<Value> = all["deliveries"].as_array().unwrap().iter().map(|d| d["url"].clone()).collect();
    let handle: Vec<Value> = emulator.all_deliveries().iter().map(|d| json!(d.url)).collect();
    assert_eq!(urls, handle, "in the same order");
    let bad = c.call("GET", "/__emulator/deliveries?status=lost", None).await;
    assert_eq!(bad.status, 422);
    assert!(bad.detail().contains("delivered, failed, all"), "{}", bad.detail());
}

#[tokio::test]
async fn credits_and_reset_over_http() {
    let emulator = Emulator::builder().credits(500.0).start().await.unwrap();
    let c = Control::new(&emulator);
    assert_eq!(c.call("GET", "/__emulator/credits", None).await.json(), json!({ "credits": 500.0 }));
    assert_eq!(
        c.call("PUT", "/__emulator/credits", Some(json!({ "credits": 0 }))).await.json(),
        json!({ "credits": 0.0 })
    );
    let workspace = send(&emulator, "GET", "/ca/api/v0/workspace", Some(&c.key), None).await.json();
    assert_eq!(workspace["workspace_info"]["credits"], json!(0.0), "{workspace}");
    for bad in [json!({ "credits": -1 }), json!({ "credits": "5" }), json!({ "credits": 1e300 }), json!({})] {
        let a = c.call("PUT", "/__emulator/credits", Some(bad.clone())).await;
        assert_eq!(a.status, 422, "{bad}");
        assert!(a.detail().contains(r#"{"credits": 500}"#), "{}", a.detail());
    }

    // Without credits a call is refused.
    let fixtures = c.call("POST", "/__emulator/fixtures", None).await.json();
    let (url, _) = receiver().await;
    assert_eq!(place(&c, &fixtures, "+919800000301", &url).await.status, 402);
    c.call("PUT", "/__emulator/credits", Some(json!({ "credits": 100 }))).await;
    c.call("PUT", "/__emulator/outcomes/+919800000301", Some(json!({ "outcome": "failed" }))).await;
    c.call(
        "POST",
        "/__emulator/faults",
        Some(json!({ "operation": "workspace.get", "fault": "status", "status": 503 })),
    )
    .await;
    assert_eq!(place(&c, &fixtures, "+919800000301", &url).await.status, 200);
    c.call("POST", "/__emulator/clock/advance", Some(json!({ "seconds": 2 }))).await;
    let before = c.call("GET", "/__emulator/", None).await.json();
    assert!(before["counts"]["calls"].as_u64().unwrap() >= 1);
    let ids: Vec<Value> = c.call("GET", "/__emulator/calls", None).await.json()["calls"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["id"].clone())
        .collect();

    let after = c.call("POST", "/__emulator/reset", None).await;
    assert_eq!(after.status, 200);
    let after = after.json();
    let counts = &after["counts"];
    assert_eq!(
        (&counts["calls"], &counts["campaigns"], &counts["outcomes_staged"], &counts["faults_waiting"]),
        (&json!(0), &json!(0), &json!(0), &json!(0)),
        "{after}"
    );
    assert_eq!(after["credits"], json!(500.0), "the starting balance");
    assert_eq!(counts["agents"], json!(1), "the seeded agent");
    assert!(after["clock"]["now_ms"].as_u64() >= before["clock"]["now_ms"].as_u64(), "time never goes back");
    assert_eq!(
        c.call("GET", "/__emulator/outcomes", None).await.json(),
        json!({ "default": "completed", "numbers": {} })
    );
    // The same key still opens the API, and the staged 503 is gone.
    assert_eq!(send(&emulator, "GET", "/ca/api/v0/workspace", Some(&c.key), None).await.status, 200);
    // New objects get new ids.
    let fixtures = c.call("POST", "/__emulator/fixtures", None).await.json();
    assert_eq!(place(&c, &fixtures, "+919800000302", &url).await.status, 200);
    let calls = c.call("GET", "/__emulator/calls", None).await.json();
    assert!(calls["calls"].as_array().unwrap().iter().all(|call| !ids.contains(&call["id"])), "no id repeats");
}

#[tokio::test]
async fn the_control_api_takes_the_api_key() {
    let emulator = Emulator::builder().api_key("control-test-key").start().await.unwrap();
    let c = Control::new(&emulator);
    let listed = c.call("GET", "/__emulator/nowhere", None).await;
    assert_eq!(listed.status, 404);
    let routes: Vec<String> =
        listed.json()["routes"].as_array().unwrap().iter().map(|r| r.as_str().unwrap().to_string()).collect();
    for route in &routes {
        let (method, template) = route.split_once(' ').unwrap();
        let path = template.replace("{number}", "+919800000401");
        for key in [None, Some("wrong-key")] {
            let a = send(&emulator, method, &path, key, Some(b"{}")).await;
            assert_eq!(a.status, 401, "{route} with {key:?}");
            c.conforms(method, &path, &a);
        }
    }
    assert!(send(&emulator, "GET", "/__emulator/", None, None).await.detail().contains("X-API-KEY"));
    // Nothing was staged or counted by those requests.
    assert!(emulator.faults().is_empty());
    assert_eq!(emulator.requests_served(), 0, "control requests are not API requests");
}

#[tokio::test]
async fn hostile_control_requests_are_refused_with_what_to_send() {
    let emulator = Emulator::start().await.unwrap();
    let c = Control::new(&emulator);
    let long = format!("/__emulator/outcomes/{}", "9".repeat(65));
    let cases: Vec<(&str, &str, Vec<u8>, u16, &str)> = vec![
        ("POST", "/__emulator/faults", b"{not json".to_vec(), 422, "send a JSON object such as"),
        ("POST", "/__emulator/faults", b"".to_vec(), 422, "the body is empty"),
        ("POST", "/__emulator/faults", b"[1]".to_vec(), 422, "expected a JSON object"),
        (
            "POST",
            "/__emulator/faults",
            br#"{"operation":"calling.initiat","fault":"drop"}"#.to_vec(),
            422,
            "did you mean `calling.initiate`",
        ),
        ("POST", "/__emulator/faults", br#"{"operation":"x","fault":"drop"}"#.to_vec(), 422, "calling.history"),
        (
            "POST",
            "/__emulator/faults",
            br#"{"operation":"workspace.get","fault":"drop","times":1000000000000}"#.to_vec(),
            422,
            "from 1 to 1000",
        ),
        (
            "POST",
            "/__emulator/faults",
            br#"{"operation":"workspace.get","fault":"drop","times":0}"#.to_vec(),
            422,
            "from 1 to 1000",
        ),
        (
            "POST",
            "/__emulator/faults",
            br#"{"operation":"workspace.get","fault":"stall","seconds":1e300}"#.to_vec(),
            422,
            "at most 3600 s",
        ),
        (
            "POST",
            "/__emulator/faults",
            br#"{"operation":"workspace.get","fault":"reply-stall","duration":"2h"}"#.to_vec(),
            422,
            "at most 3600 s",
        ),
        (
            "POST",
            "/__emulator/faults",
            br#"{"operation":"workspace.get","fault":"stall","ms":-5}"#.to_vec(),
            422,
            "`ms` must be",
        ),
        (
            "POST",
            "/__emulator/faults",
            br#"{"operation":"workspace.get","fault":"stall"}"#.to_vec(),
            422,
            "needs how long",
        ),
        (
            "POST",
            "/__emulator/faults",
            br#"{"operation":"workspace.get","fault":"status","status":200}"#.to_vec(),
            422,
            "from 400 to 599",
        ),
        (
            "POST",
            "/__emulator/faults",
            br#"{"operation":"workspace.get","fault":"status"}"#.to_vec(),
            422,
            "needs `status`",
        ),
        (
            "POST",
            "/__emulator/faults",
            br#"{"operation":"workspace.get","fault":"drop","status":500}"#.to_vec(),
            422,
            "takes no `status`",
        ),
        (
            "POST",
            "/__emulator/faults",
            br#"{"operation":"workspace.get","fault":"explode"}"#.to_vec(),
            422,
            "reply-lost",
        ),
        (
            "POST",
            "/__emulator/faults",
            br#"{"operation":"workspace.get","fault":"drop","time":2}"#.to_vec(),
            422,
            "unknown field `time`",
        ),
        ("POST", "/__emulator/clock/advance", br#"{"seconds":1e300}"#.to_vec(), 422, "at most 2592000 s"),
        ("POST", "/__emulator/clock/advance", br#"{"duration":"31d"}"#.to_vec(), 422, "at most 2592000 s"),
        ("POST", "/__emulator/clock/advance", br#"{"duration":"5x"}"#.to_vec(), 422, "such as 90s"),
        ("POST", "/__emulator/clock/advance", br#"{"seconds":1,"ms":5}"#.to_vec(), 422, "give one of"),
        ("POST", "/__emulator/clock/advance", b"{}".to_vec(), 422, "say how far"),
        (
            "PUT",
            "/__emulator/outcomes/+91",
            br#"{"outcome":"maybe"}"#.to_vec(),
            422,
            "completed, failed, retry, voicemail",
        ),
        ("PUT", "/__emulator/outcomes/+91", br#"{}"#.to_vec(), 422, "`outcome` is required"),
        ("PUT", &long, br#"{"outcome":"failed"}"#.to_vec(), 422, "1 to 64"),
        ("PUT", "/__emulator/outcomes/%00", br#"{"outcome":"failed"}"#.to_vec(), 422, "printable"),
        ("PUT", "/__emulator/credits", br#"{"credits":1,"extra":true}"#.to_vec(), 422, "unknown field `extra`"),
        ("POST", "/__emulator/clock/advance", vec![b' '; 70_000], 413, "at most 65536 bytes"),
    ];
    for (method, path, body, status, says) in cases {
        let a = c.raw(method, path, &body).await;
        assert_eq!(
            a.status,
            status,
            "{method} {path} {}: {}",
            String::from_utf8_lossy(&body[..body.len().min(80)]),
            a.detail()
        );
        assert!(a.detail().contains(says), "{method} {path}: `{}` does not say `{says}`", a.detail());
    }
    let unknown = c.call("GET", "/__emulator/nope", None).await;
    assert_eq!(unknown.status, 404);
    assert!(unknown.detail().contains("POST /__emulator/faults"), "{}", unknown.detail());
    let wrong = c.call("PATCH", "/__emulator/outcomes", None).await;
    assert_eq!(wrong.status, 405);
    assert!(wrong.headers.contains("allow: get, delete"), "{}", wrong.headers);
    // At most 10,000 faults wait for one operation.
    for _ in 0..10 {
        let a = c
            .call(
                "POST",
                "/__emulator/faults",
                Some(json!({ "operation": "voices.list", "fault": "drop", "times": 1000 })),
            )
            .await;
        assert_eq!(a.status, 200);
    }
    let full = c
        .call("POST", "/__emulator/faults", Some(json!({ "operation": "voices.list", "fault": "drop", "times": 1 })))
        .await;
    assert_eq!(full.status, 422);
    assert!(full.detail().contains("DELETE /__emulator/faults"), "{}", full.detail());
    assert_eq!(c.call("DELETE", "/__emulator/faults", None).await.json(), json!({ "faults": [] }));
    // Nothing of that was staged, and the server still answers.
    assert_eq!(emulator.outcomes().numbers.len(), 0);
    assert_eq!(c.call("GET", "/__emulator/", None).await.status, 200);
    assert_eq!(emulator.conformance_problems(), Vec::<String>::new());
}

#[tokio::test]
async fn the_real_clock_refuses_to_be_moved_by_request() {
    let emulator = Emulator::builder().clock(Clock::Real { speed: 2.0 }).start().await.unwrap();
    let c = Control::new(&emulator);
    let clock = c.call("GET", "/__emulator/clock", None).await.json();
    assert_eq!((&clock["kind"], &clock["speed"]), (&json!("real"), &json!(2.0)));
    for (path, body) in
        [("/__emulator/clock/advance", Some(json!({ "seconds": 60 }))), ("/__emulator/clock/settle", None)]
    {
        let a = c.call("POST", path, body).await;
        assert_eq!(a.status, 409, "{path}");
        assert!(a.detail().contains("--clock manual"), "{}", a.detail());
    }
}

#[tokio::test]
async fn every_documented_route_answers_and_every_route_is_documented() {
    let emulator = Emulator::start().await.unwrap();
    let c = Control::new(&emulator);
    let listed = c.call("GET", "/__emulator/unknown", None).await.json();
    let mut served: Vec<String> =
        listed["routes"].as_array().unwrap().iter().map(|r| r.as_str().unwrap().to_string()).collect();
    let mut documented = Vec::new();
    for (path, item) in c.doc["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            if method == "parameters" {
                continue;
            }
            documented.push(format!("{} {path}", method.to_ascii_uppercase()));
            // The document's own example request, sent as it is written.
            let content = &op["requestBody"]["content"]["application/json"];
            let example = content.get("example").cloned().or_else(|| {
                content["examples"].as_object().and_then(|e| e.values().next()).map(|e| e["value"].clone())
            });
            let number = item["parameters"][0]["example"].as_str().unwrap_or("+919800000501");
            let url = path.replace("{number}", number);
            let answer = c.call(&method.to_ascii_uppercase(), &url, example).await;
            assert_eq!(answer.status, 200, "{method} {path}: {}", answer.detail());
        }
    }
    served.sort();
    documented.sort();
    assert_eq!(served, documented, "the server's routes and the document's");
    let text = c.call("GET", "/__emulator/openapi.yaml", None).await;
    assert_eq!(text.body, DOCUMENT.as_bytes(), "the document is served as written");
}

#[tokio::test]
async fn the_binary_takes_the_default_key_and_a_manual_clock() {
    let binary = env!("CARGO_BIN_EXE_ringg-emulator");
    let refused = std::process::Command::new(binary).args(["--clock", "manual", "--speed", "2"]).output().unwrap();
    assert_eq!(refused.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&refused.stderr).contains("--speed applies to the real clock"));

    let (mut child, printed, address) = common::binary(&["--port", "0", "--clock", "manual"]).await;
    let address = Some(address).filter(|a| !a.is_empty());
    let result = async {
        let address = address.ok_or("no address printed")?;
        assert!(printed.contains(&format!("X-API-KEY: {}", ringg_emulator::DEFAULT_KEY)), "{printed}");
        let mut s = tokio::net::TcpStream::connect(&address).await.map_err(|e| e.to_string())?;
        let body = r#"{"seconds": 60}"#;
        let head = format!(
            "POST /__emulator/clock/advance HTTP/1.1\r\nhost: x\r\nconnection: close\r\nx-api-key: {}\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\r\n{body}",
            ringg_emulator::DEFAULT_KEY,
            body.len()
        );
        s.write_all(head.as_bytes()).await.map_err(|e| e.to_string())?;
        let mut out = Vec::new();
        tokio::time::timeout(Duration::from_secs(20), s.read_to_end(&mut out)).await.map_err(|e| e.to_string())?.ok();
        Ok::<String, String>(String::from_utf8_lossy(&out).into_owned())
    }
    .await;
    let _ = child.kill();
    let _ = child.wait();
    let answer = result.unwrap();
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    assert!(answer.contains(r#""kind":"manual""#), "{answer}");
}

#[tokio::test]
async fn an_advance_waiting_for_a_slow_receiver_holds_up_no_other_request() {
    let emulator = Emulator::start().await.unwrap();
    let c = Control::new(&emulator);
    let fixtures = c.call("POST", "/__emulator/fixtures", None).await.json();
    // A receiver that answers only when the test lets it.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/slow", listener.local_addr().unwrap());
    let (release, released) = tokio::sync::oneshot::channel::<()>();
    let (reached, reached_rx) = tokio::sync::oneshot::channel::<()>();
    let receiver = tokio::spawn(async move {
        let (mut s, _) = listener.accept().await.unwrap();
        let mut buf = [0u8; 4096];
        let _ = tokio::time::timeout(Duration::from_secs(20), s.read(&mut buf)).await;
        let _ = reached.send(());
        let _ = tokio::time::timeout(Duration::from_secs(20), released).await;
        let _ = s.write_all(b"HTTP/1.1 200 OK\r\ncontent-length: 0\r\nconnection: close\r\n\r\n").await;
    });
    assert_eq!(place(&c, &fixtures, "+919800000601", &url).await.status, 200);

    let advance = {
        let addr = emulator.addr();
        let key = c.key.clone();
        tokio::spawn(async move {
            let body = r#"{"ms": 1}"#;
            let mut s = tokio::net::TcpStream::connect(addr).await.unwrap();
            let head = format!(
                "POST /__emulator/clock/advance HTTP/1.1\r\nhost: x\r\nconnection: close\r\nx-api-key: {key}\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\r\n{body}",
                body.len()
            );
            s.write_all(head.as_bytes()).await.unwrap();
            let mut out = Vec::new();
            let _ = tokio::time::timeout(Duration::from_secs(30), s.read_to_end(&mut out)).await;
            String::from_utf8_lossy(&out).into_owned()
        })
    };
    // While the advance waits for the receiver, the control API and the API answer.
    tokio::time::timeout(Duration::from_secs(20), reached_rx).await.unwrap().unwrap();
    assert_eq!(c.call("GET", "/__emulator/clock", None).await.status, 200);
    assert_eq!(c.call("GET", "/__emulator/calls", None).await.status, 200);
    assert_eq!(send(&emulator, "GET", "/ca/api/v0/workspace", Some(&c.key), None).await.status, 200);
    assert!(!advance.is_finished(), "the advance still waits for the receiver");
    release.send(()).unwrap();
    let answer = advance.await.unwrap();
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    receiver.await.unwrap();
}

#[tokio::test]
async fn no_body_makes_a_control_route_fail_or_drop_the_connection() {
    let emulator = Emulator::start().await.unwrap();
    let c = Control::new(&emulator);
    let routes = c.call("GET", "/__emulator/x", None).await.json()["routes"].clone();
    let deep = format!("{}{}", "[".repeat(5_000), "]".repeat(5_000));
    let long = format!(r#"{{"operation":"{}","fault":"drop"}}"#, "é".repeat(20_000));
    let bodies: Vec<Vec<u8>> = vec![
        b"null".to_vec(),
        b"\"x\"".to_vec(),
        b"1e999".to_vec(),
        deep.into_bytes(),
        long.into_bytes(),
        vec![0xff, 0xfe, 0x00],
        br#"{"outcome":null,"credits":null,"seconds":null,"operation":null}"#.to_vec(),
        br#"{"seconds":-1}"#.to_vec(),
        br#"{"ms":18446744073709551615}"#.to_vec(),
        br#"{"duration":"99999999999999999999999d"}"#.to_vec(),
        br#"{"operation":"workspace.get","fault":"rate-limited","retry_after":4294967296}"#.to_vec(),
        br#"{"operation":"workspace.get","fault":"reply-status","status":65536}"#.to_vec(),
        br#"{"outcome":"failed","outcome":"retry"}"#.to_vec(),
    ];
    for route in routes.as_array().unwrap() {
        let (method, template) = route.as_str().unwrap().split_once(' ').unwrap();
        for number in ["%ZZ", "%2F..%2F", "default"] {
            let path = template.replace("{number}", number);
            for body in &bodies {
                let a = c.raw(method, &path, body).await;
                assert!(
                    (200..500).contains(&a.status),
                    "{method} {path} {:?}: {} {}",
                    String::from_utf8_lossy(&body[..body.len().min(60)]),
                    a.status,
                    a.detail()
                );
                if a.status >= 400 {
                    assert!(!a.detail().is_empty(), "{method} {path}: an error says what to send");
                }
            }
            if !template.contains('{') {
                break;
            }
        }
    }
    // What was refused staged nothing; the server answers on.
    assert!(emulator.faults().is_empty());
    assert_eq!(c.call("GET", "/__emulator/", None).await.status, 200);
}
