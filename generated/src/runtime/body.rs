//! Request bodies: JSON, multipart forms and file uploads.

use std::fmt;
use std::io;
use std::path::{Path, PathBuf};
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};

use bytes::Bytes;
use tokio::io::{AsyncRead, ReadBuf};

use super::Error;
use super::write::{ToJson, Writer};

/// The body of one request attempt, built by [`Operation::body`](super::Operation::body).
#[derive(Debug)]
#[non_exhaustive]
pub enum Body {
    /// No body.
    Empty,
    /// A serialized JSON document, sent as `application/json`; build it with [`Body::json`].
    Json(Bytes),
    /// A `multipart/form-data` form.
    Multipart(Form),
}

impl Body {
    /// Writes `value` as a JSON body, with the crate's own [writer](super::write).
    pub fn json(value: &impl ToJson) -> Result<Body, Error> {
        Writer::to_vec(value)
            .map(|json| Body::Json(Bytes::from(json)))
            .map_err(|e| Error::invalid_request(format!("could not serialize the JSON body: {e}")))
    }

    /// Whether the body can be built again for a second attempt.
    pub(crate) fn is_replayable(&self) -> bool {
        match self {
            Body::Empty | Body::Json(_) => true,
            Body::Multipart(form) => form.is_replayable(),
        }
    }
}

/// A `multipart/form-data` body under construction.
///
/// It only describes the parts: files are opened when the request is sent, once per attempt.
#[derive(Debug, Clone, Default)]
#[must_use]
pub struct Form {
    parts: Vec<(String, PartValue)>,
}

#[derive(Debug, Clone)]
enum PartValue {
    Text(String),
    File(Upload),
}

impl Form {
    /// An empty form.
    pub fn new() -> Form {
        Form::default()
    }

    /// Adds a text field.
    pub fn text(mut self, name: impl Into<String>, value: impl Into<String>) -> Form {
        self.parts.push((name.into(), PartValue::Text(value.into())));
        self
    }

    /// Adds a field holding `value` as JSON text (how object fields of multipart bodies are
    /// sent).
    pub fn json(self, name: impl Into<String>, value: &impl ToJson) -> Result<Form, Error> {
        let name = name.into();
        let json = Writer::to_vec(value)
            .and_then(|json| String::from_utf8(json).map_err(|_| "the writer wrote text that is not UTF-8".to_owned()))
            .map_err(|e| Error::invalid_request(format!("could not serialize the form field `{name}`: {e}")))?;
        Ok(self.text(name, json))
    }

    /// Adds a file field. Fails if the upload reads from a stream that was already sent.
    pub fn file(mut self, name: impl Into<String>, upload: &Upload) -> Result<Form, Error> {
        let name = name.into();
        if upload.is_spent() {
            return Err(spent_error(upload));
        }
        self.parts.push((name, PartValue::File(upload.clone())));
        Ok(self)
    }

    /// The names of the fields, in order.
    pub fn field_names(&self) -> impl Iterator<Item = &str> {
        self.parts.iter().map(|(name, _)| name.as_str())
    }

    fn is_replayable(&self) -> bool {
        self.parts.iter().all(|(_, value)| match value {
            PartValue::Text(_) => true,
            PartValue::File(upload) => !matches!(upload.source, Source::Reader(_)),
        })
    }

    /// Opens the files and builds the reqwest form for one attempt.
    pub(crate) async fn into_reqwest(self) -> Result<reqwest::multipart::Form, Error> {
        let mut form = reqwest::multipart::Form::new();
        for (name, value) in self.parts {
            let part = match value {
                PartValue::Text(text) => reqwest::multipart::Part::text(text),
                PartValue::File(upload) => upload.to_part().await?,
            };
            form = form.part(name, part);
        }
        Ok(form)
    }
}

/// A file to upload in a multipart form.
///
/// - [`Upload::from_path`] streams a file from disk, reopened for every attempt (it is never
///   read into memory whole);
/// - [`Upload::from_bytes`] sends bytes already in memory;
/// - [`Upload::from_reader`] streams from any [`AsyncRead`] once: a request carrying it is
///   never retried, since the data cannot be sent a second time.
///
/// The MIME type is guessed from the file name's extension unless set with
/// [`mime_type`](Upload::mime_type).
#[derive(Clone)]
pub struct Upload {
    source: Source,
    file_name: String,
    mime_type: Option<String>,
}

type SharedReader = Arc<Mutex<Option<Pin<Box<dyn AsyncRead + Send>>>>>;

#[derive(Clone)]
enum Source {
    Path(PathBuf),
    Bytes(Bytes),
    Reader(SharedReader),
}

impl Upload {
    /// A file on disk; its name is the path's last component.
    pub fn from_path(path: impl AsRef<Path>) -> Upload {
        let path = path.as_ref().to_path_buf();
        let file_name =
            path.file_name().map(|name| name.to_string_lossy().into_owned()).unwrap_or_else(|| "file".to_owned());
        Upload { source: Source::Path(path), file_name, mime_type: None }
    }

    /// Bytes in memory, sent under `file_name`.
    pub fn from_bytes(bytes: impl Into<Bytes>, file_name: impl Into<String>) -> Upload {
        Upload { source: Source::Bytes(bytes.into()), file_name: file_name.into(), mime_type: None }
    }

    /// A one-shot stream, sent under `file_name`. Clones share the stream: whichever is sent
    /// first consumes it, and a request carrying it is never retried.
    pub fn from_reader(reader: impl AsyncRead + Send + 'static, file_name: impl Into<String>) -> Upload {
        Upload {
            source: Source::Reader(Arc::new(Mutex::new(Some(Box::pin(reader))))),
            file_name: file_name.into(),
            mime_type: None,
        }
    }

    /// Sets the MIME type (e.g. `text/csv`) instead of guessing it from the file name.
    #[must_use]
    pub fn mime_type(mut self, mime_type: impl Into<String>) -> Upload {
        self.mime_type = Some(mime_type.into());
        self
    }

    /// The file name sent to the server.
    pub fn file_name(&self) -> &str {
        &self.file_name
    }

    /// The MIME type that will be sent: the one set, or a guess from the file name.
    pub fn content_type(&self) -> &str {
        self.mime_type.as_deref().unwrap_or_else(|| guess_mime(&self.file_name))
    }

    fn is_spent(&self) -> bool {
        match &self.source {
            Source::Reader(reader) => reader.lock().map(|r| r.is_none()).unwrap_or(true),
            _ => false,
        }
    }

    async fn to_part(&self) -> Result<reqwest::multipart::Part, Error> {
        use reqwest::multipart::Part;
        let part = match &self.source {
            Source::Path(path) => {
                let open_error = |e: io::Error| {
                    Error::invalid_request(format!("could not open the upload file `{}`: {e}", path.display()))
                };
                let file = tokio::fs::File::open(path).await.map_err(open_error)?;
                let metadata = file.metadata().await.map_err(open_error)?;
                if !metadata.is_file() {
                    return Err(Error::invalid_request(format!("the upload path `{}` is not a file", path.display())));
                }
                Part::stream_with_length(file, metadata.len())
            }
            Source::Bytes(bytes) => Part::stream_with_length(reqwest::Body::from(bytes.clone()), bytes.len() as u64),
            Source::Reader(shared) => {
                let reader = shared.lock().ok().and_then(|mut r| r.take());
                let Some(reader) = reader else {
                    return Err(spent_error(self));
                };
                Part::stream(reqwest::Body::wrap_stream(ReaderStream::new(reader)))
            }
        };
        // No control characters in a header line.
        let file_name: String = self.file_name.chars().map(|c| if c.is_control() { '_' } else { c }).collect();
        part.file_name(file_name).mime_str(self.content_type()).map_err(|_| {
            Error::invalid_request(format!(
                "invalid MIME type `{}` for the upload `{}`",
                self.content_type(),
                self.file_name
            ))
        })
    }
}

impl fmt::Debug for Upload {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut s = f.debug_struct("Upload");
        match &self.source {
            Source::Path(path) => s.field("path", path),
            Source::Bytes(bytes) => s.field("bytes", &format_args!("<{} bytes>", bytes.len())),
            Source::Reader(_) => {
                s.field("reader", &format_args!("{}", if self.is_spent() { "<spent>" } else { "<unread>" }))
            }
        };
        s.field("file_name", &self.file_name).field("mime_type", &self.content_type()).finish()
    }
}

fn spent_error(upload: &Upload) -> Error {
    Error::invalid_request(format!(
        "the upload `{}` reads from a stream that was already sent; it cannot be sent again",
        upload.file_name
    ))
}

/// The MIME type for a file name's extension; `application/octet-stream` when unknown.
pub(crate) fn guess_mime(file_name: &str) -> &'static str {
    let ext = match file_name.rsplit_once('.') {
        Some((_, ext)) => ext.to_ascii_lowercase(),
        None => return "application/octet-stream",
    };
    match ext.as_str() {
        "csv" => "text/csv",
        "txt" | "text" => "text/plain",
        "md" => "text/markdown",
        "html" | "htm" => "text/html",
        "json" => "application/json",
        "pdf" => "application/pdf",
        "doc" => "application/msword",
        "docx" => "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        "xls" => "application/vnd.ms-excel",
        "xlsx" => "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "zip" => "application/zip",
        "wav" => "audio/wav",
        "mp3" => "audio/mpeg",
        "flac" => "audio/flac",
        "m4a" => "audio/mp4",
        "ogg" | "oga" => "audio/ogg",
        "webm" => "audio/webm",
        "png" => "image/png",
        "jpg" | "jpeg" => "image/jpeg",
        _ => "application/octet-stream",
    }
}

/// Adapts a boxed [`AsyncRead`] into a stream of chunks for reqwest.
struct ReaderStream {
    reader: Pin<Box<dyn AsyncRead + Send>>,
    buf: Vec<u8>,
    done: bool,
}

impl ReaderStream {
    const CHUNK: usize = 64 * 1024;

    fn new(reader: Pin<Box<dyn AsyncRead + Send>>) -> ReaderStream {
        ReaderStream { reader, buf: vec![0; Self::CHUNK], done: false }
    }
}

impl futures_core::Stream for ReaderStream {
    type Item = io::Result<Bytes>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = self.get_mut();
        if this.done {
            return Poll::Ready(None);
        }
        let mut read_buf = ReadBuf::new(&mut this.buf);
        match this.reader.as_mut().poll_read(cx, &mut read_buf) {
            Poll::Pending => Poll::Pending,
            Poll::Ready(Err(e)) => {
                this.done = true;
                Poll::Ready(Some(Err(e)))
            }
            Poll::Ready(Ok(())) if read_buf.filled().is_empty() => {
                this.done = true;
                Poll::Ready(None)
            }
            Poll::Ready(Ok(())) => Poll::Ready(Some(Ok(Bytes::copy_from_slice(read_buf.filled())))),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mime_guesses() {
        assert_eq!(guess_mime("contacts.CSV"), "text/csv");
        assert_eq!(guess_mime("a.b.wav"), "audio/wav");
        assert_eq!(guess_mime("noext"), "application/octet-stream");
        assert_eq!(guess_mime("x.unknown"), "application/octet-stream");
        let upload = Upload::from_bytes(&b"a,b"[..], "list.csv");
        assert_eq!(upload.content_type(), "text/csv");
        assert_eq!(upload.clone().mime_type("text/plain").content_type(), "text/plain");
    }

    #[test]
    fn upload_debug_does_not_dump_bytes() {
        let upload = Upload::from_bytes(vec![b'z'; 1000], "big.bin");
        let debug = format!("{upload:?}");
        assert!(debug.contains("<1000 bytes>"), "{debug}");
        assert!(!debug.contains("zzz"));
        let upload = Upload::from_path("/tmp/some dir/contacts.csv");
        assert_eq!(upload.file_name(), "contacts.csv");
        assert!(format!("{upload:?}").contains("contacts.csv"));
        let upload = Upload::from_reader(&b"abc"[..], "r.txt");
        assert!(format!("{upload:?}").contains("<unread>"));
    }

    #[test]
    fn json_body_and_form() {
        let body = Body::json(&serde_json::json!({"a": 1})).unwrap();
        assert!(matches!(&body, Body::Json(b) if b.as_ref() == br#"{"a":1}"#));
        assert!(body.is_replayable());
        let form = Form::new()
            .text("name", "March")
            .json("variables_map", &serde_json::json!({"name": "col1"}))
            .unwrap()
            .file("csv_file", &Upload::from_bytes(&b"x"[..], "a.csv"))
            .unwrap();
        assert_eq!(form.field_names().collect::<Vec<_>>(), ["name", "variables_map", "csv_file"]);
        assert!(Body::Multipart(form.clone()).is_replayable());
        let reader = Upload::from_reader(&b"abc"[..], "r.txt");
        let form = form.file("other", &reader).unwrap();
        assert!(!Body::Multipart(form).is_replayable());
    }

    #[tokio::test]
    async fn reader_upload_is_one_shot() {
        let upload = Upload::from_reader(&b"abc"[..], "r.txt");
        let form = Form::new().file("f", &upload).unwrap();
        assert!(form.clone().into_reqwest().await.is_ok());
        let err = form.into_reqwest().await.unwrap_err();
        assert!(err.is_config(), "{err}");
        assert!(err.to_string().contains("already sent"), "{err}");
        assert!(Form::new().file("f", &upload).is_err());
        assert!(format!("{upload:?}").contains("<spent>"));
    }

    #[tokio::test]
    async fn missing_file_is_a_clear_error() {
        let form = Form::new().file("f", &Upload::from_path("/definitely/not/here.csv")).unwrap();
        let err = form.into_reqwest().await.unwrap_err();
        assert!(err.is_config());
        assert!(err.to_string().contains("/definitely/not/here.csv"), "{err}");
        let dir = Form::new().file("f", &Upload::from_path("/")).unwrap();
        assert!(dir.into_reqwest().await.unwrap_err().to_string().contains("not a file"));
    }

    #[tokio::test]
    async fn reader_stream_yields_all_bytes() {
        let data: Vec<u8> = (0..200_000u32).map(|i| (i % 251) as u8).collect();
        let mut stream = ReaderStream::new(Box::pin(std::io::Cursor::new(data.clone())));
        let mut out = Vec::new();
        while let Some(chunk) =
            std::future::poll_fn(|cx| futures_core::Stream::poll_next(Pin::new(&mut stream), cx)).await
        {
            out.extend_from_slice(&chunk.unwrap());
        }
        assert_eq!(out, data);
    }
}
