//! Sending requests: the key header, base URLs, timeouts, retries that never re-send a
//! request that places calls once it may have reached Ringg, and `-v`/`-vv` logs with the key
//! redacted. The endpoint commands, `ringg api` and the call-following commands all send
//! through [`Conn`], and all of them get the body exactly as the server sent it.

use std::sync::Arc;
use std::time::{Duration, Instant};

use bytes::Bytes;
use reqwest::header::{HeaderMap, HeaderName, HeaderValue};
use reqwest::{Method, Url};

use crate::failure::Failure;
use crate::json::{self, Node};
use crate::record::{Exchange, Recorder};

/// The most of an error body read to show the server's message.
const ERROR_BODY_LIMIT: usize = 64 * 1024;
/// The most of a body `-vv` logs.
const LOG_BODY_LIMIT: usize = 4 * 1024;
/// Longest wait between two attempts.
const MAX_DELAY: Duration = Duration::from_secs(30);

/// A request body.
#[derive(Debug, Clone)]
pub(crate) enum Payload {
    /// No body.
    Empty,
    /// A JSON document, sent as written.
    Json(Vec<u8>),
    /// A multipart form: text fields and files (opened again for each attempt).
    Form(Vec<(String, Part)>),
}

/// One field of a multipart form.
#[derive(Debug, Clone)]
pub(crate) enum Part {
    /// A text field.
    Text(String),
    /// A file on disk, with the MIME type guessed from its name.
    File { path: String, mime: String },
}

/// One request.
#[derive(Debug, Clone)]
pub(crate) struct Req {
    /// What the messages call it: `ringg calling history`, `GET /x`.
    pub label: String,
    pub method: Method,
    pub url: Url,
    pub payload: Payload,
    /// Whether it may be sent again after it may have reached the server.
    pub safe: bool,
    /// The `Accept` header.
    pub accept: &'static str,
    /// The operation id (`calling.history`), when the request is an endpoint's.
    pub operation: Option<&'static str>,
}

/// The configured connection: client, key and settings.
pub(crate) struct Conn {
    http: reqwest::Client,
    key: String,
    auth_header: HeaderName,
    timeout: Duration,
    retries: u32,
    verbosity: u8,
    /// `--record`: where every exchange is appended.
    recorder: Option<Recorder>,
}

/// A success response, its body not yet read.
pub(crate) struct Answer {
    /// The response.
    pub inner: reqwest::Response,
}

impl Conn {
    /// A connection; `needs_tls` when any base URL is `https`.
    pub(crate) fn new(
        key: String,
        auth_header: &str,
        timeout: Duration,
        retries: u32,
        verbosity: u8,
        needs_tls: bool,
    ) -> Result<Conn, Failure> {
        let auth_header = HeaderName::from_bytes(auth_header.as_bytes())
            .map_err(|_| Failure::local("the spec's key header is not a header name"))?;
        HeaderValue::from_str(&key)
            .map_err(|_| Failure::usage("the API key holds characters a header cannot carry"))?;
        let http = reqwest::Client::builder()
            .connect_timeout(Duration::from_secs(10).min(timeout))
            // Never follow redirects: the key header would follow to another host.
            .redirect(reqwest::redirect::Policy::none())
            .tls_backend_preconfigured(tls_config(needs_tls)?)
            .build()
            .map_err(|e| Failure::local(format!("cannot set up HTTP: {e}")))?;
        Ok(Conn { http, key, auth_header, timeout, retries, verbosity, recorder: None })
    }

    /// Appends every exchange to `recorder` (`--record`).
    pub(crate) fn record_to(mut self, recorder: Option<Recorder>) -> Conn {
        self.recorder = recorder;
        self
    }

    /// Records one exchange of `req` when `--record` is on; `body` is `None` for a download.
    pub(crate) fn record(
        &self,
        req: &Req,
        status: u16,
        headers: &HeaderMap,
        body: Option<&[u8]>,
    ) -> Result<(), Failure> {
        let Some(recorder) = &self.recorder else { return Ok(()) };
        // The emulator's control API (`ringg emulator ...`) is not the API: nothing to learn.
        if req.url.path().starts_with("/__emulator/") {
            return Ok(());
        }
        let path = match req.url.query() {
            Some(query) => format!("{}?{query}", req.url.path()),
            None => req.url.path().to_string(),
        };
        let exchange = Exchange {
            kind: None,
            operation: req.operation,
            method: req.method.as_str(),
            path: &path,
            status,
            headers,
            body,
        };
        recorder.write(&exchange, &self.key)
    }

    /// The configured key (scrubbed from everything printed).
    pub(crate) fn key(&self) -> &str {
        &self.key
    }

    /// The HTTP client, without the key: for `webhooks trigger`.
    pub(crate) fn http(&self) -> &reqwest::Client {
        &self.http
    }

    /// Sends `req`, retrying as its safety allows, and returns a success response; an error
    /// status is a failure naming the server's message (key scrubbed).
    pub(crate) async fn send(&self, req: &Req) -> Result<Answer, Failure> {
        let mut attempt = 0u32;
        loop {
            let started = Instant::now();
            self.log_request(req);
            let result = self.build(req).await?.send().await;
            let elapsed = started.elapsed();
            let (failure, retry, wait) = match result {
                Ok(resp) => {
                    let status = resp.status().as_u16();
                    self.log_response(status, resp.headers(), elapsed);
                    if resp.status().is_success() {
                        return Ok(Answer { inner: resp });
                    }
                    let wait = retry_after(resp.headers());
                    let retry = status == 429 || (req.safe && (status == 408 || status >= 500));
                    let headers = resp.headers().clone();
                    let body = read_limited(resp, ERROR_BODY_LIMIT).await;
                    self.log_body("<", &body);
                    self.record(req, status, &headers, Some(&body))?;
                    (self.api_failure(req, status, &body), retry, wait)
                }
                Err(e) => {
                    // A connect error certainly never reached the server.
                    let retry = e.is_connect() || req.safe;
                    (self.transport_failure(req, &e), retry, None)
                }
            };
            if !retry || attempt >= self.retries {
                return Err(failure);
            }
            let delay = wait.unwrap_or_else(|| Duration::from_millis(250u64 << attempt.min(6))).min(MAX_DELAY);
            if self.verbosity > 0 {
                eprintln!("* {}; retrying in {} ms", failure.message, delay.as_millis());
            }
            tokio::time::sleep(delay).await;
            attempt += 1;
        }
    }

    /// Sends `req` and reads the whole success body.
    pub(crate) async fn fetch(&self, req: &Req) -> Result<(Answer, Bytes), Failure> {
        let mut answer = self.send(req).await?;
        let mut body = Vec::new();
        loop {
            match answer.inner.chunk().await {
                Ok(Some(chunk)) => body.extend_from_slice(&chunk),
                Ok(None) => break,
                Err(e) => return Err(self.transport_failure(req, &e)),
            }
        }
        self.log_body("<", &body);
        self.record(req, answer.inner.status().as_u16(), answer.inner.headers(), Some(&body))?;
        Ok((answer, Bytes::from(body)))
    }

    async fn build(&self, req: &Req) -> Result<reqwest::RequestBuilder, Failure> {
        let mut key =
            HeaderValue::from_str(&self.key).map_err(|_| Failure::usage("the API key is not a header value"))?;
        key.set_sensitive(true);
        let mut b = self
            .http
            .request(req.method.clone(), req.url.clone())
            .timeout(self.timeout)
            .header(self.auth_header.clone(), key)
            .header(reqwest::header::USER_AGENT, concat!("ringg-cli/", env!("CARGO_PKG_VERSION")))
            .header(reqwest::header::ACCEPT, req.accept);
        match &req.payload {
            Payload::Empty => {}
            Payload::Json(bytes) => {
                self.log_body(">", bytes);
                b = b.header(reqwest::header::CONTENT_TYPE, "application/json").body(bytes.clone());
            }
            Payload::Form(parts) => {
                let mut form = reqwest::multipart::Form::new();
                for (name, part) in parts {
                    let part = match part {
                        Part::Text(text) => reqwest::multipart::Part::text(text.clone()),
                        Part::File { path, mime } => {
                            let file = tokio::fs::File::open(path)
                                .await
                                .map_err(|e| Failure::usage(format!("cannot open `{path}`: {e}")))?;
                            let name = std::path::Path::new(path)
                                .file_name()
                                .map_or_else(|| "file".to_string(), |n| n.to_string_lossy().into_owned());
                            reqwest::multipart::Part::stream(reqwest::Body::from(file))
                                .file_name(name)
                                .mime_str(mime)
                                .map_err(|e| Failure::usage(format!("`{path}`: {e}")))?
                        }
                    };
                    form = form.part(name.clone(), part);
                }
                b = b.multipart(form);
            }
        }
        Ok(b)
    }

    fn api_failure(&self, req: &Req, status: u16, body: &[u8]) -> Failure {
        let reason = reqwest::StatusCode::from_u16(status).ok().and_then(|s| s.canonical_reason()).unwrap_or("");
        let mut message = format!("{} answered HTTP {status} {reason}", req.label);
        if let Some(text) = server_message(body) {
            let text = scrub_text(&text, &self.key);
            message.push_str(&format!(": {}", cut(&text, 300)));
        }
        match status {
            401 | 403 => message.push_str(" (check the key: RINGG_API_KEY, --api-key or --profile)"),
            429 => message.push_str(" (rate limited; try again later, or raise --retries)"),
            _ => {}
        }
        Failure::api(message)
    }

    fn transport_failure(&self, req: &Req, e: &reqwest::Error) -> Failure {
        let host = req.url.host_str().unwrap_or("the server").to_string();
        if e.is_timeout() {
            Failure::network(format!(
                "{} timed out after {} s; raise it with --timeout SECONDS",
                req.label,
                self.timeout.as_secs_f64()
            ))
        } else if e.is_connect() {
            Failure::network(format!("cannot connect to {host}: {}", scrub_text(&chain(e), &self.key)))
        } else {
            Failure::network(format!("{} failed: {}", req.label, scrub_text(&chain(e), &self.key)))
        }
    }

    fn log_request(&self, req: &Req) {
        if self.verbosity == 0 {
            return;
        }
        eprintln!("> {} {}", req.method, req.url);
        if self.verbosity > 1 {
            eprintln!("> {}: [redacted]", self.auth_header);
            eprintln!("> accept: {}", req.accept);
        }
    }

    fn log_response(&self, status: u16, headers: &HeaderMap, elapsed: Duration) {
        if self.verbosity == 0 {
            return;
        }
        eprintln!("< {status} ({} ms)", elapsed.as_millis());
        if self.verbosity > 1 {
            for (name, value) in headers {
                eprintln!(
                    "< {name}: {}",
                    redact_header(name.as_str(), value.to_str().unwrap_or("<binary>"), &self.key)
                );
            }
        }
    }

    fn log_body(&self, dir: &str, body: &[u8]) {
        if self.verbosity < 2 || body.is_empty() {
            return;
        }
        let text = match json::parse(body) {
            Ok(mut node) => {
                node.scrub(&self.key);
                node.compact()
            }
            Err(_) => scrub_text(&String::from_utf8_lossy(body), &self.key),
        };
        eprintln!("{dir} {}", cut(&text, LOG_BODY_LIMIT));
    }
}

/// A header value as logs show it: credentials and anything that looks like a secret redacted.
pub(crate) fn redact_header(name: &str, value: &str, key: &str) -> String {
    let lower = name.to_ascii_lowercase();
    let secret = ["authorization", "cookie", "set-cookie", "x-api-key", "proxy-authorization"]
        .contains(&lower.as_str())
        || ["secret", "token", "signature", "key", "password"].iter().any(|w| lower.contains(w));
    if secret { "[redacted]".to_string() } else { scrub_text(value, key) }
}

/// `text` with the key replaced.
pub(crate) fn scrub_text(text: &str, key: &str) -> String {
    if key.is_empty() { text.to_string() } else { text.replace(key, "[redacted]") }
}

fn cut(text: &str, max: usize) -> String {
    if text.chars().count() > max {
        format!("{}…", text.chars().take(max).collect::<String>())
    } else {
        text.to_string()
    }
}

/// The error and its sources, one line.
pub(crate) fn chain(e: &dyn std::error::Error) -> String {
    let mut text = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        let more = s.to_string();
        if !text.contains(&more) {
            text.push_str(": ");
            text.push_str(&more);
        }
        source = s.source();
    }
    text
}

/// The server's message in an error body: `message`, `error`, `detail` or `msg`, at the top
/// or under `error`.
fn server_message(body: &[u8]) -> Option<String> {
    let node = json::parse(body).ok()?;
    let pick = |n: &Node| {
        ["message", "error", "detail", "msg"].iter().find_map(|k| match n.get(k) {
            Some(Node::Str(s)) if !s.is_empty() => Some(s.clone()),
            _ => None,
        })
    };
    pick(&node).or_else(|| node.get("error").and_then(pick))
}

fn retry_after(headers: &HeaderMap) -> Option<Duration> {
    let secs: u64 = headers.get(reqwest::header::RETRY_AFTER)?.to_str().ok()?.trim().parse().ok()?;
    Some(Duration::from_secs(secs))
}

async fn read_limited(mut resp: reqwest::Response, limit: usize) -> Vec<u8> {
    let mut body = Vec::new();
    while body.len() < limit {
        match resp.chunk().await {
            Ok(Some(chunk)) => {
                let room = limit - body.len();
                body.extend_from_slice(&chunk[..chunk.len().min(room)]);
            }
            _ => break,
        }
    }
    body
}

/// An HTTP client that sends no key, for webhook handlers and recordings: no redirects,
/// TLS when `needs_tls`.
pub(crate) fn plain_client(needs_tls: bool, timeout: Duration) -> Result<reqwest::Client, Failure> {
    reqwest::Client::builder()
        .timeout(timeout)
        .redirect(reqwest::redirect::Policy::none())
        .tls_backend_preconfigured(tls_config(needs_tls)?)
        .build()
        .map_err(|e| Failure::local(format!("cannot set up HTTP: {e}")))
}

/// rustls with the system's roots when a base URL is `https`; no roots otherwise, which
/// keeps start-up small for the emulator.
fn tls_config(needs_tls: bool) -> Result<rustls::ClientConfig, Failure> {
    // rustls 0.23.48 deprecates its ring provider for lacking post-quantum key exchange; the
    // client library makes the same choice (a light build) and says why.
    #[allow(deprecated)]
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let builder = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| Failure::local(format!("cannot set up TLS: {e}")))?;
    let mut config = if needs_tls {
        use rustls_platform_verifier::BuilderVerifierExt;
        builder
            .with_platform_verifier()
            .map_err(|e| {
                Failure::local(format!(
                    "cannot set up TLS: {e} (install the system's CA certificates, e.g. ca-certificates)"
                ))
            })?
            .with_no_client_auth()
    } else {
        builder.with_root_certificates(rustls::RootCertStore::empty()).with_no_client_auth()
    };
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(config)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_are_redacted_from_headers_and_messages() {
        assert_eq!(redact_header("Authorization", "Bearer x", "k"), "[redacted]");
        assert_eq!(redact_header("X-Webhook-Secret", "s3", "k"), "[redacted]");
        assert_eq!(redact_header("content-type", "application/json", "k"), "application/json");
        assert_eq!(redact_header("x-note", "has k-1 inside", "k-1"), "has [redacted] inside");
        assert_eq!(server_message(br#"{"error":{"message":"Agent not found"}}"#).as_deref(), Some("Agent not found"));
        assert_eq!(server_message(br#"{"message":"bad","x":1}"#).as_deref(), Some("bad"));
        assert_eq!(server_message(b"<html>"), None);
    }
}
