//! The crate's single error type and the parsing of error responses.

use std::borrow::Cow;
use std::fmt;
use std::time::{Duration, SystemTime};

use reqwest::header::HeaderMap;

use super::RetrySafety;

/// Longest body snippet kept in an error, in characters.
const SNIPPET_CHARS: usize = 200;
/// Longest server message kept in an error, in characters.
const MESSAGE_CHARS: usize = 500;
/// Longest request id kept, in characters.
const REQUEST_ID_CHARS: usize = 128;
/// How many FastAPI validation problems are listed in a message.
const MAX_VALIDATION_ITEMS: usize = 5;
/// What replaces the API key wherever a server echoes it.
const REDACTED: &str = "[REDACTED]";

/// The class of an HTTP error status.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ErrorKind {
    /// `400`: invalid parameters, request format or a business rule.
    BadRequest,
    /// `401`: missing, invalid or rotated API key.
    Unauthorized,
    /// `402`: the workspace has not enough credits.
    PaymentRequired,
    /// `403`: the API key may not do this.
    Forbidden,
    /// `404`: the resource does not exist.
    NotFound,
    /// `408`: the server gave up waiting for the request.
    RequestTimeout,
    /// `409`: the request conflicts with the current state.
    Conflict,
    /// `413`: the request (an upload) is too large.
    PayloadTooLarge,
    /// `415`: the uploaded file type is not supported.
    UnsupportedMediaType,
    /// `422`: the body failed validation.
    Unprocessable,
    /// `429`: too many requests.
    RateLimited,
    /// `5xx`: the server or an upstream provider failed.
    Server,
    /// Any other non-success status.
    Other,
}

impl ErrorKind {
    /// The kind of an HTTP status code.
    pub fn from_status(status: u16) -> ErrorKind {
        match status {
            400 => ErrorKind::BadRequest,
            401 => ErrorKind::Unauthorized,
            402 => ErrorKind::PaymentRequired,
            403 => ErrorKind::Forbidden,
            404 => ErrorKind::NotFound,
            408 => ErrorKind::RequestTimeout,
            409 => ErrorKind::Conflict,
            413 => ErrorKind::PayloadTooLarge,
            415 => ErrorKind::UnsupportedMediaType,
            422 => ErrorKind::Unprocessable,
            429 => ErrorKind::RateLimited,
            500..=599 => ErrorKind::Server,
            _ => ErrorKind::Other,
        }
    }
}

/// Every failure of the client: an error status from the API, a timeout, a connection
/// failure, a response that could not be decoded, or an invalid configuration or request.
///
/// Use the accessors to tell them apart ([`status`](Error::status), [`kind`](Error::kind),
/// [`is_timeout`](Error::is_timeout), [`is_connection`](Error::is_connection),
/// [`is_decode`](Error::is_decode), [`is_config`](Error::is_config)). The API key never
/// appears in its `Display` or `Debug` output.
#[non_exhaustive]
pub struct Error {
    inner: Box<Inner>,
}

#[derive(Debug)]
struct Inner {
    repr: Repr,
    endpoint: Option<&'static str>,
    safety: Option<RetrySafety>,
}

#[derive(Debug)]
enum Repr {
    Api(ApiFailure),
    Timeout { after: Option<Duration>, source: Option<reqwest::Error> },
    Connection { not_sent: bool, source: Option<reqwest::Error> },
    Decode { status: u16, request_id: Option<String>, path: Option<String>, detail: String, snippet: Option<String> },
    Config(String),
    InvalidRequest(String),
    Io { context: String, source: std::io::Error },
}

/// What became of a request that failed: [`Error::outcome`].
///
/// This is the question to ask before sending a request again, above all one that places a
/// call or starts a campaign.
///
/// # When the outcome is unknown
///
/// A request that places calls and ends in [`Outcome::Unknown`] may have rung someone. Do not
/// send it again blindly: look the call up first, and send again only when nothing was
/// created. The crate's top-level documentation shows how for this API ("Was the call
/// placed?"). The SDK never re-sends such a request by itself once it may have reached the
/// server.
///
/// ```
/// use ringg::Outcome;
///
/// // What each outcome allows before the same request is sent again.
/// fn may_send_again(outcome: Outcome) -> &'static str {
///     match outcome {
///         // Nothing reached the server: sending again cannot ring anyone twice.
///         Outcome::NotSent => "yes",
///         // The server refused it (4xx) and did nothing: fix the request, or wait on 429.
///         Outcome::Rejected => "after fixing it",
///         // It may have been processed: look it up before sending again.
///         Outcome::Unknown => "only if it is not found",
///         // The server took it; only its answer could not be read.
///         Outcome::Accepted => "no",
///         _ => "look it up",
///     }
/// }
/// assert_eq!(may_send_again(Outcome::Unknown), "only if it is not found");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Outcome {
    /// The request certainly never reached the server: the connection could not be made, or the
    /// client refused to send it (invalid configuration, unset base URL, bad input). Sending
    /// it again is safe.
    NotSent,
    /// The server answered with a `4xx` status: it received the request and did not act on it.
    /// Fix the request, or for `429` wait [`Error::retry_after`], before sending again.
    Rejected,
    /// The request may have been processed: the server answered `5xx`, or the connection broke or
    /// timed out after the request was sent. Check before sending it again.
    Unknown,
    /// The server accepted the request (a `2xx` answer), but the answer could not be decoded or
    /// saved: the request took effect.
    Accepted,
}

#[derive(Debug)]
struct ApiFailure {
    status: u16,
    kind: ErrorKind,
    message: Option<String>,
    code: Option<String>,
    request_id: Option<String>,
    retry_after: Option<Duration>,
    snippet: Option<String>,
}

impl Error {
    fn new(repr: Repr) -> Error {
        Error { inner: Box::new(Inner { repr, endpoint: None, safety: None }) }
    }

    /// Records which endpoint failed and how safe it is to repeat, unless already known.
    pub(crate) fn with_endpoint(mut self, name: &'static str, safety: RetrySafety) -> Error {
        self.inner.endpoint.get_or_insert(name);
        self.inner.safety.get_or_insert(safety);
        self
    }

    /// An invalid client configuration (no key, bad base URL, ...).
    pub(crate) fn config(message: impl Into<String>) -> Error {
        Error::new(Repr::Config(message.into()))
    }

    /// A request that cannot be sent as built (unreadable upload, bad path parameter, ...).
    pub(crate) fn invalid_request(message: impl Into<String>) -> Error {
        Error::new(Repr::InvalidRequest(message.into()))
    }

    /// A local I/O failure, e.g. while saving a download.
    pub(crate) fn io(context: impl Into<String>, source: std::io::Error) -> Error {
        Error::new(Repr::Io { context: context.into(), source })
    }

    /// A transport failure reported by reqwest. `timeout` is the deadline that applied.
    pub(crate) fn transport(err: reqwest::Error, timeout: Option<Duration>) -> Error {
        // The URL may carry personal data in its query; the endpoint name says enough.
        let err = err.without_url();
        if err.is_connect() {
            // Includes connect timeouts: the request was never written.
            Error::new(Repr::Connection { not_sent: true, source: Some(err) })
        } else if err.is_timeout() {
            Error::new(Repr::Timeout { after: timeout, source: Some(err) })
        } else if err.is_builder() {
            Error::invalid_request(chain(&err))
        } else {
            Error::new(Repr::Connection { not_sent: false, source: Some(err) })
        }
    }

    /// A JSON decoding failure.
    pub(crate) fn decode(
        status: u16,
        request_id: Option<String>,
        path: Option<String>,
        detail: String,
        snippet: Option<String>,
    ) -> Error {
        Error::new(Repr::Decode { status, request_id, path, detail, snippet })
    }

    /// An error status with its (possibly empty) body. `secret` is scrubbed from the body.
    pub(crate) fn api(status: u16, headers: &HeaderMap, body: &[u8], secret: &str) -> Error {
        let parsed = parse_error_body(body, secret);
        Error::new(Repr::Api(ApiFailure {
            status,
            kind: ErrorKind::from_status(status),
            message: parsed.message,
            code: parsed.code,
            request_id: request_id(headers),
            retry_after: headers
                .get(reqwest::header::RETRY_AFTER)
                .and_then(|v| v.to_str().ok())
                .and_then(|v| parse_retry_after(v, SystemTime::now())),
            snippet: parsed.snippet,
        }))
    }

    /// The HTTP status of an API error or of a response that failed to decode.
    pub fn status(&self) -> Option<u16> {
        match &self.inner.repr {
            Repr::Api(api) => Some(api.status),
            // 0: a body that did not come from a response (a webhook payload).
            Repr::Decode { status, .. } if *status != 0 => Some(*status),
            _ => None,
        }
    }

    /// The class of the HTTP error status, for API errors.
    pub fn kind(&self) -> Option<ErrorKind> {
        match &self.inner.repr {
            Repr::Api(api) => Some(api.kind),
            _ => None,
        }
    }

    /// The server's error message (or, for a body that is not JSON, a short text snippet).
    pub fn message(&self) -> Option<&str> {
        match &self.inner.repr {
            Repr::Api(api) => api.message.as_deref().or(api.snippet.as_deref()),
            _ => None,
        }
    }

    /// The server's machine-readable error code, when its body had one.
    pub fn code(&self) -> Option<&str> {
        match &self.inner.repr {
            Repr::Api(api) => api.code.as_deref(),
            _ => None,
        }
    }

    /// The request id the server returned (`x-request-id`, `x-amzn-requestid` or
    /// `request-id`): quote it when contacting support.
    pub fn request_id(&self) -> Option<&str> {
        match &self.inner.repr {
            Repr::Api(api) => api.request_id.as_deref(),
            Repr::Decode { request_id, .. } => request_id.as_deref(),
            _ => None,
        }
    }

    /// How long the server asked to wait (`Retry-After`), for API errors that carried it.
    pub fn retry_after(&self) -> Option<Duration> {
        match &self.inner.repr {
            Repr::Api(api) => api.retry_after,
            _ => None,
        }
    }

    /// The name of the endpoint that failed, e.g. `"calling.history"`.
    pub fn endpoint(&self) -> Option<&str> {
        self.inner.endpoint
    }

    /// Whether sending the same request again may succeed *and* is safe for its endpoint.
    ///
    /// True for `408`, `429`, `5xx`, timeouts and connection failures on endpoints that are
    /// safe to repeat; on endpoints that are not (placing a call, starting a campaign) only
    /// for `429` and for connection failures where the request certainly was not sent.
    pub fn is_retryable(&self) -> bool {
        let safe = self.inner.safety != Some(RetrySafety::Unsafe);
        match &self.inner.repr {
            Repr::Api(api) => match api.status {
                429 => true,
                408 | 500..=599 => safe,
                _ => false,
            },
            Repr::Timeout { .. } => safe,
            Repr::Connection { not_sent, .. } => *not_sent || safe,
            _ => false,
        }
    }

    /// What became of the request: never sent, rejected by the server, accepted, or unknown.
    ///
    /// See [`Outcome`] for what to do in each case, and a recipe for an unknown outcome on an
    /// endpoint that places calls.
    pub fn outcome(&self) -> Outcome {
        match &self.inner.repr {
            Repr::Connection { not_sent: true, .. } | Repr::Config(_) | Repr::InvalidRequest(_) => Outcome::NotSent,
            Repr::Api(api) if (400..500).contains(&api.status) => Outcome::Rejected,
            Repr::Api(_) | Repr::Timeout { .. } | Repr::Connection { .. } => Outcome::Unknown,
            // Status 0: a webhook payload that did not decode; no request was involved.
            Repr::Decode { status: 0, .. } => Outcome::NotSent,
            Repr::Decode { .. } | Repr::Io { .. } => Outcome::Accepted,
        }
    }

    /// Whether the request timed out (it may have reached the server).
    pub fn is_timeout(&self) -> bool {
        matches!(self.inner.repr, Repr::Timeout { .. })
    }

    /// Whether the connection failed (could not connect, or broke before a full response).
    pub fn is_connection(&self) -> bool {
        matches!(self.inner.repr, Repr::Connection { .. })
    }

    /// Whether the request certainly never reached the server: the connection could not be
    /// established, or the client refused to send it (invalid configuration or request).
    pub fn is_not_sent(&self) -> bool {
        matches!(self.inner.repr, Repr::Connection { not_sent: true, .. } | Repr::Config(_) | Repr::InvalidRequest(_))
    }

    /// Whether a success response could not be decoded into the expected type.
    pub fn is_decode(&self) -> bool {
        matches!(self.inner.repr, Repr::Decode { .. })
    }

    /// Whether the client configuration or the request was invalid (missing API key, bad or
    /// insecure base URL, unreadable upload file, invalid path parameter, ...).
    pub fn is_config(&self) -> bool {
        matches!(self.inner.repr, Repr::Config(_) | Repr::InvalidRequest(_))
    }

    /// Whether a local I/O operation failed (e.g. writing a download to disk).
    pub fn is_io(&self) -> bool {
        matches!(self.inner.repr, Repr::Io { .. })
    }

    /// For decode errors: the JSON path where decoding failed, e.g. `calls[0].status`.
    pub fn decode_path(&self) -> Option<&str> {
        match &self.inner.repr {
            Repr::Decode { path, .. } => path.as_deref(),
            _ => None,
        }
    }

    /// A short snippet of the response body, for API and decode errors (API key scrubbed).
    pub fn body_snippet(&self) -> Option<&str> {
        match &self.inner.repr {
            Repr::Api(api) => api.snippet.as_deref(),
            Repr::Decode { snippet, .. } => snippet.as_deref(),
            _ => None,
        }
    }
}

impl fmt::Debug for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Everything stored was scrubbed of the key when the error was built, and reqwest
        // errors were stripped of their URL.
        fmt::Debug::fmt(&self.inner, f)
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let endpoint = self.inner.endpoint.unwrap_or("the request");
        let unsafe_endpoint = self.inner.safety == Some(RetrySafety::Unsafe);
        match &self.inner.repr {
            Repr::Api(api) => {
                let reason = reqwest::StatusCode::from_u16(api.status)
                    .ok()
                    .and_then(|s| s.canonical_reason())
                    .unwrap_or("error");
                write!(f, "{} {} from {}", api.status, reason, endpoint)?;
                if let Some(message) = api.message.as_deref().or(api.snippet.as_deref()) {
                    write!(f, ": {message}")?;
                }
                if let Some(code) = &api.code {
                    write!(f, " [code {code}]")?;
                }
                if let Some(hint) = api_hint(api, unsafe_endpoint) {
                    write!(f, " ({hint})")?;
                }
                if let Some(id) = &api.request_id {
                    write!(f, " [request id {id}]")?;
                }
                Ok(())
            }
            Repr::Timeout { after, .. } => {
                write!(f, "{endpoint} timed out")?;
                if let Some(after) = after {
                    write!(f, " after {}", DisplayDuration(*after))?;
                }
                if unsafe_endpoint {
                    f.write_str(
                        " (the request may have reached the server and been processed: \
                         check before sending it again)",
                    )
                } else {
                    f.write_str(
                        " (retry later, or raise the timeout with ClientBuilder::timeout \
                         or Request::timeout)",
                    )
                }
            }
            Repr::Connection { not_sent, source } => {
                if *not_sent {
                    write!(f, "could not connect to the server for {endpoint}")?;
                } else {
                    write!(f, "the connection failed during {endpoint}")?;
                }
                if let Some(source) = source {
                    write!(f, ": {}", chain(source))?;
                }
                if *not_sent {
                    f.write_str(" (the request was not sent; check the network and base URL)")
                } else if unsafe_endpoint {
                    f.write_str(
                        " (the request may have reached the server and been processed: \
                         check before sending it again)",
                    )
                } else {
                    f.write_str(" (the request may have reached the server)")
                }
            }
            Repr::Decode { status, request_id, path, detail, snippet } => {
                match (*status, self.inner.endpoint) {
                    (0, None) => write!(f, "could not decode the JSON body")?,
                    (0, Some(endpoint)) => write!(f, "could not decode the JSON body for {endpoint}")?,
                    (status, _) => write!(f, "could not decode the {status} response of {endpoint}")?,
                }
                if let Some(path) = path {
                    write!(f, " at `{path}`")?;
                }
                write!(f, ": {detail}")?;
                if let Some(snippet) = snippet {
                    write!(f, " (body: {snippet})")?;
                }
                if let Some(id) = request_id {
                    write!(f, " [request id {id}]")?;
                }
                Ok(())
            }
            Repr::Config(message) => write!(f, "invalid client configuration: {message}"),
            Repr::InvalidRequest(message) => {
                write!(f, "invalid request for {endpoint}: {message}")
            }
            Repr::Io { context, source } => write!(f, "{context}: {source}"),
        }
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match &self.inner.repr {
            Repr::Timeout { source: Some(source), .. } | Repr::Connection { source: Some(source), .. } => Some(source),
            Repr::Io { source, .. } => Some(source),
            _ => None,
        }
    }
}

/// What a person can do about an API error.
fn api_hint(api: &ApiFailure, unsafe_endpoint: bool) -> Option<Cow<'static, str>> {
    Some(match api.kind {
        ErrorKind::Unauthorized => {
            format!("check {} or regenerate the key in the dashboard", crate::API.api_key_env).into()
        }
        ErrorKind::PaymentRequired => "the workspace is out of credits".into(),
        ErrorKind::Forbidden => "the API key may not do this".into(),
        ErrorKind::PayloadTooLarge => "the upload is too large".into(),
        ErrorKind::UnsupportedMediaType => "the file type is not accepted".into(),
        ErrorKind::RateLimited => match api.retry_after {
            Some(after) => format!("rate limited: retry after {}", DisplayDuration(after)).into(),
            None => "rate limited: slow down and retry later".into(),
        },
        ErrorKind::Server | ErrorKind::RequestTimeout if unsafe_endpoint => {
            "the request may have been processed: check before sending it again".into()
        }
        ErrorKind::Server => "a server-side failure: retrying later may succeed".into(),
        _ => return None,
    })
}

/// Formats a duration for people: `250ms`, `3s`, `1.5s`.
struct DisplayDuration(Duration);

impl fmt::Display for DisplayDuration {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let d = self.0;
        if d < Duration::from_secs(1) {
            write!(f, "{}ms", d.as_millis())
        } else if d.subsec_millis() == 0 {
            write!(f, "{}s", d.as_secs())
        } else {
            write!(f, "{:.1}s", d.as_secs_f64())
        }
    }
}

/// An error and its sources, joined with `: ` (sources repeating their parent are skipped).
fn chain(err: &(dyn std::error::Error + 'static)) -> String {
    let mut out = err.to_string();
    let mut current = err.source();
    let mut depth = 0;
    while let Some(source) = current {
        let text = source.to_string();
        if !out.ends_with(&text) {
            out.push_str(": ");
            out.push_str(&text);
        }
        current = source.source();
        depth += 1;
        if depth == 8 {
            break;
        }
    }
    out
}

/// Replaces every occurrence of `secret` in `text`.
pub(crate) fn scrub<'a>(text: &'a str, secret: &str) -> Cow<'a, str> {
    if secret.len() >= 4 && text.contains(secret) {
        Cow::Owned(text.replace(secret, REDACTED))
    } else {
        Cow::Borrowed(text)
    }
}

/// The request id from the usual headers, if any.
pub(crate) fn request_id(headers: &HeaderMap) -> Option<String> {
    ["x-request-id", "x-amzn-requestid", "request-id"]
        .iter()
        .filter_map(|name| headers.get(*name))
        .filter_map(|value| value.to_str().ok())
        .map(str::trim)
        .find(|value| !value.is_empty())
        .map(|value| truncate(value, REQUEST_ID_CHARS))
}

/// Parses `Retry-After`: delay-seconds or an HTTP-date (IMF-fixdate, RFC 850 or asctime).
pub(crate) fn parse_retry_after(value: &str, now: SystemTime) -> Option<Duration> {
    let value = value.trim();
    if !value.is_empty() && value.bytes().all(|b| b.is_ascii_digit()) {
        // An absurdly long delay still means "long": saturate instead of failing.
        return Some(Duration::from_secs(value.parse().unwrap_or(u64::MAX)));
    }
    let at = httpdate::parse_http_date(value).ok()?;
    Some(at.duration_since(now).unwrap_or(Duration::ZERO))
}

/// What could be read from an error body.
#[derive(Debug, Default, PartialEq, Eq)]
pub(crate) struct ParsedBody {
    pub(crate) message: Option<String>,
    pub(crate) code: Option<String>,
    pub(crate) snippet: Option<String>,
}

/// Extracts message and code from any of the error shapes the API uses:
/// `{"detail": "..."}`, `{"detail": {"code", "message"}}`, `{"error": {"code", "message"}}`,
/// `{"message": "..."}`, FastAPI's `{"detail": [{"loc", "msg"}]}`; anything else keeps a
/// short text snippet (the title of an HTML page, for instance).
pub(crate) fn parse_error_body(body: &[u8], secret: &str) -> ParsedBody {
    let text = String::from_utf8_lossy(body);
    let text = scrub(&text, secret);
    let text = text.trim();
    if text.is_empty() {
        return ParsedBody::default();
    }
    let mut parsed = ParsedBody::default();
    // `Value`'s `FromStr` is compiled inside serde_json; `from_str::<Value>` would compile its
    // decoding again in this crate.
    match text.parse::<serde_json::Value>() {
        Ok(serde_json::Value::Object(map)) => {
            let (message, code) = message_from_object(&map);
            parsed.message = message.map(|m| truncate(&m, MESSAGE_CHARS));
            parsed.code = code.map(|c| truncate(&c, REQUEST_ID_CHARS));
            if parsed.message.is_none() {
                parsed.snippet = Some(snippet_of(text));
            }
        }
        Ok(serde_json::Value::String(message)) if !message.trim().is_empty() => {
            parsed.message = Some(truncate(&clean(&message), MESSAGE_CHARS));
        }
        Ok(_) => parsed.snippet = Some(snippet_of(text)),
        Err(_) => {
            let readable = if text.starts_with('<') { html_text(text) } else { text.to_owned() };
            let readable = clean(&readable);
            if !readable.is_empty() {
                parsed.snippet = Some(truncate(&readable, SNIPPET_CHARS));
            }
        }
    }
    parsed
}

fn message_from_object(map: &serde_json::Map<String, serde_json::Value>) -> (Option<String>, Option<String>) {
    use serde_json::Value;
    let mut message = None;
    let mut code = None;
    match map.get("detail") {
        Some(Value::String(s)) => message = Some(s.clone()),
        Some(Value::Object(obj)) => {
            message = string_field(obj, &["message", "msg", "detail"]);
            code = scalar_field(obj, &["code", "error_code"]);
        }
        Some(Value::Array(items)) => message = validation_message(items),
        _ => {}
    }
    if message.is_none() {
        match map.get("error") {
            Some(Value::Object(obj)) => {
                message = string_field(obj, &["message", "msg", "detail"]);
                code = code.or_else(|| scalar_field(obj, &["code", "type"]));
            }
            Some(Value::String(s)) => {
                message = string_field(map, &["message", "error_description"]).or(Some(s.clone()));
            }
            _ => {}
        }
    }
    if message.is_none() {
        message = string_field(map, &["message", "msg"]);
    }
    if code.is_none() {
        code = scalar_field(map, &["code", "error_code"]);
    }
    let message = message.map(|m| clean(&m)).filter(|m| !m.is_empty());
    (message, code)
}

fn string_field(map: &serde_json::Map<String, serde_json::Value>, names: &[&str]) -> Option<String> {
    names.iter().filter_map(|name| map.get(*name)).find_map(|value| value.as_str().map(str::to_owned))
}

fn scalar_field(map: &serde_json::Map<String, serde_json::Value>, names: &[&str]) -> Option<String> {
    names.iter().filter_map(|name| map.get(*name)).find_map(|value| match value {
        serde_json::Value::String(s) => Some(s.clone()),
        serde_json::Value::Number(n) => Some(n.to_string()),
        _ => None,
    })
}

/// `body.name: Field required; query.limit: ...` from FastAPI's 422 list.
fn validation_message(items: &[serde_json::Value]) -> Option<String> {
    let mut parts = Vec::new();
    for item in items.iter().take(MAX_VALIDATION_ITEMS) {
        let msg = match item {
            serde_json::Value::Object(obj) => string_field(obj, &["msg", "message"]),
            serde_json::Value::String(s) => Some(s.clone()),
            _ => None,
        };
        let Some(msg) = msg else { continue };
        let loc = item.get("loc").and_then(|loc| loc.as_array()).map(|loc| {
            loc.iter()
                .map(|part| match part {
                    serde_json::Value::String(s) => s.clone(),
                    other => other.to_string(),
                })
                .collect::<Vec<_>>()
                .join(".")
        });
        parts.push(match loc {
            Some(loc) if !loc.is_empty() => format!("{loc}: {msg}"),
            _ => msg,
        });
    }
    if parts.is_empty() {
        return None;
    }
    let mut message = parts.join("; ");
    if items.len() > MAX_VALIDATION_ITEMS {
        message.push_str(&format!(" (and {} more)", items.len() - MAX_VALIDATION_ITEMS));
    }
    Some(message)
}

/// A short one-line snippet of a (scrubbed) body.
pub(crate) fn snippet_of(text: &str) -> String {
    truncate(&clean(text), SNIPPET_CHARS)
}

/// A snippet of `text` around byte offset `at` (used for decode errors).
pub(crate) fn snippet_around(text: &str, at: usize) -> String {
    let half = SNIPPET_CHARS / 2;
    let mut start = at.min(text.len()).saturating_sub(half);
    while !text.is_char_boundary(start) {
        start -= 1;
    }
    let window: String = text[start..].chars().take(SNIPPET_CHARS).collect();
    let more_after = text.len() > start + window.len();
    let mut out = String::new();
    if start > 0 {
        out.push('…');
    }
    out.push_str(&clean(&window));
    if more_after {
        out.push('…');
    }
    out
}

/// Collapses whitespace and control characters into single spaces.
fn clean(text: &str) -> String {
    let mut out = String::with_capacity(text.len().min(4096));
    let mut space = false;
    for c in text.chars() {
        if c.is_whitespace() || c.is_control() {
            space = true;
        } else {
            if space && !out.is_empty() {
                out.push(' ');
            }
            space = false;
            out.push(c);
        }
    }
    out
}

/// Cuts `text` to `max` characters, marking the cut with `…`.
fn truncate(text: &str, max: usize) -> String {
    match text.char_indices().nth(max) {
        Some((at, _)) => format!("{}…", &text[..at]),
        None => text.to_owned(),
    }
}

/// The readable text of an HTML page: its `<title>`, or its text without tags and scripts.
fn html_text(html: &str) -> String {
    let lower = html.to_ascii_lowercase();
    if let Some(start) = lower.find("<title") {
        if let Some(open_end) = lower[start..].find('>') {
            let from = start + open_end + 1;
            if let Some(len) = lower[from..].find("</title") {
                let title = clean(&html[from..from + len]);
                if !title.is_empty() {
                    return title;
                }
            }
        }
    }
    let mut out = String::new();
    let mut rest = html;
    while let Some(lt) = rest.find('<') {
        out.push_str(&rest[..lt]);
        out.push(' ');
        let tag = &rest[lt..];
        let tag_lower = tag.get(..7).unwrap_or(tag).to_ascii_lowercase();
        let skip_to = if tag_lower.starts_with("<script") {
            find_ci(tag, "</script").map(|i| i + 1)
        } else if tag_lower.starts_with("<style") {
            find_ci(tag, "</style").map(|i| i + 1)
        } else {
            Some(0)
        };
        let Some(skip_to) = skip_to else { break };
        match tag[skip_to..].find('>') {
            Some(gt) => rest = &tag[skip_to + gt + 1..],
            None => {
                rest = "";
                break;
            }
        }
    }
    out.push_str(rest);
    out
}

fn find_ci(haystack: &str, needle: &str) -> Option<usize> {
    haystack.to_ascii_lowercase().find(needle)
}

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::header::HeaderValue;

    const KEY: &str = "rk_live_SECRET_0123456789";

    fn parse(body: &str) -> ParsedBody {
        parse_error_body(body.as_bytes(), KEY)
    }

    #[test]
    fn kinds_from_status() {
        let cases = [
            (400, ErrorKind::BadRequest),
            (401, ErrorKind::Unauthorized),
            (402, ErrorKind::PaymentRequired),
            (403, ErrorKind::Forbidden),
            (404, ErrorKind::NotFound),
            (408, ErrorKind::RequestTimeout),
            (409, ErrorKind::Conflict),
            (413, ErrorKind::PayloadTooLarge),
            (415, ErrorKind::UnsupportedMediaType),
            (422, ErrorKind::Unprocessable),
            (429, ErrorKind::RateLimited),
            (500, ErrorKind::Server),
            (503, ErrorKind::Server),
            (599, ErrorKind::Server),
            (418, ErrorKind::Other),
            (302, ErrorKind::Other),
        ];
        for (status, kind) in cases {
            assert_eq!(ErrorKind::from_status(status), kind, "{status}");
        }
    }

    #[test]
    fn detail_string() {
        let p = parse(r#"{"detail": "Agent not found"}"#);
        assert_eq!(p.message.as_deref(), Some("Agent not found"));
        assert_eq!(p.code, None);
        assert_eq!(p.snippet, None);
    }

    #[test]
    fn detail_object() {
        let p = parse(r#"{"detail": {"code": "FILE_TOO_LARGE", "message": "File exceeds 10 MB"}}"#);
        assert_eq!(p.message.as_deref(), Some("File exceeds 10 MB"));
        assert_eq!(p.code.as_deref(), Some("FILE_TOO_LARGE"));
    }

    #[test]
    fn error_object() {
        let p = parse(r#"{"error": {"code": "invalid_api_key", "message": "Invalid API key"}}"#);
        assert_eq!(p.message.as_deref(), Some("Invalid API key"));
        assert_eq!(p.code.as_deref(), Some("invalid_api_key"));
        let p = parse(r#"{"error": {"code": 4001, "message": "Nope"}}"#);
        assert_eq!(p.code.as_deref(), Some("4001"));
    }

    #[test]
    fn message_only() {
        let p = parse(r#"{"message": "Calls terminated successfully!"}"#);
        assert_eq!(p.message.as_deref(), Some("Calls terminated successfully!"));
        let p = parse(r#"{"error": "Not Found", "message": "No such list"}"#);
        assert_eq!(p.message.as_deref(), Some("No such list"));
        let p = parse(r#"{"error": "Not Found"}"#);
        assert_eq!(p.message.as_deref(), Some("Not Found"));
        let p = parse(r#"{"status": "error", "message": "bad", "code": "E1"}"#);
        assert_eq!(p.code.as_deref(), Some("E1"));
    }

    #[test]
    fn fastapi_validation_list() {
        let p = parse(
            r#"{"detail": [
                {"type": "missing", "loc": ["body", "agent_id"], "msg": "Field required", "input": {}},
                {"loc": ["query", "limit", 0], "msg": "Input should be a valid integer"}
            ]}"#,
        );
        assert_eq!(
            p.message.as_deref(),
            Some("body.agent_id: Field required; query.limit.0: Input should be a valid integer")
        );
        let many: Vec<String> = (0..8).map(|i| format!(r#"{{"loc": ["body", "f{i}"], "msg": "bad"}}"#)).collect();
        let p = parse(&format!(r#"{{"detail": [{}]}}"#, many.join(",")));
        let message = p.message.unwrap();
        assert!(message.ends_with("body.f4: bad (and 3 more)"), "{message}");
    }

    #[test]
    fn unknown_json_keeps_snippet() {
        let p = parse(r#"{"weird": true}"#);
        assert_eq!(p.message, None);
        assert_eq!(p.snippet.as_deref(), Some(r#"{"weird": true}"#));
        let p = parse(r#""plain string error""#);
        assert_eq!(p.message.as_deref(), Some("plain string error"));
        let p = parse("[1, 2]");
        assert_eq!(p.snippet.as_deref(), Some("[1, 2]"));
    }

    #[test]
    fn html_page_keeps_title_or_text() {
        let p = parse(
            "<html><head><title>502 Bad Gateway</title></head><body><center>\
             <h1>502 Bad Gateway</h1></center><hr><center>nginx</center></body></html>",
        );
        assert_eq!(p.message, None);
        assert_eq!(p.snippet.as_deref(), Some("502 Bad Gateway"));
        let p = parse(
            "<!DOCTYPE html><html><head><style>body{x:y}</style><script>var a = 1;</script>\
             </head><body><p>Service   Unavailable</p></body></html>",
        );
        assert_eq!(p.snippet.as_deref(), Some("Service Unavailable"));
        let long = format!("<html><body>{}</body></html>", "word ".repeat(200));
        let snippet = parse(&long).snippet.unwrap();
        assert!(snippet.chars().count() <= SNIPPET_CHARS + 1);
        assert!(snippet.ends_with('…'));
    }

    #[test]
    fn plain_text_and_empty_bodies() {
        assert_eq!(parse(""), ParsedBody::default());
        assert_eq!(parse("  \n "), ParsedBody::default());
        let p = parse("upstream connect error\r\nor disconnect");
        assert_eq!(p.snippet.as_deref(), Some("upstream connect error or disconnect"));
        let p = parse_error_body(&[0xff, 0xfe, b'o', b'k'], KEY);
        assert!(p.snippet.unwrap().ends_with("ok"));
    }

    #[test]
    fn echoed_key_is_scrubbed() {
        let p = parse(&format!(r#"{{"detail": "Invalid API key {KEY}"}}"#));
        assert_eq!(p.message.as_deref(), Some("Invalid API key [REDACTED]"));
        let p = parse(&format!("<html><title>bad key {KEY}</title></html>"));
        assert_eq!(p.snippet.as_deref(), Some("bad key [REDACTED]"));
        let p = parse(&format!(r#"{{"echo": {{"X-API-KEY": "{KEY}"}}}}"#));
        assert!(!p.snippet.unwrap().contains(KEY));
    }

    #[test]
    fn retry_after_forms() {
        let now = SystemTime::UNIX_EPOCH + Duration::from_secs(1_445_412_480); // 2015-10-21 07:28:00
        assert_eq!(parse_retry_after("7", now), Some(Duration::from_secs(7)));
        assert_eq!(parse_retry_after(" 0 ", now), Some(Duration::ZERO));
        assert_eq!(parse_retry_after("99999999999999999999999", now), Some(Duration::from_secs(u64::MAX)));
        assert_eq!(parse_retry_after("Wed, 21 Oct 2015 07:28:30 GMT", now), Some(Duration::from_secs(30)));
        assert_eq!(parse_retry_after("Wednesday, 21-Oct-15 07:28:10 GMT", now), Some(Duration::from_secs(10)));
        assert_eq!(parse_retry_after("Wed Oct 21 07:28:05 2015", now), Some(Duration::from_secs(5)));
        assert_eq!(parse_retry_after("Tue, 20 Oct 2015 07:28:00 GMT", now), Some(Duration::ZERO));
        assert_eq!(parse_retry_after("-1", now), None);
        assert_eq!(parse_retry_after("1.5", now), None);
        assert_eq!(parse_retry_after("soon", now), None);
        assert_eq!(parse_retry_after("", now), None);
    }

    #[test]
    fn request_id_headers() {
        let mut headers = HeaderMap::new();
        assert_eq!(request_id(&headers), None);
        headers.insert("request-id", HeaderValue::from_static("c"));
        assert_eq!(request_id(&headers).as_deref(), Some("c"));
        headers.insert("x-amzn-requestid", HeaderValue::from_static("b"));
        assert_eq!(request_id(&headers).as_deref(), Some("b"));
        headers.insert("x-request-id", HeaderValue::from_static("a"));
        assert_eq!(request_id(&headers).as_deref(), Some("a"));
    }

    #[test]
    fn api_error_display_is_actionable() {
        let mut headers = HeaderMap::new();
        headers.insert("x-request-id", HeaderValue::from_static("req-42"));
        let err = Error::api(401, &headers, br#"{"detail": "Invalid API key"}"#, KEY)
            .with_endpoint("calling.history", RetrySafety::Safe);
        assert_eq!(
            err.to_string(),
            format!(
                "401 Unauthorized from calling.history: Invalid API key (check {} or \
                 regenerate the key in the dashboard) [request id req-42]",
                crate::API.api_key_env
            )
        );
        assert_eq!(err.status(), Some(401));
        assert_eq!(err.kind(), Some(ErrorKind::Unauthorized));
        assert_eq!(err.request_id(), Some("req-42"));
        assert_eq!(err.message(), Some("Invalid API key"));
        assert_eq!(err.endpoint(), Some("calling.history"));
        assert!(!err.is_retryable());

        let err = Error::api(500, &HeaderMap::new(), b"", KEY).with_endpoint("calling.initiate", RetrySafety::Unsafe);
        assert_eq!(
            err.to_string(),
            "500 Internal Server Error from calling.initiate (the request may have been \
             processed: check before sending it again)"
        );
        assert!(!err.is_retryable());
        let err = Error::api(500, &HeaderMap::new(), b"", KEY).with_endpoint("calling.history", RetrySafety::Safe);
        assert!(err.is_retryable());

        let mut headers = HeaderMap::new();
        headers.insert("retry-after", HeaderValue::from_static("3"));
        let err = Error::api(429, &headers, br#"{"error": {"code": "rate", "message": "Slow down"}}"#, KEY)
            .with_endpoint("calling.initiate", RetrySafety::Unsafe);
        assert_eq!(err.retry_after(), Some(Duration::from_secs(3)));
        assert_eq!(err.code(), Some("rate"));
        assert!(err.is_retryable());
        assert_eq!(
            err.to_string(),
            "429 Too Many Requests from calling.initiate: Slow down [code rate] \
             (rate limited: retry after 3s)"
        );
    }

    #[test]
    fn other_errors_display() {
        let err = Error::decode(
            200,
            None,
            Some("calls[0].status".into()),
            "invalid type: integer `3`, expected a string".into(),
            Some(r#"{"calls":[{"status":3}]}"#.into()),
        )
        .with_endpoint("calling.history", RetrySafety::Safe);
        assert_eq!(
            err.to_string(),
            "could not decode the 200 response of calling.history at `calls[0].status`: \
             invalid type: integer `3`, expected a string (body: {\"calls\":[{\"status\":3}]})"
        );
        assert!(err.is_decode());
        assert_eq!(err.decode_path(), Some("calls[0].status"));
        assert!(!err.is_retryable());

        let err = Error::decode(0, None, None, "expected value".into(), None);
        assert_eq!(err.to_string(), "could not decode the JSON body: expected value");
        assert_eq!(err.status(), None);

        let err = Error::config("no API key");
        assert!(err.is_config() && err.is_not_sent());
        assert_eq!(err.to_string(), "invalid client configuration: no API key");

        let err = Error::new(Repr::Timeout { after: Some(Duration::from_millis(1500)), source: None })
            .with_endpoint("calling.initiate", RetrySafety::Unsafe);
        assert!(err.is_timeout() && !err.is_retryable() && !err.is_not_sent());
        assert!(err.to_string().starts_with("calling.initiate timed out after 1.5s (the request may"));

        let err = Error::new(Repr::Connection { not_sent: true, source: None })
            .with_endpoint("calling.initiate", RetrySafety::Unsafe);
        assert!(err.is_retryable() && err.is_not_sent() && err.is_connection());

        let err = Error::io("could not write", std::io::Error::other("disk full"));
        assert!(err.is_io());
        assert_eq!(err.to_string(), "could not write: disk full");
        assert!(std::error::Error::source(&err).is_some());
    }

    #[test]
    fn snippets() {
        assert_eq!(truncate("abcdef", 3), "abc…");
        assert_eq!(truncate("abc", 3), "abc");
        assert_eq!(truncate("ééé", 2), "éé…");
        let text = format!("{}X{}", "a".repeat(300), "b".repeat(300));
        let s = snippet_around(&text, 300);
        assert!(s.starts_with('…') && s.ends_with('…') && s.contains('X'), "{s}");
        assert_eq!(snippet_around("short", 2), "short");
        assert_eq!(snippet_around("é", 1), "é");
        assert_eq!(DisplayDuration(Duration::from_millis(250)).to_string(), "250ms");
        assert_eq!(DisplayDuration(Duration::from_secs(60)).to_string(), "60s");
    }
}
