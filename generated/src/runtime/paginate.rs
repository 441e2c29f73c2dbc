//! Offset pagination: a lazy stream of items fetched one page at a time.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use futures_core::Stream;

use super::request::Async;
use super::request::execute;
use super::{Error, Operation, Request};

/// An operation whose results come in `limit` / `offset` pages (implemented by generated
/// code).
pub trait Paginated: Operation + Clone {
    /// One element of a page.
    type Item: Send + 'static;
    /// Sets the page size and the offset of the first item.
    fn set_page(&mut self, limit: u32, offset: u64);
    /// The page size this request asks for: the one the caller set, or the endpoint's own
    /// default.
    fn page_limit(&self) -> u32;
    /// The offset the caller asked to start from, if any.
    fn page_offset(&self) -> Option<u64>;
    /// Splits a response into its items and the total count (when the server gave a number).
    fn into_page(output: Self::Output) -> Page<Self::Item>;
}

/// One page of results.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Page<T> {
    /// The items of this page.
    pub items: Vec<T>,
    /// The total number of items across all pages, when known (the API sometimes answers
    /// `"many"`).
    pub total: Option<u64>,
}

impl<O: Paginated> Request<O> {
    /// Every item of every page, fetched lazily one page at a time.
    ///
    /// The page size is the `limit` set on the request or the endpoint's default, clamped to
    /// the API's maximum; it starts at the `offset` set on the request, or 0. It stops after an
    /// empty page; when the server reports a total, once that many items were seen;
    /// otherwise after a short page.
    /// Timeout and retry policy set on the request apply to every page.
    pub fn stream(self) -> Paginator<O::Item> {
        let (client, op, timeout, retry, Async) = self.into_parts();
        let api = &crate::API;
        let limit = op.page_limit().clamp(1, api.max_page_size.max(1));
        let offset = op.page_offset().unwrap_or(0);
        let fetch = move |limit: u32, offset: u64| -> PageFuture<O::Item> {
            let mut op = op.clone();
            op.set_page(limit, offset);
            let client = client.clone();
            let retry = retry.clone();
            Box::pin(async move { execute(&client, &op, timeout, retry.as_ref()).await.map(O::into_page) })
        };
        Paginator {
            fetch: Box::new(fetch),
            buffer: Vec::new().into_iter(),
            in_flight: None,
            limit,
            next_offset: offset,
            total: None,
            pages: 0,
            done: false,
        }
    }
}

type PageFuture<T> = Pin<Box<dyn Future<Output = Result<Page<T>, Error>> + Send>>;

/// The items of a paginated endpoint, fetched lazily one page at a time (only one page is
/// held in memory).
///
/// Use [`try_next`](Paginator::try_next), [`collect_all`](Paginator::collect_all) or the
/// [`Stream`](futures_core::Stream) implementation. After an error the paginator ends.
#[must_use = "a paginator does nothing until polled"]
pub struct Paginator<T> {
    fetch: Box<dyn FnMut(u32, u64) -> PageFuture<T> + Send>,
    buffer: std::vec::IntoIter<T>,
    in_flight: Option<PageFuture<T>>,
    limit: u32,
    next_offset: u64,
    total: Option<u64>,
    pages: u64,
    done: bool,
}

// No field is ever pinned in place: the futures are boxed.
impl<T> Unpin for Paginator<T> {}

impl<T> Paginator<T> {
    /// The next item, fetching the next page when needed; `None` after the last one.
    pub async fn try_next(&mut self) -> Result<Option<T>, Error> {
        std::future::poll_fn(|cx| Pin::new(&mut *self).poll_next(cx)).await.transpose()
    }

    /// Fetches every remaining item into a vector.
    pub async fn collect_all(mut self) -> Result<Vec<T>, Error> {
        let mut items = Vec::new();
        while let Some(item) = self.try_next().await? {
            items.push(item);
        }
        Ok(items)
    }

    /// The total the server reported on the last page that had one.
    pub fn total(&self) -> Option<u64> {
        self.total
    }

    /// How many pages were fetched so far.
    pub fn pages_fetched(&self) -> u64 {
        self.pages
    }

    /// The next item when it needs no request: `Some(Some(item))` from the current page,
    /// `Some(None)` after the last one, `None` when the next page must be fetched.
    #[allow(dead_code)] // Used by the blocking client only.
    pub(crate) fn next_ready(&mut self) -> Option<Option<T>> {
        if let Some(item) = self.buffer.next() {
            return Some(Some(item));
        }
        self.done.then_some(None)
    }

    fn accept(&mut self, page: Page<T>) {
        let count = page.items.len() as u64;
        self.pages += 1;
        self.next_offset = self.next_offset.saturating_add(count);
        if page.total.is_some() {
            self.total = page.total;
        }
        // With a total, a short page may just be a server-side cap on the page size: go on
        // until the total is reached. Without one, a short page is the last.
        let last = match page.total {
            _ if count == 0 => true,
            Some(total) => self.next_offset >= total,
            None => count < u64::from(self.limit),
        };
        if last {
            self.done = true;
        }
        self.buffer = page.items.into_iter();
    }
}

impl<T> Stream for Paginator<T> {
    type Item = Result<T, Error>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = self.get_mut();
        loop {
            if let Some(item) = this.buffer.next() {
                return Poll::Ready(Some(Ok(item)));
            }
            if this.done {
                return Poll::Ready(None);
            }
            let (limit, offset) = (this.limit, this.next_offset);
            let fetch = &mut this.fetch;
            let future = this.in_flight.get_or_insert_with(|| fetch(limit, offset));
            let result = match future.as_mut().poll(cx) {
                Poll::Pending => return Poll::Pending,
                Poll::Ready(result) => result,
            };
            this.in_flight = None;
            match result {
                Ok(page) => this.accept(page),
                Err(err) => {
                    this.done = true;
                    return Poll::Ready(Some(Err(err)));
                }
            }
        }
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        (self.buffer.len(), None)
    }
}

impl<T> fmt::Debug for Paginator<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Paginator")
            .field("limit", &self.limit)
            .field("next_offset", &self.next_offset)
            .field("total", &self.total)
            .field("pages", &self.pages)
            .field("buffered", &self.buffer.len())
            .field("done", &self.done)
            .finish_non_exhaustive()
    }
}
