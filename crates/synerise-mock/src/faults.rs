//! Fault injection: errors, rate limiting, latency and dropped connections, per route.

use std::collections::{HashMap, VecDeque};
use std::fmt;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

use crate::operations::OPERATIONS;
use crate::routing::find_operation;
use crate::util::lock;

/// Which requests a fault applies to: one operation (method + path template) or all
/// operations. Requests that match no operation (404) are never faulted.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct Route(Option<usize>);

impl Route {
    /// Every operation. A route-specific setting takes precedence over this one.
    pub fn all() -> Route {
        Route(None)
    }

    /// The operation with this method and path. `path` may be the template
    /// (`/v4/clients/{clientId}`) or a concrete path (`/v4/clients/42`).
    ///
    /// # Panics
    /// When no operation of the table matches (a typo in a test should fail loudly).
    pub fn new(method: &str, path: &str) -> Route {
        Route::try_new(method, path)
            .unwrap_or_else(|| panic!("synerise-mock: no operation matches {method} {path}"))
    }

    /// Like [`Route::new`] but returns `None` when no operation matches.
    pub fn try_new(method: &str, path: &str) -> Option<Route> {
        find_operation(method, path).map(|i| Route(Some(i)))
    }

    /// The operation with this operationId (or title, for operations without one).
    pub fn operation_id(id: &str) -> Option<Route> {
        OPERATIONS
            .iter()
            .position(|op| op.name() == id)
            .map(|i| Route(Some(i)))
    }

    /// The HTTP method and path template, or `None` for [`Route::all`].
    pub fn method_and_path(&self) -> Option<(&'static str, &'static str)> {
        self.0.map(|i| (OPERATIONS[i].method, OPERATIONS[i].path))
    }
}

impl fmt::Debug for Route {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.method_and_path() {
            Some((m, p)) => write!(f, "Route({m} {p})"),
            None => f.write_str("Route(all)"),
        }
    }
}

/// Random faults for a route. Each matching request draws one number from the seeded RNG
/// and, in this order, is dropped (`drop_rate`), rate limited (`rate_limit_rate`), or
/// answered with `error_status` (`error_rate`); otherwise it proceeds normally. `latency`
/// delays every matching request (answered or not): the answer leaves no sooner than `latency`
/// after the request arrived.
#[derive(Debug, Clone, PartialEq)]
pub struct FaultSpec {
    /// Probability (0..=1) of answering `error_status`.
    pub error_rate: f64,
    /// Status for injected errors (500, 502 or 503 are typical; any status works).
    pub error_status: u16,
    /// Probability (0..=1) of answering 429 with `Retry-After`.
    pub rate_limit_rate: f64,
    /// `Retry-After` value, in seconds, of injected 429s.
    pub retry_after: u64,
    /// Minimum time from the request's arrival to its answer. A request that passes is processed
    /// meanwhile, as a real server would, so a client that gives up before the answer (a timeout)
    /// may still have changed the mock's state; injected errors and 429s change nothing.
    pub latency: Duration,
    /// Probability (0..=1) of closing the TCP connection without any response.
    pub drop_rate: f64,
}

impl Default for FaultSpec {
    fn default() -> Self {
        FaultSpec {
            error_rate: 0.0,
            error_status: 503,
            rate_limit_rate: 0.0,
            retry_after: 1,
            latency: Duration::ZERO,
            drop_rate: 0.0,
        }
    }
}

impl FaultSpec {
    /// Answers `status` with probability `rate`.
    pub fn errors(rate: f64, status: u16) -> Self {
        FaultSpec {
            error_rate: rate,
            error_status: status,
            ..Self::default()
        }
    }

    /// Answers 429 with `Retry-After: retry_after` with probability `rate`.
    pub fn rate_limited(rate: f64, retry_after: u64) -> Self {
        FaultSpec {
            rate_limit_rate: rate,
            retry_after,
            ..Self::default()
        }
    }

    /// Drops the connection with probability `rate`.
    pub fn dropped(rate: f64) -> Self {
        FaultSpec {
            drop_rate: rate,
            ..Self::default()
        }
    }

    /// Adds a fixed latency.
    pub fn with_latency(mut self, latency: Duration) -> Self {
        self.latency = latency;
        self
    }
}

/// One scripted fault, consumed by the next matching request (see [`Faults::script`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Fault {
    /// Let the request through unchanged.
    Pass,
    /// Answer with this status and a Synerise error body.
    Error(u16),
    /// Answer 429 with `Retry-After` (seconds).
    RateLimit {
        /// `Retry-After` in seconds.
        retry_after: u64,
    },
    /// Close the connection without a response.
    Drop,
    /// Wait, then handle the request normally: unlike a [`FaultSpec::latency`], nothing is
    /// processed before the delay ends, so a later request can be applied first.
    Delay(Duration),
}

/// When a request is processed and answered.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct Timing {
    /// Wait before processing ([`Fault::Delay`]).
    pub(crate) delay: Duration,
    /// Answer no sooner than this after arrival, processing meanwhile ([`FaultSpec::latency`]).
    pub(crate) latency: Duration,
}

/// What the server does with one request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Action {
    Pass,
    Error(u16),
    RateLimit(u64),
    Drop,
}

#[derive(Debug)]
struct FaultState {
    rng: StdRng,
    specs: HashMap<Route, FaultSpec>,
    scripts: HashMap<Route, VecDeque<Fault>>,
    injected: u64,
}

/// Runtime fault configuration of a running mock (see [`SyneriseMock::faults`](crate::SyneriseMock::faults)).
#[derive(Debug, Clone)]
pub struct Faults {
    state: Arc<Mutex<FaultState>>,
}

impl Faults {
    pub(crate) fn new(seed: u64) -> Self {
        Faults {
            state: Arc::new(Mutex::new(FaultState {
                rng: StdRng::seed_from_u64(seed),
                specs: HashMap::new(),
                scripts: HashMap::new(),
                injected: 0,
            })),
        }
    }

    /// Sets (replaces) the random faults of a route.
    pub fn set(&self, route: Route, spec: FaultSpec) {
        lock(&self.state).specs.insert(route, spec);
    }

    /// Removes the random faults and the script of a route.
    pub fn clear(&self, route: &Route) {
        let mut st = lock(&self.state);
        st.specs.remove(route);
        st.scripts.remove(route);
    }

    /// Removes every fault.
    pub fn clear_all(&self) {
        let mut st = lock(&self.state);
        st.specs.clear();
        st.scripts.clear();
    }

    /// Queues faults that the next matching requests consume one by one, before any
    /// random [`FaultSpec`] applies. Deterministic regardless of the seed, e.g.
    /// `[Fault::Error(503), Fault::Pass]` fails exactly the next request of the route.
    pub fn script(&self, route: Route, faults: impl IntoIterator<Item = Fault>) {
        lock(&self.state)
            .scripts
            .entry(route)
            .or_default()
            .extend(faults);
    }

    /// How many scripted faults of `route` are still waiting for a request (see
    /// [`Faults::script`]); `0` once every one was consumed.
    pub fn script_len(&self, route: &Route) -> usize {
        lock(&self.state)
            .scripts
            .get(route)
            .map_or(0, VecDeque::len)
    }

    /// Restarts the fault RNG from `seed`.
    pub fn reseed(&self, seed: u64) {
        lock(&self.state).rng = StdRng::seed_from_u64(seed);
    }

    /// How many requests got an injected error, 429 or drop so far.
    pub fn injected_count(&self) -> u64 {
        lock(&self.state).injected
    }

    /// Decides the fate of a request to operation `index`, before it changes any state.
    pub(crate) fn decide(&self, index: usize) -> (Action, Timing) {
        let mut st = lock(&self.state);
        let own = Route(Some(index));
        let all = Route::all();
        let scripted = st
            .scripts
            .get_mut(&own)
            .and_then(|q| q.pop_front())
            .or_else(|| st.scripts.get_mut(&all).and_then(|q| q.pop_front()));
        let none = Timing::default();
        let (action, timing) = if let Some(fault) = scripted {
            match fault {
                Fault::Pass => (Action::Pass, none),
                Fault::Error(s) => (Action::Error(s), none),
                Fault::RateLimit { retry_after } => (Action::RateLimit(retry_after), none),
                Fault::Drop => (Action::Drop, none),
                Fault::Delay(delay) => (Action::Pass, Timing { delay, ..none }),
            }
        } else {
            let spec = st.specs.get(&own).or_else(|| st.specs.get(&all)).cloned();
            match spec {
                None => (Action::Pass, none),
                Some(spec) => {
                    let r: f64 = st.rng.random();
                    let mut edge = spec.drop_rate;
                    let action = if r < edge {
                        Action::Drop
                    } else {
                        edge += spec.rate_limit_rate;
                        if r < edge {
                            Action::RateLimit(spec.retry_after)
                        } else {
                            edge += spec.error_rate;
                            if r < edge {
                                Action::Error(spec.error_status)
                            } else {
                                Action::Pass
                            }
                        }
                    };
                    let latency = spec.latency;
                    (action, Timing { latency, ..none })
                }
            }
        };
        if action != Action::Pass {
            st.injected += 1;
        }
        (action, timing)
    }
}
