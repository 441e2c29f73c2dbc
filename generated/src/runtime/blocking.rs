//! The blocking client: the async client driven by a runtime thread of its own.
//!
//! Nothing about sending a request is written twice. A blocking request is the same
//! [`Request`] as the async one, in the [`Blocking`] mode; `send` hands the async send loop
//! (retries, timeouts, the API key, the rule that a call is never placed twice) to a
//! current-thread tokio runtime on a dedicated thread and waits for its result on a plain
//! channel. Waiting on a channel is allowed anywhere, so the client works from `main`, from
//! other threads, and even from inside an async runtime (where it blocks that runtime's
//! thread while it waits, as any blocking call would: prefer the async client there).
//!
//! The runtime thread ends when the last clone of the client, and of every request,
//! iterator and download made from it, is dropped.

use std::fmt;
use std::future::Future;
use std::io::{Read, Write};
use std::path::Path;
use std::sync::{Arc, mpsc};
use std::time::Duration;

use bytes::Bytes;

use super::Client as AsyncClient;
use super::paginate::Paginator;
use super::request::execute;
use super::{ByteStream, ClientBuilder as AsyncClientBuilder, Error, Operation, Paginated, Request, RetryPolicy};

/// The blocking API client: the same resources and methods as [`crate::Client`], each
/// request returning its result directly.
///
/// Build one with [`Client::from_env`], or with [`Client::builder`] (whose `build` gives this
/// client, as `reqwest::blocking` does), or from async settings with
/// [`crate::ClientBuilder::build_blocking`]. Cheap to clone: clones share the connection pool and
/// the runtime thread. Its `Debug` output never shows the API key.
///
/// ```no_run
/// # fn main() -> Result<(), ringg::Error> {
/// let client = ringg::blocking::Client::builder()
///     .api_key(std::env::var("MY_API_KEY").unwrap_or_default())
///     .timeout(std::time::Duration::from_secs(30))
///     .build()?;
/// println!("{client:?}");
/// # Ok(()) }
/// ```
///
/// The crate's top-level documentation shows requests sent with it.
#[derive(Clone)]
pub struct Client {
    inner: AsyncClient,
    runtime: Runtime,
}

/// A handle on the runtime thread; the thread ends when the last handle is dropped.
#[derive(Clone)]
struct Runtime {
    shared: Arc<RuntimeThread>,
}

struct RuntimeThread {
    handle: tokio::runtime::Handle,
    /// Dropping it (with the last handle) ends the thread's `block_on`; the runtime is then
    /// dropped on its own thread, never inside a caller's async context.
    _stop: tokio::sync::oneshot::Sender<()>,
}

impl Runtime {
    fn start() -> Result<Runtime, Error> {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|e| Error::io("could not start the blocking client's runtime", e))?;
        let handle = runtime.handle().clone();
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        std::thread::Builder::new()
            .name("api-blocking".into())
            .spawn(move || {
                // Ends when the sender is dropped; in-flight work has a waiting caller, so
                // nothing is cut short that someone still expects.
                let _ = runtime.block_on(stopped);
            })
            .map_err(|e| Error::io("could not start the blocking client's thread", e))?;
        Ok(Runtime { shared: Arc::new(RuntimeThread { handle, _stop: stop }) })
    }

    /// Runs `future` on the runtime thread and waits for its output.
    fn run<T: Send + 'static>(&self, future: impl Future<Output = T> + Send + 'static) -> Result<T, Error> {
        let (tx, rx) = mpsc::sync_channel(1);
        self.shared.handle.spawn(async move {
            let _ = tx.send(future.await);
        });
        rx.recv().map_err(|_| {
            Error::io("the blocking client's runtime thread stopped", std::io::Error::other("runtime thread stopped"))
        })
    }
}

impl fmt::Debug for Runtime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Runtime")
    }
}

impl Client {
    /// A builder for a blocking client with explicit settings: the same settings as the async
    /// client's [`crate::ClientBuilder`], and [`build`](ClientBuilder::build) gives this client.
    pub fn builder() -> ClientBuilder {
        ClientBuilder { inner: AsyncClientBuilder::new() }
    }

    /// A client with default settings, its API key read from the environment variable
    /// that the API names (see the crate docs).
    pub fn from_env() -> Result<Client, Error> {
        Client::from_async(AsyncClient::from_env()?)
    }

    /// A blocking client that sends through `client`'s configuration.
    ///
    /// Connections are pooled per runtime: build the async client for this purpose rather
    /// than sharing one that also serves an async runtime.
    pub fn from_async(client: AsyncClient) -> Result<Client, Error> {
        Ok(Client { inner: client, runtime: Runtime::start()? })
    }

    /// Wraps a request made by the async client's resource methods (for generated code).
    #[doc(hidden)]
    pub fn adopt<O: Operation>(&self, request: Request<O>) -> Request<O, Blocking> {
        request.with_mode(Blocking { runtime: self.runtime.clone() })
    }

    /// Wraps a download request made by the async client's resource methods (for generated
    /// code).
    #[doc(hidden)]
    pub fn adopt_download<O: Operation<Output = ByteStream>>(
        &self,
        request: Request<O>,
    ) -> Request<O, BlockingDownload> {
        request.with_mode(BlockingDownload { runtime: self.runtime.clone() })
    }

    /// The async client underneath, for generated code.
    #[doc(hidden)]
    pub fn async_client(&self) -> &AsyncClient {
        &self.inner
    }
}

impl fmt::Debug for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("blocking::Client").field("client", &self.inner).finish_non_exhaustive()
    }
}

impl AsyncClientBuilder {
    /// Checks the settings and builds a [blocking client](Client).
    pub fn build_blocking(self) -> Result<Client, Error> {
        Client::from_async(self.build()?)
    }
}

/// Builds a blocking [`Client`], as `reqwest::blocking::ClientBuilder` does for reqwest: every
/// setting of the async [`crate::ClientBuilder`], and a [`build`](ClientBuilder::build) that
/// returns the blocking client. Its `Debug` output never shows the API key.
#[derive(Debug, Default)]
#[must_use = "a builder does nothing until `build` is called"]
pub struct ClientBuilder {
    inner: AsyncClientBuilder,
}

/// Forwards one setting to the async builder, with its docs.
macro_rules! forward {
    ($(#[$doc:meta])* $name:ident($($arg:ident: $ty:ty),*)) => {
        $(#[$doc])*
        pub fn $name(self, $($arg: $ty),*) -> ClientBuilder {
            ClientBuilder { inner: self.inner.$name($($arg),*) }
        }
    };
}

impl ClientBuilder {
    forward!(
        /// The workspace API key (required): [`crate::ClientBuilder::api_key`].
        api_key(key: impl Into<String>)
    );
    forward!(
        /// Overrides the `default` base URL: [`crate::ClientBuilder::base_url`].
        base_url(url: impl AsRef<str>)
    );
    forward!(
        /// Overrides the base URL called `name`: [`crate::ClientBuilder::base_url_for`].
        base_url_for(name: &str, url: impl AsRef<str>)
    );
    forward!(
        /// The time allowed for a whole request: [`crate::ClientBuilder::timeout`].
        timeout(timeout: Duration)
    );
    forward!(
        /// The time allowed to connect: [`crate::ClientBuilder::connect_timeout`].
        connect_timeout(timeout: Duration)
    );
    forward!(
        /// The retry policy for every request: [`crate::ClientBuilder::retry_policy`].
        retry_policy(policy: RetryPolicy)
    );
    forward!(
        /// Uses this `reqwest::Client`: [`crate::ClientBuilder::http_client`].
        http_client(client: reqwest::Client)
    );
    forward!(
        /// Allows plain `http://` base URLs for hosts that are not loopback:
        /// [`crate::ClientBuilder::allow_insecure_http`].
        allow_insecure_http(allow: bool)
    );

    /// Checks the settings and builds the blocking client.
    pub fn build(self) -> Result<Client, Error> {
        self.inner.build_blocking()
    }
}

/// The mode of a [`Request`] made by the blocking [`Client`]: [`send`](Request::send)
/// returns the result directly.
#[derive(Clone, Debug)]
pub struct Blocking {
    runtime: Runtime,
}

/// The mode of a download [`Request`] made by the blocking [`Client`]:
/// [`send`](Request::send) returns a [`Download`], which implements [`std::io::Read`].
#[derive(Clone, Debug)]
pub struct BlockingDownload {
    runtime: Runtime,
}

/// Sends a request on the runtime thread through the async send loop.
fn send_on<O: Operation>(
    runtime: &Runtime,
    client: AsyncClient,
    op: O,
    timeout: Option<Duration>,
    retry: Option<RetryPolicy>,
) -> Result<O::Output, Error> {
    runtime.run(async move { execute(&client, &op, timeout, retry.as_ref()).await })?
}

impl<O: Operation> Request<O, Blocking> {
    /// Sends the request (retrying as the policy and the endpoint allow), waits, and returns
    /// the decoded response.
    pub fn send(self) -> Result<O::Output, Error> {
        let (client, op, timeout, retry, mode) = self.into_parts();
        send_on(&mode.runtime, client, op, timeout, retry)
    }
}

impl<O: Operation<Output = ByteStream>> Request<O, BlockingDownload> {
    /// Sends the request (retrying as the policy and the endpoint allow), waits for the
    /// response headers, and returns the body as a [`Download`] to read.
    pub fn send(self) -> Result<Download, Error> {
        let (client, op, timeout, retry, mode) = self.into_parts();
        let stream = send_on(&mode.runtime, client, op, timeout, retry)?;
        Ok(Download { stream: Some(stream), chunk: Bytes::new(), runtime: mode.runtime })
    }
}

impl<O: Paginated> Request<O, Blocking> {
    /// Every item of every page, fetched one page at a time as the iterator advances.
    ///
    /// The page size and the start follow the same rules as the async
    /// [`stream`](crate::Request::stream); after an error the iterator ends.
    pub fn iter(self) -> Iter<O::Item> {
        let (client, op, timeout, retry, mode) = self.into_parts();
        let mut request = Request::new(client, op);
        if let Some(timeout) = timeout {
            request = request.timeout(timeout);
        }
        if let Some(retry) = retry {
            request = request.retry_policy(retry);
        }
        Iter { pages: Some(request.stream()), runtime: mode.runtime }
    }
}

/// The items of a paginated endpoint, fetched one page at a time (only one page is held in
/// memory). Made by [`Request::iter`] on a blocking request.
#[must_use = "an iterator does nothing until advanced"]
pub struct Iter<T> {
    /// `None` only after the runtime thread stopped in the middle of a page.
    pages: Option<Paginator<T>>,
    runtime: Runtime,
}

impl<T: Send + 'static> Iter<T> {
    /// The total the server reported on the last page that had one.
    pub fn total(&self) -> Option<u64> {
        self.pages.as_ref().and_then(Paginator::total)
    }

    /// How many pages were fetched so far.
    pub fn pages_fetched(&self) -> u64 {
        self.pages.as_ref().map_or(0, Paginator::pages_fetched)
    }
}

impl<T: Send + 'static> Iterator for Iter<T> {
    type Item = Result<T, Error>;

    fn next(&mut self) -> Option<Result<T, Error>> {
        let mut pages = self.pages.take()?;
        if let Some(ready) = pages.next_ready() {
            self.pages = Some(pages);
            return ready.map(Ok);
        }
        let fetched = self.runtime.run(async move {
            let next = pages.try_next().await;
            (pages, next)
        });
        match fetched {
            Ok((pages, next)) => {
                self.pages = Some(pages);
                next.transpose()
            }
            Err(err) => Some(Err(err)),
        }
    }
}

impl<T> fmt::Debug for Iter<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Iter").field("pages", &self.pages).finish_non_exhaustive()
    }
}

/// A downloaded body, read as it arrives: implements [`std::io::Read`].
///
/// The client's timeout covers the whole body: raise it with
/// [`Request::timeout`](crate::Request::timeout) for large downloads.
pub struct Download {
    /// `None` only after the runtime thread stopped in the middle of a chunk.
    stream: Option<ByteStream>,
    chunk: Bytes,
    runtime: Runtime,
}

impl Download {
    /// The `Content-Type` the server declared, if any.
    pub fn content_type(&self) -> Option<&str> {
        self.stream.as_ref().and_then(ByteStream::content_type)
    }

    /// The body length the server declared, if any.
    pub fn content_length(&self) -> Option<u64> {
        self.stream.as_ref().and_then(ByteStream::content_length)
    }

    /// The request id the server returned, if any.
    pub fn request_id(&self) -> Option<&str> {
        self.stream.as_ref().and_then(ByteStream::request_id)
    }

    /// The next chunk of the body; `None` at its end.
    fn next_chunk(&mut self) -> Result<Option<Bytes>, Error> {
        let Some(mut stream) = self.stream.take() else {
            return Ok(None);
        };
        let (stream, chunk) = self.runtime.run(async move {
            let chunk = stream.next_chunk().await;
            (stream, chunk)
        })?;
        self.stream = Some(stream);
        chunk
    }

    /// Writes the whole body to `writer` and flushes it; returns the number of bytes.
    pub fn write_to(mut self, mut writer: impl Write) -> Result<u64, Error> {
        let mut written = self.chunk.len() as u64;
        let first = std::mem::take(&mut self.chunk);
        let write_error = |e| Error::io("could not write the download", e);
        writer.write_all(&first).map_err(write_error)?;
        while let Some(chunk) = self.next_chunk()? {
            writer.write_all(&chunk).map_err(write_error)?;
            written += chunk.len() as u64;
        }
        writer.flush().map_err(write_error)?;
        Ok(written)
    }

    /// Writes the whole body to a file (created or truncated); returns the number of bytes.
    /// On failure the partial file is removed.
    pub fn save(self, path: impl AsRef<Path>) -> Result<u64, Error> {
        let path = path.as_ref();
        let file =
            std::fs::File::create(path).map_err(|e| Error::io(format!("could not create `{}`", path.display()), e))?;
        let mut writer = std::io::BufWriter::with_capacity(256 * 1024, file);
        let result = self.write_to(&mut writer).and_then(|written| {
            let file = writer.into_inner().map_err(|e| e.into_error());
            file.and_then(|f| f.sync_all())
                .map(|()| written)
                .map_err(|e| Error::io(format!("could not write `{}`", path.display()), e))
        });
        if result.is_err() {
            let _ = std::fs::remove_file(path);
        }
        result
    }
}

impl Read for Download {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        while self.chunk.is_empty() {
            match self.next_chunk() {
                Ok(Some(chunk)) => self.chunk = chunk,
                Ok(None) => return Ok(0),
                Err(err) => return Err(std::io::Error::other(err)),
            }
        }
        let n = buf.len().min(self.chunk.len());
        buf[..n].copy_from_slice(&self.chunk.split_to(n));
        Ok(n)
    }
}

impl fmt::Debug for Download {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Download")
            .field("stream", &self.stream)
            .field("buffered", &self.chunk.len())
            .finish_non_exhaustive()
    }
}
