//! How the API shows what the store holds: agents, history rows, call details, campaigns,
//! uploads, and the payloads of webhooks and per-call callbacks. Reads only; the rules that
//! change the store are in `lifecycle.rs` and the handlers.

use serde_json::{Map, Value, json};

use crate::reply::{ApiError, document, s};
use crate::store::{Call, State};

/// Keys of a stored agent that the API does not show.
const INTERNAL: &[&str] = &["call_count"];

/// What a masked subscription header value reads as.
pub(crate) const MASKED: &str = "********";

/// The agent as the API shows it: internal keys removed and subscription header values
/// masked, as Ringg masks them on read (deliveries still send the real values).
pub(crate) fn public_agent(a: &Value) -> Value {
    let mut a = a.clone();
    if let Some(o) = a.as_object_mut() {
        for k in INTERNAL {
            o.remove(*k);
        }
    }
    if let Some(versions) = a.get_mut("version_details").and_then(Value::as_object_mut) {
        for v in versions.values_mut() {
            for sub in v.get_mut("event_subscriptions").and_then(Value::as_array_mut).into_iter().flatten() {
                for h in sub.get_mut("headers").and_then(Value::as_object_mut).into_iter().flat_map(|h| h.values_mut())
                {
                    *h = json!(MASKED);
                }
            }
        }
    }
    a
}

pub(crate) fn agent_summary(a: &Value) -> Value {
    let mut out = Map::new();
    for k in [
        "id",
        "agent_display_name",
        "agent_type",
        "template_name",
        "template_label",
        "template_type",
        "created_at",
        "updated_at",
        "secondary_language",
        "secondary_voice_id",
        "tools",
    ] {
        if let Some(v) = a.get(k).filter(|v| !v.is_null()) {
            out.insert(k.into(), v.clone());
        }
    }
    out.insert("call_count".into(), json!(a["call_count"].as_i64().unwrap_or(0)));
    out.insert("is_archived".into(), json!(false));
    Value::Object(out)
}

/// Indices of the calls a history-style query selects, newest first.
pub(crate) fn filtered_calls(st: &State, q: &Map<String, Value>) -> Result<Vec<usize>, ApiError> {
    let date = |key: &str, end: bool| -> Result<Option<i64>, ApiError> {
        match q.get(key).and_then(Value::as_str) {
            None => Ok(None),
            Some(t) => crate::time::parse(t, end).map(Some).ok_or_else(|| ApiError {
                status: 422,
                detail: json!([{ "loc": ["query", key], "msg": format!("`{t}` is not a date or date-time"), "type": "datetime_parsing" }]),
            }),
        }
    };
    let (from, to) = (date("start_date", false)?, date("end_date", true)?);
    let text = |k: &str| q.get(k).and_then(Value::as_str);
    let agents: Vec<&str> = match q.get("agent_id[]").or_else(|| q.get("agent_id")) {
        Some(Value::Array(a)) => a.iter().filter_map(Value::as_str).collect(),
        Some(Value::String(one)) => vec![one.as_str()],
        _ => Vec::new(),
    };
    let voicemail = q.get("voicemail").and_then(Value::as_bool);
    // Looked up once, not once per call.
    let (status, bulk, call_type) = (text("status"), text("bulk_list_id"), text("call_type"));
    let (from_number, to_number, call_id) = (text("from_number"), text("to_number"), text("call_id"));
    let mut out: Vec<usize> = (0..st.calls.len())
        .filter(|&i| {
            let c = &st.calls[i];
            let at = i64::try_from(c.created_ms).unwrap_or(i64::MAX);
            from.is_none_or(|f| at >= f)
                && to.is_none_or(|t| at <= t)
                && (agents.is_empty() || agents.contains(&c.agent_id.as_str()))
                && status.is_none_or(|s| c.status == s)
                && bulk.is_none_or(|b| c.bulk_list_id.as_deref() == Some(b))
                && call_type.is_none_or(|t| t == "outbound")
                && from_number.is_none_or(|n| c.from == n)
                && to_number.is_none_or(|n| c.to == n)
                && call_id.is_none_or(|id| c.id == id)
                && voicemail.is_none_or(|v| c.voicemail == v)
        })
        .collect();
    out.reverse();
    Ok(out)
}

/// The transcript of a completed call, the same for the same call.
pub(crate) fn transcript(st: &State, i: usize) -> Value {
    let c = &st.calls[i];
    let agent = st.agent(&c.agent_id).map(|a| s(a, "agent_display_name").to_string()).unwrap_or_default();
    json!([
        { "bot": format!("Hello {}, this is {agent}.", c.name) },
        { "user": "Hi, yes, go ahead." },
        { "bot": "Thank you for your time. Goodbye!" },
    ])
}

pub(crate) fn recording_url(st: &State, i: usize) -> String {
    format!("https://recordings.emulator.invalid/{}.mp3", st.calls[i].id)
}

pub(crate) fn history_row(st: &State, i: usize) -> Value {
    let c = &st.calls[i];
    let agent = st.agent(&c.agent_id);
    let version = agent.map(|a| s(a, "active_agent_version_id").to_string()).unwrap_or_default();
    let mut row = json!({
        "id": c.id, "to_number": c.to, "name": c.name, "status": c.status, "sub_status": c.sub_status,
        "created_at": crate::time::format(c.created_ms),
        "agent": {
            "id": c.agent_id, "agent_name": agent.map(|a| a["agent_display_name"].clone()).unwrap_or(Value::Null),
            "agent_version_id": version, "orchestration_mode": "single_node",
            "version": { "version_id": version, "version_slug": "v1" },
        },
        "call_duration": c.duration_s, "call_cost": c.cost, "call_type": "outbound", "inbound_from": Value::Null,
        "credits_processed": c.status == "completed", "from_numbers": [c.from], "voicemail_detected": c.voicemail,
    });
    if row["agent"]["agent_name"].is_null() {
        row["agent"].as_object_mut().map(|o| o.remove("agent_name"));
    }
    if let Some(at) = c.attempt_ms {
        row["call_attempt_time"] = json!(crate::time::format(at));
    }
    if c.status == "completed" {
        row["transcript"] = json!(transcript(st, i).to_string());
        row["audio_recording"] = json!(recording_url(st, i));
    }
    row
}

pub(crate) fn details(st: &State, i: usize, analysis: bool) -> Value {
    let c = &st.calls[i];
    let mut d = json!({
        "id": c.id, "call_direction": "outbound", "call_status": c.status, "call_sub_status": c.sub_status,
        "from_number": c.from, "to_number": c.to, "callee_name": c.name, "agent_id": c.agent_id,
        "initiation_time": crate::time::format(c.created_ms),
    });
    if c.status == "completed" {
        d["recording_url"] = json!(recording_url(st, i));
        d["transcription_url"] = transcript(st, i);
        if analysis {
            d["platform_analysis"] = analysis_data(st, i);
            d["client_analysis"] = json!({});
        }
    }
    d
}

pub(crate) fn analysis_data(st: &State, i: usize) -> Value {
    let c = &st.calls[i];
    json!({
        "key_points": [format!("Spoke with {}", c.name)],
        "summary": format!("The agent reached {} and completed the conversation.", c.name),
        "classification": "Completed conversation",
        "sentiment": "positive",
        "call_disconnect_reason": "agent_hangup",
        "action_items": [],
        "status": "analyzed",
    })
}

/// Every field a webhook about the call may carry, kept to the fields of the event's payload
/// schema (from the spec), with the event tag.
pub(crate) fn webhook_payload(st: &State, i: usize, event_type: &str) -> Value {
    let c = &st.calls[i];
    let agent = st.agent_or_retired(&c.agent_id);
    let completed = c.status == "completed";
    let mut all = json!({
        "call_id": c.id, "call_sid": format!("CA{}", c.id.replace('-', "")), "agent_id": c.agent_id,
        "workspace_id": st.workspace["id"], "custom_args_values": c.custom_args,
        "agent_name": agent.map(|a| a["agent_display_name"].clone()).unwrap_or(Value::Null),
        "version_id": agent.map(|a| a["active_agent_version_id"].clone()).unwrap_or(Value::Null),
        "version_slug": "v1", "sub_status": c.sub_status, "status": c.status, "call_type": "outbound",
        "call_duration": c.duration_s, "to_number": c.to, "from_number": c.from, "retry_count": c.retry_count,
        "bulk_list_id": c.bulk_list_id, "called_on": c.attempt_ms.map(crate::time::format),
        "call_cost": c.cost, "tool_call_logs": [],
    });
    if completed {
        all["transcript"] = transcript(st, i);
        // The recording is processed after the call: `call_completed` carries null.
        all["recording_url"] = if event_type == "call_completed" { Value::Null } else { json!(recording_url(st, i)) };
        all["recording_duration"] = json!(c.duration_s);
        all["agent_message_count"] = json!(2);
        all["user_message_count"] = json!(1);
        all["analysis_data"] = analysis_data(st, i);
        all["platform_analysis"] = analysis_data(st, i);
        all["client_analysis"] = json!({});
    } else {
        all["recording_url"] = Value::Null;
    }
    let schema = crate::spec::WEBHOOK_EVENTS.iter().find(|(e, _)| *e == event_type).map(|(_, s)| *s).unwrap_or("");
    let doc = document();
    let props = doc.schemas.get(schema).and_then(|s| s["properties"].as_object());
    let mut out = Map::new();
    out.insert(crate::spec::WEBHOOK_TAG.into(), json!(event_type));
    if let (Some(props), Some(all)) = (props, all.as_object()) {
        for (k, v) in all {
            let nullable = props.get(k).is_some_and(|p| p["nullable"] == true);
            if props.contains_key(k) && (!v.is_null() || nullable) {
                out.insert(k.clone(), v.clone());
            }
        }
    }
    Value::Object(out)
}

/// The body of a per-call status callback (`CallbackPayload`): the call's state now.
pub(crate) fn callback_payload(st: &State, i: usize) -> Value {
    let c = &st.calls[i];
    let mut data = json!({
        "call_id": c.id, "call_direction": "outbound", "status": c.status, "call_duration": c.duration_s,
        "agent_id": c.agent_id, "retry": c.retry_count, "from_number": c.from, "to_number": c.to,
        "custom_args_values": c.custom_args,
    });
    if c.status == "completed" {
        // Documented for callbacks as plain text.
        let turns = transcript(st, i);
        let text: Vec<String> = turns
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(Value::as_object)
            .flat_map(|turn| turn.iter().map(|(who, said)| format!("{who}: {}", said.as_str().unwrap_or_default())))
            .collect();
        data["transcript"] = json!(text.join("\n"));
        data["recording_url"] = json!(recording_url(st, i));
    }
    json!({ "status": "success", "data": data, "message": "Call Details" })
}

pub(crate) fn upload_json(st: &State, c: usize) -> Value {
    let camp = &st.campaigns[c];
    let ready = matches!(camp.upload_status, "ready" | "completed");
    let total = camp.rows.len() + camp.failed_rows;
    json!({
        "bulk_list_id": camp.id, "status": camp.upload_status, "campaign_name": camp.name,
        "total_callees": if ready { camp.rows.len() } else { 0 },
        "invalidated_rows_count": camp.failed_rows,
        "invalidated_rows_csv_url": Value::Null,
        "total_rows": total, "processed_rows": if ready { total } else { 0 },
        "successful_rows": if ready { camp.rows.len() } else { 0 }, "failed_rows": camp.failed_rows,
    })
}

pub(crate) fn campaign_json(st: &State, c: usize, counts: bool) -> Value {
    let camp = &st.campaigns[c];
    let calls: Vec<&Call> = camp.calls.iter().map(|&i| &st.calls[i]).collect();
    let status = if !camp.started {
        "draft"
    } else if calls.iter().all(|c| c.settled()) {
        "completed"
    } else {
        "ongoing"
    };
    let mut v = json!({ "id": camp.id, "name": camp.name, "campaign_status": status, "created_at": crate::time::format(camp.created_ms), "updated_at": st.now() });
    if let Some(t) = &camp.start_time {
        v["campaign_start_time"] = json!(t);
    }
    if let Some(t) = &camp.end_time {
        v["campaign_end_time"] = json!(t);
    }
    if counts {
        v["total_count"] = json!(camp.rows.len());
        v["completed_count"] = json!(calls.iter().filter(|c| c.status == "completed").count());
        v["registered_count"] = json!(calls.iter().filter(|c| c.pending()).count());
    }
    v
}
