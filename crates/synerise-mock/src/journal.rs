//! The request journal.

use std::collections::VecDeque;

use bytes::Bytes;
use serde_json::Value;

use crate::config::JournalMode;

/// One request as the mock received it.
#[derive(Debug, Clone)]
pub struct RecordedRequest {
    /// HTTP method (upper case).
    pub method: String,
    /// Path without the query string.
    pub path: String,
    /// Raw query string (without `?`), if any.
    pub raw_query: Option<String>,
    /// Decoded query pairs, in order.
    pub query: Vec<(String, String)>,
    /// Request headers (lower-case names; non-UTF-8 values are converted lossily).
    pub headers: Vec<(String, String)>,
    /// Request body.
    pub body: Bytes,
    /// Response status, or `None` when the mock dropped the connection without answering.
    pub status: Option<u16>,
    /// The matched operation's operationId (or title), if the request matched one.
    pub operation: Option<&'static str>,
}

impl RecordedRequest {
    /// The first header with this name (case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// The first decoded query value with this name.
    pub fn query_param(&self, name: &str) -> Option<&str> {
        self.query
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    /// The body parsed as JSON, if it is JSON.
    pub fn json(&self) -> Option<Value> {
        serde_json::from_slice(&self.body).ok()
    }
}

#[derive(Debug, Default)]
pub(crate) struct Journal {
    pub(crate) mode: JournalMode,
    pub(crate) entries: VecDeque<RecordedRequest>,
}

impl Journal {
    pub(crate) fn new(mode: JournalMode) -> Self {
        Journal {
            mode,
            entries: VecDeque::new(),
        }
    }

    pub(crate) fn enabled(&self) -> bool {
        !matches!(self.mode, JournalMode::Off | JournalMode::Last(0))
    }

    pub(crate) fn push(&mut self, entry: RecordedRequest) {
        match self.mode {
            JournalMode::Off => {}
            JournalMode::Unbounded => self.entries.push_back(entry),
            JournalMode::Last(n) => {
                if n == 0 {
                    return;
                }
                while self.entries.len() >= n {
                    self.entries.pop_front();
                }
                self.entries.push_back(entry);
            }
        }
    }

    pub(crate) fn set_mode(&mut self, mode: JournalMode) {
        self.mode = mode;
        match mode {
            JournalMode::Off => self.entries.clear(),
            JournalMode::Last(n) => {
                while self.entries.len() > n {
                    self.entries.pop_front();
                }
            }
            JournalMode::Unbounded => {}
        }
    }
}
