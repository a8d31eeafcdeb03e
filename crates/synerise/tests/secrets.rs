//! No secret ever shows: `Debug`/`Display` of the client, its builder, every credentials type and
//! every error variant, and everything `tracing` records at TRACE while every flow runs.

mod auth_support;

use std::time::Duration;

use auth_support::*;
use base64::Engine;
use serde_json::json;
use synerise::auth::{
    IdentityProvider, MfaCode, MfaMethod, ProfileCredentials, UserCredentials, UserLoginStep,
};
use synerise::{ApiErrorBody, Client, Credentials, Error};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

const WS_KEY: &str = "ws-secret-key-1";
const BASIC_KEY: &str = "basic-secret-key-2";
const USER_PASS: &str = "user-secret-pass-3";
const PROFILE_KEY: &str = "profile-secret-key-4";
const PROFILE_PASS: &str = "profile-secret-pass-5";
const IDP_TOKEN: &str = "idp-secret-token-6";
const STATIC_TOKEN: &str = "static-secret-token-7";
const INITIAL_TOKEN: &str = "initial-secret-token-8";
const TRACKER_KEY: &str = "tracker-secret-key-9";
const MFA_CODE: &str = "mfa-secret-code-10";
const WORKSPACE: &str = "0b2f6c4e-7a51-4c44-9d7e-2d7a3c1f9a10";

/// Secrets plus the tokens the server hands out in a test.
fn all_secrets(tokens: &[&str]) -> Vec<String> {
    let mut secrets: Vec<String> = [
        WS_KEY,
        BASIC_KEY,
        USER_PASS,
        PROFILE_KEY,
        PROFILE_PASS,
        IDP_TOKEN,
        STATIC_TOKEN,
        INITIAL_TOKEN,
        TRACKER_KEY,
        MFA_CODE,
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    secrets.push(base64::engine::general_purpose::STANDARD.encode(format!("guid:{BASIC_KEY}")));
    for token in tokens {
        secrets.push(token.to_string());
        // The signature part alone is secret enough to matter.
        secrets.push(token.rsplit('.').next().unwrap().to_string());
    }
    secrets
}

fn assert_clean(what: &str, text: &str, secrets: &[String]) {
    for secret in secrets {
        assert!(
            !text.contains(secret.as_str()),
            "{what} leaks `{secret}`:\n{text}"
        );
    }
}

fn check_debug<T: std::fmt::Debug>(what: &str, value: &T, secrets: &[String]) {
    assert_clean(what, &format!("{value:?}"), secrets);
    assert_clean(what, &format!("{value:#?}"), secrets);
}

fn check_error(what: &str, err: &Error, secrets: &[String]) {
    check_debug(what, err, secrets);
    assert_clean(what, &err.to_string(), secrets);
    let mut source = std::error::Error::source(err);
    while let Some(s) = source {
        assert_clean(what, &format!("{s} / {s:?}"), secrets);
        source = s.source();
    }
}

fn user() -> UserCredentials {
    UserCredentials::new("me@example.com", USER_PASS)
        .device_id("dev")
        .workspace(WORKSPACE.parse().unwrap())
        .mfa(|_| async { Ok(MfaCode::totp(MFA_CODE)) })
}

fn profile() -> ProfileCredentials {
    ProfileCredentials::new(PROFILE_KEY, IdentityProvider::Google)
        .identity_provider_token(IDP_TOKEN)
        .email("jane@example.com")
        .password(PROFILE_PASS)
        .custom_id("card-1")
}

fn every_credentials() -> Vec<(&'static str, Credentials)> {
    vec![
        ("workspace key", Credentials::workspace_api_key(WS_KEY)),
        (
            "workspace key with token",
            Credentials::workspace_api_key(WS_KEY).with_token(INITIAL_TOKEN),
        ),
        ("basic", Credentials::workspace_basic("guid", BASIC_KEY)),
        ("user", Credentials::user(user())),
        ("profile", Credentials::profile(profile())),
        (
            "conditional profile",
            Credentials::profile(profile().conditional()),
        ),
        (
            "anonymous profile",
            Credentials::profile(ProfileCredentials::anonymous(PROFILE_KEY, "uuid-1")),
        ),
        ("static", Credentials::token(STATIC_TOKEN)),
    ]
}

#[test]
fn credentials_clients_and_builders_never_print_secrets() {
    let secrets = all_secrets(&[]);
    for (name, creds) in every_credentials() {
        check_debug(name, &creds, &secrets);
        let builder = Client::builder()
            .base_url("http://127.0.0.1:9")
            .credentials(creds)
            .tracker_key(TRACKER_KEY);
        check_debug(&format!("builder with {name}"), &builder, &secrets);
        let client = builder.build().unwrap();
        check_debug(&format!("client with {name}"), &client, &secrets);
    }
    check_debug("user credentials", &user(), &secrets);
    check_debug("profile credentials", &profile(), &secrets);
    check_debug("MFA code", &MfaCode::totp(MFA_CODE), &secrets);
    check_debug(
        "MFA code",
        &MfaCode::new(MfaMethod::Email, MFA_CODE),
        &secrets,
    );
    // The redaction is visible, not silent.
    assert!(format!("{:?}", MfaCode::totp(MFA_CODE)).contains("[redacted]"));
    assert!(format!("{:?}", user()).contains("[redacted]"));
}

#[tokio::test]
async fn user_sessions_and_pending_logins_never_print_secrets() {
    let server = MockServer::start().await;
    let pending = jwt("pending");
    let verified = jwt("verified");
    let selected = jwt("selected");
    Mock::given(method("POST"))
        .and(path("/uauth/auth/login/user"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(json!({ "token": pending, "mfaMethods": ["TOTP_AUTHENTICATOR"] })),
        )
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/uauth/auth/login/user/mfa/verification"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({ "token": verified })))
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path(format!("/uauth/auth/login/user/profile/{WORKSPACE}")))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({ "token": selected })))
        .mount(&server)
        .await;
    let secrets = all_secrets(&[&pending, &verified, &selected]);
    let client = builder(&server).build().unwrap();
    let step = client.login_user(user()).await.unwrap();
    check_debug("login step", &step, &secrets);
    let UserLoginStep::MfaRequired(p) = step else {
        panic!("expected MFA")
    };
    check_debug("pending MFA", &p, &secrets);
    check_debug("challenge", p.challenge(), &secrets);
    let session = client.verify_mfa(p, MfaCode::totp(MFA_CODE)).await.unwrap();
    check_debug("session", &session, &secrets);
    check_debug(
        "session credentials",
        &Credentials::user_session(session),
        &secrets,
    );
}

#[tokio::test]
async fn every_error_variant_is_free_of_secrets() {
    let secrets = all_secrets(&[]);
    // A login refusal whose body echoes the key in the message and as a rejected value.
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/uauth/v2/auth/login/profile"))
        .respond_with(ResponseTemplate::new(400).set_body_json(json!({
            "status": 400, "error": "Bad Request", "message": format!("API key {WS_KEY} is not valid"),
            "errors": [{ "field": "apiKey", "message": format!("unknown key {WS_KEY}"), "rejectedValue": WS_KEY }]
        })))
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/uauth/auth/login/user"))
        .respond_with(
            ResponseTemplate::new(401).set_body_string(format!("bad password {USER_PASS}")),
        )
        .mount(&server)
        .await;
    let client = client(&server, Credentials::workspace_api_key(WS_KEY));
    let refused = client
        .call(client.api().get_bags().send())
        .await
        .unwrap_err();
    assert!(matches!(refused, Error::Auth { .. }), "{refused:?}");
    check_error("refused workspace login", &refused, &secrets);
    let user_client = self::client(&server, Credentials::user(user()));
    let refused_user = user_client
        .call(user_client.api().get_bags().send())
        .await
        .unwrap_err();
    check_error("refused user login", &refused_user, &secrets);

    // A connection error to a URL carrying the tracker key.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!(
        "http://{}/?token={TRACKER_KEY}",
        listener.local_addr().unwrap()
    );
    drop(listener);
    let transport = Error::from_reqwest(reqwest::Client::new().get(url).send().await.unwrap_err());
    assert!(matches!(transport, Error::Transport(_)));
    check_error("transport", &transport, &secrets);

    let body = || Box::new(ApiErrorBody::parse(br#"{"message":"nope"}"#));
    let others = vec![
        Error::Auth {
            message: "rejected".into(),
            status: Some(reqwest::StatusCode::UNAUTHORIZED),
            body: Some(body()),
        },
        Error::RateLimited {
            retry_after: Some(Duration::from_secs(3)),
            body: body(),
        },
        Error::Timeout {
            after: Some(Duration::from_secs(1)),
        },
        Error::Timeout { after: None },
        Error::Api {
            status: reqwest::StatusCode::BAD_GATEWAY,
            body: body(),
        },
        Error::Decode {
            status: Some(reqwest::StatusCode::OK),
            body: "{".into(),
            source: serde_json::from_str::<serde_json::Value>("{").unwrap_err(),
        },
        Error::Config("bad base URL".into()),
        Error::Page {
            page: 2,
            source: Box::new(Error::Timeout { after: None }),
        },
        Error::PaginationLoop("same cursor twice".into()),
    ];
    for err in &others {
        check_error("constructed error", err, &secrets);
    }
    // `Error::Batch` holds a `BatchItemError`, which has no public constructor; its formatting is
    // covered by the unit test `error::tests::batch_errors_format` (it never holds a secret).
}

#[tokio::test]
async fn tracing_at_trace_level_never_records_secrets() {
    let server = MockServer::start().await;
    let ws_token = jwt("ws");
    let pending = jwt("pending");
    let verified = jwt("verified");
    let selected = jwt("selected");
    let profile_token = jwt_aged("profile-old", 3570, 30);
    let refreshed = jwt("profile-new");
    let answers = vec![
        ("/uauth/v2/auth/login/profile".to_string(), ws_token.clone()),
        (
            "/uauth/auth/login/user/mfa/verification".to_string(),
            verified.clone(),
        ),
        (
            format!("/uauth/auth/login/user/profile/{WORKSPACE}"),
            selected.clone(),
        ),
        (
            "/sauth/v3/auth/refresh/client".to_string(),
            refreshed.clone(),
        ),
        ("/sauth/v3/auth/login/client".to_string(), refreshed.clone()),
    ];
    for (at, token) in &answers {
        Mock::given(method("POST"))
            .and(path(at.as_str()))
            .respond_with(ResponseTemplate::new(200).set_body_json(json!({ "token": token })))
            .mount(&server)
            .await;
    }
    Mock::given(method("POST"))
        .and(path("/uauth/auth/login/user"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(json!({ "token": pending, "mfaMethods": ["TOTP_AUTHENTICATOR"] })),
        )
        .mount(&server)
        .await;
    // Data calls: a 503 first (a retry), then success; a 401 for the static token.
    Mock::given(method("GET"))
        .and(path("/catalogs/bags"))
        .respond_with(ResponseTemplate::new(503))
        .up_to_n_times(1)
        .with_priority(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/catalogs/bags"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({ "data": [] })))
        .with_priority(2)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/v4/clients/batch"))
        .respond_with(ResponseTemplate::new(202))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/uauth/business-profile/current"))
        .respond_with(ResponseTemplate::new(401))
        .mount(&server)
        .await;

    let secrets = all_secrets(&[
        &ws_token,
        &pending,
        &verified,
        &selected,
        &profile_token,
        &refreshed,
    ]);
    let (captured, guard) = capture_tracing();
    let flows = vec![
        Credentials::workspace_api_key(WS_KEY),
        Credentials::workspace_basic("guid", BASIC_KEY),
        Credentials::user(user()),
        Credentials::profile(profile().clone()).with_token(profile_token.clone()),
        Credentials::profile(ProfileCredentials::anonymous(PROFILE_KEY, "uuid-1")),
        Credentials::token(STATIC_TOKEN),
    ];
    for creds in flows {
        let client = builder(&server)
            .credentials(creds)
            .tracker_key(TRACKER_KEY)
            .build()
            .unwrap();
        let _ = client.call(client.api().get_bags().send()).await;
        let _ = client
            .send_json(
                "batch_add_or_update_clients",
                "/v4/clients/batch",
                bytes::Bytes::from(format!(r#"[{{"email":"x@y.z","note":"{}"}}]"#, "payload")),
            )
            .await;
        let _ = client
            .call(client.api().get_current_business_profile_using_get().send())
            .await;
        let _ = client.access_token().await;
        tracing::debug!(client = ?client, "client state");
    }
    drop(guard);
    let log = captured.text();
    assert!(
        log.contains("synerise.request"),
        "spans were recorded:\n{log}"
    );
    assert!(log.contains("retrying Synerise request"), "{log}");
    assert!(
        log.contains("request body"),
        "bodies are logged at TRACE for data calls:\n{log}"
    );
    if std::env::var_os("DUMP_TRACE").is_some() {
        eprintln!("{log}");
    }
    assert_clean("TRACE log", &log, &secrets);
}
