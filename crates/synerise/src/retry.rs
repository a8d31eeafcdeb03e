//! Retry policy: which failures are retried for which operations, how long to wait, and how many
//! retries a whole client may spend.
//!
//! Every request of a [`crate::Client`] — the typed helpers, [`crate::Client::send_json`], logins,
//! and every generated operation reached through [`crate::Client::api`] — goes through this policy.
//!
//! # What is retried
//!
//! | failure | retried for |
//! |---|---|
//! | connection could not be established (the request was not sent) | every operation |
//! | `429 Too Many Requests` | every operation (the server refused it; `Retry-After` is honoured) |
//! | `502`, `503`, `504` | every operation |
//! | `500`, a timeout or a broken connection after the request was sent | only operations that are safe to repeat: [`Idempotency::Safe`], or [`Idempotency::WithEventSalt`] when every event in the body carries an `eventSalt` and an explicit `time` (or `recordedAt`) |
//! | anything else (`4xx`) | never (`401` is handled by re-authentication, see [`crate::auth`]) |
//!
//! A request whose body is a stream (the multipart CSV upload) cannot be replayed and is sent once.
//!
//! # Defaults and why
//!
//! * **3 retries** (4 attempts): AWS' standard mode makes 3 attempts, Stainless SDKs 3 (2 retries);
//!   Synerise publishes no rate limits, so one more try for 429 storms is cheap insurance.
//! * **0.5 s base, 20 s cap, full jitter** (`delay = jitter × min(cap, base × 2^(n-1))`, jitter in
//!   `[0, 1)`): Stainless' base with AWS' cap and AWS' full jitter, which spreads synchronized
//!   clients best.
//! * **`Retry-After` honoured up to 60 s** ([`MAX_RETRY_AFTER`]): the wait is at least the server's
//!   hint (seconds or HTTP-date), capped so that a bogus header cannot park a caller for hours.
//! * **A retry budget per client** (a token bucket like AWS': 500 tokens, a retry costs 5, a retry
//!   after a timeout 10; a successful retry gives its tokens back, a first-try success adds 1), so
//!   that an outage makes the client stop multiplying its load after ~100 retries instead of
//!   sending four times every request.
//! * Retries never outlive the client's overall deadline ([`crate::ClientBuilder::deadline`]).

use std::fmt;
use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, SystemTime};

use reqwest::StatusCode;
use synerise_api::operations::{Idempotency, OperationMeta};

/// Longest wait a `Retry-After` header can impose.
pub const MAX_RETRY_AFTER: Duration = Duration::from_secs(60);
/// Default number of retries after the first attempt.
pub const DEFAULT_MAX_RETRIES: u32 = 3;
/// Default delay before the first retry (before jitter).
pub const DEFAULT_BASE_DELAY: Duration = Duration::from_millis(500);
/// Default upper bound of one backoff delay.
pub const DEFAULT_MAX_DELAY: Duration = Duration::from_secs(20);
/// Default capacity of the retry budget.
pub const DEFAULT_BUDGET_CAPACITY: u32 = 500;
/// Default budget cost of one retry.
pub const DEFAULT_RETRY_COST: u32 = 5;
/// Default budget cost of one retry after a timeout.
pub const DEFAULT_TIMEOUT_RETRY_COST: u32 = 10;

/// Parses `Retry-After` (delay seconds or an HTTP-date), capped at [`MAX_RETRY_AFTER`].
///
/// Returns `None` when the header is missing or unreadable. A date in the past gives zero.
pub fn parse_retry_after(
    headers: &reqwest::header::HeaderMap,
    now: SystemTime,
) -> Option<Duration> {
    parse_retry_after_capped(headers, now, MAX_RETRY_AFTER)
}

/// [`parse_retry_after`] with a custom cap.
pub fn parse_retry_after_capped(
    headers: &reqwest::header::HeaderMap,
    now: SystemTime,
    cap: Duration,
) -> Option<Duration> {
    let value = headers
        .get(reqwest::header::RETRY_AFTER)?
        .to_str()
        .ok()?
        .trim();
    let delay = if !value.is_empty() && value.bytes().all(|b| b.is_ascii_digit()) {
        // Any number of digits: values beyond u64 are simply "very long".
        Duration::from_secs(
            value
                .parse::<u64>()
                .unwrap_or(u64::MAX)
                .min(cap.as_secs().saturating_add(1)),
        )
    } else {
        let at = chrono::DateTime::parse_from_rfc2822(value).ok()?;
        let secs = at.timestamp();
        let at = if secs >= 0 {
            SystemTime::UNIX_EPOCH.checked_add(Duration::from_secs(secs.unsigned_abs()))?
        } else {
            SystemTime::UNIX_EPOCH
        };
        at.duration_since(now).unwrap_or(Duration::ZERO)
    };
    Some(delay.min(cap))
}

/// Where backoff randomness comes from: a function returning a number in `[0, 1)`.
///
/// Inject a constant for deterministic tests: `RetryConfig::default().jitter(|| 0.5)`.
pub type JitterFn = Arc<dyn Fn() -> f64 + Send + Sync>;

/// How a client retries (see the [module docs](self) for the rules and the defaults).
///
/// ```
/// use std::time::Duration;
/// use synerise::retry::RetryConfig;
///
/// let patient = RetryConfig::default().max_retries(5).max_delay(Duration::from_secs(30));
/// let none = RetryConfig::disabled();
/// assert_eq!(none.get_max_retries(), 0);
/// # let _ = patient;
/// ```
#[derive(Clone)]
pub struct RetryConfig {
    max_retries: u32,
    base_delay: Duration,
    max_delay: Duration,
    max_retry_after: Duration,
    budget: Option<BudgetConfig>,
    jitter: JitterFn,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct BudgetConfig {
    capacity: u32,
    retry_cost: u32,
    timeout_retry_cost: u32,
}

impl Default for RetryConfig {
    fn default() -> Self {
        RetryConfig {
            max_retries: DEFAULT_MAX_RETRIES,
            base_delay: DEFAULT_BASE_DELAY,
            max_delay: DEFAULT_MAX_DELAY,
            max_retry_after: MAX_RETRY_AFTER,
            budget: Some(BudgetConfig {
                capacity: DEFAULT_BUDGET_CAPACITY,
                retry_cost: DEFAULT_RETRY_COST,
                timeout_retry_cost: DEFAULT_TIMEOUT_RETRY_COST,
            }),
            jitter: Arc::new(rand::random::<f64>),
        }
    }
}

impl fmt::Debug for RetryConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RetryConfig")
            .field("max_retries", &self.max_retries)
            .field("base_delay", &self.base_delay)
            .field("max_delay", &self.max_delay)
            .field("max_retry_after", &self.max_retry_after)
            .field("budget", &self.budget)
            .finish_non_exhaustive()
    }
}

impl RetryConfig {
    /// The defaults: 3 retries, 0.5 s base, 20 s cap, full jitter, a 500-token budget.
    pub fn new() -> Self {
        Self::default()
    }

    /// No retries at all: every request is sent once (re-authentication after a `401` still
    /// happens, it is not a retry of a failure).
    pub fn disabled() -> Self {
        RetryConfig {
            max_retries: 0,
            ..Self::default()
        }
    }

    /// Retries after the first attempt (default 3).
    pub fn max_retries(mut self, retries: u32) -> Self {
        self.max_retries = retries;
        self
    }

    /// Backoff before the first retry, doubled for each further one (default 0.5 s).
    pub fn base_delay(mut self, delay: Duration) -> Self {
        self.base_delay = delay;
        self
    }

    /// Upper bound of one backoff delay (default 20 s).
    pub fn max_delay(mut self, delay: Duration) -> Self {
        self.max_delay = delay;
        self
    }

    /// Upper bound of a wait imposed by `Retry-After` (default 60 s).
    pub fn max_retry_after(mut self, delay: Duration) -> Self {
        self.max_retry_after = delay;
        self
    }

    /// The retry budget shared by all calls of a client: `capacity` tokens, `retry_cost` per retry,
    /// `timeout_retry_cost` per retry after a timeout (defaults 500, 5, 10).
    pub fn budget(mut self, capacity: u32, retry_cost: u32, timeout_retry_cost: u32) -> Self {
        self.budget = Some(BudgetConfig {
            capacity,
            retry_cost,
            timeout_retry_cost,
        });
        self
    }

    /// No shared budget: only [`RetryConfig::max_retries`] limits retries.
    pub fn unlimited_budget(mut self) -> Self {
        self.budget = None;
        self
    }

    /// The randomness of the backoff: a function returning a number in `[0, 1)` (values outside
    /// are clamped). Default: uniform random.
    pub fn jitter(mut self, jitter: impl Fn() -> f64 + Send + Sync + 'static) -> Self {
        self.jitter = Arc::new(jitter);
        self
    }

    /// Retries after the first attempt.
    pub fn get_max_retries(&self) -> u32 {
        self.max_retries
    }

    /// Upper bound of a wait imposed by `Retry-After`.
    pub fn get_max_retry_after(&self) -> Duration {
        self.max_retry_after
    }

    /// The backoff before retry number `retry` (1 for the first retry), with jitter applied:
    /// `jitter × min(max_delay, base_delay × 2^(retry-1))`.
    pub fn backoff(&self, retry: u32) -> Duration {
        let exp = retry.saturating_sub(1).min(31);
        let ceiling = self
            .base_delay
            .checked_mul(1u32 << exp)
            .unwrap_or(self.max_delay)
            .min(self.max_delay);
        let j = (self.jitter)();
        let j = if j.is_finite() {
            j.clamp(0.0, 1.0)
        } else {
            0.0
        };
        ceiling.mul_f64(j)
    }

    /// The wait before retry number `retry`: the jittered backoff, but at least the server's
    /// `Retry-After` hint (itself capped at [`RetryConfig::max_retry_after`]).
    pub fn delay(&self, retry: u32, retry_after: Option<Duration>) -> Duration {
        let backoff = self.backoff(retry);
        match retry_after {
            Some(hint) => backoff.max(hint.min(self.max_retry_after)),
            None => backoff,
        }
    }

    /// A new budget as this configuration describes (`None`: unlimited).
    pub fn new_budget(&self) -> Option<RetryBudget> {
        self.budget.map(|b| RetryBudget::new(b.capacity))
    }

    /// What retrying after `failure` costs in budget tokens.
    pub fn cost(&self, failure: &AttemptFailure) -> u32 {
        match (self.budget, failure) {
            (None, _) => 0,
            (Some(b), AttemptFailure::Timeout) => b.timeout_retry_cost,
            (Some(b), _) => b.retry_cost,
        }
    }
}

/// What went wrong with one attempt, as the retry policy sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum AttemptFailure {
    /// The connection could not be established: the request was not sent.
    Connect,
    /// The attempt timed out; the request may have reached the server.
    Timeout,
    /// The connection broke after the request may have been sent.
    Transport,
    /// The server answered with an error status.
    Status(StatusCode),
}

impl AttemptFailure {
    /// Classifies a transport error.
    pub fn from_reqwest(err: &reqwest::Error) -> AttemptFailure {
        if err.is_connect() {
            AttemptFailure::Connect
        } else if err.is_timeout() {
            AttemptFailure::Timeout
        } else {
            AttemptFailure::Transport
        }
    }

    /// A short description for logs (never contains the URL or any header).
    pub fn cause(&self) -> String {
        match self {
            AttemptFailure::Connect => "connect error".into(),
            AttemptFailure::Timeout => "timeout".into(),
            AttemptFailure::Transport => "connection error after sending".into(),
            AttemptFailure::Status(s) => format!("HTTP {}", s.as_u16()),
        }
    }
}

/// Whether sending `op` again cannot duplicate its effect, given its JSON `body` (when known).
///
/// [`Idempotency::Safe`] operations always are, [`Idempotency::Unsafe`] never; for
/// [`Idempotency::WithEventSalt`] see [`events_carry_salt_and_time`].
pub fn replay_safe(op: &OperationMeta, body: Option<&[u8]>) -> bool {
    match op.idempotency {
        Idempotency::Safe => true,
        Idempotency::Unsafe => false,
        Idempotency::WithEventSalt => body.is_some_and(events_carry_salt_and_time),
    }
}

/// Whether a JSON body of one event (an object) or of many (an array) gives every event a
/// non-empty `eventSalt` and an explicit `time` or `recordedAt`: then Synerise overwrites a
/// re-sent event instead of storing it twice.
pub fn events_carry_salt_and_time(body: &[u8]) -> bool {
    fn one(event: &serde_json::Value) -> bool {
        let salted = event
            .get("eventSalt")
            .and_then(|s| s.as_str())
            .is_some_and(|s| !s.trim().is_empty());
        let timed = ["time", "recordedAt"].iter().any(|k| {
            event
                .get(*k)
                .is_some_and(|t| !t.is_null() && t.as_str() != Some(""))
        });
        salted && timed
    }
    match serde_json::from_slice::<serde_json::Value>(body) {
        Ok(serde_json::Value::Array(items)) => !items.is_empty() && items.iter().all(one),
        Ok(value @ serde_json::Value::Object(_)) => one(&value),
        _ => false,
    }
}

/// Whether the policy retries `failure` of an operation that is (`replay_safe`) or is not safe to
/// repeat. Budget, attempt count and deadline are checked separately.
pub fn is_retryable(failure: &AttemptFailure, replay_safe: bool) -> bool {
    match failure {
        AttemptFailure::Connect => true,
        AttemptFailure::Timeout | AttemptFailure::Transport => replay_safe,
        AttemptFailure::Status(s) => match s.as_u16() {
            429 | 502..=504 => true,
            500 => replay_safe,
            _ => false,
        },
    }
}

/// A token bucket that limits how many retries a client makes in total (see the module docs).
///
/// Lock-free: every successful request gives a token back, so the bucket is touched by every
/// request of the client from every thread; while it is full (the usual case) that is a plain read.
#[derive(Debug)]
pub struct RetryBudget {
    capacity: u32,
    tokens: AtomicU32,
}

impl RetryBudget {
    /// A full bucket of `capacity` tokens.
    pub fn new(capacity: u32) -> Self {
        RetryBudget {
            capacity,
            tokens: AtomicU32::new(capacity),
        }
    }

    /// Takes `cost` tokens if there are that many; `false` (and nothing taken) otherwise.
    pub fn try_acquire(&self, cost: u32) -> bool {
        self.tokens
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |tokens| {
                tokens.checked_sub(cost)
            })
            .is_ok()
    }

    /// Gives `amount` tokens back (a successful retry returns its cost; a first-try success 1).
    pub fn release(&self, amount: u32) {
        if amount == 0 || self.tokens.load(Ordering::Acquire) >= self.capacity {
            return;
        }
        let _ = self
            .tokens
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |tokens| {
                (tokens < self.capacity).then(|| tokens.saturating_add(amount).min(self.capacity))
            });
    }

    /// Tokens left.
    pub fn available(&self) -> u32 {
        self.tokens.load(Ordering::Acquire)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::header::{HeaderMap, HeaderValue, RETRY_AFTER};
    use synerise_api::operations;

    fn headers(value: &str) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert(RETRY_AFTER, HeaderValue::from_str(value).unwrap());
        h
    }

    fn now() -> SystemTime {
        // Sun, 06 Nov 1994 08:49:37 GMT
        SystemTime::UNIX_EPOCH + Duration::from_secs(784_111_777)
    }

    #[test]
    fn retry_after_seconds() {
        assert_eq!(
            parse_retry_after(&headers("0"), now()),
            Some(Duration::ZERO)
        );
        assert_eq!(
            parse_retry_after(&headers("7"), now()),
            Some(Duration::from_secs(7))
        );
        assert_eq!(
            parse_retry_after(&headers(" 12 "), now()),
            Some(Duration::from_secs(12))
        );
        assert_eq!(
            parse_retry_after(&headers("60"), now()),
            Some(Duration::from_secs(60))
        );
    }

    #[test]
    fn retry_after_huge_values_are_capped() {
        assert_eq!(
            parse_retry_after(&headers("61"), now()),
            Some(MAX_RETRY_AFTER)
        );
        assert_eq!(
            parse_retry_after(&headers("86400"), now()),
            Some(MAX_RETRY_AFTER)
        );
        assert_eq!(
            parse_retry_after(&headers("99999999999999999999999999"), now()),
            Some(MAX_RETRY_AFTER)
        );
        assert_eq!(
            parse_retry_after(&headers("Fri, 31 Dec 9999 23:59:59 GMT"), now()),
            Some(MAX_RETRY_AFTER)
        );
        assert_eq!(
            parse_retry_after_capped(&headers("5"), now(), Duration::from_secs(2)),
            Some(Duration::from_secs(2))
        );
    }

    #[test]
    fn retry_after_http_date() {
        assert_eq!(
            parse_retry_after(&headers("Sun, 06 Nov 1994 08:50:07 GMT"), now()),
            Some(Duration::from_secs(30))
        );
        // In the past: retry now.
        assert_eq!(
            parse_retry_after(&headers("Sun, 06 Nov 1994 08:00:00 GMT"), now()),
            Some(Duration::ZERO)
        );
        assert_eq!(
            parse_retry_after(&headers("Thu, 01 Jan 1970 00:00:00 GMT"), now()),
            Some(Duration::ZERO)
        );
    }

    #[test]
    fn retry_after_garbage_is_ignored() {
        for bad in [
            "",
            "soon",
            "-5",
            "1.5",
            "12s",
            "Sun, 32 Nov 1994 08:49:37 GMT",
            "0x10",
        ] {
            let h = if bad.is_empty() {
                HeaderMap::new()
            } else {
                headers(bad)
            };
            assert_eq!(parse_retry_after(&h, now()), None, "{bad:?}");
        }
    }

    fn fixed(j: f64) -> RetryConfig {
        RetryConfig::default().jitter(move || j)
    }

    #[test]
    fn backoff_is_exponential_and_capped() {
        let top = fixed(0.999_999_9);
        let expected_ms = [500u64, 1000, 2000, 4000, 8000, 16_000, 20_000, 20_000];
        for (i, ms) in expected_ms.iter().enumerate() {
            let d = top.backoff(i as u32 + 1);
            assert!(
                d <= Duration::from_millis(*ms),
                "retry {} gave {d:?}",
                i + 1
            );
            assert!(
                d >= Duration::from_millis(*ms).mul_f64(0.999),
                "retry {} gave {d:?}",
                i + 1
            );
        }
        // Overflowing exponents fall back to the cap.
        assert!(top.backoff(1000) <= DEFAULT_MAX_DELAY);
        assert!(top.backoff(u32::MAX) <= DEFAULT_MAX_DELAY);
    }

    #[test]
    fn backoff_bounds_with_injected_jitter() {
        assert_eq!(fixed(0.0).backoff(1), Duration::ZERO);
        assert_eq!(fixed(0.0).backoff(5), Duration::ZERO);
        assert_eq!(fixed(0.5).backoff(1), Duration::from_millis(250));
        assert_eq!(fixed(0.5).backoff(3), Duration::from_millis(1000));
        assert_eq!(fixed(0.25).backoff(10), Duration::from_secs(5));
        // Out-of-range jitter is clamped.
        assert_eq!(fixed(7.0).backoff(1), Duration::from_millis(500));
        assert_eq!(fixed(-1.0).backoff(1), Duration::ZERO);
        assert_eq!(fixed(f64::NAN).backoff(1), Duration::ZERO);
        let custom = fixed(1.0)
            .base_delay(Duration::from_millis(100))
            .max_delay(Duration::from_millis(300));
        assert_eq!(custom.backoff(1), Duration::from_millis(100));
        assert_eq!(custom.backoff(2), Duration::from_millis(200));
        assert_eq!(custom.backoff(3), Duration::from_millis(300));
        // Real randomness stays in bounds.
        let random = RetryConfig::default();
        for retry in 1..=8 {
            assert!(random.backoff(retry) <= DEFAULT_MAX_DELAY);
        }
    }

    #[test]
    fn retry_after_is_a_floor_and_capped() {
        let c = fixed(0.5);
        assert_eq!(
            c.delay(1, Some(Duration::from_secs(3))),
            Duration::from_secs(3)
        );
        assert_eq!(c.delay(1, Some(Duration::ZERO)), Duration::from_millis(250));
        assert_eq!(c.delay(1, Some(Duration::from_secs(3600))), MAX_RETRY_AFTER);
        let short = c.max_retry_after(Duration::from_secs(2));
        assert_eq!(
            short.delay(1, Some(Duration::from_secs(30))),
            Duration::from_secs(2)
        );
    }

    fn op(id: &str) -> &'static OperationMeta {
        operations::find(id).unwrap()
    }

    #[test]
    fn which_failures_are_retried() {
        use AttemptFailure::*;
        let s = |c: u16| Status(StatusCode::from_u16(c).unwrap());
        // Always: not sent, throttled, gateway/unavailable.
        for f in [Connect, s(429), s(502), s(503), s(504)] {
            assert!(is_retryable(&f, true), "{f:?}");
            assert!(is_retryable(&f, false), "{f:?}");
        }
        // Only when safe to repeat.
        for f in [Timeout, Transport, s(500)] {
            assert!(is_retryable(&f, true), "{f:?}");
            assert!(!is_retryable(&f, false), "{f:?}");
        }
        // Never.
        for c in [400, 401, 403, 404, 408, 409, 413, 422, 501, 505] {
            assert!(!is_retryable(&s(c), true), "{c}");
        }
    }

    #[test]
    fn which_operations_are_replay_safe() {
        assert!(replay_safe(op("get_server_time"), None));
        assert!(replay_safe(op("batch_add_or_update_clients"), Some(b"[]")));
        assert!(!replay_safe(op("add_bag"), Some(br#"{"name":"x"}"#)));
        assert!(!replay_safe(op("create_a_client_in_crm"), None));
        let ev = op("custom_event");
        assert!(replay_safe(
            ev,
            Some(br#"{"action":"a","eventSalt":"s1","time":"2024-01-01T00:00:00Z"}"#)
        ));
        assert!(!replay_safe(
            ev,
            Some(br#"{"action":"a","time":"2024-01-01T00:00:00Z"}"#)
        ));
        assert!(!replay_safe(
            ev,
            Some(br#"{"action":"a","eventSalt":"s1"}"#)
        ));
        assert!(!replay_safe(
            ev,
            Some(br#"{"action":"a","eventSalt":"","time":"2024-01-01T00:00:00Z"}"#)
        ));
        assert!(!replay_safe(
            ev,
            Some(br#"{"action":"a","eventSalt":"s","time":null}"#)
        ));
        assert!(!replay_safe(ev, None));
        assert!(!replay_safe(ev, Some(b"not json")));
        let tx = op("create_a_transaction");
        assert!(replay_safe(
            tx,
            Some(br#"{"eventSalt":"s","recordedAt":"2024-01-01T00:00:00Z"}"#)
        ));
        let batch = op("batch_send_events");
        assert!(replay_safe(
            batch,
            Some(br#"[{"eventSalt":"a","time":"t"},{"eventSalt":"b","time":"t"}]"#)
        ));
        assert!(!replay_safe(
            batch,
            Some(br#"[{"eventSalt":"a","time":"t"},{"time":"t"}]"#)
        ));
        assert!(!replay_safe(batch, Some(b"[]")));
    }

    #[test]
    fn budget_is_exhausted_and_refilled() {
        let c = RetryConfig::default();
        assert_eq!(c.cost(&AttemptFailure::Connect), 5);
        assert_eq!(
            c.cost(&AttemptFailure::Status(StatusCode::TOO_MANY_REQUESTS)),
            5
        );
        assert_eq!(c.cost(&AttemptFailure::Timeout), 10);
        assert_eq!(
            c.clone().unlimited_budget().cost(&AttemptFailure::Timeout),
            0
        );
        assert!(c.clone().unlimited_budget().new_budget().is_none());

        let b = c.new_budget().unwrap();
        assert_eq!(b.available(), 500);
        let mut granted = 0;
        while b.try_acquire(5) {
            granted += 1;
        }
        assert_eq!(granted, 100);
        assert_eq!(b.available(), 0);
        assert!(!b.try_acquire(1));
        b.release(5);
        assert!(!b.try_acquire(10));
        assert!(b.try_acquire(5));
        b.release(10_000);
        assert_eq!(b.available(), 500, "never above capacity");

        let small = RetryConfig::default()
            .budget(12, 5, 10)
            .new_budget()
            .unwrap();
        assert!(small.try_acquire(10));
        assert!(!small.try_acquire(5));
    }

    #[test]
    fn disabled_means_no_retries() {
        assert_eq!(RetryConfig::disabled().get_max_retries(), 0);
        assert_eq!(RetryConfig::default().get_max_retries(), 3);
        let dbg = format!("{:?}", RetryConfig::default());
        assert!(dbg.contains("max_retries: 3"), "{dbg}");
    }
}
