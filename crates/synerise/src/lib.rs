//! Async Rust client for the Synerise API.
#![deny(missing_docs)]

mod client;
mod error;
mod region;
mod resources;
pub mod retry;
mod transport;

pub use client::{Client, ClientBuilder, DEFAULT_CONNECT_TIMEOUT, DEFAULT_REQUEST_TIMEOUT};
pub use error::{ApiErrorBody, ApiFieldError, Error, Result};
pub use region::Region;
pub use resources::{Activities, AiEvents, Analytics, Catalogs, Crm, Events, Profiles, Tags, Transactions};
pub use synerise_api as api;
pub use synerise_api::types;

/// A batch item the client rejected before sending. (Filled in by the batch module.)
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BatchItemError {
    /// Position of the item in the input.
    pub index: u64,
    /// Why it was rejected.
    pub reason: String,
}

impl std::fmt::Display for BatchItemError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "batch item {} rejected: {}", self.index, self.reason)
    }
}

impl std::error::Error for BatchItemError {}
