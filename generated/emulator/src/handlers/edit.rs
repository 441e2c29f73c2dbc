//! `PATCH /agent/v1`: every operation applied to the stored agent.
//!
//! Operations with business rules (numbers, knowledge bases, custom variables, voices, domains,
//! subscriptions, call config, direction, rate limit) are handled one by one. Every other
//! operation in the spec's list sets its payload's fields: on the agent where the agent's
//! schema has the field, else on the active version, where `GET /agent/{agent_id}` shows them. The body was validated against the spec first, so the
//! operation is one the spec lists and its payload has the fields it needs.

use serde_json::{Map, Value, json};

use crate::reply::{Out, Reply, Req, document, err, s};
use crate::store::{State, version_mut as active};

/// Fields of the request that are not the payload.
const ENVELOPE: &[&str] = &["operation", "agent_id", "version_id", "is_draft", "new_draft", "config_type"];

/// `assistants.edit`.
pub(crate) fn edit_agent(st: &mut State, r: &Req) -> Out {
    let b = r.body;
    let id = s(b, "agent_id").to_string();
    let op = s(b, "operation").to_string();
    let Some(agent) = st.agent(&id).cloned() else { return Err(err(404, format!("agent `{id}` not found"))) };
    if let Some(v) = b.get("version_id").and_then(Value::as_str)
        && agent["version_details"].get(v).is_none()
    {
        return Err(err(404, format!("version `{v}` of agent `{id}` not found")));
    }
    let agent_type = s(&agent, "agent_type").to_string();
    let mut extra = Map::new();
    match op.as_str() {
        "attach_inbound_number" | "remove_inbound_number" => {
            let number_id = s(b, "number_id");
            let n = st
                .numbers
                .iter()
                .position(|n| n["id"] == number_id)
                .ok_or_else(|| err(404, format!("number `{number_id}` not found")))?;
            if op == "attach_inbound_number" {
                if agent_type == "outbound" {
                    return Err(err(400, "only inbound and outbound_inbound agents can answer a number"));
                }
                let holder = s(&st.numbers[n]["agent"], "id");
                if !holder.is_empty() && holder != id {
                    return Err(err(409, format!("number `{number_id}` already answers for agent `{holder}`")));
                }
                st.numbers[n]["agent"] = json!({ "id": id, "agent_display_name": agent["agent_display_name"] });
                st.numbers[n]["is_inbound_enabled"] = json!(true);
            } else {
                if s(&st.numbers[n]["agent"], "id") != id {
                    return Err(err(400, format!("number `{number_id}` is not attached to this agent")));
                }
                st.numbers[n].as_object_mut().map(|o| o.remove("agent"));
                st.numbers[n]["is_inbound_enabled"] = json!(false);
            }
        }
        "attach_kb" | "remove_kb" => {
            let kb = s(b, "kb_id").to_string();
            let found = st
                .kbs
                .iter()
                .find(|k| k["kb_id"] == kb.as_str())
                .cloned()
                .ok_or_else(|| err(404, format!("knowledge base `{kb}` not found")))?;
            let a = st.agent_mut(&id).expect("found above");
            let list = active(a)["knowledge_bases"].as_array().cloned().unwrap_or_default();
            let attached = list.contains(&json!(kb));
            if op == "attach_kb" {
                if attached {
                    return Err(err(400, format!("knowledge base `{kb}` is already attached")));
                }
                active(a)["knowledge_bases"] = Value::Array([list, vec![json!(kb)]].concat());
                a["knowledge_base_id"] = json!(kb);
                a["knowledge_base_name"] = found["kb_name"].clone();
            } else {
                if !attached {
                    return Err(err(400, format!("knowledge base `{kb}` is not attached")));
                }
                active(a)["knowledge_bases"] = Value::Array(list.into_iter().filter(|k| k != &json!(kb)).collect());
                if a["knowledge_base_id"] == kb.as_str() {
                    let o = a.as_object_mut().expect("agents are objects");
                    o.remove("knowledge_base_id");
                    o.remove("knowledge_base_name");
                }
            }
            extra.insert("kb_id".into(), json!(kb));
        }
        "edit_custom_vars" => {
            let vars = b["custom_variables"].as_array().cloned().unwrap_or_default();
            if agent_type != "inbound" {
                for required in ["callee_name", "mobile_number"] {
                    if !vars.iter().any(|v| v == required) {
                        return Err(err(403, format!("an outbound agent's custom variables must keep `{required}`")));
                    }
                }
            }
            st.agent_mut(&id).expect("found above")["agent_config"]["custom_variables"] = Value::Array(vars);
        }
        "edit_voice" => {
            let voice_id = s(b, "voice_id");
            let language = b["language"].clone();
            let v = st
                .voices
                .iter()
                .find(|v| v["id"] == voice_id)
                .cloned()
                .ok_or_else(|| err(400, format!("voice `{voice_id}` does not exist")))?;
            if !v["languages"].as_array().is_some_and(|ls| ls.contains(&language)) {
                return Err(err(400, format!("voice `{voice_id}` does not speak {language}")));
            }
            let a = st.agent_mut(&id).expect("found above");
            let voice = json!({ "id": v["id"], "name": v["name"] });
            a["voice"] = voice.clone();
            a["language"] = language.clone();
            active(a)["voice"] = voice;
            active(a)["language"] = language;
            for k in ["secondary_voice_id", "secondary_language", "additional_languages"] {
                if let Some(x) = b.get(k) {
                    a[k] = x.clone();
                }
            }
        }
        "edit_language" => {
            let a = st.agent_mut(&id).expect("found above");
            a["language"] = b["language"].clone();
            active(a)["language"] = b["language"].clone();
        }
        "edit_prompt" => {
            st.agent_mut(&id).expect("found above")["agent_config"]["agent_prompt"] = b["agent_prompt"].clone()
        }
        "edit_intro_message" => {
            st.agent_mut(&id).expect("found above")["agent_config"]["intro_message"] = b["intro_message"].clone()
        }
        "edit_agent_whitelisted_domains" => {
            let domains = b["whitelisted_domains"].as_array().cloned().unwrap_or_default();
            if !domains.contains(&json!("https://www.ringg.ai")) {
                return Err(err(400, "whitelisted_domains must keep https://www.ringg.ai"));
            }
            st.agent_mut(&id).expect("found above")["whitelisted_domains"] = Value::Array(domains);
        }
        "edit_event_subscriptions" => {
            let subs = latest_subscription_wins(b["event_subscriptions"].as_array().cloned().unwrap_or_default());
            let a = st.agent_mut(&id).expect("found above");
            active(a)["event_subscriptions"] = Value::Array(subs);
        }
        "edit_call_config" => {
            let a = st.agent_mut(&id).expect("found above");
            merge(&mut active(a)["call_config"], &b["call_config"]);
        }
        "edit_outbound_inbound" => {
            let on = b["enable_outbound_inbound"].as_bool().unwrap_or(false);
            let a = st.agent_mut(&id).expect("found above");
            a["agent_type"] = json!(if on { "outbound_inbound" } else { "outbound" });
        }
        "edit_rate_limit" if agent_type == "outbound" => {
            return Err(err(400, "the rate limit applies to inbound agents only"));
        }
        "edit_secondary_voice" | "edit_extract_callee_name" => {
            // Accepted and ignored, as by Ringg's backend.
        }
        _ => generic(st, &id, b),
    }
    let now = st.now();
    st.agent_mut(&id).expect("found above")["updated_at"] = json!(now);
    let mut out = json!({ "message": "Agent updated successfully!", "agent_id": id });
    out.as_object_mut().expect("object").extend(extra);
    Ok(Reply::Json(out))
}

/// Sets every payload field on the agent where the spec's agent schema has it, else on the
/// active version (where Ringg keeps an agent's configuration) where the version's schema has
/// it.
fn generic(st: &mut State, id: &str, b: &Value) {
    let doc = document();
    let declares = |ty: &str, k: &str| doc.schemas.get(ty).and_then(|s| s["properties"].get(k)).is_some();
    let a = st.agent_mut(id).expect("checked by the caller");
    for (k, v) in b.as_object().into_iter().flatten().filter(|(k, _)| !ENVELOPE.contains(&k.as_str())) {
        // Kept where the spec lets an agent read show it; anything else is accepted and not
        // shown, so no response carries a key the spec does not declare.
        if declares("AgentDetail", k) {
            a[k.as_str()] = v.clone();
        } else if declares("AgentVersion", k) {
            active(a)[k.as_str()] = v.clone();
        }
    }
}

/// One URL per event type: an event type named by several subscriptions stays only with the
/// last one (subscribing it again moves it), and a subscription left with no event type is
/// dropped. A single-string `event_type` stays a string.
fn latest_subscription_wins(mut subs: Vec<Value>) -> Vec<Value> {
    let mut claimed: Vec<Value> = Vec::new();
    let mut keep = vec![true; subs.len()];
    for (n, sub) in subs.iter_mut().enumerate().rev() {
        match sub.get_mut("event_type") {
            Some(Value::Array(types)) => {
                types.retain(|t| !claimed.contains(t));
                claimed.extend(types.iter().cloned());
                keep[n] = !types.is_empty();
            }
            Some(t @ Value::String(_)) => {
                keep[n] = !claimed.contains(t);
                claimed.push(t.clone());
            }
            _ => {}
        }
    }
    subs.into_iter().zip(keep).filter_map(|(s, k)| k.then_some(s)).collect()
}

/// Deep merge: objects merge key by key, anything else replaces.
fn merge(into: &mut Value, from: &Value) {
    match (into, from) {
        (Value::Object(a), Value::Object(b)) => {
            for (k, v) in b {
                merge(a.entry(k.clone()).or_insert(Value::Null), v);
            }
        }
        (slot, v) => *slot = v.clone(),
    }
}
