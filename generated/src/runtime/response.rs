//! Successful responses and their decoders: JSON, empty and streamed bytes.

use std::fmt;
use std::future::Future;
use std::path::Path;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use bytes::Bytes;
use futures_core::Stream;
use serde::de::DeserializeOwned;
use tokio::io::{AsyncWrite, AsyncWriteExt};

use super::error::{request_id, scrub, snippet_around};
use super::{DecodeFuture, Error, RetrySafety};

/// How much of a body [`decode_empty`] reads (so the connection can be reused) before
/// dropping the rest.
const DRAIN_LIMIT: usize = 64 * 1024;

/// A success (`2xx`) response, handed to [`Operation::decode`](super::Operation::decode).
pub struct Response {
    inner: reqwest::Response,
    endpoint: &'static str,
    safety: RetrySafety,
    timeout: Duration,
    request_id: Option<String>,
    secret: Arc<str>,
    /// The client's drift observer, if it has one.
    drift: Option<super::drift::Observer>,
}

impl Response {
    pub(crate) fn new(
        inner: reqwest::Response,
        endpoint: &'static str,
        safety: RetrySafety,
        timeout: Duration,
        secret: Arc<str>,
    ) -> Response {
        let request_id = request_id(inner.headers());
        Response { inner, endpoint, safety, timeout, request_id, secret, drift: None }
    }

    /// Hands JSON bodies to the client's drift observer, if it has one.
    pub(crate) fn observed_by(mut self, observer: Option<&super::drift::Observer>) -> Response {
        self.drift = observer.cloned();
        self
    }

    /// The HTTP status code.
    pub fn status(&self) -> u16 {
        self.inner.status().as_u16()
    }

    /// The request id the server returned, if any.
    pub fn request_id(&self) -> Option<&str> {
        self.request_id.as_deref()
    }

    /// The name of the endpoint, e.g. `"calling.history"`.
    pub fn endpoint(&self) -> &'static str {
        self.endpoint
    }

    /// The response headers.
    pub fn headers(&self) -> &reqwest::header::HeaderMap {
        self.inner.headers()
    }
}

impl fmt::Debug for Response {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Response")
            .field("endpoint", &self.endpoint)
            .field("status", &self.status())
            .field("request_id", &self.request_id)
            .finish()
    }
}

/// Reads the whole body and decodes it as JSON into `T`.
///
/// A failure reports the JSON path where decoding stopped (`calls[0].status`) and a short
/// snippet of the body around that point, with the API key scrubbed. An empty body decodes
/// as `null` (so `()`, `Option` and `serde_json::Value` accept it).
pub fn decode_json<T: DeserializeOwned + Send + 'static>(response: Response) -> DecodeFuture<T> {
    Box::pin(DecodeJson { body: Box::pin(read_json_body(response)), decode: decode_body::<T> })
}

/// Reads the whole body and decodes it with the crate's own reader into `T`
/// ([`read`](super::read)); failures are reported as by [`decode_json`].
pub fn decode_read<T: super::read::FromJson + Send + 'static>(response: Response) -> DecodeFuture<T> {
    Box::pin(ReadJson { body: Box::pin(read_json_body(response)), read: T::read, shape: &T::SHAPE })
}

/// The future of [`decode_read`]: the shared body read, then one typed read. Written out for
/// the reason [`DecodeJson`] is.
struct ReadJson<T> {
    body: Pin<Box<dyn Future<Output = Result<JsonBody, Error>> + Send>>,
    read: fn(&mut super::read::Reader<'_>) -> super::read::Read<T>,
    /// The spec's shape of `T`, for the drift check.
    shape: &'static super::drift::Shape,
}

impl<T> Future for ReadJson<T> {
    type Output = Result<T, Error>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let body = match self.body.as_mut().poll(cx) {
            Poll::Ready(Ok(body)) => body,
            Poll::Ready(Err(err)) => return Poll::Ready(Err(err)),
            Poll::Pending => return Poll::Pending,
        };
        // Only a client with an observer pays for the second, strict walk.
        if let Some(observer) = &body.drift {
            super::drift::check(&**observer, body.endpoint, self.shape, &body.bytes);
        }
        // The type's own `read`, called through a pointer: nothing else here depends on `T`.
        let read = self.read;
        let mut reader = match body.reader() {
            Ok(reader) => reader,
            Err(err) => return Poll::Ready(Err(body.read_failure(err))),
        };
        let value = match read(&mut reader) {
            Ok(value) => value,
            Err(err) => return Poll::Ready(Err(body.read_failure(err))),
        };
        match reader.end() {
            Ok(()) => Poll::Ready(Ok(value)),
            Err(err) => Poll::Ready(Err(body.read_failure(err))),
        }
    }
}

/// Reads `T` from a JSON document with the crate's own reader: a blank document reads as
/// `null`, text that is not UTF-8 is an error at its first bad byte, and only white space may
/// follow the value.
pub(crate) fn read_json_slice<T: super::read::FromJson>(bytes: &[u8]) -> Result<T, super::read::ReadError> {
    let mut reader = super::read::Reader::new(json_text(bytes)?);
    let value = T::read(&mut reader)?;
    reader.end()?;
    Ok(value)
}

/// The JSON text of `bytes`: `null` for a blank body; not UTF-8 is an error.
fn json_text(bytes: &[u8]) -> Result<&str, super::read::ReadError> {
    std::str::from_utf8(json_input(bytes))
        .map_err(|err| super::read::ReadError::new(err.valid_up_to(), "the body is not valid UTF-8".to_owned(), false))
}

/// The future of [`decode_json`]: the shared body read, then one typed decode.
///
/// Written out rather than an `async` block: it is compiled once per response type, and this
/// way each type adds only this `poll` and its `serde_json::from_slice`, while reading the
/// body and reporting a failure are compiled once.
struct DecodeJson<T> {
    body: Pin<Box<dyn Future<Output = Result<JsonBody, Error>> + Send>>,
    decode: fn(JsonBody) -> Result<T, Error>,
}

impl<T> Future for DecodeJson<T> {
    type Output = Result<T, Error>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        match self.body.as_mut().poll(cx) {
            Poll::Ready(Ok(body)) => Poll::Ready((self.decode)(body)),
            Poll::Ready(Err(err)) => Poll::Ready(Err(err)),
            Poll::Pending => Poll::Pending,
        }
    }
}

/// The typed decode of a read body.
fn decode_body<T: DeserializeOwned>(body: JsonBody) -> Result<T, Error> {
    match serde_json::from_slice(json_input(&body.bytes)) {
        Ok(value) => Ok(value),
        Err(err) => Err(body.failure(&err)),
    }
}

/// A read body with what a decode error reports about it.
struct JsonBody {
    bytes: Bytes,
    status: u16,
    request_id: Option<String>,
    secret: Arc<str>,
    endpoint: &'static str,
    safety: RetrySafety,
    drift: Option<super::drift::Observer>,
}

impl JsonBody {
    /// The decode error for `err`, naming the endpoint.
    #[inline(never)]
    fn failure(self, err: &serde_json::Error) -> Error {
        decode_failure(&self.bytes, self.status, self.request_id, &self.secret, err)
            .with_endpoint(self.endpoint, self.safety)
    }

    /// The decode error for a failed read, naming the endpoint.
    #[inline(never)]
    fn read_failure(&self, err: super::read::ReadError) -> Error {
        read_failure(&self.bytes, self.status, self.request_id.clone(), &self.secret, err)
            .with_endpoint(self.endpoint, self.safety)
    }

    /// A reader over the body's JSON text.
    fn reader(&self) -> Result<super::read::Reader<'_>, super::read::ReadError> {
        json_text(&self.bytes).map(super::read::Reader::new)
    }
}

/// The decode error for a failed read of `bytes`, like [`decode_failure`]'s.
#[inline(never)]
pub(crate) fn read_failure(
    bytes: &[u8],
    status: u16,
    request_id: Option<String>,
    secret: &str,
    err: super::read::ReadError,
) -> Error {
    let err = err.into_failure();
    failure_at(bytes, status, request_id, secret, Some(err.offset), err.message, err.own)
}

async fn read_json_body(response: Response) -> Result<JsonBody, Error> {
    let Response { inner, endpoint, safety, timeout, request_id, secret, drift } = response;
    let status = inner.status().as_u16();
    let bytes = inner.bytes().await.map_err(|e| Error::transport(e, Some(timeout)).with_endpoint(endpoint, safety))?;
    Ok(JsonBody { bytes, status, request_id, secret, endpoint, safety, drift })
}

/// The JSON to decode from `bytes`: `null` for a blank body.
fn json_input(bytes: &[u8]) -> &[u8] {
    if bytes.iter().all(u8::is_ascii_whitespace) { b"null" } else { bytes }
}

/// Decodes a JSON document; see [`decode_json`].
///
/// One typed decode, with plain serde_json. When it fails, the JSON path is found again from
/// the bytes and the error's position by `json_path_at`, which is not generic: a second,
/// path-tracking decode would instantiate every response type's `Deserialize` a second time
/// in this crate, and cost a second pass over the body.
pub(crate) fn decode_json_slice<T: DeserializeOwned>(
    bytes: &[u8],
    status: u16,
    request_id: Option<String>,
    secret: &str,
) -> Result<T, Error> {
    serde_json::from_slice::<T>(json_input(bytes))
        .map_err(|err| decode_failure(bytes, status, request_id, secret, &err))
}

/// The decode error for `err`, with the JSON path, and a snippet around the failure with the
/// key scrubbed.
#[inline(never)]
fn decode_failure(
    bytes: &[u8],
    status: u16,
    request_id: Option<String>,
    secret: &str,
    err: &serde_json::Error,
) -> Error {
    let offset = byte_offset(bytes, err.line(), err.column());
    // serde_json gives an error raised outside its own code (an untagged or tagged union that
    // matched nothing, a date that does not parse) the position of the enclosing object's end
    // when the value was its last entry; there the path is still the value's. A struct's own
    // errors are reported at its end too, and there the path is the struct's.
    let detail = err.to_string();
    let own = ["missing field", "duplicate field", "invalid length"].iter().any(|p| detail.starts_with(p));
    failure_at(bytes, status, request_id, secret, offset, detail, own)
}

/// The decode error for a failure at byte `offset` of `bytes`: `own` when it is about the
/// container that ends there.
fn failure_at(
    bytes: &[u8],
    status: u16,
    request_id: Option<String>,
    secret: &str,
    offset: Option<usize>,
    detail: String,
    own: bool,
) -> Error {
    if bytes.iter().all(u8::is_ascii_whitespace) {
        let detail = "the body is empty, but JSON was expected".to_owned();
        return Error::decode(status, request_id, None, detail, None);
    }
    let path = offset.and_then(|offset| json_path_at(bytes, offset, own));
    let text = String::from_utf8_lossy(bytes);
    let text = scrub(&text, secret);
    let detail = scrub(&detail, secret).into_owned();
    let snippet = (!text.trim().is_empty()).then(|| snippet_around(&text, offset.unwrap_or(0).min(text.len())));
    Error::decode(status, request_id, path, detail, snippet)
}

/// One level of nesting while scanning for a path: an object with the key whose value is being
/// read (none between entries), or an array with the index of the element being read.
enum Level {
    Object(Option<String>),
    Array(usize),
}

/// The JSON path (`calls[1].status`) of the value being read at byte `offset`, where serde_json
/// stopped: the keys and indexes of every level open after reading `bytes[..=offset]`. `None`
/// at the top level. Matches the segments a path-tracking deserializer would report: a key
/// once it has been read, an index once its element has started. A closing bracket at
/// `offset` closes its level only when `closes` says the error is the container's own.
#[inline(never)]
fn json_path_at(bytes: &[u8], offset: usize, closes: bool) -> Option<String> {
    let mut levels: Vec<Level> = Vec::new();
    // Whether the next string in the innermost object is a key.
    let mut expecting_key = false;
    let mut i = 0;
    while i <= offset && i < bytes.len() {
        if i == offset && !closes && matches!(bytes[i], b'}' | b']') {
            break;
        }
        match bytes[i] {
            b'"' => {
                let start = i;
                i += 1;
                while i < bytes.len() && bytes[i] != b'"' {
                    i += if bytes[i] == b'\\' { 2 } else { 1 };
                }
                if expecting_key && i <= offset && i < bytes.len() {
                    if let Some(Level::Object(key)) = levels.last_mut() {
                        // `Value`'s `FromStr` is compiled inside serde_json, not again here.
                        let text = std::str::from_utf8(&bytes[start..=i]).ok().and_then(|t| t.parse().ok());
                        let text = match text {
                            Some(serde_json::Value::String(text)) => text,
                            _ => "?".into(),
                        };
                        *key = Some(text);
                    }
                    expecting_key = false;
                }
            }
            b'{' => {
                levels.push(Level::Object(None));
                expecting_key = true;
            }
            b'[' => {
                levels.push(Level::Array(0));
                expecting_key = false;
            }
            b'}' | b']' => {
                levels.pop();
                expecting_key = false;
            }
            b',' => match levels.last_mut() {
                Some(Level::Object(key)) => {
                    *key = None;
                    expecting_key = true;
                }
                Some(Level::Array(index)) => *index += 1,
                None => {}
            },
            _ => {}
        }
        i += 1;
    }
    let mut path = String::new();
    for level in &levels {
        match level {
            Level::Object(Some(key)) => {
                if !path.is_empty() {
                    path.push('.');
                }
                path.push_str(key);
            }
            Level::Object(None) => {}
            Level::Array(index) => path.push_str(&format!("[{index}]")),
        }
    }
    (!path.is_empty()).then_some(path)
}

/// The byte offset of serde_json's one-based `line` and `column`.
fn byte_offset(bytes: &[u8], line: usize, column: usize) -> Option<usize> {
    if line == 0 {
        return None;
    }
    let line_start = if line == 1 {
        0
    } else {
        bytes.iter().enumerate().filter(|(_, b)| **b == b'\n').nth(line - 2).map(|(i, _)| i + 1)?
    };
    Some((line_start + column.saturating_sub(1)).min(bytes.len()))
}

/// Ignores the body of a success response (reading a little of it, so that the connection
/// can be reused).
pub fn decode_empty(response: Response) -> DecodeFuture<()> {
    Box::pin(async move {
        let mut inner = response.inner;
        let mut read = 0;
        while read < DRAIN_LIMIT {
            match inner.chunk().await {
                Ok(Some(chunk)) => read += chunk.len(),
                _ => break,
            }
        }
        Ok(())
    })
}

/// Hands the body over as a [`ByteStream`], without buffering it.
pub fn decode_bytes(response: Response) -> DecodeFuture<ByteStream> {
    Box::pin(async move { Ok(ByteStream::new(response)) })
}

/// A response body streamed in chunks as they arrive (a file download).
///
/// Read it with [`next_chunk`](ByteStream::next_chunk), as a
/// [`Stream`](futures_core::Stream), or write it out with [`write_to`](ByteStream::write_to)
/// or [`save`](ByteStream::save). The client's timeout covers the whole body: raise it with
/// [`Request::timeout`](super::Request::timeout) for large downloads.
pub struct ByteStream {
    stream: Pin<Box<dyn Stream<Item = reqwest::Result<Bytes>> + Send>>,
    endpoint: &'static str,
    safety: RetrySafety,
    timeout: Duration,
    content_type: Option<String>,
    content_length: Option<u64>,
    request_id: Option<String>,
    done: bool,
}

impl ByteStream {
    fn new(response: Response) -> ByteStream {
        let headers = response.inner.headers();
        let content_type = headers.get(reqwest::header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).map(str::to_owned);
        let content_length = response.inner.content_length();
        ByteStream {
            endpoint: response.endpoint,
            safety: response.safety,
            timeout: response.timeout,
            request_id: response.request_id,
            content_type,
            content_length,
            done: false,
            stream: Box::pin(response.inner.bytes_stream()),
        }
    }

    /// The `Content-Type` the server declared, if any.
    pub fn content_type(&self) -> Option<&str> {
        self.content_type.as_deref()
    }

    /// The body length the server declared, if any.
    pub fn content_length(&self) -> Option<u64> {
        self.content_length
    }

    /// The request id the server returned, if any.
    pub fn request_id(&self) -> Option<&str> {
        self.request_id.as_deref()
    }

    /// The next chunk, or `None` at the end of the body.
    pub async fn next_chunk(&mut self) -> Result<Option<Bytes>, Error> {
        std::future::poll_fn(|cx| Pin::new(&mut *self).poll_next(cx)).await.transpose()
    }

    /// Writes the whole body to `writer` and flushes it; returns the number of bytes.
    pub async fn write_to(mut self, mut writer: impl AsyncWrite + Unpin) -> Result<u64, Error> {
        let mut written = 0u64;
        while let Some(chunk) = self.next_chunk().await? {
            writer.write_all(&chunk).await.map_err(|e| Error::io("could not write the download", e))?;
            written += chunk.len() as u64;
        }
        writer.flush().await.map_err(|e| Error::io("could not write the download", e))?;
        Ok(written)
    }

    /// Writes the whole body to a file (created or truncated); returns the number of bytes.
    /// On failure the partial file is removed.
    pub async fn save(self, path: impl AsRef<Path>) -> Result<u64, Error> {
        let path = path.as_ref();
        let file = tokio::fs::File::create(path)
            .await
            .map_err(|e| Error::io(format!("could not create `{}`", path.display()), e))?;
        let mut writer = tokio::io::BufWriter::with_capacity(256 * 1024, file);
        let result = self.write_to(&mut writer).await;
        let result = match result {
            Ok(written) => writer
                .into_inner()
                .sync_all()
                .await
                .map(|()| written)
                .map_err(|e| Error::io(format!("could not write `{}`", path.display()), e)),
            Err(e) => Err(e),
        };
        if result.is_err() {
            let _ = tokio::fs::remove_file(path).await;
        }
        result
    }
}

impl Stream for ByteStream {
    type Item = Result<Bytes, Error>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        if self.done {
            return Poll::Ready(None);
        }
        match self.stream.as_mut().poll_next(cx) {
            Poll::Pending => Poll::Pending,
            Poll::Ready(None) => {
                self.done = true;
                Poll::Ready(None)
            }
            Poll::Ready(Some(Ok(chunk))) => Poll::Ready(Some(Ok(chunk))),
            Poll::Ready(Some(Err(e))) => {
                self.done = true;
                let err = Error::transport(e, Some(self.timeout)).with_endpoint(self.endpoint, self.safety);
                Poll::Ready(Some(Err(err)))
            }
        }
    }
}

impl fmt::Debug for ByteStream {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ByteStream")
            .field("endpoint", &self.endpoint)
            .field("content_type", &self.content_type)
            .field("content_length", &self.content_length)
            .field("request_id", &self.request_id)
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;

    #[derive(Debug, Deserialize)]
    #[allow(dead_code)]
    struct History {
        calls: Vec<Call>,
        total: u64,
    }

    #[derive(Debug, Deserialize)]
    #[allow(dead_code)]
    struct Call {
        id: String,
        status: String,
    }

    #[test]
    fn decode_error_has_path_and_snippet() {
        let body = br#"{"calls": [{"id": "a", "status": "completed"}, {"id": "b", "status": 7}], "total": 2}"#;
        let err = decode_json_slice::<History>(body, 200, Some("r1".into()), "key_0123456789").unwrap_err();
        assert!(err.is_decode());
        assert_eq!(err.decode_path(), Some("calls[1].status"));
        assert_eq!(err.status(), Some(200));
        assert_eq!(err.request_id(), Some("r1"));
        let snippet = err.body_snippet().unwrap();
        assert!(snippet.contains(r#""status": 7"#), "{snippet}");
        let text = err.to_string();
        assert!(text.contains("calls[1].status") && text.contains("invalid type"), "{text}");
    }

    #[test]
    fn decode_error_snippet_scrubs_the_key() {
        let key = "sk_live_ABCDEFGH12345";
        let body = format!(r#"{{"calls": "{key}", "total": 1}}"#);
        let err = decode_json_slice::<History>(body.as_bytes(), 200, None, key).unwrap_err();
        assert!(!format!("{err} {err:?}").contains(key));
    }

    #[test]
    fn malformed_and_trailing_and_empty() {
        let err = decode_json_slice::<History>(b"{\"calls\": [", 200, None, "").unwrap_err();
        assert!(err.is_decode(), "{err}");
        let err = decode_json_slice::<serde_json::Value>(b"{} x", 200, None, "").unwrap_err();
        assert!(err.to_string().contains("trailing"), "{err}");
        let err = decode_json_slice::<History>(b"  ", 200, None, "").unwrap_err();
        assert!(err.to_string().contains("empty"), "{err}");
        assert!(decode_json_slice::<()>(b"", 204, None, "").is_ok());
        assert_eq!(decode_json_slice::<Option<u32>>(b"\n", 200, None, "").unwrap(), None);
        let err = decode_json_slice::<History>(b"<html>oops</html>", 200, None, "").unwrap_err();
        assert_eq!(err.body_snippet(), Some("<html>oops</html>"));
    }

    #[test]
    fn paths_from_positions() {
        let body = br#"{"a": [1, {"b\"c": "x", "d": {}}], "e": 2}"#;
        let at = |needle: &str| {
            json_path_at(body, body.windows(needle.len()).position(|w| w == needle.as_bytes()).unwrap(), true)
        };
        assert_eq!(at("1,"), Some("a[0]".into()));
        assert_eq!(at(r#"{"b"#), Some("a[1]".into()), "an object before its first key");
        assert_eq!(at(r#""x""#), Some("a[1].b\"c".into()), "an escaped key");
        assert_eq!(at("{}"), Some("a[1].d".into()));
        assert_eq!(at("}]"), Some("a[1]".into()), "a closed object leaves its index current");
        assert_eq!(at("2}"), Some("e".into()));
        assert_eq!(json_path_at(body, body.len() - 1, true), None);
        assert_eq!(json_path_at(body, body.len() - 1, false), Some("e".into()), "the last value's error");
        // A missing field is reported after the object closed: the object's own path.
        let err = decode_json_slice::<History>(br#"{"calls": [{"id": "a"}], "total": 1}"#, 200, None, "").unwrap_err();
        assert_eq!(err.decode_path(), Some("calls[0]"), "{err}");
    }

    #[test]
    fn offsets() {
        assert_eq!(byte_offset(b"abc", 1, 2), Some(1));
        assert_eq!(byte_offset(b"a\nbc\nd", 3, 1), Some(5));
        assert_eq!(byte_offset(b"a", 5, 1), None);
        assert_eq!(byte_offset(b"a", 0, 0), None);
    }
}
