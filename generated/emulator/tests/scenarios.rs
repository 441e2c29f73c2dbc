//! Whole stories through the client against the emulator: a call with webhooks, a campaign
//! with a failing row, key rotation, running out of credits, and injected faults.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use ringg::types::{
    AgentCreate, AgentEdit, AgentId, CallFrom, CallId, InitiateCallFromPool, KnowledgeBaseId, ListId, PhoneNumber,
    PoolId,
};
use ringg_emulator::{CallOutcome, Emulator, Fault, Operation};
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// A webhook receiver on 127.0.0.1 that records each request's headers and body and answers
/// `status`.
async fn receiver(status: u16) -> (String, Arc<Mutex<Vec<(String, Value)>>>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/hooks/ringg", listener.local_addr().unwrap());
    let seen = Arc::new(Mutex::new(Vec::new()));
    let record = seen.clone();
    tokio::spawn(async move {
        loop {
            let Ok((mut s, _)) = listener.accept().await else { return };
            let mut buf = Vec::new();
            let mut chunk = [0u8; 4096];
            // Bounded: a request is at most 1 MiB here.
            while buf.len() < 1 << 20 {
                let n = s.read(&mut chunk).await.unwrap_or(0);
                if n == 0 {
                    break;
                }
                buf.extend_from_slice(&chunk[..n]);
                let text = String::from_utf8_lossy(&buf).to_string();
                if let Some(end) = text.find("\r\n\r\n") {
                    let len = text[..end]
                        .lines()
                        .find_map(|l| {
                            l.to_ascii_lowercase()
                                .strip_prefix("content-length:")
                                .map(|v| v.trim().parse::<usize>().unwrap_or(0))
                        })
                        .unwrap_or(0);
                    if buf.len() >= end + 4 + len {
                        let head = text[..end].to_string();
                        let body = serde_json::from_slice(&buf[end + 4..end + 4 + len]).unwrap_or(Value::Null);
                        record.lock().unwrap().push((head, body));
                        break;
                    }
                }
            }
            let reply = format!("HTTP/1.1 {status} X\r\ncontent-length: 0\r\nconnection: close\r\n\r\n");
            let _ = s.write_all(reply.as_bytes()).await;
        }
    });
    (url, seen)
}

async fn create_agent(client: &ringg::Client, voice: &str) -> String {
    let body: AgentCreate = serde_json::from_value(json!({
        "agent_name": "Reminder", "introduction_and_objective": "Remind.", "response_guidelines": "Brief.",
        "task": "Confirm.", "primary_language": "en-US", "voice_id": voice, "intro_message": "Hello!",
    }))
    .unwrap();
    let saved = client.assistants().create(body).await.expect("agent created");
    serde_json::to_value(&saved).unwrap()["data"]["id"].as_str().unwrap().to_string()
}

async fn first_voice(client: &ringg::Client) -> String {
    let voices = serde_json::to_value(client.voices().list().await.unwrap()).unwrap();
    voices["voices"][0]["id"].as_str().unwrap().to_string()
}

async fn pool(client: &ringg::Client) -> String {
    let numbers = serde_json::to_value(client.numbers().list().await.unwrap()).unwrap();
    numbers["workspace_numbers"][0]["number_pool_id"].as_str().unwrap().to_string()
}

async fn place(client: &ringg::Client, agent: &str, pool_id: &str, to: &str) -> Result<String, ringg::Error> {
    let call = InitiateCallFromPool::new(
        "Ada",
        PhoneNumber::new(to),
        AgentId::new(agent),
        CallFrom::Pool(PoolId::new(pool_id)),
    );
    let placed = client.calling().initiate_from_pool(call).await?;
    Ok(serde_json::to_value(placed).unwrap()["data"]["call_id"].as_str().unwrap().to_string())
}

#[tokio::test]
async fn a_call_completes_on_the_manual_clock_and_posts_its_webhooks() {
    let emulator = Emulator::builder().check_responses(true).start().await.unwrap();
    let client = emulator.client();
    let (url, seen) = receiver(200).await;
    let agent = create_agent(&client, &first_voice(&client).await).await;
    let edit: AgentEdit = serde_json::from_value(json!({
        "agent_id": agent, "operation": "edit_event_subscriptions",
        "event_subscriptions": [{ "event_type": ["call_started", "call_completed", "all_processing_completed"],
            "callback_url": url, "headers": { "X-Secret": "s3cret" } }],
    }))
    .unwrap();
    client.assistants().edit(edit).await.expect("subscribed");
    let call = place(&client, &agent, &pool(&client).await, "+919876543210").await.unwrap();

    let history = serde_json::to_value(client.calling().history().await.unwrap()).unwrap();
    assert_eq!(history["calls"][0]["status"], "registered");
    emulator.advance(Duration::from_secs(3)).await;
    let history = serde_json::to_value(client.calling().history().await.unwrap()).unwrap();
    assert_eq!(history["calls"][0]["status"], "ongoing");
    emulator.settle().await;

    let history =
        serde_json::to_value(client.calling().history().status(ringg::types::CallStatus::Completed).await.unwrap())
            .unwrap();
    assert_eq!(history["total"], 1);
    assert_eq!(history["calls"][0]["id"], call.as_str());
    let details = serde_json::to_value(client.calling().details(CallId::new(call.as_str())).await.unwrap()).unwrap();
    assert!(details["data"]["recording_url"].is_string(), "{details}");
    assert!(details["data"]["transcription_url"].is_array());

    let events: Vec<String> = emulator.deliveries().iter().map(|d| d.event_type.clone()).collect();
    assert_eq!(events, ["call_started", "call_completed", "all_processing_completed"]);
    let seen = seen.lock().unwrap().clone();
    assert_eq!(seen.len(), 3);
    assert!(seen[0].0.to_ascii_lowercase().contains("x-secret: s3cret"), "{}", seen[0].0);
    assert_eq!(seen[1].1["event_type"], "call_completed");
    assert_eq!(seen[1].1["call_id"], call.as_str());
    for (_, body) in &seen {
        ringg::webhooks::Event::from_slice(body.to_string().as_bytes()).expect("the client decodes every payload");
    }
    assert!(emulator.credits() < 3025.0, "a completed call uses credits");
    assert_eq!(emulator.conformance_problems(), Vec::<String>::new());
}

#[tokio::test]
async fn failed_deliveries_are_retried_a_bounded_number_of_times() {
    let emulator = Emulator::start().await.unwrap();
    let client = emulator.client();
    let (url, seen) = receiver(500).await;
    let agent = create_agent(&client, &first_voice(&client).await).await;
    let edit: AgentEdit = serde_json::from_value(json!({
        "agent_id": agent, "operation": "edit_event_subscriptions",
        "event_subscriptions": [{ "event_type": "call_started", "callback_url": url }],
    }))
    .unwrap();
    client.assistants().edit(edit).await.unwrap();
    place(&client, &agent, &pool(&client).await, "+919876543210").await.unwrap();
    emulator.settle().await;
    let failed = emulator.failed_deliveries();
    assert_eq!(failed.len(), 1);
    assert_eq!(failed[0].attempts, 4, "one attempt and three retries");
    assert_eq!(failed[0].status, Some(500));
    assert_eq!(seen.lock().unwrap().len(), 4);
    assert!(emulator.deliveries().is_empty());
}

/// A campaign upload of `csv` for `agent`, dialling prefix `+91`.
fn campaign(
    agent: &str,
    csv: &'static str,
    map: std::collections::BTreeMap<String, String>,
) -> ringg::types::SaveCampaign {
    ringg::types::SaveCampaign::new(ringg::types::SaveCampaignRequired {
        file: ringg::Upload::from_bytes(csv, "contacts.csv"),
        agent_id: AgentId::new(agent),
        campaign_name: "March".into(),
        country_code: "+91".into(),
        campaign_start_time: "01/03/2026, 15:00".into(),
        campaign_end_time: "01/03/2026, 21:00".into(),
        variables_map: map,
        call_config: ringg::types::CallConfig::default(),
    })
}

#[tokio::test]
async fn a_campaign_of_three_rows_with_one_failing_call() {
    // The campaign's window is a fixed date: start the clock before it.
    let start = std::time::UNIX_EPOCH + Duration::from_secs(1_772_355_600); // 2026-03-01 09:00 UTC
    let emulator = Emulator::builder().start_time(start).start().await.unwrap();
    let client = emulator.client();
    let agent = create_agent(&client, &first_voice(&client).await).await;
    emulator.set_outcome("+919800000002", CallOutcome::Failed);
    let csv = "Name,Phone\nAda,+919800000001\nBob,+919800000002\nCy,+919800000003\nBad,not-a-number\n";
    let mut map = std::collections::BTreeMap::new();
    map.insert("callee_name".to_string(), "Name".to_string());
    map.insert("mobile_number".to_string(), "Phone".to_string());
    let save = campaign(&agent, csv, map).remove_invalid_rows(true);
    let saved = serde_json::to_value(client.campaigns().save(save).await.expect("saved")).unwrap();
    assert_eq!(
        (saved["total_rows"].as_i64(), saved["successful_rows"].as_i64(), saved["failed_rows"].as_i64()),
        (Some(4), Some(3), Some(1))
    );
    let list = saved["list_id"].as_str().unwrap().to_string();
    let start = ringg::types::StartCampaignFromPool::new(
        AgentId::new(agent.as_str()),
        ListId::new(list.as_str()),
        PoolId::new(pool(&client).await),
    );
    client.campaigns().start_from_pool(start).await.expect("started");
    // The window opens at 15:00 in Asia/Kolkata, half an hour after the clock's 09:00 UTC.
    emulator.advance(Duration::from_secs(3)).await;
    let waiting = serde_json::to_value(client.calling().history().await.unwrap()).unwrap();
    assert!(waiting["calls"].as_array().unwrap().iter().all(|c| c["status"] == "registered"), "{waiting}");
    emulator.advance(Duration::from_secs(30 * 60)).await;
    let ongoing =
        serde_json::to_value(client.calling().history().status(ringg::types::CallStatus::Ongoing).await.unwrap())
            .unwrap();
    assert_eq!(ongoing["total"], 2, "concurrency 2: two of three ring at once");
    emulator.settle().await;
    let all = serde_json::to_value(client.calling().history().bulk_list_id(ListId::new(list.as_str())).await.unwrap())
        .unwrap();
    assert_eq!(all["total"], 3);
    let statuses: Vec<&str> = all["calls"].as_array().unwrap().iter().map(|c| c["status"].as_str().unwrap()).collect();
    assert_eq!(statuses.iter().filter(|s| **s == "completed").count(), 2);
    assert_eq!(statuses.iter().filter(|s| **s == "failed").count(), 1);
    let campaigns = serde_json::to_value(client.campaigns().list().await.unwrap()).unwrap();
    assert_eq!(campaigns["campaigns"][0]["campaign_status"], "completed");
    assert_eq!(campaigns["campaigns"][0]["completed_count"], 2);

    // Without remove_invalid_rows the bad row is an error naming the row.
    let save =
        campaign(&agent, csv, std::collections::BTreeMap::from([("mobile_number".to_string(), "Phone".to_string())]));
    let err = client.campaigns().save(save).await.unwrap_err();
    assert_eq!(err.status(), Some(400));
    assert!(err.to_string().contains("rows 5"), "{err}");
}

#[tokio::test]
async fn rotating_the_key_retires_the_old_one() {
    let emulator = Emulator::start().await.unwrap();
    let old = emulator.client();
    let rotated = old.workspace().regenerate_api_key().await.unwrap();
    let new_key = serde_json::to_value(&rotated).unwrap()["new_api_key"].as_str().unwrap().to_string();
    let err = old.workspace().get().await.unwrap_err();
    assert_eq!(err.status(), Some(401));
    emulator.client_with_key(&new_key).workspace().get().await.expect("the new key works");
    assert_eq!(emulator.api_key(), new_key);
}

#[tokio::test]
async fn calling_fails_when_credits_run_out() {
    let emulator = Emulator::builder().credits(1.0).start().await.unwrap();
    let client = emulator.client();
    let agent = create_agent(&client, &first_voice(&client).await).await;
    let pool_id = pool(&client).await;
    place(&client, &agent, &pool_id, "+919876543210").await.expect("one minute of credit is enough to start");
    emulator.settle().await;
    assert_eq!(emulator.credits(), 0.0);
    let err = place(&client, &agent, &pool_id, "+919876543210").await.unwrap_err();
    assert_eq!(err.status(), Some(402));
    assert!(err.to_string().contains("insufficient credits"), "{err}");
}

#[tokio::test]
async fn terminate_cancels_pending_calls_only() {
    let emulator = Emulator::start().await.unwrap();
    let client = emulator.client();
    let agent = create_agent(&client, &first_voice(&client).await).await;
    let call = place(&client, &agent, &pool(&client).await, "+919876543210").await.unwrap();
    let body = ringg::types::TerminateCalls::new().call_ids(vec![CallId::new(call.as_str())]);
    client.calling().terminate(body.clone()).await.expect("cancelled");
    emulator.settle().await;
    let details = serde_json::to_value(client.calling().details(CallId::new(call.as_str())).await.unwrap()).unwrap();
    assert_eq!(details["data"]["call_status"], "cancelled");
    assert_eq!(client.calling().terminate(body).await.unwrap_err().status(), Some(400));
}

#[tokio::test]
async fn injected_faults_reach_the_client_then_stop() {
    let emulator = Emulator::start().await.unwrap();
    let client = emulator.client();
    emulator.inject(Operation::WorkspaceGet, Fault::Status(503), 1);
    emulator.inject(Operation::WorkspaceGet, Fault::RateLimited { retry_after: 0 }, 1);
    // Reads are retried: a 503 and a 429 are absorbed by the client's retry policy.
    client.workspace().get().await.expect("retried into success");
    assert_eq!(emulator.requests_served(), 3);
    emulator.inject(Operation::CallingHistory, Fault::Drop, 5);
    let err = client.calling().history().retry_policy(ringg::RetryPolicy::none()).await.unwrap_err();
    assert!(err.status().is_none(), "a dropped connection has no status: {err}");
    emulator.inject(Operation::VoicesList, Fault::Stall(Duration::from_millis(300)), 1);
    let err = client
        .voices()
        .list()
        .timeout(Duration::from_millis(50))
        .retry_policy(ringg::RetryPolicy::none())
        .await
        .unwrap_err();
    assert!(err.is_timeout(), "{err}");
}

#[tokio::test]
async fn knowledge_base_ingestion_moves_on_the_clock() {
    let emulator = Emulator::start().await.unwrap();
    let client = emulator.client();
    let kb = ringg::types::CreateKnowledgeBase::new("FAQ").files(vec![ringg::Upload::from_bytes("Q? A.", "faq.txt")]);
    let created = serde_json::to_value(client.knowledge_bases().create(kb).await.unwrap()).unwrap();
    let id = created["kb_id"].as_str().unwrap().to_string();
    let status = |v: Value| v["status"].as_str().unwrap_or("").to_string();
    assert_eq!(
        status(
            serde_json::to_value(client.knowledge_bases().get(KnowledgeBaseId::new(id.as_str())).await.unwrap())
                .unwrap()
        ),
        "pending"
    );
    emulator.settle().await;
    assert_eq!(
        status(
            serde_json::to_value(client.knowledge_bases().get(KnowledgeBaseId::new(id.as_str())).await.unwrap())
                .unwrap()
        ),
        "completed"
    );
}

#[tokio::test]
async fn the_call_store_is_capped() {
    let full = Emulator::builder().max_calls(0).start().await.unwrap();
    let fixtures = full.fixtures().await; // Leaves its calls out rather than fail.
    assert_eq!((fixtures.completed_call_id, fixtures.pending_call_id), (None, None));
    let emulator = Emulator::builder().max_calls(1).start().await.unwrap();
    let client = emulator.client();
    let agent = create_agent(&client, &first_voice(&client).await).await;
    let pool_id = pool(&client).await;
    place(&client, &agent, &pool_id, "+919876543210").await.unwrap();
    let err = place(&client, &agent, &pool_id, "+919876543210").await.unwrap_err();
    assert_eq!(err.status(), Some(400));
    assert!(err.to_string().contains("at most 1 calls"), "{err}");
}

#[tokio::test]
async fn ids_are_deterministic_for_a_seed() {
    let mut ids = Vec::new();
    for _ in 0..2 {
        let emulator = Emulator::builder().seed(7).start().await.unwrap();
        let client = emulator.client();
        ids.push(create_agent(&client, &first_voice(&client).await).await);
    }
    assert_eq!(ids[0], ids[1]);
}
