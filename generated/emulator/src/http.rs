//! HTTP helpers the API's server and the control API share: JSON answers in Ringg's error
//! shape, the panic guard, the bounded body reader and the key check. A leaf of the HTTP side.

use std::panic::AssertUnwindSafe;

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::Response;
use hyper::body::Incoming;
use serde_json::{Value, json};
use tokio::sync::OwnedSemaphorePermit;

use crate::reply::{ApiError, err};
use crate::shared::{Limits, Shared};
use crate::validate::Problem;

/// Largest request body read; bigger ones get 413 before validation.
pub(crate) const MAX_BODY: usize = 16 * 1024 * 1024;

pub(crate) fn json_response(status: u16, body: &Value) -> Response<Full<Bytes>> {
    let mut r = Response::new(Full::new(Bytes::from(body.to_string())));
    *r.status_mut() = hyper::StatusCode::from_u16(status).unwrap_or(hyper::StatusCode::INTERNAL_SERVER_ERROR);
    r.headers_mut().insert("content-type", hyper::header::HeaderValue::from_static("application/json"));
    r
}

pub(crate) fn error_response(e: ApiError) -> Response<Full<Bytes>> {
    json_response(e.status, &json!({ "detail": e.detail }))
}

pub(crate) fn problems(status: u16, list: Vec<Problem>) -> ApiError {
    ApiError { status, detail: Value::Array(list.iter().map(Problem::to_json).collect()) }
}

/// Runs `f`, turning a panic into a 500 that names the operation (or control route), logged to
/// stderr: the last line of defence, so a bug answers instead of dropping the connection. Bad
/// input is refused with 4xx long before this; no test may ever see this 500.
pub(crate) fn guarded(op: impl std::fmt::Display, f: impl FnOnce() -> Response<Full<Bytes>>) -> Response<Full<Bytes>> {
    match std::panic::catch_unwind(AssertUnwindSafe(f)) {
        Ok(r) => r,
        Err(panic) => {
            let msg = panic
                .downcast_ref::<&str>()
                .map(|s| s.to_string())
                .or_else(|| panic.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "no message".into());
            eprintln!("ringg-emulator: BUG: handling `{op}` panicked: {msg}");
            error_response(err(
                500,
                format!("the emulator failed while handling `{op}` (a bug in the emulator): {msg}"),
            ))
        }
    }
}

/// A request body read within the limits, and the share of the in-flight budget it holds
/// until the answer is built.
pub(crate) struct Body {
    pub bytes: Bytes,
    _permit: Option<OwnedSemaphorePermit>,
}

/// Reads a body: 413 past [`MAX_BODY`] (at once when `Content-Length` says so), 400 when the
/// framing is malformed (a bad chunk), 408 when it is not sent in time. Bytes held at once over
/// all connections are bounded by the in-flight budget: a body with a length reserves it whole
/// before reading (so requests never deadlock on partial reservations), a chunked body reserves
/// chunk by chunk.
pub(crate) async fn read_body(limits: &Limits, body: Incoming, length: Option<u64>) -> Result<Body, ApiError> {
    let too_large = || {
        let p =
            Problem::new(vec![json!("body")], "too_large", format!("the request body is larger than {MAX_BODY} bytes"));
        problems(413, vec![p])
    };
    let timeout = || err(408, format!("the request body was not sent within {} s", limits.body_read_timeout.as_secs()));
    if length.is_some_and(|n| n > MAX_BODY as u64) {
        return Err(too_large());
    }
    let deadline = tokio::time::Instant::now() + limits.body_read_timeout;
    let reserve = |n: usize| {
        let sem = limits.in_flight.clone();
        let n = u32::try_from(n).unwrap_or(u32::MAX);
        async move { tokio::time::timeout_at(deadline, sem.acquire_many_owned(n)).await }
    };
    let mut permit = match length {
        Some(0) | None => None,
        Some(n) => match reserve(n as usize).await {
            Ok(Ok(p)) => Some(p),
            _ => return Err(timeout()),
        },
    };
    let mut body = body;
    let mut chunks = bytes::BytesMut::new();
    loop {
        let frame = match tokio::time::timeout_at(deadline, body.frame()).await {
            Err(_) => return Err(timeout()),
            Ok(None) => break,
            Ok(Some(Err(e))) => {
                let p =
                    Problem::new(vec![json!("body")], "body_invalid", format!("the request body is malformed: {e}"));
                return Err(problems(400, vec![p]));
            }
            Ok(Some(Ok(frame))) => frame,
        };
        let Ok(data) = frame.into_data() else { continue };
        if chunks.len().saturating_add(data.len()) > MAX_BODY {
            return Err(too_large());
        }
        if length.is_none() && !data.is_empty() {
            match reserve(data.len()).await {
                Ok(Ok(p)) => match permit.as_mut() {
                    Some(held) => held.merge(p),
                    None => permit = Some(p),
                },
                _ => return Err(timeout()),
            }
        }
        chunks.extend_from_slice(&data);
    }
    Ok(Body { bytes: chunks.freeze(), _permit: permit })
}

/// The 401 for a request without the key the emulator currently accepts.
pub(crate) fn unauthorized(shared: &Shared, key: Option<&str>) -> Option<Response<Full<Bytes>>> {
    let st = shared.lock();
    if key == Some(st.key.as_str()) {
        return None;
    }
    let msg = if key.is_none() { "Missing API key: send it in the X-API-KEY header" } else { "Invalid API key" };
    Some(error_response(err(401, msg)))
}
