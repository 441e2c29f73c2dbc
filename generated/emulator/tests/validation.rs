//! Raw HTTP against the emulator: every validation class answers 4xx with a FastAPI-style
//! `detail` list naming the field, and bad input never gets a 5xx.

mod common;

use common::raw;
use ringg_emulator::Emulator;
use serde_json::{Value, json};

fn key(e: &Emulator) -> (&'static str, String) {
    ("x-api-key", e.api_key())
}

fn json_ct() -> (&'static str, String) {
    ("content-type", "application/json".into())
}

/// The `loc` of every problem in a `detail` list.
fn locs(body: &Value) -> Vec<Value> {
    body["detail"].as_array().map(|a| a.iter().map(|p| p["loc"].clone()).collect()).unwrap_or_default()
}

const CALL: &str = "/ca/api/v0/calling/v2/outbound/individual";

#[tokio::test]
async fn missing_or_wrong_key_is_401() {
    let e = Emulator::start().await.unwrap();
    let (status, body) = raw(&e, "GET", "/ca/api/v0/workspace", &[], b"").await;
    assert_eq!(status, 401);
    assert!(body["detail"].as_str().unwrap().contains("X-API-KEY"));
    let (status, _) = raw(&e, "GET", "/ca/api/v0/workspace", &[("x-api-key", "wrong".into())], b"").await;
    assert_eq!(status, 401);
}

#[tokio::test]
async fn a_missing_required_field_is_named() {
    let e = Emulator::start().await.unwrap();
    let (status, body) =
        raw(&e, "POST", CALL, &[key(&e), json_ct()], br#"{"name":"Ada","agent_id":"x","number_pool_id":"p"}"#).await;
    assert_eq!(status, 422);
    assert_eq!(locs(&body), vec![json!(["body", "mobile_number"])]);
    assert_eq!(body["detail"][0]["type"], "missing");
}

#[tokio::test]
async fn a_wrong_type_is_named() {
    let e = Emulator::start().await.unwrap();
    let (status, body) = raw(
        &e,
        "POST",
        CALL,
        &[key(&e), json_ct()],
        br#"{"name":"Ada","mobile_number":919876543210,"agent_id":"x","number_pool_id":"p"}"#,
    )
    .await;
    assert_eq!(status, 422);
    assert_eq!(locs(&body), vec![json!(["body", "mobile_number"])]);
    assert_eq!(body["detail"][0]["type"], "string_type");
}

#[tokio::test]
async fn an_unknown_enum_value_is_named() {
    let e = Emulator::start().await.unwrap();
    let edit = br#"{"agent_id":"x","operation":"edit_language","language":"xx-XX"}"#;
    let (status, body) = raw(&e, "PATCH", "/ca/api/v0/agent/v1", &[key(&e), json_ct()], edit).await;
    assert_eq!(status, 422);
    assert_eq!(locs(&body), vec![json!(["body", "language"])]);
    assert_eq!(body["detail"][0]["type"], "enum");
    let op = br#"{"agent_id":"x","operation":"edit_everything"}"#;
    let (status, body) = raw(&e, "PATCH", "/ca/api/v0/agent/v1", &[key(&e), json_ct()], op).await;
    assert_eq!(status, 422);
    assert_eq!(locs(&body), vec![json!(["body", "operation"])]);
}

#[tokio::test]
async fn malformed_json_is_422() {
    let e = Emulator::start().await.unwrap();
    let (status, body) = raw(&e, "POST", CALL, &[key(&e), json_ct()], br#"{"name": "Ada",,}"#).await;
    assert_eq!(status, 422);
    assert_eq!(body["detail"][0]["type"], "json_invalid");
    assert_eq!(body["detail"][0]["loc"][0], "body");
}

#[tokio::test]
async fn the_wrong_content_type_is_422() {
    let e = Emulator::start().await.unwrap();
    let (status, body) = raw(&e, "POST", CALL, &[key(&e), ("content-type", "text/plain".into())], b"{}").await;
    assert_eq!(status, 422);
    assert_eq!(body["detail"][0]["type"], "content_type");
    let (status, body) = raw(&e, "POST", "/ca/api/v0/campaign/save", &[key(&e), json_ct()], b"{}").await;
    assert_eq!(status, 422);
    assert!(body["detail"][0]["msg"].as_str().unwrap().contains("multipart/form-data"));
}

#[tokio::test]
async fn unknown_query_values_are_named() {
    let e = Emulator::start().await.unwrap();
    let (status, body) = raw(&e, "GET", "/ca/api/v0/calling/history?status=on_hold&limit=ten", &[key(&e)], b"").await;
    assert_eq!(status, 422);
    assert_eq!(locs(&body), vec![json!(["query", "limit"]), json!(["query", "status"])]);
    let (status, body) = raw(&e, "GET", "/ca/api/v0/calling/history?limit=1000", &[key(&e)], b"").await;
    assert_eq!(status, 422);
    assert_eq!(body["detail"][0]["type"], "less_than_equal");
}

fn form(parts: &[(&str, Option<&str>, &[u8])]) -> (String, Vec<u8>) {
    let mut body = Vec::new();
    for (name, file, data) in parts {
        body.extend_from_slice(b"--B0UND\r\n");
        match file {
            Some(f) => body.extend_from_slice(
                format!("Content-Disposition: form-data; name=\"{name}\"; filename=\"{f}\"\r\n\r\n").as_bytes(),
            ),
            None => {
                body.extend_from_slice(format!("Content-Disposition: form-data; name=\"{name}\"\r\n\r\n").as_bytes())
            }
        }
        body.extend_from_slice(data);
        body.extend_from_slice(b"\r\n");
    }
    body.extend_from_slice(b"--B0UND--\r\n");
    ("multipart/form-data; boundary=B0UND".into(), body)
}

#[tokio::test]
async fn an_oversized_upload_is_refused_with_the_field_named() {
    let e = Emulator::start().await.unwrap();
    let big = vec![0u8; 10_000_001];
    let (ct, body) = form(&[("file", Some("a.wav"), &big)]);
    let (status, reply) = raw(&e, "POST", "/stt/v1/transcriptions", &[key(&e), ("content-type", ct)], &body).await;
    assert_eq!(status, 413);
    assert_eq!(locs(&reply), vec![json!(["body", "file"])]);
    let (ct, body) = form(&[("file", Some("a.txt"), b"hi")]);
    let (status, _) = raw(&e, "POST", "/stt/v1/transcriptions", &[key(&e), ("content-type", ct)], &body).await;
    assert_eq!(status, 415);
}

#[tokio::test]
async fn a_campaign_file_that_is_not_csv_or_lacks_the_number_is_named() {
    let e = Emulator::start().await.unwrap();
    let fx = e.fixtures().await;
    let agent: String = fx.agent_id.to_string();
    let fields = |file: &'static [u8]| {
        vec![
            ("file", Some("c.csv"), file),
            ("agent_id", None, agent.as_bytes()),
            ("campaign_name", None, b"M".as_slice()),
            ("country_code", None, b"+91".as_slice()),
            ("campaign_start_time", None, b"01/03/2026, 15:00".as_slice()),
            ("campaign_end_time", None, b"01/03/2026, 21:00".as_slice()),
            ("variables_map", None, b"{}".as_slice()),
            ("call_config", None, b"{}".as_slice()),
        ]
    };
    let (ct, body) = form(&fields(b"name,city\nAda,Pune\n"));
    let (status, reply) = raw(&e, "POST", "/ca/api/v0/campaign/save", &[key(&e), ("content-type", ct)], &body).await;
    assert_eq!(status, 400);
    assert!(reply["detail"][0]["msg"].as_str().unwrap().contains("no mobile number column"), "{reply}");
    let (ct, body) = form(&fields(b"\xff\xfe\x00binary"));
    let (status, reply) = raw(&e, "POST", "/ca/api/v0/campaign/save", &[key(&e), ("content-type", ct)], &body).await;
    assert_eq!(status, 400);
    assert!(reply["detail"][0]["msg"].as_str().unwrap().contains("not CSV"), "{reply}");
    let (ct, body) = form(&fields(b"mobile_number\n+919876543210\n")[1..]);
    let (status, reply) = raw(&e, "POST", "/ca/api/v0/campaign/save", &[key(&e), ("content-type", ct)], &body).await;
    assert_eq!(status, 422);
    assert_eq!(locs(&reply), vec![json!(["body", "file"])]);
}

#[tokio::test]
async fn unknown_routes_and_ids_never_get_a_5xx() {
    let e = Emulator::start().await.unwrap();
    let cases: &[(&str, &str, &[u8])] = &[
        ("GET", "/ca/api/v0/agent/nope", b""),
        ("GET", "/ca/api/v0/nowhere", b""),
        ("DELETE", "/ca/api/v0/workspace", b""),
        ("GET", "/ca/api/v0/calling/call-details", b""),
        ("GET", "/ca/api/v0/calling/history?start_date=yesterday", b""),
        ("POST", "/ca/api/v0/public/agent", b"[1,2,3]"),
        ("POST", "/ca/api/v0/public/agent", &[0xff; 64]),
        ("PATCH", "/ca/api/v0/agent/v1", b"{\"operation\": null}"),
        ("POST", "/ca/api/v0/external/kb", b"--x"),
    ];
    for (method, path, body) in cases {
        let (status, reply) = raw(&e, method, path, &[key(&e), json_ct()], body).await;
        assert!((400..500).contains(&status), "{method} {path}: {status} {reply}");
    }
}
