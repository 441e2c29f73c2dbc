//! What a test stages and how the emulator keeps identity: faults after the request took
//! effect (the lost reply), answers from the spec, saved state, ids across runs and the clock's
//! start.

use std::time::{Duration, SystemTime};

use ringg::Outcome;
use ringg::types::{AgentId, CallFrom, InitiateCallFromPool, PhoneNumber};
use ringg_emulator::{Emulator, Fault, Fixtures, Operation};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

mod common;

fn call(fx: &Fixtures, to: &str) -> InitiateCallFromPool {
    let from = CallFrom::Pool(fx.number_pool_id.clone());
    InitiateCallFromPool::new("Ada", PhoneNumber::new(to), fx.agent_id.clone(), from)
}

/// How many stored calls went to `to`, seen from the emulator's side.
fn rung(emulator: &Emulator, to: &str) -> usize {
    emulator.calls().iter().filter(|c| c.to_number.as_ref().is_some_and(|n| n.as_str() == to)).count()
}

#[tokio::test]
async fn a_lost_reply_places_the_call_and_leaves_the_outcome_unknown() {
    let emulator = Emulator::start().await.unwrap();
    let fx = emulator.fixtures().await;
    let client = emulator.client();

    emulator.inject(Operation::CallingInitiateFromPool, Fault::ReplyLost, 1);
    let err = client.calling().initiate_from_pool(call(&fx, "+919800000001")).await.unwrap_err();
    assert_eq!(err.outcome(), Outcome::Unknown, "{err}");
    assert_eq!(rung(&emulator, "+919800000001"), 1, "the call was placed although its answer was lost");

    emulator.inject(Operation::CallingInitiateFromPool, Fault::ReplyStatus(503), 1);
    let err = client.calling().initiate_from_pool(call(&fx, "+919800000002")).await.unwrap_err();
    assert_eq!((err.status(), err.outcome()), (Some(503), Outcome::Unknown), "{err}");
    assert_eq!(rung(&emulator, "+919800000002"), 1);

    // A fault before handling changes nothing; the faults are used up, so the next call goes
    // through.
    emulator.inject(Operation::CallingInitiateFromPool, Fault::Drop, 1);
    let err = client.calling().initiate_from_pool(call(&fx, "+919800000003")).await.unwrap_err();
    assert_eq!(err.outcome(), Outcome::Unknown);
    assert_eq!(rung(&emulator, "+919800000003"), 0, "a fault before handling places nothing");
    client.calling().initiate_from_pool(call(&fx, "+919800000003")).await.unwrap();
    assert_eq!(rung(&emulator, "+919800000003"), 1);
}

#[tokio::test]
async fn a_reply_stalled_past_the_client_timeout_is_a_timeout_after_the_call_was_placed() {
    let emulator = Emulator::start().await.unwrap();
    let fx = emulator.fixtures().await;
    let impatient = ringg::Client::builder()
        .api_key(emulator.api_key())
        .base_url(emulator.base_url())
        .allow_insecure_http(true)
        .timeout(Duration::from_millis(300))
        .build()
        .unwrap();
    emulator.inject(Operation::CallingInitiateFromPool, Fault::ReplyStall(Duration::from_secs(3)), 1);
    let err = impatient.calling().initiate_from_pool(call(&fx, "+919800000004")).await.unwrap_err();
    assert!(err.is_timeout(), "{err}");
    assert_eq!(err.outcome(), Outcome::Unknown);
    assert_eq!(rung(&emulator, "+919800000004"), 1);
}

/// One raw request; the status, the `x-emulator-behaviour` header and the body.
async fn get(emulator: &Emulator, path: &str) -> (u16, Option<String>, serde_json::Value) {
    let mut s = tokio::net::TcpStream::connect(emulator.addr()).await.unwrap();
    let head = format!(
        "GET {path} HTTP/1.1\r\nhost: localhost\r\nconnection: close\r\nx-api-key: {}\r\n\r\n",
        emulator.api_key()
    );
    s.write_all(head.as_bytes()).await.unwrap();
    let mut out = Vec::new();
    s.read_to_end(&mut out).await.unwrap();
    let text = String::from_utf8_lossy(&out).to_string();
    let (head, body) = text.split_once("\r\n\r\n").unwrap();
    let status = head.get(9..12).and_then(|c| c.parse().ok()).unwrap_or(0);
    let behaviour = head
        .lines()
        .find_map(|l| l.to_ascii_lowercase().strip_prefix("x-emulator-behaviour:").map(|v| v.trim().to_string()));
    (status, behaviour, serde_json::from_str(body).unwrap_or(serde_json::Value::Null))
}

#[tokio::test]
async fn operations_without_behaviour_are_answered_from_the_spec_and_marked() {
    let emulator = Emulator::start().await.unwrap();
    assert!(!emulator.served_from_spec().contains(&Operation::WorkspaceGet));
    let (status, behaviour, _) = get(&emulator, "/ca/api/v0/workspace").await;
    assert_eq!((status, behaviour), (200, None));

    let spec_only = Emulator::builder().examples_only(true).start().await.unwrap();
    assert_eq!(spec_only.served_from_spec(), Operation::ALL.to_vec());
    // The path's id is carried into the answer, which the client reads as usual.
    let (status, behaviour, body) = get(&spec_only, "/ca/api/v0/agent/my-agent-id").await;
    assert_eq!((status, behaviour.as_deref()), (200, Some("example")));
    assert_eq!(body["agents"]["id"], "my-agent-id", "{body}");
    let agent = spec_only.client().assistants().get(AgentId::new("my-agent-id")).await.unwrap();
    assert_eq!(agent.agents.id.as_str(), "my-agent-id");
    // Paging is honoured and validation applies as to every operation.
    let (status, _, body) = get(&spec_only, "/ca/api/v0/workspace/numbers?limit=1&offset=0").await;
    assert_eq!(status, 200);
    assert!(body["workspace_numbers"].as_array().is_some_and(|n| n.len() <= 1), "{body}");
    let (status, behaviour, _) = get(&spec_only, "/ca/api/v0/workspace/numbers?limit=many").await;
    assert_eq!((status, behaviour.as_deref()), (422, Some("example")));
    // Nothing is stored.
    assert!(spec_only.calls().is_empty());
}

#[tokio::test]
async fn state_saved_to_a_file_goes_on_where_it_stopped() {
    let dir = std::env::temp_dir().join(format!("ringg-emulator-state-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("state.json");
    let _ = std::fs::remove_file(&path);

    let first = Emulator::builder().state_file(&path).start().await.unwrap();
    let fx = first.fixtures().await;
    first.client().calling().initiate_from_pool(call(&fx, "+919800000005")).await.unwrap();
    let (key, calls, now) = (first.api_key(), first.calls(), first.now());
    first.save_state().unwrap();
    drop(first);

    let second = Emulator::builder().state_file(&path).start().await.unwrap();
    assert_eq!(second.api_key(), key);
    assert_eq!(second.calls(), calls);
    assert_eq!(second.now(), now, "the clock goes on from where it stopped");
    // The restored call moves on, and new ids do not repeat old ones.
    second.settle().await;
    assert!(second.calls().iter().all(|c| c.status.is_some()));
    let again = second.fixtures().await;
    assert_ne!(again.agent_id, fx.agent_id);

    std::fs::write(&path, "{\"format\": 99}").unwrap();
    let refused = Emulator::builder().state_file(&path).start().await.unwrap_err();
    assert_eq!(refused.kind(), std::io::ErrorKind::InvalidData);
    assert!(Emulator::start().await.unwrap().save_state().is_err(), "no file to save to");
    std::fs::remove_dir_all(&dir).unwrap();
}

#[tokio::test]
async fn ids_never_repeat_across_runs_unless_a_seed_asks_for_it() {
    let agent = |e: &Emulator| e.calls().first().map(|c| c.id.clone());
    let (a, b) = (Emulator::start().await.unwrap(), Emulator::start().await.unwrap());
    let (fa, fb) = (a.fixtures().await, b.fixtures().await);
    assert_ne!(fa.agent_id, fb.agent_id);
    assert_ne!(agent(&a), agent(&b));
    assert_ne!(a.api_key(), b.api_key());

    let seeded = |key: Option<&str>| {
        let b = Emulator::builder().seed(42);
        match key {
            Some(k) => b.api_key(k),
            None => b,
        }
    };
    let (x, y) = (seeded(None).start().await.unwrap(), seeded(Some("my-key")).start().await.unwrap());
    let (fx, fy) = (x.fixtures().await, y.fixtures().await);
    assert_eq!(fx.agent_id, fy.agent_id, "the same seed gives the same ids, whatever the key");
    assert_eq!(agent(&x), agent(&y));
    let other = Emulator::builder().seed(43).start().await.unwrap().fixtures().await;
    assert_ne!(other.agent_id.as_str()[..8], fx.agent_id.as_str()[..8], "other seeds share no prefix");
}

#[tokio::test]
async fn the_clock_starts_now_and_a_fixed_start_is_kept() {
    let before = SystemTime::now() - Duration::from_secs(1);
    let emulator = Emulator::start().await.unwrap();
    let now = emulator.now().to_system_time().unwrap();
    assert!(now >= before && now <= SystemTime::now(), "{now:?}");
    // A lookup from a minute before the real time finds a call just placed.
    let fx = emulator.fixtures().await;
    emulator.client().calling().initiate_from_pool(call(&fx, "+919800000006")).await.unwrap();
    let since = SystemTime::now() - Duration::from_secs(60);
    let page = emulator.client().calling().history().start_date(since).await.unwrap();
    assert!(page.calls.iter().any(|c| c.to_number.as_ref().is_some_and(|n| n.as_str() == "+919800000006")));

    let fixed = std::time::UNIX_EPOCH + Duration::from_secs(1_772_355_600);
    let pinned = Emulator::builder().start_time(fixed).start().await.unwrap();
    assert_eq!(pinned.now().to_system_time().unwrap(), fixed);
}

/// The README's emulator examples are these compiled examples, word for word.
#[test]
fn the_readme_shows_the_compiled_examples() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let readme = std::fs::read_to_string(dir.join("../../README.md")).unwrap();
    for example in ["integration_test.rs", "lost_reply.rs"] {
        let text = std::fs::read_to_string(dir.join("examples").join(example)).unwrap();
        // Without the file's own `//!` header.
        let code = &text[text.find("\nuse ").map_or(0, |i| i + 1)..];
        assert!(readme.contains(&format!("```rust\n{code}```")), "README.md does not show examples/{example} as it is");
    }
}

/// One control request with the default key; the answer's text.
#[cfg(unix)]
async fn control(address: &str, method: &str, path: &str, body: &str) -> String {
    let mut s = tokio::net::TcpStream::connect(address).await.unwrap();
    let head = format!(
        "{method} {path} HTTP/1.1\r\nhost: x\r\nconnection: close\r\nx-api-key: {}\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\r\n{body}",
        ringg_emulator::DEFAULT_KEY,
        body.len()
    );
    s.write_all(head.as_bytes()).await.unwrap();
    let mut out = Vec::new();
    tokio::time::timeout(Duration::from_secs(20), s.read_to_end(&mut out)).await.unwrap().unwrap();
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(unix)]
#[tokio::test]
async fn the_binary_saves_its_state_on_sigterm_and_reads_it_at_start() {
    let dir = std::env::temp_dir().join(format!("ringg-emulator-binary-state-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("state.json");
    let file = path.to_str().unwrap();
    let args = ["--port", "0", "--clock", "manual", "--state", file];

    let (mut first, _, address) = common::binary(&args).await;
    let set = control(&address, "PUT", "/__emulator/credits", r#"{"credits": 42}"#).await;
    assert!(set.starts_with("HTTP/1.1 200"), "{set}");
    let killed = std::process::Command::new("kill").args(["-TERM", &first.id().to_string()]).status().unwrap();
    assert!(killed.success());
    // Bounded: the binary saves and exits at once.
    let mut exited = None;
    for _ in 0..100 {
        if let Some(status) = first.try_wait().unwrap() {
            exited = Some(status);
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let _ = first.kill();
    assert!(exited.is_some_and(|s| s.success()), "the binary did not exit cleanly on SIGTERM: {exited:?}");
    assert!(path.exists(), "no state file");

    let (mut second, _, address) = common::binary(&args).await;
    let read = control(&address, "GET", "/__emulator/credits", "").await;
    let _ = second.kill();
    let _ = second.wait();
    assert!(read.starts_with("HTTP/1.1 200") && read.contains(r#""credits":42"#), "{read}");
    std::fs::remove_dir_all(&dir).unwrap();
}
