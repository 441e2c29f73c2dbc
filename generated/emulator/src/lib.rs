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

use serde_json::Value;

mod control;
mod fallback;
mod fixtures;
mod handlers;
mod http;
mod lifecycle;
mod multipart;
mod reply;
mod routes;
mod server;
mod shared;
#[rustfmt::skip]
mod spec;
mod staging;
mod store;
mod time;
mod validate;
mod views;
mod webhooks;

use shared::Shared;
use store::{Config, State};

pub use control::StagedOutcomes;
pub use fixtures::Fixtures;
pub use spec::Operation;
pub use staging::{CallOutcome, Clock, Fault};

/// The key the standalone emulators (`ringg-emulator` and `ringg emulator`) accept unless
/// given another, and the key the `ringg` command line sends to a loopback base URL when none
/// is configured. Not a secret: it only ever opens an emulator.
/// [`Emulator::start`] generates a key of its own instead.
pub const DEFAULT_KEY: &str = "ringg-emulator-key";

/// The former name of [`CallOutcome`].
#[deprecated(since = "0.2.0", note = "renamed `CallOutcome`, so that it does not clash with `ringg::Outcome`")]
pub type Outcome = CallOutcome;

/// One webhook or callback delivery, after its last attempt.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct Delivery {
    /// What was delivered, decoded with the client's own types.
    pub payload: Payload,
    /// The event (`call_completed`, ...), or `callback` for a per-call status callback (the
    /// `callback_url` given when the call was placed).
    pub event_type: String,
    /// The call it is about.
    pub call_id: ringg::types::CallId,
    /// Where it went.
    pub url: String,
    /// The subscription's headers (or the callback's `callback_args.headers`), as sent.
    pub headers: Vec<(String, String)>,
    /// The body as sent.
    pub body: Value,
    /// Attempts made (1 plus retries).
    pub attempts: u32,
    /// The receiver's answer status to the last attempt, if it answered.
    pub status: Option<u16>,
    /// Why the last attempt got no answer, if it did not.
    pub error: Option<String>,
}

/// A delivered body, decoded as a receiver decodes it.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum Payload {
    /// A subscribed webhook: [`ringg::webhooks::Event`].
    Event(Box<ringg::webhooks::Event>),
    /// A per-call status callback: [`ringg::webhooks::Callback`].
    Callback(Box<ringg::webhooks::Callback>),
    /// A body the client's types do not read (a bug of the emulator's; the reason).
    Undecoded(String),
}

impl Payload {
    fn decode(event_type: &str, body: &Value) -> Payload {
        let bytes = body.to_string();
        let decoded = if event_type == store::CALLBACK_EVENT {
            ringg::webhooks::Callback::from_slice(bytes.as_bytes()).map(|c| Payload::Callback(Box::new(c)))
        } else {
            ringg::webhooks::Event::from_slice(bytes.as_bytes()).map(|e| Payload::Event(Box::new(e)))
        };
        decoded.unwrap_or_else(|e| Payload::Undecoded(e.to_string()))
    }
}

/// Settings for a customised start, from [`Emulator::builder`].
#[derive(Debug, Clone)]
pub struct EmulatorBuilder {
    api_key: Option<String>,
    seed: Option<u64>,
    credits: Option<f64>,
    max_calls: usize,
    credits_per_minute: f64,
    campaign_concurrency: usize,
    clock: Clock,
    port: u16,
    start_ms: Option<u64>,
    check_responses: bool,
    examples_only: bool,
    header_read_timeout: Duration,
    body_read_timeout: Duration,
    max_bytes_in_flight: usize,
    delivery_timeout: Duration,
    delivery_record: usize,
    state_file: Option<std::path::PathBuf>,
}

impl Default for EmulatorBuilder {
    fn default() -> Self {
        EmulatorBuilder {
            api_key: None,
            seed: None,
            credits: None,
            max_calls: 10_000,
            credits_per_minute: 1.0,
            campaign_concurrency: 2,
            clock: Clock::Manual,
            port: 0,
            start_ms: None,
            check_responses: false,
            examples_only: false,
            header_read_timeout: Duration::from_secs(30),
            body_read_timeout: Duration::from_secs(60),
            max_bytes_in_flight: 64 * 1024 * 1024,
            delivery_timeout: Duration::from_secs(30),
            delivery_record: 1_000,
            state_file: None,
        }
    }
}

impl EmulatorBuilder {
    /// The API key clients (and the control API) must send; by default a new `rk_emu_…` key.
    /// The standalone binaries accept [`DEFAULT_KEY`] unless given another.
    pub fn api_key(mut self, key: impl Into<String>) -> Self {
        self.api_key = Some(key.into());
        self
    }

    /// Makes ids and the generated key reproducible: the same seed gives the same ids in the
    /// same order, run after run. Without a seed every run draws a random one, so ids never
    /// repeat across runs.
    pub fn seed(mut self, seed: u64) -> Self {
        self.seed = Some(seed);
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

    /// Emulator time at start (default: now, truncated to the second). A fixed start makes
    /// times in answers reproducible; a time before 1970 starts at 1970.
    pub fn start_time(mut self, at: std::time::SystemTime) -> Self {
        let since = at.duration_since(std::time::UNIX_EPOCH).unwrap_or_default();
        self.start_ms = Some(u64::try_from(since.as_millis()).unwrap_or(u64::MAX));
        self
    }

    /// Emulator time at start, in milliseconds since the Unix epoch.
    #[deprecated(since = "0.2.0", note = "use `start_time`, which takes a `SystemTime`")]
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

    /// Answers every operation from the spec alone, as operations without behaviour are
    /// answered: requests are validated as always, and the answer is the spec's response example
    /// with the request's path ids carried in and paging honoured, marked
    /// `X-Emulator-Behaviour: example`. Nothing is stored and no call moves. Off by default.
    pub fn examples_only(mut self, on: bool) -> Self {
        self.examples_only = on;
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
        self.max_bytes_in_flight = bytes.max(http::MAX_BODY);
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

    /// Keeps the store in a file across runs: read at start when it exists (the clock, ids,
    /// key, agents, calls, campaigns, knowledge bases, deliveries and outcomes go on where they
    /// stopped; a damaged file fails the start), written by [`Emulator::save_state`] (the
    /// standalone binary saves on Ctrl-C and SIGTERM). Settings given here still apply; an
    /// explicit [`api_key`](Self::api_key) replaces the saved key. Staged faults are not kept.
    pub fn state_file(mut self, path: impl Into<std::path::PathBuf>) -> Self {
        self.state_file = Some(path.into());
        self
    }

    /// Starts the emulator.
    pub async fn start(self) -> std::io::Result<Emulator> {
        let listener = tokio::net::TcpListener::bind(("127.0.0.1", self.port)).await?;
        let addr = listener.local_addr()?;
        let start_ms = self.start_ms.unwrap_or_else(|| {
            let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap_or_default();
            now.as_secs().saturating_mul(1000)
        });
        let config = Config {
            max_calls: self.max_calls,
            credits_per_minute: self.credits_per_minute,
            campaign_concurrency: self.campaign_concurrency,
            delivery_record: self.delivery_record,
            credits: self.credits,
        };
        let st = match &self.state_file {
            Some(path) if path.exists() => {
                let mut st =
                    State::load(path, config).map_err(|e| std::io::Error::new(std::io::ErrorKind::InvalidData, e))?;
                if let Some(key) = self.api_key {
                    st.key = key;
                }
                st
            }
            _ => {
                let seed = self.seed.unwrap_or_else(store::random_seed);
                let mut st = State::new(String::new(), seed, start_ms, self.credits, config);
                st.key = match self.api_key {
                    Some(key) => key,
                    None => st.new_key(),
                };
                seed_store(&mut st);
                st
            }
        };
        let shared = Arc::new(Shared {
            state: std::sync::Mutex::new(st),
            dispatch: Default::default(),
            idle: tokio::sync::Notify::new(),
            clock: self.clock,
            limits: shared::Limits {
                header_read_timeout: self.header_read_timeout,
                body_read_timeout: self.body_read_timeout,
                in_flight: Arc::new(tokio::sync::Semaphore::new(self.max_bytes_in_flight.max(http::MAX_BODY))),
                delivery_timeout: self.delivery_timeout,
            },
            served: Default::default(),
            drive: Default::default(),
            check_responses: self.check_responses,
            examples_only: self.examples_only,
            conformance: Default::default(),
            record_to: std::env::var("RINGG_EMULATOR_RECORD").ok().filter(|p| !p.is_empty()),
        });
        let (stop, stopped) = tokio::sync::oneshot::channel();
        tokio::spawn(server::serve(listener, shared.clone(), stopped));
        let ticker = match self.clock {
            Clock::Manual => None,
            Clock::Real { speed } => Some(tokio::spawn(tick(shared.clone(), speed))),
        };
        Ok(Emulator { shared, addr, stop: Some(stop), ticker, state_file: self.state_file })
    }
}

/// What a fresh store holds besides the spec's examples: every voice the examples name, and
/// an agent.
fn seed_store(st: &mut State) {
    for v in handlers::seed_voices() {
        if !st.voices.iter().any(|x| x["id"] == v["id"]) {
            st.voices.push(v);
        }
    }
    handlers::seed_agent(st);
}

/// Back to a fresh store (see [`Emulator::reset`]), once no clock move is in progress.
async fn reset(shared: &Arc<Shared>) {
    let _driving = shared.drive.lock().await;
    let mut st = shared.lock();
    st.reset();
    seed_store(&mut st);
}

/// Moves the clock `by` ms forward (see [`Emulator::advance`]).
async fn advance_clock(shared: &Arc<Shared>, by: u64) {
    let target = shared.lock().now_ms.saturating_add(by);
    run_until(shared, target).await;
}

/// Runs the clock until nothing is scheduled (see [`Emulator::settle`]).
async fn settle_clock(shared: &Arc<Shared>) {
    let limit = shared.lock().now_ms.saturating_add(control::MAX_ADVANCE_MS);
    loop {
        let next = shared.lock().next_due();
        match next {
            Some(at) if at <= limit => run_until(shared, at).await,
            _ => break,
        }
    }
    webhooks::idle(shared).await;
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
                if shared.manual() {
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
    state_file: Option<std::path::PathBuf>,
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

    /// The operations answered from the spec's examples rather than by behaviour (see
    /// [`EmulatorBuilder::examples_only`]): those the emulator has no behaviour for yet, such as
    /// an endpoint just added to the spec. Their answers carry `X-Emulator-Behaviour: example`.
    pub fn served_from_spec(&self) -> Vec<Operation> {
        Operation::ALL.into_iter().filter(|op| self.shared.behaviour(*op).is_none()).collect()
    }

    /// Writes the store to the [`EmulatorBuilder::state_file`], replacing it whole (through a
    /// file beside it renamed into place). Without a state file there is nowhere to write: an
    /// error of kind `NotFound`.
    pub fn save_state(&self) -> std::io::Result<()> {
        let Some(path) = &self.state_file else {
            return Err(std::io::Error::new(
                std::io::ErrorKind::NotFound,
                "the emulator was started without a state file",
            ));
        };
        // Serialised under the lock, so the file is one moment of the store.
        self.shared.lock().save(path)
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
        advance_clock(&self.shared, u64::try_from(by.as_millis()).unwrap_or(u64::MAX)).await;
    }

    /// Runs the clock until nothing is scheduled any more: every call settled, every webhook
    /// delivered or given up, every upload processed. Bounded to 30 emulator days.
    pub async fn settle(&self) {
        settle_clock(&self.shared).await;
    }

    /// Emulator time.
    pub fn now(&self) -> ringg::Timestamp {
        let ms = self.shared.lock().now_ms;
        ringg::Timestamp::from(std::time::UNIX_EPOCH + Duration::from_millis(ms))
    }

    /// Makes calls to this number end with `outcome`.
    pub fn set_outcome(&self, number: &str, outcome: CallOutcome) {
        self.shared.lock().outcomes.insert(number.to_string(), outcome);
    }

    /// The outcome of calls to numbers without their own (default [`CallOutcome::Completed`]).
    pub fn set_default_outcome(&self, outcome: CallOutcome) {
        self.shared.lock().default_outcome = outcome;
    }

    /// Makes the next `times` requests to an operation meet `fault`, after any faults already
    /// waiting for it.
    pub fn inject(&self, operation: Operation, fault: Fault, times: usize) {
        self.shared.lock().push_fault(operation, fault, times);
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

    fn collect_deliveries(&self, pick: impl Fn(&store::Job) -> bool) -> Vec<Delivery> {
        let st = self.shared.lock();
        let mut done: Vec<&store::Job> = st.finished.iter().filter(|j| pick(j)).collect();
        // In the order the deliveries were created, however long each receiver took.
        done.sort_by_key(|j| j.id);
        done.into_iter()
            .map(|j| Delivery {
                payload: Payload::decode(&j.event_type, &j.body),
                event_type: j.event_type.clone(),
                call_id: ringg::types::CallId::new(j.call_id.clone()),
                url: j.url.clone(),
                headers: j.headers.clone(),
                body: j.body.clone(),
                attempts: j.attempts,
                status: j.last_status,
                error: j.last_error.clone(),
            })
            .collect()
    }

    /// Every stored call, in the order they were placed, as the client reads them from
    /// `calling.history`: for checking what an integration did without going through it.
    pub fn calls(&self) -> Vec<ringg::types::CallRecord> {
        let st = self.shared.lock();
        (0..st.calls.len())
            .filter_map(|i| {
                let row = views::history_row(&st, i);
                match serde_json::from_value(row) {
                    Ok(call) => Some(call),
                    Err(e) => {
                        eprintln!("ringg-emulator: BUG: call {} does not read as a CallRecord: {e}", st.calls[i].id);
                        None
                    }
                }
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
        fixtures::create(&mut self.shared.lock())
    }
}
