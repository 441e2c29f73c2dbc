//! Webhook delivery: one HTTP/1.1 request per attempt over a fresh connection, with a timeout.
//! Plain `http://` only; the emulator delivers to receivers on the test machine.

use std::time::Duration;

use bytes::Bytes;
use http_body_util::Full;
use hyper_util::rt::TokioIo;

use crate::state::Job;

/// How long one attempt may take, connection included.
const ATTEMPT_TIMEOUT: Duration = Duration::from_secs(5);

/// Posts the job's body to its URL; `Ok(status)` when the receiver answered.
pub(crate) async fn deliver(job: &Job) -> Result<u16, String> {
    match tokio::time::timeout(ATTEMPT_TIMEOUT, attempt(job)).await {
        Ok(r) => r,
        Err(_) => Err(format!("no answer within {} s", ATTEMPT_TIMEOUT.as_secs())),
    }
}

async fn attempt(job: &Job) -> Result<u16, String> {
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
