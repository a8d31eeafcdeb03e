//! The pagination core: one engine driving every paging style.
//!
//! A [`Pager`] owns the requests in flight (futures in a [`FuturesOrdered`], never spawned tasks)
//! and the pages fetched but not yet consumed. A strategy per [`Style`] says how page N+1's request
//! follows from page N and when the data has ended. Pages are processed strictly in order, so the
//! stop rules and loop guards see them as a sequential client would, even when several requests
//! are in flight.

use std::cmp::Ordering;
use std::collections::{HashMap, HashSet, VecDeque};
use std::future::Future;
use std::hash::{DefaultHasher, Hash, Hasher};
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use futures::stream::{FuturesOrdered, Stream};
use serde::Serialize;

use super::{Page, PageRequest, TimeValue};
use crate::{Error, Result};

/// A boxed, `'static` future.
pub(crate) type BoxFuture<T> = Pin<Box<dyn Future<Output = T> + Send + 'static>>;

/// Sends one page request of an operation.
pub(crate) type Fetch<T, R> =
    Arc<dyn Fn(PageRequest) -> BoxFuture<Result<RawPage<T, R>>> + Send + Sync>;

/// Page size used when neither the caller nor the operation says otherwise.
pub(crate) const DEFAULT_PAGE_SIZE: u32 = 100;

/// What an operation returned for one page, before the engine applies its rules.
pub(crate) struct RawPage<T, R> {
    pub(crate) items: Vec<T>,
    pub(crate) total: Option<u64>,
    pub(crate) next_cursor: Option<String>,
    /// Each item's time (time-window operations only).
    pub(crate) times: Vec<Option<TimeValue>>,
    pub(crate) envelope: R,
}

impl<T, R> RawPage<T, R> {
    pub(crate) fn new(items: Option<Vec<T>>, envelope: R) -> Self {
        RawPage {
            items: items.unwrap_or_default(),
            total: None,
            next_cursor: None,
            times: Vec::new(),
            envelope,
        }
    }

    pub(crate) fn total(mut self, total: Option<i64>) -> Self {
        self.total = total.and_then(|t| u64::try_from(t).ok());
        self
    }

    pub(crate) fn cursor(mut self, cursor: Option<String>) -> Self {
        self.next_cursor = cursor.filter(|c| !c.is_empty());
        self
    }

    pub(crate) fn times(mut self, time: impl Fn(&T) -> Option<TimeValue>) -> Self {
        self.times = self.items.iter().map(time).collect();
        self
    }
}

/// How an operation pages.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Style {
    /// `pageIndex` from 1 + `pageSize`.
    PageIndex,
    /// `offset` + `limit`.
    Offset,
    /// `page` from 0 + `size`.
    Page,
    /// `pageToken` + `meta.cursors.after`.
    Cursor,
    /// A time window + `limit`.
    Window,
    /// One request.
    Single,
}

impl Style {
    fn numbered(self) -> bool {
        matches!(self, Style::PageIndex | Style::Offset | Style::Page)
    }
}

/// The stream options every paged builder carries.
#[derive(Debug, Clone)]
pub(crate) struct Options {
    pub(crate) size: Option<u32>,
    pub(crate) prefetch: usize,
    pub(crate) parallel: usize,
    pub(crate) max_pages: Option<u64>,
    pub(crate) max_items: Option<u64>,
    pub(crate) expected_items: Option<u64>,
    pub(crate) from: Option<TimeValue>,
    pub(crate) to: Option<TimeValue>,
}

impl Options {
    pub(crate) fn new(size: Option<u32>) -> Self {
        Options {
            size,
            prefetch: 1,
            parallel: 1,
            max_pages: None,
            max_items: None,
            expected_items: None,
            from: None,
            to: None,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Order {
    NewestFirst,
    OldestFirst,
}

type Fetched<T, R> = (u64, PageRequest, Result<RawPage<T, R>>);

/// The engine behind [`ItemStream`] and [`PageStream`].
pub(crate) struct Pager<T, R> {
    fetch: Fetch<T, R>,
    style: Style,
    size: u32,
    opts: Options,
    in_flight: FuturesOrdered<BoxFuture<Fetched<T, R>>>,
    ready: VecDeque<Result<Page<T, R>>>,
    /// Pages issued so far (the index of the next one).
    issued: u64,
    /// The request decided for page `issued`, when it depends on the previous page.
    next: Option<PageRequest>,
    /// Numbered styles with a known count: every page up to this index is needed.
    planned_last: Option<u64>,
    received_items: u64,
    yielded_items: u64,
    last_signature: Option<(usize, u64, u64)>,
    used_cursors: HashSet<String>,
    order: Option<Order>,
    /// Time-window styles: the time the last page ended at, and fingerprints of the items at it.
    edge: Option<(TimeValue, HashMap<u64, usize>)>,
    done: bool,
}

// The pager is never pinned structurally: its futures are boxed.
impl<T, R> Unpin for Pager<T, R> {}

impl<T: Serialize + Send + 'static, R: Send + 'static> Pager<T, R> {
    pub(crate) fn new(style: Style, opts: Options, fetch: Fetch<T, R>) -> Self {
        let size = opts.size.unwrap_or(DEFAULT_PAGE_SIZE).max(1);
        let first = match style {
            Style::PageIndex => PageRequest::PageIndex {
                page_index: 1,
                page_size: size,
            },
            Style::Offset => PageRequest::Offset {
                offset: 0,
                limit: size,
            },
            Style::Page => PageRequest::Page { page: 0, size },
            Style::Cursor => PageRequest::Cursor {
                page_token: None,
                limit: size,
            },
            Style::Window => PageRequest::Window {
                from: opts.from.clone(),
                to: opts.to.clone(),
                limit: size,
            },
            Style::Single => PageRequest::Single { limit: opts.size },
        };
        let mut pager = Pager {
            fetch,
            style,
            size,
            opts,
            in_flight: FuturesOrdered::new(),
            ready: VecDeque::new(),
            issued: 0,
            next: Some(first),
            planned_last: None,
            received_items: 0,
            yielded_items: 0,
            last_signature: None,
            used_cursors: HashSet::new(),
            order: None,
            edge: None,
            done: false,
        };
        if pager.opts.max_items == Some(0) || pager.opts.max_pages == Some(0) {
            pager.finish();
        } else if let Some(expected) = pager.opts.expected_items.filter(|_| pager.parallel()) {
            pager.plan(expected);
        }
        pager
    }

    fn parallel(&self) -> bool {
        self.style.numbered() && self.opts.parallel > 1
    }

    /// Plans every page needed for `items` items (capped by `max_items` and `max_pages`).
    fn plan(&mut self, items: u64) {
        let items = self.opts.max_items.map_or(items, |max| items.min(max));
        let pages = items.div_ceil(u64::from(self.size));
        let pages = self.opts.max_pages.map_or(pages, |max| pages.min(max));
        if pages > self.issued {
            self.planned_last = Some(pages - 1);
            self.next = None;
        }
    }

    fn planned(&self, k: u64) -> bool {
        self.planned_last.is_some_and(|last| k <= last)
    }

    /// The request of page `k` of a numbered style.
    fn numbered_request(&self, k: u64) -> PageRequest {
        let size = self.size;
        match self.style {
            Style::PageIndex => PageRequest::PageIndex {
                page_index: u32::try_from(k + 1).unwrap_or(u32::MAX),
                page_size: size,
            },
            Style::Page => PageRequest::Page {
                page: u32::try_from(k).unwrap_or(u32::MAX),
                size,
            },
            _ => PageRequest::Offset {
                offset: k * u64::from(size),
                limit: size,
            },
        }
    }

    fn next_request(&mut self) -> Option<PageRequest> {
        if self.done || self.opts.max_pages.is_some_and(|max| self.issued >= max) {
            return None;
        }
        if self.planned(self.issued) {
            return Some(self.numbered_request(self.issued));
        }
        self.next.take()
    }

    /// Starts requests while the window allows, and processes every page that has arrived.
    /// `demand`: the consumer is waiting for a page right now.
    pub(crate) fn drive(&mut self, cx: &mut Context<'_>, demand: bool) {
        loop {
            let planned = self.planned(self.issued);
            let concurrency = if planned { self.opts.parallel } else { 1 };
            let mut window = self.opts.prefetch + usize::from(demand);
            if planned {
                window = window.max(self.opts.parallel);
            }
            while self.in_flight.len() < concurrency
                && self.in_flight.len() + self.ready.len() < window
            {
                let Some(request) = self.next_request() else {
                    break;
                };
                let k = self.issued;
                self.issued += 1;
                let fetch = self.fetch.clone();
                self.in_flight.push_back(Box::pin(async move {
                    let result = fetch(request.clone()).await;
                    (k, request, result)
                }));
            }
            match Pin::new(&mut self.in_flight).poll_next(cx) {
                Poll::Ready(Some((k, request, result))) => self.process(k, request, result),
                Poll::Ready(None) | Poll::Pending => break,
            }
        }
    }

    /// Takes the next page (or the error that ended the stream).
    pub(crate) fn pop(&mut self) -> Option<Result<Page<T, R>>> {
        self.ready.pop_front()
    }

    /// No page is left and none will come.
    pub(crate) fn is_finished(&self) -> bool {
        self.ready.is_empty()
            && (self.done
                || (self.in_flight.is_empty() && self.next.is_none() && !self.planned(self.issued)))
    }

    /// Stops issuing requests and cancels those in flight.
    fn finish(&mut self) {
        self.done = true;
        self.next = None;
        self.planned_last = None;
        self.in_flight = FuturesOrdered::new();
    }

    fn fail(&mut self, err: Error) {
        self.ready.push_back(Err(err));
        self.finish();
    }

    fn process(&mut self, k: u64, request: PageRequest, result: Result<RawPage<T, R>>) {
        if self.done {
            return;
        }
        let raw = match result {
            Ok(raw) => raw,
            Err(source) => {
                return self.fail(Error::Page {
                    page: k,
                    source: Box::new(source),
                });
            }
        };
        let RawPage {
            items,
            total,
            next_cursor,
            times,
            envelope,
        } = raw;
        let raw_len = items.len() as u64;
        if raw_len > 0 {
            let signature = signature(&items);
            if self.last_signature == Some(signature) {
                return self.fail(Error::PaginationLoop(format!(
                    "page {k} ({request:?}) repeats the previous page ({raw_len} items): the server does not advance"
                )));
            }
            self.last_signature = Some(signature);
        }
        self.received_items += raw_len;
        let size = u64::from(self.size);

        let (mut items, decision) = match self.style {
            Style::PageIndex | Style::Offset | Style::Page => {
                let more = match total {
                    _ if raw_len == 0 => false,
                    Some(total) => self.received_items < total,
                    None => raw_len >= size,
                };
                let decision = more.then(|| match &request {
                    PageRequest::PageIndex {
                        page_index,
                        page_size,
                    } => PageRequest::PageIndex {
                        page_index: page_index.saturating_add(1),
                        page_size: *page_size,
                    },
                    PageRequest::Page { page, size } => PageRequest::Page {
                        page: page.saturating_add(1),
                        size: *size,
                    },
                    PageRequest::Offset { offset, limit } => PageRequest::Offset {
                        offset: offset + raw_len,
                        limit: *limit,
                    },
                    other => other.clone(),
                });
                if more && self.parallel() {
                    if let (None, Some(total)) = (self.planned_last, total) {
                        self.plan(total);
                    }
                    if self.style == Style::Offset && raw_len < size && self.planned(k + 1) {
                        // The server caps `limit`: planned offsets would skip items. Go on one page
                        // at a time from where this page ended.
                        self.in_flight = FuturesOrdered::new();
                        self.planned_last = None;
                        self.issued = k + 1;
                    }
                }
                (items, decision)
            }
            Style::Cursor => {
                if let PageRequest::Cursor {
                    page_token: Some(token),
                    ..
                } = &request
                {
                    self.used_cursors.insert(token.clone());
                }
                match &next_cursor {
                    Some(cursor) if raw_len > 0 => {
                        if self.used_cursors.contains(cursor) {
                            return self.fail(Error::PaginationLoop(format!("page {k} returned the cursor `{cursor}`, which an earlier page already returned")));
                        }
                        (
                            items,
                            Some(PageRequest::Cursor {
                                page_token: Some(cursor.clone()),
                                limit: self.size,
                            }),
                        )
                    }
                    _ => (items, None),
                }
            }
            Style::Window => match self.window_step(k, &request, items, &times) {
                Ok(step) => step,
                Err(err) => return self.fail(err),
            },
            Style::Single => (items, None),
        };

        let mut stop = decision.is_none();
        if let Some(max) = self.opts.max_items {
            let room = max.saturating_sub(self.yielded_items);
            if items.len() as u64 >= room {
                items.truncate(usize::try_from(room).unwrap_or(usize::MAX));
                stop = true;
            }
        }
        if self.opts.max_pages.is_some_and(|max| k + 1 >= max) {
            stop = true;
        }
        self.yielded_items += items.len() as u64;
        self.ready.push_back(Ok(Page {
            index: k,
            items,
            total,
            next_cursor,
            request,
            envelope,
        }));
        if stop {
            self.finish();
        } else if !self.planned(k + 1) {
            self.next = decision;
        }
    }

    /// The time-window strategy: drops the items the previous page already yielded at the window
    /// edge, and moves the window edge to the time of this page's last item.
    fn window_step(
        &mut self,
        k: u64,
        request: &PageRequest,
        items: Vec<T>,
        times: &[Option<TimeValue>],
    ) -> Result<(Vec<T>, Option<PageRequest>)> {
        let PageRequest::Window { from, to, limit } = request else {
            return Ok((items, None));
        };
        let raw_len = items.len();
        let prints: Vec<u64> = items.iter().map(fingerprint).collect();
        let time_of = |i: usize| times.get(i).cloned().flatten();
        let at =
            |i: usize, t: &TimeValue| time_of(i).is_some_and(|x| x.cmp_time(t) == Ordering::Equal);

        let mut budget = self
            .edge
            .as_ref()
            .map(|(_, seen)| seen.clone())
            .unwrap_or_default();
        let mut fresh = Vec::with_capacity(raw_len);
        let mut kept = Vec::with_capacity(raw_len);
        for (i, item) in items.into_iter().enumerate() {
            let repeat = match &self.edge {
                Some((edge, _)) if at(i, edge) => match budget.get_mut(&prints[i]) {
                    Some(count) if *count > 0 => {
                        *count -= 1;
                        true
                    }
                    _ => false,
                },
                _ => false,
            };
            if !repeat {
                fresh.push(i);
                kept.push(item);
            }
        }
        if raw_len == 0 || raw_len < *limit as usize {
            return Ok((kept, None));
        }
        let Some(edge) = time_of(raw_len - 1) else {
            return Err(Error::Page { page: k, source: Box::new(Error::Config("the last item of a full page has no time: the next time window cannot be computed".into())) });
        };
        if let Some(first) = time_of(0) {
            match first.cmp_time(&edge) {
                Ordering::Greater => self.order = Some(Order::NewestFirst),
                Ordering::Less => self.order = Some(Order::OldestFirst),
                Ordering::Equal => {}
            }
        }
        if kept.is_empty() {
            return Err(Error::PaginationLoop(format!(
                "page {k} holds only items already yielded: more than {limit} items share the time {edge}; raise the page size"
            )));
        }
        let mut seen = match self.edge.take() {
            Some((previous, seen)) if previous.cmp_time(&edge) == Ordering::Equal => seen,
            _ => HashMap::new(),
        };
        for &i in &fresh {
            if at(i, &edge) {
                *seen.entry(prints[i]).or_default() += 1;
            }
        }
        self.edge = Some((edge.clone(), seen));
        let next = match self.order.unwrap_or(Order::NewestFirst) {
            Order::NewestFirst => PageRequest::Window {
                from: from.clone(),
                to: Some(edge),
                limit: *limit,
            },
            Order::OldestFirst => PageRequest::Window {
                from: Some(edge),
                to: to.clone(),
                limit: *limit,
            },
        };
        Ok((kept, Some(next)))
    }
}

/// A stable fingerprint of an item: its JSON form with object keys sorted.
fn fingerprint<T: Serialize>(item: &T) -> u64 {
    fn feed(value: &serde_json::Value, h: &mut DefaultHasher) {
        use serde_json::Value;
        match value {
            Value::Null => 0u8.hash(h),
            Value::Bool(b) => (1u8, b).hash(h),
            Value::Number(n) => (2u8, n.to_string()).hash(h),
            Value::String(s) => (3u8, s).hash(h),
            Value::Array(items) => {
                (4u8, items.len()).hash(h);
                items.iter().for_each(|v| feed(v, h));
            }
            Value::Object(map) => {
                (5u8, map.len()).hash(h);
                let mut keys: Vec<&String> = map.keys().collect();
                keys.sort();
                for key in keys {
                    key.hash(h);
                    feed(&map[key], h);
                }
            }
        }
    }
    let mut hasher = DefaultHasher::new();
    match serde_json::to_value(item) {
        Ok(value) => feed(&value, &mut hasher),
        Err(e) => e.to_string().hash(&mut hasher),
    }
    hasher.finish()
}

/// What makes two pages "the same": length, first and last item.
fn signature<T: Serialize>(items: &[T]) -> (usize, u64, u64) {
    (
        items.len(),
        items.first().map_or(0, fingerprint),
        items.last().map_or(0, fingerprint),
    )
}

/// The stream of items behind every `.items()`.
pub(crate) struct ItemStream<T, R> {
    pager: Pager<T, R>,
    buffer: std::vec::IntoIter<T>,
}

impl<T: Serialize + Send + 'static, R: Send + 'static> ItemStream<T, R> {
    pub(crate) fn new(pager: Pager<T, R>) -> Self {
        ItemStream {
            pager,
            buffer: Vec::new().into_iter(),
        }
    }
}

impl<T, R> Unpin for ItemStream<T, R> {}

impl<T: Serialize + Send + 'static, R: Send + 'static> Stream for ItemStream<T, R> {
    type Item = Result<T>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = self.get_mut();
        loop {
            if let Some(item) = this.buffer.next() {
                // Keep the prefetched requests moving while the caller consumes this page.
                this.pager.drive(cx, false);
                return Poll::Ready(Some(Ok(item)));
            }
            this.pager.drive(cx, true);
            match this.pager.pop() {
                Some(Ok(page)) => this.buffer = page.items.into_iter(),
                Some(Err(err)) => return Poll::Ready(Some(Err(err))),
                None if this.pager.is_finished() => return Poll::Ready(None),
                None => return Poll::Pending,
            }
        }
    }
}

/// The stream of pages behind every `.pages()`.
pub(crate) struct PageStream<T, R> {
    pager: Pager<T, R>,
}

impl<T: Serialize + Send + 'static, R: Send + 'static> PageStream<T, R> {
    pub(crate) fn new(pager: Pager<T, R>) -> Self {
        PageStream { pager }
    }
}

impl<T, R> Unpin for PageStream<T, R> {}

impl<T: Serialize + Send + 'static, R: Send + 'static> Stream for PageStream<T, R> {
    type Item = Result<Page<T, R>>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = self.get_mut();
        this.pager.drive(cx, true);
        match this.pager.pop() {
            Some(page) => Poll::Ready(Some(page)),
            None if this.pager.is_finished() => Poll::Ready(None),
            None => Poll::Pending,
        }
    }
}
