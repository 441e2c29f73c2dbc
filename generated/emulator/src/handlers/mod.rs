//! The behaviour of the operations that have more than the spec's answer: one function per
//! operation, grouped by resource, over the store. Requests arrive validated against the spec
//! (query values typed, bodies checked against their schema and decoded with `ringg::types`),
//! so handlers check only business rules.
//!
//! [`behaviours`] is the table the server dispatches on. It is the spec's generated
//! `Behaviours` struct filled with struct update syntax: a name that is not an operation of the
//! spec does not compile, and an operation left out (a new endpoint) is answered from the
//! spec's own response example by `fallback.rs`, marked `X-Emulator-Behaviour: example`.

use std::sync::OnceLock;

use serde_json::{Value, json};

use crate::multipart::Part;
use crate::reply::{ApiError, Out, Req, document, example};
use crate::spec::Behaviours;
use crate::store::{RETRY_DEFAULT_MIN, State};

mod analytics;
mod assistants;
mod calling;
mod campaigns;
mod edit;
mod knowledge_bases;
mod speech;
mod workspace;

/// What answers one operation.
pub(crate) type Handler = fn(&mut State, &Req) -> Out;

/// The hand-written behaviour of each operation that has one.
pub(crate) fn behaviours() -> &'static Behaviours<Handler> {
    static TABLE: OnceLock<Behaviours<Handler>> = OnceLock::new();
    #[allow(
        clippy::needless_update,
        reason = "an operation the spec gains is served from the spec until it is named here"
    )]
    TABLE.get_or_init(|| Behaviours {
        workspace_get: Some(workspace::get),
        workspace_list: Some(workspace::list),
        workspace_users: Some(workspace::users),
        workspace_regenerate_api_key: Some(workspace::regenerate_api_key),
        numbers_list: Some(workspace::numbers),
        voices_list: Some(workspace::voices),
        assistants_list: Some(assistants::list),
        assistants_get: Some(assistants::get),
        assistants_create: Some(assistants::create),
        assistants_update: Some(assistants::update),
        assistants_delete: Some(assistants::delete),
        assistants_edit: Some(edit::edit_agent),
        calling_initiate: Some(calling::initiate),
        calling_initiate_from_pool: Some(calling::initiate),
        calling_history: Some(calling::history),
        calling_details: Some(calling::details),
        calling_download_history: Some(calling::download_history),
        calling_terminate: Some(calling::terminate_calls),
        calling_terminate_numbers: Some(calling::terminate_numbers),
        campaigns_save: Some(campaigns::save),
        campaigns_upload_csv: Some(campaigns::save),
        campaigns_start: Some(campaigns::start),
        campaigns_start_from_pool: Some(campaigns::start),
        campaigns_list: Some(campaigns::list),
        campaigns_upload_status: Some(campaigns::upload_status),
        campaigns_check_balance: Some(campaigns::check_balance),
        campaigns_start_calls: Some(campaigns::start_calls),
        contacts_delete_list: Some(campaigns::delete_list),
        knowledge_bases_create: Some(knowledge_bases::create),
        knowledge_bases_edit: Some(knowledge_bases::edit),
        knowledge_bases_list: Some(knowledge_bases::list),
        knowledge_bases_get: Some(knowledge_bases::get),
        knowledge_bases_delete: Some(knowledge_bases::delete),
        analytics_platform: Some(analytics::analytics),
        analytics_drill_down: Some(analytics::analytics),
        analytics_numbers: Some(analytics::analytics),
        analytics_duration_distribution: Some(analytics::analytics),
        analytics_classification: Some(analytics::analytics),
        speech_transcribe: Some(speech::transcribe),
        ..Behaviours::default()
    })
}

/// Creates an agent from a create body, as `assistants.create` does: for the fixtures.
pub(crate) fn create_agent(st: &mut State, body: &Value) -> Result<(), ApiError> {
    assistants::create_agent(st, body).map(drop)
}

/// `call_retry_config.retry_not_picked` minutes, else the default.
/// The value was range-checked when the request was validated; a stored value that is not a
/// whole number of minutes, or too large, falls back to the default rather than overflowing.
pub(crate) fn retry_delay(config: &Value) -> u64 {
    config["call_retry_config"]["retry_not_picked"]
        .as_u64()
        .and_then(|m| m.checked_mul(60_000))
        .unwrap_or(RETRY_DEFAULT_MIN * 60_000)
}

/// One uploaded file of a form field.
pub(crate) fn file<'a>(r: &'a Req, name: &str) -> Result<&'a Part, ApiError> {
    r.files.get(name).and_then(|p| p.first()).ok_or_else(|| ApiError {
        status: 422,
        detail: json!([{ "loc": ["body", name], "msg": "a file is required", "type": "missing" }]),
    })
}

pub(crate) fn bad_file(name: &str, msg: String) -> ApiError {
    ApiError { status: 400, detail: json!([{ "loc": ["body", name], "msg": msg, "type": "value_error" }]) }
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
    let languages = document().schemas.get("Language").map(|l| l["enum"].clone()).unwrap_or(json!([]));
    let mut named = Vec::new();
    let texts = crate::spec::TYPE_EXAMPLES.iter().map(|(_, t)| t).chain(crate::spec::EXAMPLES.iter().map(|(_, t)| t));
    for text in texts {
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
