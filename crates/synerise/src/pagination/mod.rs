//! Pagination streams for every paged operation of the API.
//!
//! Export every Profile in one line:
//!
//! ```no_run
//! # async fn run(client: synerise::Client) -> synerise::Result<()> {
//! use futures::TryStreamExt;
//! let profiles: Vec<_> = client.profiles().list().page_size(500).items().try_collect().await?;
//! # Ok(()) }
//! ```
//!
//! Synerise pages in six ways, and each paged operation has a typed entry point on a resource
//! handle that hides which one it uses:
//!
//! | style | operations (entry points) | stop rule |
//! |---|---|---|
//! | `pageIndex`/`pageSize` from 1, bare array, no total | [`Profiles::list`](crate::Profiles::list) | short or empty page |
//! | `offset`/`limit` | [`Catalogs::list`](crate::Catalogs::list), [`Catalogs::list_items`](crate::Catalogs::list_items), [`Catalogs::list_all_items`](crate::Catalogs::list_all_items), [`Profiles::export_results`](crate::Profiles::export_results), the `Crm::list_*` lists | total reached (when the page has one), else short or empty page |
//! | `page`/`size` from 0 | [`Tags::list`](crate::Tags::list), [`Analytics::list_expressions`](crate::Analytics::list_expressions), [`Analytics::search_expressions`](crate::Analytics::search_expressions), [`Analytics::list_aggregates`](crate::Analytics::list_aggregates), [`Analytics::search_aggregates`](crate::Analytics::search_aggregates) | total reached, else short or empty page |
//! | cursor `pageToken` + `meta.cursors.after` | [`Activities::list_events`](crate::Activities::list_events), [`Activities::list_profile_events`](crate::Activities::list_profile_events) | missing cursor or empty page |
//! | time window + `limit` | [`Events::list_by_client`](crate::Events::list_by_client), [`Activities::list_profile_activities`](crate::Activities::list_profile_activities), [`Activities::list_workspace_activities`](crate::Activities::list_workspace_activities) | short or empty page |
//! | `limit` alone | [`Crm::autocomplete`](crate::Crm::autocomplete) | one request |
//!
//! Every entry point returns a builder that takes every query parameter of the operation (kept on
//! every page request), the page size, and these options:
//!
//! - `.items()`: a [`Stream`](futures::Stream) of items, in server order;
//! - `.pages()`: a stream of whole [`Page`]s, with the totals and cursors the page carries and the
//!   rest of the response body;
//! - `.prefetch(n)`: how many pages to fetch ahead of the consumer (default 1: while the caller
//!   consumes page N, page N+1 is already being fetched; 0 fetches only on demand);
//! - `.parallel(k)` (numbered styles): once the total is known (from the first page, or from
//!   `.expected_items(n)` when the caller knows the count) fetch up to `k` pages concurrently,
//!   still yielding items in order;
//! - `.max_pages(n)`, `.max_items(n)`: caps.
//!
//! Requests go through [`Client::call`](crate::Client::call), so authentication and the client's
//! retry policy apply to each page. A page that still fails ends the stream with
//! [`Error::Page`](crate::Error::Page) carrying the page position. A server that repeats itself —
//! the same cursor twice, or the same page twice in a row — ends the stream with
//! [`Error::PaginationLoop`](crate::Error::PaginationLoop) instead of looping forever.
//!
//! Streams never spawn tasks: requests in flight are futures owned by the stream, so dropping the
//! stream cancels them. Those futures advance whenever the stream is polled; in between (while
//! the caller awaits its own work) the HTTP connection's own task still sends a prefetched request
//! on a kept-alive connection and reads its response, so the server's latency overlaps with the
//! caller's work.
//!
//! No request is sent beyond what the style needs to know the data has ended: with a total, none
//! after the last item; with the short-page rule, one more when the last page happens to be full
//! (the empty page that proves the end); with a cursor, none once the cursor is missing.

mod engine;
mod ops;

use std::fmt;

pub use ops::*;

/// What one page request asked the server for. Carried by each [`Page`].
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum PageRequest {
    /// `pageIndex` (counted from 1) and `pageSize`.
    PageIndex {
        /// The `pageIndex` sent.
        page_index: u32,
        /// The `pageSize` sent.
        page_size: u32,
    },
    /// `offset` and `limit`.
    Offset {
        /// The `offset` sent.
        offset: u64,
        /// The `limit` sent.
        limit: u32,
    },
    /// `page` (counted from 0) and `size`.
    Page {
        /// The `page` sent.
        page: u32,
        /// The `size` sent.
        size: u32,
    },
    /// A cursor (`pageToken`) and a `limit`.
    Cursor {
        /// The `pageToken` sent (none for the first page).
        page_token: Option<String>,
        /// The `limit` sent.
        limit: u32,
    },
    /// A time window and a `limit`; the window of the next page ends where this page ended.
    Window {
        /// The lower time bound sent.
        from: Option<TimeValue>,
        /// The upper time bound sent.
        to: Option<TimeValue>,
        /// The `limit` sent.
        limit: u32,
    },
    /// A single request with an optional `limit`.
    Single {
        /// The `limit` sent, if any.
        limit: Option<u32>,
    },
}

/// A time bound of a time-window operation, in the operation's own representation.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum TimeValue {
    /// A Unix timestamp in milliseconds (activities).
    Millis(i64),
    /// An ISO 8601 date-time, sent as the server wrote it (legacy events).
    Text(String),
}

impl TimeValue {
    /// Milliseconds since the Unix epoch, when the value can be read as a time.
    pub fn as_millis(&self) -> Option<i64> {
        match self {
            TimeValue::Millis(ms) => Some(*ms),
            TimeValue::Text(text) => chrono::DateTime::parse_from_rfc3339(text.trim())
                .ok()
                .map(|t| t.timestamp_millis()),
        }
    }

    /// Orders two times: by their instant when both can be read, else as text.
    pub(crate) fn cmp_time(&self, other: &TimeValue) -> std::cmp::Ordering {
        match (self.as_millis(), other.as_millis()) {
            (Some(a), Some(b)) => a.cmp(&b),
            _ => self.to_string().cmp(&other.to_string()),
        }
    }
}

impl fmt::Display for TimeValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TimeValue::Millis(ms) => write!(f, "{ms}"),
            TimeValue::Text(text) => f.write_str(text),
        }
    }
}

impl From<i64> for TimeValue {
    fn from(ms: i64) -> Self {
        TimeValue::Millis(ms)
    }
}

impl From<String> for TimeValue {
    fn from(text: String) -> Self {
        TimeValue::Text(text)
    }
}

impl From<&str> for TimeValue {
    fn from(text: &str) -> Self {
        TimeValue::Text(text.to_string())
    }
}

/// One page of a pagination stream.
///
/// `R` is the rest of the response body: the operation's page type with its item list moved into
/// [`Page::items`] (`()` for operations that answer a bare array). It keeps every total, cursor and
/// link the server sent.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct Page<T, R = ()> {
    /// Zero-based position of the page in the stream.
    pub index: u64,
    /// The items of the page, in server order (for time-window operations, without the items the
    /// previous page already yielded at the window edge; with `max_items`, cut to the cap).
    pub items: Vec<T>,
    /// The total number of items the server reported (`totalCount`, `total`, `totalElements`,
    /// `matching`), when it did.
    pub total: Option<u64>,
    /// The cursor of the next page (`meta.cursors.after`), for cursor-paged operations.
    pub next_cursor: Option<String>,
    /// What this page's request asked for.
    pub request: PageRequest,
    /// The rest of the response body.
    pub envelope: R,
}

impl<T, R> Page<T, R> {
    /// Number of items on the page.
    pub fn len(&self) -> usize {
        self.items.len()
    }

    /// Whether the page holds no items.
    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }
}

impl<T, R> IntoIterator for Page<T, R> {
    type Item = T;
    type IntoIter = std::vec::IntoIter<T>;

    fn into_iter(self) -> Self::IntoIter {
        self.items.into_iter()
    }
}
