//! `cargo xtask bench client` (issue 4): the per-request overhead of the generated client
//! against a hand-written reqwest + serde_json call to the same local server, the decode
//! cost of a 100-item call-history page, and the encode cost of a `calling.initiate` body. The hand-written side decodes into types with serde's
//! derives (`bench_client_types`), as a hand-written client would, so the comparison includes
//! the generated types' own `Deserialize` impls. The generated client has no drift observer in
//! those rows (the default); one more row shows what an observer costs when it is set. That the
//! observer costs nothing when it is not set shows as the first two rows' ratios against the
//! same rows of the revision before it, run on the same machine.
//!
//! Run it optimised, with its feature:
//! `cargo run --release -p xtask --features client-bench -- bench client`.
//!
//! A minimal keep-alive HTTP/1.1 server runs in-process on 127.0.0.1, on its own thread and
//! runtime, and answers every request at once with a fixed body: `GET /calling/history` gets a
//! 100-item page built from the spec's call-history example, anything else the spec's
//! `workspace.get` example (a small body that shows the fixed cost of a request). The client
//! side runs on one current-thread runtime, so both contenders are scheduled the same way.
//!
//! The contenders run interleaved in one process: fixed rounds of a fixed number of calls,
//! A then B in even rounds and B then A in odd ones, so drift (other load on the shared
//! machine, CPU frequency) hits both alike. Each round gives one time per call; the figures are
//! medians over rounds, and the ratio is the median of the per-round ratios. Every loop is
//! bounded and the server stops when the bench ends.

use std::hint::black_box;
use std::net::SocketAddr;
use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::bench_client_types::{CallHistoryPage, InitiateCall, WorkspaceInfoResponse};
use serde_json::Value;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// Measured rounds per comparison (plus one warm-up round that is not recorded).
const ROUNDS: usize = 20;
/// Requests per contender per round.
const REQUESTS: usize = 200;
/// Decodes per contender per round.
const DECODES: usize = 300;
/// Body encodes per contender per round.
const ENCODES: usize = 20_000;
/// Items in the call-history page.
const PAGE_ITEMS: usize = 100;
/// The key both clients send; the server does not check it.
const KEY: &str = "rk_bench_0123456789abcdef";
/// Time allowed for any read on the server.
const READ_TIMEOUT: Duration = Duration::from_secs(10);
/// Connections the server accepts, and requests it serves on one connection.
const MAX_CONNECTIONS: usize = 1000;
const MAX_REQUESTS_PER_CONNECTION: usize = 1_000_000;
/// Largest request head accepted.
const MAX_HEAD: usize = 64 * 1024;

/// Runs the whole bench and prints the report.
pub fn run(root: &Path) -> Result<(), String> {
    if cfg!(debug_assertions) {
        eprintln!(
            "warning: unoptimised build; run `cargo run --release -p xtask --features client-bench -- bench client`"
        );
    }
    let (page, small) = bodies(root)?;
    let routes = Arc::new(Routes { page: response(&page), small: response(&small) });
    let server = Server::start(routes)?;
    let result = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| format!("cannot start the client runtime: {e}"))?
        .block_on(measure(server.addr, &page));
    server.stop();
    let report = result?;
    print!("{report}");
    Ok(())
}

/// The 100-item call-history page and the small workspace body, from the spec's examples.
fn bodies(root: &Path) -> Result<(Vec<u8>, Vec<u8>), String> {
    let files = crate::read_spec(root)?;
    let api = generator::load(&files).map_err(|d| d.to_string())?;
    let example = |resource: &str, endpoint: &str| -> Result<Value, String> {
        api.resources
            .iter()
            .find(|r| r.name == resource)
            .and_then(|r| r.endpoints.iter().find(|e| e.name == endpoint))
            .and_then(|e| e.examples.iter().find_map(|x| x.response.clone()))
            .ok_or_else(|| format!("the spec has no response example for {resource}.{endpoint}"))
    };
    let mut page = example("calling", "history")?;
    let item = page
        .get("calls")
        .and_then(|c| c.as_array())
        .and_then(|c| c.first())
        .cloned()
        .ok_or("the call-history example has no call")?;
    let calls: Vec<Value> = (0..PAGE_ITEMS)
        .map(|i| {
            let mut call = item.clone();
            call["id"] = Value::String(format!("{i:08x}-9e09-453d-bcb8-90cdbb157c79"));
            call
        })
        .collect();
    page["calls"] = Value::Array(calls);
    for key in ["limit", "count", "total"] {
        page[key] = Value::from(PAGE_ITEMS);
    }
    page["offset"] = Value::from(0);
    let page = serde_json::to_vec(&page).map_err(|e| e.to_string())?;
    let small = serde_json::to_vec(&example("workspace", "get")?).map_err(|e| e.to_string())?;
    Ok((page, small))
}

/// A complete HTTP/1.1 response with this JSON body.
fn response(body: &[u8]) -> Vec<u8> {
    let mut out =
        format!("HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\r\n", body.len())
            .into_bytes();
    out.extend_from_slice(body);
    out
}

// ---------------------------------------------------------------------------------------------
// The server.

struct Routes {
    page: Vec<u8>,
    small: Vec<u8>,
}

struct Server {
    addr: SocketAddr,
    stop: tokio::sync::oneshot::Sender<()>,
    thread: std::thread::JoinHandle<()>,
}

impl Server {
    /// Binds 127.0.0.1:0 and serves on a thread of its own until [`Server::stop`].
    fn start(routes: Arc<Routes>) -> Result<Server, String> {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|e| format!("cannot start the server runtime: {e}"))?;
        let listener = runtime
            .block_on(TcpListener::bind("127.0.0.1:0"))
            .map_err(|e| format!("cannot bind a loopback port: {e}"))?;
        let addr = listener.local_addr().map_err(|e| e.to_string())?;
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let thread = std::thread::spawn(move || {
            runtime.block_on(async move {
                let accept = async {
                    for _ in 0..MAX_CONNECTIONS {
                        let Ok((stream, _)) = listener.accept().await else { break };
                        tokio::spawn(serve(stream, routes.clone()));
                    }
                };
                tokio::select! {
                    () = accept => {}
                    _ = stopped => {}
                }
            });
            // Dropping the runtime here cancels every connection task.
        });
        Ok(Server { addr, stop, thread })
    }

    fn stop(self) {
        let _ = self.stop.send(());
        let _ = self.thread.join();
    }
}

/// Serves one keep-alive connection: read a request head (and body), answer, repeat.
async fn serve(mut stream: TcpStream, routes: Arc<Routes>) {
    // The answer is one write, but a client's next request must not wait for a delayed ACK.
    let _ = stream.set_nodelay(true);
    let mut buf: Vec<u8> = Vec::with_capacity(16 * 1024);
    let mut chunk = vec![0u8; 16 * 1024];
    for _ in 0..MAX_REQUESTS_PER_CONNECTION {
        // Read until the end of the head.
        let head_end = loop {
            if let Some(at) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
                break at + 4;
            }
            if buf.len() > MAX_HEAD {
                return;
            }
            match tokio::time::timeout(READ_TIMEOUT, stream.read(&mut chunk)).await {
                Ok(Ok(n)) if n > 0 => buf.extend_from_slice(&chunk[..n]),
                _ => return,
            }
        };
        let head = String::from_utf8_lossy(&buf[..head_end]).into_owned();
        let body_len = head
            .lines()
            .filter_map(|l| l.split_once(':'))
            .find(|(name, _)| name.trim().eq_ignore_ascii_case("content-length"))
            .and_then(|(_, v)| v.trim().parse::<usize>().ok())
            .unwrap_or(0);
        // Skip the body (none for GET).
        while buf.len() < head_end + body_len {
            match tokio::time::timeout(READ_TIMEOUT, stream.read(&mut chunk)).await {
                Ok(Ok(n)) if n > 0 => buf.extend_from_slice(&chunk[..n]),
                _ => return,
            }
        }
        buf.drain(..head_end + body_len);
        let path = head.split(' ').nth(1).unwrap_or("/");
        let answer = if path.starts_with("/calling/history") { &routes.page } else { &routes.small };
        if stream.write_all(answer).await.is_err() {
            return;
        }
    }
}

// ---------------------------------------------------------------------------------------------
// The contenders.

struct Clients {
    ringg: ringg::Client,
    /// The same client with a drift observer: every JSON response is walked a second time.
    observed: ringg::Client,
    http: reqwest::Client,
    history_url: String,
    small_url: String,
    user_agent: String,
}

/// The generated client: `client.calling().history().limit(100).send()`.
async fn generated_page(c: &Clients) -> usize {
    let page = c.ringg.calling().history().limit(100).send().await.expect("the generated client reads the page");
    page.calls.len()
}

/// The generated client with a drift observer set.
async fn observed_page(c: &Clients) -> usize {
    let page = c.observed.calling().history().limit(100).send().await.expect("the observed client reads the page");
    page.calls.len()
}

/// The same request by hand: the same URL and headers, `bytes()`, then `serde_json`.
async fn manual_page(c: &Clients) -> usize {
    let response = c
        .http
        .get(&c.history_url)
        .header("x-api-key", KEY)
        .header("user-agent", &c.user_agent)
        .header("accept", "application/json")
        .send()
        .await
        .expect("the hand-written request is sent");
    assert!(response.status().is_success(), "status {}", response.status());
    let bytes = response.bytes().await.expect("the body is read");
    let page: CallHistoryPage = serde_json::from_slice(&bytes).expect("the page decodes");
    page.calls.len()
}

/// The generated client on a small body: `client.workspace().get()`.
async fn generated_small(c: &Clients) -> usize {
    let info = c.ringg.workspace().get().send().await.expect("the generated client reads the workspace");
    info.workspace_info.name.len()
}

/// The same small request by hand.
async fn manual_small(c: &Clients) -> usize {
    let response = c
        .http
        .get(&c.small_url)
        .header("x-api-key", KEY)
        .header("user-agent", &c.user_agent)
        .header("accept", "application/json")
        .send()
        .await
        .expect("the hand-written request is sent");
    assert!(response.status().is_success(), "status {}", response.status());
    let bytes = response.bytes().await.expect("the body is read");
    let info: WorkspaceInfoResponse = serde_json::from_slice(&bytes).expect("the body decodes");
    info.workspace_info.name.len()
}

async fn measure(addr: SocketAddr, page: &[u8]) -> Result<String, String> {
    // reqwest is built without a default TLS provider (as the generated crate uses it); the
    // hand-written client needs one installed even for plain http.
    let _ = rustls::crypto::ring::default_provider().install_default();
    let base = format!("http://{addr}");
    let ringg = ringg::Client::builder()
        .api_key(KEY)
        // The server's root: a URL without a path would get the production path.
        .base_url(format!("{base}/"))
        .build()
        .map_err(|e| format!("cannot build the generated client: {e}"))?;
    // Counts what it is told; the bench's bodies are the spec's examples, so it stays at zero.
    let found = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let sink = found.clone();
    let observed = ringg::Client::builder()
        .api_key(KEY)
        .base_url(format!("{base}/"))
        .drift_observer(move |_: &ringg::Drift| {
            sink.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        })
        .build()
        .map_err(|e| format!("cannot build the observed client: {e}"))?;
    // As the generated client configures its own: no redirects, the same default timeouts.
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .connect_timeout(Duration::from_secs(10))
        .timeout(Duration::from_secs(60))
        .build()
        .map_err(|e| format!("cannot build the reqwest client: {e}"))?;
    let clients = Clients {
        ringg,
        observed,
        http,
        history_url: format!("{base}/calling/history?limit=100"),
        small_url: format!("{base}/workspace"),
        user_agent: format!("ringg-rust/{}", env!("CARGO_PKG_VERSION")),
    };

    let mut out = String::new();
    out.push_str(&format!(
        "client bench: {ROUNDS} rounds x {REQUESTS} requests per contender (interleaved, after 1 warm-up round); page of {PAGE_ITEMS} calls = {} bytes\n\n",
        page.len()
    ));

    let (a, b) = interleave(
        || async { black_box(generated_page(&clients).await) },
        || async { black_box(manual_page(&clients).await) },
        REQUESTS,
    )
    .await;
    out.push_str(&row("GET /calling/history, 100 items", "generated (no observer)", "reqwest + serde derive", &a, &b));

    let (a, b) = interleave(
        || async { black_box(generated_small(&clients).await) },
        || async { black_box(manual_small(&clients).await) },
        REQUESTS,
    )
    .await;
    out.push_str(&row("GET /workspace, small body", "generated (no observer)", "reqwest + serde derive", &a, &b));

    // What the drift observer costs when it is on: a second parse and a strict walk of every
    // page. (Off, it is one `Option` checked per response: the two rows above, against the
    // same rows of the revision before the observer, show that.)
    let (a, b) = interleave(
        || async { black_box(observed_page(&clients).await) },
        || async { black_box(generated_page(&clients).await) },
        REQUESTS,
    )
    .await;
    out.push_str(&informative_row(
        "GET /calling/history, 100 items, drift observer on",
        "generated + observer",
        "generated (no observer)",
        &a,
        &b,
    ));
    let reported = found.load(std::sync::atomic::Ordering::Relaxed);
    if reported != 0 {
        return Err(format!("the observer found {reported} differences in the spec's own examples"));
    }

    // Pure decode of the page bytes: the runtime's reader (what responses go through) into the
    // generated types against plain serde_json into derived types. No I/O: synchronous, but
    // measured the same way.
    let (a, b) =
        interleave(|| async { black_box(decode_runtime(page)) }, || async { black_box(decode_plain(page)) }, DECODES)
            .await;
    out.push_str(&row("decode the 100-item page", "runtime (read_slice)", "derived serde types", &a, &b));

    // Pure encode of a request body: the runtime's writer (what request bodies go through)
    // from the generated type against serde_json from a derived type. Both must write the
    // same bytes, or the comparison would not be of the same work.
    let (generated, plain) = initiate_bodies();
    let written = encode_runtime(&generated);
    let serialized = encode_plain(&plain);
    if written != serialized {
        return Err(format!(
            "the two encoders disagree:\n  writer: {}\n  serde:  {}",
            String::from_utf8_lossy(&written),
            String::from_utf8_lossy(&serialized)
        ));
    }
    let (a, b) = interleave(
        || async { black_box(encode_runtime(&generated).len()) },
        || async { black_box(encode_plain(&plain).len()) },
        ENCODES,
    )
    .await;
    out.push_str(&row(
        &format!("encode a calling.initiate body ({} bytes)", written.len()),
        "runtime (ToJson)",
        "derived serde type",
        &a,
        &b,
    ));
    Ok(out)
}

/// The same `calling.initiate` body as the generated type and as the hand-written one.
fn initiate_bodies() -> (ringg::types::InitiateCall, InitiateCall) {
    use ringg::types::{AgentId, CallerNumber, PhoneNumber};
    let args: std::collections::BTreeMap<String, String> = [
        ("customer_name", "Aarav \"AJ\" Sharma"),
        ("plan", "Gold – annual"),
        ("due_date", "2026-03-01"),
        ("amount", "₹ 4,999"),
        ("note", "call after 6pm\nprefers Hindi"),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v.to_owned()))
    .collect();
    let generated = ringg::types::InitiateCall::new(
        "Aarav Sharma",
        PhoneNumber::new("+919876543210"),
        AgentId::new("a1b2c3d4-0000-4000-8000-123456789abc"),
        CallerNumber::Number(PhoneNumber::new("+918045678901")),
    )
    .custom_args_values(args.clone())
    .callback_url("https://example.com/ringg/callback");
    let plain = InitiateCall {
        name: "Aarav Sharma".into(),
        mobile_number: "+919876543210".into(),
        agent_id: "a1b2c3d4-0000-4000-8000-123456789abc".into(),
        from_number: "+918045678901".into(),
        custom_args_values: Some(args),
        callback_url: Some("https://example.com/ringg/callback".into()),
    };
    (generated, plain)
}

fn encode_runtime(body: &ringg::types::InitiateCall) -> Vec<u8> {
    ringg::runtime::write::Writer::to_vec(black_box(body)).expect("the body encodes")
}

fn encode_plain(body: &InitiateCall) -> Vec<u8> {
    serde_json::to_vec(black_box(body)).expect("the body encodes")
}

fn decode_runtime(bytes: &[u8]) -> usize {
    let page: ringg::types::CallHistoryPage = ringg::runtime::read_slice(black_box(bytes)).expect("the page decodes");
    page.calls.len()
}

fn decode_plain(bytes: &[u8]) -> usize {
    let page: CallHistoryPage = serde_json::from_slice(black_box(bytes)).expect("the page decodes");
    page.calls.len()
}

/// Per-call times of A and B, one per round, interleaved ABAB / BABA.
async fn interleave<FA, FB, RA, RB>(a: FA, b: FB, per_round: usize) -> (Vec<Duration>, Vec<Duration>)
where
    FA: Fn() -> RA,
    FB: Fn() -> RB,
    RA: std::future::Future<Output = usize>,
    RB: std::future::Future<Output = usize>,
{
    async fn time<F: Fn() -> R, R: std::future::Future<Output = usize>>(f: &F, n: usize) -> Duration {
        let start = Instant::now();
        for _ in 0..n {
            black_box(f().await);
        }
        start.elapsed() / u32::try_from(n).unwrap_or(u32::MAX)
    }
    // Warm-up: connections, allocator, caches.
    time(&a, per_round).await;
    time(&b, per_round).await;
    let mut ta = Vec::with_capacity(ROUNDS);
    let mut tb = Vec::with_capacity(ROUNDS);
    for round in 0..ROUNDS {
        if round % 2 == 0 {
            ta.push(time(&a, per_round).await);
            tb.push(time(&b, per_round).await);
        } else {
            tb.push(time(&b, per_round).await);
            ta.push(time(&a, per_round).await);
        }
    }
    (ta, tb)
}

fn median(values: &mut [f64]) -> f64 {
    values.sort_by(f64::total_cmp);
    let n = values.len();
    if n == 0 {
        return f64::NAN;
    }
    if n % 2 == 1 { values[n / 2] } else { (values[n / 2 - 1] + values[n / 2]) / 2.0 }
}

fn micros(d: &[Duration]) -> Vec<f64> {
    d.iter().map(|d| d.as_secs_f64() * 1e6).collect()
}

/// [`row`] for a comparison without a target.
fn informative_row(what: &str, a_name: &str, b_name: &str, a: &[Duration], b: &[Duration]) -> String {
    let text = row(what, a_name, b_name, a, b);
    match text.find("  [target") {
        Some(at) => format!("{}  [cost of the observer; no target]\n\n", &text[..at]),
        None => text,
    }
}

/// One comparison: medians, spread, the median of per-round ratios, and the verdict.
fn row(what: &str, a_name: &str, b_name: &str, a: &[Duration], b: &[Duration]) -> String {
    let (mut am, mut bm) = (micros(a), micros(b));
    let mut ratios: Vec<f64> = am.iter().zip(&bm).map(|(x, y)| x / y).collect();
    let (a_med, b_med) = (median(&mut am), median(&mut bm));
    let ratio = median(&mut ratios);
    // Sub-microsecond rows (the body encode) need more digits to say anything.
    let p = if b_med < 10.0 { 3 } else { 1 };
    let spread = |v: &[f64]| {
        format!("{:.p$}..{:.p$}", v.first().copied().unwrap_or(f64::NAN), v.last().copied().unwrap_or(f64::NAN))
    };
    format!(
        "{what}\n  {a_name:<24} median {a_med:>9.p$} us/call  (rounds {})\n  {b_name:<24} median {b_med:>9.p$} us/call  (rounds {})\n  ratio {ratio:.3}x (median of per-round ratios; ratio of medians {:.3}x), difference {:+.p$} us/call  [target <= 1.05x: {}]\n\n",
        spread(&am),
        spread(&bm),
        a_med / b_med,
        a_med - b_med,
        if ratio <= 1.05 { "met" } else { "NOT met" },
    )
}
