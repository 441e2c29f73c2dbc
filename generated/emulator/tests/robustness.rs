//! The emulator against hostile clients: the requests that once crashed it, a property test
//! that drives every operation of `openapi.yaml` with generated and mutated input, every
//! request example of the spec, and the HTTP layer's limits. Nothing may panic, answer 5xx or
//! drop a connection without an answer.

use std::time::Duration;

use ringg_emulator::{CallOutcome, Emulator};
use serde_json::{Map, Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// Sends raw bytes and reads the whole answer (the request must ask to close): the status
/// (0 when the connection closed without one), the head and the body.
async fn exchange(emulator: &Emulator, bytes: &[u8]) -> (u16, String, Vec<u8>) {
    let mut s = tokio::net::TcpStream::connect(emulator.addr()).await.unwrap();
    s.write_all(bytes).await.unwrap();
    let mut out = Vec::new();
    let read = tokio::time::timeout(Duration::from_secs(20), s.read_to_end(&mut out)).await;
    assert!(read.is_ok(), "no answer within 20 s");
    let split = out.windows(4).position(|w| w == b"\r\n\r\n").map_or(out.len(), |p| p + 4);
    let head = String::from_utf8_lossy(&out[..split]).to_string();
    let status = head.get(9..12).and_then(|c| c.parse().ok()).unwrap_or(0);
    (status, head, out[split..].to_vec())
}

/// A request with a body, its length given.
fn request(method: &str, path: &str, key: &str, content_type: &str, body: &[u8]) -> Vec<u8> {
    let mut r = format!(
        "{method} {path} HTTP/1.1\r\nhost: localhost\r\nconnection: close\r\nx-api-key: {key}\r\ncontent-type: {content_type}\r\ncontent-length: {}\r\n\r\n",
        body.len()
    )
    .into_bytes();
    r.extend_from_slice(body);
    r
}

async fn workspace_answers(e: &Emulator) {
    let (status, _, _) = exchange(e, &request("GET", "/ca/api/v0/workspace", &e.api_key(), "text/plain", b"")).await;
    assert_eq!(status, 200, "GET /workspace still answers");
}

#[tokio::test]
async fn the_three_crashing_requests_answer_4xx() {
    let e = Emulator::start().await.unwrap();
    let fx = e.fixtures().await;
    let key = e.api_key();
    // 1. A retry delay that overflows when turned into milliseconds.
    let body = json!({ "name": "A", "mobile_number": "+919800000001", "agent_id": fx.agent_id.to_string(),
        "from_number_id": fx.number_id.to_string(),
        "call_config": { "call_retry_config": { "retry_not_picked": i64::MAX } } });
    let (status, _, answer) = exchange(
        &e,
        &request(
            "POST",
            "/ca/api/v0/calling/outbound/individual",
            &key,
            "application/json",
            body.to_string().as_bytes(),
        ),
    )
    .await;
    assert_eq!(status, 422);
    let answer: Value = serde_json::from_slice(&answer).unwrap();
    assert_eq!(answer["detail"][0]["loc"], json!(["body", "call_config", "call_retry_config", "retry_not_picked"]));
    // Set on the agent, it is refused the same way.
    let edit = json!({ "agent_id": fx.agent_id.to_string(), "operation": "edit_call_config",
        "call_config": { "call_retry_config": { "retry_not_picked": i64::MAX } } });
    let (status, _, _) =
        exchange(&e, &request("PATCH", "/ca/api/v0/agent/v1", &key, "application/json", edit.to_string().as_bytes()))
            .await;
    assert_eq!(status, 422);
    // 2. A non-ASCII character in a date's UTC offset, on every endpoint that reads dates.
    for path in [
        "/ca/api/v0/calling/history?start_date=2025-01-01T10:00%2B0%C3%A900",
        "/ca/api/v0/analytics/platform-analytics?start_date=2025-01-01T10:00%2B0%C3%A900",
    ] {
        let (status, _, _) = exchange(&e, &request("GET", path, &key, "text/plain", b"")).await;
        assert_eq!(status, 422, "{path}");
    }
    let (status, _, _) = exchange(
        &e,
        &request(
            "POST",
            "/ca/api/v0/calling/history/download?start_date=2025-01-01T10:00%2B0%C3%A900",
            &key,
            "text/plain",
            b"",
        ),
    )
    .await;
    assert_eq!(status, 422);
    // 3. A multipart part whose headers run straight into the closing boundary.
    let form = b"--xyz\r\nContent-Disposition: form-data; name=\"kb_name\"\r\n\r\n--xyz--";
    let (status, _, _) =
        exchange(&e, &request("POST", "/ca/api/v0/external/kb", &key, "multipart/form-data; boundary=xyz", form)).await;
    assert!((400..500).contains(&status), "{status}");
    workspace_answers(&e).await;
}

#[tokio::test]
async fn a_refused_campaign_start_changes_nothing() {
    let e = Emulator::builder().credits(1.0).start().await.unwrap();
    let fx = e.fixtures().await;
    let client = e.client();
    let pool = fx.number_pool_id.to_string();
    let start = ringg::types::StartCampaignFromPool::new(
        ringg::types::AgentId::new(fx.agent_id.to_string()),
        ringg::types::ListId::new(fx.list_id.to_string()),
        ringg::types::PoolId::new(pool.as_str()),
    );
    // One row needs one credit: with 0.5 left the start is refused...
    e.set_credits(0.5);
    let err = client.campaigns().start_from_pool(start.clone()).await.unwrap_err();
    assert_eq!(err.status(), Some(402));
    let list = serde_json::to_value(client.campaigns().list().await.unwrap()).unwrap();
    let fixture = list["campaigns"].as_array().unwrap().iter().find(|c| c["id"] == fx.list_id.to_string().as_str());
    assert_eq!(fixture.unwrap()["campaign_status"], "draft", "a refused start leaves the campaign a draft");
    // ... and once credits are there, it starts.
    e.set_credits(10.0);
    client.campaigns().start_from_pool(start).await.expect("started after the refusal");
}

/// A small deterministic generator (xorshift), so that the property test is the same on
/// every run.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
    fn chance(&mut self, percent: u64) -> bool {
        self.next() % 100 < percent
    }
}

/// Texts and numbers that broke or could break parsers: integer limits, non-ASCII, control
/// characters, truncations.
const NASTY_TEXT: &[&str] = &[
    "",
    "\u{e9}",
    "2025-01-01T10:00+0\u{e9}00",
    "\u{0}\u{1}\u{7f}",
    "\r\n--xyz--\r\n",
    "01/03/2026, 2\u{e9}:00",
    "%zz%",
    "9223372036854775807",
    "-1",
    "1e400",
    "\u{1f600}\u{1f600}\u{1f600}",
    "a/b?c#d",
];
const NASTY_NUMBERS: &[&str] =
    &["9223372036854775807", "-9223372036854775808", "18446744073709551615", "1e308", "-1e308", "0", "-1", "0.5"];

struct Generator<'a> {
    schemas: &'a Map<String, Value>,
    ids: &'a Map<String, Value>,
    rng: Rng,
}

impl Generator<'_> {
    fn resolve<'v>(&'v self, mut s: &'v Value) -> &'v Value {
        for _ in 0..8 {
            if let Some(r) = s.get("$ref").and_then(Value::as_str) {
                match r.rsplit('/').next().and_then(|n| self.schemas.get(n)) {
                    Some(t) => s = t,
                    None => return s,
                }
            } else if let Some(one) = s.get("allOf").and_then(Value::as_array).filter(|a| a.len() == 1) {
                s = &one[0];
            } else {
                return s;
            }
        }
        s
    }

    /// A value of a schema, usually fitting, sometimes mutated; `name` is the field's name,
    /// used to pick the fixtures' ids.
    fn value(&mut self, schema: &Value, name: &str, depth: usize) -> Value {
        if self.rng.chance(12) {
            return self.mutation();
        }
        if let Some(id) = self.ids.get(name)
            && self.rng.chance(70)
        {
            return id.clone();
        }
        let s = self.resolve(schema).clone();
        if depth > 6 {
            return Value::Null;
        }
        if let Some(all) = s.get("allOf").and_then(Value::as_array) {
            let mut out = Map::new();
            for part in all {
                if let Value::Object(o) = self.value(part, name, depth + 1) {
                    out.extend(o);
                }
            }
            return Value::Object(out);
        }
        if let Some(members) = s.get("oneOf").or_else(|| s.get("anyOf")).and_then(Value::as_array) {
            let pick = members[self.rng.below(members.len())].clone();
            return self.value(&pick, name, depth + 1);
        }
        if let Some(values) = s.get("enum").and_then(Value::as_array).filter(|v| !v.is_empty()) {
            return values[self.rng.below(values.len())].clone();
        }
        match s.get("type").and_then(Value::as_str) {
            Some("string") => match s.get("format").and_then(Value::as_str) {
                Some("date") => json!("2026-03-01"),
                Some("date-time") => json!("2026-03-01T09:00:00Z"),
                _ => json!(["Ada", "+919800000001", "x"][self.rng.below(3)]),
            },
            Some("integer") => json!([0, 1, 20, 100][self.rng.below(4)]),
            Some("number") => json!([0.0, 1.5, 25.0][self.rng.below(3)]),
            Some("boolean") => json!(self.rng.chance(50)),
            Some("array") => {
                let item = s.get("items").cloned().unwrap_or(json!({}));
                Value::Array((0..self.rng.below(3)).map(|_| self.value(&item, name, depth + 1)).collect())
            }
            Some("object") | None if s.get("properties").is_some() => {
                let required: Vec<String> = s["required"]
                    .as_array()
                    .map(|r| r.iter().filter_map(Value::as_str).map(str::to_string).collect())
                    .unwrap_or_default();
                let mut out = Map::new();
                for (k, v) in s["properties"].as_object().into_iter().flatten() {
                    let wanted = required.contains(k) || self.rng.chance(40);
                    // Missing required fields, sometimes.
                    if wanted && !self.rng.chance(5) {
                        out.insert(k.clone(), self.value(v, k, depth + 1));
                    }
                }
                Value::Object(out)
            }
            _ => json!({}),
        }
    }

    /// A value of the wrong kind or at a limit.
    fn mutation(&mut self) -> Value {
        match self.rng.below(6) {
            0 => json!(i64::MAX),
            1 => json!(i64::MIN),
            2 => json!(u64::MAX),
            3 => json!(NASTY_TEXT[self.rng.below(NASTY_TEXT.len())]),
            4 => json!([json!(null), json!({})]),
            _ => json!(-1.5e300),
        }
    }

    /// Query text for a parameter.
    fn text(&mut self, schema: &Value, name: &str) -> String {
        if self.rng.chance(25) {
            let pool = if self.rng.chance(50) { NASTY_TEXT } else { NASTY_NUMBERS };
            return pool[self.rng.below(pool.len())].to_string();
        }
        match self.value(schema, name, 0) {
            Value::String(s) => s,
            other => other.to_string(),
        }
    }
}

/// Percent-encodes every byte that is not unreserved.
fn encode(text: &str) -> String {
    text.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

/// A multipart body of a form's fields: text parts as text (objects as JSON), file parts as
/// small files; sometimes a part is empty, truncated or its headers run into the boundary.
fn form(g: &mut Generator<'_>, schema: &Value) -> Vec<u8> {
    let s = g.resolve(schema).clone();
    let mut out = Vec::new();
    for (k, v) in s["properties"].as_object().into_iter().flatten() {
        let is_file = |v: &Value| v.get("format").and_then(Value::as_str) == Some("binary");
        let file = is_file(v) || v.get("items").is_some_and(is_file);
        if !file && !s["required"].as_array().is_some_and(|r| r.contains(&json!(k))) && g.rng.chance(50) {
            continue;
        }
        out.extend_from_slice(b"--xyz\r\n");
        if file {
            out.extend_from_slice(
                format!("Content-Disposition: form-data; name=\"{k}\"; filename=\"f\u{e9}.csv\"\r\n\r\n").as_bytes(),
            );
            out.extend_from_slice(b"callee_name,mobile_number\nAda,+919876543210\n");
        } else {
            out.extend_from_slice(format!("Content-Disposition: form-data; name=\"{k}\"\r\n").as_bytes());
            if g.rng.chance(10) {
                // Headers straight into the next boundary.
                continue;
            }
            out.extend_from_slice(b"\r\n");
            let value = match g.value(v, k, 0) {
                Value::String(t) => t,
                other => other.to_string(),
            };
            out.extend_from_slice(value.as_bytes());
        }
        out.extend_from_slice(b"\r\n");
    }
    out.extend_from_slice(b"--xyz--\r\n");
    if g.rng.chance(10) {
        let cut = g.rng.below(out.len());
        out.truncate(cut);
    }
    out
}

/// Every operation of `openapi.yaml`, driven with bodies, query strings, path ids and
/// multipart forms generated from the spec's own schemas plus mutations. A fixed seed and a
/// bounded number of cases: the same requests on every run.
#[tokio::test]
async fn every_operation_survives_generated_and_mutated_input() {
    const CASES_PER_OPERATION: usize = 40;
    let text = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../openapi.yaml")).unwrap();
    let doc: Value = serde_saphyr::from_str(&text).unwrap();
    let schemas = doc["components"]["schemas"].as_object().unwrap().clone();
    let e = Emulator::builder().delivery_timeout(Duration::from_millis(200)).start().await.unwrap();
    let fx = e.fixtures().await;
    let mut ids = Map::new();
    for name in [
        "agent_id",
        "from_number_id",
        "number_id",
        "number_pool_id",
        "kb_id",
        "list_id",
        "bulk_list_id",
        "id",
        "call_id",
        "voice_id",
        "campaign_start_time",
        "campaign_end_time",
    ] {
        ids.insert(name.to_string(), json!(fx.id_for(name).expect("a fixture")));
    }
    let key = e.api_key();
    let mut g = Generator { schemas: &schemas, ids: &ids, rng: Rng(0x5eed_1234_abcd_ef01) };
    let mut sent = 0;
    for (path, methods) in doc["paths"].as_object().unwrap() {
        for (method, op) in methods.as_object().unwrap() {
            let Some(op_id) = op["operationId"].as_str() else { continue };
            let base = if op.get("servers").is_some() { "/stt/v1" } else { "/ca/api/v0" };
            for _ in 0..CASES_PER_OPERATION {
                let mut url = format!("{base}{path}");
                let mut query = Vec::new();
                for p in op["parameters"].as_array().into_iter().flatten() {
                    let p = g.resolve(p).clone();
                    let name = p["name"].as_str().unwrap_or("");
                    let value = g.text(&p["schema"], name);
                    match p["in"].as_str() {
                        Some("path") => {
                            let value = if value.is_empty() { "x".to_string() } else { value };
                            url = url.replace(&format!("{{{name}}}"), &encode(&value));
                        }
                        Some("query") if g.rng.chance(60) => query.push(format!("{}={}", encode(name), encode(&value))),
                        _ => {}
                    }
                }
                if !query.is_empty() {
                    url = format!("{url}?{}", query.join("&"));
                }
                let content = op["requestBody"]["content"].as_object();
                let (ct, body) = match content {
                    Some(c) if c.contains_key("multipart/form-data") => {
                        ("multipart/form-data; boundary=xyz", form(&mut g, &c["multipart/form-data"]["schema"]))
                    }
                    Some(c) => {
                        let schema = c.values().next().map(|m| m["schema"].clone()).unwrap_or(json!({}));
                        let v = g.value(&schema, "body", 0);
                        let mut bytes = v.to_string().into_bytes();
                        if g.rng.chance(5) {
                            let cut = g.rng.below(bytes.len());
                            bytes.truncate(cut);
                        }
                        ("application/json", bytes)
                    }
                    None => ("text/plain", Vec::new()),
                };
                let ct = if g.rng.chance(3) { "text/plain" } else { ct };
                let (status, head, answer) =
                    exchange(&e, &request(&method.to_uppercase(), &url, &key, ct, &body)).await;
                assert!(
                    (200..500).contains(&status),
                    "{op_id} {method} {url} answered {status}: {head}{}\nbody: {}",
                    String::from_utf8_lossy(&answer),
                    String::from_utf8_lossy(&body)
                );
                sent += 1;
            }
            // Let calls, campaigns and deliveries caused so far move on.
            e.advance(Duration::from_secs(120)).await;
        }
    }
    assert!(sent >= 39 * CASES_PER_OPERATION, "{sent} requests");
    e.settle().await;
    workspace_answers(&e).await;
}

/// The spec's request examples, as written except for the ids of objects a test must create
/// first (agents, numbers, lists, knowledge bases, calls): each is accepted.
#[tokio::test]
async fn every_request_example_of_the_spec_is_accepted() {
    let text = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../openapi.yaml")).unwrap();
    let doc: Value = serde_saphyr::from_str(&text).unwrap();
    let mut checked = 0;
    for (path, methods) in doc["paths"].as_object().unwrap() {
        for (method, op) in methods.as_object().unwrap() {
            let Some(op_id) = op["operationId"].as_str() else { continue };
            let Some(json_body) = op["requestBody"]["content"]["application/json"].as_object() else { continue };
            let examples: Vec<Value> = json_body
                .get("examples")
                .and_then(Value::as_object)
                .map(|m| m.values().map(|x| x["value"].clone()).collect())
                .unwrap_or_default();
            for example in examples {
                let e = Emulator::start().await.unwrap();
                let fx = e.fixtures().await;
                let operation = ringg_emulator::Operation::ALL
                    .into_iter()
                    .find(|o| o.name().replacen('.', "_", 1) == op_id)
                    .expect("every operationId names an operation");
                let mut body = fx.request(operation, example.clone());
                // Voices are the spec's own: send the example's.
                for k in ["voice_id", "secondary_voice_id"] {
                    if let Some(v) = example.get(k) {
                        body[k] = v.clone();
                    }
                }
                let mut url = format!("/ca/api/v0{path}");
                for p in ["agent_id", "kb_id", "bulk_list_id", "list_id"] {
                    url = url.replace(&format!("{{{p}}}"), &fx.id_for(p).expect("a fixture"));
                }
                let (status, head, answer) = exchange(
                    &e,
                    &request(
                        &method.to_uppercase(),
                        &url,
                        &e.api_key(),
                        "application/json",
                        body.to_string().as_bytes(),
                    ),
                )
                .await;
                assert_eq!(status, 200, "{op_id}: {head}{}\n{body}", String::from_utf8_lossy(&answer));
                checked += 1;
            }
        }
    }
    assert!(checked >= 10, "{checked} examples");
}

#[tokio::test]
async fn http_405_names_the_allowed_methods() {
    let e = Emulator::start().await.unwrap();
    let (status, head, _) =
        exchange(&e, &request("PUT", "/ca/api/v0/workspace", &e.api_key(), "text/plain", b"")).await;
    assert_eq!(status, 405);
    assert!(head.to_ascii_lowercase().contains("\r\nallow: get\r\n"), "{head}");
}

#[tokio::test]
async fn a_malformed_chunked_body_is_400() {
    let e = Emulator::start().await.unwrap();
    let req = format!(
        "POST /ca/api/v0/public/agent HTTP/1.1\r\nhost: localhost\r\nconnection: close\r\nx-api-key: {}\r\ncontent-type: application/json\r\ntransfer-encoding: chunked\r\n\r\nzz\r\n{{}}\r\n0\r\n\r\n",
        e.api_key()
    );
    let (status, head, _) = exchange(&e, req.as_bytes()).await;
    assert_eq!(status, 400, "{head}");
}

#[tokio::test]
async fn a_half_sent_request_head_is_cut_off() {
    let e = Emulator::builder().header_read_timeout(Duration::from_millis(300)).start().await.unwrap();
    let mut s = tokio::net::TcpStream::connect(e.addr()).await.unwrap();
    s.write_all(b"GET /ca/api/v0/workspace HTTP/1.1\r\nhost: local").await.unwrap();
    let mut out = Vec::new();
    let closed = tokio::time::timeout(Duration::from_secs(10), s.read_to_end(&mut out)).await;
    assert!(closed.is_ok(), "the connection is closed after the header timeout");
    workspace_answers(&e).await;
}

#[tokio::test]
async fn bodies_in_flight_are_bounded_across_connections() {
    // The budget is one largest body: a second large body waits until the first is answered.
    let e = Emulator::builder().max_bytes_in_flight(0).start().await.unwrap();
    let big = 16 * 1024 * 1024;
    let head = |n: usize| {
        format!(
            "POST /ca/api/v0/public/agent HTTP/1.1\r\nhost: localhost\r\nconnection: close\r\nx-api-key: {}\r\ncontent-type: application/json\r\ncontent-length: {n}\r\n\r\n",
            e.api_key()
        )
    };
    // The first holds the whole budget and sends only part of its body.
    let mut first = tokio::net::TcpStream::connect(e.addr()).await.unwrap();
    first.write_all(head(big).as_bytes()).await.unwrap();
    first.write_all(&vec![b' '; 1024]).await.unwrap();
    tokio::time::sleep(Duration::from_millis(200)).await;
    // A small body waits for budget...
    let addr = e.addr();
    let small = request("POST", "/ca/api/v0/public/agent", &e.api_key(), "application/json", b"{}");
    let second = tokio::spawn(async move {
        let mut s = tokio::net::TcpStream::connect(addr).await.unwrap();
        s.write_all(&small).await.unwrap();
        let mut out = Vec::new();
        s.read_to_end(&mut out).await.unwrap();
        String::from_utf8_lossy(&out).to_string()
    });
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(!second.is_finished(), "the second body waits while the first holds the budget");
    // ... and is answered once the first is.
    first.write_all(&vec![b' '; big - 1024]).await.unwrap();
    let mut out = Vec::new();
    first.read_to_end(&mut out).await.unwrap();
    assert!(out.starts_with(b"HTTP/1.1 422"), "{}", String::from_utf8_lossy(&out[..40.min(out.len())]));
    let answer = tokio::time::timeout(Duration::from_secs(10), second).await.unwrap().unwrap();
    assert!(answer.starts_with("HTTP/1.1 422"), "{answer}");
}

/// A receiver that accepts connections and never answers.
async fn stalled_receiver() -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/hook", listener.local_addr().unwrap());
    tokio::spawn(async move {
        let mut held = Vec::new();
        for _ in 0..64 {
            let Ok((s, _)) = listener.accept().await else { return };
            held.push(s);
        }
    });
    url
}

/// A receiver that answers 200 and counts requests.
async fn counting_receiver() -> (String, std::sync::Arc<std::sync::atomic::AtomicUsize>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/hook", listener.local_addr().unwrap());
    let count = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let seen = count.clone();
    tokio::spawn(async move {
        for _ in 0..256 {
            let Ok((mut s, _)) = listener.accept().await else { return };
            let seen = seen.clone();
            tokio::spawn(async move {
                let mut buf = vec![0u8; 65_536];
                let mut got = Vec::new();
                while let Ok(n) = s.read(&mut buf).await {
                    if n == 0 {
                        break;
                    }
                    got.extend_from_slice(&buf[..n]);
                    if let Some(p) = got.windows(4).position(|w| w == b"\r\n\r\n") {
                        let head = String::from_utf8_lossy(&got[..p]).to_ascii_lowercase();
                        let len = head
                            .lines()
                            .find_map(|l| l.strip_prefix("content-length:"))
                            .and_then(|v| v.trim().parse::<usize>().ok())
                            .unwrap_or(0);
                        if got.len() >= p + 4 + len {
                            break;
                        }
                    }
                }
                seen.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                let _ = s.write_all(b"HTTP/1.1 200 OK\r\ncontent-length: 0\r\nconnection: close\r\n\r\n").await;
            });
        }
    });
    (url, count)
}

async fn subscribe(e: &Emulator, agent: &str, subs: Value) {
    let edit: ringg::types::AgentEdit = serde_json::from_value(
        json!({ "agent_id": agent, "operation": "edit_event_subscriptions", "event_subscriptions": subs }),
    )
    .unwrap();
    e.client().assistants().edit(edit).await.unwrap();
}

async fn new_agent(e: &Emulator, fx: &ringg_emulator::Fixtures) -> String {
    let example = json!({ "agent_name": "B", "introduction_and_objective": "x", "response_guidelines": "x", "task": "x",
        "primary_language": "en-IN", "voice_id": fx.voice_id.to_string(), "intro_message": "Hi" });
    let body: ringg::types::AgentCreate = serde_json::from_value(example).unwrap();
    let made = serde_json::to_value(e.client().assistants().create(body).await.unwrap()).unwrap();
    made["data"]["id"].as_str().unwrap().to_string()
}

async fn place(e: &Emulator, fx: &ringg_emulator::Fixtures, agent: &str, to: &str) -> String {
    let call = ringg::types::InitiateCallFromPool::new(
        "Ada",
        ringg::types::PhoneNumber::new(to),
        ringg::types::AgentId::new(agent),
        ringg::types::CallFrom::Pool(ringg::types::PoolId::new(fx.number_pool_id.to_string())),
    );
    let placed = serde_json::to_value(e.client().calling().initiate_from_pool(call).await.unwrap()).unwrap();
    placed["data"]["call_id"].as_str().unwrap().to_string()
}

#[tokio::test]
async fn a_stalled_receiver_does_not_hold_up_other_calls() {
    // The real clock at 600x: a whole call lifecycle is about 0.15 s of real time.
    let e = Emulator::builder().clock(ringg_emulator::Clock::Real { speed: 600.0 }).start().await.unwrap();
    let fx = e.fixtures().await;
    let stalled = new_agent(&e, &fx).await;
    subscribe(&e, &stalled, json!([{ "event_type": ["call_started", "call_ringing", "call_completed"], "callback_url": stalled_receiver().await }])).await;
    let other = new_agent(&e, &fx).await;
    place(&e, &fx, &stalled, "+919800000011").await;
    let started = std::time::Instant::now();
    let id = place(&e, &fx, &other, "+919800000012").await;
    loop {
        let d =
            serde_json::to_value(e.client().calling().details(ringg::types::CallId::new(&id)).await.unwrap()).unwrap();
        if d["data"]["call_status"] == "completed" {
            break;
        }
        assert!(started.elapsed() < Duration::from_secs(4), "the other agent's call is held up: {d}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

#[tokio::test]
async fn finished_deliveries_are_kept_to_a_bounded_record() {
    let e = Emulator::builder().delivery_record(5).start().await.unwrap();
    let fx = e.fixtures().await;
    let (url, count) = counting_receiver().await;
    let agent = fx.agent_id.to_string();
    subscribe(&e, &agent, json!([{ "event_type": ["call_started", "call_completed"], "callback_url": url }])).await;
    for n in 0..6 {
        place(&e, &fx, &agent, &format!("+91980000010{n}")).await;
    }
    e.settle().await;
    assert_eq!(count.load(std::sync::atomic::Ordering::SeqCst), 12, "every delivery was made");
    let kept = e.deliveries();
    assert_eq!(kept.len(), 5, "only the last five are kept");
    let ids: Vec<&str> = kept.iter().map(|d| d.call_id.as_str()).collect();
    assert!(ids.windows(2).all(|w| w[0] <= w[1] || w[0] != w[1]), "{ids:?}");
}

#[tokio::test]
async fn call_completed_has_no_recording_yet_and_retries_count_from_zero() {
    let e = Emulator::start().await.unwrap();
    let fx = e.fixtures().await;
    let (url, _) = counting_receiver().await;
    let agent = fx.agent_id.to_string();
    subscribe(&e, &agent, json!([{ "event_type": ["call_completed", "recording_completed"], "callback_url": url }]))
        .await;
    e.set_outcome("+919800000021", CallOutcome::Retry);
    let id = place(&e, &fx, &agent, "+919800000021").await;
    e.settle().await;
    let mine: Vec<_> = e.deliveries().into_iter().filter(|d| d.call_id.as_str() == id).collect();
    let completed: Vec<&Value> = mine.iter().filter(|d| d.event_type == "call_completed").map(|d| &d.body).collect();
    assert_eq!(completed.len(), 2, "one per attempt");
    assert_eq!((completed[0]["status"].as_str(), completed[0]["retry_count"].as_i64()), (Some("retry"), Some(0)));
    assert_eq!((completed[1]["status"].as_str(), completed[1]["retry_count"].as_i64()), (Some("completed"), Some(1)));
    assert!(completed.iter().all(|b| b["recording_url"].is_null()), "{completed:?}");
    let recording = mine.iter().find(|d| d.event_type == "recording_completed").unwrap();
    assert!(recording.body["recording_url"].is_string());
}

#[tokio::test]
async fn a_later_subscription_moves_the_event_and_headers_read_back_masked() {
    let e = Emulator::start().await.unwrap();
    let fx = e.fixtures().await;
    let (first, first_count) = counting_receiver().await;
    let (second, second_count) = counting_receiver().await;
    let agent = fx.agent_id.to_string();
    subscribe(
        &e,
        &agent,
        json!([
            { "event_type": ["call_started", "call_completed"], "callback_url": first, "headers": { "X-Secret": "s3cret" } },
            { "event_type": "call_started", "callback_url": second },
        ]),
    )
    .await;
    place(&e, &fx, &agent, "+919800000031").await;
    e.settle().await;
    assert_eq!(first_count.load(std::sync::atomic::Ordering::SeqCst), 1, "only call_completed stays on the first URL");
    assert_eq!(second_count.load(std::sync::atomic::Ordering::SeqCst), 1, "call_started moved to the second URL");
    let shown = serde_json::to_value(e.client().assistants().get(ringg::types::AgentId::new(&agent)).await.unwrap())
        .unwrap()
        .to_string();
    assert!(!shown.contains("s3cret"), "the header value is masked on read: {shown}");
    let delivered = e.deliveries();
    let sent = delivered.iter().find(|d| d.url == first).unwrap();
    assert_eq!(sent.headers, [("X-Secret".to_string(), "s3cret".to_string())], "the real value is sent");
}

#[tokio::test]
async fn deleting_an_agent_mid_call_still_reports_the_call() {
    let e = Emulator::start().await.unwrap();
    let fx = e.fixtures().await;
    let (url, _) = counting_receiver().await;
    let agent = new_agent(&e, &fx).await;
    subscribe(
        &e,
        &agent,
        json!([{ "event_type": ["call_completed", "all_processing_completed"], "callback_url": url }]),
    )
    .await;
    let id = place(&e, &fx, &agent, "+919800000041").await;
    e.advance(Duration::from_secs(10)).await;
    e.client().assistants().delete(ringg::types::AgentId::new(&agent)).await.unwrap();
    e.settle().await;
    let events: Vec<String> =
        e.deliveries().into_iter().filter(|d| d.call_id.as_str() == id).map(|d| d.event_type).collect();
    assert_eq!(events, ["call_completed", "all_processing_completed"]);
}

#[tokio::test]
async fn campaign_times_are_validated() {
    let e = Emulator::start().await.unwrap();
    let fx = e.fixtures().await;
    let save = |start: &str| {
        ringg::types::SaveCampaign::new(ringg::types::SaveCampaignRequired {
            file: ringg::Upload::from_bytes("callee_name,mobile_number\nAda,+919876543210\n", "c.csv"),
            agent_id: ringg::types::AgentId::new(fx.agent_id.to_string()),
            campaign_name: "T".into(),
            country_code: "+91".into(),
            campaign_start_time: start.into(),
            campaign_end_time: "01/03/2030, 18:00".into(),
            variables_map: Default::default(),
            call_config: ringg::types::CallConfig::default(),
        })
    };
    for bad in ["tomorrow-ish", "01/03/2025, 09:00", "01/03/2026, 09:00"] {
        let err = e.client().campaigns().save(save(bad)).await.unwrap_err();
        assert_eq!(err.status(), Some(400), "{bad}: {err}");
        assert!(err.to_string().contains("campaign_start_time"), "{err}");
    }
    e.client()
        .campaigns()
        .save(save(&fx.id_for("campaign_start_time").expect("a fixture")))
        .await
        .expect("a future start");
}

#[tokio::test]
async fn dates_before_1970_filter_history() {
    let e = Emulator::start().await.unwrap();
    let (status, _, body) = exchange(
        &e,
        &request("GET", "/ca/api/v0/calling/history?start_date=1969-07-20T20:17:00Z", &e.api_key(), "text/plain", b""),
    )
    .await;
    assert_eq!(status, 200, "{}", String::from_utf8_lossy(&body));
}
