//! What the command line promises a shell user, one test (or more) per promise: bodies as
//! received, bodies checked before sending and never echoed, streams in every format, a
//! closed pipe, base URLs, profiles and the environment, raw requests, following calls,
//! help, webhooks, logging, confirmation, dates and colour. Every run is bounded and checked
//! for the key by `support`.

mod support;

use std::io::{BufRead, BufReader, Read as _};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use ringg_emulator::{CallOutcome, Emulator};
use support::{KEY, Output, run, run_with, serve, start, temp_path};

fn args(list: &[&str]) -> Vec<String> {
    list.iter().map(|s| s.to_string()).collect()
}

/// `ringg --base-url http://ADDR --retries 0 ARGS` with the key set.
async fn against(addr: std::net::SocketAddr, list: &[&str]) -> Output {
    let mut all = args(&["--base-url", &format!("http://{addr}"), "--retries", "0"]);
    all.extend(args(list));
    run_with(&all, &[("RINGG_API_KEY", KEY)], None).await
}

// ---- 1. Bodies as received --------------------------------------------------------------

const UNUSUAL: &str = r#"{"workspace_info":{"id":"w1","name":"W","created_at":"2025-01-01T00:00:00Z","credits":5,"locked_credits":1.50,"api_key":"sk-cli-test-3f9a1c7e5b2d4680","brand_new_field":null},"top_extra":[1,2.0]}"#;

#[tokio::test]
async fn responses_print_as_received_with_the_key_scrubbed() {
    let (addr, _) = serve(200, UNUSUAL);
    let out = against(addr, &["workspace", "get"]).await;
    out.assert_success();
    // Unknown members, `5` and `1.50` as written, nulls, order: all kept.
    assert_eq!(out.stdout, UNUSUAL.replace(KEY, "[redacted]") + "\n");
    let out = against(addr, &["workspace", "get", "-o", "yaml"]).await;
    assert!(
        out.stdout.contains("\"credits\": 5\n") && out.stdout.contains("\"brand_new_field\": null"),
        "{}",
        out.stdout
    );
}

#[tokio::test]
async fn a_body_that_does_not_fit_the_spec_is_shown_with_a_warning() {
    let (addr, _) = serve(200, r#"{"workspace_info":{"credits":"lots"},"x":1}"#);
    let out = against(addr, &["workspace", "get"]).await;
    out.assert_success();
    assert_eq!(out.stdout, "{\"workspace_info\":{\"credits\":\"lots\"},\"x\":1}\n");
    assert!(out.stderr.contains("warning:") && out.stderr.contains("workspace_info"), "{}", out.stderr);
}

// ---- 2, 3, 11, 14. Bodies checked before sending, never echoed ------------------------------

#[tokio::test]
async fn bodies_are_checked_against_the_spec_before_sending() {
    let (emulator, fixtures) = start().await;
    let served = emulator.requests_served();
    let body = r#"{"agent_nmae":"Ada","primary_language":"xx-XX"}"#;
    let out = run(&emulator, &args(&["assistants", "create", "--body", body]), None).await;
    out.assert_code(2);
    assert!(out.stderr.contains("`agent_nmae`: unknown field (did you mean `agent_name`?)"), "{}", out.stderr);
    assert!(out.stderr.contains("primary_language") && out.stderr.contains("en-US"), "{}", out.stderr);
    // Every missing field at once, each by its flag.
    assert!(
        out.stderr.contains("missing required:") && out.stderr.contains("--voice-id (or `voice_id` in --body)"),
        "{}",
        out.stderr
    );
    assert!(out.stderr.matches("(or `").count() >= 3, "all missing fields are named: {}", out.stderr);
    assert_eq!(emulator.requests_served(), served, "nothing was sent");
    // --no-validate sends it as written; the server decides.
    let out = run(&emulator, &args(&["assistants", "create", "--no-validate", "--body", body]), None).await;
    out.assert_code(3);
    assert!(emulator.requests_served() > served);
    // A bad tag is blamed, not the fields after it.
    let agent = fixtures.agent_id.to_string();
    let rename = format!(r#"{{"operation":"rename","agent_id":"{agent}"}}"#);
    let out = run(&emulator, &args(&["assistants", "edit", "--body", &rename]), None).await;
    out.assert_code(2);
    let first = out.stderr.lines().nth(1).unwrap_or_default();
    assert!(first.contains("`operation`") && !first.contains("agent_id"), "{}", out.stderr);
}

#[tokio::test]
async fn a_bad_body_is_never_echoed() {
    let (emulator, _) = start().await;
    let secret = "sk_live_do_not_print_me";
    for body in [
        format!(r#"{{"agent_name":{{"nested":"{secret}"}}}}"#),
        format!(r#"{{"agent_name":"{secret}","primary_language":5}}"#),
        format!(r#"{{"agent_name": {secret}}}"#),
    ] {
        let out = run(&emulator, &args(&["assistants", "create", "--body", &body]), None).await;
        out.assert_code(2);
        assert!(!out.stderr.contains(secret) && !out.stdout.contains(secret), "{}", out.stderr);
    }
}

// ---- 4, 5. Streams --------------------------------------------------------------------------

async fn with_calls(n: usize) -> (Emulator, ringg_emulator::Fixtures) {
    let (emulator, fixtures) = start().await;
    for i in 0..n {
        let call = serde_json::json!({
            "name": "Ada", "mobile_number": format!("+9198000001{i:02}"),
            "agent_id": fixtures.agent_id.to_string(), "number_pool_id": fixtures.number_pool_id.to_string(),
        });
        run(&emulator, &args(&["calling", "initiate-from-pool", "--body", "-"]), Some(&call.to_string()))
            .await
            .assert_success();
    }
    (emulator, fixtures)
}

#[tokio::test]
async fn all_streams_tables_and_yaml_too() {
    let (emulator, _) = with_calls(3).await;
    let out = run(&emulator, &args(&["calling", "history", "--all", "--limit", "2", "-o", "table"]), None).await;
    out.assert_success();
    let lines: Vec<&str> = out.stdout.lines().collect();
    assert_eq!(lines.len(), 6, "one header and five rows: {}", out.stdout);
    assert!(lines[0].starts_with("ID") && !lines[1..].iter().any(|l| l.starts_with("ID ")), "{}", out.stdout);
    let out = run(&emulator, &args(&["calling", "history", "--all", "--limit", "2", "-o", "yaml"]), None).await;
    out.assert_success();
    assert_eq!(out.stdout.matches("---\n").count(), 5, "{}", out.stdout);
    assert!(!out.stdout.lines().any(|l| l.starts_with('{')), "YAML, not JSON: {}", out.stdout);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_closed_pipe_ends_quietly() {
    let (emulator, _) = with_calls(6).await;
    let mut child = Command::new(support::binary())
        .args(["--base-url", &emulator.base_url(), "calling", "history", "--all", "--limit", "1"])
        .env("RINGG_API_KEY", KEY)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let first = tokio::task::spawn_blocking(move || {
        let mut first = String::new();
        // The reader (and the pipe) is dropped after one line.
        BufReader::new(stdout).read_line(&mut first).map(|_| first)
    })
    .await
    .unwrap()
    .unwrap();
    assert!(first.starts_with('{'), "{first}");
    // The reader is gone (`| head -1`).
    let started = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        assert!(started.elapsed() < Duration::from_secs(30), "the command did not end");
        tokio::time::sleep(Duration::from_millis(10)).await;
    };
    let mut stderr = String::new();
    child.stderr.take().unwrap().read_to_string(&mut stderr).unwrap();
    assert!(status.success(), "{status:?}: {stderr}");
    assert!(stderr.is_empty(), "{stderr}");
}

// ---- 6, 10, 16. Base URLs, profiles, the environment ------------------------------------------

#[tokio::test]
async fn base_urls_are_checked_and_errors_speak_in_flags() {
    let out =
        run_with(&args(&["--base-url", "api.ringg.ai", "workspace", "get"]), &[("RINGG_API_KEY", KEY)], None).await;
    out.assert_code(2);
    assert!(
        out.stderr.contains("`api.ringg.ai`") && out.stderr.contains("missing scheme; use https://api.ringg.ai"),
        "{}",
        out.stderr
    );
    let out =
        run_with(&args(&["--base-url", "http://emulator:8080", "workspace", "get"]), &[("RINGG_API_KEY", KEY)], None)
            .await;
    out.assert_code(2);
    assert!(out.stderr.contains("--insecure-http"), "{}", out.stderr);
    let out = run_with(
        &args(&["--base-url", "http://emulator.invalid:8080", "--insecure-http", "--retries", "0", "workspace", "get"]),
        &[("RINGG_API_KEY", KEY)],
        None,
    )
    .await;
    out.assert_code(4);
    let (emulator, _) = start().await;
    emulator.inject(ringg_emulator::Operation::WorkspaceGet, ringg_emulator::Fault::Stall(Duration::from_secs(5)), 1);
    let out = run_with(
        &args(&["--base-url", &emulator.base_url(), "--timeout", "0.3", "--retries", "0", "workspace", "get"]),
        &[("RINGG_API_KEY", KEY)],
        None,
    )
    .await;
    out.assert_code(4);
    assert!(out.stderr.contains("--timeout") && !out.stderr.contains("ClientBuilder"), "{}", out.stderr);
    let out = run(&emulator, &args(&["contacts", "delete-list", "no-such-list", "--yes"]), None).await;
    assert!(
        out.stderr.contains("ringg contacts delete-list") && !out.stderr.contains("contacts.delete_list"),
        "{}",
        out.stderr
    );
    let out = run(&emulator, &args(&["calling", "history", "--start-date", "2025-09-24T10:00"]), None).await;
    out.assert_code(2);
    assert!(!out.stderr.contains("Timestamp::") && out.stderr.contains("--start-date"), "{}", out.stderr);
    let out = run_with(&args(&["assistants", "create", "--help"]), &[], None).await;
    assert!(out.stdout.contains("`ringg voices list`") && !out.stdout.contains("voices().list()"), "{}", out.stdout);
}

#[tokio::test]
async fn the_environment_and_profiles_choose_the_base_url_and_key() {
    let (emulator, _) = start().await;
    let out = run_with(
        &args(&["workspace", "get"]),
        &[("RINGG_API_KEY", KEY), ("RINGG_BASE_URL", &emulator.base_url())],
        None,
    )
    .await;
    out.assert_success();
    let config = temp_path("config");
    let env = [("XDG_CONFIG_HOME", config.as_str())];
    let out =
        run_with(&args(&["profile", "set", "emu", "--base-url", &emulator.base_url(), "--api-key", KEY]), &env, None)
            .await;
    out.assert_success();
    let file = std::path::Path::new(&config).join("ringg").join("config");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        assert_eq!(std::fs::metadata(&file).unwrap().permissions().mode() & 0o777, 0o600);
    }
    let out = run_with(&args(&["profile", "list"]), &env, None).await;
    out.assert_success();
    assert!(out.stdout.contains("emu") && out.stdout.contains("api_key=[set]"), "{}", out.stdout);
    let out = run_with(&args(&["--profile", "emu", "workspace", "get"]), &env, None).await;
    out.assert_success();
    let out = run_with(&args(&["--profile", "nope", "workspace", "get"]), &env, None).await;
    out.assert_code(2);
    assert!(out.stderr.contains("emu"), "known profiles are listed: {}", out.stderr);
}

// ---- 7, 8. The emulator's key, one meaning per flag -------------------------------------------

#[tokio::test]
async fn the_emulator_takes_the_api_key_flag() {
    let mut child = Command::new(support::binary())
        .args(["--api-key", "foo-key", "emulator", "--port", "0"])
        .env_remove("RINGG_API_KEY")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap()).read_line(&mut line).unwrap();
    let address = line.split_whitespace().find(|w| w.starts_with("http://")).unwrap().to_string();
    let with = run_with(&args(&["--base-url", &address, "--api-key", "foo-key", "workspace", "get"]), &[], None).await;
    let without = run_with(&args(&["--base-url", &address, "--retries", "0", "workspace", "get"]), &[], None).await;
    let _ = child.kill();
    let _ = child.wait();
    with.assert_success();
    without.assert_code(3);
}

#[tokio::test]
async fn downloads_take_output_file_and_output_stays_a_format() {
    let (emulator, _) = start().await;
    let path = temp_path("history.csv");
    let out = run(&emulator, &args(&["calling", "download-history", "--output-file", &path]), None).await;
    out.assert_success();
    assert!(!std::fs::read(&path).unwrap().is_empty());
    let out = run(&emulator, &args(&["calling", "download-history", "-o", "json"]), None).await;
    out.assert_code(2);
    assert!(!std::path::Path::new("json").exists() || std::fs::metadata("json").is_err());
}

// ---- 9, 23. Tables and colour -------------------------------------------------------------------

#[tokio::test]
async fn tables_describe_objects_and_fit_the_width() {
    let (emulator, _) = with_calls(2).await;
    let out = run(&emulator, &args(&["workspace", "get", "-o", "table"]), None).await;
    out.assert_success();
    assert!(out.stdout.lines().any(|l| l.starts_with("workspace_info.credits ")), "{}", out.stdout);
    let narrow = run_with(
        &args(&["--base-url", &emulator.base_url(), "calling", "history", "-o", "table"]),
        &[("RINGG_API_KEY", KEY), ("COLUMNS", "60")],
        None,
    )
    .await;
    narrow.assert_success();
    assert!(narrow.stdout.lines().all(|l| l.chars().count() <= 60), "{}", narrow.stdout);
    let wide = run_with(
        &args(&["--base-url", &emulator.base_url(), "--wide", "calling", "history", "-o", "table"]),
        &[("RINGG_API_KEY", KEY), ("COLUMNS", "60")],
        None,
    )
    .await;
    assert!(wide.stdout.lines().any(|l| l.chars().count() > 60), "{}", wide.stdout);
}

#[tokio::test]
async fn colour_is_its_own_switch() {
    let (emulator, _) = start().await;
    let out = run(&emulator, &args(&["--color", "always", "workspace", "get"]), None).await;
    assert!(out.stdout.contains("\x1b[") && out.stdout.contains("\n  "), "{}", out.stdout);
    let out = run(&emulator, &args(&["--color", "never", "workspace", "get"]), None).await;
    assert!(!out.stdout.contains('\x1b'));
}

// ---- 12, 13, 20, 22. Lists, aliases, logging, dates --------------------------------------------

#[tokio::test]
async fn lists_aliases_dates_and_logging() {
    let (addr, seen) = serve(200, r#"{"calls":[],"total":0}"#);
    let out = against(
        addr,
        &[
            "calling",
            "download-history",
            "-O",
            &temp_path("d1"),
            "--agent-id",
            "a",
            "--agent-id",
            "b,c",
            "--start-date",
            "2025-09-24T10:00:00+05:30",
        ],
    )
    .await;
    out.assert_success();
    let out =
        against(addr, &["calling", "download-history", "-O", &temp_path("d2"), "--agent-id", r#"["d","e"]"#]).await;
    out.assert_success();
    let requests = seen.lock().unwrap().clone();
    let first = requests[0].lines().next().unwrap_or_default();
    assert_eq!(first.matches("agent_id").count(), 3, "{first}");
    assert!(first.contains("start_date=2025-09-24&"), "a date-time gives its date: {first}");
    assert_eq!(requests[1].lines().next().unwrap_or_default().matches("agent_id").count(), 2);

    let (emulator, _) = start().await;
    let out = run(&emulator, &args(&["agents", "list"]), None).await;
    out.assert_success();
    let out = run(
        &emulator,
        &args(&["-v", "calling", "history", "--start-date", "2025-09-24", "--end-date", "2025-09-24"]),
        None,
    )
    .await;
    out.assert_success();
    assert!(
        out.stderr.contains("> GET ") && out.stderr.contains("start_date=2025-09-24T00%3A00%3A00Z"),
        "{}",
        out.stderr
    );
    assert!(out.stderr.contains("end_date=2025-09-24T23%3A59%3A59Z") && out.stderr.contains("< 200"), "{}", out.stderr);
    assert!(!out.stderr.contains("x-api-key"), "-v logs no headers: {}", out.stderr);
    let out = run(&emulator, &args(&["-vv", "workspace", "get"]), None).await;
    out.assert_success();
    assert!(
        out.stderr.to_ascii_lowercase().contains("x-api-key: [redacted]") && out.stderr.contains("< {"),
        "{}",
        out.stderr
    );
}

// ---- 15. Raw requests ---------------------------------------------------------------------------

#[tokio::test]
async fn api_sends_raw_requests_with_auth_and_pages() {
    let (emulator, fixtures) = with_calls(3).await;
    let out = run(&emulator, &args(&["api", "GET", "/workspace"]), None).await;
    out.assert_success();
    assert!(out.stdout.contains("workspace_info") && out.stdout.contains("[redacted]"), "{}", out.stdout);
    let out = run(&emulator, &args(&["api", "GET", "/calling/history", "-f", "limit=2", "--paginate"]), None).await;
    out.assert_success();
    assert_eq!(out.stdout.lines().count(), 5, "{}", out.stdout);
    let out =
        run(&emulator, &args(&["api", "GET", "/calling/history", "-f", "limit=2", "--paginate", "-o", "table"]), None)
            .await;
    out.assert_success();
    assert!(out.stdout.lines().next().unwrap_or_default().starts_with("ID "), "{}", out.stdout);
    assert_eq!(out.stdout.lines().count(), 6, "{}", out.stdout);
    let out = run(&emulator, &args(&["api", "GET", "/agent/no-such-agent"]), None).await;
    out.assert_code(3);
    let out = run(&emulator, &args(&["api", "GET", "https://elsewhere.example/x"]), None).await;
    out.assert_code(2);
    // A body from stdin, sent as written; POST is never re-sent.
    let history = run(&emulator, &args(&["calling", "history"]), None).await;
    let page: serde_json::Value = serde_json::from_str(&history.stdout).unwrap();
    let before = page["calls"].as_array().map_or(0, Vec::len);
    let call = serde_json::json!({
        "name": "Raw", "mobile_number": "+919800000555",
        "agent_id": fixtures.agent_id.to_string(), "number_pool_id": fixtures.number_pool_id.to_string(),
    });
    let out = run(
        &emulator,
        &args(&["api", "POST", "/calling/v2/outbound/individual", "--input", "-"]),
        Some(&call.to_string()),
    )
    .await;
    out.assert_success();
    let history = run(&emulator, &args(&["calling", "history"]), None).await;
    let page: serde_json::Value = serde_json::from_str(&history.stdout).unwrap();
    assert_eq!(page["calls"].as_array().map_or(0, Vec::len), before + 1);
}

#[tokio::test]
async fn recordings_are_fetched_without_the_key() {
    let (audio, audio_seen) = serve(200, "ID3-not-really-audio");
    let details: &'static str = Box::leak(
        format!(r#"{{"status":"success","data":{{"id":"c1","call_status":"completed","recording_url":"http://{audio}/c1.mp3"}}}}"#)
            .into_boxed_str(),
    );
    let (api, _) = serve(200, details);
    let path = temp_path("c1.mp3");
    let out = against(api, &["calling", "recording", "c1", "--output-file", &path]).await;
    out.assert_success();
    assert_eq!(std::fs::read_to_string(&path).unwrap(), "ID3-not-really-audio");
    let requests = audio_seen.lock().unwrap().clone();
    assert!(
        requests[0].starts_with("GET /c1.mp3") && !requests[0].to_ascii_lowercase().contains("x-api-key"),
        "{requests:?}"
    );
}

// ---- 17. Following a call -----------------------------------------------------------------------

#[tokio::test]
async fn wait_follows_a_call_until_it_ends_and_shows_its_transcript() {
    let emulator = Emulator::builder().api_key(KEY).start().await.unwrap();
    let fixtures = emulator.fixtures().await;
    emulator.set_default_outcome(CallOutcome::Completed);
    let call = serde_json::json!({
        "name": "Ada", "mobile_number": "+919800000777",
        "agent_id": fixtures.agent_id.to_string(), "number_pool_id": fixtures.number_pool_id.to_string(),
    });
    run(&emulator, &args(&["calling", "initiate-from-pool", "--body", "-"]), Some(&call.to_string()))
        .await
        .assert_success();
    let history = run(&emulator, &args(&["calling", "history", "--status", "registered"]), None).await;
    let page: serde_json::Value = serde_json::from_str(&history.stdout).unwrap();
    let id = page["calls"][0]["id"].as_str().unwrap().to_string();
    let (base, waiting_id) = (emulator.base_url(), id.clone());
    let waiting = tokio::spawn(async move {
        run_with(
            &args(&["--base-url", &base, "--timeout", "30", "calling", "wait", &waiting_id, "--interval", "0.1"]),
            &[("RINGG_API_KEY", KEY)],
            None,
        )
        .await
    });
    for _ in 0..40 {
        tokio::time::sleep(Duration::from_millis(100)).await;
        emulator.advance(Duration::from_secs(30)).await;
    }
    let out = waiting.await.unwrap();
    out.assert_success();
    assert!(
        out.stderr.contains("completed") && out.stdout.contains("\"call_status\":\"completed\""),
        "{}{}",
        out.stderr,
        out.stdout
    );
    let out = run(&emulator, &args(&["calling", "transcript", &id]), None).await;
    out.assert_success();
    assert!(
        out.stdout.lines().all(|l| l.starts_with("bot: ") || l.starts_with("user: ")) && !out.stdout.is_empty(),
        "{}",
        out.stdout
    );
    let out = run(&emulator, &args(&["calling", "transcript", &id, "-o", "json"]), None).await;
    assert!(out.stdout.starts_with('['), "{}", out.stdout);

    emulator.set_default_outcome(CallOutcome::Failed);
    let call = serde_json::json!({
        "name": "Bo", "mobile_number": "+919800000778",
        "agent_id": fixtures.agent_id.to_string(), "number_pool_id": fixtures.number_pool_id.to_string(),
    });
    run(&emulator, &args(&["calling", "initiate-from-pool", "--body", "-"]), Some(&call.to_string()))
        .await
        .assert_success();
    for _ in 0..20 {
        emulator.advance(Duration::from_secs(600)).await;
    }
    let history = run(&emulator, &args(&["calling", "history", "--status", "failed"]), None).await;
    let page: serde_json::Value = serde_json::from_str(&history.stdout).unwrap();
    let failed = page["calls"][0]["id"].as_str().unwrap().to_string();
    let out = run(&emulator, &args(&["calling", "wait", &failed, "--interval", "0.1"]), None).await;
    out.assert_code(3);
    assert!(out.stderr.contains("ended `failed`"), "{}", out.stderr);
    let out =
        run(&emulator, &args(&["calling", "recording", &failed, "--output-file", &temp_path("r.mp3")]), None).await;
    assert_ne!(out.code, Some(0), "a failed call has no recording to fetch: {}", out.stderr);
}

// ---- 18, 21. Help and confirmation ---------------------------------------------------------------

#[tokio::test]
async fn help_marks_required_fields_shows_examples_and_operations() {
    let out = run_with(&args(&["assistants", "create", "--help"]), &[], None).await;
    assert!(out.stdout.contains("[required] `voice_id`"), "{}", out.stdout);
    let out = run_with(&args(&["assistants", "edit", "--help"]), &[], None).await;
    assert!(out.stdout.contains("Examples:") && out.stdout.contains("ringg assistants edit --body"), "{}", out.stdout);
    assert!(
        out.stdout.contains("edit-event-subscriptions") && !out.stdout.contains("see `AgentEditOperation`)."),
        "{}",
        out.stdout
    );
    let out = run_with(&args(&["assistants", "edit", "attach-kb", "--help"]), &[], None).await;
    assert!(out.stdout.contains("--kb-id") && out.stdout.contains("--agent-id"), "{}", out.stdout);
}

#[tokio::test]
async fn an_operation_subcommand_sends_its_tag_and_fields() {
    let (emulator, fixtures) = start().await;
    let agent = fixtures.agent_id.to_string();
    let out = run(
        &emulator,
        &args(&[
            "assistants",
            "edit",
            "edit-agent-display-name",
            "--agent-id",
            &agent,
            "--agent-display-name",
            "Renamed",
        ]),
        None,
    )
    .await;
    out.assert_success();
    let out = run(&emulator, &args(&["assistants", "get", &agent]), None).await;
    assert!(out.stdout.contains("Renamed"), "{}", out.stdout);
    let out = run(&emulator, &args(&["assistants", "edit", "attach-kb", "--agent-id", &agent]), None).await;
    out.assert_code(2);
    assert!(out.stderr.contains("--kb-id (or `kb_id` in --body)"), "{}", out.stderr);
}

#[tokio::test]
async fn destructive_commands_need_yes_off_a_terminal() {
    let (emulator, fixtures) = start().await;
    let agent = fixtures.agent_id.to_string();
    let served = emulator.requests_served();
    let out = run(&emulator, &args(&["assistants", "delete", &agent]), None).await;
    out.assert_code(2);
    assert!(out.stderr.contains("--yes"), "{}", out.stderr);
    let out = run(&emulator, &args(&["workspace", "regenerate-api-key"]), None).await;
    out.assert_code(2);
    assert_eq!(emulator.requests_served(), served, "nothing was sent");
    let out = run(&emulator, &args(&["--yes", "assistants", "delete", &agent]), None).await;
    out.assert_success();
}

// ---- 19. Webhooks -------------------------------------------------------------------------------

/// `ringg webhooks listen ARGS` in the background, and the address it prints.
fn listen(extra: &[&str]) -> (std::process::Child, String) {
    let log = std::fs::File::create(temp_path("listen-stderr")).unwrap();
    let mut child = Command::new(support::binary())
        .args(["webhooks", "listen", "--port", "0"])
        .args(extra)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stderr = BufReader::new(child.stderr.take().unwrap());
    let mut line = String::new();
    stderr.read_line(&mut line).unwrap();
    // Keep draining stderr, so the listener never writes into a closed pipe.
    std::thread::spawn(move || {
        let mut log = log;
        let _ = std::io::copy(&mut stderr, &mut log);
    });
    let address = line.split_whitespace().find(|w| w.starts_with("http://")).unwrap().trim_end_matches('/').to_string();
    (child, address)
}

fn finish(mut child: std::process::Child) -> String {
    let started = Instant::now();
    while child.try_wait().unwrap().is_none() {
        if started.elapsed() > Duration::from_secs(30) {
            let _ = child.kill();
            panic!("listen did not stop");
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    let mut out = String::new();
    child.stdout.take().unwrap().read_to_string(&mut out).unwrap();
    out
}

#[tokio::test]
async fn listen_shows_requests_requires_headers_and_forwards() {
    let (target, seen) = serve(202, r#"{"ok":true}"#);
    let (child, address) =
        listen(&["--count", "2", "--require-header", "X-Secret:s3", "--forward-to", &format!("http://{target}/in")]);
    let url = format!("{address}/hooks?source=test");
    let refused = run_with(&args(&["webhooks", "trigger", "call_completed", "--to", &url]), &[], None).await;
    refused.assert_code(3);
    let ok = run_with(
        &args(&[
            "webhooks",
            "trigger",
            "call_completed",
            "--to",
            &url,
            "-H",
            "X-Secret: s3",
            "-H",
            "Authorization: Bearer tok-123",
        ]),
        &[],
        None,
    )
    .await;
    ok.assert_success();
    assert!(ok.stderr.contains("HTTP 202"), "the forward target's answer: {}", ok.stderr);
    let callback = run_with(
        &args(&[
            "webhooks",
            "trigger",
            "callback",
            "--to",
            &url,
            "-H",
            "X-Secret: s3",
            "--override",
            "data.status=completed",
        ]),
        &[],
        None,
    )
    .await;
    callback.assert_success();
    let stdout = tokio::task::spawn_blocking(move || finish(child)).await.unwrap();
    let lines: Vec<serde_json::Value> = stdout.lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    assert_eq!(lines.len(), 2, "{stdout}");
    assert_eq!((lines[0]["path"].as_str(), lines[0]["query"].as_str()), (Some("/hooks"), Some("source=test")));
    assert_eq!(lines[0]["headers"]["authorization"], "[redacted]");
    assert_eq!(lines[0]["headers"]["x-secret"], "[redacted]");
    assert!(!stdout.contains("tok-123") && !stdout.contains("s3\""), "{stdout}");
    assert_eq!(lines[0]["forwarded"]["status"], 202);
    assert_eq!(
        (lines[1]["event"].as_str(), lines[1]["payload"]["data"]["status"].as_str()),
        (Some("callback"), Some("completed"))
    );
    let forwarded = seen.lock().unwrap().clone();
    assert!(forwarded.iter().any(|r| r.starts_with("POST /in") && r.contains("call_completed")), "{forwarded:?}");
}
