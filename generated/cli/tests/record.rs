//! `--record FILE`: every exchange of a command (each page of `--all` too) and every delivery to
//! `webhooks listen` appended as one NDJSON line in the shape `cargo xtask drift` reads, with
//! the API key and credential fields replaced.

mod support;

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;
use support::{KEY, run, run_with, start, temp_path};

fn args(list: &[&str]) -> Vec<String> {
    list.iter().map(|s| s.to_string()).collect()
}

/// The lines of a recording, each parsed, and the file's text.
fn read_recording(path: &str) -> (Vec<Value>, String) {
    let text = std::fs::read_to_string(path).expect("the recording exists");
    assert!(text.ends_with('\n'), "every line ends: {text}");
    let lines = text.lines().map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}"))).collect();
    (lines, text)
}

/// The keys a recording line may have, with their JSON types, as `generator::drift::Record`
/// reads them.
fn assert_record_shape(line: &Value) {
    let object = line.as_object().expect("a line is an object");
    for (key, value) in object {
        let fits = match key.as_str() {
            "kind" | "operation" | "method" | "path" => value.is_string(),
            "status" => value.as_u64().is_some_and(|s| (100..600).contains(&s)),
            "headers" => value.as_object().is_some_and(|h| h.values().all(Value::is_string)),
            "body" => true,
            other => panic!("unexpected key `{other}` in {line}"),
        };
        assert!(fits, "`{key}` has the wrong type in {line}");
    }
    for key in ["method", "path", "status"] {
        assert!(object.contains_key(key), "`{key}` missing from {line}");
    }
}

#[tokio::test]
async fn each_request_and_page_is_recorded_without_the_key() {
    let (emulator, _) = start().await;
    let file = temp_path("exchanges.ndjson");
    let record = ["--record", file.as_str()];

    let out = run(&emulator, &args(&[&record[..], &["workspace", "get"]].concat()), None).await;
    out.assert_success();
    let out =
        run(&emulator, &args(&[&record[..], &["calling", "history", "--all", "--limit", "1"]].concat()), None).await;
    out.assert_success();
    let items = out.stdout.lines().count();
    assert!(items >= 2, "the fixtures hold calls: {}", out.stdout);
    // The new key is shown to the user (it is not the configured one), never recorded.
    let out = run(&emulator, &args(&[&record[..], &["--yes", "workspace", "regenerate-api-key"]].concat()), None).await;
    out.assert_success();
    let shown: Value = serde_json::from_str(&out.stdout).expect("the new key is printed as JSON");
    let new_key = shown["new_api_key"].as_str().expect("a new key").to_string();

    let (lines, text) = read_recording(&file);
    assert!(!text.contains(KEY), "the configured key was recorded: {text}");
    assert!(!text.contains(&new_key), "the new key was recorded: {text}");
    lines.iter().for_each(assert_record_shape);
    let operations: Vec<&str> = lines.iter().map(|l| l["operation"].as_str().unwrap_or("?")).collect();
    // One line per page: every item's page, then the page that ended the stream, if any.
    assert_eq!(operations[0], "workspace.get");
    assert_eq!(*operations.last().unwrap(), "workspace.regenerate_api_key");
    let pages: Vec<&Value> = lines.iter().filter(|l| l["operation"] == "calling.history").collect();
    assert!(pages.len() >= items && pages.len() <= items + 1, "{} pages for {items} items: {text}", pages.len());
    assert_eq!(lines.len(), pages.len() + 2, "{text}");
    for (i, page) in pages.iter().enumerate() {
        let path = page["path"].as_str().unwrap();
        assert!(path.starts_with("/ca/api/v0/calling/history?"), "{path}");
        assert!(path.contains(&format!("offset={i}")), "page {i}: {path}");
        assert!(page["body"]["calls"].is_array(), "{page}");
    }

    let workspace = &lines[0];
    assert_eq!((workspace["method"].as_str(), workspace["status"].as_u64()), (Some("GET"), Some(200)));
    assert_eq!(workspace["path"], "/ca/api/v0/workspace");
    assert!(workspace["headers"]["content-type"].as_str().is_some_and(|c| c.starts_with("application/json")));
    // The emulator shows the workspace's key: recorded as a string, replaced.
    assert_eq!(workspace["body"]["workspace_info"]["api_key"], "[redacted]", "{workspace}");
    assert!(workspace["body"]["workspace_info"]["credits"].is_number());
    assert_eq!(lines.last().unwrap()["body"]["new_api_key"], "[redacted]");

    // An error answer is an exchange too (the old key no longer works), and appends.
    let before = lines.len();
    let out = run(&emulator, &args(&[&record[..], &["workspace", "get"]].concat()), None).await;
    out.assert_code(3);
    let (lines, text) = read_recording(&file);
    assert_eq!(lines.len(), before + 1, "{text}");
    assert_eq!(lines[before]["status"], 401);
    assert!(!text.contains(KEY));
}

#[tokio::test]
async fn an_unwritable_recording_is_a_local_failure_before_anything_is_sent() {
    let (emulator, _) = start().await;
    let served = emulator.requests_served();
    let out = run(&emulator, &args(&["--record", "/nonexistent-dir/x.ndjson", "workspace", "get"]), None).await;
    out.assert_code(1);
    assert!(out.stderr.contains("--record"), "{}", out.stderr);
    assert_eq!(emulator.requests_served(), served);
}

#[tokio::test]
async fn listen_records_each_delivery_as_a_webhook_or_a_callback() {
    let file = temp_path("deliveries.ndjson");
    let mut child = Command::new(support::binary())
        .args(["webhooks", "listen", "--port", "0", "--count", "2", "--record", &file])
        .env_remove("RINGG_API_KEY")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("ringg starts");
    let mut stderr = BufReader::new(child.stderr.take().expect("piped"));
    let mut announced = String::new();
    stderr.read_line(&mut announced).expect("the address is printed");
    let at = announced.find("http://").expect("an address") + "http://".len();
    let address = format!("http://{}", announced[at..].split(' ').next().unwrap().trim_end_matches('/'));
    for event in ["call_completed", "callback"] {
        let out =
            run_with(&args(&["webhooks", "trigger", event, "--to", &format!("{address}/hooks?x=1")]), &[], None).await;
        out.assert_success();
    }
    let started = Instant::now();
    while child.try_wait().expect("waitable").is_none() {
        assert!(started.elapsed() < Duration::from_secs(30), "listen did not stop after two deliveries");
        std::thread::sleep(Duration::from_millis(10));
    }
    let (lines, _) = read_recording(&file);
    lines.iter().for_each(assert_record_shape);
    let brief: Vec<(&str, &str, &str, u64)> = lines
        .iter()
        .map(|l| {
            (
                l["kind"].as_str().unwrap(),
                l["method"].as_str().unwrap(),
                l["path"].as_str().unwrap(),
                l["status"].as_u64().unwrap(),
            )
        })
        .collect();
    assert_eq!(brief, [("webhook", "POST", "/hooks?x=1", 200), ("callback", "POST", "/hooks?x=1", 200)]);
    assert_eq!(lines[0]["body"]["event_type"], "call_completed");
    assert!(lines[1]["body"]["data"]["call_id"].is_string(), "{}", lines[1]);
}
