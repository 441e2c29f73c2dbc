//! Call outcomes, history filters, the CSV download, analytics, large campaigns, all eight
//! webhook events, per-call callbacks, the real clock and concurrent clients.

use std::time::Duration;

use ringg::types::{AgentId, CallFrom, CallId, CallStatus, InitiateCallFromPool, ListId, PhoneNumber, PoolId};
use ringg_emulator::{CallOutcome, Clock, Emulator, Fixtures};
use serde_json::{Value, json};

async fn place(emulator: &Emulator, fx: &Fixtures, to: &str) -> String {
    let call = InitiateCallFromPool::new(
        "Ada",
        PhoneNumber::new(to),
        AgentId::new(fx.agent_id.to_string()),
        CallFrom::Pool(PoolId::new(fx.number_pool_id.to_string())),
    );
    let placed = emulator.client().calling().initiate_from_pool(call).await.expect("placed");
    serde_json::to_value(placed).unwrap()["data"]["call_id"].as_str().unwrap().to_string()
}

async fn details(emulator: &Emulator, id: &str) -> Value {
    serde_json::to_value(emulator.client().calling().details(CallId::new(id)).await.unwrap()).unwrap()["data"].clone()
}

#[tokio::test]
async fn each_outcome_ends_where_it_should() {
    let emulator = Emulator::start().await.unwrap();
    let fx = emulator.fixtures().await;
    emulator.set_outcome("+919800000002", CallOutcome::Failed);
    emulator.set_outcome("+919800000003", CallOutcome::Voicemail);
    emulator.set_outcome("+919800000004", CallOutcome::Retry);
    let ok = place(&emulator, &fx, "+919800000001").await;
    let failed = place(&emulator, &fx, "+919800000002").await;
    let voicemail = place(&emulator, &fx, "+919800000003").await;
    let retry = place(&emulator, &fx, "+919800000004").await;
    emulator.advance(Duration::from_secs(60)).await;
    assert_eq!(details(&emulator, &ok).await["call_status"], "completed");
    assert_eq!(details(&emulator, &failed).await["call_status"], "failed");
    assert_eq!(details(&emulator, &failed).await["call_sub_status"], "USER_DID_NOT_JOIN");
    assert_eq!(details(&emulator, &voicemail).await["call_sub_status"], "VOICEMAIL_DETECTED");
    assert_eq!(details(&emulator, &retry).await["call_status"], "retry");
    assert!(details(&emulator, &failed).await.get("recording_url").is_none(), "no recording without a conversation");
    // The retry is dialled again after 30 minutes and then reaches the callee.
    emulator.advance(Duration::from_secs(31 * 60)).await;
    assert_eq!(details(&emulator, &retry).await["call_status"], "completed");
    let voicemails =
        serde_json::to_value(emulator.client().analytics().platform().voicemail(true).await.unwrap()).unwrap();
    assert_eq!(voicemails["total_calls"], 1, "{voicemails}");
}

#[tokio::test]
async fn history_filters_and_totals_work_over_the_stored_calls() {
    let emulator = Emulator::start().await.unwrap();
    let fx = emulator.fixtures().await;
    let client = emulator.client();
    let before = emulator.now().to_system_time().expect("a time after 1970");
    for n in 1..=5 {
        place(&emulator, &fx, &format!("+91980000000{n}")).await;
        emulator.advance(Duration::from_secs(3600)).await;
    }
    let all = serde_json::to_value(client.calling().history().limit(2).await.unwrap()).unwrap();
    assert_eq!(all["total"], 7, "five placed and two fixtures");
    assert_eq!(all["count"], 2);
    assert_eq!(all["calls"][0]["to_number"], "+919800000005", "newest first");
    let mine = serde_json::to_value(
        client
            .calling()
            .history()
            .agent_id(AgentId::new(fx.agent_id.to_string()))
            .status(CallStatus::Completed)
            .await
            .unwrap(),
    )
    .unwrap();
    assert_eq!(mine["total"], 6);
    let later = serde_json::to_value(client.calling().history().start_date(before).await.unwrap()).unwrap();
    assert_eq!(later["total"], 7);
    let after_two_hours = before + Duration::from_secs(2 * 3600);
    let window = serde_json::to_value(client.calling().history().start_date(after_two_hours).await.unwrap()).unwrap();
    assert_eq!(window["total"], 3, "calls placed at +2 h, +3 h and +4 h");
    let none =
        serde_json::to_value(client.calling().history().agent_id(AgentId::new("someone-else")).await.unwrap()).unwrap();
    assert_eq!(none["total"], 0);
}

#[tokio::test]
async fn the_history_download_is_csv_of_the_selected_calls() {
    let emulator = Emulator::start().await.unwrap();
    let fx = emulator.fixtures().await;
    place(&emulator, &fx, "+919800000001").await;
    emulator.settle().await;
    let mut file = emulator.client().calling().download_history().status(CallStatus::Completed).await.unwrap();
    // The spec's media type; the file is CSV.
    assert_eq!(file.content_type(), Some("application/octet-stream"));
    let mut bytes = Vec::new();
    while let Some(chunk) = file.next_chunk().await.unwrap() {
        bytes.extend_from_slice(&chunk);
    }
    let text = String::from_utf8(bytes).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert!(lines[0].starts_with("id,created_at,name,to_number"), "{text}");
    assert_eq!(lines.len(), 3, "a header and two completed calls: {text}");
    assert!(text.contains("+919800000001"));
}

#[tokio::test]
async fn a_large_campaign_is_processed_checked_and_called() {
    let emulator = Emulator::start().await.unwrap();
    let fx = emulator.fixtures().await;
    let client = emulator.client();
    let csv = "callee_name,mobile_number\nA,+919800000001\nB,+919800000002\nC,+919800000003\nD,+919800000004\n";
    let upload = ringg::types::UploadCampaignCsv::new(ringg::types::UploadCampaignCsvRequired {
        file: ringg::Upload::from_bytes(csv, "big.csv"),
        agent_id: AgentId::new(fx.agent_id.to_string()),
        campaign_name: "Large".into(),
        country_code: "+91".into(),
        variables_map: std::collections::BTreeMap::new(),
    });
    let up = serde_json::to_value(client.campaigns().upload_csv(upload).await.unwrap()).unwrap();
    let id = up["bulk_list_id"].as_str().unwrap().to_string();
    assert_eq!(up["status"], "uploaded");
    let status = |v: Value| v["status"].as_str().unwrap_or("").to_string();
    emulator.advance(Duration::from_secs(5)).await;
    assert_eq!(
        status(
            serde_json::to_value(client.campaigns().upload_status(ListId::new(id.as_str())).await.unwrap()).unwrap()
        ),
        "verifying"
    );
    emulator.advance(Duration::from_secs(10)).await;
    let ready =
        serde_json::to_value(client.campaigns().upload_status(ListId::new(id.as_str())).await.unwrap()).unwrap();
    assert_eq!((status(ready.clone()), ready["total_callees"].clone()), ("ready".into(), json!(4)));
    let balance =
        serde_json::to_value(client.campaigns().check_balance(ListId::new(id.as_str())).await.unwrap()).unwrap();
    assert_eq!(
        (balance["required_credits"].as_f64(), balance["sufficient_balance"].as_bool()),
        (Some(4.0), Some(true))
    );
    let start: ringg::types::StartLargeCampaign = serde_json::from_value(json!({
        "bulk_list_id": id, "agent_id": fx.agent_id.to_string(), "number_pool_id": fx.number_pool_id.to_string(), "concurrency_percentage": 25,
    }))
    .unwrap();
    client.campaigns().start_calls(start).await.unwrap();
    emulator.advance(Duration::from_secs(3)).await;
    let ongoing = serde_json::to_value(
        client.calling().history().bulk_list_id(ListId::new(id.as_str())).status(CallStatus::Ongoing).await.unwrap(),
    )
    .unwrap();
    assert_eq!(ongoing["total"], 1, "25% of four rows ring at once");
    emulator.settle().await;
    let done = serde_json::to_value(
        client.calling().history().bulk_list_id(ListId::new(id.as_str())).status(CallStatus::Completed).await.unwrap(),
    )
    .unwrap();
    assert_eq!(done["total"], 4);
    let analytics =
        serde_json::to_value(client.analytics().drill_down(ListId::new(id.as_str())).await.unwrap()).unwrap();
    assert_eq!(analytics["by_sub_status"]["ACCEPTED"], 4, "{analytics}");
}

#[tokio::test]
async fn all_eight_webhook_events_arrive_and_decode() {
    let emulator = Emulator::start().await.unwrap();
    let fx = emulator.fixtures().await;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/hook", listener.local_addr().unwrap());
    tokio::spawn(async move {
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        while let Ok((mut s, _)) = listener.accept().await {
            let mut buf = vec![0u8; 1 << 16];
            let _ = s.read(&mut buf).await;
            let _ = s.write_all(b"HTTP/1.1 204 No Content\r\nconnection: close\r\n\r\n").await;
        }
    });
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
    let edit: ringg::types::AgentEdit = serde_json::from_value(json!({
        "agent_id": fx.agent_id.to_string(), "operation": "edit_event_subscriptions",
        "event_subscriptions": [{ "event_type": events, "callback_url": url }],
    }))
    .unwrap();
    emulator.client().assistants().edit(edit).await.unwrap();
    place(&emulator, &fx, "+919800000001").await;
    emulator.settle().await;
    let delivered = emulator.deliveries();
    let got: Vec<&str> = delivered.iter().map(|d| d.event_type.as_str()).collect();
    assert_eq!(got, events);
    for d in &delivered {
        let event = ringg::webhooks::Event::from_slice(d.body.to_string().as_bytes()).expect("decodes");
        assert!(!format!("{event:?}").starts_with("Unknown"), "{}: {event:?}", d.event_type);
    }
}

/// A receiver on 127.0.0.1 that answers 204 and keeps each request's head, for at most
/// `limit` connections.
async fn recording_receiver(limit: usize) -> (String, std::sync::Arc<std::sync::Mutex<Vec<String>>>) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/callback", listener.local_addr().unwrap());
    let heads = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let kept = heads.clone();
    tokio::spawn(async move {
        for _ in 0..limit {
            let Ok((mut s, _)) = listener.accept().await else { return };
            let mut head = Vec::new();
            let mut buf = [0u8; 4096];
            while !head.windows(4).any(|w| w == b"\r\n\r\n") && head.len() < 65_536 {
                match s.read(&mut buf).await {
                    Ok(0) | Err(_) => break,
                    Ok(n) => head.extend_from_slice(&buf[..n]),
                }
            }
            let end = head.windows(4).position(|w| w == b"\r\n\r\n").unwrap_or(head.len());
            kept.lock().unwrap().push(String::from_utf8_lossy(&head[..end]).to_lowercase());
            let _ = s.write_all(b"HTTP/1.1 204 No Content\r\nconnection: close\r\n\r\n").await;
        }
    });
    (url, heads)
}

#[tokio::test]
async fn per_call_callbacks_follow_every_status_change() {
    use ringg::types::{CallbackArgs, CallbackPayload, TerminateCalls};
    let emulator = Emulator::start().await.unwrap();
    let fx = emulator.fixtures().await;
    let (url, heads) = recording_receiver(20).await;
    emulator.set_outcome("+919800000002", CallOutcome::Failed);
    let place = |to: &str| {
        let args = CallbackArgs::new()
            .headers([("X-Token".to_string(), "t0k3n".to_string())].into())
            .params([("source".to_string(), "api test".to_string()), ("v".to_string(), "1".to_string())].into());
        let pool = PoolId::new(fx.number_pool_id.to_string());
        let call = InitiateCallFromPool::new(
            "Ada",
            PhoneNumber::new(to),
            AgentId::new(fx.agent_id.to_string()),
            CallFrom::Pool(pool),
        )
        .callback_url(url.clone())
        .callback_args(args);
        let client = emulator.client();
        async move {
            let placed = client.calling().initiate_from_pool(call).await.expect("placed");
            serde_json::to_value(placed).unwrap()["data"]["call_id"].as_str().unwrap().to_string()
        }
    };
    // A header that cannot be sent is refused when the call is placed, not when it ends.
    let bad = InitiateCallFromPool::new(
        "Ada",
        PhoneNumber::new("+919800000009"),
        AgentId::new(fx.agent_id.to_string()),
        CallFrom::Pool(PoolId::new(fx.number_pool_id.to_string())),
    )
    .callback_url(url.clone())
    .callback_args(CallbackArgs::new().headers([("X-Token".to_string(), "a\r\nb".to_string())].into()));
    let err = emulator.client().calling().initiate_from_pool(bad).await.expect_err("refused");
    assert_eq!(err.status(), Some(422), "{err}");
    assert!(err.to_string().contains("X-Token"), "{err}");
    let completed = place("+919800000001").await;
    let failed = place("+919800000002").await;
    let cancelled = place("+919800000003").await;
    emulator.client().calling().terminate(TerminateCalls::new().call_ids(vec![CallId::new(&cancelled)])).await.unwrap();
    emulator.settle().await;

    let callbacks: Vec<_> = emulator.deliveries().into_iter().filter(|d| d.event_type == "callback").collect();
    let statuses = |id: &str| -> Vec<String> {
        callbacks
            .iter()
            .filter(|d| d.call_id == id)
            .map(|d| {
                let payload: CallbackPayload = serde_json::from_value(d.body.clone()).expect("a CallbackPayload");
                assert_eq!(payload.data.call_id.as_str(), id);
                payload.data.status.map(|s| s.as_str().to_string()).unwrap_or_default()
            })
            .collect()
    };
    assert_eq!(statuses(&completed), ["registered", "ongoing", "completed"]);
    assert_eq!(statuses(&failed), ["registered", "ongoing", "failed"]);
    assert_eq!(statuses(&cancelled), ["registered", "cancelled"]);
    let last = callbacks.iter().rfind(|d| d.call_id.as_str() == completed).unwrap();
    assert_eq!(last.body["status"], "success");
    assert_eq!(last.body["message"], "Call Details");
    assert!(last.body["data"]["transcript"].as_str().is_some_and(|t| t.contains("Ada")), "{}", last.body);
    assert!(last.body["data"]["call_duration"].as_f64().is_some_and(|d| d > 0.0));
    assert_eq!(last.url, format!("{url}?source=api%20test&v=1"));
    assert_eq!(last.headers, [("X-Token".to_string(), "t0k3n".to_string())]);

    // What reached the receiver: the params in the query, the caller's header, and no
    // `Content-Type` that the caller did not give (Ringg adds none to callbacks).
    let heads = heads.lock().unwrap().clone();
    assert_eq!(heads.len(), 8, "{heads:?}");
    for head in &heads {
        assert!(head.starts_with("post /callback?source=api%20test&v=1 http/1.1"), "{head}");
        assert!(head.contains("\r\nx-token: t0k3n"), "{head}");
        assert!(!head.contains("content-type"), "{head}");
    }
}

#[tokio::test]
async fn the_real_clock_moves_calls_at_its_speed() {
    // 1000 emulator seconds per real second: a 55-second call takes about 55 ms.
    let emulator = Emulator::builder().clock(Clock::Real { speed: 1000.0 }).start().await.unwrap();
    let fx = emulator.fixtures().await;
    let id = place(&emulator, &fx, "+919800000001").await;
    let mut status = Value::Null;
    for _ in 0..100 {
        tokio::time::sleep(Duration::from_millis(20)).await;
        status = details(&emulator, &id).await["call_status"].clone();
        if status == "completed" {
            break;
        }
    }
    assert_eq!(status, "completed");
}

#[tokio::test]
async fn concurrent_clients_are_safe() {
    let emulator = Emulator::start().await.unwrap();
    let fx = emulator.fixtures().await;
    let mut tasks = Vec::new();
    for n in 0..16 {
        let client = emulator.client();
        let (agent, pool) = (fx.agent_id.to_string(), fx.number_pool_id.to_string());
        tasks.push(tokio::spawn(async move {
            let call = InitiateCallFromPool::new(
                "Ada",
                PhoneNumber::new(format!("+9198000001{n:02}")),
                AgentId::new(agent),
                CallFrom::Pool(PoolId::new(pool)),
            );
            client.calling().initiate_from_pool(call).await.expect("placed");
            client.calling().history().limit(100).await.expect("read")
        }));
    }
    for t in tasks {
        t.await.unwrap();
    }
    emulator.settle().await;
    let page = serde_json::to_value(
        emulator.client().calling().history().status(CallStatus::Completed).limit(100).await.unwrap(),
    )
    .unwrap();
    assert_eq!(page["total"], 17, "sixteen placed and the completed fixture");
}
