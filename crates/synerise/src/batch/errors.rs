//! [`BatchItemError`]: an item the client refused to send.

use std::fmt;

/// A batch item the client rejected before sending it. Every other item of the upload is still
/// delivered; the item shows up in the [`BatchReport`](super::BatchReport) as not sent.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct BatchItemError {
    /// Zero-based position of the item in the input.
    pub index: u64,
    /// Why it was rejected.
    pub kind: BatchItemErrorKind,
}

/// Why the client rejected a batch item.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum BatchItemErrorKind {
    /// The item alone does not fit in one request body.
    TooLarge {
        /// Serialised size of the item in bytes (without nulls, with any added `eventSalt`/time).
        size: usize,
        /// The body limit of the endpoint in bytes (brackets and envelope included).
        max_bytes: usize,
        /// The largest top-level field of the item and its size in bytes (key included), to
        /// point at the culprit.
        largest_field: Option<(String, usize)>,
    },
    /// The item could not be serialised to JSON (e.g. a map with non-string keys).
    Serialize(String),
    /// The item cannot be sent to this endpoint (e.g. an AI event without an event type).
    Invalid(String),
}

impl BatchItemError {
    pub(crate) fn new(index: u64, kind: BatchItemErrorKind) -> Self {
        BatchItemError { index, kind }
    }

    /// The item's serialised size when it was rejected for being too large.
    pub fn size(&self) -> Option<usize> {
        match &self.kind {
            BatchItemErrorKind::TooLarge { size, .. } => Some(*size),
            _ => None,
        }
    }
}

impl fmt::Display for BatchItemError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "batch item {} rejected: {}", self.index, self.kind)
    }
}

impl fmt::Display for BatchItemErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            BatchItemErrorKind::TooLarge {
                size,
                max_bytes,
                largest_field,
            } => {
                write!(
                    f,
                    "{size} bytes of JSON do not fit in a request body of at most {max_bytes} bytes"
                )?;
                if let Some((field, field_size)) = largest_field {
                    write!(f, " (largest field `{field}`: {field_size} bytes)")?;
                }
                Ok(())
            }
            BatchItemErrorKind::Serialize(msg) => write!(f, "cannot serialise to JSON: {msg}"),
            BatchItemErrorKind::Invalid(msg) => f.write_str(msg),
        }
    }
}

impl std::error::Error for BatchItemError {}

impl From<BatchItemError> for crate::Error {
    fn from(error: BatchItemError) -> Self {
        crate::Error::Batch(error)
    }
}
