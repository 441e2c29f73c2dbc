//! Webhook and callback delivery: one HTTP/1.1 request per attempt over a fresh connection,
//! with a timeout (by default the 30 seconds the spec gives receivers to answer). Plain
//! `http://` only; the emulator delivers to receivers on the test machine.
//!
//! Deliveries never hold up the clock: each receiver (a URL's host and port) has its own queue,
//! served one attempt at a time so that a receiver sees its events in order, and at most
//! [`MAX_RUNNING`] attempts run at once over all receivers. A receiver that never answers
//! delays only its own queue. A queue longer than [`RECEIVER_QUEUE_MAX`] fails new attempts at
//! once (they are retried like any failure), so a dead receiver cannot grow memory.

use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use http_body_util::Full;
use hyper_util::rt::TokioIo;
use serde_json::Value;

use crate::shared::{Dispatch, Shared};

/// Attempts running at once, over all receivers.
pub(crate) const MAX_RUNNING: usize = 64;
/// Attempts waiting for one receiver; more fail at once.
pub(crate) const RECEIVER_QUEUE_MAX: usize = 1_000;

/// What one attempt sends.
struct Attempt {
    url: String,
    method: String,
    headers: Vec<(String, String)>,
    body: Value,
    json_header: bool,
}

/// The receiver a URL goes to: its host and port.
fn receiver_key(url: &str) -> String {
    let rest = url.split_once("://").map_or(url, |(_, r)| r);
    rest.split(['/', '?', '#']).next().unwrap_or("").to_ascii_lowercase()
}

/// Queues attempts of the deliveries `ids`, due at emulator time `at_ms`, and starts what may
/// start.
pub(crate) fn dispatch(shared: &Arc<Shared>, ids: Vec<u64>, at_ms: u64) {
    if ids.is_empty() {
        return;
    }
    let keyed: Vec<(u64, String)> = {
        let st = shared.lock();
        ids.into_iter().filter_map(|id| st.jobs.get(&id).map(|j| (id, receiver_key(&j.url)))).collect()
    };
    let mut overflow = Vec::new();
    let start = {
        let mut d = shared.dispatch();
        for (id, key) in keyed {
            let q = d.receivers.entry(key.clone()).or_default();
            if q.waiting.len() >= RECEIVER_QUEUE_MAX {
                overflow.push(id);
                continue;
            }
            q.waiting.push_back((id, at_ms));
            let becomes_ready = !q.busy && !q.in_ready;
            if becomes_ready {
                q.in_ready = true;
            }
            d.outstanding += 1;
            if becomes_ready {
                d.ready.push_back(key);
            }
        }
        take_ready(&mut d)
    };
    spawn_all(shared, start);
    if !overflow.is_empty() {
        let mut st = shared.lock();
        for id in overflow {
            let msg = format!("the receiver already has {RECEIVER_QUEUE_MAX} deliveries waiting");
            st.record_attempt(id, Err(msg), at_ms);
        }
    }
}

/// Takes the attempts of ready receivers that may start while fewer than [`MAX_RUNNING`] run,
/// counting them as running.
fn take_ready(d: &mut Dispatch) -> Vec<(String, u64, u64)> {
    let mut out = Vec::new();
    while d.running < MAX_RUNNING {
        let Some(key) = d.ready.pop_front() else { break };
        let Some(q) = d.receivers.get_mut(&key) else { continue };
        q.in_ready = false;
        let Some((id, at_ms)) = q.waiting.pop_front() else { continue };
        q.busy = true;
        d.running += 1;
        out.push((key, id, at_ms));
    }
    out
}

/// Spawns taken attempts; called without the dispatch lock, since a task the runtime refuses
/// is dropped at once and its `Drop` takes that lock.
fn spawn_all(shared: &Arc<Shared>, start: Vec<(String, u64, u64)>) {
    for (key, id, at_ms) in start {
        let running = Running { shared: shared.clone(), key };
        tokio::spawn(async move {
            running.run(id, at_ms).await;
        });
    }
}

/// One running attempt. Its bookkeeping is in `Drop`, so even a panicking attempt frees its
/// receiver and lets `settle` finish.
struct Running {
    shared: Arc<Shared>,
    key: String,
}

impl Running {
    async fn run(&self, id: u64, at_ms: u64) {
        let attempt = self.shared.lock().jobs.get(&id).map(|j| Attempt {
            url: j.url.clone(),
            method: j.method.clone(),
            headers: j.headers.clone(),
            body: j.body.clone(),
            json_header: j.json_header,
        });
        let Some(attempt) = attempt else { return };
        let result = deliver(&attempt, self.shared.limits.delivery_timeout).await;
        let mut st = self.shared.lock();
        // On the manual clock an attempt counts at the time it was due, so retries are
        // scheduled the same however long the receiver took; on the real clock, now.
        let at = if self.shared.manual() { at_ms } else { st.now_ms };
        st.record_attempt(id, result, at);
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        let start = {
            let mut d = self.shared.dispatch();
            d.running = d.running.saturating_sub(1);
            d.outstanding = d.outstanding.saturating_sub(1);
            let mut ready = false;
            let mut empty = false;
            if let Some(q) = d.receivers.get_mut(&self.key) {
                q.busy = false;
                if q.waiting.is_empty() {
                    empty = true;
                } else if !q.in_ready {
                    q.in_ready = true;
                    ready = true;
                }
            }
            if empty {
                d.receivers.remove(&self.key);
            }
            if ready {
                d.ready.push_back(self.key.clone());
            }
            if d.outstanding == 0 {
                self.shared.idle.notify_waiters();
            }
            take_ready(&mut d)
        };
        spawn_all(&self.shared, start);
    }
}

/// Waits until no attempt is queued or running.
pub(crate) async fn idle(shared: &Shared) {
    loop {
        let notified = shared.idle.notified();
        tokio::pin!(notified);
        notified.as_mut().enable();
        if shared.dispatch().outstanding == 0 {
            return;
        }
        notified.await;
    }
}

/// Sends one attempt; `Ok(status)` when the receiver answered within `timeout`.
async fn deliver(job: &Attempt, timeout: Duration) -> Result<u16, String> {
    match tokio::time::timeout(timeout, attempt(job)).await {
        Ok(r) => r,
        Err(_) => Err(format!("no answer within {} ms", timeout.as_millis())),
    }
}

async fn attempt(job: &Attempt) -> Result<u16, String> {
    let url = job.url.as_str();
    let rest = url
        .strip_prefix("http://")
        .ok_or_else(|| format!("`{url}` is not an http:// URL; the emulator delivers over plain HTTP only"))?;
    let (authority, path) = rest.split_once('/').map_or((rest, "/".to_string()), |(a, p)| (a, format!("/{p}")));
    let host = if authority.contains(':') { authority.to_string() } else { format!("{authority}:80") };
    let stream = tokio::net::TcpStream::connect(&host).await.map_err(|e| format!("cannot connect to {host}: {e}"))?;
    let (mut sender, conn) =
        hyper::client::conn::http1::handshake(TokioIo::new(stream)).await.map_err(|e| e.to_string())?;
    tokio::spawn(async move {
        let _ = conn.await;
    });
    let mut req = hyper::Request::builder().method(job.method.as_str()).uri(path).header("host", authority);
    if job.json_header {
        req = req.header("content-type", "application/json");
    }
    req = req.header("user-agent", "ringg-emulator");
    for (k, v) in &job.headers {
        req = req.header(k.as_str(), v.as_str());
    }
    let req =
        req.body(Full::new(Bytes::from(job.body.to_string()))).map_err(|e| format!("bad webhook request: {e}"))?;
    let resp = sender.send_request(req).await.map_err(|e| e.to_string())?;
    Ok(resp.status().as_u16())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn receivers_are_host_and_port() {
        assert_eq!(receiver_key("http://127.0.0.1:9/a/b?x=1"), "127.0.0.1:9");
        assert_eq!(receiver_key("http://Example.test?x"), "example.test");
        assert_eq!(receiver_key("\u{e9}"), "\u{e9}");
    }
}
