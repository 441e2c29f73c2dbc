//! A scripted loopback HTTP/1.1 server for the runtime's tests.
//!
//! It listens on `127.0.0.1:0`, records every request it reads (method, path, query,
//! headers, body) and answers from a script, in order: a status with headers and body
//! (optionally after a delay, optionally trickled slowly), or closing the connection after
//! reading the request. Every read has a time limit and every loop a bound; the server
//! stops when dropped.

use std::collections::VecDeque;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinSet;

/// Time allowed for any single read from a client.
const READ_TIMEOUT: Duration = Duration::from_secs(10);
/// Largest request head accepted.
const MAX_HEAD: usize = 64 * 1024;
/// Largest request body accepted.
const MAX_BODY: usize = 64 * 1024 * 1024;
/// Most requests served on one connection, and connections accepted.
const MAX_REQUESTS: usize = 1000;

/// One request as the server read it.
#[derive(Debug, Clone)]
pub(crate) struct Recorded {
    pub(crate) method: String,
    /// The raw path, still percent-encoded.
    pub(crate) path: String,
    /// The raw query string, if any.
    pub(crate) raw_query: Option<String>,
    /// Decoded query pairs, in order.
    pub(crate) query: Vec<(String, String)>,
    /// Headers with lower-case names, in order.
    pub(crate) headers: Vec<(String, String)>,
    pub(crate) body: Vec<u8>,
}

impl Recorded {
    /// The first value of a header.
    pub(crate) fn header(&self, name: &str) -> Option<&str> {
        let name = name.to_ascii_lowercase();
        self.headers.iter().find(|(n, _)| *n == name).map(|(_, v)| v.as_str())
    }

    /// Every value of a query parameter.
    pub(crate) fn query_all(&self, name: &str) -> Vec<&str> {
        self.query.iter().filter(|(n, _)| n == name).map(|(_, v)| v.as_str()).collect()
    }

    /// The first value of a query parameter.
    pub(crate) fn query_one(&self, name: &str) -> Option<&str> {
        self.query_all(name).first().copied()
    }
}

/// What the server does with one request.
#[derive(Debug, Clone)]
pub(crate) enum Reply {
    /// Answer with a status, headers and body.
    Respond {
        status: u16,
        headers: Vec<(String, String)>,
        body: Vec<u8>,
        /// Wait this long before answering.
        delay: Duration,
        /// Send the body in chunks of this size, pausing between them.
        trickle: Option<(usize, Duration)>,
    },
    /// Read the request, then close the connection without answering.
    Close,
}

impl Reply {
    /// An empty answer with this status.
    pub(crate) fn status(status: u16) -> Reply {
        Reply::Respond { status, headers: Vec::new(), body: Vec::new(), delay: Duration::ZERO, trickle: None }
    }

    /// A JSON answer.
    pub(crate) fn json(status: u16, body: &str) -> Reply {
        Reply::status(status).header("content-type", "application/json").body(body.as_bytes().to_vec())
    }

    /// Closes the connection after reading the request.
    pub(crate) fn close() -> Reply {
        Reply::Close
    }

    /// Adds a header.
    pub(crate) fn header(mut self, name: &str, value: &str) -> Reply {
        if let Reply::Respond { headers, .. } = &mut self {
            headers.push((name.to_owned(), value.to_owned()));
        }
        self
    }

    /// Sets the body.
    pub(crate) fn body(mut self, bytes: Vec<u8>) -> Reply {
        if let Reply::Respond { body, .. } = &mut self {
            *body = bytes;
        }
        self
    }

    /// Waits before answering.
    pub(crate) fn delay(mut self, wait: Duration) -> Reply {
        if let Reply::Respond { delay, .. } = &mut self {
            *delay = wait;
        }
        self
    }

    /// Sends the body `chunk` bytes at a time, pausing `pause` between chunks.
    pub(crate) fn trickle(mut self, chunk: usize, pause: Duration) -> Reply {
        if let Reply::Respond { trickle, .. } = &mut self {
            *trickle = Some((chunk.max(1), pause));
        }
        self
    }
}

#[derive(Default)]
struct State {
    script: Mutex<VecDeque<Reply>>,
    requests: Mutex<Vec<Recorded>>,
}

/// The running server; stops (with all its connections) when dropped.
pub(crate) struct TestServer {
    addr: SocketAddr,
    state: Arc<State>,
    task: tokio::task::JoinHandle<()>,
}

impl TestServer {
    /// Starts a server on a free loopback port answering with `script`.
    pub(crate) async fn start(script: Vec<Reply>) -> TestServer {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind loopback");
        TestServer::serve(listener, script)
    }

    /// Starts a server with `script` on a runtime of its own, so that the calling thread can
    /// block (the blocking client's tests). Keep the runtime as long as the server.
    #[cfg(feature = "blocking")]
    pub(crate) fn start_on_own_runtime(script: Vec<Reply>) -> (tokio::runtime::Runtime, TestServer) {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .expect("a runtime for the test server");
        let server = runtime.block_on(TestServer::start(script));
        (runtime, server)
    }

    /// Starts a server on a given loopback port.
    pub(crate) async fn start_on(port: u16, script: Vec<Reply>) -> TestServer {
        let listener = TcpListener::bind(("127.0.0.1", port)).await.expect("bind loopback port");
        TestServer::serve(listener, script)
    }

    fn serve(listener: TcpListener, script: Vec<Reply>) -> TestServer {
        let addr = listener.local_addr().expect("local addr");
        let state = Arc::new(State { script: Mutex::new(script.into()), requests: Mutex::new(Vec::new()) });
        let task_state = state.clone();
        let task = tokio::spawn(async move {
            let mut connections = JoinSet::new();
            for _ in 0..MAX_REQUESTS {
                let Ok((stream, _)) = listener.accept().await else {
                    break;
                };
                // A reply is written as head then body: without this, Nagle's algorithm holds
                // the body until the client's delayed ACK (40 ms) on a reused connection.
                let _ = stream.set_nodelay(true);
                connections.spawn(handle(stream, task_state.clone()));
                while connections.try_join_next().is_some() {}
            }
        });
        TestServer { addr, state, task }
    }

    /// `http://127.0.0.1:PORT`.
    pub(crate) fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Every request received so far.
    pub(crate) fn requests(&self) -> Vec<Recorded> {
        self.state.requests.lock().unwrap().clone()
    }

    /// How many requests were received so far.
    pub(crate) fn request_count(&self) -> usize {
        self.state.requests.lock().unwrap().len()
    }

    /// Waits (at most `within`) until `n` requests were received; returns the count.
    pub(crate) async fn wait_for(&self, n: usize, within: Duration) -> usize {
        let deadline = tokio::time::Instant::now() + within;
        while self.request_count() < n && tokio::time::Instant::now() < deadline {
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        self.request_count()
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// A connection with a read buffer kept across requests.
struct Conn {
    stream: TcpStream,
    buf: Vec<u8>,
}

impl Conn {
    /// Reads more bytes; false at end of stream, on error or after the read timeout.
    async fn fill(&mut self) -> bool {
        self.buf.reserve(16 * 1024);
        matches!(
            tokio::time::timeout(READ_TIMEOUT, self.stream.read_buf(&mut self.buf)).await,
            Ok(Ok(n)) if n > 0
        )
    }

    /// Takes `n` bytes from the buffer, reading as needed.
    async fn take(&mut self, n: usize) -> Option<Vec<u8>> {
        while self.buf.len() < n {
            if !self.fill().await {
                return None;
            }
        }
        Some(self.buf.drain(..n).collect())
    }

    /// Takes one CRLF-terminated line (without the CRLF).
    async fn line(&mut self) -> Option<String> {
        for _ in 0..MAX_HEAD {
            if let Some(at) = self.buf.windows(2).position(|w| w == b"\r\n") {
                let line: Vec<u8> = self.buf.drain(..at + 2).take(at).collect();
                return String::from_utf8(line).ok();
            }
            if self.buf.len() > MAX_HEAD || !self.fill().await {
                return None;
            }
        }
        None
    }
}

async fn handle(stream: TcpStream, state: Arc<State>) {
    let mut conn = Conn { stream, buf: Vec::new() };
    for _ in 0..MAX_REQUESTS {
        let Some(request) = read_request(&mut conn).await else {
            return;
        };
        state.requests.lock().unwrap().push(request);
        let reply = state
            .script
            .lock()
            .unwrap()
            .pop_front()
            .unwrap_or_else(|| Reply::json(418, r#"{"detail": "test server: no scripted reply left"}"#));
        match reply {
            Reply::Close => {
                let _ = conn.stream.shutdown().await;
                return;
            }
            Reply::Respond { status, headers, body, delay, trickle } => {
                tokio::time::sleep(delay).await;
                let mut head = format!("HTTP/1.1 {status} Scripted\r\ncontent-length: {}\r\n", body.len());
                for (name, value) in &headers {
                    head.push_str(&format!("{name}: {value}\r\n"));
                }
                head.push_str("\r\n");
                if conn.stream.write_all(head.as_bytes()).await.is_err() {
                    return;
                }
                let written = match trickle {
                    None => conn.stream.write_all(&body).await,
                    Some((size, pause)) => {
                        let mut result = Ok(());
                        for chunk in body.chunks(size) {
                            result = conn.stream.write_all(chunk).await;
                            if result.is_err() {
                                break;
                            }
                            let _ = conn.stream.flush().await;
                            tokio::time::sleep(pause).await;
                        }
                        result
                    }
                };
                if written.is_err() || conn.stream.flush().await.is_err() {
                    return;
                }
            }
        }
    }
}

async fn read_request(conn: &mut Conn) -> Option<Recorded> {
    // Not HTTP (a TLS ClientHello, say): close at once.
    if conn.buf.is_empty() && !conn.fill().await {
        return None;
    }
    if !conn.buf[0].is_ascii_uppercase() {
        return None;
    }
    let request_line = conn.line().await?;
    let mut parts = request_line.split(' ');
    let method = parts.next()?.to_owned();
    let target = parts.next()?.to_owned();
    let mut headers = Vec::new();
    for _ in 0..256 {
        let line = conn.line().await?;
        if line.is_empty() {
            break;
        }
        let (name, value) = line.split_once(':')?;
        headers.push((name.trim().to_ascii_lowercase(), value.trim().to_owned()));
    }
    let header = |name: &str| headers.iter().find(|(n, _)| n == name).map(|(_, v)| v.clone());
    let body = if let Some(length) = header("content-length") {
        let length: usize = length.parse().ok()?;
        if length > MAX_BODY {
            return None;
        }
        conn.take(length).await?
    } else if header("transfer-encoding").is_some_and(|te| te.eq_ignore_ascii_case("chunked")) {
        read_chunked(conn).await?
    } else {
        Vec::new()
    };
    let (path, raw_query) = match target.split_once('?') {
        Some((path, query)) => (path.to_owned(), Some(query.to_owned())),
        None => (target.clone(), None),
    };
    let query = raw_query
        .as_deref()
        .map(|q| {
            q.split('&')
                .filter(|pair| !pair.is_empty())
                .map(|pair| {
                    let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
                    (form_decode(name), form_decode(value))
                })
                .collect()
        })
        .unwrap_or_default();
    Some(Recorded { method, path, raw_query, query, headers, body })
}

async fn read_chunked(conn: &mut Conn) -> Option<Vec<u8>> {
    let mut body = Vec::new();
    for _ in 0..1_000_000 {
        let size_line = conn.line().await?;
        let size = usize::from_str_radix(size_line.split(';').next()?.trim(), 16).ok()?;
        if size == 0 {
            // Trailers, up to the empty line.
            for _ in 0..256 {
                if conn.line().await?.is_empty() {
                    return Some(body);
                }
            }
            return None;
        }
        if body.len() + size > MAX_BODY {
            return None;
        }
        body.extend(conn.take(size).await?);
        conn.take(2).await?;
    }
    None
}

/// Decodes `application/x-www-form-urlencoded` text.
pub(crate) fn form_decode(text: &str) -> String {
    let text = text.replace('+', " ");
    percent_encoding::percent_decode_str(&text).decode_utf8_lossy().into_owned()
}
