//! Fault-injection soak of the bulk uploader (issue #8): 100,000 Profiles and 20,000 events
//! uploaded to the in-process `synerise-mock` while it fails 10 % of the batch requests with
//! `503`, answers 5 % with `429` + `Retry-After` and drops 2 % of the connections without an
//! answer. The run checks, and prints:
//!
//! * requests sent on the wire (retries included) against the minimum, ⌈items / 1000⌉;
//! * that the report accounts for every item (accepted + failed + not sent = items, and every
//!   input position has a fate);
//! * that the mock's store holds exactly the Profiles sent, each once, and exactly the events sent
//!   per Profile with no duplicate — also after the whole event import is run a second time, which
//!   only the deterministic `eventSalt` keeps from doubling the store;
//! * that no request was cut short by the retry budget (see [`Soak::retry_config`]).
//!
//! ```text
//! cargo run --release -p synerise --example fault_soak
//! cargo run --release -p synerise --example fault_soak -- --profiles 100000 --events 20000 --seed 10 --concurrency 4
//! ```
//!
//! It exits with status 1 when a check fails. The CI-size run of the same scenarios (20,000
//! Profiles, 5,000 events, no backoff) is `tests/tests/fault_injection.rs`, which includes this
//! file.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::fmt;
use std::time::{Duration, Instant};

use futures::stream;
use serde_json::{Value, json};
use synerise::batch::{BatchOptions, BatchReport, DEFAULT_MAX_ITEMS};
use synerise::retry::{
    DEFAULT_BUDGET_CAPACITY, DEFAULT_MAX_RETRIES, DEFAULT_RETRY_COST, RetryConfig,
};
use synerise::{Client, Credentials};
use synerise_mock::{Fault, FaultSpec, MockConfig, ProfileRef, Route, StoreMode, SyneriseMock};

/// The Profiles batch endpoint.
pub const PROFILES_PATH: &str = "/v4/clients/batch";
/// The events batch endpoint.
pub const EVENTS_PATH: &str = "/v4/events/batch";

/// Share of attempts that fail: 10 % `503` + 5 % `429` + 2 % dropped.
pub const FAULT_RATE: f64 = 0.10 + 0.05 + 0.02;

/// The storm of issue #8, for one batch route. The mock draws one number per request from its
/// seeded RNG and decides before touching any state, so a failed or dropped request changes
/// nothing on the server.
pub fn storm(retry_after_secs: u64) -> FaultSpec {
    FaultSpec {
        error_rate: 0.10,
        error_status: 503,
        rate_limit_rate: 0.05,
        retry_after: retry_after_secs,
        latency: Duration::ZERO,
        drop_rate: 0.02,
    }
}

/// How one soak runs.
#[derive(Debug, Clone)]
pub struct Soak {
    /// Seed of the mock (fault RNG).
    pub seed: u64,
    /// Requests in flight per upload. With 1, which requests get which fault is fully
    /// determined by the seed; with more it depends on the arrival order.
    pub concurrency: usize,
    /// `Retry-After` of the injected `429`s, in seconds (0: retry at once).
    pub retry_after_secs: u64,
    /// Backoff jitter pinned to 0, so that retries wait only for `Retry-After` (the CI run).
    pub zero_backoff: bool,
    /// How many times items that still failed are sent again, as a caller would from the report
    /// (0: failures stay failures).
    pub resend_rounds: u32,
    /// Script one fault of each kind (dropped, `429`, `503`, each followed by a pass) at the start
    /// of every upload, so that a small run meets every kind whatever the seed draws.
    pub one_of_each: bool,
}

impl Soak {
    /// The full-size run: the client's default policy, concurrency and `Retry-After: 1`.
    pub fn full(seed: u64) -> Soak {
        Soak {
            seed,
            concurrency: synerise::batch::DEFAULT_CONCURRENCY,
            retry_after_secs: 1,
            zero_backoff: false,
            resend_rounds: 3,
            one_of_each: false,
        }
    }

    /// The retry policy of the run: the default one (3 retries, 0.5 s base, 20 s cap, full jitter,
    /// a 500-token budget, 5 tokens per retry), only with the jitter pinned to 0 for CI.
    ///
    /// Why the default budget of 500 is enough for this storm at any size: tokens are only ever
    /// taken by retries (5 each; no attempt times out here), a retry that succeeds gives its 5
    /// back, and a first-try success adds 1. With a share p = 0.17 of failing attempts, a request
    /// costs on average 5·(p² + p³ + p⁴) ≈ 0.17 tokens net and adds (1 − p) = 0.83, so the bucket
    /// stays full however long the storm lasts; it would only drain at p ≳ 0.31. Each run also
    /// checks the hard bound: the budget cannot be empty before 500 / 5 = 100 retries were
    /// taken, and every request that failed must have failed after all 4 attempts (a request
    /// refused a retry by the budget would show fewer).
    pub fn retry_config(&self) -> RetryConfig {
        let config = RetryConfig::default();
        if self.zero_backoff {
            config.jitter(|| 0.0)
        } else {
            config
        }
    }

    /// A mock with the storm on the batch route `path`.
    pub async fn mock(&self, store: StoreMode, path: &str) -> SyneriseMock {
        let mock =
            SyneriseMock::start_with(MockConfig::default().seed(self.seed).store_mode(store)).await;
        mock.faults()
            .set(Route::new("POST", path), storm(self.retry_after_secs));
        mock
    }

    fn client(&self, mock: &SyneriseMock) -> Client {
        // Basic authentication: no login round trip, so only batch requests meet the faults.
        Client::builder()
            .base_url(mock.base_url())
            .credentials(Credentials::workspace_basic(
                mock.workspace_guid(),
                mock.api_key(),
            ))
            .retry(self.retry_config())
            .build()
            .expect("a client for the mock")
    }

    fn options(&self) -> BatchOptions {
        BatchOptions::default().concurrency(self.concurrency)
    }
}

/// Profile number `i`.
pub fn profile(i: u64) -> Value {
    const CITIES: [&str; 4] = ["Kraków", "Warszawa", "Gdańsk", "Poznań"];
    json!({
        "customId": format!("soak-{i}"),
        "email": format!("soak-{i}@example.com"),
        "firstName": "Soak",
        "lastName": format!("Profile {i}"),
        "city": CITIES[(i % 4) as usize],
        "attributes": { "n": i },
    })
}

/// The Profile event number `i` belongs to, among `profiles`.
pub fn event_owner(i: u64, profiles: u64) -> u64 {
    i % profiles
}

/// Event number `i`, for one of `profiles` Profiles, with an explicit time (2025-01-01 plus `i`
/// milliseconds) and no `eventSalt`: the uploader derives the salt from the event, so the same
/// event gets the same salt in any run.
pub fn event(i: u64, profiles: u64) -> Value {
    let ms = i % 1000;
    let s = i / 1000;
    json!({
        "type": "custom",
        "action": "soak.event",
        "label": format!("Soak event {i}"),
        "client": { "customId": format!("ev-{}", event_owner(i, profiles)) },
        "time": format!("2025-01-01T{:02}:{:02}:{:02}.{ms:03}Z", s / 3600, s / 60 % 60, s % 60),
        "params": { "n": i },
    })
}

/// One fault of each kind, each followed by a pass (so no body meets two of them in a row when
/// requests go one at a time).
pub fn one_of_each(retry_after_secs: u64) -> [Fault; 6] {
    [
        Fault::Drop,
        Fault::Pass,
        Fault::RateLimit {
            retry_after: retry_after_secs,
        },
        Fault::Pass,
        Fault::Error(503),
        Fault::Pass,
    ]
}

fn profile_index(item: &Value) -> Option<u64> {
    item["customId"]
        .as_str()?
        .strip_prefix("soak-")?
        .parse()
        .ok()
}

fn event_index(item: &Value) -> Option<u64> {
    item["params"]["n"].as_u64()
}

/// What one upload did: the report's counts and what the mock saw on the wire.
#[derive(Debug, Clone)]
pub struct Pass {
    /// What was uploaded.
    pub label: String,
    /// Items given to the uploader.
    pub items: u64,
    /// Items accepted.
    pub accepted: u64,
    /// Items whose request failed or that the server rejected.
    pub failed: u64,
    /// Items not sent.
    pub not_sent: u64,
    /// Request bodies the uploader built.
    pub bodies: u64,
    /// ⌈items / 1000⌉.
    pub minimum: u64,
    /// Requests the mock received on the batch route, retries included.
    pub sent: u64,
    /// Those requests by outcome: a status, or `dropped`.
    pub outcomes: BTreeMap<String, u64>,
    /// Most attempts the mock saw for one body.
    pub max_attempts: u64,
    /// Bodies that failed after all `DEFAULT_MAX_RETRIES + 1` attempts.
    pub gave_up: u64,
    /// Bodies that failed with fewer attempts: a retry refused by the budget (must be 0).
    pub cut_short: u64,
    /// Input positions of the items that were not accepted.
    pub failed_items: Vec<u64>,
    /// Wall-clock time of the upload.
    pub elapsed: Duration,
}

impl Pass {
    /// Retries: requests on the wire beyond one per body.
    pub fn retries(&self) -> u64 {
        self.sent.saturating_sub(self.bodies)
    }
}

impl fmt::Display for Pass {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "{}: {} items: {} accepted + {} failed + {} not sent = {}",
            self.label,
            self.items,
            self.accepted,
            self.failed,
            self.not_sent,
            self.accepted + self.failed + self.not_sent
        )?;
        let outcomes: Vec<String> = self
            .outcomes
            .iter()
            .map(|(k, v)| format!("{v}× {k}"))
            .collect();
        writeln!(
            f,
            "  requests sent: {} for {} bodies; minimum needed {} (= ⌈{} / {}⌉); {:.2}× the minimum [{}]",
            self.sent,
            self.bodies,
            self.minimum,
            self.items,
            DEFAULT_MAX_ITEMS,
            self.sent as f64 / self.minimum.max(1) as f64,
            outcomes.join(", ")
        )?;
        writeln!(
            f,
            "  retries: {} (at most {} attempts for one body); bodies given up after {} attempts: {}; cut short by the retry budget: {}",
            self.retries(),
            self.max_attempts,
            DEFAULT_MAX_RETRIES + 1,
            self.gave_up,
            self.cut_short
        )?;
        write!(f, "  time: {:.2} s", self.elapsed.as_secs_f64())
    }
}

/// Checks that `report` accounts for every one of `n` items; returns what is wrong.
pub fn accounting_errors(report: &BatchReport, n: u64) -> Vec<String> {
    let mut errors = Vec::new();
    if report.items_read() != n || !report.input_exhausted() {
        errors.push(format!(
            "the uploader read {} of {n} items (input exhausted: {})",
            report.items_read(),
            report.input_exhausted()
        ));
    }
    let sum = report.accepted() + report.rejected() + report.not_sent();
    if sum != n {
        errors.push(format!(
            "accepted {} + failed {} + not sent {} = {sum}, not {n}",
            report.accepted(),
            report.rejected(),
            report.not_sent()
        ));
    }
    let mut accepted = 0;
    let mut unknown = 0;
    for i in 0..n {
        match report.fate(i) {
            Some(fate) if fate.is_accepted() => accepted += 1,
            Some(_) => {}
            None => unknown += 1,
        }
    }
    if unknown > 0 {
        errors.push(format!("{unknown} items have no fate in the report"));
    }
    if accepted != report.accepted() {
        errors.push(format!(
            "{accepted} items have the fate `Accepted`, but the report counts {}",
            report.accepted()
        ));
    }
    if report.failures().count() as u64 != n - report.accepted() {
        errors.push("the failures listed do not match the counts".into());
    }
    errors
}

/// One upload job: where it sends, and how items are made and recognised in a body.
struct Job<'a, F> {
    soak: &'a Soak,
    mock: &'a SyneriseMock,
    client: Client,
    path: &'static str,
    /// Item number `i`.
    make: F,
    /// The item number of an item in a body.
    index_of: fn(&Value) -> Option<u64>,
}

impl<F: Fn(u64) -> Value> Job<'_, F> {
    /// Uploads the items at input positions `indices`, then reads the mock's journal for the route
    /// to count requests per body (a retry resends the same bytes).
    async fn upload(&self, label: String, indices: &[u64], errors: &mut Vec<String>) -> Pass {
        let Job {
            soak,
            mock,
            client,
            path,
            make,
            index_of,
        } = self;
        let (path, index_of) = (*path, *index_of);
        mock.clear_journal();
        if soak.one_of_each {
            mock.faults()
                .script(Route::new("POST", path), one_of_each(soak.retry_after_secs));
        }
        let items = stream::iter(indices.iter().map(|&i| make(i)));
        let started = Instant::now();
        let report = if path == PROFILES_PATH {
            client.profiles().bulk_upsert(items, soak.options()).await
        } else {
            client.events().bulk_send(items, soak.options()).await
        }
        .expect("valid batch options");
        let elapsed = started.elapsed();
        let n = indices.len() as u64;
        errors.extend(
            accounting_errors(&report, n)
                .into_iter()
                .map(|e| format!("{label}: {e}")),
        );

        let mut outcomes = BTreeMap::new();
        let mut attempts: HashMap<u64, u64> = HashMap::new();
        let mut sent = 0;
        for request in mock.journal() {
            if request.method != "POST" || request.path != path {
                continue;
            }
            sent += 1;
            let outcome = request
                .status
                .map_or_else(|| "dropped".to_string(), |s| s.to_string());
            *outcomes.entry(outcome).or_insert(0) += 1;
            let first = request
                .json()
                .and_then(|body| body.get(0).and_then(index_of))
                .expect("a batch body of indexed items");
            *attempts.entry(first).or_insert(0) += 1;
        }
        for status in outcomes.keys() {
            if !["202", "503", "429", "dropped"].contains(&status.as_str()) {
                errors.push(format!("{label}: unexpected outcome {status} on the wire"));
            }
        }

        let mut max_attempts = 0;
        let (mut gave_up, mut cut_short) = (0, 0);
        for request in report.requests() {
            let first = request.items.iter().next().expect("a body has items");
            let tries = attempts.get(&indices[first as usize]).copied().unwrap_or(0);
            max_attempts = max_attempts.max(tries);
            if request.failed() {
                if tries == u64::from(DEFAULT_MAX_RETRIES) + 1 {
                    gave_up += 1;
                } else {
                    cut_short += 1;
                }
            }
        }
        if cut_short > 0 {
            errors.push(format!(
                "{label}: {cut_short} requests failed before {} attempts (retry budget exhausted?)",
                DEFAULT_MAX_RETRIES + 1
            ));
        }
        let failed_items = report
            .failures()
            .map(|(i, _)| indices[i as usize])
            .collect();
        Pass {
            label,
            items: n,
            accepted: report.accepted(),
            failed: report.rejected(),
            not_sent: report.not_sent(),
            bodies: report.requests().len() as u64,
            minimum: n.div_ceil(DEFAULT_MAX_ITEMS as u64),
            sent,
            outcomes,
            max_attempts,
            gave_up,
            cut_short,
            failed_items,
            elapsed,
        }
    }

    /// Uploads `indices`, then sends what failed again, up to `soak.resend_rounds` times.
    async fn upload_with_resends(
        &self,
        label: &str,
        indices: &[u64],
        errors: &mut Vec<String>,
    ) -> Vec<Pass> {
        let mut passes = vec![self.upload(label.to_string(), indices, errors).await];
        for round in 1..=self.soak.resend_rounds {
            let failed = passes.last().expect("a pass").failed_items.clone();
            if failed.is_empty() {
                break;
            }
            let label = format!(
                "{label}, resending the {} failed items (round {round})",
                failed.len()
            );
            passes.push(self.upload(label, &failed, errors).await);
        }
        let left = passes.last().expect("a pass").failed_items.len();
        if left > 0 {
            errors.push(format!("{label}: {left} items still failed at the end"));
        }
        passes
    }
}

/// The Profiles part of a soak.
#[derive(Debug)]
pub struct ProfilesRun {
    /// The faults and the retry policy of the run, and what they let expect.
    pub policy: String,
    /// The upload, then any resend rounds.
    pub passes: Vec<Pass>,
    /// Profiles sent.
    pub items: u64,
    /// Profiles in the mock's store.
    pub stored: usize,
    /// Distinct clientIds the sent customIds resolve to.
    pub distinct: usize,
    /// customIds sent but not in the store.
    pub missing: u64,
    /// Everything that failed a check (empty: the run passed).
    pub errors: Vec<String>,
}

/// The events part of a soak.
#[derive(Debug)]
pub struct EventsRun {
    /// The faults and the retry policy of the run, and what they let expect.
    pub policy: String,
    /// The first import (and its resend rounds), then the whole import again with a new client.
    pub passes: Vec<Pass>,
    /// Events sent (each one twice: two imports).
    pub items: u64,
    /// Profiles the events belong to.
    pub profiles: u64,
    /// Events in the mock's store.
    pub stored: usize,
    /// Profiles whose stored events differ in number from the events sent for them.
    pub mismatched_profiles: u64,
    /// Stored events with the same `eventSalt` as another of the same Profile.
    pub duplicates: u64,
    /// Stored events without an `eventSalt` from this client.
    pub unsalted: u64,
    /// Everything that failed a check (empty: the run passed).
    pub errors: Vec<String>,
}

fn budget_line(passes: &[Pass]) -> String {
    let retries: u64 = passes.iter().map(Pass::retries).sum();
    let cost = u64::from(DEFAULT_RETRY_COST);
    format!(
        "retry budget: {retries} retries took at most {} of {} tokens (it cannot run dry before {} retries); {} requests cut short by it",
        retries * cost,
        DEFAULT_BUDGET_CAPACITY,
        u64::from(DEFAULT_BUDGET_CAPACITY) / cost,
        passes.iter().map(|p| p.cut_short).sum::<u64>()
    )
}

fn policy_line(soak: &Soak, bodies: u64) -> String {
    let attempts = DEFAULT_MAX_RETRIES + 1;
    let p = FAULT_RATE.powi(attempts as i32);
    format!(
        "faults per attempt: 10% 503, 5% 429 (Retry-After: {} s), 2% dropped = {:.0}% failing; seed {}, concurrency {}, {}{}\n\
         policy: {} attempts per body, so a body fails with p = {:.2}^{} = {:.1e}; expected failed bodies here: {:.3}{}",
        soak.retry_after_secs,
        FAULT_RATE * 100.0,
        soak.seed,
        soak.concurrency,
        if soak.zero_backoff {
            "no backoff (jitter 0)"
        } else {
            "default backoff (0.5 s base, full jitter)"
        },
        if soak.one_of_each {
            "; each upload starts with a scripted drop, 429 and 503 (each followed by a pass)"
        } else {
            ""
        },
        attempts,
        FAULT_RATE,
        attempts,
        p,
        p * bodies as f64,
        if soak.resend_rounds > 0 {
            format!(
                "; failed items are sent again from the report, up to {} round(s)",
                soak.resend_rounds
            )
        } else {
            "; failed items are not sent again".to_string()
        }
    )
}

impl fmt::Display for ProfilesRun {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "{}", self.policy)?;
        for pass in &self.passes {
            writeln!(f, "{pass}")?;
        }
        writeln!(f, "  {}", budget_line(&self.passes))?;
        write!(
            f,
            "  store: {} Profiles; the {} customIds sent resolve to {} distinct Profiles, {} missing",
            self.stored, self.items, self.distinct, self.missing
        )
    }
}

impl fmt::Display for EventsRun {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "{}", self.policy)?;
        for pass in &self.passes {
            writeln!(f, "{pass}")?;
        }
        writeln!(f, "  {}", budget_line(&self.passes))?;
        write!(
            f,
            "  store: {} events (sent {} twice) for {} Profiles; Profiles whose event count differs from what was sent: {}; duplicates: {}; events without an sdk eventSalt: {}",
            self.stored,
            self.items,
            self.profiles,
            self.mismatched_profiles,
            self.duplicates,
            self.unsalted
        )
    }
}

/// Uploads `n` Profiles through the storm and checks the store and the report.
pub async fn profiles(soak: &Soak, n: u64) -> ProfilesRun {
    // Counters and identifier maps only: 100,000 full Profiles would take ~200 MB.
    let mock = soak.mock(StoreMode::CountOnly, PROFILES_PATH).await;
    profiles_on(soak, &mock, n).await
}

/// [`profiles`] on a mock made by [`Soak::mock`] (e.g. with more faults scripted).
pub async fn profiles_on(soak: &Soak, mock: &SyneriseMock, n: u64) -> ProfilesRun {
    let policy = policy_line(soak, n.div_ceil(DEFAULT_MAX_ITEMS as u64));
    let mut errors = Vec::new();
    let indices: Vec<u64> = (0..n).collect();
    let job = Job {
        soak,
        mock,
        client: soak.client(mock),
        path: PROFILES_PATH,
        make: profile,
        index_of: profile_index,
    };
    let passes = job
        .upload_with_resends("profiles", &indices, &mut errors)
        .await;

    let stored = mock.profile_count();
    let mut ids = HashSet::new();
    let mut missing = 0;
    for i in 0..n {
        match mock.client_id(ProfileRef::CustomId(format!("soak-{i}"))) {
            Some(id) => {
                ids.insert(id);
            }
            None => missing += 1,
        }
    }
    if stored as u64 != n || ids.len() as u64 != n || missing > 0 {
        errors.push(format!(
            "the store holds {stored} Profiles, {} distinct for the {n} sent, {missing} missing",
            ids.len()
        ));
    }
    ProfilesRun {
        policy,
        passes,
        items: n,
        stored,
        distinct: ids.len(),
        missing,
        errors,
    }
}

/// Sends `m` events for `profiles` Profiles through the storm, then the same events again (a
/// restarted import, new client), and checks that the store holds each event once.
pub async fn events(soak: &Soak, m: u64, profiles: u64) -> EventsRun {
    let mock = soak.mock(StoreMode::Full, EVENTS_PATH).await;
    let policy = policy_line(soak, 2 * m.div_ceil(DEFAULT_MAX_ITEMS as u64));
    let mut errors = Vec::new();
    let indices: Vec<u64> = (0..m).collect();
    let job = |client| Job {
        soak,
        mock: &mock,
        client,
        path: EVENTS_PATH,
        make: move |i| event(i, profiles),
        index_of: event_index,
    };
    let mut passes = job(soak.client(&mock))
        .upload_with_resends("events", &indices, &mut errors)
        .await;
    // A new client, as a restarted process would have.
    passes.extend(
        job(soak.client(&mock))
            .upload_with_resends(
                "events again (the same import restarted)",
                &indices,
                &mut errors,
            )
            .await,
    );

    let mut sent_per_profile = vec![0usize; profiles as usize];
    for i in 0..m {
        sent_per_profile[event_owner(i, profiles) as usize] += 1;
    }
    let (mut mismatched, mut duplicates, mut unsalted) = (0, 0, 0);
    for (p, &sent) in sent_per_profile.iter().enumerate() {
        let stored = mock.events_for_profile(ProfileRef::CustomId(format!("ev-{p}")));
        if stored.len() != sent {
            mismatched += 1;
        }
        let mut keys = HashSet::new();
        for event in &stored {
            match &event.event_salt {
                Some(salt) if salt.starts_with("sdk1-") => {
                    if !keys.insert((event.time, salt.clone())) {
                        duplicates += 1;
                    }
                }
                _ => unsalted += 1,
            }
        }
    }
    let stored = mock.event_count();
    if stored as u64 != m || mismatched > 0 || duplicates > 0 || unsalted > 0 {
        errors.push(format!(
            "the store holds {stored} events for {m} sent; {mismatched} Profiles with another count, {duplicates} duplicates, {unsalted} unsalted"
        ));
    }
    EventsRun {
        policy,
        passes,
        items: m,
        profiles,
        stored,
        mismatched_profiles: mismatched,
        duplicates,
        unsalted,
        errors,
    }
}

fn arg(args: &[String], name: &str, default: u64) -> u64 {
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1))
        .map(|v| {
            v.replace('_', "")
                .parse()
                .unwrap_or_else(|_| panic!("{name} takes a number, got {v}"))
        })
        .unwrap_or(default)
}

#[tokio::main]
async fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let mut soak = Soak::full(arg(&args, "--seed", 10));
    soak.concurrency = arg(&args, "--concurrency", soak.concurrency as u64) as usize;
    let n = arg(&args, "--profiles", 100_000);
    let m = arg(&args, "--events", 20_000);
    let event_profiles = arg(&args, "--event-profiles", (m / 40).max(1));

    let started = Instant::now();
    println!("== {n} Profiles ==");
    let profiles_run = profiles(&soak, n).await;
    println!("{profiles_run}\n");
    println!("== {m} events for {event_profiles} Profiles ==");
    let events_run = events(&soak, m, event_profiles).await;
    println!("{events_run}\n");

    let errors: Vec<&String> = profiles_run
        .errors
        .iter()
        .chain(&events_run.errors)
        .collect();
    if errors.is_empty() {
        println!(
            "OK: every item accounted for, {n} distinct Profiles and {m} events stored without duplicates ({:.1} s)",
            started.elapsed().as_secs_f64()
        );
    } else {
        for e in &errors {
            eprintln!("FAILED: {e}");
        }
        std::process::exit(1);
    }
}
