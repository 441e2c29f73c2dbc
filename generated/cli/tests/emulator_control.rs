//! `ringg emulator ...` driving a running emulator through its control API: staging outcomes
//! and faults, moving the clock, reading calls, deliveries and credits, resetting; and the
//! standalone `ringg emulator --clock manual` with the well-known key. Every run is checked
//! for the key.

mod support;

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};

use ringg_emulator::{CallOutcome, Fault, Operation};
use serde_json::{Value, json};
use support::{KEY, Output, run, run_with, start};

fn args(list: &[&str]) -> Vec<String> {
    list.iter().map(|s| s.to_string()).collect()
}

fn json_of(out: &Output) -> Value {
    serde_json::from_str(&out.stdout).unwrap_or_else(|e| panic!("not JSON ({e}): {}\n{}", out.stdout, out.stderr))
}

#[tokio::test]
async fn a_lost_reply_staged_from_the_command_line_leaves_one_call() {
    let (emulator, fixtures) = start().await;
    let out =
        run(&emulator, &args(&["emulator", "fault", "calling.initiate", "reply-lost", "--times", "1"]), None).await;
    out.assert_success();
    assert_eq!(
        json_of(&out),
        json!({ "faults": [{ "operation": "calling.initiate", "fault": "reply-lost", "times": 1 }] }),
        "what the control API answered, as it answered"
    );
    assert_eq!(emulator.faults(), vec![(Operation::CallingInitiate, Fault::ReplyLost, 1)]);

    let body = json!({ "name": "Ada", "mobile_number": "+919800000701", "agent_id": fixtures.agent_id.as_str(),
        "from_number_id": fixtures.number_id.as_str() });
    let out = run(&emulator, &args(&["calling", "initiate", "--body", &body.to_string()]), None).await;
    out.assert_code(4);

    let out = run(&emulator, &args(&["emulator", "calls"]), None).await;
    out.assert_success();
    let calls = json_of(&out);
    let placed: Vec<&Value> =
        calls["calls"].as_array().unwrap().iter().filter(|c| c["to_number"] == "+919800000701").collect();
    assert_eq!(placed.len(), 1, "placed once, though the reply was lost: {calls}");
    let out = run(&emulator, &args(&["emulator", "calls", "-o", "table"]), None).await;
    out.assert_success();
    assert!(out.stdout.starts_with("ID") && out.stdout.contains("+919800000701"), "{}", out.stdout);

    // Every kind with its options.
    for list in [
        &["emulator", "fault", "workspace.get", "status", "--status", "503", "--times", "2"][..],
        &["emulator", "fault", "workspace.get", "rate-limited", "--retry-after", "7"],
        &["emulator", "fault", "workspace.get", "reply-stall", "--stall", "40s"],
    ] {
        run(&emulator, &args(list), None).await.assert_success();
    }
    assert_eq!(
        emulator.faults(),
        vec![
            (Operation::WorkspaceGet, Fault::Status(503), 2),
            (Operation::WorkspaceGet, Fault::RateLimited { retry_after: 7 }, 1),
            (Operation::WorkspaceGet, Fault::ReplyStall(std::time::Duration::from_secs(40)), 1),
        ]
    );
    let out = run(&emulator, &args(&["emulator", "faults", "--clear"]), None).await;
    out.assert_success();
    assert_eq!(json_of(&out), json!({ "faults": [] }));

    // The control API's refusals, as it said them.
    let out = run(&emulator, &args(&["emulator", "fault", "calling.initiat", "drop"]), None).await;
    out.assert_code(3);
    assert!(out.stderr.contains("did you mean `calling.initiate`"), "{}", out.stderr);
    let out = run(&emulator, &args(&["emulator", "fault", "workspace.get", "stall", "--stall", "2h"]), None).await;
    out.assert_code(3);
    assert!(out.stderr.contains("at most 3600 s"), "{}", out.stderr);
    assert!(emulator.faults().is_empty());
}

#[tokio::test]
async fn outcomes_clock_deliveries_credits_and_reset_from_the_command_line() {
    let (emulator, fixtures) = start().await;
    run(&emulator, &args(&["emulator", "outcome", "+919800000801", "failed"]), None).await.assert_success();
    let out = run(&emulator, &args(&["emulator", "outcome", "--default", "voicemail"]), None).await;
    out.assert_success();
    assert_eq!(json_of(&out), json!({ "default": "voicemail", "numbers": { "+919800000801": "failed" } }));
    assert_eq!(emulator.outcomes().default, CallOutcome::Voicemail);
    run(&emulator, &args(&["emulator", "outcome", "--default", "--clear"]), None).await.assert_success();
    assert_eq!(emulator.outcomes().default, CallOutcome::Completed);
    let out = run(&emulator, &args(&["emulator", "outcome", "+919800000801"]), None).await;
    out.assert_code(2);
    assert!(out.stderr.contains("outcome NUMBER OUTCOME"), "{}", out.stderr);
    let out = run(&emulator, &args(&["emulator", "outcome", "+919800000801", "maybe"]), None).await;
    out.assert_code(3);
    assert!(out.stderr.contains("completed, failed, retry, voicemail"), "{}", out.stderr);

    // A call whose per-call callback goes nowhere: its deliveries fail for good.
    let dead = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        format!("http://{}/gone", l.local_addr().unwrap())
    };
    let body = json!({ "name": "Ada", "mobile_number": "+919800000801", "agent_id": fixtures.agent_id.as_str(),
        "from_number_id": fixtures.number_id.as_str(), "callback_url": dead });
    run(&emulator, &args(&["calling", "initiate", "--body", &body.to_string()]), None).await.assert_success();

    let before = json_of(&run(&emulator, &args(&["emulator", "clock"]), None).await);
    let out = run(&emulator, &args(&["emulator", "advance", "60s"]), None).await;
    out.assert_success();
    let after = json_of(&out);
    assert_eq!(after["now_ms"].as_u64().unwrap() - before["now_ms"].as_u64().unwrap(), 60_000);
    let out = run(&emulator, &args(&["emulator", "advance", "5x"]), None).await;
    out.assert_code(3);
    assert!(out.stderr.contains("such as 90s"), "{}", out.stderr);
    let out = run(&emulator, &args(&["emulator", "settle"]), None).await;
    out.assert_success();
    assert_eq!(json_of(&out)["events_scheduled"], 0);

    let failed = json_of(&run(&emulator, &args(&["emulator", "deliveries", "--failed"]), None).await);
    let failed = failed["deliveries"].as_array().unwrap().clone();
    assert!(!failed.is_empty() && failed.iter().all(|d| d["url"] == json!(dead) && d["attempts"] == 4), "{failed:?}");
    let all = json_of(&run(&emulator, &args(&["emulator", "deliveries", "--all"]), None).await);
    let delivered = json_of(&run(&emulator, &args(&["emulator", "deliveries"]), None).await);
    assert_eq!(
        all["deliveries"].as_array().unwrap().len(),
        failed.len() + delivered["deliveries"].as_array().unwrap().len()
    );
    let calls = json_of(&run(&emulator, &args(&["emulator", "calls"]), None).await);
    let call = calls["calls"].as_array().unwrap().iter().find(|c| c["to_number"] == "+919800000801").unwrap();
    assert_eq!(call["status"], "failed", "the staged outcome: {call}");

    let out = run(&emulator, &args(&["emulator", "credits", "12.5"]), None).await;
    out.assert_success();
    assert_eq!(json_of(&out), json!({ "credits": 12.5 }));
    assert_eq!(emulator.credits(), 12.5);
    let out = run(&emulator, &args(&["emulator", "credits", "-o", "yaml"]), None).await;
    out.assert_success();
    assert_eq!(out.stdout.trim(), "\"credits\": 12.5");

    let out = run(&emulator, &args(&["emulator", "reset"]), None).await;
    out.assert_success();
    let summary = json_of(&out);
    assert_eq!((&summary["counts"]["calls"], &summary["counts"]["outcomes_staged"]), (&json!(0), &json!(0)));
    assert!(emulator.calls().is_empty());
    let out = run(&emulator, &args(&["emulator", "status", "-o", "table"]), None).await;
    out.assert_success();
    assert!(out.stdout.contains("clock.kind") && out.stdout.contains("manual"), "{}", out.stdout);
}

#[tokio::test]
async fn control_commands_refuse_ringg_itself_as_the_emulator() {
    let out = run_with(&args(&["emulator", "status"]), &[("RINGG_API_KEY", KEY)], None).await;
    out.assert_code(2);
    assert!(out.stderr.contains("--base-url http://127.0.0.1:PORT"), "{}", out.stderr);
}

/// A `ringg emulator` process, killed when dropped.
struct Standalone(Child);

impl Drop for Standalone {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[tokio::test]
async fn the_standalone_emulator_on_the_manual_clock_takes_the_default_key() {
    let mut child = Command::new(support::binary())
        .args(["emulator", "start", "--port", "0", "--clock", "manual"])
        .env_remove("RINGG_API_KEY")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("ringg starts");
    let mut lines = BufReader::new(child.stdout.take().expect("stdout is piped"));
    let _guard = Standalone(child);
    let mut printed = String::new();
    let mut address = None;
    for _ in 0..8 {
        let mut line = String::new();
        if lines.read_line(&mut line).unwrap_or(0) == 0 {
            break;
        }
        if address.is_none()
            && let Some(at) = line.find("http://127.0.0.1:")
        {
            let rest = &line[at..];
            address = Some(rest.split_whitespace().next().unwrap().to_string());
        }
        printed.push_str(&line);
        if line.starts_with("Press Ctrl-C") {
            break;
        }
    }
    let address = address.unwrap_or_else(|| panic!("no address printed: {printed}"));
    assert!(printed.contains(ringg_emulator::DEFAULT_KEY) && printed.contains("clock: manual"), "{printed}");
    // No key configured: the CLI sends the default key to a loopback URL, which the emulator takes.
    let out = run_with(&args(&["--base-url", &address, "emulator", "advance", "90s"]), &[], None).await;
    out.assert_success();
    assert_eq!(json_of(&out)["kind"], "manual");
    let out =
        run_with(&args(&["--base-url", &address, "emulator", "start", "--speed", "2", "--clock", "manual"]), &[], None)
            .await;
    out.assert_code(2);
    assert!(out.stderr.contains("--speed applies to the real clock"), "{}", out.stderr);
}
