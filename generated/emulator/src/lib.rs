//! A stateful local emulator of the Ringg AI API, for testing integrations without placing
//! real calls.
//!
//! It answers every endpoint of the spec from memory: agents, calls, campaigns and knowledge
//! bases persist between requests; calls move from `registered` to `ongoing` to an outcome on a
//! clock the test controls; webhooks are posted to the URLs agents subscribe. Routes,
//! validation schemas, examples and webhook payload shapes are generated from the same spec as
//! the `ringg` client, so the two cannot drift.
//!
//! ```no_run
//! # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
//! use std::time::Duration;
//! let emulator = ringg_emulator::Emulator::start().await?;
//! let client = emulator.client();
//! let workspace = client.workspace().get().await?;
//! emulator.advance(Duration::from_secs(60)).await;
//! # let _ = workspace; Ok(()) }
//! ```

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;

use serde_json::{Map, Value, json};

mod analytics;
mod edit;
mod handlers;
mod multipart;
mod routes;
mod server;
#[rustfmt::skip]
mod spec;
mod state;
mod time;
mod validate;
mod webhooks;

use server::Shared;
use state::{Config, State};

/// How a call ends, chosen by the test per callee number or for all calls.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Outcome {
    /// Answered; a 45-second conversation; `completed`, with transcript, recording and
    /// analyses, and credits used.
    Completed,
    /// Not answered: `failed` (`USER_DID_NOT_JOIN`).
    Failed,
    /// Not answered this time: `retry`, then dialled again after the agent's
    /// `retry_not_picked` minutes (30 by default), when it completes.
    Retry,
    /// A voicemail answered: `failed` with `VOICEMAIL_DETECTED` and `voicemail_detected`.
    Voicemail,
}

/// A fault for the next requests to one endpoint.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fault {
    /// 429 with `Retry-After` in seconds.
    RateLimited {
        /// Seconds in the `Retry-After` header.
        retry_after: u32,
    },
    /// This status with an error body (500, 503, ...).
    Status(u16),
    /// Wait this long (real time) before handling the request normally.
    Stall(Duration),
    /// Close the connection without answering, after reading the request.
    Drop,
}

/// The clock calls move on.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Clock {
    /// Moves only when the test calls [`Emulator::advance`] or [`Emulator::settle`].
    Manual,
    /// Follows the real clock, `speed` emulator seconds per real second.
    Real {
        /// Emulator seconds per real second (1.0 is real time).
        speed: f64,
    },
}

/// One webhook delivery: an event for one subscribed URL, after its last attempt.
#[derive(Debug, Clone, PartialEq)]
pub struct Delivery {
    /// The event (`call_completed`, ...), or `callback` for a per-call status callback (the
    /// `callback_url` given when the call was placed; its body is a `CallbackPayload`).
    pub event_type: String,
    /// The call it is about.
    pub call_id: String,
    /// Where it went.
    pub url: String,
    /// The subscription's headers (or the callback's `callback_args.headers`), as sent.
    pub headers: Vec<(String, String)>,
    /// The payload.
    pub body: Value,
    /// Attempts made (1 plus retries).
    pub attempts: u32,
    /// The receiver's last status, if it answered.
    pub status: Option<u16>,
    /// Why the last attempt failed, if it did not get an answer.
    pub error: Option<String>,
}

/// Settings for a customised start, from [`Emulator::builder`].
#[derive(Debug, Clone)]
pub struct EmulatorBuilder {
    api_key: Option<String>,
    seed: u64,
    credits: Option<f64>,
    max_calls: usize,
    credits_per_minute: f64,
    campaign_concurrency: usize,
    clock: Clock,
    port: u16,
    start_ms: Option<u64>,
    check_responses: bool,
    header_read_timeout: Duration,
    body_read_timeout: Duration,
    max_bytes_in_flight: usize,
    delivery_timeout: Duration,
    delivery_record: usize,
}

impl Default for EmulatorBuilder {
    fn default() -> Self {
        EmulatorBuilder {
            api_key: None,
            seed: 1,
            credits: None,
            max_calls: 10_000,
            credits_per_minute: 1.0,
            campaign_concurrency: 2,
            clock: Clock::Manual,
            port: 0,
            start_ms: None,
            check_responses: false,
            header_read_timeout: Duration::from_secs(30),
            body_read_timeout: Duration::from_secs(60),
            max_bytes_in_flight: 64 * 1024 * 1024,
            delivery_timeout: Duration::from_secs(30),
            delivery_record: 1_000,
        }
    }
}

impl EmulatorBuilder {
    /// The API key clients must send; by default one derived from the seed.
    pub fn api_key(mut self, key: impl Into<String>) -> Self {
        self.api_key = Some(key.into());
        self
    }

    /// The seed of every generated id (default 1): the same seed gives the same ids.
    pub fn seed(mut self, seed: u64) -> Self {
        self.seed = seed;
        self
    }

    /// The starting credit balance (default: the spec example's, 3025).
    pub fn credits(mut self, credits: f64) -> Self {
        self.credits = Some(credits);
        self
    }

    /// Credits a completed call uses per started minute (default 1).
    pub fn credits_per_minute(mut self, credits: f64) -> Self {
        self.credits_per_minute = credits;
        self
    }

    /// Most calls the emulator stores (default 10,000). Placing one more answers 400.
    pub fn max_calls(mut self, max: usize) -> Self {
        self.max_calls = max;
        self
    }

    /// How many calls of one campaign ring at once (default 2).
    pub fn campaign_concurrency(mut self, n: usize) -> Self {
        self.campaign_concurrency = n.max(1);
        self
    }

    /// The clock (default [`Clock::Manual`]).
    pub fn clock(mut self, clock: Clock) -> Self {
        self.clock = clock;
        self
    }

    /// The port on 127.0.0.1 (default 0: a free one).
    pub fn port(mut self, port: u16) -> Self {
        self.port = port;
        self
    }

    /// Emulator time at start, in milliseconds since the Unix epoch (default: 2026-03-01
    /// 09:00 UTC on the manual clock, now on the real one).
    pub fn start_time_ms(mut self, ms: u64) -> Self {
        self.start_ms = Some(ms);
        self
    }

    /// Checks every JSON success the emulator sends against the response schema the spec gives
    /// the endpoint (the schemas of `generated/openapi.yaml`); see
    /// [`Emulator::conformance_problems`]. Off by default: it costs time per request.
    ///
    /// Independently of this, when the `RINGG_EMULATOR_RECORD` environment variable names a
    /// file at start, every JSON success is appended to it as a line
    /// `{"operation": ..., "body": ...}`; CI checks those with an independent validator.
    pub fn check_responses(mut self, on: bool) -> Self {
        self.check_responses = on;
        self
    }

    /// How long a client may take to send a request's line and headers (default 30 s); slower
    /// connections are closed. It also closes keep-alive connections idle that long.
    pub fn header_read_timeout(mut self, timeout: Duration) -> Self {
        self.header_read_timeout = timeout;
        self
    }

    /// How long a client may take to send a request's body once its headers are in (default
    /// 60 s); a slower body answers 408.
    pub fn body_read_timeout(mut self, timeout: Duration) -> Self {
        self.body_read_timeout = timeout;
        self
    }

    /// Request body bytes held in memory at once over all connections (default 64 MiB, at least
    /// one largest body, 16 MiB). Requests beyond it wait for earlier ones to finish.
    pub fn max_bytes_in_flight(mut self, bytes: usize) -> Self {
        self.max_bytes_in_flight = bytes.max(server::MAX_BODY);
        self
    }

    /// How long one webhook or callback attempt may take, connecting included (default 30 s,
    /// the answer window the spec gives receivers). On the manual clock `advance` and `settle`
    /// wait for the attempts they cause, so tests with receivers that never answer can shorten
    /// it.
    pub fn delivery_timeout(mut self, timeout: Duration) -> Self {
        self.delivery_timeout = timeout;
        self
    }

    /// How many finished deliveries [`Emulator::deliveries`] and
    /// [`Emulator::failed_deliveries`] keep (default 1,000); older ones are forgotten, so a
    /// long run's memory stays flat.
    pub fn delivery_record(mut self, deliveries: usize) -> Self {
        self.delivery_record = deliveries;
        self
    }

    /// Starts the emulator.
    pub async fn start(self) -> std::io::Result<Emulator> {
        let listener = tokio::net::TcpListener::bind(("127.0.0.1", self.port)).await?;
        let addr = listener.local_addr()?;
        let start_ms = self.start_ms.unwrap_or_else(|| match self.clock {
            Clock::Manual => 1_772_355_600_000,
            Clock::Real { .. } => {
                std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_millis() as u64)
            }
        });
        let config = Config {
            max_calls: self.max_calls,
            credits_per_minute: self.credits_per_minute,
            campaign_concurrency: self.campaign_concurrency,
            delivery_record: self.delivery_record,
        };
        let mut st = State::new(String::new(), self.seed, start_ms, self.credits, config);
        st.key = self.api_key.unwrap_or_else(|| format!("rk_emu_{}", st.new_id().replace('-', "")));
        for v in handlers::seed_voices() {
            if !st.voices.iter().any(|x| x["id"] == v["id"]) {
                st.voices.push(v);
            }
        }
        handlers::seed_agent(&mut st);
        let shared = Arc::new(Shared {
            state: std::sync::Mutex::new(st),
            dispatch: Default::default(),
            idle: tokio::sync::Notify::new(),
            manual: matches!(self.clock, Clock::Manual),
            limits: server::Limits {
                header_read_timeout: self.header_read_timeout,
                body_read_timeout: self.body_read_timeout,
                in_flight: Arc::new(tokio::sync::Semaphore::new(self.max_bytes_in_flight.max(server::MAX_BODY))),
                delivery_timeout: self.delivery_timeout,
            },
            served: Default::default(),
            drive: Default::default(),
            check_responses: self.check_responses,
            conformance: Default::default(),
            record_to: std::env::var("RINGG_EMULATOR_RECORD").ok().filter(|p| !p.is_empty()),
        });
        let (stop, stopped) = tokio::sync::oneshot::channel();
        tokio::spawn(server::serve(listener, shared.clone(), stopped));
        let ticker = match self.clock {
            Clock::Manual => None,
            Clock::Real { speed } => Some(tokio::spawn(tick(shared.clone(), speed))),
        };
        Ok(Emulator { shared, addr, stop: Some(stop), ticker })
    }
}

/// Moves the emulator clock with the real one.
async fn tick(shared: Arc<Shared>, speed: f64) {
    let started = std::time::Instant::now();
    let base = shared.lock().now_ms;
    loop {
        tokio::time::sleep(Duration::from_millis(50)).await;
        // Float to integer saturates; the sum cannot overflow.
        let target = base.saturating_add((started.elapsed().as_secs_f64() * speed * 1000.0) as u64);
        run_until(&shared, target).await;
    }
}

/// Applies every event due by `target` in time order, handing the deliveries they cause to the
/// per-receiver queues, then sets the clock to `target`. Deliveries never hold up events. On
/// the manual clock it then waits for those deliveries (each bounded by the delivery timeout)
/// and applies the retries they scheduled by `target`, so what `advance` and `settle` leave
/// behind does not depend on how fast receivers answer.
async fn run_until(shared: &Arc<Shared>, target: u64) {
    let _driving = shared.drive.lock().await;
    loop {
        let batch = {
            let mut st = shared.lock();
            match st.next_due() {
                Some(at) if at <= target => {
                    let Some(std::cmp::Reverse((at, _, event))) = st.events.pop() else { continue };
                    st.now_ms = st.now_ms.max(at);
                    // A bug in one event must not stop the clock for every other call.
                    let applied = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| st.apply(event.clone())));
                    st.rev += 1;
                    match applied {
                        Ok(ids) => Some((ids, st.now_ms)),
                        Err(_) => {
                            eprintln!("ringg-emulator: BUG: applying {event:?} panicked; the event is dropped");
                            Some((Vec::new(), st.now_ms))
                        }
                    }
                }
                _ => None,
            }
        };
        match batch {
            Some((ids, at)) => webhooks::dispatch(shared, ids, at),
            None => {
                if shared.manual {
                    webhooks::idle(shared).await;
                    if shared.lock().next_due().is_some_and(|at| at <= target) {
                        continue;
                    }
                }
                let mut st = shared.lock();
                st.now_ms = st.now_ms.max(target);
                return;
            }
        }
    }
}

/// A running emulator. Dropping it stops the server.
pub struct Emulator {
    shared: Arc<Shared>,
    addr: SocketAddr,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    ticker: Option<tokio::task::JoinHandle<()>>,
}

impl Drop for Emulator {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(t) = self.ticker.take() {
            t.abort();
        }
    }
}

impl std::fmt::Debug for Emulator {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Emulator").field("addr", &self.addr).finish_non_exhaustive()
    }
}

/// The base URLs' names, for [`Emulator::url_for`].
const DEFAULT_BASE: &str = "default";

impl Emulator {
    /// Starts an emulator with default settings on a free port of 127.0.0.1, on the manual
    /// clock.
    pub async fn start() -> std::io::Result<Emulator> {
        EmulatorBuilder::default().start().await
    }

    /// Settings for a customised start.
    pub fn builder() -> EmulatorBuilder {
        EmulatorBuilder::default()
    }

    /// The address it listens on.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The URL of a base (`default`, `stt`), as a client's base URL.
    pub fn url_for(&self, base: &str) -> Option<String> {
        spec::BASE_PATHS.iter().find(|(n, _)| *n == base).map(|(_, path)| format!("http://{}{path}", self.addr))
    }

    /// The default base URL (`http://127.0.0.1:PORT/ca/api/v0`).
    pub fn base_url(&self) -> String {
        self.url_for(DEFAULT_BASE).unwrap_or_default()
    }

    /// The API key it currently accepts (it changes when a client rotates it).
    pub fn api_key(&self) -> String {
        self.shared.lock().key.clone()
    }

    /// A client pointed at the emulator with its current key.
    pub fn client(&self) -> ringg::Client {
        self.client_with_key(&self.api_key())
    }

    /// A client pointed at the emulator with another key.
    pub fn client_with_key(&self, key: &str) -> ringg::Client {
        let mut b = ringg::Client::builder().api_key(key).allow_insecure_http(true);
        for (name, _) in spec::BASE_PATHS {
            if let Some(url) = self.url_for(name) {
                b = b.base_url_for(name, url);
            }
        }
        b.build().expect("the emulator's URLs are valid base URLs")
    }

    /// Moves the clock forward, applying every call transition and webhook due meanwhile.
    pub async fn advance(&self, by: Duration) {
        let by = u64::try_from(by.as_millis()).unwrap_or(u64::MAX);
        let target = self.shared.lock().now_ms.saturating_add(by);
        run_until(&self.shared, target).await;
    }

    /// Runs the clock until nothing is scheduled any more: every call settled, every webhook
    /// delivered or given up, every upload processed. Bounded to 30 emulator days.
    pub async fn settle(&self) {
        let limit = self.shared.lock().now_ms.saturating_add(30 * 86_400_000);
        loop {
            let next = self.shared.lock().next_due();
            match next {
                Some(at) if at <= limit => run_until(&self.shared, at).await,
                _ => break,
            }
        }
        webhooks::idle(&self.shared).await;
    }

    /// Emulator time, as Ringg formats it.
    pub fn now(&self) -> String {
        self.shared.lock().now()
    }

    /// Makes calls to this number end with `outcome`.
    pub fn set_outcome(&self, number: &str, outcome: Outcome) {
        self.shared.lock().outcomes.insert(number.to_string(), outcome);
    }

    /// The outcome of calls to numbers without their own (default [`Outcome::Completed`]).
    pub fn set_default_outcome(&self, outcome: Outcome) {
        self.shared.lock().default_outcome = outcome;
    }

    /// Makes the next `times` requests to an operation (`"calling.history"`) meet `fault`.
    ///
    /// # Panics
    ///
    /// When the operation is not in the spec; the message lists those that are.
    pub fn inject(&self, operation: &str, fault: Fault, times: usize) {
        let Some(route) = spec::ROUTES.iter().find(|r| r.op == operation) else {
            let known: Vec<&str> = spec::ROUTES.iter().map(|r| r.op).collect();
            panic!("no operation `{operation}`; the operations are: {}", known.join(", "));
        };
        self.shared.lock().faults.entry(route.op).or_default().extend(std::iter::repeat_n(fault, times));
    }

    /// Every webhook delivery the receiver accepted (2xx), oldest first, of the last
    /// [`EmulatorBuilder::delivery_record`] finished ones.
    pub fn deliveries(&self) -> Vec<Delivery> {
        self.collect_deliveries(|j| j.done && j.last_status.is_some_and(|s| (200..300).contains(&s)))
    }

    /// Every webhook delivery that failed for good (all attempts used), oldest first, of the
    /// last [`EmulatorBuilder::delivery_record`] finished ones.
    pub fn failed_deliveries(&self) -> Vec<Delivery> {
        self.collect_deliveries(|j| j.done && !j.last_status.is_some_and(|s| (200..300).contains(&s)))
    }

    fn collect_deliveries(&self, pick: impl Fn(&state::Job) -> bool) -> Vec<Delivery> {
        let st = self.shared.lock();
        let mut done: Vec<&state::Job> = st.finished.iter().filter(|j| pick(j)).collect();
        // In the order the deliveries were created, however long each receiver took.
        done.sort_by_key(|j| j.id);
        done.into_iter()
            .map(|j| Delivery {
                event_type: j.event_type.clone(),
                call_id: j.call_id.clone(),
                url: j.url.clone(),
                headers: j.headers.clone(),
                body: j.body.clone(),
                attempts: j.attempts,
                status: j.last_status,
                error: j.last_error.clone(),
            })
            .collect()
    }

    /// The workspace's credit balance.
    pub fn credits(&self) -> f64 {
        self.shared.lock().credits
    }

    /// Sets the workspace's credit balance.
    pub fn set_credits(&self, credits: f64) {
        self.shared.lock().credits = credits;
    }

    /// Where responses did not fit their schema, when started with
    /// [`EmulatorBuilder::check_responses`]: one line per problem, empty when all fit.
    pub fn conformance_problems(&self) -> Vec<String> {
        self.shared.conformance.lock().unwrap_or_else(std::sync::PoisonError::into_inner).clone()
    }

    /// The validation document the emulator checks requests and responses with: the schemas
    /// of `generated/openapi.yaml` without prose, and each operation's parameters, as JSON.
    #[doc(hidden)]
    pub fn validation_document() -> &'static str {
        spec::DOCUMENT
    }

    /// Requests answered so far (faults and errors included).
    pub fn requests_served(&self) -> u64 {
        self.shared.served.load(Ordering::Relaxed)
    }

    /// Creates one of everything (an agent, a knowledge base, a contact list, a processed large
    /// upload, a pending call and a completed call, the calls only while the call cap allows)
    /// and returns their ids, so that any endpoint can be called.
    pub async fn fixtures(&self) -> Fixtures {
        let mut st = self.shared.lock();
        let mut ids = Map::new();
        let agent_example = state::example("AgentDetailResponse");
        let voice = st.voices.first().map(|v| v["id"].clone()).unwrap_or(Value::Null);
        let body = json!({
            "agent_name": agent_example["agents"]["agent_display_name"], "introduction_and_objective": "Remind customers of payments.",
            "response_guidelines": "Be brief.", "task": "Confirm the payment date.", "primary_language": agent_example["agents"]["language"],
            "voice_id": voice, "intro_message": agent_example["agents"]["agent_config"]["intro_message"], "agent_type": "outbound_inbound",
        });
        let _ = handlers::handle(
            &mut st,
            "assistants.create",
            &handlers::Req { params: &Default::default(), query: &Map::new(), body: &body, files: &Default::default() },
        );
        let agent = st.agents.last().cloned().unwrap_or(Value::Null);
        ids.insert("agent_id".into(), agent["id"].clone());
        ids.insert("version_id".into(), agent["active_agent_version_id"].clone());
        ids.insert("voice_id".into(), voice);
        let number = st.numbers.first().cloned().unwrap_or(Value::Null);
        for k in ["from_number_id", "number_id"] {
            ids.insert(k.into(), number["id"].clone());
        }
        ids.insert("number_pool_id".into(), number["number_pool_id"].clone());
        let kb = st.new_id();
        let now = st.now();
        st.kbs.push(json!({ "kb_id": kb, "kb_name": "Fixture FAQ", "status": "completed", "created_at": now, "updated_at": now, "files": [], "urls": [], "faqs": [] }));
        ids.insert("kb_id".into(), json!(kb));
        let agent_id = agent["id"].as_str().unwrap_or("").to_string();
        let row: Map<String, Value> =
            json!({ "callee_name": "Ada", "mobile_number": "+919876543210" }).as_object().cloned().unwrap_or_default();
        for large in [false, true] {
            let id = st.new_id();
            let created_ms = st.now_ms;
            st.campaigns.push(state::Campaign {
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
            ids.insert(if large { "bulk_list_id" } else { "list_id" }.into(), json!(id));
        }
        ids.insert("campaign_id".into(), ids["list_id"].clone());
        // A campaign window that opens in an hour and lasts a day.
        let opens = st.now_ms.saturating_add(3_600_000);
        ids.insert("campaign_start_time".into(), json!(time::campaign_format(opens)));
        ids.insert("campaign_end_time".into(), json!(time::campaign_format(opens.saturating_add(86_400_000))));
        let from = number["number"].as_str().unwrap_or("+10000000000").to_string();
        // The calls count against the call cap; with too small a cap they are left out.
        if let Ok(pending) = st.add_call(&agent_id, "Grace", "+919812345678", &from, Map::new(), None, 60_000) {
            // The pending call stays `registered`: it waits for a campaign slot that never opens.
            st.calls[pending].queued = true;
            ids.insert("call_ids".into(), json!([st.calls[pending].id]));
            ids.insert("mobile_numbers".into(), json!([st.calls[pending].to]));
        }
        if let Ok(done) = st.add_call(&agent_id, "Ada", "+919876543210", &from, Map::new(), None, 60_000) {
            let c = &mut st.calls[done];
            c.queued = true;
            c.status = "completed";
            c.sub_status = "ACCEPTED";
            c.duration_s = 45.0;
            c.cost = 1.0;
            c.attempt_ms = Some(c.created_ms);
            for k in ["id", "call_id", "parent_call_id"] {
                ids.insert(k.into(), json!(st.calls[done].id));
            }
        }
        st.rev += 1;
        Fixtures { ids }
    }
}

/// Ids of the objects [`Emulator::fixtures`] created, by the field names requests use.
#[derive(Debug, Clone)]
pub struct Fixtures {
    ids: Map<String, Value>,
}

impl Fixtures {
    /// The id for a field or parameter name (`agent_id`, `kb_id`, `list_id`, `bulk_list_id`,
    /// `id` for a call, ...), or a campaign window the emulator accepts (`campaign_start_time`,
    /// `campaign_end_time`: an hour from now, for a day); an unknown name gives a placeholder
    /// the emulator will not find.
    pub fn id<T: From<String>>(&self, name: &str) -> T {
        T::from(self.ids.get(name).and_then(Value::as_str).map_or_else(|| format!("unknown-{name}"), str::to_string))
    }

    /// A spec request example made to fit the fixtures: every id field replaced by the
    /// fixtures' id, and of the mutually exclusive caller sources only one kept.
    pub fn request(&self, operation: &str, mut example: Value) -> Value {
        self.fill(&mut example);
        if let Some(o) = example.as_object_mut() {
            // The caller sources of each operation, and those dropped while another one is left.
            let (sources, drop): (&[&str], &[&str]) = match operation {
                "calling.initiate" => (&["from_number_id", "from_number"], &["from_number"]),
                "calling.initiate_from_pool" => {
                    (&["number_pool_id", "from_number_id", "from_number"], &["from_number_id", "from_number"])
                }
                "campaigns.start_calls" => (&["from_numbers", "number_pool_id"], &["number_pool_id"]),
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

    fn fill(&self, v: &mut Value) {
        match v {
            Value::Object(o) => {
                for (k, x) in o.iter_mut() {
                    match self.ids.get(k) {
                        Some(id) if x.is_string() && id.is_string() => *x = id.clone(),
                        Some(id) if x.is_array() && id.is_array() => *x = id.clone(),
                        _ => self.fill(x),
                    }
                }
            }
            Value::Array(a) => a.iter_mut().for_each(|x| self.fill(x)),
            _ => {}
        }
    }

    /// A file fitting an upload field of an operation: a CSV of one contact for campaigns, a
    /// short WAV for speech-to-text, a text file for knowledge bases.
    pub fn upload(&self, operation: &str, _field: &str) -> ringg::Upload {
        if operation.starts_with("campaigns.") {
            ringg::Upload::from_bytes("callee_name,mobile_number\nAda,+919876543210\n", "contacts.csv")
        } else if operation.starts_with("speech.") {
            let mut wav = b"RIFF\x24\x00\x00\x00WAVEfmt ".to_vec();
            wav.extend_from_slice(&[0; 32]);
            ringg::Upload::from_bytes(wav, "hello.wav")
        } else {
            ringg::Upload::from_bytes("Q: Opening hours? A: 9 to 5.", "faq.txt")
        }
    }
}
