//! Integration tests: the real server over loopback with reqwest.

mod auth;
mod common;
mod events;
mod faults;
mod journal;
mod lifecycle;
mod pagination;
mod profiles;
mod rules;
mod store_modes;
