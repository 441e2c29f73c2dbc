//! The control API: the [`Emulator`] handle over HTTP, under `/__emulator/` on the emulator's
//! own port, so that a test in any language can stage what the in-process handle stages: how
//! calls end, faults per operation, the manual clock, credits, and a reset; and read what the
//! emulator did: stored calls and webhook deliveries. Its document is `control-openapi.yaml`
//! beside the crate's sources, served at `GET /__emulator/openapi.yaml`.
//!
//! Requests are as hostile as the API's: the same key, the same body reading, limits and panic
//! guard, a small body cap, every number range-checked, and every error a `{"detail": "..."}`
//! that says what to send. Moving the clock runs on the request's own task, bounded to
//! [`MAX_ADVANCE_MS`] of emulator time per request.
//!
//! The handle's methods that only the control API needed are here too, so that the two stay
//! the same set.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use http_body_util::Full;
use hyper::body::Incoming;
use hyper::{Request, Response};
use serde_json::{Map, Value, json};

use crate::Emulator;
use crate::http::{error_response, guarded, json_response, read_body, unauthorized};
use crate::reply::{ApiError, err};
use crate::shared::Shared;
use crate::spec::Operation;
use crate::staging::{CallOutcome, Clock, Fault};
use crate::store::State;

/// Where the control API lives, at the server root beside the API's base paths.
pub(crate) const PREFIX: &str = "/__emulator";

/// The control API's OpenAPI document, served at `GET /__emulator/openapi.yaml`.
pub(crate) const DOCUMENT: &str = include_str!("../control-openapi.yaml");

/// Largest control request body.
const MAX_BODY: usize = 64 * 1024;
/// Most requests one `POST /faults` may stage.
const MAX_TIMES: u64 = 1_000;
/// Most faults waiting for one operation.
const MAX_QUEUED: usize = 10_000;
/// Longest stall a fault may hold a connection (one hour).
const MAX_STALL_MS: u64 = 3_600_000;
/// Longest `Retry-After` a rate-limit fault may announce (one day).
const MAX_RETRY_AFTER: u64 = 86_400;
/// Most emulator time one advance may cover (30 days, the bound of `settle`).
pub(crate) const MAX_ADVANCE_MS: u64 = 30 * 86_400_000;
/// Longest callee number an outcome may be staged for.
const MAX_NUMBER_LEN: usize = 64;
/// Most numbers with an outcome of their own.
const MAX_NUMBERS: usize = 10_000;
/// Largest credit balance that may be set.
const MAX_CREDITS: f64 = 1e12;

/// Every route: method and path template. The 404 answer lists them, and a test checks them
/// against the document.
pub(crate) const ROUTES: &[(&str, &str)] = &[
    ("GET", "/__emulator/"),
    ("GET", "/__emulator/openapi.yaml"),
    ("GET", "/__emulator/outcomes"),
    ("DELETE", "/__emulator/outcomes"),
    ("PUT", "/__emulator/outcomes/{number}"),
    ("DELETE", "/__emulator/outcomes/{number}"),
    ("GET", "/__emulator/faults"),
    ("POST", "/__emulator/faults"),
    ("DELETE", "/__emulator/faults"),
    ("GET", "/__emulator/clock"),
    ("POST", "/__emulator/clock/advance"),
    ("POST", "/__emulator/clock/settle"),
    ("GET", "/__emulator/calls"),
    ("GET", "/__emulator/deliveries"),
    ("GET", "/__emulator/credits"),
    ("PUT", "/__emulator/credits"),
    ("POST", "/__emulator/reset"),
    ("POST", "/__emulator/fixtures"),
];

/// The fault kinds' names, as `POST /faults` takes them.
const FAULT_KINDS: [&str; 7] = ["rate-limited", "status", "stall", "drop", "reply-lost", "reply-status", "reply-stall"];

/// How calls end, as staged with [`Emulator::set_outcome`] and
/// [`Emulator::set_default_outcome`] (or `PUT /__emulator/outcomes/...`).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct StagedOutcomes {
    /// The outcome of calls to numbers without their own.
    pub default: CallOutcome,
    /// Numbers with an outcome of their own.
    pub numbers: BTreeMap<String, CallOutcome>,
}

/// The handle's side of what the control API can do and the rest of the handle could not.
impl Emulator {
    /// How calls end: the default and each number's own outcome.
    pub fn outcomes(&self) -> StagedOutcomes {
        let st = self.shared.lock();
        StagedOutcomes {
            default: st.default_outcome,
            numbers: st.outcomes.iter().map(|(k, v)| (k.clone(), *v)).collect(),
        }
    }

    /// Makes calls to this number end with the default outcome again.
    pub fn clear_outcome(&self, number: &str) {
        self.shared.lock().outcomes.remove(number);
    }

    /// Forgets every number's outcome and sets the default back to [`CallOutcome::Completed`].
    pub fn clear_outcomes(&self) {
        let mut st = self.shared.lock();
        st.outcomes.clear();
        st.default_outcome = CallOutcome::Completed;
    }

    /// The faults waiting, per operation in order, with how many requests each will meet
    /// (consecutive equal faults counted together).
    pub fn faults(&self) -> Vec<(Operation, Fault, usize)> {
        staged_faults(&self.shared.lock())
    }

    /// Drops every waiting fault.
    pub fn clear_faults(&self) {
        self.shared.lock().faults.clear();
    }

    /// Every finished delivery, delivered or failed for good, oldest first (what
    /// [`Emulator::deliveries`] and [`Emulator::failed_deliveries`] list, in one sequence).
    pub fn all_deliveries(&self) -> Vec<crate::Delivery> {
        self.collect_deliveries(|j| j.done)
    }

    /// The clock it was started with.
    pub fn clock(&self) -> Clock {
        self.shared.clock
    }

    /// Back to the store of a fresh start: the seeded workspace and agent, no calls, no
    /// deliveries, starting credits, no outcomes or faults staged. The key (as rotated), the
    /// clock's kind and time, and the settings stay; ids keep counting, so none repeats. Waits
    /// for a clock move in progress to finish first.
    pub async fn reset(&self) {
        crate::reset(&self.shared).await;
    }
}

/// Answers a request below [`PREFIX`]: never panics, never drops the connection.
pub(crate) async fn respond(shared: Arc<Shared>, req: Request<Incoming>) -> Response<Full<Bytes>> {
    let method = req.method().as_str().to_string();
    let path = req.uri().path().to_string();
    let query = req.uri().query().unwrap_or("").to_string();
    let Some((template, param)) = find(&path) else { return not_found(&method, &path) };
    let allowed: Vec<&str> = ROUTES.iter().filter(|(_, t)| *t == template).map(|(m, _)| *m).collect();
    if !allowed.contains(&method.as_str()) {
        let mut r = error_response(err(405, format!("{template} answers {}, not {method}", allowed.join(", "))));
        if let Ok(v) = hyper::header::HeaderValue::from_str(&allowed.join(", ")) {
            r.headers_mut().insert(hyper::header::ALLOW, v);
        }
        return r;
    }
    let key = req.headers().get(crate::spec::AUTH_HEADER).and_then(|v| v.to_str().ok()).map(str::to_string);
    if let Some(r) = unauthorized(&shared, key.as_deref()) {
        return r;
    }
    let length = req
        .headers()
        .get(hyper::header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<u64>().ok());
    let too_large = || error_response(err(413, format!("a control request body is at most {MAX_BODY} bytes")));
    if length.is_some_and(|n| n > MAX_BODY as u64) {
        return too_large();
    }
    let body = match read_body(&shared.limits, req.into_body(), length).await {
        Ok(b) => b,
        Err(e) => return error_response(e),
    };
    if body.bytes.len() > MAX_BODY {
        return too_large();
    }
    let label = format!("{method} {template}");
    let call = Call { method: &method, template, param: param.as_deref(), query: &query, body: &body.bytes };
    let mut then = None;
    let first = guarded(&label, || reply(handle(&shared, &call, &mut then)));
    drop(body);
    let Some(step) = then else { return first };
    match step {
        Wait::Advance(by) => crate::advance_clock(&shared, by).await,
        Wait::Settle => crate::settle_clock(&shared).await,
        Wait::Reset => crate::reset(&shared).await,
    }
    guarded(&label, || {
        let st = shared.lock();
        let v = match step {
            Wait::Reset => summary(&shared, &st),
            Wait::Advance(_) | Wait::Settle => clock_json(&shared, &st),
        };
        json_response(200, &v)
    })
}

/// What is left to do after the checks, on the request's task.
#[derive(Debug, Clone, Copy)]
enum Wait {
    Advance(u64),
    Settle,
    Reset,
}

/// One matched control request.
struct Call<'a> {
    method: &'a str,
    template: &'static str,
    param: Option<&'a str>,
    query: &'a str,
    body: &'a [u8],
}

fn reply(result: Result<Answer, ApiError>) -> Response<Full<Bytes>> {
    match result {
        Ok(Answer::Json(v)) => json_response(200, &v),
        Ok(Answer::Yaml(text)) => {
            let mut r = Response::new(Full::new(Bytes::from_static(text.as_bytes())));
            r.headers_mut().insert("content-type", hyper::header::HeaderValue::from_static("application/yaml"));
            r
        }
        Err(e) => error_response(e),
    }
}

enum Answer {
    Json(Value),
    Yaml(&'static str),
}

/// The route template a path falls under, and its `{number}`.
fn find(path: &str) -> Option<(&'static str, Option<String>)> {
    let rest = path.strip_prefix(PREFIX)?;
    if !(rest.is_empty() || rest.starts_with('/')) {
        return None;
    }
    let rest = rest.trim_end_matches('/');
    let got: Vec<&str> = if rest.is_empty() { vec![""] } else { rest[1..].split('/').collect() };
    ROUTES.iter().map(|(_, t)| *t).find_map(|t| {
        let want: Vec<&str> = t[PREFIX.len() + 1..].split('/').collect();
        if want.len() != got.len() {
            return None;
        }
        let mut param = None;
        for (w, g) in want.iter().zip(&got) {
            if w.starts_with('{') {
                if g.is_empty() {
                    return None;
                }
                param = Some(crate::routes::percent_decode(g));
            } else if w != g {
                return None;
            }
        }
        Some((t, param))
    })
}

fn not_found(method: &str, path: &str) -> Response<Full<Bytes>> {
    let routes: Vec<String> = ROUTES.iter().map(|(m, t)| format!("{m} {t}")).collect();
    let shown: String = path.chars().take(200).collect();
    json_response(
        404,
        &json!({
            "detail": format!(
                "the control API has no route {method} {shown}; it has: {}; its document is GET /__emulator/openapi.yaml",
                routes.join(", ")
            ),
            "routes": routes,
        }),
    )
}

fn handle(shared: &Shared, call: &Call, then: &mut Option<Wait>) -> Result<Answer, ApiError> {
    let json = |v: Value| Ok(Answer::Json(v));
    match (call.method, call.template) {
        ("GET", "/__emulator/") => json(summary(shared, &shared.lock())),
        ("GET", "/__emulator/openapi.yaml") => Ok(Answer::Yaml(DOCUMENT)),
        ("GET", "/__emulator/outcomes") => json(outcomes_json(&shared.lock())),
        ("DELETE", "/__emulator/outcomes") => {
            let mut st = shared.lock();
            st.outcomes.clear();
            st.default_outcome = CallOutcome::Completed;
            json(outcomes_json(&st))
        }
        ("PUT", "/__emulator/outcomes/{number}") => {
            let outcome = outcome_body(call.body)?;
            let mut st = shared.lock();
            match call.param.unwrap_or("") {
                "default" => st.default_outcome = outcome,
                number => {
                    check_number(number)?;
                    if st.outcomes.len() >= MAX_NUMBERS && !st.outcomes.contains_key(number) {
                        return Err(err(
                            422,
                            format!(
                                "at most {MAX_NUMBERS} numbers may have an outcome of their own; DELETE /__emulator/outcomes first"
                            ),
                        ));
                    }
                    st.outcomes.insert(number.to_string(), outcome);
                }
            }
            json(outcomes_json(&st))
        }
        ("DELETE", "/__emulator/outcomes/{number}") => {
            let mut st = shared.lock();
            match call.param.unwrap_or("") {
                "default" => st.default_outcome = CallOutcome::Completed,
                number => {
                    st.outcomes.remove(number);
                }
            }
            json(outcomes_json(&st))
        }
        ("GET", "/__emulator/faults") => json(faults_json(&shared.lock())),
        ("POST", "/__emulator/faults") => {
            let (op, fault, times) = fault_body(call.body)?;
            let mut st = shared.lock();
            let waiting = st.faults_waiting(op);
            if waiting.saturating_add(times) > MAX_QUEUED {
                return Err(err(
                    422,
                    format!(
                        "`{op}` already has {waiting} faults waiting and at most {MAX_QUEUED} may wait; DELETE /__emulator/faults first"
                    ),
                ));
            }
            st.push_fault(op, fault, times);
            json(faults_json(&st))
        }
        ("DELETE", "/__emulator/faults") => {
            let mut st = shared.lock();
            st.faults.clear();
            json(faults_json(&st))
        }
        ("GET", "/__emulator/clock") => json(clock_json(shared, &shared.lock())),
        ("POST", "/__emulator/clock/advance") => {
            let by = advance_body(call.body)?;
            manual_only(shared, "advance")?;
            *then = Some(Wait::Advance(by));
            json(Value::Null)
        }
        ("POST", "/__emulator/clock/settle") => {
            manual_only(shared, "settle")?;
            *then = Some(Wait::Settle);
            json(Value::Null)
        }
        ("GET", "/__emulator/calls") => {
            let st = shared.lock();
            let calls: Vec<Value> = (0..st.calls.len()).map(|i| crate::views::history_row(&st, i)).collect();
            json(json!({ "calls": calls }))
        }
        ("GET", "/__emulator/deliveries") => {
            let which = delivery_filter(call.query)?;
            json(deliveries_json(&shared.lock(), which))
        }
        ("GET", "/__emulator/credits") => json(json!({ "credits": shared.lock().credits })),
        ("PUT", "/__emulator/credits") => {
            let credits = credits_body(call.body)?;
            let mut st = shared.lock();
            st.credits = credits;
            json(json!({ "credits": st.credits }))
        }
        ("POST", "/__emulator/reset") => {
            *then = Some(Wait::Reset);
            json(Value::Null)
        }
        ("POST", "/__emulator/fixtures") => {
            let f = crate::fixtures::create(&mut shared.lock());
            json(json!({
                "agent_id": f.agent_id.as_str(), "version_id": f.version_id, "voice_id": f.voice_id,
                "number_id": f.number_id.as_str(), "number": f.number.as_str(),
                "number_pool_id": f.number_pool_id.as_str(), "kb_id": f.kb_id.as_str(),
                "list_id": f.list_id.as_str(), "bulk_list_id": f.bulk_list_id.as_str(),
                "pending_call_id": f.pending_call_id.as_ref().map(|c| c.as_str().to_string()),
                "pending_number": f.pending_number.as_ref().map(|n| n.as_str().to_string()),
                "completed_call_id": f.completed_call_id.as_ref().map(|c| c.as_str().to_string()),
                "campaign_start_time": f.campaign_start_time, "campaign_end_time": f.campaign_end_time,
            }))
        }
        (method, template) => Err(err(500, format!("{method} {template} is listed but not handled"))),
    }
}

/// 409 unless the clock is manual.
fn manual_only(shared: &Shared, what: &str) -> Result<(), ApiError> {
    match shared.clock {
        Clock::Manual => Ok(()),
        Clock::Real { speed } => Err(err(
            409,
            format!(
                "the clock follows real time (speed {speed}), so it cannot {what}; start the emulator with `--clock manual` \
                 (ringg-emulator --clock manual, or ringg emulator --clock manual) to move it by request"
            ),
        )),
    }
}

/// The state at a glance.
fn summary(shared: &Shared, st: &State) -> Value {
    let conformance = shared.conformance.lock().unwrap_or_else(std::sync::PoisonError::into_inner).clone();
    let served: Vec<&str> =
        Operation::ALL.into_iter().filter(|op| shared.behaviour(*op).is_none()).map(Operation::name).collect();
    let base_paths: Map<String, Value> =
        crate::spec::BASE_PATHS.iter().map(|(n, p)| (n.to_string(), json!(p))).collect();
    json!({
        "version": env!("CARGO_PKG_VERSION"),
        "clock": clock_json(shared, st),
        "counts": {
            "agents": st.agents.len(),
            "calls": st.calls.len(),
            "campaigns": st.campaigns.iter().filter(|c| !c.deleted).count(),
            "knowledge_bases": st.kbs.len(),
            "deliveries_pending": st.jobs.len(),
            "deliveries_finished": st.finished.len(),
            "outcomes_staged": st.outcomes.len(),
            "faults_waiting": Operation::ALL.into_iter().map(|op| st.faults_waiting(op)).sum::<usize>(),
        },
        "credits": st.credits,
        "requests_served": shared.served.load(std::sync::atomic::Ordering::Relaxed),
        "served_from_spec": served,
        "base_paths": base_paths,
        "conformance_problems": conformance,
        "openapi": "/__emulator/openapi.yaml",
    })
}

fn clock_json(shared: &Shared, st: &State) -> Value {
    let (kind, speed) = match shared.clock {
        Clock::Manual => ("manual", Value::Null),
        Clock::Real { speed } => ("real", json!(speed)),
    };
    json!({
        "kind": kind,
        "speed": speed,
        "now": st.now(),
        "now_ms": st.now_ms,
        "next_event_at": st.next_due().map(crate::time::format),
        "events_scheduled": st.events.len(),
    })
}

fn outcomes_json(st: &State) -> Value {
    let numbers: BTreeMap<&str, &str> = st.outcomes.iter().map(|(k, v)| (k.as_str(), v.name())).collect();
    json!({ "default": st.default_outcome.name(), "numbers": numbers })
}

fn fault_json(op: Operation, fault: Fault, times: usize) -> Value {
    let mut v = json!({ "operation": op.name(), "fault": fault_kind(fault), "times": times });
    match fault {
        Fault::RateLimited { retry_after } => v["retry_after"] = json!(retry_after),
        Fault::Status(code) | Fault::ReplyStatus(code) => v["status"] = json!(code),
        Fault::Stall(d) | Fault::ReplyStall(d) => v["ms"] = json!(u64::try_from(d.as_millis()).unwrap_or(u64::MAX)),
        Fault::Drop | Fault::ReplyLost => {}
    }
    v
}

fn fault_kind(fault: Fault) -> &'static str {
    match fault {
        Fault::RateLimited { .. } => "rate-limited",
        Fault::Status(_) => "status",
        Fault::Stall(_) => "stall",
        Fault::Drop => "drop",
        Fault::ReplyLost => "reply-lost",
        Fault::ReplyStatus(_) => "reply-status",
        Fault::ReplyStall(_) => "reply-stall",
    }
}

/// The waiting faults, per operation in order, consecutive equal ones counted together.
fn staged_faults(st: &State) -> Vec<(Operation, Fault, usize)> {
    Operation::ALL
        .into_iter()
        .flat_map(|op| st.faults.get(&op).into_iter().flatten().map(move |(fault, n)| (op, *fault, *n)))
        .collect()
}

fn faults_json(st: &State) -> Value {
    let list: Vec<Value> = staged_faults(st).into_iter().map(|(op, f, n)| fault_json(op, f, n)).collect();
    json!({ "faults": list })
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Which {
    Delivered,
    Failed,
    All,
}

fn delivery_filter(query: &str) -> Result<Which, ApiError> {
    let pairs = crate::routes::query_pairs(query);
    match pairs.iter().rev().find(|(k, _)| k == "status").map(|(_, v)| v.as_str()) {
        None | Some("delivered") => Ok(Which::Delivered),
        Some("failed") => Ok(Which::Failed),
        Some("all") => Ok(Which::All),
        Some(other) => Err(err(
            422,
            format!("status `{}` is not one of delivered, failed, all", other.chars().take(40).collect::<String>()),
        )),
    }
}

fn deliveries_json(st: &State, which: Which) -> Value {
    let mut done: Vec<&crate::store::Job> = st
        .finished
        .iter()
        .filter(|j| {
            let delivered = j.last_status.is_some_and(|s| (200..300).contains(&s));
            match which {
                Which::Delivered => delivered,
                Which::Failed => !delivered,
                Which::All => true,
            }
        })
        .collect();
    done.sort_by_key(|j| j.id);
    let list: Vec<Value> = done
        .into_iter()
        .map(|j| {
            json!({
                "event_type": j.event_type,
                "call_id": j.call_id,
                "url": j.url,
                "headers": j.headers.iter().map(|(k, v)| json!({ "name": k, "value": v })).collect::<Vec<_>>(),
                "body": j.body,
                "attempts": j.attempts,
                "status": j.last_status,
                "error": j.last_error,
                "delivered": j.last_status.is_some_and(|s| (200..300).contains(&s)),
            })
        })
        .collect();
    json!({ "deliveries": list })
}

/// A JSON object body with only `allowed` keys; `shape` is what to send, for messages.
fn object(body: &[u8], allowed: &[&str], shape: &str) -> Result<Map<String, Value>, ApiError> {
    let value: Value = serde_json::from_slice(body).map_err(|e| {
        let why =
            if body.iter().all(u8::is_ascii_whitespace) { "the body is empty".to_string() } else { e.to_string() };
        err(422, format!("{why}; send a JSON object such as {shape}"))
    })?;
    let Value::Object(map) = value else { return Err(err(422, format!("expected a JSON object such as {shape}"))) };
    if let Some(k) = map.keys().find(|k| !allowed.contains(&k.as_str())) {
        let k: String = k.chars().take(40).collect();
        return Err(err(422, format!("unknown field `{k}`; the fields are {}; e.g. {shape}", allowed.join(", "))));
    }
    Ok(map)
}

fn outcome_body(body: &[u8]) -> Result<CallOutcome, ApiError> {
    const SHAPE: &str = r#"{"outcome": "failed"}"#;
    let map = object(body, &["outcome"], SHAPE)?;
    let names: Vec<&str> = CallOutcome::ALL.iter().map(|o| o.name()).collect();
    match map.get("outcome") {
        Some(Value::String(s)) => CallOutcome::from_name(s).ok_or_else(|| {
            let s: String = s.chars().take(40).collect();
            err(422, format!("outcome `{s}` is not one of {}", names.join(", ")))
        }),
        _ => Err(err(422, format!("`outcome` is required, one of {}; e.g. {SHAPE}", names.join(", ")))),
    }
}

fn check_number(number: &str) -> Result<(), ApiError> {
    if number.is_empty() || number.chars().count() > MAX_NUMBER_LEN || number.chars().any(char::is_control) {
        return Err(err(
            422,
            format!(
                "the number must be 1 to {MAX_NUMBER_LEN} printable characters, as calls are placed to it (+919876543210)"
            ),
        ));
    }
    Ok(())
}

fn fault_body(body: &[u8]) -> Result<(Operation, Fault, usize), ApiError> {
    const SHAPE: &str = r#"{"operation": "calling.initiate", "fault": "reply-lost", "times": 1}"#;
    let map =
        object(body, &["operation", "fault", "times", "retry_after", "status", "seconds", "ms", "duration"], SHAPE)?;
    let op = match map.get("operation") {
        Some(Value::String(name)) => operation(name)?,
        _ => {
            return Err(err(
                422,
                format!("`operation` is required (an operation name such as calling.initiate); e.g. {SHAPE}"),
            ));
        }
    };
    let kind = match map.get("fault") {
        Some(Value::String(k)) if FAULT_KINDS.contains(&k.as_str()) => k.as_str(),
        Some(Value::String(k)) => {
            let k: String = k.chars().take(40).collect();
            return Err(err(422, format!("fault `{k}` is not one of {}", FAULT_KINDS.join(", "))));
        }
        _ => return Err(err(422, format!("`fault` is required, one of {}; e.g. {SHAPE}", FAULT_KINDS.join(", ")))),
    };
    let times = match map.get("times") {
        None => 1,
        Some(v) => match v.as_u64() {
            Some(n) if (1..=MAX_TIMES).contains(&n) => n as usize,
            _ => return Err(err(422, format!("`times` must be a whole number from 1 to {MAX_TIMES}"))),
        },
    };
    let status = || match map.get("status").map(Value::as_u64) {
        Some(Some(code @ 400..=599)) => Ok(code as u16),
        Some(_) => Err(err(422, "`status` must be an error status from 400 to 599")),
        None => Err(err(422, format!("a `{kind}` fault needs `status` (400 to 599), e.g. {{\"status\": 503}}"))),
    };
    let stall = || -> Result<Duration, ApiError> {
        match duration_of(&map, MAX_STALL_MS, "the stall")? {
            Some(ms) => Ok(Duration::from_millis(ms)),
            None => Err(err(
                422,
                format!("a `{kind}` fault needs how long: `seconds`, `ms` or `duration` (\"40s\"), at most one hour"),
            )),
        }
    };
    let fault = match kind {
        "rate-limited" => {
            let retry_after = match map.get("retry_after") {
                None => 1,
                Some(v) => match v.as_u64() {
                    Some(n) if n <= MAX_RETRY_AFTER => n as u32,
                    _ => {
                        return Err(err(
                            422,
                            format!("`retry_after` must be whole seconds from 0 to {MAX_RETRY_AFTER}"),
                        ));
                    }
                },
            };
            Fault::RateLimited { retry_after }
        }
        "status" => Fault::Status(status()?),
        "reply-status" => Fault::ReplyStatus(status()?),
        "stall" => Fault::Stall(stall()?),
        "reply-stall" => Fault::ReplyStall(stall()?),
        "drop" => Fault::Drop,
        _ => Fault::ReplyLost,
    };
    let unused: Vec<&str> = ["retry_after", "status", "seconds", "ms", "duration"]
        .into_iter()
        .filter(|k| map.contains_key(*k))
        .filter(|k| match fault {
            Fault::RateLimited { .. } => *k != "retry_after",
            Fault::Status(_) | Fault::ReplyStatus(_) => *k != "status",
            Fault::Stall(_) | Fault::ReplyStall(_) => !matches!(*k, "seconds" | "ms" | "duration"),
            Fault::Drop | Fault::ReplyLost => true,
        })
        .collect();
    if !unused.is_empty() {
        return Err(err(422, format!("a `{kind}` fault takes no `{}`", unused.join("`, `"))));
    }
    Ok((op, fault, times))
}

/// An operation by name, or a 422 that suggests the nearest name and lists them all.
fn operation(name: &str) -> Result<Operation, ApiError> {
    if let Some(op) = Operation::from_name(name) {
        return Ok(op);
    }
    let shown: String = name.chars().take(60).collect();
    let nearest = Operation::ALL
        .into_iter()
        .map(|op| (distance(&shown, op.name()), op.name()))
        .min()
        .filter(|(d, _)| *d <= 3)
        .map(|(_, n)| format!("did you mean `{n}`? "))
        .unwrap_or_default();
    let all: Vec<&str> = Operation::ALL.iter().map(|op| op.name()).collect();
    Err(err(422, format!("unknown operation `{shown}`; {nearest}the operations are: {}", all.join(", "))))
}

/// Edit distance (insertions, deletions, substitutions), on characters.
fn distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut prev = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let cur = row[j + 1];
            row[j + 1] = (prev + usize::from(ca != *cb)).min(row[j] + 1).min(cur + 1);
            prev = cur;
        }
    }
    row[b.len()]
}

/// `seconds`, `ms` or `duration` of a body, at most `max` ms; `None` when none is given.
fn duration_of(map: &Map<String, Value>, max: u64, what: &str) -> Result<Option<u64>, ApiError> {
    let given: Vec<&str> = ["seconds", "ms", "duration"].into_iter().filter(|k| map.contains_key(*k)).collect();
    if given.len() > 1 {
        return Err(err(422, format!("give one of `seconds`, `ms` and `duration`, not `{}`", given.join("` and `"))));
    }
    let too_long = || err(422, format!("{what} is at most {} s", max / 1000));
    let ms = match given.first().copied() {
        None => return Ok(None),
        Some("seconds") => match map["seconds"].as_f64() {
            Some(s) if s.is_finite() && s >= 0.0 => {
                // Checked in f64 first, so the conversion cannot saturate silently.
                if s * 1000.0 > max as f64 {
                    return Err(too_long());
                }
                (s * 1000.0).round() as u64
            }
            _ => return Err(err(422, "`seconds` must be a number of seconds, 0 or more")),
        },
        Some("ms") => {
            map["ms"].as_u64().ok_or_else(|| err(422, "`ms` must be a whole number of milliseconds, 0 or more"))?
        }
        _ => match &map["duration"] {
            Value::String(text) => parse_duration(text).ok_or_else(|| {
                let t: String = text.chars().take(40).collect();
                err(422, format!("duration `{t}` is not a duration such as 90s, 5m, 2h, 1d, 250ms or 1h30m"))
            })?,
            _ => return Err(err(422, "`duration` must be text such as \"90s\", \"5m\" or \"1h30m\"")),
        },
    };
    if ms > max {
        return Err(too_long());
    }
    Ok(Some(ms))
}

/// `90s`, `5m`, `2h`, `1d`, `250ms`, `1.5s`, `1h30m` or a bare number of seconds, in ms;
/// `None` for anything else or past `u64`.
pub(crate) fn parse_duration(text: &str) -> Option<u64> {
    let t = text.trim();
    if t.is_empty() || t.len() > 32 || !t.is_ascii() {
        return None;
    }
    if let Ok(secs) = t.parse::<f64>() {
        return (0.0..1e15).contains(&secs).then(|| (secs * 1000.0).round() as u64);
    }
    let mut total: u64 = 0;
    let mut rest = t;
    while !rest.is_empty() {
        let num_len = rest.find(|c: char| !(c.is_ascii_digit() || c == '.')).unwrap_or(rest.len());
        let unit_len = rest[num_len..].find(|c: char| c.is_ascii_digit() || c == '.').unwrap_or(rest.len() - num_len);
        let (num, unit) = (&rest[..num_len], &rest[num_len..num_len + unit_len]);
        let value: f64 = num.parse().ok()?;
        let scale: f64 = match unit {
            "ms" => 1.0,
            "s" => 1_000.0,
            "m" => 60_000.0,
            "h" => 3_600_000.0,
            "d" => 86_400_000.0,
            _ => return None,
        };
        let part = value * scale;
        if !part.is_finite() || part >= 1e15 {
            return None;
        }
        total = total.checked_add(part.round() as u64)?;
        rest = &rest[num_len + unit_len..];
    }
    Some(total)
}

fn advance_body(body: &[u8]) -> Result<u64, ApiError> {
    const SHAPE: &str = r#"{"seconds": 60} or {"duration": "5m"}"#;
    let map = object(body, &["seconds", "ms", "duration"], SHAPE)?;
    duration_of(&map, MAX_ADVANCE_MS, "one advance")?
        .ok_or_else(|| err(422, format!("say how far: `seconds`, `ms` or `duration`; e.g. {SHAPE}")))
}

fn credits_body(body: &[u8]) -> Result<f64, ApiError> {
    const SHAPE: &str = r#"{"credits": 500}"#;
    let map = object(body, &["credits"], SHAPE)?;
    match map.get("credits").and_then(Value::as_f64) {
        Some(c) if c.is_finite() && (0.0..=MAX_CREDITS).contains(&c) => Ok(c),
        _ => Err(err(422, format!("`credits` must be a number from 0 to {MAX_CREDITS:e}; e.g. {SHAPE}"))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_read_as_text_and_refuse_overflow() {
        assert_eq!(parse_duration("60"), Some(60_000));
        assert_eq!(parse_duration("90s"), Some(90_000));
        assert_eq!(parse_duration("5m"), Some(300_000));
        assert_eq!(parse_duration("1h30m"), Some(5_400_000));
        assert_eq!(parse_duration("250ms"), Some(250));
        assert_eq!(parse_duration("1.5s"), Some(1_500));
        assert_eq!(parse_duration("2d"), Some(172_800_000));
        for bad in ["", "5x", "m", "-1s", "1e400s", "99999999999999999999d", "5 m", "\u{e9}s", "1..2s"] {
            assert_eq!(parse_duration(bad), None, "{bad}");
        }
    }

    #[test]
    fn paths_find_their_routes() {
        assert_eq!(find("/__emulator"), Some(("/__emulator/", None)));
        assert_eq!(find("/__emulator/"), Some(("/__emulator/", None)));
        assert_eq!(
            find("/__emulator/outcomes/%2B919800000001/"),
            Some(("/__emulator/outcomes/{number}", Some("+919800000001".into())))
        );
        assert_eq!(find("/__emulator/outcomes//"), Some(("/__emulator/outcomes", None)));
        assert_eq!(find("/__emulatorx"), None);
        assert_eq!(find("/__emulator/nope"), None);
        assert_eq!(distance("calling.initiat", "calling.initiate"), 1);
    }
}
