//! The behaviour of every endpoint over the store: one function per operation, chosen by the
//! operation name of the route table. Requests arrive validated against the spec (query values
//! typed, bodies checked against their schema and decoded with `ringg::types`), so handlers
//! check only business rules. Every response is built here, from the store.

use std::collections::HashMap;

use serde_json::{Map, Value, json};

use crate::multipart::Part;
use crate::state::{Campaign, Event, PROCESSING_STEP_MS, RETRY_DEFAULT_MIN, State, example};

/// A validated request.
pub(crate) struct Req<'a> {
    pub params: &'a HashMap<&'static str, String>,
    pub query: &'a Map<String, Value>,
    pub body: &'a Value,
    pub files: &'a HashMap<String, Vec<Part>>,
}

/// A success.
pub(crate) enum Reply {
    Json(Value),
    /// JSON already serialised.
    Text(String),
    /// A file: its name (for `Content-Disposition`) and bytes; the media type is the spec's.
    Bytes(&'static str, Vec<u8>),
}

/// A failure in Ringg's error shape: `{"detail": ...}`.
#[derive(Debug)]
pub(crate) struct ApiError {
    pub status: u16,
    pub detail: Value,
}

pub(crate) fn err(status: u16, msg: impl Into<String>) -> ApiError {
    ApiError { status, detail: Value::String(msg.into()) }
}

fn not_found(what: &str, id: &str) -> ApiError {
    err(404, format!("{what} `{id}` not found"))
}

/// An id in a request body that names nothing: 400, as the spec documents for bodies (404 is
/// for ids in the path), with the field named.
fn unknown(field: &str, id: &str) -> ApiError {
    ApiError {
        status: 400,
        detail: json!([{ "loc": ["body", field], "msg": format!("`{id}` does not exist"), "type": "not_found" }]),
    }
}

type Out = Result<Reply, ApiError>;

/// A string field of a JSON object, or `""`.
pub(crate) fn s<'a>(v: &'a Value, key: &str) -> &'a str {
    v.get(key).and_then(Value::as_str).unwrap_or("")
}

/// Marks where a page's items go in an envelope serialised before them.
const ITEMS_SLOT: &str = "__items__";

/// Keys of a stored agent that the API does not show.
const INTERNAL: &[&str] = &["call_count"];

/// What a masked subscription header value reads as.
pub(crate) const MASKED: &str = "********";

/// The agent as the API shows it: internal keys removed and subscription header values
/// masked, as Ringg masks them on read (deliveries still send the real values).
fn public_agent(a: &Value) -> Value {
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

/// The page of `items` a request asks for: `(page, limit, offset)`.
fn page<T: Clone>(items: &[T], q: &Map<String, Value>) -> (Vec<T>, i64, i64) {
    let limit = q.get(crate::spec::LIMIT).and_then(Value::as_i64).unwrap_or(crate::spec::DEFAULT_LIMIT);
    let offset = q.get(crate::spec::OFFSET).and_then(Value::as_i64).unwrap_or(0).max(0);
    let page = items.iter().skip(offset as usize).take(limit.max(0) as usize).cloned().collect();
    (page, limit, offset)
}

/// Nests a list of items at the endpoint's pagination path (`data.agents`): the envelope the
/// spec documents for it.
fn envelope(op: &str, items: Vec<Value>) -> Value {
    let path =
        crate::server::document().operations.get(op).and_then(|o| o["paging"]["items"].as_str()).unwrap_or("items");
    let mut v = Value::Array(items);
    for key in path.rsplit('.') {
        v = json!({ key: v });
    }
    v
}

/// The agent's active version.
pub(crate) fn version_mut(agent: &mut Value) -> &mut Value {
    let v = s(agent, "active_agent_version_id").to_string();
    &mut agent["version_details"][v]
}

/// The agent's webhook subscriptions.
pub(crate) fn subscriptions(agent: &Value) -> Vec<Value> {
    let v = s(agent, "active_agent_version_id");
    agent["version_details"][v]["event_subscriptions"].as_array().cloned().unwrap_or_default()
}

pub(crate) fn handle(st: &mut State, op: &str, r: &Req) -> Out {
    match op {
        "workspace.get" => {
            let mut w = st.workspace.clone();
            w["credits"] = json!(st.credits);
            w["locked_credits"] = json!(locked(st));
            w["api_key"] = json!(st.key);
            Ok(Reply::Json(json!({ "workspace_info": w })))
        }
        "workspace.list" => {
            let mut list = st.workspaces.clone();
            if let Some(first) = list["workspaces"].get_mut(0) {
                first["credits"] = json!(st.credits);
                first["locked_credits"] = json!(locked(st));
            }
            Ok(Reply::Json(list))
        }
        "workspace.users" => Ok(Reply::Json(envelope(op, page(&st.users, r.query).0))),
        "workspace.regenerate_api_key" => {
            st.key = format!("rk_emu_{}", st.new_id().replace('-', ""));
            Ok(Reply::Json(json!({ "new_api_key": st.key })))
        }
        "numbers.list" => Ok(Reply::Json(envelope(op, page(&st.numbers, r.query).0))),
        "voices.list" => {
            let wanted: Vec<&str> = r
                .query
                .get("language")
                .and_then(Value::as_str)
                .map(|l| l.split(',').map(str::trim).collect())
                .unwrap_or_default();
            let voices = st
                .voices
                .iter()
                .filter(|v| {
                    wanted.is_empty()
                        || v["languages"]
                            .as_array()
                            .is_some_and(|ls| ls.iter().any(|l| wanted.contains(&l.as_str().unwrap_or(""))))
                })
                .cloned()
                .collect();
            Ok(Reply::Json(json!({ "voices": Value::Array(voices) })))
        }
        "assistants.list" => {
            let items: Vec<Value> = st.agents.iter().map(agent_summary).collect();
            let mut out = envelope(op, page(&items, r.query).0);
            out["status"] = json!("success");
            Ok(Reply::Json(out))
        }
        "assistants.get" => {
            let id = &r.params["agent_id"];
            let a = st.agent(id).ok_or_else(|| not_found("agent", id))?;
            Ok(Reply::Json(json!({ "agents": public_agent(a) })))
        }
        "assistants.create" => create_agent(st, r.body),
        "assistants.update" => update_agent(st, &r.params["agent_id"], r.body),
        "assistants.delete" => {
            let id = &r.params["agent_id"];
            let Some(at) = st.agents.iter().position(|a| a["id"] == id.as_str()) else {
                return Err(not_found("agent", id));
            };
            let agent = st.agents.remove(at);
            // Calls already placed finish and report to the agent's subscriptions.
            if st.calls.iter().any(|c| c.agent_id == *id) {
                st.retired_agents.push(agent);
            }
            for n in &mut st.numbers {
                if n["agent"]["id"] == id.as_str() {
                    n.as_object_mut().map(|o| o.remove("agent"));
                }
            }
            Ok(Reply::Json(json!({ "message": "Agent deleted successfully", "agent_id": id })))
        }
        "assistants.edit" => crate::edit::edit_agent(st, r.body),
        "calling.initiate" | "calling.initiate_from_pool" => initiate(st, op, r.body),
        "calling.history" => {
            let rows = filtered_calls(st, r.query)?;
            let total = rows.len();
            let (rows, limit, offset) = page(&rows, r.query);
            // Pages are assembled from rows rendered once per revision of the store, so a
            // client polling history does not re-serialise unchanged calls.
            st.rows.resize(st.calls.len(), (0, String::new()));
            for &i in &rows {
                if st.rows[i].0 != st.rev {
                    st.rows[i] = (st.rev, history_row(st, i).to_string());
                }
            }
            let envelope = envelope(op, vec![json!(ITEMS_SLOT)]).to_string();
            let slot = format!("[\"{ITEMS_SLOT}\"]");
            let (before, after) = envelope.split_once(&slot).unwrap_or(("{\"calls\":", "}"));
            let after = after.strip_suffix('}').unwrap_or(after);
            let size: usize = rows.iter().map(|&i| st.rows[i].1.len() + 1).sum();
            let mut out = String::with_capacity(before.len() + size + after.len() + 96);
            out.push_str(before);
            out.push('[');
            for (n, &i) in rows.iter().enumerate() {
                if n > 0 {
                    out.push(',');
                }
                out.push_str(&st.rows[i].1);
            }
            out.push(']');
            out.push_str(after);
            out.push_str(&format!(
                ",\"limit\":{limit},\"offset\":{offset},\"count\":{},\"total\":{total}}}",
                rows.len()
            ));
            Ok(Reply::Text(out))
        }
        "calling.details" => {
            let id = r.query.get("id").and_then(Value::as_str).unwrap_or("");
            let i = st.calls.iter().position(|c| c.id == id).ok_or_else(|| not_found("call", id))?;
            let analysis = r.query.get("send_analysis").and_then(Value::as_bool).unwrap_or(false);
            Ok(Reply::Json(json!({ "status": "success", "data": details(st, i, analysis) })))
        }
        "calling.download_history" => download(st, r.query),
        "calling.terminate" => {
            let b = r.body;
            let strs = |k: &str| -> Vec<String> {
                b[k].as_array()
                    .map(|a| a.iter().filter_map(Value::as_str).map(str::to_string).collect())
                    .unwrap_or_default()
            };
            let (ids, numbers) = (strs("call_ids"), strs("mobile_numbers"));
            let (agent, campaign) = (s(b, "agent_id"), s(b, "campaign_id"));
            let all = r.query.get("terminate_all_calls").and_then(Value::as_bool).unwrap_or(false);
            if !all && ids.is_empty() && numbers.is_empty() && agent.is_empty() && campaign.is_empty() {
                return Err(err(
                    400,
                    "say which calls to terminate: call_ids, mobile_numbers, agent_id or campaign_id",
                ));
            }
            terminate(st, |c| {
                all || ids.contains(&c.id)
                    || numbers.contains(&c.to)
                    || (!agent.is_empty() && c.agent_id == agent)
                    || (!campaign.is_empty() && c.bulk_list_id.as_deref() == Some(campaign))
            })
        }
        "calling.terminate_numbers" => {
            let numbers: Vec<&str> = r.body["mobile_numbers"]
                .as_array()
                .map(|a| a.iter().filter_map(Value::as_str).collect())
                .unwrap_or_default();
            terminate(st, |c| numbers.contains(&c.to.as_str()))
        }
        "campaigns.save" | "campaigns.upload_csv" => save_campaign(st, op, r),
        "campaigns.start" | "campaigns.start_from_pool" => start_campaign(st, r.body),
        "campaigns.list" => {
            let with_counts = r.query.get("call_count").and_then(Value::as_bool).unwrap_or(true);
            let items: Vec<Value> = st
                .campaigns
                .iter()
                .enumerate()
                .filter(|(_, c)| !c.large && !c.deleted)
                .map(|(i, _)| campaign_json(st, i, with_counts))
                .collect();
            let total = items.len();
            let (items, limit, offset) = page(&items, r.query);
            let mut out = envelope(op, items);
            out["pagination"] = json!({ "limit": limit, "offset": offset, "total": total });
            Ok(Reply::Json(out))
        }
        "campaigns.upload_status" => {
            let c = upload(st, &r.params["bulk_list_id"])?;
            Ok(Reply::Json(upload_json(st, c)))
        }
        "campaigns.check_balance" => {
            let c = upload(st, &r.params["bulk_list_id"])?;
            let required = st.campaigns[c].rows.len() as f64 * st.config.credits_per_minute;
            let ok = st.credits >= required;
            Ok(Reply::Json(json!({
                "status": if st.campaigns[c].started { "ongoing" } else { "draft" },
                "bulk_list_id": st.campaigns[c].id,
                "message": if ok { "Sufficient balance" } else { "Insufficient balance" },
                "required_credits": required,
                "available_credits": st.credits,
                "sufficient_balance": ok,
            })))
        }
        "campaigns.start_calls" => start_large(st, r.body),
        "contacts.delete_list" => {
            let id = &r.params["list_id"];
            let c = st
                .campaigns
                .iter()
                .position(|c| &c.id == id && !c.large && !c.deleted)
                .ok_or_else(|| not_found("contact list", id))?;
            if st.campaigns[c].started {
                return Err(err(400, "the contact list belongs to a started campaign and cannot be deleted"));
            }
            st.campaigns[c].rows.clear();
            st.campaigns[c].deleted = true;
            Ok(Reply::Json(json!({ "message": "Contact list deleted successfully", "list_id": id })))
        }
        "knowledge_bases.create" => create_kb(st, r),
        "knowledge_bases.edit" => edit_kb(st, r),
        "knowledge_bases.list" => {
            let list: Vec<Value> = st
                .kbs
                .iter()
                .filter(|k| !k["kb_id"].is_null())
                .map(|k| json!({ "kb_id": k["kb_id"], "kb_name": k["kb_name"], "type": "document", "created_at": k["created_at"] }))
                .collect();
            Ok(Reply::Json(Value::Array(list)))
        }
        "knowledge_bases.get" => {
            let id = &r.params["kb_id"];
            let k = st.kbs.iter().find(|k| k["kb_id"] == id.as_str()).ok_or_else(|| not_found("knowledge base", id))?;
            Ok(Reply::Json(k.clone()))
        }
        "knowledge_bases.delete" => {
            let id = r.params["kb_id"].clone();
            let k = st
                .kbs
                .iter()
                .position(|k| k["kb_id"] == id.as_str())
                .ok_or_else(|| not_found("knowledge base", &id))?;
            // Later events address knowledge bases by index: keep the slot, mark it deleted.
            st.kbs[k] = json!({ "kb_id": Value::Null, "deleted": id });
            for a in &mut st.agents {
                let v = version_mut(a);
                if let Some(list) = v["knowledge_bases"].as_array_mut() {
                    list.retain(|x| x != &json!(id));
                }
            }
            Ok(Reply::Json(json!({ "message": "Knowledge base deleted successfully", "kb_id": id })))
        }
        "analytics.platform"
        | "analytics.drill_down"
        | "analytics.numbers"
        | "analytics.duration_distribution"
        | "analytics.classification" => crate::analytics::analytics(st, op, r.query),
        "speech.transcribe" => transcribe(r),
        other => Err(err(501, format!("the emulator has no behaviour for `{other}`"))),
    }
}

/// Credits held for calls that are placed but not finished: one minute each.
fn locked(st: &State) -> f64 {
    st.calls.iter().filter(|c| !c.settled()).count() as f64 * st.config.credits_per_minute
}

fn agent_summary(a: &Value) -> Value {
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

fn create_agent(st: &mut State, b: &Value) -> Out {
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

fn initiate(st: &mut State, op: &str, b: &Value) -> Out {
    let agent_id = s(b, "agent_id").to_string();
    let agent = st.agent(&agent_id).ok_or_else(|| unknown("agent_id", &agent_id))?;
    if s(agent, "agent_type") == "inbound" {
        return Err(err(400, format!("agent `{agent_id}` is an inbound agent and cannot place calls")));
    }
    let call_config = agent["version_details"][s(agent, "active_agent_version_id")]["call_config"].clone();
    let sources: Vec<&str> = ["from_number_id", "from_number", "number_pool_id"]
        .into_iter()
        .filter(|k| b.get(*k).is_some_and(|v| !v.is_null()))
        .collect();
    let from = match (op, sources.as_slice()) {
        ("calling.initiate", ["from_number_id"]) | ("calling.initiate_from_pool", ["from_number_id"]) => {
            let id = s(b, "from_number_id");
            st.numbers
                .iter()
                .find(|n| n["id"] == id)
                .map(|n| s(n, "number").to_string())
                .ok_or_else(|| unknown("from_number_id", id))?
        }
        (_, ["from_number"]) => s(b, "from_number").to_string(),
        ("calling.initiate_from_pool", ["number_pool_id"]) => {
            let id = s(b, "number_pool_id");
            st.numbers
                .iter()
                .find(|n| n["number_pool_id"] == id)
                .map(|n| s(n, "number").to_string())
                .ok_or_else(|| unknown("number_pool_id", id))?
        }
        _ => {
            let allowed = if op == "calling.initiate" {
                "`from_number_id` or `from_number`"
            } else {
                "`number_pool_id`, `from_number_id` or `from_number`"
            };
            return Err(ApiError {
                status: 422,
                detail: json!([{ "loc": ["body"], "msg": format!("send exactly one of {allowed}; got {}", sources.len()), "type": "value_error" }]),
            });
        }
    };
    let to = s(b, "mobile_number").to_string();
    if !valid_number(&to) {
        return Err(err(
            400,
            format!("mobile_number `{to}` is not a phone number in E.164 form (+ and 8 to 15 digits)"),
        ));
    }
    if st.credits < st.config.credits_per_minute {
        return Err(err(
            402,
            format!(
                "insufficient credits: {} left, a call needs at least {}",
                st.credits, st.config.credits_per_minute
            ),
        ));
    }
    let mut args = b.get("custom_args_values").and_then(Value::as_object).cloned().unwrap_or_default();
    args.entry("callee_name").or_insert_with(|| b["name"].clone());
    args.entry("mobile_number").or_insert_with(|| json!(to));
    let config = b.get("call_config").filter(|c| c.is_object()).unwrap_or(&call_config);
    let retry = retry_delay(config);
    let callback = callback(b)?;
    let i = st.add_call(&agent_id, s(b, "name"), &to, &from, args.clone(), None, retry).map_err(|e| err(400, e))?;
    if let Some(callback) = callback {
        st.set_callback(i, callback);
    }
    if let Some(a) = st.agent_mut(&agent_id) {
        a["call_count"] = json!(a["call_count"].as_i64().unwrap_or(0) + 1);
    }
    let c = &st.calls[i];
    Ok(Reply::Json(json!({
        "status": "success",
        "message": "Call initiated successfully",
        "data": {
            "call_id": c.id, "call_direction": "outbound", "call_status": c.status,
            "initiated_at": crate::time::format(c.created_ms), "agent_id": agent_id, "custom_args_values": args,
        },
    })))
}

/// The per-call status callback of an initiation body: `callback_url`, with
/// `callback_args.params` added to its query string and `callback_args.headers` as headers.
fn callback(b: &Value) -> Result<Option<crate::state::Callback>, ApiError> {
    let Some(url) = b.get("callback_url").and_then(Value::as_str) else { return Ok(None) };
    let headers = text_pairs(&b["callback_args"]["headers"]);
    if let Some((name, _)) = headers.iter().find(|(k, v)| {
        hyper::header::HeaderName::from_bytes(k.as_bytes()).is_err() || hyper::header::HeaderValue::from_str(v).is_err()
    }) {
        return Err(ApiError {
            status: 422,
            detail: json!([{ "loc": ["body", "callback_args", "headers", name], "msg": "not a valid HTTP header", "type": "value_error" }]),
        });
    }
    let mut url = url.to_string();
    for (i, (k, v)) in text_pairs(&b["callback_args"]["params"]).iter().enumerate() {
        let sep = if i == 0 && !url.contains('?') { '?' } else { '&' };
        // The client's path-segment encoding keeps only unreserved characters, which is as
        // safe in a query component.
        url.push(sep);
        url.push_str(&ringg::runtime::encode_segment(k));
        url.push('=');
        url.push_str(&ringg::runtime::encode_segment(v));
    }
    Ok(Some(crate::state::Callback { url, headers }))
}

/// The members of a JSON object as name and text pairs (a string's text, or other values as
/// JSON): how subscription and callback headers and callback params are sent. Not an object:
/// none.
pub(crate) fn text_pairs(object: &Value) -> Vec<(String, String)> {
    object
        .as_object()
        .map(|m| m.iter().map(|(k, v)| (k.clone(), v.as_str().map_or_else(|| v.to_string(), str::to_string))).collect())
        .unwrap_or_default()
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

/// `call_retry_config.retry_not_picked` minutes, else the default.
/// The value was range-checked when the request was validated; a stored value that is not a
/// whole number of minutes, or too large, falls back to the default rather than overflowing.
fn retry_delay(config: &Value) -> u64 {
    config["call_retry_config"]["retry_not_picked"]
        .as_u64()
        .and_then(|m| m.checked_mul(60_000))
        .unwrap_or(RETRY_DEFAULT_MIN * 60_000)
}

pub(crate) fn valid_number(n: &str) -> bool {
    n.strip_prefix('+').is_some_and(|d| (8..=15).contains(&d.len()) && d.bytes().all(|b| b.is_ascii_digit()))
}

fn terminate(st: &mut State, pick: impl Fn(&crate::state::Call) -> bool) -> Out {
    let hit: Vec<usize> = (0..st.calls.len()).filter(|&i| st.calls[i].pending() && pick(&st.calls[i])).collect();
    if hit.is_empty() {
        return Err(err(
            400,
            "no pending calls match; only registered calls and calls waiting to retry can be terminated",
        ));
    }
    for i in hit {
        st.cancel(i);
    }
    Ok(Reply::Json(json!({ "message": "Calls terminated successfully!" })))
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
fn transcript(st: &State, i: usize) -> Value {
    let c = &st.calls[i];
    let agent = st.agent(&c.agent_id).map(|a| s(a, "agent_display_name").to_string()).unwrap_or_default();
    json!([
        { "bot": format!("Hello {}, this is {agent}.", c.name) },
        { "user": "Hi, yes, go ahead." },
        { "bot": "Thank you for your time. Goodbye!" },
    ])
}

fn recording_url(st: &State, i: usize) -> String {
    format!("https://recordings.emulator.invalid/{}.mp3", st.calls[i].id)
}

fn history_row(st: &State, i: usize) -> Value {
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

fn details(st: &State, i: usize, analysis: bool) -> Value {
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

fn analysis_data(st: &State, i: usize) -> Value {
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
    let doc = crate::server::document();
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

fn download(st: &State, q: &Map<String, Value>) -> Out {
    let rows = filtered_calls(st, q)?;
    let (rows, _, _) = if q.contains_key(crate::spec::LIMIT) { page(&rows, q) } else { (rows, 0, 0) };
    let mut w = csv::Writer::from_writer(Vec::new());
    let header = [
        "id",
        "created_at",
        "name",
        "to_number",
        "from_number",
        "status",
        "sub_status",
        "call_duration",
        "call_cost",
        "agent_id",
        "bulk_list_id",
        "voicemail_detected",
    ];
    let write = |w: &mut csv::Writer<Vec<u8>>, rec: Vec<String>| {
        w.write_record(&rec).map_err(|e| err(500, format!("writing CSV failed: {e}")))
    };
    write(&mut w, header.iter().map(|h| h.to_string()).collect())?;
    for i in rows {
        let c = &st.calls[i];
        write(
            &mut w,
            vec![
                c.id.clone(),
                crate::time::format(c.created_ms),
                c.name.clone(),
                c.to.clone(),
                c.from.clone(),
                c.status.into(),
                c.sub_status.into(),
                c.duration_s.to_string(),
                c.cost.to_string(),
                c.agent_id.clone(),
                c.bulk_list_id.clone().unwrap_or_default(),
                c.voicemail.to_string(),
            ],
        )?;
    }
    let bytes = w.into_inner().map_err(|e| err(500, format!("writing CSV failed: {e}")))?;
    Ok(Reply::Bytes("call_history.csv", bytes))
}

/// One uploaded file of a form field.
fn file<'a>(r: &'a Req, name: &str) -> Result<&'a Part, ApiError> {
    r.files.get(name).and_then(|p| p.first()).ok_or_else(|| ApiError {
        status: 422,
        detail: json!([{ "loc": ["body", name], "msg": "a file is required", "type": "missing" }]),
    })
}

fn bad_file(name: &str, msg: String) -> ApiError {
    ApiError { status: 400, detail: json!([{ "loc": ["body", name], "msg": msg, "type": "value_error" }]) }
}

/// Largest campaign CSV the emulator takes.
const MAX_CSV_BYTES: usize = 5_000_000;

fn save_campaign(st: &mut State, op: &str, r: &Req) -> Out {
    let b = r.body;
    let agent_id = s(b, "agent_id").to_string();
    if st.agent(&agent_id).is_none() {
        return Err(unknown("agent_id", &agent_id));
    }
    let part = file(r, "file")?;
    if part.data.len() > MAX_CSV_BYTES {
        return Err(bad_file(
            "file",
            format!("the CSV is {} bytes; the emulator takes at most {MAX_CSV_BYTES}", part.data.len()),
        ));
    }
    let text = std::str::from_utf8(&part.data)
        .map_err(|_| bad_file("file", "the file is not CSV: it is not UTF-8 text".into()))?;
    let mut reader = csv::ReaderBuilder::new().flexible(false).from_reader(text.as_bytes());
    let headers: Vec<String> = reader
        .headers()
        .map_err(|e| bad_file("file", format!("the file is not CSV: {e}")))?
        .iter()
        .map(|h| h.trim().to_string())
        .collect();
    if headers.iter().all(String::is_empty) {
        return Err(bad_file("file", "the file is not CSV: it has no header row".into()));
    }
    let map: Map<String, Value> = b["variables_map"].as_object().cloned().unwrap_or_default();
    let number_col = match map.get("mobile_number").and_then(Value::as_str) {
        Some(col) => headers.iter().position(|h| h == col).ok_or_else(|| {
            bad_file("file", format!("variables_map maps mobile_number to the column `{col}`, which the CSV does not have (columns: {})", headers.join(", ")))
        })?,
        None => headers
            .iter()
            .position(|h| ["mobile_number", "mobile number", "phone", "phone_number", "phone number", "number"].contains(&h.to_ascii_lowercase().as_str()))
            .ok_or_else(|| {
                bad_file(
                    "file",
                    format!("the CSV has no mobile number column (columns: {}); name one `mobile_number` or map it with variables_map {{\"mobile_number\": \"<column>\"}}", headers.join(", ")),
                )
            })?,
    };
    let prefix = s(b, "country_code").to_string();
    let mut rows = Vec::new();
    let mut bad = Vec::new();
    for (n, rec) in reader.records().enumerate() {
        let rec = rec.map_err(|e| bad_file("file", format!("the file is not valid CSV at row {}: {e}", n + 2)))?;
        let raw: String =
            rec.get(number_col).unwrap_or("").chars().filter(|c| !c.is_whitespace() && *c != '-').collect();
        let number = if raw.starts_with('+') || raw.is_empty() { raw } else { format!("{prefix}{raw}") };
        if !valid_number(&number) {
            bad.push(n + 2);
            continue;
        }
        let mut row = Map::new();
        for (h, v) in headers.iter().zip(rec.iter()) {
            let var = map.iter().find(|(_, col)| col.as_str() == Some(h)).map_or(h.as_str(), |(k, _)| k.as_str());
            row.insert(var.to_string(), json!(v));
        }
        row.insert("mobile_number".into(), json!(number));
        rows.push(row);
    }
    let remove = b["remove_invalid_rows"].as_bool().unwrap_or(false);
    if !bad.is_empty() && !remove {
        let lines: Vec<String> = bad.iter().map(usize::to_string).collect();
        return Err(bad_file(
            "file",
            format!(
                "rows {} have no valid mobile number; fix them or send remove_invalid_rows=true to drop them",
                lines.join(", ")
            ),
        ));
    }
    let total = rows.len() + bad.len();
    let large = op == "campaigns.upload_csv";
    let window = campaign_window(st, b)?;
    let id = st.new_id();
    let created = st.now_ms;
    st.campaigns.push(Campaign {
        id: id.clone(),
        name: s(b, "campaign_name").to_string(),
        agent_id,
        rows,
        failed_rows: bad.len(),
        created_ms: created,
        start_time: b.get("campaign_start_time").and_then(Value::as_str).map(str::to_string),
        end_time: b.get("campaign_end_time").and_then(Value::as_str).map(str::to_string),
        window,
        started: false,
        large,
        deleted: false,
        upload_status: if large { "uploaded" } else { "ready" },
        concurrency: st.config.campaign_concurrency,
        calls: Vec::new(),
    });
    let c = st.campaigns.len() - 1;
    if large {
        st.schedule(created.saturating_add(PROCESSING_STEP_MS), Event::Upload(c));
        return Ok(Reply::Json(upload_json(st, c)));
    }
    let camp = &st.campaigns[c];
    Ok(Reply::Json(json!({
        "message": "Contacts imported successfully!",
        "list_id": id,
        "custom_args_values": camp.rows,
        "total_rows": total,
        "successful_rows": camp.rows.len(),
        "failed_rows": camp.failed_rows,
    })))
}

fn upload(st: &State, id: &str) -> Result<usize, ApiError> {
    st.campaigns.iter().position(|c| c.id == id && c.large).ok_or_else(|| not_found("upload", id))
}

fn upload_json(st: &State, c: usize) -> Value {
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

fn campaign_json(st: &State, c: usize, counts: bool) -> Value {
    let camp = &st.campaigns[c];
    let calls: Vec<&crate::state::Call> = camp.calls.iter().map(|&i| &st.calls[i]).collect();
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

/// Places one call per row of a campaign; the campaign's concurrency decides how many ring at
/// once. Everything is checked first (the agent, credits, the call cap, the retry delay) and
/// only then is anything changed, so a refused start leaves the campaign as it was.
fn launch(st: &mut State, c: usize, agent_id: &str, from: &str, concurrency: Option<usize>) -> Result<(), ApiError> {
    let agent = st.agent(agent_id).ok_or_else(|| unknown("agent_id", agent_id))?;
    let retry = retry_delay(&agent["version_details"][s(agent, "active_agent_version_id")]["call_config"]);
    let rows = st.campaigns[c].rows.len();
    let needed = rows as f64 * st.config.credits_per_minute;
    if st.credits < needed {
        return Err(err(
            402,
            format!("insufficient credits: the campaign needs {needed}, the workspace has {}", st.credits),
        ));
    }
    if st.calls.len().saturating_add(rows) > st.config.max_calls {
        return Err(err(
            400,
            format!(
                "starting this campaign would store more than {} calls, the emulator's cap; start it with a higher max_calls",
                st.config.max_calls
            ),
        ));
    }
    let camp = &mut st.campaigns[c];
    camp.agent_id = agent_id.to_string();
    if let Some(n) = concurrency {
        camp.concurrency = n.max(1);
    }
    camp.started = true;
    let (opens, closes) = camp.window;
    for at in [opens, closes].into_iter().flatten() {
        st.schedule(at, Event::Campaign(c));
    }
    for row in st.campaigns[c].rows.clone() {
        let name = row.get("callee_name").and_then(Value::as_str).unwrap_or("").to_string();
        let to = s(&Value::Object(row.clone()), "mobile_number").to_string();
        // Cannot fail: the cap was checked above for every row.
        if let Ok(i) = st.add_call(agent_id, &name, &to, from, row, Some(c), retry) {
            st.campaigns[c].calls.push(i);
        }
    }
    for j in st.pump_campaign(c) {
        st.schedule(st.now_ms, Event::Deliver(j));
    }
    Ok(())
}

/// A campaign's window from a body's `campaign_start_time` and `campaign_end_time`
/// (`DD/MM/YYYY, HH:MM` in `call_config.call_time.timezone`, by default `Asia/Kolkata`):
/// 400 naming the field when a time is not in that form, the start is past, or the end is not
/// after the start.
fn campaign_window(st: &State, b: &Value) -> Result<(Option<u64>, Option<u64>), ApiError> {
    let zone = b["call_config"]["call_time"]["timezone"].as_str().unwrap_or("Asia/Kolkata");
    let bad = |field: &str, msg: String| ApiError {
        status: 400,
        detail: json!([{ "loc": ["body", field], "msg": msg, "type": "value_error" }]),
    };
    let read = |field: &str| -> Result<Option<i64>, ApiError> {
        match b.get(field).and_then(Value::as_str) {
            None => Ok(None),
            Some(t) => crate::time::campaign_time(t, zone).map(Some).ok_or_else(|| {
                bad(
                    field,
                    format!(
                        "`{t}` is not a time `DD/MM/YYYY, HH:MM` in the time zone `{zone}` (the emulator knows {})",
                        crate::time::zone_names()
                    ),
                )
            }),
        }
    };
    let (start, end) = (read("campaign_start_time")?, read("campaign_end_time")?);
    let now = i64::try_from(st.now_ms).unwrap_or(i64::MAX);
    if let Some(s) = start.filter(|&s| s < now) {
        return Err(bad(
            "campaign_start_time",
            format!("the start {} is in the past (now is {})", crate::time::format(s.max(0) as u64), st.now()),
        ));
    }
    if let (Some(s), Some(e)) = (start, end)
        && e <= s
    {
        return Err(bad("campaign_end_time", "the end must be after the start".into()));
    }
    let ms = |v: Option<i64>| v.map(|v| u64::try_from(v).unwrap_or(0));
    Ok((ms(start), ms(end)))
}

fn first_number(st: &State, b: &Value) -> String {
    b["from_numbers"][0].as_str().map(str::to_string).unwrap_or_else(|| {
        let pool = s(b, "number_pool_id");
        st.numbers
            .iter()
            .find(|n| pool.is_empty() || n["number_pool_id"] == pool)
            .map(|n| s(n, "number").to_string())
            .unwrap_or_default()
    })
}

fn start_campaign(st: &mut State, b: &Value) -> Out {
    let id = s(b, "list_id");
    let c =
        st.campaigns.iter().position(|c| c.id == id && !c.large && !c.deleted).ok_or_else(|| unknown("list_id", id))?;
    let agent = s(b, "agent_id");
    if st.agent(agent).is_none() {
        return Err(unknown("agent_id", agent));
    }
    if st.campaigns[c].started {
        return Err(err(400, "the campaign has already been started"));
    }
    let from = first_number(st, b);
    launch(st, c, agent, &from, None)?;
    let ongoing = st.calls.iter().any(|c| c.status == "ongoing");
    Ok(Reply::Json(json!({ "status": "campaign registered successfully!", "has_ongoing_calls": ongoing })))
}

fn start_large(st: &mut State, b: &Value) -> Out {
    let has = |k: &str| b.get(k).is_some_and(|v| !v.is_null());
    if has("from_numbers") == has("number_pool_id") {
        return Err(ApiError {
            status: 422,
            detail: json!([{ "loc": ["body"], "msg": "send exactly one of `from_numbers` and `number_pool_id`", "type": "value_error" }]),
        });
    }
    let id = s(b, "bulk_list_id");
    let c = st.campaigns.iter().position(|c| c.id == id && c.large).ok_or_else(|| unknown("bulk_list_id", id))?;
    if st.campaigns[c].upload_status != "ready" {
        return Err(err(
            400,
            format!("the upload is `{}`, not `ready`; poll upload_status until it is", st.campaigns[c].upload_status),
        ));
    }
    let agent = s(b, "agent_id");
    if st.agent(agent).is_none() {
        return Err(unknown("agent_id", agent));
    }
    let window = campaign_window(st, b)?;
    // `concurrency_percentage` is 0 to 100 by the schema; the float-to-integer conversion
    // saturates, so no value can overflow.
    let concurrency = b["concurrency_percentage"]
        .as_f64()
        .map(|p| (st.campaigns[c].rows.len() as f64 * p.clamp(0.0, 100.0) / 100.0).ceil() as usize);
    let from = first_number(st, b);
    let kept = std::mem::replace(&mut st.campaigns[c].window, window);
    if let Err(e) = launch(st, c, agent, &from, concurrency) {
        st.campaigns[c].window = kept;
        return Err(e);
    }
    if let Some(t) = b.get("campaign_start_time").and_then(Value::as_str) {
        st.campaigns[c].start_time = Some(t.to_string());
    }
    if let Some(t) = b.get("campaign_end_time").and_then(Value::as_str) {
        st.campaigns[c].end_time = Some(t.to_string());
    }
    st.campaigns[c].upload_status = "completed";
    Ok(Reply::Json(
        json!({ "message": "Campaign calls scheduled", "bulk_list_id": st.campaigns[c].id, "status": "ongoing" }),
    ))
}

/// Largest knowledge-base file, and all files of one request together.
const KB_FILE_MAX: usize = 2_000_000;
const KB_TOTAL_MAX: usize = 5_000_000;

/// A request's new knowledge-base items: files, URLs and FAQs.
type KbItems = (Vec<Value>, Vec<Value>, Vec<Value>);

fn kb_items(st: &mut State, r: &Req, files_key: &str, urls_key: &str, faqs_key: &str) -> Result<KbItems, ApiError> {
    let parts = r.files.get(files_key).map(Vec::as_slice).unwrap_or(&[]);
    if parts.len() > 10 {
        return Err(bad_file(files_key, format!("{} files sent; at most 10 per request", parts.len())));
    }
    let total: usize = parts.iter().map(|p| p.data.len()).sum();
    if let Some(p) = parts.iter().find(|p| p.data.len() > KB_FILE_MAX) {
        return Err(bad_file(
            files_key,
            format!(
                "`{}` is {} bytes; at most {KB_FILE_MAX} per file",
                p.file_name.as_deref().unwrap_or(""),
                p.data.len()
            ),
        ));
    }
    if total > KB_TOTAL_MAX {
        return Err(bad_file(files_key, format!("the files total {total} bytes; at most {KB_TOTAL_MAX} per request")));
    }
    let mut files = Vec::new();
    for p in parts {
        let name = p.file_name.clone().unwrap_or_else(|| "file".into());
        let ext = name.rsplit('.').next().unwrap_or("").to_string();
        files.push(json!({ "file_id": st.new_id(), "file_type": ext, "file_size": p.data.len(), "filename": name }));
    }
    let urls: Vec<Value> = r.body[urls_key].as_array().cloned().unwrap_or_default();
    if urls.len() > 20 {
        return Err(bad_file(urls_key, format!("{} URLs sent; at most 20 per request", urls.len())));
    }
    let urls = urls.into_iter().map(|u| json!({ "file_id": st.new_id(), "file_type": "url", "url": u })).collect();
    let faqs = r.body[faqs_key]
        .as_array()
        .cloned()
        .unwrap_or_default()
        .into_iter()
        .map(|f| json!({ "file_id": st.new_id(), "file_type": "faq", "content": f }))
        .collect();
    Ok((files, urls, faqs))
}

fn create_kb(st: &mut State, r: &Req) -> Out {
    let (files, urls, faqs) = kb_items(st, r, "files", "urls", "faqs")?;
    let queued = files.len() + urls.len() + faqs.len();
    if queued == 0 {
        return Err(err(400, "a knowledge base needs at least one file, URL or FAQ"));
    }
    let id = st.new_id();
    let now = st.now();
    st.kbs.push(json!({
        "kb_id": id, "kb_name": r.body["kb_name"], "status": "pending", "created_at": now, "updated_at": now,
        "files": files, "urls": urls, "faqs": faqs,
    }));
    let k = st.kbs.len() - 1;
    st.schedule(st.now_ms.saturating_add(PROCESSING_STEP_MS), Event::Kb(k));
    Ok(Reply::Json(
        json!({ "kb_id": id, "processing_status": "pending", "files_queued": queued, "message": "Knowledge base created" }),
    ))
}

fn edit_kb(st: &mut State, r: &Req) -> Out {
    let id = s(r.body, "kb_id").to_string();
    let k = st.kbs.iter().position(|k| k["kb_id"] == id.as_str()).ok_or_else(|| not_found("knowledge base", &id))?;
    let (files, urls, faqs) = kb_items(st, r, "new_files", "new_urls", "new_faqs")?;
    let mut removed = 0;
    for (list, key) in [("files", "files_to_remove"), ("urls", "urls_to_remove"), ("faqs", "faqs_to_remove")] {
        let gone: Vec<Value> = r.body[key].as_array().cloned().unwrap_or_default();
        if let Some(items) = st.kbs[k][list].as_array_mut() {
            let before = items.len();
            items.retain(|it| !gone.contains(&it["file_id"]) && !gone.contains(&it["url"]));
            removed += before - items.len();
        }
    }
    let queued = files.len() + urls.len() + faqs.len();
    for (list, new) in [("files", files.clone()), ("urls", urls), ("faqs", faqs)] {
        if let Some(items) = st.kbs[k][list].as_array_mut() {
            items.extend(new);
        }
    }
    st.kbs[k]["updated_at"] = json!(st.now());
    if queued > 0 {
        st.kbs[k]["status"] = json!("pending");
        st.schedule(st.now_ms.saturating_add(PROCESSING_STEP_MS), Event::Kb(k));
    }
    Ok(Reply::Json(json!({ "items_removed": removed, "new_files_queued": queued, "new_files": files })))
}

/// Largest speech-to-text upload, as the service documents it.
const STT_MAX: usize = 10_000_000;

fn transcribe(r: &Req) -> Out {
    let part = file(r, "file")?;
    let name = part.file_name.clone().unwrap_or_default();
    let ext = name.rsplit('.').next().unwrap_or("").to_ascii_lowercase();
    if part.data.len() > STT_MAX {
        return Err(ApiError {
            status: 413,
            detail: json!([{ "loc": ["body", "file"], "msg": format!("the file is {} bytes; at most {STT_MAX}", part.data.len()), "type": "too_large" }]),
        });
    }
    if !["wav", "mp3", "flac", "m4a"].contains(&ext.as_str()) {
        return Err(ApiError {
            status: 415,
            detail: json!({ "code": "unsupported_format", "message": format!("`{name}` is not WAV, MP3, FLAC or M4A") }),
        });
    }
    let hash =
        part.data.iter().fold(0xcbf2_9ce4_8422_2325_u64, |h, b| (h ^ u64::from(*b)).wrapping_mul(0x0100_0000_01b3));
    let seconds = part.data.len() as f64 / 32_000.0;
    Ok(Reply::Json(json!({
        "status": "success",
        "transcription": format!("Emulated transcript of {name} ({} bytes, fingerprint {hash:016x}).", part.data.len()),
        "is_final": true,
        "language": r.body.get("language").and_then(Value::as_str).unwrap_or("en-US"),
        "duration_seconds": (seconds * 100.0).round() / 100.0,
        "processing_time_seconds": 0.01,
        "request_id": format!("stt-{hash:016x}"),
    })))
}

/// The agent of the spec's `AgentDetailResponse` example, which the seeded numbers answer for,
/// given a version so that edits and calls work on it.
pub(crate) fn seed_agent(st: &mut State) {
    let mut a = example("AgentDetailResponse")["agents"].clone();
    if !a.is_object() {
        return;
    }
    let version = st.new_id();
    a["active_agent_version_id"] = json!(version);
    a["orchestration_mode"] = json!("single_node");
    a["version_details"] = json!({ version: {
        "version_slug": "v1", "language": a["language"], "voice": a["voice"], "tools": [],
        "knowledge_bases": [], "event_subscriptions": [], "call_config": {},
    } });
    a["call_count"] = json!(0);
    st.agents.push(a);
}

/// The seeded voices: those the spec's examples name, speaking the languages those examples
/// give them.
pub(crate) fn seed_voices() -> Vec<Value> {
    let agent = example("AgentDetailResponse");
    let a = &agent["agents"];
    let mut voices = Vec::new();
    if let Some(id) = a["voice"]["id"].as_str() {
        let langs: Vec<Value> =
            [&a["language"], &a["secondary_language"]].into_iter().filter(|l| l.is_string()).cloned().collect();
        voices.push(json!({ "id": id, "name": a["voice"]["name"], "languages": langs, "gender": "female" }));
    }
    if let Some(id) = a["secondary_voice_id"].as_str() {
        voices.push(
            json!({ "id": id, "name": "Second voice", "languages": [a["secondary_language"]], "gender": "male" }),
        );
    }
    // Every other voice a spec example names (the create and edit examples'), speaking every
    // language, so that each request example is accepted as it is written.
    let languages = crate::server::document().schemas.get("Language").map(|l| l["enum"].clone()).unwrap_or(json!([]));
    let mut named = Vec::new();
    for (_, text) in crate::spec::TYPE_EXAMPLES.iter().chain(crate::spec::EXAMPLES) {
        if let Ok(v) = serde_json::from_str::<Value>(text) {
            voice_ids(&v, &mut named);
        }
    }
    for id in named {
        if !voices.iter().any(|v| v["id"] == id.as_str()) {
            voices.push(json!({ "id": id, "name": format!("Voice {}", voices.len() + 1), "languages": languages, "gender": "female" }));
        }
    }
    voices
}

/// The values of `voice_id` and `secondary_voice_id` keys anywhere in an example.
fn voice_ids(v: &Value, out: &mut Vec<String>) {
    match v {
        Value::Object(o) => {
            for (k, x) in o {
                match (k.as_str(), x.as_str()) {
                    ("voice_id" | "secondary_voice_id", Some(id)) if !id.is_empty() && !out.iter().any(|o| o == id) => {
                        out.push(id.to_string())
                    }
                    _ => voice_ids(x, out),
                }
            }
        }
        Value::Array(a) => a.iter().for_each(|x| voice_ids(x, out)),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::state::Config;

    /// Every operation of the route table has behaviour: none falls through to the 501 arm.
    #[test]
    fn every_operation_of_the_spec_is_handled() {
        let config = Config { max_calls: 10, credits_per_minute: 1.0, campaign_concurrency: 1, delivery_record: 10 };
        for route in crate::spec::ROUTES {
            let mut st = State::new("k".into(), 1, 0, None, config.clone());
            let params = route
                .path
                .split('/')
                .filter_map(|s| s.strip_prefix('{')?.strip_suffix('}'))
                .map(|p| (p, "x".to_string()))
                .collect();
            let r = Req { params: &params, query: &Map::new(), body: &json!({}), files: &HashMap::new() };
            if let Err(e) = handle(&mut st, route.op, &r) {
                assert_ne!(e.status, 501, "{} has no behaviour", route.op);
            }
        }
    }
}
