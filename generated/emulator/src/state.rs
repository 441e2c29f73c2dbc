//! The store and the clock: the workspace, agents, calls, campaigns, uploads and knowledge
//! bases, and the queue of timed events that moves calls through their lifecycle.
//!
//! State is held as the JSON the API shows where the API's own shapes are the natural store
//! (agents, numbers, users, voices, knowledge bases), and in small structs where behaviour
//! depends on it (calls, campaigns). Responses are built from it in `handlers.rs`.

use std::cmp::Reverse;
use std::collections::{BinaryHeap, HashMap, VecDeque};

use serde_json::{Map, Value, json};

use crate::{Fault, Outcome};

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

/// Settings fixed at start.
#[derive(Debug, Clone)]
pub(crate) struct Config {
    pub max_calls: usize,
    pub credits_per_minute: f64,
    pub campaign_concurrency: usize,
    /// Finished deliveries kept for `Emulator::deliveries` (the oldest are dropped).
    pub delivery_record: usize,
}

/// One call attempt chain.
#[derive(Debug, Clone)]
pub(crate) struct Call {
    pub id: String,
    pub agent_id: String,
    pub name: String,
    pub to: String,
    pub from: String,
    pub status: &'static str,
    pub sub_status: &'static str,
    pub created_ms: u64,
    pub attempt_ms: Option<u64>,
    pub duration_s: f64,
    pub cost: f64,
    pub outcome: Outcome,
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
#[derive(Debug, Clone)]
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
#[derive(Debug, Clone)]
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
    pub upload_status: &'static str,
    pub concurrency: usize,
    pub calls: Vec<usize>,
}

/// A timed event.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
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
#[derive(Debug, Clone)]
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
    seed: u64,
    counter: u64,
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
    pub outcomes: HashMap<String, Outcome>,
    pub default_outcome: Outcome,
    /// Deliveries not finished yet, by id.
    pub jobs: HashMap<u64, Job>,
    next_job: u64,
    /// The last finished deliveries, oldest first, at most `config.delivery_record`.
    pub finished: VecDeque<Job>,
    /// Agents deleted while calls of theirs may still be running: their subscriptions still
    /// receive those calls' events.
    pub retired_agents: Vec<Value>,
    pub faults: HashMap<&'static str, Vec<Fault>>,
    /// Bumped by every change to calls or agents; rendered history rows carry the revision
    /// they were rendered at and are rendered again once it moved on.
    pub rev: u64,
    /// Each call's history row as JSON text, with its revision.
    pub rows: Vec<(u64, String)>,
}

/// The spec's first example of a type or an endpoint's response.
pub(crate) fn example(name: &str) -> Value {
    crate::spec::TYPE_EXAMPLES
        .iter()
        .chain(crate::spec::EXAMPLES)
        .find(|(n, _)| *n == name)
        .and_then(|(_, text)| serde_json::from_str(text).ok())
        .unwrap_or(Value::Null)
}

fn list_at(v: &Value, key: &str) -> Vec<Value> {
    v.get(key).and_then(Value::as_array).cloned().unwrap_or_default()
}

impl State {
    /// A fresh workspace seeded from the spec's examples.
    pub fn new(key: String, seed: u64, now_ms: u64, credits: Option<f64>, config: Config) -> State {
        let mut workspace = example("workspace.get").get("workspace_info").cloned().unwrap_or_else(|| json!({}));
        let seeded_credits = workspace.get("credits").and_then(Value::as_f64).unwrap_or(1000.0);
        if let Some(obj) = workspace.as_object_mut() {
            obj.remove("api_key");
        }
        let mut st = State {
            now_ms,
            seed,
            counter: 0,
            event_seq: 0,
            key,
            config,
            workspace,
            workspaces: example("workspace.list"),
            credits: credits.unwrap_or(seeded_credits),
            users: list_at(&example("workspace.users"), "workspace_users"),
            numbers: list_at(&example("numbers.list"), "workspace_numbers"),
            voices: list_at(&example("voices.list"), "voices"),
            agents: Vec::new(),
            calls: Vec::new(),
            campaigns: Vec::new(),
            kbs: Vec::new(),
            events: BinaryHeap::new(),
            outcomes: HashMap::new(),
            default_outcome: Outcome::Completed,
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

    /// A deterministic UUID-shaped id: the same seed gives the same ids in the same order.
    pub fn new_id(&mut self) -> String {
        self.counter += 1;
        let mut h: u64 = 0xcbf2_9ce4_8422_2325 ^ self.seed;
        let mut next = || {
            for b in self.counter.to_le_bytes() {
                h ^= u64::from(b);
                h = h.wrapping_mul(0x0100_0000_01b3);
            }
            h = h.rotate_left(17) ^ (h >> 7);
            h
        };
        let (a, b) = (next(), next());
        format!(
            "{:08x}-{:04x}-4{:03x}-{:04x}-{:012x}",
            a >> 32,
            (a >> 16) & 0xffff,
            a & 0xfff,
            0x8000 | ((b >> 48) & 0x3fff),
            b & 0xffff_ffff_ffff
        )
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
    fn outcome_for(&self, number: &str) -> Outcome {
        self.outcomes.get(number).copied().unwrap_or(self.default_outcome)
    }

    /// Stores a new call in `registered` and, unless it waits for a campaign slot, schedules
    /// its dialling. `Err` when the store is full.
    #[allow(clippy::too_many_arguments)]
    pub fn add_call(
        &mut self,
        agent_id: &str,
        name: &str,
        to: &str,
        from: &str,
        custom_args: Map<String, Value>,
        campaign: Option<usize>,
        retry_delay_ms: u64,
    ) -> Result<usize, String> {
        if self.calls.len() >= self.config.max_calls {
            return Err(format!(
                "the emulator stores at most {} calls and is full; start it with a higher max_calls \
                 (EmulatorBuilder::max_calls or --max-calls)",
                self.config.max_calls
            ));
        }
        let id = self.new_id();
        let queued = campaign.is_some();
        let call = Call {
            id,
            agent_id: agent_id.to_string(),
            name: name.to_string(),
            to: to.to_string(),
            from: from.to_string(),
            status: "registered",
            sub_status: "QUEUED",
            created_ms: self.now_ms,
            attempt_ms: None,
            duration_s: 0.0,
            cost: 0.0,
            outcome: self.outcome_for(to),
            custom_args,
            bulk_list_id: campaign.map(|c| self.campaigns[c].id.clone()),
            campaign,
            retry_count: 0,
            retry_delay_ms,
            voicemail: false,
            queued,
            callback: None,
        };
        self.calls.push(call);
        let index = self.calls.len() - 1;
        if !queued {
            self.schedule(self.now_ms.saturating_add(DIAL_AFTER_MS), Event::Dial(index));
        }
        Ok(index)
    }

    /// Dials the queued calls of a campaign while it has free slots.
    pub fn pump_campaign(&mut self, c: usize) -> Vec<u64> {
        let (opens, closes) = self.campaigns[c].window;
        if closes.is_some_and(|end| self.now_ms >= end) {
            let waiting: Vec<usize> = self.campaigns[c]
                .calls
                .iter()
                .copied()
                .filter(|&i| self.calls[i].queued && self.calls[i].pending())
                .collect();
            let mut jobs = Vec::new();
            for i in waiting {
                let call = &mut self.calls[i];
                call.queued = false;
                call.status = "failed";
                call.sub_status = "CAMPAIGN_TIME_EXCEEDED";
                jobs.extend(self.status_callback(i));
            }
            return jobs;
        }
        if opens.is_some_and(|start| self.now_ms < start) {
            // The start scheduled an event for when the window opens.
            return Vec::new();
        }
        let active =
            self.campaigns[c].calls.iter().filter(|&&i| !self.calls[i].queued && !self.calls[i].settled()).count();
        let free = self.campaigns[c].concurrency.max(1).saturating_sub(active);
        let next: Vec<usize> = self.campaigns[c]
            .calls
            .iter()
            .copied()
            .filter(|&i| self.calls[i].queued && self.calls[i].pending())
            .take(free)
            .collect();
        for i in next {
            self.calls[i].queued = false;
            self.schedule(self.now_ms.saturating_add(DIAL_AFTER_MS), Event::Dial(i));
        }
        Vec::new()
    }

    /// Applies one event; webhook deliveries it causes become jobs for the driver.
    pub fn apply(&mut self, event: Event) -> Vec<u64> {
        let now = self.now_ms;
        match event {
            Event::Dial(i) => {
                if !self.calls[i].pending() || self.calls[i].queued {
                    return Vec::new();
                }
                let call = &mut self.calls[i];
                // `retry_count` numbers attempts from 0: the first is 0, its retry 1, ...
                if call.status == "retry" {
                    call.retry_count = call.retry_count.saturating_add(1);
                }
                call.status = "ongoing";
                call.sub_status = "ACCEPTED";
                call.attempt_ms = Some(now);
                self.schedule(now.saturating_add(ANSWER_AFTER_MS), Event::Answer(i));
                [self.notify(i, "call_started"), self.notify(i, "call_ringing"), self.status_callback(i)].concat()
            }
            Event::Answer(i) => {
                if self.calls[i].status != "ongoing" {
                    return Vec::new();
                }
                match self.calls[i].outcome {
                    Outcome::Completed => {
                        self.schedule(now.saturating_add(TALK_MS), Event::End(i));
                        self.notify(i, "call_ongoing")
                    }
                    Outcome::Voicemail => {
                        self.schedule(now.saturating_add(VOICEMAIL_MS), Event::End(i));
                        Vec::new()
                    }
                    Outcome::Failed | Outcome::Retry => self.apply(Event::End(i)),
                }
            }
            Event::End(i) => self.end_call(i),
            Event::After(i, step) => {
                let next = POST_STEPS_MS.get(usize::from(step) + 1).map(|ms| ms - POST_STEPS_MS[usize::from(step)]);
                if let Some(d) = next {
                    self.schedule(now.saturating_add(d), Event::After(i, step + 1));
                }
                match step {
                    0 => self.notify(i, "recording_completed"),
                    1 => [self.notify(i, "platform_analysis_completed"), self.notify(i, "client_analysis_completed")]
                        .concat(),
                    _ => self.notify(i, "all_processing_completed"),
                }
            }
            Event::Kb(k) => {
                let status = self.kbs[k]["status"].as_str().unwrap_or("");
                let next = match status {
                    "pending" => Some("processing"),
                    "processing" => Some("completed"),
                    _ => None,
                };
                if let Some(n) = next {
                    self.kbs[k]["status"] = json!(n);
                    self.kbs[k]["updated_at"] = json!(self.now());
                    if n != "completed" {
                        self.schedule(now.saturating_add(PROCESSING_STEP_MS), Event::Kb(k));
                    }
                }
                Vec::new()
            }
            Event::Upload(c) => {
                let next = match self.campaigns[c].upload_status {
                    "uploaded" => "verifying",
                    "verifying" => "processing",
                    "processing" => "ready",
                    other => other,
                };
                self.campaigns[c].upload_status = next;
                if matches!(next, "verifying" | "processing") {
                    self.schedule(now.saturating_add(PROCESSING_STEP_MS), Event::Upload(c));
                }
                Vec::new()
            }
            Event::Campaign(c) => self.pump_campaign(c),
            Event::Deliver(j) => {
                if self.jobs.contains_key(&j) {
                    vec![j]
                } else {
                    Vec::new()
                }
            }
        }
    }

    fn end_call(&mut self, i: usize) -> Vec<u64> {
        if self.calls[i].status != "ongoing" {
            return Vec::new();
        }
        let now = self.now_ms;
        let outcome = self.calls[i].outcome;
        let per_minute = self.config.credits_per_minute;
        let call = &mut self.calls[i];
        let started = call.attempt_ms.unwrap_or(now);
        match outcome {
            Outcome::Completed => {
                call.status = "completed";
                call.sub_status = "ACCEPTED";
                call.duration_s = now.saturating_sub(started).saturating_sub(ANSWER_AFTER_MS) as f64 / 1000.0;
                call.cost = (call.duration_s / 60.0).ceil() * per_minute;
                self.credits = (self.credits - call.cost).max(0.0);
            }
            Outcome::Voicemail => {
                call.status = "failed";
                call.sub_status = "VOICEMAIL_DETECTED";
                call.voicemail = true;
                call.duration_s = now.saturating_sub(started).saturating_sub(ANSWER_AFTER_MS) as f64 / 1000.0;
            }
            Outcome::Failed => {
                call.status = "failed";
                call.sub_status = "USER_DID_NOT_JOIN";
            }
            Outcome::Retry => {
                call.status = "retry";
                call.sub_status = "RETRY_SCHEDULED";
                // The next attempt reaches the callee.
                call.outcome = Outcome::Completed;
                let at = now.saturating_add(call.retry_delay_ms);
                self.schedule(at, Event::Dial(i));
                return [self.notify(i, "call_completed"), self.status_callback(i)].concat();
            }
        }
        let mut jobs = self.notify(i, "call_completed");
        jobs.extend(self.status_callback(i));
        if outcome == Outcome::Completed {
            self.schedule(now.saturating_add(POST_STEPS_MS[0]), Event::After(i, 0));
        } else {
            jobs.extend(self.notify(i, "all_processing_completed"));
        }
        if let Some(c) = self.calls[i].campaign {
            jobs.extend(self.pump_campaign(c));
        }
        jobs
    }

    /// Cancels a pending call.
    pub fn cancel(&mut self, i: usize) {
        let call = &mut self.calls[i];
        call.status = "cancelled";
        call.sub_status = "USER_TERMINATED";
        call.queued = false;
        if let Some(c) = call.campaign {
            for j in self.pump_campaign(c) {
                self.schedule(self.now_ms, Event::Deliver(j));
            }
        }
        self.deliver_soon(i);
    }

    /// Sets the call's per-call callback and sends it the call's first status, `registered`.
    pub fn set_callback(&mut self, i: usize, callback: Callback) {
        self.calls[i].callback = Some(callback);
        self.deliver_soon(i);
    }

    /// Queues the call's status callback, if it has one, for the next turn of the clock: for a
    /// change made by a request rather than by an event.
    fn deliver_soon(&mut self, i: usize) {
        for j in self.status_callback(i) {
            self.schedule(self.now_ms, Event::Deliver(j));
        }
    }

    /// Queues the call's per-call status callback, if it has one: the call's current state as
    /// `CallbackPayload`.
    fn status_callback(&mut self, i: usize) -> Vec<u64> {
        let Some(callback) = self.calls[i].callback.clone() else { return Vec::new() };
        let body = crate::handlers::callback_payload(self, i);
        let id = self.push_job(Job {
            id: 0,
            event_type: CALLBACK_EVENT.to_string(),
            call_id: self.calls[i].id.clone(),
            url: callback.url,
            method: "POST".to_string(),
            headers: callback.headers,
            body,
            attempts: 0,
            last_status: None,
            last_error: None,
            done: false,
            json_header: false,
        });
        vec![id]
    }

    /// Queues the event's webhook for every subscription of the call's agent that asked for it.
    fn notify(&mut self, i: usize, event_type: &str) -> Vec<u64> {
        let Some(agent) = self.agent_or_retired(&self.calls[i].agent_id) else { return Vec::new() };
        let subs = crate::handlers::subscriptions(agent);
        let wanted: Vec<Value> = subs.into_iter().filter(|s| subscribes(s, event_type)).collect();
        if wanted.is_empty() {
            return Vec::new();
        }
        let body = crate::handlers::webhook_payload(self, i, event_type);
        let mut out = Vec::new();
        for s in wanted {
            let headers = crate::handlers::text_pairs(&s["headers"]);
            let id = self.push_job(Job {
                id: 0,
                event_type: event_type.to_string(),
                call_id: self.calls[i].id.clone(),
                url: s.get("callback_url").and_then(Value::as_str).unwrap_or_default().to_string(),
                method: s.get("method_type").and_then(Value::as_str).unwrap_or("POST").to_string(),
                headers,
                body: body.clone(),
                attempts: 0,
                last_status: None,
                last_error: None,
                done: false,
                json_header: true,
            });
            out.push(id);
        }
        out
    }

    /// Stores a new delivery and returns its id.
    fn push_job(&mut self, mut job: Job) -> u64 {
        self.next_job += 1;
        job.id = self.next_job;
        self.jobs.insert(job.id, job);
        self.next_job
    }

    /// An agent, or one deleted while its calls were running.
    pub fn agent_or_retired(&self, id: &str) -> Option<&Value> {
        self.agent(id).or_else(|| self.retired_agents.iter().rev().find(|a| a["id"] == id))
    }

    /// Records one delivery attempt made at `at_ms` and schedules the next one when it failed
    /// and retries are left. A finished delivery moves to the bounded record.
    pub fn record_attempt(&mut self, j: u64, result: Result<u16, String>, at_ms: u64) {
        let Some(job) = self.jobs.get_mut(&j) else { return };
        job.attempts += 1;
        let ok = matches!(result, Ok(s) if (200..300).contains(&s));
        match result {
            Ok(s) => {
                job.last_status = Some(s);
                job.last_error = None;
            }
            Err(e) => {
                job.last_status = None;
                job.last_error = Some(e);
            }
        }
        let retry = if ok { None } else { WEBHOOK_RETRY_MS.get(job.attempts as usize - 1).copied() };
        match retry {
            Some(delay) => self.schedule(at_ms.saturating_add(delay), Event::Deliver(j)),
            None => {
                if let Some(mut job) = self.jobs.remove(&j) {
                    job.done = true;
                    if self.config.delivery_record > 0 {
                        if self.finished.len() >= self.config.delivery_record {
                            self.finished.pop_front();
                        }
                        self.finished.push_back(job);
                    }
                }
            }
        }
    }
}

/// Whether a subscription's `event_type` (one string or a list) names the event.
fn subscribes(sub: &Value, event_type: &str) -> bool {
    match sub.get("event_type") {
        Some(Value::String(s)) => s == event_type,
        Some(Value::Array(a)) => a.iter().any(|v| v == event_type),
        _ => false,
    }
}
