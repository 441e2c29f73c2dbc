//! The `ringg` binary as a user runs it: help and version, output formats, `--all` over
//! several pages, bodies from files and stdin, a multipart upload, every exit code, webhook
//! trigger into listen, the emulator command. Every run is checked for the key.

mod support;

use std::io::{BufRead, BufReader, Read, Write};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use ringg_emulator::{Fault, Operation};
use support::{KEY, Output, run, run_with, start, temp_path, upload_file};

fn args(list: &[&str]) -> Vec<String> {
    list.iter().map(|s| s.to_string()).collect()
}

async fn local(list: &[&str]) -> Output {
    run_with(&args(list), &[("RINGG_API_KEY", KEY)], None).await
}

#[tokio::test]
async fn version_and_help_come_from_the_spec() {
    let out = local(&["--version"]).await;
    out.assert_success();
    assert!(
        out.stdout.starts_with(&format!("ringg {} (", env!("CARGO_PKG_VERSION"))) && out.stdout.contains("API v0"),
        "{}",
        out.stdout
    );
    let out = local(&["--help"]).await;
    out.assert_success();
    for group in ["calling", "campaigns", "knowledge-bases", "webhooks", "emulator", "webcall", "completions"] {
        assert!(out.stdout.contains(group), "`{group}` missing from --help: {}", out.stdout);
    }
    assert!(out.stdout.contains("Exit codes:"), "{}", out.stdout);
    let out = local(&["calling", "history", "--help"]).await;
    out.assert_success();
    assert!(out.stdout.contains("GET /calling/history"), "{}", out.stdout);
    assert!(out.stdout.contains("possible values: registered"), "enum values are listed: {}", out.stdout);
    let out = local(&["calling", "--help"]).await;
    assert!(out.stdout.contains("[deprecated]"), "{}", out.stdout);
    let out = local(&["calling", "initiate", "--help"]).await;
    assert!(out.stdout.contains("Use `ringg calling initiate-from-pool` instead"), "{}", out.stdout);
}

#[tokio::test]
async fn bad_input_is_a_usage_error_naming_the_flag() {
    let (emulator, _) = start().await;
    let cases: &[(&[&str], &str)] = &[
        (&["calling", "history", "--status", "teleported"], "--status"),
        (&["calling", "history", "--limit", "many"], "--limit"),
        (&["calling", "history", "--nope"], "--nope"),
        (&["calling", "details"], "<ID>"),
        (&["calling", "history", "--output", "xml"], "--output"),
        (&["knowledge-bases", "create", "--kb-name", "FAQ", "--files", "/nonexistent/file.txt"], "--files"),
        (&["calling", "initiate-from-pool", "--body", "@/nonexistent/body.json"], "--body"),
        (&["calling", "initiate-from-pool", "--body", "{not json"], "--body"),
    ];
    for (list, flag) in cases {
        let out = run(&emulator, &args(list), None).await;
        out.assert_code(2);
        assert!(out.stderr.contains(flag), "{list:?}: the message does not name {flag}: {}", out.stderr);
        assert!(!out.stderr.contains("panicked"), "{}", out.stderr);
    }
    let out = run_with(&args(&["workspace", "get"]), &[], None).await;
    out.assert_code(2);
    assert!(out.stderr.contains("RINGG_API_KEY"), "{}", out.stderr);
}

#[tokio::test]
async fn api_errors_exit_3_and_network_failures_4() {
    let (emulator, _) = start().await;
    let out = run(&emulator, &args(&["assistants", "get", "no-such-agent"]), None).await;
    out.assert_code(3);
    assert!(out.stderr.contains("404"), "{}", out.stderr);
    let out = run_with(
        &args(&["--base-url", &emulator.base_url(), "workspace", "get"]),
        &[("RINGG_API_KEY", "wrong-key")],
        None,
    )
    .await;
    out.assert_code(3);

    emulator.inject(Operation::WorkspaceGet, Fault::Stall(Duration::from_secs(5)), 1);
    let out = run_with(
        &args(&["--base-url", &emulator.base_url(), "--timeout", "0.3", "--retries", "0", "workspace", "get"]),
        &[("RINGG_API_KEY", KEY)],
        None,
    )
    .await;
    out.assert_code(4);
    assert!(out.stderr.contains("timed out"), "{}", out.stderr);

    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap();
    let out = run_with(
        &args(&["--base-url", &format!("http://{closed}"), "--retries", "0", "workspace", "get"]),
        &[("RINGG_API_KEY", KEY)],
        None,
    )
    .await;
    out.assert_code(4);
}

#[tokio::test]
async fn a_response_that_is_not_json_exits_5() {
    let addr = support::serve(200, "<html>oops</html>").0;
    let out = run_with(
        &args(&["--base-url", &format!("http://{addr}"), "--retries", "0", "workspace", "get"]),
        &[("RINGG_API_KEY", KEY)],
        None,
    )
    .await;
    out.assert_code(5);
    assert!(out.stderr.contains("not JSON") && !out.stderr.contains("oops"), "{}", out.stderr);
}

#[tokio::test]
async fn bodies_come_from_files_and_stdin_and_are_checked_before_sending() {
    let (emulator, fixtures) = start().await;
    let body = serde_json::json!({
        "name": "Ada", "mobile_number": "+919800000001",
        "agent_id": fixtures.agent_id.to_string(), "number_pool_id": fixtures.number_pool_id.to_string(),
    });
    let path = temp_path("body.json");
    std::fs::write(&path, body.to_string()).unwrap();
    let out = run(&emulator, &args(&["calling", "initiate-from-pool", "--body", &format!("@{path}")]), None).await;
    out.assert_success();
    let out = run(&emulator, &args(&["calling", "initiate-from-pool", "--body", "-"]), Some(&body.to_string())).await;
    out.assert_success();
    // A flag overrides the body's field.
    let out = run(
        &emulator,
        &args(&["calling", "initiate-from-pool", "--body", "-", "--name", "Grace"]),
        Some(&body.to_string()),
    )
    .await;
    out.assert_success();

    let served = emulator.requests_served();
    let mut bad = body.clone();
    bad["mobile_number"] = serde_json::json!(919800000001_u64);
    let out = run(&emulator, &args(&["calling", "initiate-from-pool", "--body", "-"]), Some(&bad.to_string())).await;
    out.assert_code(2);
    assert!(out.stderr.contains("InitiateCallFromPool") && out.stderr.contains("`mobile_number`"), "{}", out.stderr);
    let mut missing = body.clone();
    missing.as_object_mut().unwrap().remove("name");
    let out =
        run(&emulator, &args(&["calling", "initiate-from-pool", "--body", "-"]), Some(&missing.to_string())).await;
    out.assert_code(2);
    assert!(out.stderr.contains("name"), "{}", out.stderr);
    assert_eq!(emulator.requests_served(), served, "a body that fails its check is never sent");
}

#[tokio::test]
async fn multipart_uploads_take_paths_and_field_flags() {
    let (emulator, fixtures) = start().await;
    let csv = upload_file("campaigns.upload_csv", "file");
    let out = run(
        &emulator,
        &args(&[
            "campaigns",
            "upload-csv",
            "--file",
            &csv,
            "--agent-id",
            fixtures.agent_id.as_str(),
            "--campaign-name",
            "March",
            "--country-code",
            "+91",
            "--variables-map",
            r#"{"callee_name": "callee_name"}"#,
        ]),
        None,
    )
    .await;
    out.assert_success();
    let reply: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    assert!(reply.is_object(), "{reply}");
    let out = run(
        &emulator,
        &args(&[
            "campaigns",
            "upload-csv",
            "--file",
            &csv,
            "--agent-id",
            "x",
            "--campaign-name",
            "March",
            "--country-code",
            "+91",
        ]),
        None,
    )
    .await;
    out.assert_code(2);
    assert!(out.stderr.contains("variables_map"), "a missing field is named: {}", out.stderr);
}

#[tokio::test]
async fn all_streams_every_page_as_ndjson() {
    let (emulator, fixtures) = start().await;
    for i in 0..5 {
        let call = serde_json::json!({
            "name": "Ada", "mobile_number": format!("+91980000000{i}"),
            "agent_id": fixtures.agent_id.to_string(), "number_pool_id": fixtures.number_pool_id.to_string(),
        });
        run(&emulator, &args(&["calling", "initiate-from-pool", "--body", "-"]), Some(&call.to_string()))
            .await
            .assert_success();
    }
    let before = emulator.requests_served();
    let out = run(&emulator, &args(&["calling", "history", "--all", "--limit", "2"]), None).await;
    out.assert_success();
    let lines: Vec<serde_json::Value> =
        out.stdout.lines().map(|l| serde_json::from_str(l).expect("each line is JSON")).collect();
    assert_eq!(lines.len(), 7, "two fixture calls and five placed: {}", out.stdout);
    let mut ids: Vec<&str> = lines.iter().map(|l| l["id"].as_str().expect("each item has an id")).collect();
    ids.sort_unstable();
    ids.dedup();
    assert_eq!(ids.len(), 7, "no item twice");
    assert!(emulator.requests_served() - before >= 4, "pages of two: at least four requests");
    assert!(out.stderr.is_empty(), "no progress bar when stderr is not a terminal: {}", out.stderr);
}

#[tokio::test]
async fn output_formats_tables_yaml_downloads_and_the_key() {
    let (emulator, _) = start().await;
    let out = run(&emulator, &args(&["assistants", "list", "--output", "table"]), None).await;
    out.assert_success();
    let header = out.stdout.lines().next().unwrap_or_default();
    assert!(header.split_whitespace().any(|c| c == "ID"), "columns are the row fields: {}", out.stdout);
    assert_eq!(out.stdout.lines().count(), 3, "one header and the two seeded agents: {}", out.stdout);

    let out = run(&emulator, &args(&["workspace", "get", "-o", "yaml"]), None).await;
    out.assert_success();
    assert!(out.stdout.contains("\"workspace_info\":\n"), "{}", out.stdout);

    // Ringg shows the workspace key in this response; the CLI never prints it.
    let out = run(&emulator, &args(&["workspace", "get"]), None).await;
    out.assert_success();
    assert!(out.stdout.contains("[redacted]"), "{}", out.stdout);

    // Off a terminal, a download goes to stdout.
    let out = run(&emulator, &args(&["calling", "download-history"]), None).await;
    out.assert_success();
    assert!(!out.stdout.is_empty());

    let out = run(&emulator, &args(&["--verbose", "workspace", "get"]), None).await;
    out.assert_success();
    assert!(out.stderr.contains("> GET ") && out.stderr.contains("/workspace"), "requests are logged: {}", out.stderr);

    // The key given as a flag is not printed either, in verbose mode and on an error.
    let base = emulator.base_url();
    let out = run_with(
        &args(&["--base-url", &base, "--api-key", KEY, "--verbose", "assistants", "get", "no-such-agent"]),
        &[],
        None,
    )
    .await;
    out.assert_code(3);
}

#[tokio::test]
async fn webcall_snippet_and_completions() {
    let out = local(&["webcall", "snippet", "--agent-id", "agent-42"]).await;
    out.assert_success();
    assert!(
        out.stdout.contains("agent-42") && out.stdout.contains("YOUR_X_API_KEY") && out.stdout.contains("loadAgent"),
        "{}",
        out.stdout
    );
    for shell in ["bash", "zsh", "fish"] {
        let out = local(&["completions", shell]).await;
        out.assert_success();
        assert!(out.stdout.contains("initiate-from-pool"), "{shell} completes endpoints");
        assert!(out.stdout.contains("registered"), "{shell} completes enum values");
    }
}

/// A running `ringg` process that prints its address on stderr (`listen`) or stdout
/// (`emulator`).
struct Background {
    child: Child,
    announcements: BufReader<Box<dyn Read + Send>>,
}

impl Background {
    fn spawn(list: &[&str], announces_on_stdout: bool) -> Background {
        let mut child = Command::new(support::binary())
            .args(list)
            .env_remove("RINGG_API_KEY")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("ringg starts");
        let announcements: Box<dyn Read + Send> = if announces_on_stdout {
            Box::new(child.stdout.take().expect("piped"))
        } else {
            Box::new(child.stderr.take().expect("piped"))
        };
        Background { child, announcements: BufReader::new(announcements) }
    }

    /// The first `http://127.0.0.1:N` printed.
    fn address(&mut self) -> String {
        let mut line = String::new();
        for _ in 0..5 {
            line.clear();
            self.announcements.read_line(&mut line).expect("the output is readable");
            if let Some(at) = line.find("http://127.0.0.1:") {
                let rest = &line[at + "http://".len()..];
                let end = rest.find(|c: char| !(c.is_ascii_digit() || c == '.' || c == ':')).unwrap_or(rest.len());
                return format!("http://{}", &rest[..end]);
            }
        }
        panic!("no address printed: {line}");
    }

    /// Waits (bounded) for the process to end and returns its stdout.
    fn finish(mut self) -> String {
        let started = Instant::now();
        while self.child.try_wait().expect("waitable").is_none() {
            if started.elapsed() > Duration::from_secs(30) {
                let _ = self.child.kill();
                panic!("the process did not finish");
            }
            std::thread::sleep(Duration::from_millis(10));
        }
        let mut out = String::new();
        self.child.stdout.take().expect("piped").read_to_string(&mut out).expect("stdout is readable");
        out
    }
}

impl Drop for Background {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[tokio::test]
async fn trigger_posts_every_event_into_listen() {
    let events = [
        "call_started",
        "call_ringing",
        "call_ongoing",
        "call_completed",
        "recording_completed",
        "platform_analysis_completed",
        "client_analysis_completed",
        "all_processing_completed",
    ];
    let mut listen = Background::spawn(&["webhooks", "listen", "--port", "0", "--count", "9"], false);
    let address = listen.address();
    for event in events {
        let out = run_with(
            &args(&["webhooks", "trigger", event, "--to", &format!("{address}/hooks"), "--header", "X-Secret: s3"]),
            &[],
            None,
        )
        .await;
        out.assert_success();
        assert!(out.stderr.contains("HTTP 200"), "{}", out.stderr);
        assert!(out.stdout.contains("received"), "the handler's answer is printed: {}", out.stdout);
    }
    // An event type this version does not know is shown raw, not rejected.
    let host = address.trim_start_matches("http://").to_string();
    let mut stream = std::net::TcpStream::connect(&host).unwrap();
    let body = r#"{"event_type":"call_teleported","call_id":"c1"}"#;
    write!(
        stream,
        "POST / HTTP/1.1\r\nhost: {host}\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\r\n{body}",
        body.len()
    )
    .unwrap();
    let mut answer = [0u8; 12];
    stream.read_exact(&mut answer).unwrap();
    assert_eq!(&answer, b"HTTP/1.1 200");

    let stdout = tokio::task::spawn_blocking(move || listen.finish()).await.unwrap();
    let lines: Vec<serde_json::Value> =
        stdout.lines().map(|l| serde_json::from_str(l).expect("one JSON line per event")).collect();
    assert_eq!(lines.len(), 9, "{stdout}");
    for (line, event) in lines.iter().zip(events) {
        assert_eq!((line["event"].as_str(), &line["known"]), (Some(event), &serde_json::json!(true)), "{line}");
        assert!(line["payload"]["call_id"].is_string(), "typed payload: {line}");
    }
    assert_eq!(lines[8]["known"], false);
    assert_eq!(lines[8]["raw"]["event_type"], "call_teleported");

    let out = run_with(&args(&["webhooks", "trigger", "call_completed", "--to", "example.com/hook"]), &[], None).await;
    out.assert_code(2);
    assert!(out.stderr.contains("--to"), "{}", out.stderr);
}

#[tokio::test]
async fn the_emulator_command_serves_the_cli_without_a_real_key() {
    let mut emulator = Background::spawn(&["emulator", "--port", "0"], true);
    let address = emulator.address();
    let out = run_with(&args(&["--base-url", &address, "workspace", "get"]), &[], None).await;
    out.assert_success();
    let out = run_with(
        &args(&["--base-url", &address, "speech", "transcribe", "--file", &upload_file("speech.transcribe", "file")]),
        &[],
        None,
    )
    .await;
    out.assert_success();
    drop(emulator);
}
