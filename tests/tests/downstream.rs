//! Testing your own code against `synerise-mock`: the pattern to copy into your project.
//!
//! Your application talks to Synerise through a `synerise::Client`. In tests, start the
//! in-memory mock, point the client at it, run your code unchanged, then check two things:
//!
//! - **the store** (`mock.profile_count()`, `mock.profile_by_custom_id(..)`,
//!   `mock.events_for_profile(..)`, …): what Synerise would now hold;
//! - **the journal** (`mock.journal()`): every request exactly as your code sent it — method,
//!   path, query, headers, body and the status the mock answered.
//!
//! The mock enforces what Synerise enforces (tokens and their scopes, `Api-Version: 4.4`, the
//! 1000-item / 1 MB batch limits, one identifier kind per events batch), so a test that passes
//! here exercises the same rules as production. Nothing needs a network or credentials.
//!
//! In your `Cargo.toml`:
//!
//! ```toml
//! [dependencies]
//! synerise = "0.1"
//!
//! [dev-dependencies]
//! synerise-mock = "0.1"
//! tokio = { version = "1", features = ["macros", "rt-multi-thread"] }
//! ```

use std::time::Duration;

use shop::{Customer, import_customers};
use synerise::retry::RetryConfig;
use synerise::{Client, Credentials};
use synerise_mock::{Fault, ProfileRef, Route, SyneriseMock};

/// The application code under test. In a real project this is your crate's own module (for
/// example `src/import.rs`); nothing in it knows about the mock — it gets a `Client` and uses it.
mod shop {
    use futures::stream;
    use serde_json::json;
    use synerise::batch::{BatchOptions, BatchReport};
    use synerise::types::ProfileBatchItem;
    use synerise::{Client, Credentials};

    /// A customer from the shop's database.
    pub struct Customer {
        pub id: u32,
        pub email: String,
        pub first_name: String,
        /// When the customer signed up, ISO 8601.
        pub signed_up: String,
    }

    /// What an import did.
    #[derive(Debug)]
    pub struct ImportSummary {
        pub profiles: BatchReport,
        pub events: BatchReport,
    }

    /// Production code builds its client from configuration; tests build it their own way.
    pub fn client_from_env() -> synerise::Result<Client> {
        let key = std::env::var("SYNERISE_API_KEY").unwrap_or_default();
        Client::builder()
            .credentials(Credentials::workspace_api_key(key))
            .build()
    }

    /// Imports customers as Profiles (customId `shop-<id>`) and records each sign-up as a
    /// `client.register` event at the time it happened. Customers Synerise rejects are left
    /// out of the events and listed in `profiles` of the summary.
    pub async fn import_customers(
        client: &Client,
        customers: &[Customer],
    ) -> synerise::Result<ImportSummary> {
        let profiles = customers.iter().map(|c| ProfileBatchItem {
            custom_id: Some(format!("shop-{}", c.id)),
            email: Some(c.email.clone()),
            first_name: Some(c.first_name.clone()),
            ..Default::default()
        });
        let profiles = client
            .profiles()
            .bulk_upsert(stream::iter(profiles), BatchOptions::default())
            .await?;

        // Only customers whose Profile was accepted get an event (an event for an unknown
        // customId would create a bare Profile).
        let accepted = customers
            .iter()
            .enumerate()
            .filter(|(i, _)| profiles.fate(*i as u64).is_some_and(|f| f.is_accepted()));
        let signups = accepted.map(|(_, c)| {
            json!({
                "type": "registered",
                "action": "client.register",
                "label": "Signed up in the shop",
                "time": c.signed_up,
                "client": { "customId": format!("shop-{}", c.id) },
                "params": { "source": "shop-import" },
            })
        });
        let events = client
            .events()
            .bulk_send(stream::iter(signups), BatchOptions::default())
            .await?;
        Ok(ImportSummary { profiles, events })
    }
}

/// Three customers, as the application would load them.
fn customers() -> Vec<Customer> {
    ["anna", "jan", "ola"]
        .iter()
        .enumerate()
        .map(|(i, name)| Customer {
            id: 100 + i as u32,
            email: format!("{name}@example.com"),
            first_name: name[..1].to_uppercase() + &name[1..],
            signed_up: format!("2024-03-0{}T12:00:00.000Z", i + 1),
        })
        .collect()
}

/// The client the other tests use: as in the first test, plus no backoff between retries.
fn client_for(mock: &SyneriseMock) -> Client {
    Client::builder()
        .base_url(mock.base_url())
        .credentials(Credentials::workspace_api_key(mock.api_key()))
        // No backoff between retries, so tests that inject faults stay fast.
        .retry(RetryConfig::default().base_delay(Duration::ZERO))
        .build()
        .expect("a client")
}

#[tokio::test]
async fn import_creates_profiles_and_signup_events() {
    // 1. Start the mock: an HTTP server on 127.0.0.1 with an ephemeral port, stopped on drop.
    let mock = SyneriseMock::start().await;

    // 2. Point the client at it: the mock's base URL and its Workspace API key
    //    (`mock.api_key()`, the same as `MockConfig::DEFAULT_API_KEY`).
    let client = Client::builder()
        .base_url(mock.base_url())
        .credentials(Credentials::workspace_api_key(mock.api_key()))
        .build()
        .unwrap();

    // 3. Run the application code, unchanged.
    let summary = import_customers(&client, &customers()).await.unwrap();
    assert!(summary.profiles.is_success(), "{}", summary.profiles);
    assert!(summary.events.is_success(), "{}", summary.events);

    // 4a. The store: what Synerise now holds.
    assert_eq!(mock.profile_count(), 3);
    let anna = mock
        .profile_by_custom_id("shop-100")
        .expect("Anna's profile");
    assert_eq!(anna["email"], "anna@example.com");
    assert_eq!(anna["firstName"], "Anna");
    let signups = mock.events_for_profile(ProfileRef::CustomId("shop-101".into()));
    assert_eq!(signups.len(), 1);
    assert_eq!(signups[0].action, "client.register");
    assert_eq!(signups[0].label.as_deref(), Some("Signed up in the shop"));
    assert_eq!(signups[0].params["source"], "shop-import");
    assert_eq!(signups[0].time.to_rfc3339(), "2024-03-02T12:00:00+00:00");

    // 4b. The journal: one login, one request per batch, with the headers Synerise requires.
    let journal = mock.journal();
    let calls: Vec<_> = journal
        .iter()
        .map(|r| (r.method.as_str(), r.path.as_str(), r.status))
        .collect();
    assert_eq!(
        calls,
        [
            ("POST", "/uauth/v2/auth/login/profile", Some(200)),
            ("POST", "/v4/clients/batch", Some(202)),
            ("POST", "/v4/events/batch", Some(202)),
        ]
    );
    let profiles_request = &journal[1];
    assert_eq!(profiles_request.header("api-version"), Some("4.4"));
    assert!(
        profiles_request
            .header("authorization")
            .is_some_and(|h| h.starts_with("Bearer "))
    );
    let sent = profiles_request.json().expect("a JSON body");
    assert_eq!(
        sent[0],
        serde_json::json!({ "customId": "shop-100", "email": "anna@example.com", "firstName": "Anna" })
    );
    // The client gives each event an `eventSalt`, so a re-run overwrites instead of duplicating.
    let events = journal[2].json().unwrap();
    assert!(
        events
            .as_array()
            .unwrap()
            .iter()
            .all(|e| e["eventSalt"].is_string())
    );
}

#[tokio::test]
async fn running_the_import_twice_changes_nothing() {
    let mock = SyneriseMock::start().await;
    let client = client_for(&mock);
    import_customers(&client, &customers()).await.unwrap();
    import_customers(&client, &customers()).await.unwrap();

    // Profiles are upserted by customId, and the sign-up events, sent with the same time and the
    // same (deterministic) eventSalt, are overwritten.
    assert_eq!(mock.profile_count(), 3);
    assert_eq!(mock.event_count(), 3);
}

#[tokio::test]
async fn a_rejected_customer_is_reported_and_the_others_are_imported() {
    let mock = SyneriseMock::start().await;
    let client = client_for(&mock);
    let mut customers = customers();
    customers[1].email = "not-an-email".into();

    let summary = import_customers(&client, &customers).await.unwrap();

    // The report names the customer Synerise rejected (input position 1) and why.
    let failures: Vec<_> = summary.profiles.server_rejections().to_vec();
    assert_eq!(failures.len(), 1);
    assert_eq!(failures[0].index, Some(1));
    assert_eq!(
        failures[0].message.as_deref(),
        Some("must be a well-formed email address")
    );
    assert!(mock.profile_by_custom_id("shop-101").is_none());
    assert!(mock.profile_by_custom_id("shop-102").is_some());
    // No sign-up event was sent for the rejected customer.
    assert_eq!(summary.events.items_read(), 2);
    assert_eq!(mock.event_count(), 2);
}

#[tokio::test]
async fn the_import_rides_out_a_brief_outage() {
    let mock = SyneriseMock::start().await;
    let client = client_for(&mock);

    // Fault injection: the next profiles batch gets a 503, as during a deployment.
    mock.faults()
        .script(Route::new("POST", "/v4/clients/batch"), [Fault::Error(503)]);
    let summary = import_customers(&client, &customers()).await.unwrap();

    assert!(summary.profiles.is_success());
    assert_eq!(mock.profile_count(), 3);
    let statuses: Vec<_> = mock
        .journal()
        .into_iter()
        .filter(|r| r.path == "/v4/clients/batch")
        .map(|r| r.status)
        .collect();
    assert_eq!(statuses, [Some(503), Some(202)], "the client retried once");
}

#[test]
fn production_code_builds_its_own_client() {
    // The application's own constructor still works; the tests above just don't use it.
    let client = shop::client_from_env().unwrap();
    assert_eq!(client.base_url(), "https://api.synerise.com");
}
