//! `assistants.*`: agents created, read, updated, edited operation by operation (`edit.rs`)
//! and deleted.

use serde_json::{Value, json};

use crate::reply::{ApiError, Out, Reply, Req, envelope, err, not_found, page, s};
use crate::store::{State, version_mut};
use crate::views::{agent_summary, public_agent};

/// `assistants.list`.
pub(crate) fn list(st: &mut State, r: &Req) -> Out {
    let items: Vec<Value> = st.agents.iter().map(agent_summary).collect();
    let mut out = envelope(r.op, page(&items, r.query).0);
    out["status"] = json!("success");
    Ok(Reply::Json(out))
}

/// `assistants.get`.
pub(crate) fn get(st: &mut State, r: &Req) -> Out {
    let id = r.path("agent_id");
    let a = st.agent(id).ok_or_else(|| not_found("agent", id))?;
    Ok(Reply::Json(json!({ "agents": public_agent(a) })))
}

/// `assistants.delete`: calls already placed finish and report to the agent's subscriptions.
pub(crate) fn delete(st: &mut State, r: &Req) -> Out {
    let id = r.path("agent_id");
    let Some(at) = st.agents.iter().position(|a| a["id"] == id) else {
        return Err(not_found("agent", id));
    };
    let agent = st.agents.remove(at);
    if st.calls.iter().any(|c| c.agent_id == id) {
        st.retired_agents.push(agent);
    }
    for n in &mut st.numbers {
        if n["agent"]["id"] == id {
            n.as_object_mut().map(|o| o.remove("agent"));
        }
    }
    Ok(Reply::Json(json!({ "message": "Agent deleted successfully", "agent_id": id })))
}

/// `assistants.update`.
pub(crate) fn update(st: &mut State, r: &Req) -> Out {
    update_agent(st, r.path("agent_id"), r.body)
}

/// `assistants.create`.
pub(crate) fn create(st: &mut State, r: &Req) -> Out {
    create_agent(st, r.body)
}

fn voice(st: &State, id: &str) -> Result<Value, ApiError> {
    st.voices
        .iter()
        .find(|v| v["id"] == id)
        .map(|v| json!({ "id": v["id"], "name": v["name"] }))
        .ok_or_else(|| err(400, format!("voice `{id}` does not exist; list voices with GET /agent/voices")))
}

/// The prompt built from the create and update bodies' sections.
fn prompt_sections(b: &Value, previous: &Value) -> Value {
    let titles = [
        ("introduction_and_objective", "Introduction and objective"),
        ("response_guidelines", "Response guidelines"),
        ("task", "Task"),
        ("faq", "FAQ"),
        ("sample_conversations", "Sample conversations"),
    ];
    let mut sections: Vec<Value> = previous["prompt_sections"].as_array().cloned().unwrap_or_default();
    for (key, title) in titles {
        if let Some(text) = b.get(key).and_then(Value::as_str) {
            sections.retain(|s| s["section_title"] != title);
            sections.push(json!({ "section_title": title, "section_content": text }));
        }
    }
    json!({ "prompt_sections": sections })
}

fn custom_vars(agent_type: &str, given: Option<&Value>) -> Value {
    let mut vars: Vec<Value> = given.and_then(Value::as_array).cloned().unwrap_or_default();
    if agent_type != "inbound" {
        for required in ["callee_name", "mobile_number"] {
            if !vars.iter().any(|v| v == required) {
                vars.insert(0, json!(required));
            }
        }
    }
    Value::Array(vars)
}

pub(crate) fn create_agent(st: &mut State, b: &Value) -> Out {
    let voice = voice(st, s(b, "voice_id"))?;
    let (id, version) = (st.new_id(), st.new_id());
    let now = st.now();
    let agent_type = b.get("agent_type").and_then(Value::as_str).unwrap_or("outbound").to_string();
    let agent = json!({
        "id": id,
        "agent_display_name": b["agent_name"],
        "agent_type": agent_type,
        "orchestration_mode": "single_node",
        "active_agent_version_id": version,
        "is_ab_live": false,
        "version_details": { version.clone(): {
            "version_slug": "v1", "language": b["primary_language"], "voice": voice, "tools": [],
            "knowledge_bases": [], "event_subscriptions": [], "call_config": {},
        } },
        "whitelisted_domains": ["https://www.ringg.ai"],
        "language": b["primary_language"],
        "secondary_language": b.get("secondary_language").cloned().unwrap_or(Value::Null),
        "voice": voice,
        "agent_config": {
            "agent_prompt": prompt_sections(b, &Value::Null),
            "intro_message": b["intro_message"],
            "custom_variables": custom_vars(&agent_type, b.get("custom_variables")),
        },
        "form_fields": [],
        "tools": [],
        "template_type": agent_type,
        "created_at": now,
        "updated_at": now,
        "call_count": 0,
    });
    let mut agent = agent;
    if agent["secondary_language"].is_null() {
        agent.as_object_mut().map(|o| o.remove("secondary_language"));
    }
    st.agents.push(agent);
    Ok(Reply::Json(json!({
        "success": true,
        "data": { "id": id, "version": "v1", "created_at": now },
        "message": "Agent created successfully",
    })))
}

fn update_agent(st: &mut State, id: &str, b: &Value) -> Out {
    let voice = match b.get("voice_id").and_then(Value::as_str) {
        Some(v) => Some(voice(st, v)?),
        None => None,
    };
    let now = st.now();
    let a = st.agent_mut(id).ok_or_else(|| not_found("agent", id))?;
    if let Some(n) = b.get("agent_name") {
        a["agent_display_name"] = n.clone();
    }
    if let Some(t) = b.get("agent_type") {
        a["agent_type"] = t.clone();
        a["template_type"] = t.clone();
    }
    if let Some(l) = b.get("primary_language") {
        a["language"] = l.clone();
        version_mut(a)["language"] = l.clone();
    }
    if let Some(l) = b.get("secondary_language") {
        a["secondary_language"] = l.clone();
    }
    if let Some(v) = voice {
        a["voice"] = v.clone();
        version_mut(a)["voice"] = v;
    }
    if let Some(m) = b.get("intro_message") {
        a["agent_config"]["intro_message"] = m.clone();
    }
    if b.get("custom_variables").is_some() {
        let t = s(a, "agent_type").to_string();
        a["agent_config"]["custom_variables"] = custom_vars(&t, b.get("custom_variables"));
    }
    let prompt = prompt_sections(b, &a["agent_config"]["agent_prompt"]);
    a["agent_config"]["agent_prompt"] = prompt;
    a["updated_at"] = json!(now);
    Ok(Reply::Json(json!({
        "success": true,
        "data": { "id": id, "version": "v1", "updated_at": now },
        "message": "Agent updated successfully",
    })))
}
