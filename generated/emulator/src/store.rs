//! The store: the workspace, agents, calls, campaigns, uploads, knowledge bases and
//! deliveries, and the queue of timed events. What happens to them over time is in
//! `lifecycle.rs`; how the API shows them is in `views.rs`.
//!
//! State is held as the JSON the API shows where the API's own shapes are the natural store
//! (agents, numbers, users, voices, knowledge bases), and in small structs where behaviour
//! depends on it (calls, campaigns).

use std::cmp::Reverse;
use std::collections::{BinaryHeap, HashMap, VecDeque};

use serde_json::{Map, Value, json};

use crate::reply::{example, response_example, s};
use crate::spec::Operation;
use crate::staging::{CallOutcome, Fault};

mod snapshot;

/// How a call that reaches its callee goes on, in emulator seconds.
pub(crate) const DIAL_AFTER_MS: u64 = 2_000;

/// From dialling to the callee answering (or not).
pub(crate) const ANSWER_AFTER_MS: u64 = 3_000;

/// Length of a completed conversation.
pub(crate) const TALK_MS: u64 = 45_000;

/// Length of a voicemail before the agent hangs up.
pub(crate) const VOICEMAIL_MS: u64 = 10_000;

/// When a retried call is dialled again, unless its call config says otherwise (minutes).
pub(crate) const RETRY_DEFAULT_MIN: u64 = 30;

/// After a call ends: recording, analyses, everything.
pub(crate) const POST_STEPS_MS: [u64; 3] = [5_000, 10_000, 15_000];

/// Webhook retry delays after the first attempt (Ringg's: 10 s, 1 min, 2 min).
pub(crate) const WEBHOOK_RETRY_MS: [u64; 3] = [10_000, 60_000, 120_000];

/// The `event_type` of a per-call status callback's delivery.
pub(crate) const CALLBACK_EVENT: &str = "callback";

/// Knowledge-base ingestion and large-upload processing steps.
pub(crate) const PROCESSING_STEP_MS: u64 = 5_000;

/// A status, one of a fixed set of texts (saved as text, read back into the set).
pub(crate) type Label = &'static str;

/// Settings fixed at start.
#[derive(Debug, Clone)]
pub(crate) struct Config {
    pub max_calls: usize,
    pub credits_per_minute: f64,
    pub campaign_concurrency: usize,
    /// Finished deliveries kept for `Emulator::deliveries` (the oldest are dropped).
    pub delivery_record: usize,
    /// The starting credit balance (`None`: the spec example's).
    pub credits: Option<f64>,
}

/// One call attempt chain.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub(crate) struct Call {
    pub id: String,
    pub agent_id: String,
    pub name: String,
    pub to: String,
    pub from: String,
    #[serde(with = "snapshot::interned")]
    pub status: Label,
    #[serde(with = "snapshot::interned")]
    pub sub_status: Label,
    pub created_ms: u64,
    pub attempt_ms: Option<u64>,
    pub duration_s: f64,
    pub cost: f64,
    pub outcome: CallOutcome,
    pub custom_args: Map<String, Value>,
    pub bulk_list_id: Option<String>,
    pub campaign: Option<usize>,
    pub retry_count: u32,
    pub retry_delay_ms: u64,
    pub voicemail: bool,
    /// Waits for a free campaign slot before it is dialled.
    pub queued: bool,
    /// The per-call status callback given at initiation, if any.
    pub callback: Option<Callback>,
}

/// A per-call status callback (`callback_url` with `callback_args`): Ringg POSTs the call's
/// state to it on every status change, separately from subscribed webhooks.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub(crate) struct Callback {
    /// `callback_url` with `callback_args.params` added to its query string.
    pub url: String,
    /// `callback_args.headers`, sent as they are; Ringg adds no `Content-Type` of its own.
    pub headers: Vec<(String, String)>,
}

impl Call {
    /// Registered or waiting to retry: not yet talking, so it can be cancelled.
    pub fn pending(&self) -> bool {
        matches!(self.status, "registered" | "retry")
    }

    /// Reached a final state.
    pub fn settled(&self) -> bool {
        matches!(self.status, "completed" | "failed" | "cancelled" | "error")
    }
}

/// A contact list (campaign) or a large upload.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub(crate) struct Campaign {
    pub id: String,
    pub name: String,
    pub agent_id: String,
    pub rows: Vec<Map<String, Value>>,
    pub failed_rows: usize,
    pub created_ms: u64,
    pub start_time: Option<String>,
    pub end_time: Option<String>,
    /// The campaign window, in emulator milliseconds: nothing is dialled before its start,
    /// and calls still waiting at its end fail with `CAMPAIGN_TIME_EXCEEDED`.
    pub window: (Option<u64>, Option<u64>),
    pub started: bool,
    pub large: bool,
    /// Deleted through `DELETE /calling/contact/{list_id}`; kept so indices stay valid.
    pub deleted: bool,
    /// Large uploads: `uploaded`, `verifying`, `processing`, `ready`, then `completed`.
    #[serde(with = "snapshot::interned")]
    pub upload_status: Label,
    pub concurrency: usize,
    pub calls: Vec<usize>,
}

/// A timed event.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, serde::Serialize, serde::Deserialize)]
pub(crate) enum Event {
    Dial(usize),
    Answer(usize),
    End(usize),
    After(usize, u8),
    Kb(usize),
    Upload(usize),
    Deliver(u64),
    /// A campaign's window opens or closes: dial or give up its waiting calls.
    Campaign(usize),
}

/// A webhook delivery: one event to one subscribed URL, with its attempts.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub(crate) struct Job {
    /// Creation order, for listing.
    pub id: u64,
    pub event_type: String,
    pub call_id: String,
    pub url: String,
    pub method: String,
    pub headers: Vec<(String, String)>,
    pub body: Value,
    pub attempts: u32,
    pub last_status: Option<u16>,
    pub last_error: Option<String>,
    pub done: bool,
    /// Whether the delivery adds `Content-Type: application/json` itself: subscribed webhooks
    /// do; per-call callbacks send only the headers the caller gave.
    pub json_header: bool,
}

/// Everything the emulator holds.
pub(crate) struct State {
    pub now_ms: u64,
    /// What every id and generated key derives from: the builder's seed, or a random value.
    seed: u64,
    counter: u64,
    keys: u64,
    event_seq: u64,
    pub key: String,
    pub config: Config,
    pub workspace: Value,
    pub workspaces: Value,
    pub credits: f64,
    pub users: Vec<Value>,
    pub numbers: Vec<Value>,
    pub voices: Vec<Value>,
    pub agents: Vec<Value>,
    pub calls: Vec<Call>,
    pub campaigns: Vec<Campaign>,
    pub kbs: Vec<Value>,
    pub events: BinaryHeap<Reverse<(u64, u64, Event)>>,
    pub outcomes: HashMap<String, CallOutcome>,
    pub default_outcome: CallOutcome,
    /// Deliveries not finished yet, by id.
    pub jobs: HashMap<u64, Job>,
    next_job: u64,
    /// The last finished deliveries, oldest first, at most `config.delivery_record`.
    pub finished: VecDeque<Job>,
    /// Agents deleted while calls of theirs may still be running: their subscriptions still
    /// receive those calls' events.
    pub retired_agents: Vec<Value>,
    /// Faults waiting per operation, in order, as runs of one fault and how many requests it
    /// meets: memory stays small whatever the count.
    pub faults: HashMap<Operation, VecDeque<(Fault, usize)>>,
    /// Bumped by every change to calls or agents; rendered history rows carry the revision
    /// they were rendered at and are rendered again once it moved on.
    pub rev: u64,
    /// Each call's history row as JSON text, with its revision.
    pub rows: Vec<(u64, String)>,
}

fn list_at(v: &Value, key: &str) -> Vec<Value> {
    v.get(key).and_then(Value::as_array).cloned().unwrap_or_default()
}

impl State {
    /// A fresh workspace seeded from the spec's examples.
    pub fn new(key: String, seed: u64, now_ms: u64, credits: Option<f64>, config: Config) -> State {
        let mut workspace =
            response_example(Operation::WorkspaceGet).get("workspace_info").cloned().unwrap_or_else(|| json!({}));
        let seeded_credits = workspace.get("credits").and_then(Value::as_f64).unwrap_or(1000.0);
        if let Some(obj) = workspace.as_object_mut() {
            obj.remove("api_key");
        }
        let mut st = State {
            now_ms,
            seed,
            counter: 0,
            keys: 0,
            event_seq: 0,
            key,
            config,
            workspace,
            workspaces: response_example(Operation::WorkspaceList),
            credits: credits.unwrap_or(seeded_credits),
            users: list_at(&response_example(Operation::WorkspaceUsers), "workspace_users"),
            numbers: list_at(&response_example(Operation::NumbersList), "workspace_numbers"),
            voices: list_at(&response_example(Operation::VoicesList), "voices"),
            agents: Vec::new(),
            calls: Vec::new(),
            campaigns: Vec::new(),
            kbs: Vec::new(),
            events: BinaryHeap::new(),
            outcomes: HashMap::new(),
            default_outcome: CallOutcome::Completed,
            jobs: HashMap::new(),
            next_job: 0,
            finished: VecDeque::new(),
            retired_agents: Vec::new(),
            faults: HashMap::new(),
            rev: 1,
            rows: Vec::new(),
        };
        if st.voices.is_empty() {
            st.voices = list_at(&example("VoiceList"), "voices");
        }
        st
    }

    /// Back to the state of a fresh start (before seeding): the same key, seed, settings and
    /// time, nothing staged. The id, key, event and delivery counters carry on, so no id
    /// repeats and an attempt still running from before cannot land on a new delivery.
    pub(crate) fn reset(&mut self) {
        let mut fresh = State::new(self.key.clone(), self.seed, self.now_ms, self.config.credits, self.config.clone());
        fresh.counter = self.counter;
        fresh.keys = self.keys;
        fresh.event_seq = self.event_seq;
        fresh.next_job = self.next_job;
        fresh.rev = self.rev.wrapping_add(1);
        *self = fresh;
    }

    /// A UUID-shaped id (version 4 layout) from the seed and a counter: the same seed gives the
    /// same ids in the same order, and different seeds give unrelated ids.
    pub fn new_id(&mut self) -> String {
        self.counter = self.counter.wrapping_add(1);
        uuid_text(self.seed, ID_STREAM, self.counter)
    }

    /// Queues `fault` for the next `times` requests to `op`, after those already waiting.
    pub fn push_fault(&mut self, op: Operation, fault: Fault, times: usize) {
        if times == 0 {
            return;
        }
        let queue = self.faults.entry(op).or_default();
        match queue.back_mut() {
            Some((last, n)) if *last == fault => *n = n.saturating_add(times),
            _ => queue.push_back((fault, times)),
        }
    }

    /// The fault the next request to `op` meets, if one waits; it is used up.
    pub fn take_fault(&mut self, op: Operation) -> Option<Fault> {
        let queue = self.faults.get_mut(&op)?;
        let (fault, n) = queue.front_mut()?;
        let fault = *fault;
        *n = n.saturating_sub(1);
        if *n == 0 {
            queue.pop_front();
        }
        Some(fault)
    }

    /// How many requests to `op` faults wait for.
    pub fn faults_waiting(&self, op: Operation) -> usize {
        self.faults.get(&op).map_or(0, |q| q.iter().fold(0, |sum, (_, n)| sum.saturating_add(*n)))
    }

    /// Stores a new delivery and returns its id.
    pub fn push_job(&mut self, mut job: Job) -> u64 {
        self.next_job += 1;
        job.id = self.next_job;
        self.jobs.insert(job.id, job);
        self.next_job
    }

    /// A new API key, `rk_emu_` and 32 hex digits, from a stream of its own, so that choosing
    /// a key does not change the ids.
    pub fn new_key(&mut self) -> String {
        self.keys = self.keys.wrapping_add(1);
        format!("rk_emu_{}", uuid_text(self.seed, KEY_STREAM, self.keys).replace('-', ""))
    }

    /// The current time as text.
    pub fn now(&self) -> String {
        crate::time::format(self.now_ms)
    }

    pub fn schedule(&mut self, at_ms: u64, event: Event) {
        self.event_seq += 1;
        self.events.push(Reverse((at_ms, self.event_seq, event)));
    }

    /// When the next event is due.
    pub fn next_due(&self) -> Option<u64> {
        self.events.peek().map(|Reverse((at, _, _))| *at)
    }

    pub fn agent(&self, id: &str) -> Option<&Value> {
        self.agents.iter().find(|a| a["id"] == id)
    }

    pub fn agent_mut(&mut self, id: &str) -> Option<&mut Value> {
        self.agents.iter_mut().find(|a| a["id"] == id)
    }

    /// The outcome for a callee: set for the number, else the default.
    pub fn outcome_for(&self, number: &str) -> CallOutcome {
        self.outcomes.get(number).copied().unwrap_or(self.default_outcome)
    }

    /// An agent, or one deleted while its calls were running.
    pub fn agent_or_retired(&self, id: &str) -> Option<&Value> {
        self.agent(id).or_else(|| self.retired_agents.iter().rev().find(|a| a["id"] == id))
    }
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

/// The stream of ids of a seed.
const ID_STREAM: u64 = 0x1d5;
/// The stream of API keys of a seed.
const KEY_STREAM: u64 = 0x4be7;

/// SplitMix64's finaliser: every input bit affects every output bit.
fn mix(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// The `n`th value of a seed's stream as a UUID: 122 bits of two mixes, version 4 layout.
fn uuid_text(seed: u64, stream: u64, n: u64) -> String {
    let a = mix(mix(seed ^ stream.wrapping_mul(0x9e37_79b9_7f4a_7c15)).wrapping_add(n));
    let b = mix(a ^ mix(n.wrapping_add(stream)));
    format!(
        "{:08x}-{:04x}-4{:03x}-{:04x}-{:012x}",
        a >> 32,
        (a >> 16) & 0xffff,
        a & 0xfff,
        0x8000 | ((b >> 48) & 0x3fff),
        b & 0xffff_ffff_ffff
    )
}

/// A seed no other run picks: std's per-process random hash keys, the time and the process.
pub(crate) fn random_seed() -> u64 {
    use std::hash::BuildHasher as _;
    let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_nanos());
    std::collections::hash_map::RandomState::new().hash_one((nanos, std::process::id()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_of_different_seeds_share_no_prefix_and_keys_do_not_shift_ids() {
        let ids = |seed: u64| (1..=50).map(|n| uuid_text(seed, ID_STREAM, n)).collect::<Vec<_>>();
        let (one, two) = (ids(1), ids(2));
        for a in &one {
            assert!(two.iter().all(|b| a[..8] != b[..8]), "{a} shares a prefix with an id of seed 2");
        }
        assert_eq!(ids(1), one, "the same seed gives the same ids");
        let mut unique = one.clone();
        unique.sort();
        unique.dedup();
        assert_eq!(unique.len(), one.len());
        assert_ne!(random_seed(), random_seed());
    }

    #[test]
    fn faults_are_kept_as_counted_runs_and_used_up_in_order() {
        let config = Config {
            max_calls: 1,
            credits_per_minute: 1.0,
            campaign_concurrency: 1,
            delivery_record: 1,
            credits: None,
        };
        let mut st = State::new("k".into(), 1, 0, None, config);
        let op = Operation::CallingInitiate;
        st.push_fault(op, Fault::Drop, 2);
        st.push_fault(op, Fault::Drop, usize::MAX);
        st.push_fault(op, Fault::ReplyLost, 1);
        st.push_fault(op, Fault::Status(503), 0);
        assert_eq!(st.faults[&op].len(), 2, "equal faults in a row are one run; zero times adds nothing");
        assert_eq!(st.faults_waiting(op), usize::MAX);
        assert_eq!(st.take_fault(op), Some(Fault::Drop));
        st.faults.get_mut(&op).unwrap()[0].1 = 1;
        assert_eq!(st.take_fault(op), Some(Fault::Drop));
        assert_eq!(st.take_fault(op), Some(Fault::ReplyLost));
        assert_eq!((st.take_fault(op), st.take_fault(Operation::WorkspaceGet)), (None, None));
    }
}
