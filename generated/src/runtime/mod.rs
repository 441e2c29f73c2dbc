//! The hand-written runtime of the generated client: HTTP transport, retries, errors,
//! uploads, downloads and pagination.
//!
//! This module is written by hand and lives where it compiles, in the generated crate beside
//! the files the generator writes; other crates generated from other specs (the generator's
//! golden cases) get a copy when they are built. The generated code describes each endpoint as an [`Operation`] (its
//! [`Endpoint`], how to fill its path, query and body, and how to decode its response) and
//! the runtime does everything else. The crate root re-exports the items an application
//! uses ([`Client`], [`Error`], [`RetryPolicy`], [`Patch`], [`Upload`], ...).
//!
//! Safety rules implemented here, whatever the spec says:
//!
//! - The API key is sent as a sensitive header and never appears in `Debug`, `Display`,
//!   errors or tracing output; if a server echoes it in a body, it is scrubbed.
//! - Path parameters are percent-encoded ([`encode_segment`]) and the filled path is checked
//!   against its template, so no id can reach another endpoint.
//! - An endpoint marked [`RetrySafety::Unsafe`] (one that places a call, say) is re-sent only
//!   when the request certainly never reached the server, or the server answered `429`:
//!   a retry must never ring a person twice.
//! - Redirects are not followed by the built-in HTTP client, so the key never travels to
//!   another host; plain `http://` base URLs are refused unless they are loopback.
//! - Once any base URL is overridden, the bases not overridden are left unset and requests to
//!   them are refused: a client pointed at a local fake never sends the key to production.
//! - [`Error::outcome`] tells whether a failed request was never sent, rejected, accepted or
//!   may have been processed.
//! - Drift reports ([`drift`]) hold keys, paths, JSON types and unknown enum strings, never
//!   another value of a body.

#[cfg(feature = "blocking")]
pub mod blocking;
mod body;
mod client;
pub mod de;
pub mod drift;
mod error;
mod json;
mod paginate;
mod patch;
pub mod read;
mod request;
mod response;
mod retry;
pub mod ser;
mod timestamp;
pub mod write;

#[cfg(test)]
mod drift_tests;
#[cfg(test)]
pub(crate) mod endpoint_support;
#[cfg(test)]
pub(crate) mod test_server;
#[cfg(test)]
mod tests;

use std::future::Future;
use std::pin::Pin;

// The crate root declares this module `#[doc(hidden)] pub`: the code generated for a given
// spec uses only some of these helpers (a spec without downloads never names `ByteStream`),
// and public items never warn as unused. The items applications use are re-exported at the
// crate root; everything else here is for generated code only.
pub use self::{
    body::{Body, Form, Upload},
    client::{Client, ClientBuilder},
    drift::{Drift, DriftKind, DriftObserver, JsonType},
    error::{Error, ErrorKind, Outcome},
    json::{decode_slice, payload_from_value, payload_value, read_slice, tagged_object},
    paginate::{Page, Paginated, Paginator},
    patch::Patch,
    request::{Async, Request},
    response::{ByteStream, Response, decode_bytes, decode_empty, decode_json, decode_read},
    retry::RetryPolicy,
    timestamp::{Date, DateParts, Offset, TimeParts, Timestamp, TimestampError, TimestampParts},
};

/// Static facts about the API, emitted by the generator into the crate root as `crate::API`.
#[doc(hidden)]
#[derive(Debug, Clone, Copy)]
pub struct ApiConfig {
    /// Name of the header that carries the API key, e.g. `X-API-KEY`.
    pub auth_header: &'static str,
    /// Environment variable read by [`Client::from_env`], e.g. `EXAMPLE_API_KEY`.
    pub api_key_env: &'static str,
    /// Named base URLs; `"default"` is the one most endpoints use.
    pub base_urls: &'static [(&'static str, &'static str)],
    /// Environment variable read by [`Client::from_env`] for the `default` base URL, e.g.
    /// `EXAMPLE_BASE_URL`; another base `name` is read from this plus `_NAME` (`EXAMPLE_BASE_URL_FILES`).
    pub base_url_env: &'static str,
    /// The `User-Agent` sent with every request.
    pub user_agent: &'static str,
    /// Page size used by [`Paginator`] when the caller sets none.
    pub default_page_size: u32,
    /// Largest page size the API accepts; larger requested sizes are clamped.
    pub max_page_size: u32,
}

/// Whether an endpoint may be sent twice.
#[doc(hidden)]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RetrySafety {
    /// Repeating the request has no further effect (reads, idempotent updates): it is
    /// retried on connection failures, timeouts, `408`, `429` and `5xx`.
    Safe,
    /// Repeating the request could repeat its effect (placing a call, starting a campaign):
    /// it is re-sent only when it certainly never reached the server, or on `429`.
    Unsafe,
}

/// The static description of one endpoint.
#[doc(hidden)]
#[derive(Debug, Clone)]
pub struct Endpoint {
    /// Stable name used in errors and tracing, e.g. `"calling.history"`.
    pub name: &'static str,
    /// HTTP method.
    pub method: reqwest::Method,
    /// Path template, e.g. `"/agent/{agent_id}"`; used for tracing and to check filled paths.
    pub path: &'static str,
    /// Key into [`ApiConfig::base_urls`].
    pub base_url: &'static str,
    /// Whether the endpoint may be retried after it may have reached the server.
    pub retry: RetrySafety,
}

/// The boxed future returned by response decoders.
pub type DecodeFuture<T> = Pin<Box<dyn Future<Output = Result<T, Error>> + Send>>;

/// One API operation with its inputs, as emitted by the generator.
///
/// The runtime calls [`path`](Operation::path), [`query`](Operation::query) once per
/// request and [`body`](Operation::body) once per attempt, then hands a successful response
/// to [`decode`](Operation::decode).
pub trait Operation: Send + Sync + 'static {
    /// The decoded success value.
    type Output: Send + 'static;
    /// The endpoint this operation calls.
    const ENDPOINT: Endpoint;
    /// The `Accept` header sent; binary downloads override it.
    const ACCEPT: &'static str = "application/json";
    /// The filled path, every parameter passed through [`encode_segment`].
    fn path(&self) -> String;
    /// Appends the query parameters.
    fn query(&self, query: &mut Query) {
        let _ = query;
    }
    /// Refuses inputs that cannot be sent (a page size out of range, say); called before
    /// anything is sent, so its error is [`Outcome::NotSent`].
    fn check(&self) -> Result<(), Error> {
        Ok(())
    }
    /// Builds the request body; called once per attempt.
    fn body(&self) -> Result<Body, Error> {
        Ok(Body::Empty)
    }
    /// Decodes a success (`2xx`) response.
    fn decode(response: Response) -> DecodeFuture<Self::Output>;
}

/// The characters kept as they are in a path segment: RFC 3986 "unreserved".
const SEGMENT: &percent_encoding::AsciiSet =
    &percent_encoding::NON_ALPHANUMERIC.remove(b'-').remove(b'.').remove(b'_').remove(b'~');

/// Percent-encodes one path segment: everything but RFC 3986 unreserved characters
/// (`A-Z a-z 0-9 - . _ ~`), so `/`, `?`, `#` and `%` in an id stay inside its segment.
///
/// Segments that are empty, `.` or `..` are refused when the request is sent.
pub fn encode_segment(segment: &str) -> String {
    percent_encoding::utf8_percent_encode(segment, SEGMENT).to_string()
}

/// Query parameters of one request, in order; a name may repeat (list parameters).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Query {
    pairs: Vec<(String, String)>,
}

impl Query {
    /// An empty query.
    pub fn new() -> Query {
        Query::default()
    }

    /// Appends `name=value`.
    pub fn push(&mut self, name: &str, value: impl std::fmt::Display) {
        self.pairs.push((name.to_owned(), value.to_string()));
        timestamp::locate_input_problem(name);
    }

    /// Appends `name=value` when `value` is `Some`.
    pub fn push_opt(&mut self, name: &str, value: Option<impl std::fmt::Display>) {
        if let Some(value) = value {
            self.push(name, value);
        }
    }

    /// The parameters pushed so far, in order.
    pub fn pairs(&self) -> impl Iterator<Item = (&str, &str)> {
        self.pairs.iter().map(|(k, v)| (k.as_str(), v.as_str()))
    }

    /// Whether no parameter was pushed.
    pub fn is_empty(&self) -> bool {
        self.pairs.is_empty()
    }
}
