//! Deterministic `eventSalt` and an explicit time for events and transactions.
//!
//! Synerise overwrites an event instead of storing a second copy when a new one has the same
//! action, profile, time and `eventSalt` (see the overwriting-events guide). The chunker gives
//! every event and transaction both before the first attempt, so a retried request — or the
//! same import run again with explicit times — overwrites instead of duplicating:
//!
//! * the time (`time`, `recordedAt` for transactions) is the moment the chunker first saw the
//!   item, in UTC with milliseconds, unless the item has one;
//! * the salt is `sdk1-` and 32 hex digits of SHA-256 over the item's JSON (nulls stripped, time
//!   included), unless the item has one. It does not depend on the item's position, so the same
//!   event gets the same salt in another run. Identical items given the same added time in the
//!   same millisecond are told apart by a counter, so they stay separate events.

use std::collections::HashMap;

use chrono::{DateTime, SecondsFormat, Utc};
use sha2::{Digest, Sha256};

use super::kind::SaltRule;

/// Prefix of salts made by this crate (versioned, in case the recipe ever changes).
pub(crate) const SALT_PREFIX: &str = "sdk1-";

/// Adds times and salts; remembers the current millisecond.
#[derive(Debug, Default)]
pub(crate) struct Salter {
    millis: i64,
    time_text: String,
    /// Items given the current millisecond as their time, by digest: how many so far.
    seen: HashMap<[u8; 16], u32>,
    /// A fixed clock, for tests.
    clock: Option<DateTime<Utc>>,
}

impl Salter {
    #[cfg(test)]
    pub(crate) fn with_clock(now: DateTime<Utc>) -> Self {
        Salter {
            clock: Some(now),
            ..Salter::default()
        }
    }

    fn refresh_time(&mut self) {
        let now = self.clock.unwrap_or_else(Utc::now);
        let millis = now.timestamp_millis();
        if millis != self.millis || self.time_text.is_empty() {
            self.millis = millis;
            self.time_text = now.to_rfc3339_opts(SecondsFormat::Millis, true);
            self.seen.clear();
        }
    }

    /// Adds the time and/or salt to the object item at `out[start..]` when missing. Items that
    /// are not JSON objects are left alone.
    pub(crate) fn apply(
        &mut self,
        out: &mut Vec<u8>,
        start: usize,
        rule: &SaltRule,
        has_time: bool,
        has_salt: bool,
    ) {
        if (has_time && has_salt) || out.get(start) != Some(&b'{') || out.last() != Some(&b'}') {
            return;
        }
        out.pop();
        let mut empty = out.len() == start + 1;
        let added_time = !has_time;
        if added_time {
            self.refresh_time();
            if !empty {
                out.push(b',');
            }
            out.push(b'"');
            out.extend_from_slice(rule.time_field.as_bytes());
            out.extend_from_slice(b"\":\"");
            out.extend_from_slice(self.time_text.as_bytes());
            out.push(b'"');
            empty = false;
        }
        if !has_salt {
            let mut digest: [u8; 16] = Sha256::digest(&out[start..])[..16]
                .try_into()
                .expect("16 bytes");
            if added_time {
                let count = self.seen.entry(digest).or_insert(0);
                if *count > 0 {
                    let mut again = Sha256::new();
                    again.update(digest);
                    again.update(count.to_be_bytes());
                    digest = again.finalize()[..16].try_into().expect("16 bytes");
                }
                *count += 1;
            }
            if !empty {
                out.push(b',');
            }
            out.extend_from_slice(b"\"eventSalt\":\"");
            out.extend_from_slice(SALT_PREFIX.as_bytes());
            const HEX: &[u8; 16] = b"0123456789abcdef";
            for byte in digest {
                out.push(HEX[usize::from(byte >> 4)]);
                out.push(HEX[usize::from(byte & 0xf)]);
            }
            out.push(b'"');
        }
        out.push(b'}');
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const RULE: SaltRule = SaltRule {
        time_field: "time",
        time_slot: 0,
        salt_slot: 1,
    };

    fn clock() -> DateTime<Utc> {
        DateTime::parse_from_rfc3339("2024-05-06T07:08:09.123Z")
            .unwrap()
            .with_timezone(&Utc)
    }

    fn applied(
        salter: &mut Salter,
        item: &str,
        has_time: bool,
        has_salt: bool,
    ) -> serde_json::Value {
        let mut out = b"xx".to_vec();
        out.extend_from_slice(item.as_bytes());
        salter.apply(&mut out, 2, &RULE, has_time, has_salt);
        assert_eq!(&out[..2], b"xx");
        serde_json::from_slice(&out[2..]).unwrap()
    }

    #[test]
    fn adds_time_and_deterministic_salt() {
        let a = applied(
            &mut Salter::with_clock(clock()),
            r#"{"action":"a"}"#,
            false,
            false,
        );
        let b = applied(
            &mut Salter::with_clock(clock()),
            r#"{"action":"a"}"#,
            false,
            false,
        );
        assert_eq!(a["time"], "2024-05-06T07:08:09.123Z");
        assert!(a["eventSalt"].as_str().unwrap().starts_with(SALT_PREFIX));
        assert_eq!(
            a["eventSalt"].as_str().unwrap().len(),
            SALT_PREFIX.len() + 32
        );
        assert_eq!(a, b, "same content and time, same salt in another run");
        let c = applied(
            &mut Salter::with_clock(clock()),
            r#"{"action":"b"}"#,
            false,
            false,
        );
        assert_ne!(a["eventSalt"], c["eventSalt"]);
    }

    #[test]
    fn identical_items_in_one_millisecond_get_distinct_salts() {
        let mut salter = Salter::with_clock(clock());
        let a = applied(&mut salter, r#"{"action":"a"}"#, false, false);
        let b = applied(&mut salter, r#"{"action":"a"}"#, false, false);
        assert_ne!(a["eventSalt"], b["eventSalt"]);
    }

    #[test]
    fn keeps_what_the_caller_set() {
        let mut salter = Salter::with_clock(clock());
        let v = applied(
            &mut salter,
            r#"{"time":"2020-01-01T00:00:00Z","eventSalt":"mine"}"#,
            true,
            true,
        );
        assert_eq!(
            v,
            serde_json::json!({"time":"2020-01-01T00:00:00Z","eventSalt":"mine"})
        );
        let v = applied(&mut salter, r#"{"eventSalt":"mine"}"#, false, true);
        assert_eq!(
            v,
            serde_json::json!({"eventSalt":"mine","time":"2024-05-06T07:08:09.123Z"})
        );
        let v = applied(
            &mut salter,
            r#"{"time":"2020-01-01T00:00:00Z"}"#,
            true,
            false,
        );
        assert_eq!(v["time"], "2020-01-01T00:00:00Z");
        assert!(v["eventSalt"].is_string());
        let v = applied(&mut salter, r#"{}"#, false, false);
        assert!(v["eventSalt"].is_string() && v["time"].is_string());
    }
}
