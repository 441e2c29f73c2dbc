//! `cargo xtask bench emulator`: how fast the local emulator starts, how its throughput and
//! latency compare with a trivial handler on the same server framework, and how long a whole
//! call lifecycle takes on the manual clock.
//!
//! Run it optimised, with its feature:
//! `cargo run --release -p xtask --features emulator-bench -- bench emulator`.
//!
//! - **Start:** `Emulator::start()` until it has answered its first `GET /workspace`, the first
//!   time in the process (which also parses the validation document) and then the median and
//!   worst of further starts.
//! - **Throughput and latency:** `GET /workspace` and a 100-item `GET /calling/history` page,
//!   with 1 and 16 concurrent keep-alive connections, against the emulator and against a
//!   trivial hyper 1 handler that answers the very bytes the emulator answered. Both servers run
//!   on the same runtime and are measured in alternating rounds, so drift hits both alike.
//!   Requests per second are the median over rounds; p50 and p99 are over every request.
//! - **Lifecycle:** on the manual clock, place a call with all 8 webhook events subscribed to a
//!   local receiver, `settle()`, and read the call's details: wall time, median of the runs.
//!
//! - **Stalled receiver:** on the real clock at `--speed 60`, another agent's whole call
//!   lifecycle (placed until `completed`, polled every 10 ms) while one agent's webhooks go to a
//!   receiver that accepts connections and never answers, against the same without it.
//! - **Delivery memory:** the process's resident memory (Linux `/proc/self/statm`) grown by
//!   10,000 calls settled on the manual clock with 8 events subscribed to a local receiver,
//!   against 10,000 calls without subscriptions, each in a fresh emulator.
//!
//! Targets: start <= 10 ms, throughput >= 0.5x the trivial handler, lifecycle <= 50 ms,
//! stalled receiver <= 1.5x, delivery memory <= 10 MB more.
//! Every loop is bounded.

use std::convert::Infallible;
use std::net::SocketAddr;
use std::time::{Duration, Instant};

use bytes::Bytes;
use http_body_util::{BodyExt, Empty, Full};
use hyper_util::rt::TokioIo;
use ringg::types::{AgentId, CallFrom, CallId, InitiateCallFromPool, PhoneNumber, PoolId};
use ringg_emulator::Emulator;
use serde_json::json;

/// Measured rounds per comparison, each contender once per round (after one warm-up round).
const ROUNDS: usize = 6;
/// Requests per connection per round.
const PER_CONNECTION: usize = 300;
/// Emulator starts measured after the first.
const STARTS: usize = 50;
/// Call lifecycles measured.
const LIFECYCLES: usize = 20;

/// Runs the whole bench and prints the report.
pub fn run() -> Result<(), String> {
    if cfg!(debug_assertions) {
        eprintln!(
            "warning: unoptimised build; run `cargo run --release -p xtask --features emulator-bench -- bench emulator`"
        );
    }
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| format!("cannot start the runtime: {e}"))?
        .block_on(measure())
}

async fn measure() -> Result<(), String> {
    let mut out =
        String::from("emulator bench (cargo run --release -p xtask --features emulator-bench -- bench emulator)\n\n");

    // Start.
    let cold = start_once().await?;
    let mut starts = Vec::with_capacity(STARTS);
    for _ in 0..STARTS {
        starts.push(start_once().await?);
    }
    starts.sort();
    let median = starts[STARTS / 2];
    out.push_str(&format!(
        "start until the first answer: first in process {:.2} ms, median {:.2} ms, worst {:.2} ms (target <= 10 ms: {})\n\n",
        ms(cold),
        ms(median),
        ms(starts[STARTS - 1]),
        verdict(ms(median) <= 10.0)
    ));

    // Throughput.
    let emulator = Emulator::builder().max_calls(1000).start().await.map_err(|e| e.to_string())?;
    let fixtures = emulator.fixtures().await;
    let client = emulator.client();
    let agent: String = fixtures.agent_id.to_string();
    let pool: String = fixtures.number_pool_id.to_string();
    for i in 0..100 {
        let call = InitiateCallFromPool::new(
            "Ada",
            PhoneNumber::new(format!("+9198000{i:05}")),
            AgentId::new(agent.as_str()),
            CallFrom::Pool(PoolId::new(pool.as_str())),
        );
        client.calling().initiate_from_pool(call).await.map_err(|e| e.to_string())?;
    }
    emulator.settle().await;
    let key = emulator.api_key();
    out.push_str("endpoint           conns   emulator req/s  p50 ms  p99 ms | trivial req/s  p50 ms  p99 ms | ratio (target >= 0.5)\n");
    for (name, path) in [
        ("workspace.get", "/ca/api/v0/workspace"),
        ("history, 100 items", "/ca/api/v0/calling/history?limit=100&offset=0"),
    ] {
        let body = fetch(emulator.addr(), path, &key).await?;
        if name.starts_with("history") {
            let page: serde_json::Value = serde_json::from_slice(&body).map_err(|e| e.to_string())?;
            let n = page["calls"].as_array().map_or(0, Vec::len);
            if n != 100 {
                return Err(format!("the history page has {n} items, not 100"));
            }
        }
        let trivial = Trivial::start(body).await?;
        for conns in [1usize, 16] {
            let mut emu = Stats::default();
            let mut triv = Stats::default();
            for round in 0..=ROUNDS {
                let order = if round % 2 == 0 { [true, false] } else { [false, true] };
                for is_emu in order {
                    let addr = if is_emu { emulator.addr() } else { trivial.addr };
                    let (rps, lat) = load(addr, path, &key, conns).await?;
                    if round > 0 {
                        let s = if is_emu { &mut emu } else { &mut triv };
                        s.rps.push(rps);
                        s.lat.extend(lat);
                    }
                }
            }
            let (e, t) = (emu.summary(), triv.summary());
            let ratio = e.0 / t.0;
            out.push_str(&format!(
                "{name:<18} {conns:>5}   {:>14.0}  {:>6.3}  {:>6.3} | {:>13.0}  {:>6.3}  {:>6.3} | {ratio:.2}x {}\n",
                e.0,
                e.1,
                e.2,
                t.0,
                t.1,
                t.2,
                verdict(ratio >= 0.5)
            ));
        }
        trivial.stop();
    }

    // Lifecycle.
    let receiver = Trivial::start(Bytes::from_static(b"{}")).await?;
    let events = [
        "call_started",
        "call_ringing",
        "call_ongoing",
        "call_completed",
        "recording_completed",
        "platform_analysis_completed",
        "client_analysis_completed",
        "all_processing_completed",
    ];
    let edit: ringg::types::AgentEdit = serde_json::from_value(json!({
        "agent_id": agent, "operation": "edit_event_subscriptions",
        "event_subscriptions": [{ "event_type": events, "callback_url": format!("http://{}/hook", receiver.addr) }],
    }))
    .map_err(|e| e.to_string())?;
    client.assistants().edit(edit).await.map_err(|e| e.to_string())?;
    let mut times = Vec::with_capacity(LIFECYCLES);
    for i in 0..LIFECYCLES {
        let started = Instant::now();
        let call = InitiateCallFromPool::new(
            "Ada",
            PhoneNumber::new(format!("+9197000{i:05}")),
            AgentId::new(agent.as_str()),
            CallFrom::Pool(PoolId::new(pool.as_str())),
        );
        let placed = client.calling().initiate_from_pool(call).await.map_err(|e| e.to_string())?;
        let id = serde_json::to_value(placed).map_err(|e| e.to_string())?["data"]["call_id"]
            .as_str()
            .unwrap_or("")
            .to_string();
        emulator.settle().await;
        let details =
            serde_json::to_value(client.calling().details(CallId::new(id.as_str())).await.map_err(|e| e.to_string())?)
                .map_err(|e| e.to_string())?;
        times.push(started.elapsed());
        let delivered = emulator.deliveries().iter().filter(|d| d.call_id.as_str() == id).count();
        if details["data"]["call_status"] != "completed" || delivered != events.len() {
            return Err(format!("the lifecycle did not complete with {} webhooks: {details}", events.len()));
        }
    }
    receiver.stop();
    times.sort();
    out.push_str(&format!(
        "\nfull call lifecycle on the manual clock (place, 8 webhooks delivered, settle, details): median {:.2} ms, worst {:.2} ms (target <= 50 ms: {})\n",
        ms(times[LIFECYCLES / 2]),
        ms(times[LIFECYCLES - 1]),
        verdict(ms(times[LIFECYCLES / 2]) <= 50.0)
    ));

    // Stalled receiver.
    let mut plain = Vec::new();
    let mut stalled = Vec::new();
    for round in 0..6 {
        let stall = round % 2 == 1;
        let t = stalled_lifecycle(stall).await?;
        if stall { stalled.push(t) } else { plain.push(t) }
    }
    plain.sort();
    stalled.sort();
    let ratio = ms(stalled[1]) / ms(plain[1]);
    out.push_str(&format!(
        "another agent's call lifecycle at --speed 60 with a receiver that never answers: median {:.0} ms, without it {:.0} ms: {ratio:.2}x (target <= 1.5x: {})\n",
        ms(stalled[1]),
        ms(plain[1]),
        verdict(ratio <= 1.5)
    ));

    // Delivery memory.
    let without = settled_calls_rss(false).await?;
    let with = settled_calls_rss(true).await?;
    let extra = (with - without) / 1e6;
    out.push_str(&format!(
        "RSS added by {CALLS} settled calls: {:.1} MB with 8 subscribed events, {:.1} MB without: {extra:+.1} MB (target <= 10 MB: {})\n",
        with / 1e6,
        without / 1e6,
        verdict(extra <= 10.0)
    ));
    print!("{out}");
    Ok(())
}

/// Calls settled for the delivery memory row.
const CALLS: usize = 10_000;

/// Resident memory of this process in bytes (Linux); 0 elsewhere.
fn rss() -> f64 {
    std::fs::read_to_string("/proc/self/statm")
        .ok()
        .and_then(|s| s.split_whitespace().nth(1).and_then(|p| p.parse::<f64>().ok()))
        .map_or(0.0, |pages| pages * 4096.0)
}

/// RSS grown by [`CALLS`] calls placed and settled in batches, with or without 8 events
/// subscribed to a local receiver.
async fn settled_calls_rss(subscribed: bool) -> Result<f64, String> {
    let emulator = Emulator::builder().max_calls(CALLS + 10).credits(1e9).start().await.map_err(|e| e.to_string())?;
    let fx = emulator.fixtures().await;
    let client = emulator.client();
    let agent = fx.agent_id.to_string();
    let pool = fx.number_pool_id.to_string();
    let receiver = Trivial::start(Bytes::from_static(b"{}")).await?;
    if subscribed {
        let edit: ringg::types::AgentEdit = serde_json::from_value(json!({
            "agent_id": agent, "operation": "edit_event_subscriptions",
            "event_subscriptions": [{ "event_type": ["call_started", "call_ringing", "call_ongoing", "call_completed",
                "recording_completed", "platform_analysis_completed", "client_analysis_completed", "all_processing_completed"],
                "callback_url": format!("http://{}/hook", receiver.addr) }],
        }))
        .map_err(|e| e.to_string())?;
        client.assistants().edit(edit).await.map_err(|e| e.to_string())?;
    }
    let before = rss();
    for batch in 0..CALLS / 100 {
        for i in 0..100 {
            let n = batch * 100 + i;
            let call = InitiateCallFromPool::new(
                "Ada",
                PhoneNumber::new(format!("+9196{n:08}")),
                AgentId::new(agent.as_str()),
                CallFrom::Pool(PoolId::new(pool.as_str())),
            );
            client.calling().initiate_from_pool(call).await.map_err(|e| e.to_string())?;
        }
        emulator.settle().await;
    }
    let grown = rss() - before;
    if subscribed && emulator.deliveries().is_empty() {
        return Err("no webhook was delivered".into());
    }
    receiver.stop();
    Ok(grown)
}

/// One call of an agent without subscriptions, placed and polled until `completed` on the
/// real clock at speed 60, while (when `stall`) another agent's 8 events go to a receiver
/// that never answers, with calls of its own placed just before.
async fn stalled_lifecycle(stall: bool) -> Result<Duration, String> {
    let emulator = Emulator::builder()
        .clock(ringg_emulator::Clock::Real { speed: 60.0 })
        .start()
        .await
        .map_err(|e| e.to_string())?;
    let fx = emulator.fixtures().await;
    let client = emulator.client();
    let pool = fx.number_pool_id.to_string();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.map_err(|e| e.to_string())?;
    let hook = format!("http://{}/hook", listener.local_addr().map_err(|e| e.to_string())?);
    let holder = tokio::spawn(async move {
        let mut held = Vec::new();
        for _ in 0..256 {
            let Ok((s, _)) = listener.accept().await else { return };
            held.push(s);
        }
    });
    let make_agent = |name: &str| {
        let body = json!({ "agent_name": name, "introduction_and_objective": "x", "response_guidelines": "x", "task": "x",
            "primary_language": "en-IN", "voice_id": fx.voice_id.clone(), "intro_message": "Hi" });
        let client = client.clone();
        async move {
            let body: ringg::types::AgentCreate = serde_json::from_value(body).map_err(|e| e.to_string())?;
            let made = serde_json::to_value(client.assistants().create(body).await.map_err(|e| e.to_string())?)
                .map_err(|e| e.to_string())?;
            Ok::<String, String>(made["data"]["id"].as_str().unwrap_or("").to_string())
        }
    };
    let place = |agent: String, to: String| {
        let client = client.clone();
        let pool = pool.clone();
        async move {
            let call = InitiateCallFromPool::new(
                "Ada",
                PhoneNumber::new(to),
                AgentId::new(agent),
                CallFrom::Pool(PoolId::new(pool)),
            );
            let placed = client.calling().initiate_from_pool(call).await.map_err(|e| e.to_string())?;
            Ok::<String, String>(
                serde_json::to_value(placed).map_err(|e| e.to_string())?["data"]["call_id"]
                    .as_str()
                    .unwrap_or("")
                    .to_string(),
            )
        }
    };
    if stall {
        let stalled = make_agent("Stalled").await?;
        let edit: ringg::types::AgentEdit = serde_json::from_value(json!({
            "agent_id": stalled, "operation": "edit_event_subscriptions",
            "event_subscriptions": [{ "event_type": ["call_started", "call_ringing", "call_ongoing", "call_completed",
                "recording_completed", "platform_analysis_completed", "client_analysis_completed", "all_processing_completed"],
                "callback_url": hook }],
        }))
        .map_err(|e| e.to_string())?;
        client.assistants().edit(edit).await.map_err(|e| e.to_string())?;
        for n in 0..5 {
            place(stalled.clone(), format!("+91955000000{n}")).await?;
        }
    }
    let other = make_agent("Other").await?;
    let started = Instant::now();
    let id = place(other, "+919550000099".into()).await?;
    // About 0.83 s at speed 60; bounded at 60 s.
    loop {
        let d =
            serde_json::to_value(client.calling().details(CallId::new(id.as_str())).await.map_err(|e| e.to_string())?)
                .map_err(|e| e.to_string())?;
        if d["data"]["call_status"] == "completed" {
            break;
        }
        if started.elapsed() > Duration::from_secs(60) {
            return Err("the call did not complete within 60 s".into());
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let took = started.elapsed();
    holder.abort();
    Ok(took)
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

fn verdict(ok: bool) -> &'static str {
    if ok { "met" } else { "MISSED" }
}

async fn start_once() -> Result<Duration, String> {
    let started = Instant::now();
    let emulator = Emulator::start().await.map_err(|e| e.to_string())?;
    fetch(emulator.addr(), "/ca/api/v0/workspace", &emulator.api_key()).await?;
    Ok(started.elapsed())
}

/// One GET on a fresh connection; the body of a 200.
async fn fetch(addr: SocketAddr, path: &str, key: &str) -> Result<Bytes, String> {
    let mut conn = Conn::open(addr).await?;
    let (status, body) = conn.get(path, key).await?;
    if status != 200 {
        return Err(format!("GET {path}: status {status}"));
    }
    Ok(body)
}

/// One keep-alive HTTP/1.1 connection.
struct Conn {
    sender: hyper::client::conn::http1::SendRequest<Empty<Bytes>>,
}

impl Conn {
    async fn open(addr: SocketAddr) -> Result<Conn, String> {
        let stream = tokio::net::TcpStream::connect(addr).await.map_err(|e| e.to_string())?;
        let _ = stream.set_nodelay(true);
        let (sender, conn) =
            hyper::client::conn::http1::handshake(TokioIo::new(stream)).await.map_err(|e| e.to_string())?;
        tokio::spawn(async move {
            let _ = conn.await;
        });
        Ok(Conn { sender })
    }

    async fn get(&mut self, path: &str, key: &str) -> Result<(u16, Bytes), String> {
        let req = hyper::Request::get(path)
            .header("host", "127.0.0.1")
            .header("x-api-key", key)
            .body(Empty::new())
            .map_err(|e| e.to_string())?;
        let resp = self.sender.send_request(req).await.map_err(|e| e.to_string())?;
        let status = resp.status().as_u16();
        let body = resp.into_body().collect().await.map_err(|e| e.to_string())?.to_bytes();
        Ok((status, body))
    }
}

/// `conns` connections each sending `PER_CONNECTION` requests: requests per second and every
/// latency.
async fn load(addr: SocketAddr, path: &str, key: &str, conns: usize) -> Result<(f64, Vec<Duration>), String> {
    let mut tasks = Vec::with_capacity(conns);
    let mut opened = Vec::with_capacity(conns);
    for _ in 0..conns {
        opened.push(Conn::open(addr).await?);
    }
    let started = Instant::now();
    for mut conn in opened {
        let (path, key) = (path.to_string(), key.to_string());
        tasks.push(tokio::spawn(async move {
            let mut lat = Vec::with_capacity(PER_CONNECTION);
            for _ in 0..PER_CONNECTION {
                let t = Instant::now();
                let (status, _) = conn.get(&path, &key).await?;
                if status != 200 {
                    return Err(format!("status {status}"));
                }
                lat.push(t.elapsed());
            }
            Ok::<_, String>(lat)
        }));
    }
    let mut all = Vec::with_capacity(conns * PER_CONNECTION);
    for t in tasks {
        all.extend(t.await.map_err(|e| e.to_string())??);
    }
    let elapsed = started.elapsed().as_secs_f64();
    Ok((all.len() as f64 / elapsed, all))
}

#[derive(Default)]
struct Stats {
    rps: Vec<f64>,
    lat: Vec<Duration>,
}

impl Stats {
    /// Median requests per second, p50 and p99 in milliseconds.
    fn summary(&mut self) -> (f64, f64, f64) {
        self.rps.sort_by(f64::total_cmp);
        self.lat.sort();
        let p = |q: f64| ms(self.lat[((self.lat.len() - 1) as f64 * q) as usize]);
        (self.rps[self.rps.len() / 2], p(0.5), p(0.99))
    }
}

/// A hyper 1 server that answers every request with the same JSON bytes.
struct Trivial {
    addr: SocketAddr,
    stop: tokio::sync::oneshot::Sender<()>,
}

impl Trivial {
    async fn start(body: Bytes) -> Result<Trivial, String> {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.map_err(|e| e.to_string())?;
        let addr = listener.local_addr().map_err(|e| e.to_string())?;
        let (stop, mut stopped) = tokio::sync::oneshot::channel::<()>();
        tokio::spawn(async move {
            loop {
                tokio::select! {
                    _ = &mut stopped => return,
                    accepted = listener.accept() => {
                        let Ok((stream, _)) = accepted else { continue };
                        let _ = stream.set_nodelay(true);
                        let body = body.clone();
                        tokio::spawn(async move {
                            let service = hyper::service::service_fn(move |_req| {
                                let body = body.clone();
                                async move {
                                    let mut r = hyper::Response::new(Full::new(body));
                                    r.headers_mut().insert("content-type", hyper::header::HeaderValue::from_static("application/json"));
                                    Ok::<_, Infallible>(r)
                                }
                            });
                            let _ = hyper::server::conn::http1::Builder::new().serve_connection(TokioIo::new(stream), service).await;
                        });
                    }
                }
            }
        });
        Ok(Trivial { addr, stop })
    }

    fn stop(self) {
        let _ = self.stop.send(());
    }
}
