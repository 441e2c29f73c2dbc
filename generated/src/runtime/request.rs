//! One request of one operation: per-request options, the send loop and its retries.

use std::fmt;
use std::future::{Future, IntoFuture};
use std::pin::Pin;
use std::time::{Duration, Instant};

use reqwest::Url;
use reqwest::header::{ACCEPT, CONTENT_TYPE, USER_AGENT};
use tracing::Instrument;

use super::client::ClientInner;
use super::timestamp::check_inputs;
use super::{Body, Client, Endpoint, Error, Operation, Query, Response, RetryPolicy};

/// The most of an error body that is read to extract the server's message.
const ERROR_BODY_LIMIT: usize = 64 * 1024;

/// A request ready to send: set per-request options ([`timeout`](Request::timeout),
/// [`retry_policy`](Request::retry_policy)), then `.await` it (or call [`send`](Request::send)).
/// The crate docs and each endpoint's docs show it in use.
///
/// `M` says how it is sent: [`Async`] (the default) by `.await`, or with the `blocking`
/// feature by the blocking client's `send`. Optional inputs and per-request options are set
/// the same way on both.
#[must_use = "a request does nothing until it is awaited or sent"]
pub struct Request<O: Operation, M = Async> {
    client: Client,
    op: O,
    timeout: Option<Duration>,
    retry: Option<RetryPolicy>,
    mode: M,
}

/// The mode of a [`Request`] sent with `.await`.
#[derive(Debug, Clone, Copy, Default)]
pub struct Async;

impl<O: Operation> Request<O> {
    /// A request of `op` through `client` (called by generated code).
    #[allow(dead_code)] // A spec without endpoints never calls it.
    pub(crate) fn new(client: Client, op: O) -> Request<O> {
        Request { client, op, timeout: None, retry: None, mode: Async }
    }

    /// The same request, sent in another mode.
    #[allow(dead_code)] // Used by the blocking client only.
    pub(crate) fn with_mode<M>(self, mode: M) -> Request<O, M> {
        Request { client: self.client, op: self.op, timeout: self.timeout, retry: self.retry, mode }
    }

    /// Sends the request (retrying as the policy and the endpoint allow) and decodes the
    /// response.
    pub async fn send(self) -> Result<O::Output, Error> {
        execute(&self.client, &self.op, self.timeout, self.retry.as_ref()).await
    }
}

impl<O: Operation, M> Request<O, M> {
    /// The operation's inputs, for generated setters.
    #[allow(dead_code)] // A spec whose operations have no optional inputs never calls it.
    pub(crate) fn op_mut(&mut self) -> &mut O {
        &mut self.op
    }

    /// The time allowed for each attempt of this request, overriding the client's timeout.
    pub fn timeout(mut self, timeout: Duration) -> Request<O, M> {
        self.timeout = Some(timeout);
        self
    }

    /// The retry policy for this request, overriding the client's.
    pub fn retry_policy(mut self, policy: RetryPolicy) -> Request<O, M> {
        self.retry = Some(policy);
        self
    }

    /// The client, the operation, the options and the mode.
    #[allow(clippy::type_complexity, reason = "taken apart once by each way of sending")]
    pub(crate) fn into_parts(self) -> (Client, O, Option<Duration>, Option<RetryPolicy>, M) {
        (self.client, self.op, self.timeout, self.retry, self.mode)
    }
}

impl<O: Operation> IntoFuture for Request<O> {
    type Output = Result<O::Output, Error>;
    type IntoFuture = Pin<Box<dyn Future<Output = Self::Output> + Send>>;

    fn into_future(self) -> Self::IntoFuture {
        Box::pin(self.send())
    }
}

impl<O: Operation, M> fmt::Debug for Request<O, M> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // The operation's inputs are left out: they may hold personal data.
        f.debug_struct("Request")
            .field("endpoint", &O::ENDPOINT.name)
            .field("timeout", &self.timeout)
            .field("retry_policy", &self.retry)
            .finish_non_exhaustive()
    }
}

/// Sends `op`, retrying as allowed, and decodes the response.
pub(crate) async fn execute<O: Operation>(
    client: &Client,
    op: &O,
    timeout: Option<Duration>,
    retry: Option<&RetryPolicy>,
) -> Result<O::Output, Error> {
    let endpoint = O::ENDPOINT;
    let inner = client.inner();
    let policy = retry.unwrap_or(&inner.retry);
    let timeout = timeout.unwrap_or(inner.timeout);
    op.check().map_err(|e| e.with_endpoint(endpoint.name, endpoint.retry))?;
    let url = build_url(inner, &endpoint, op).map_err(|e| e.with_endpoint(endpoint.name, endpoint.retry))?;
    let mut retries = 0u32;
    loop {
        let span = tracing::info_span!(
            "request",
            endpoint = endpoint.name,
            method = %endpoint.method,
            path = endpoint.path,
            attempt = retries + 1,
            status = tracing::field::Empty,
            latency_ms = tracing::field::Empty,
        );
        let outcome = attempt::<O>(inner, &endpoint, op, &url, timeout, &span).instrument(span.clone()).await;
        let (err, replayable) = match outcome {
            Ok(output) => return Ok(output),
            Err((err, replayable)) => (err.with_endpoint(endpoint.name, endpoint.retry), replayable),
        };
        // `is_retryable` knows the endpoint's safety: an unsafe endpoint is only retried
        // when the request never reached the server, or on 429.
        let delay = (replayable && err.is_retryable()).then(|| policy.delay(retries, &err)).flatten();
        let Some(delay) = delay else {
            span.in_scope(|| tracing::debug!(error = %err, "request failed"));
            return Err(err);
        };
        span.in_scope(|| {
            tracing::info!(
                delay_ms = u64::try_from(delay.as_millis()).unwrap_or(u64::MAX),
                error = %err,
                "retrying"
            )
        });
        tokio::time::sleep(delay).await;
        retries += 1;
    }
}

/// One attempt. The error comes with whether the body could be sent again.
async fn attempt<O: Operation>(
    inner: &ClientInner,
    endpoint: &Endpoint,
    op: &O,
    url: &Url,
    timeout: Duration,
    span: &tracing::Span,
) -> Result<O::Output, (Error, bool)> {
    let (body, problem) = check_inputs(|| op.body());
    if let Some(problem) = problem {
        return Err((Error::invalid_request(format!("request body: {problem}")), false));
    }
    let body = body.map_err(|e| (e, false))?;
    let replayable = body.is_replayable();
    let mut request = inner
        .http
        .request(endpoint.method.clone(), url.clone())
        .timeout(timeout)
        .header(inner.auth_header.clone(), inner.key.header().clone())
        .header(USER_AGENT, inner.user_agent.clone())
        .header(ACCEPT, O::ACCEPT);
    request = match body {
        Body::Empty => request,
        Body::Json(json) => request.header(CONTENT_TYPE, "application/json").body(json),
        Body::Multipart(form) => request.multipart(form.into_reqwest().await.map_err(|e| (e, false))?),
    };

    let started = Instant::now();
    let sent = request.send().await;
    span.record("latency_ms", u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX));
    let response = sent.map_err(|e| (Error::transport(e, Some(timeout)), replayable))?;
    let status = response.status();
    span.record("status", status.as_u16());
    tracing::debug!(status = status.as_u16(), "response");

    if !status.is_success() {
        let headers = response.headers().clone();
        let body = read_error_body(response).await;
        let err = Error::api(status.as_u16(), &headers, &body, inner.key.secret());
        return Err((err, replayable));
    }
    let response = Response::new(response, endpoint.name, endpoint.retry, timeout, inner.key.secret().clone())
        .observed_by(inner.drift.as_ref());
    O::decode(response).await.map_err(|e| (e, replayable))
}

/// Reads up to [`ERROR_BODY_LIMIT`] bytes of an error body; a failure just ends it.
async fn read_error_body(mut response: reqwest::Response) -> Vec<u8> {
    let mut body = Vec::new();
    while body.len() < ERROR_BODY_LIMIT {
        match response.chunk().await {
            Ok(Some(chunk)) => {
                let room = ERROR_BODY_LIMIT - body.len();
                body.extend_from_slice(&chunk[..chunk.len().min(room)]);
            }
            _ => break,
        }
    }
    body
}

/// Base URL + filled path + query, after checking the path against its template.
pub(crate) fn build_url<O: Operation>(inner: &ClientInner, endpoint: &Endpoint, op: &O) -> Result<Url, Error> {
    let (base, base_path) = inner.base_url(endpoint.base_url)?;
    let (path, problem) = check_inputs(|| op.path());
    if let Some(problem) = problem {
        return Err(Error::invalid_request(format!("path parameter: {problem}")));
    }
    check_path(endpoint.path, &path)?;
    let mut url = Url::parse(&format!("{base}{path}"))
        .map_err(|e| Error::invalid_request(format!("could not build the URL: {e}")))?;
    // The URL parser resolves dot segments; it must not have changed the path.
    if url.path() != format!("{base_path}{path}") {
        return Err(Error::invalid_request("a path parameter changed the request path (empty, `.` or `..` segment)"));
    }
    let mut query = Query::new();
    if let ((), Some(problem)) = check_inputs(|| op.query(&mut query)) {
        return Err(Error::invalid_request(problem));
    }
    if !query.is_empty() {
        let mut pairs = url.query_pairs_mut();
        for (name, value) in query.pairs() {
            pairs.append_pair(name, value);
        }
    }
    Ok(url)
}

/// Checks that `path` has the template's shape: literal segments equal, parameter segments
/// neither empty nor `.` / `..` (which would reach another endpoint).
pub(crate) fn check_path(template: &str, path: &str) -> Result<(), Error> {
    let wrong_shape = || Error::invalid_request(format!("the path `{path}` does not match the template `{template}`"));
    if !path.starts_with('/') {
        return Err(wrong_shape());
    }
    let mut filled = path.split('/');
    for expected in template.split('/') {
        let segment = filled.next().ok_or_else(wrong_shape)?;
        if expected.contains('{') {
            if segment.is_empty() || segment == "." || segment == ".." {
                return Err(Error::invalid_request(format!(
                    "the path parameter {expected} must not be empty, `.` or `..`"
                )));
            }
        } else if segment != expected {
            return Err(wrong_shape());
        }
    }
    if filled.next().is_some() {
        return Err(wrong_shape());
    }
    Ok(())
}
