//! One of everything, so that any endpoint can be called: [`Fixtures`].

use ringg::types::{AgentId, CallId, KnowledgeBaseId, ListId, NumberId, PhoneNumber, PoolId};
use serde_json::{Map, Value, json};

use crate::reply::example;
use crate::spec::Operation;
use crate::store::{Campaign, State};

/// The objects [`Emulator::fixtures`](crate::Emulator::fixtures) created, typed as the
/// client's requests take them.
///
/// ```no_run
/// # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
/// let emulator = ringg_emulator::Emulator::start().await?;
/// let fixtures = emulator.fixtures().await;
/// let agent = emulator.client().assistants().get(fixtures.agent_id.clone()).await?;
/// # let _ = agent; Ok(()) }
/// ```
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct Fixtures {
    /// An agent that places and answers calls, with a voice and a version.
    pub agent_id: AgentId,
    /// The agent's active version.
    pub version_id: String,
    /// A voice agents can be given.
    pub voice_id: String,
    /// A workspace number, for `from_number_id` and `number_id`.
    pub number_id: NumberId,
    /// That number itself.
    pub number: PhoneNumber,
    /// The number's pool, for `number_pool_id`.
    pub number_pool_id: PoolId,
    /// A processed knowledge base.
    pub kb_id: KnowledgeBaseId,
    /// A contact list of one row, not started.
    pub list_id: ListId,
    /// A processed large upload of one row, not started.
    pub bulk_list_id: ListId,
    /// A call that stays `registered` (it waits for a campaign slot that never opens), so it can
    /// be terminated; `None` when the call cap left no room.
    pub pending_call_id: Option<CallId>,
    /// The pending call's callee.
    pub pending_number: Option<PhoneNumber>,
    /// A completed call; `None` when the call cap left no room.
    pub completed_call_id: Option<CallId>,
    /// The start of a campaign window the emulator accepts (an hour from now), in Ringg's
    /// `DD/MM/YYYY, HH:MM` form.
    pub campaign_start_time: String,
    /// The end of that window, a day after its start.
    pub campaign_end_time: String,
}

impl Fixtures {
    /// The fixture for a request field or parameter name, as text: `agent_id`, `version_id`,
    /// `voice_id`, `number_id` and `from_number_id`, `number_pool_id`, `kb_id`, `list_id` and
    /// `campaign_id`, `bulk_list_id`, `id`, `call_id` and `parent_call_id` (the completed call),
    /// `campaign_start_time` and `campaign_end_time`. `None` for any other name.
    pub fn id_for(&self, name: &str) -> Option<String> {
        self.by_name().get(name).and_then(Value::as_str).map(str::to_string)
    }

    /// Every fixture by the field names requests use; lists (`call_ids`, `mobile_numbers`)
    /// for the pending call.
    fn by_name(&self) -> Map<String, Value> {
        let mut ids = Map::new();
        let mut put = |k: &str, v: &str| {
            ids.insert(k.to_string(), json!(v));
        };
        put("agent_id", self.agent_id.as_str());
        put("version_id", &self.version_id);
        put("voice_id", &self.voice_id);
        put("number_id", self.number_id.as_str());
        put("from_number_id", self.number_id.as_str());
        put("number_pool_id", self.number_pool_id.as_str());
        put("kb_id", self.kb_id.as_str());
        put("list_id", self.list_id.as_str());
        put("campaign_id", self.list_id.as_str());
        put("bulk_list_id", self.bulk_list_id.as_str());
        put("campaign_start_time", &self.campaign_start_time);
        put("campaign_end_time", &self.campaign_end_time);
        if let Some(done) = &self.completed_call_id {
            for k in ["id", "call_id", "parent_call_id"] {
                put(k, done.as_str());
            }
        }
        if let (Some(call), Some(number)) = (&self.pending_call_id, &self.pending_number) {
            ids.insert("call_ids".into(), json!([call.as_str()]));
            ids.insert("mobile_numbers".into(), json!([number.as_str()]));
        }
        ids
    }

    /// A spec request example made to fit the fixtures: every id field replaced by the
    /// fixtures' id, and of the mutually exclusive caller sources only one kept.
    pub fn request(&self, operation: Operation, mut example: Value) -> Value {
        fill(&self.by_name(), &mut example);
        if let Some(o) = example.as_object_mut() {
            // The caller sources of each operation, and those dropped while another one is left.
            let (sources, drop): (&[&str], &[&str]) = match operation {
                Operation::CallingInitiate => (&["from_number_id", "from_number"], &["from_number"]),
                Operation::CallingInitiateFromPool => {
                    (&["number_pool_id", "from_number_id", "from_number"], &["from_number_id", "from_number"])
                }
                Operation::CampaignsStartCalls => (&["from_numbers", "number_pool_id"], &["number_pool_id"]),
                _ => (&[], &[]),
            };
            for k in drop {
                if sources.iter().any(|s| s != k && o.contains_key(*s)) {
                    o.remove(*k);
                }
            }
        }
        example
    }

    /// A file fitting an upload field of an operation: a CSV of one contact for campaigns, a
    /// short WAV for speech-to-text, a text file for knowledge bases.
    pub fn upload(&self, operation: Operation, _field: &str) -> ringg::Upload {
        let name = operation.name();
        if name.starts_with("campaigns.") {
            ringg::Upload::from_bytes("callee_name,mobile_number\nAda,+919876543210\n", "contacts.csv")
        } else if name.starts_with("speech.") {
            let mut wav = b"RIFF\x24\x00\x00\x00WAVEfmt ".to_vec();
            wav.extend_from_slice(&[0; 32]);
            ringg::Upload::from_bytes(wav, "hello.wav")
        } else {
            ringg::Upload::from_bytes("Q: Opening hours? A: 9 to 5.", "faq.txt")
        }
    }
}

/// Replaces every id field of `v` by the fixture of the same name.
fn fill(ids: &Map<String, Value>, v: &mut Value) {
    match v {
        Value::Object(o) => {
            for (k, x) in o.iter_mut() {
                match ids.get(k) {
                    Some(id) if x.is_string() && id.is_string() => *x = id.clone(),
                    Some(id) if x.is_array() && id.is_array() => *x = id.clone(),
                    _ => fill(ids, x),
                }
            }
        }
        Value::Array(a) => a.iter_mut().for_each(|x| fill(ids, x)),
        _ => {}
    }
}

/// Creates the fixtures in the store.
pub(crate) fn create(st: &mut State) -> Fixtures {
    let text = |v: &Value| v.as_str().unwrap_or_default().to_string();
    let agent_example = example("AgentDetailResponse");
    let voice = st.voices.first().map(|v| v["id"].clone()).unwrap_or(Value::Null);
    let body = json!({
        "agent_name": agent_example["agents"]["agent_display_name"], "introduction_and_objective": "Remind customers of payments.",
        "response_guidelines": "Be brief.", "task": "Confirm the payment date.", "primary_language": agent_example["agents"]["language"],
        "voice_id": voice, "intro_message": agent_example["agents"]["agent_config"]["intro_message"], "agent_type": "outbound_inbound",
    });
    let _ = crate::handlers::create_agent(st, &body);
    let agent = st.agents.last().cloned().unwrap_or(Value::Null);
    let agent_id = text(&agent["id"]);
    let number = st.numbers.first().cloned().unwrap_or(Value::Null);
    let kb = st.new_id();
    let now = st.now();
    st.kbs.push(json!({ "kb_id": kb, "kb_name": "Fixture FAQ", "status": "completed", "created_at": now, "updated_at": now, "files": [], "urls": [], "faqs": [] }));
    let row: Map<String, Value> =
        json!({ "callee_name": "Ada", "mobile_number": "+919876543210" }).as_object().cloned().unwrap_or_default();
    let mut lists = Vec::new();
    for large in [false, true] {
        let id = st.new_id();
        let created_ms = st.now_ms;
        st.campaigns.push(Campaign {
            id: id.clone(),
            name: if large { "Fixture upload" } else { "Fixture list" }.into(),
            agent_id: agent_id.clone(),
            rows: vec![row.clone()],
            failed_rows: 0,
            created_ms,
            start_time: None,
            end_time: None,
            window: (None, None),
            started: false,
            large,
            deleted: false,
            upload_status: "ready",
            concurrency: 1,
            calls: Vec::new(),
        });
        lists.push(id);
    }
    // A campaign window that opens in an hour and lasts a day.
    let opens = st.now_ms.saturating_add(3_600_000);
    let from = number["number"].as_str().unwrap_or("+10000000000").to_string();
    // The calls count against the call cap; with too small a cap they are left out.
    let mut pending = None;
    if let Ok(i) = st.add_call(&agent_id, "Grace", "+919812345678", &from, Map::new(), None, 60_000) {
        // The pending call stays `registered`: it waits for a campaign slot that never opens.
        st.calls[i].queued = true;
        pending = Some((CallId::new(st.calls[i].id.clone()), PhoneNumber::new(st.calls[i].to.clone())));
    }
    let mut completed = None;
    if let Ok(i) = st.add_call(&agent_id, "Ada", "+919876543210", &from, Map::new(), None, 60_000) {
        let c = &mut st.calls[i];
        c.queued = true;
        c.status = "completed";
        c.sub_status = "ACCEPTED";
        c.duration_s = 45.0;
        c.cost = 1.0;
        c.attempt_ms = Some(c.created_ms);
        completed = Some(CallId::new(c.id.clone()));
    }
    st.rev += 1;
    let [list_id, bulk_list_id] = [lists[0].clone(), lists[1].clone()];
    Fixtures {
        agent_id: AgentId::new(agent_id),
        version_id: text(&agent["active_agent_version_id"]),
        voice_id: text(&voice),
        number_id: NumberId::new(text(&number["id"])),
        number: PhoneNumber::new(from),
        number_pool_id: PoolId::new(text(&number["number_pool_id"])),
        kb_id: KnowledgeBaseId::new(kb),
        list_id: ListId::new(list_id),
        bulk_list_id: ListId::new(bulk_list_id),
        pending_number: pending.as_ref().map(|(_, n)| n.clone()),
        pending_call_id: pending.map(|(c, _)| c),
        completed_call_id: completed,
        campaign_start_time: crate::time::campaign_format(opens),
        campaign_end_time: crate::time::campaign_format(opens.saturating_add(86_400_000)),
    }
}
