//! Every authentication flow against a loopback server: the exact requests on the wire, and the
//! token obtained is the one the next call sends.

mod auth_support;

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use auth_support::*;
use base64::Engine;
use secrecy::ExposeSecret;
use serde_json::json;
use synerise::auth::{
    IdentityProvider, MfaCode, MfaMethod, ProfileCredentials, UserCredentials, UserLoginStep,
};
use synerise::{Credentials, Error};
use wiremock::matchers::{body_json, header, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

const CURRENT: &str = "/uauth/business-profile/current";
const WORKSPACE: &str = "0b2f6c4e-7a51-4c44-9d7e-2d7a3c1f9a10";

/// Answers the "current Workspace" operation only for `Authorization: Bearer <token>`.
async fn accept_bearer(server: &MockServer, token: &str) {
    Mock::given(method("GET"))
        .and(path(CURRENT))
        .and(header("authorization", format!("Bearer {token}").as_str()))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({ "selected": true })))
        .mount(server)
        .await;
}

async fn current(client: &synerise::Client) -> synerise::Result<synerise::types::CurrentWorkspace> {
    client
        .call(client.api().get_current_business_profile_using_get().send())
        .await
}

/// The auth requests carry JSON, no `Authorization` (unless the flow needs one) and no
/// `Api-Version`.
fn assert_login_shape(request: &wiremock::Request, bearer: Option<&str>) {
    assert_eq!(request.method.as_str(), "POST");
    assert_eq!(
        header_of(request, "authorization").as_deref(),
        bearer.map(|t| format!("Bearer {t}")).as_deref()
    );
    assert!(header_of(request, "api-version").is_none());
}

fn header_of(request: &wiremock::Request, name: &str) -> Option<String> {
    auth_support::header_value(request, name)
}

#[tokio::test]
async fn workspace_api_key_login_and_bearer() {
    let server = MockServer::start().await;
    let token = jwt("workspace");
    Mock::given(method("POST"))
        .and(path("/uauth/v2/auth/login/profile"))
        .and(body_json(json!({ "apiKey": "ws-key-1" })))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({ "token": token })))
        .expect(1)
        .mount(&server)
        .await;
    accept_bearer(&server, &token).await;

    let client = client(&server, Credentials::workspace_api_key("ws-key-1"));
    assert_eq!(current(&client).await.unwrap().selected, Some(true));
    assert_eq!(current(&client).await.unwrap().selected, Some(true));

    let logins = requests_to(&server, "POST", "/uauth/v2/auth/login/profile").await;
    assert_eq!(logins.len(), 1, "the token is reused");
    assert_login_shape(&logins[0], None);
    assert_eq!(
        header_of(&logins[0], "content-type").as_deref(),
        Some("application/json")
    );
    assert_eq!(requests_to(&server, "GET", CURRENT).await.len(), 2);
    assert_eq!(
        client
            .access_token()
            .await
            .unwrap()
            .unwrap()
            .expose_secret(),
        token
    );
}

#[tokio::test]
async fn workspace_basic_auth_sends_the_key_on_every_request_without_login() {
    let server = MockServer::start().await;
    let expected = format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD.encode("guid-1:basic-key")
    );
    Mock::given(method("GET"))
        .and(path(CURRENT))
        .and(header("authorization", expected.as_str()))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({ "selected": false })))
        .expect(2)
        .mount(&server)
        .await;
    let client = client(&server, Credentials::workspace_basic("guid-1", "basic-key"));
    current(&client).await.unwrap();
    current(&client).await.unwrap();
    assert_eq!(
        server.received_requests().await.unwrap().len(),
        2,
        "no login request"
    );
    assert!(client.access_token().await.unwrap().is_none());
}

#[tokio::test]
async fn basic_auth_rejection_is_an_auth_error_without_retry() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(CURRENT))
        .respond_with(ResponseTemplate::new(401))
        .expect(1)
        .mount(&server)
        .await;
    let client = client(&server, Credentials::workspace_basic("guid-1", "basic-key"));
    match current(&client).await {
        Err(Error::Auth {
            status, message, ..
        }) => {
            assert_eq!(status.map(|s| s.as_u16()), Some(401));
            assert!(message.contains("Basic"), "{message}");
        }
        other => panic!("expected an auth error, got {other:?}"),
    }
}

async fn mount_user_login(server: &MockServer, answer: serde_json::Value) {
    Mock::given(method("POST"))
        .and(path("/uauth/auth/login/user"))
        .respond_with(ResponseTemplate::new(200).set_body_json(answer))
        .mount(server)
        .await;
}

async fn mount_select(server: &MockServer, with: &str, answer: &str) {
    Mock::given(method("POST"))
        .and(path(format!("/uauth/auth/login/user/profile/{WORKSPACE}")))
        .and(header("authorization", format!("Bearer {with}").as_str()))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(json!({ "token": answer, "consumer": { "type": "USER" } })),
        )
        .expect(1)
        .mount(server)
        .await;
}

#[tokio::test]
async fn user_login_without_mfa_selects_the_workspace() {
    let server = MockServer::start().await;
    let user_token = jwt("user");
    let ws_token = jwt("user-in-workspace");
    mount_user_login(
        &server,
        json!({ "token": user_token, "consumer": { "type": "USER", "id": 7 } }),
    )
    .await;
    mount_select(&server, &user_token, &ws_token).await;
    accept_bearer(&server, &ws_token).await;

    let user = UserCredentials::new("me@example.com", "user-pass-1")
        .device_id("dev-1")
        .workspace(WORKSPACE.parse().unwrap());
    let client = client(&server, Credentials::user(user));
    current(&client).await.unwrap();
    current(&client).await.unwrap();

    let logins = requests_to(&server, "POST", "/uauth/auth/login/user").await;
    assert_eq!(logins.len(), 1);
    assert_login_shape(&logins[0], None);
    assert_eq!(
        json_body(&logins[0]),
        json!({ "username": "me@example.com", "password": "user-pass-1", "deviceId": "dev-1" })
    );
    let select = requests_to(
        &server,
        "POST",
        &format!("/uauth/auth/login/user/profile/{WORKSPACE}"),
    )
    .await;
    assert_login_shape(&select[0], Some(&user_token));
    assert!(select[0].body.is_empty());
}

#[tokio::test]
async fn user_login_with_mfa_callback() {
    let server = MockServer::start().await;
    let pending = jwt("pending");
    let verified = jwt("verified");
    let ws_token = jwt("workspace-selected");
    mount_user_login(
        &server,
        json!({ "token": pending, "mfaMethods": ["TOTP_AUTHENTICATOR"] }),
    )
    .await;
    Mock::given(method("POST"))
        .and(path("/uauth/auth/login/user/mfa/verification"))
        .and(header(
            "authorization",
            format!("Bearer {pending}").as_str(),
        ))
        .and(body_json(
            json!({ "mfaType": "TOTP_AUTHENTICATOR", "verificationCode": "123456" }),
        ))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({ "token": verified })))
        .expect(1)
        .mount(&server)
        .await;
    mount_select(&server, &verified, &ws_token).await;
    accept_bearer(&server, &ws_token).await;

    let prompts = Arc::new(AtomicUsize::new(0));
    let seen = prompts.clone();
    let user = UserCredentials::new("me@example.com", "user-pass-2")
        .workspace(WORKSPACE.parse().unwrap())
        .mfa(move |challenge| {
            seen.fetch_add(1, Ordering::SeqCst);
            assert_eq!(challenge.methods(), &[MfaMethod::Totp]);
            async { Ok(MfaCode::totp("123456")) }
        });
    let client = client(&server, Credentials::user(user));
    current(&client).await.unwrap();
    assert_eq!(prompts.load(Ordering::SeqCst), 1);
}

#[tokio::test]
async fn user_login_needing_mfa_without_callback_is_a_clear_auth_error() {
    let server = MockServer::start().await;
    mount_user_login(
        &server,
        json!({ "token": jwt("pending"), "mfaMethods": ["EMAIL"] }),
    )
    .await;
    let client = client(
        &server,
        Credentials::user(UserCredentials::new("me@example.com", "pw")),
    );
    match current(&client).await {
        Err(Error::Auth { message, .. }) => assert!(message.contains("MFA callback"), "{message}"),
        other => panic!("expected an auth error, got {other:?}"),
    }
    assert!(
        requests_to(&server, "POST", "/uauth/auth/login/user/mfa/verification")
            .await
            .is_empty()
    );
    assert!(
        requests_to(&server, "GET", CURRENT).await.is_empty(),
        "nothing sent without a token"
    );
}

#[tokio::test]
async fn user_two_step_login_with_email_code() {
    let server = MockServer::start().await;
    let pending = jwt("pending-2");
    let verified = jwt("verified-2");
    let ws_token = jwt("selected-2");
    mount_user_login(
        &server,
        json!({ "token": pending, "mfaMethods": ["EMAIL"] }),
    )
    .await;
    Mock::given(method("POST"))
        .and(path("/uauth/auth/login/user/mfa/verification"))
        .and(header(
            "authorization",
            format!("Bearer {pending}").as_str(),
        ))
        .and(body_json(
            json!({ "mfaType": "EMAIL", "verificationCode": "654321", "deviceId": "dev-9" }),
        ))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({ "token": verified })))
        .expect(1)
        .mount(&server)
        .await;
    mount_select(&server, &verified, &ws_token).await;
    accept_bearer(&server, &ws_token).await;

    let anonymous = builder(&server).build().unwrap();
    let user = UserCredentials::new("me@example.com", "pw")
        .device_id("dev-9")
        .workspace(WORKSPACE.parse().unwrap());
    let pending_mfa = match anonymous.login_user(user).await.unwrap() {
        UserLoginStep::MfaRequired(p) => p,
        other => panic!("expected an MFA step, got {other:?}"),
    };
    assert_eq!(pending_mfa.challenge().methods(), &[MfaMethod::Email]);
    let session = anonymous
        .verify_mfa(pending_mfa, MfaCode::email("654321"))
        .await
        .unwrap();
    assert_eq!(session.token().expose_secret(), ws_token);

    let client = anonymous
        .with_credentials(Credentials::user_session(session))
        .unwrap();
    current(&client).await.unwrap();
    assert_eq!(
        requests_to(&server, "POST", "/uauth/auth/login/user")
            .await
            .len(),
        1,
        "the session token is used, no new login"
    );
}

#[tokio::test]
async fn user_two_step_login_without_mfa() {
    let server = MockServer::start().await;
    let token = jwt("plain-user");
    mount_user_login(&server, json!({ "token": token })).await;
    let anonymous = builder(&server).build().unwrap();
    match anonymous
        .login_user(UserCredentials::new("u", "p"))
        .await
        .unwrap()
    {
        UserLoginStep::Done(session) => assert_eq!(session.token().expose_secret(), token),
        other => panic!("expected a finished login, got {other:?}"),
    }
}

#[tokio::test]
async fn user_lists_and_selects_workspaces() {
    let server = MockServer::start().await;
    let user_token = jwt("lister");
    let ws_token = jwt("selected");
    mount_user_login(&server, json!({ "token": user_token })).await;
    Mock::given(method("GET"))
        .and(path("/uauth/business-profile/"))
        .and(header(
            "authorization",
            format!("Bearer {user_token}").as_str(),
        ))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(
                json!([{ "businessProfileGuid": WORKSPACE, "name": "Shop", "id": 5 }]),
            ),
        )
        .expect(1)
        .mount(&server)
        .await;
    mount_select(&server, &user_token, &ws_token).await;
    accept_bearer(&server, &ws_token).await;

    let user_client = client(
        &server,
        Credentials::user(UserCredentials::new("me@example.com", "pw")),
    );
    let workspaces = user_client.workspaces().await.unwrap();
    assert_eq!(workspaces[0].name.as_deref(), Some("Shop"));
    let guid = workspaces[0]
        .business_profile_guid
        .as_deref()
        .unwrap()
        .parse()
        .unwrap();
    let in_workspace = user_client.select_workspace(guid).await.unwrap();
    current(&in_workspace).await.unwrap();
    assert_eq!(
        requests_to(&server, "POST", "/uauth/auth/login/user")
            .await
            .len(),
        1
    );
}

#[tokio::test]
async fn profile_login_with_synerise_account() {
    let server = MockServer::start().await;
    let token = jwt("profile");
    Mock::given(method("POST"))
        .and(path("/sauth/v3/auth/login/client"))
        .and(body_json(json!({
            "apiKey": "profile-key", "identityProvider": "SYNERISE", "email": "jane@example.com",
            "password": "profile-pass", "deviceId": "phone-1"
        })))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({ "token": token })))
        .expect(1)
        .mount(&server)
        .await;
    accept_bearer(&server, &token).await;
    let profile =
        ProfileCredentials::email_password("profile-key", "jane@example.com", "profile-pass")
            .device_id("phone-1");
    let client = client(&server, Credentials::profile(profile));
    current(&client).await.unwrap();
    assert_login_shape(
        &requests_to(&server, "POST", "/sauth/v3/auth/login/client").await[0],
        None,
    );
}

#[tokio::test]
async fn profile_login_with_identity_provider() {
    let server = MockServer::start().await;
    let token = jwt("oauth-profile");
    Mock::given(method("POST"))
        .and(path("/sauth/v3/auth/login/client"))
        .and(body_json(json!({
            "apiKey": "profile-key", "identityProvider": "OAUTH", "identityProviderToken": "idp-token",
            "customId": "card-123", "uuid": "u-1", "agreements": { "email": true },
            "attributes": { "tier": "gold" }, "tags": ["vip"]
        })))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({ "token": token })))
        .expect(1)
        .mount(&server)
        .await;
    accept_bearer(&server, &token).await;
    let mut attributes = serde_json::Map::new();
    attributes.insert("tier".into(), json!("gold"));
    let profile = ProfileCredentials::new("profile-key", IdentityProvider::Oauth)
        .identity_provider_token("idp-token")
        .custom_id("card-123")
        .uuid("u-1")
        .agreements(json!({ "email": true }))
        .attributes(attributes)
        .tags(["vip"]);
    current(&client(&server, Credentials::profile(profile)))
        .await
        .unwrap();
}

#[tokio::test]
async fn profile_conditional_login() {
    let server = MockServer::start().await;
    let token = jwt("conditional");
    Mock::given(method("POST"))
        .and(path("/sauth/v3/auth/login/client/conditional"))
        .and(body_json(json!({ "apiKey": "k", "identityProvider": "SYNERISE", "email": "a@b.c", "password": "p" })))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({ "token": token, "conditions": [], "status": "SUCCESS", "expiration": 1 })))
        .expect(1)
        .mount(&server)
        .await;
    accept_bearer(&server, &token).await;
    let profile = ProfileCredentials::email_password("k", "a@b.c", "p").conditional();
    current(&client(&server, Credentials::profile(profile)))
        .await
        .unwrap();
}

#[tokio::test]
async fn profile_conditional_login_with_unmet_conditions_is_an_auth_error() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/sauth/v3/auth/login/client/conditional"))
        .respond_with(ResponseTemplate::new(200).set_body_json(
            json!({ "conditions": ["TERMS_ACCEPTANCE"], "status": "CONDITIONS_REQUIRED" }),
        ))
        .mount(&server)
        .await;
    let profile = ProfileCredentials::email_password("k", "a@b.c", "p").conditional();
    match current(&client(&server, Credentials::profile(profile))).await {
        Err(Error::Auth { message, .. }) => assert!(
            message.contains("TERMS_ACCEPTANCE") && message.contains("CONDITIONS_REQUIRED"),
            "{message}"
        ),
        other => panic!("expected an auth error, got {other:?}"),
    }
}

#[tokio::test]
async fn profile_anonymous_login() {
    let server = MockServer::start().await;
    let token = jwt("anonymous");
    Mock::given(method("POST"))
        .and(path("/sauth/v3/auth/login/client/anonymous"))
        .and(body_json(json!({ "apiKey": "k", "uuid": "07243772-008a-42e1-ba37-c3807cebde8f", "deviceId": "d" })))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({ "token": token })))
        .expect(1)
        .mount(&server)
        .await;
    accept_bearer(&server, &token).await;
    let profile =
        ProfileCredentials::anonymous("k", "07243772-008a-42e1-ba37-c3807cebde8f").device_id("d");
    current(&client(&server, Credentials::profile(profile)))
        .await
        .unwrap();
}

#[tokio::test]
async fn profile_token_is_refreshed_ahead_of_expiry_while_still_valid() {
    let server = MockServer::start().await;
    // Issued an hour ago, 30 s left: inside the 60 s margin, still valid.
    let old = jwt_aged("old-profile", 3570, 30);
    let new = jwt("refreshed-profile");
    Mock::given(method("POST"))
        .and(path("/sauth/v3/auth/refresh/client"))
        .and(header("authorization", format!("Bearer {old}").as_str()))
        .and(body_json(json!({ "apiKey": "profile-key" })))
        .respond_with(ResponseTemplate::new(200).set_body_json(
            json!({ "token": new, "expiration": now_secs() + 3600, "realm": "client" }),
        ))
        .expect(1)
        .mount(&server)
        .await;
    accept_bearer(&server, &new).await;
    let profile = ProfileCredentials::email_password("profile-key", "jane@example.com", "pw");
    let client = client(
        &server,
        Credentials::profile(profile).with_token(old.clone()),
    );
    current(&client).await.unwrap();
    current(&client).await.unwrap();
    assert!(
        requests_to(&server, "POST", "/sauth/v3/auth/login/client")
            .await
            .is_empty(),
        "refreshed, not logged in"
    );
    assert_eq!(requests_to(&server, "GET", CURRENT).await.len(), 2);
}

#[tokio::test]
async fn a_fresh_token_is_not_refreshed() {
    let server = MockServer::start().await;
    let token = jwt_aged("fresh", 600, 3000);
    accept_bearer(&server, &token).await;
    let profile = ProfileCredentials::email_password("profile-key", "jane@example.com", "pw");
    current(&client(
        &server,
        Credentials::profile(profile).with_token(token),
    ))
    .await
    .unwrap();
    assert_eq!(
        server.received_requests().await.unwrap().len(),
        1,
        "no refresh, no login"
    );
}

#[tokio::test]
async fn an_expired_profile_token_is_replaced_by_a_login_not_a_refresh() {
    let server = MockServer::start().await;
    let expired = jwt_aged("expired-profile", 3610, -10);
    let new = jwt("logged-in-again");
    Mock::given(method("POST"))
        .and(path("/sauth/v3/auth/login/client"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({ "token": new })))
        .expect(1)
        .mount(&server)
        .await;
    accept_bearer(&server, &new).await;
    let profile = ProfileCredentials::email_password("profile-key", "jane@example.com", "pw");
    current(&client(
        &server,
        Credentials::profile(profile).with_token(expired),
    ))
    .await
    .unwrap();
    assert!(
        requests_to(&server, "POST", "/sauth/v3/auth/refresh/client")
            .await
            .is_empty()
    );
}

#[tokio::test]
async fn a_failed_refresh_falls_back_to_login() {
    let server = MockServer::start().await;
    let old = jwt_aged("old", 3570, 30);
    let new = jwt("new-after-login");
    Mock::given(method("POST"))
        .and(path("/sauth/v3/auth/refresh/client"))
        .respond_with(ResponseTemplate::new(401))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/sauth/v3/auth/login/client"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({ "token": new })))
        .expect(1)
        .mount(&server)
        .await;
    accept_bearer(&server, &new).await;
    let profile = ProfileCredentials::email_password("profile-key", "jane@example.com", "pw");
    current(&client(
        &server,
        Credentials::profile(profile).with_token(old),
    ))
    .await
    .unwrap();
}

#[tokio::test]
async fn workspace_token_near_expiry_is_renewed_by_login() {
    let server = MockServer::start().await;
    let old = jwt_aged("old-ws", 3570, 30);
    let new = jwt("new-ws");
    Mock::given(method("POST"))
        .and(path("/uauth/v2/auth/login/profile"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({ "token": new })))
        .expect(1)
        .mount(&server)
        .await;
    accept_bearer(&server, &new).await;
    current(&client(
        &server,
        Credentials::workspace_api_key("k").with_token(old),
    ))
    .await
    .unwrap();
}

#[tokio::test]
async fn logout_profile_and_local_logout() {
    let server = MockServer::start().await;
    let token = jwt("admin");
    Mock::given(method("POST"))
        .and(path("/uauth/v2/auth/login/profile"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({ "token": token })))
        .expect(2)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/sauth/management/client/434428563/logout"))
        .and(header("authorization", format!("Bearer {token}").as_str()))
        .and(body_json(
            json!({ "action": "LOGOUT_WITH_SESSION_CLEARING" }),
        ))
        .respond_with(ResponseTemplate::new(200))
        .expect(1)
        .mount(&server)
        .await;
    accept_bearer(&server, &token).await;
    let client = client(&server, Credentials::workspace_api_key("k"));
    client.logout_profile("434428563", true).await.unwrap();
    client.logout();
    current(&client).await.unwrap();
    assert_eq!(
        requests_to(&server, "POST", "/uauth/v2/auth/login/profile")
            .await
            .len(),
        2,
        "logged in again after logout"
    );
}

#[tokio::test]
async fn static_token_is_sent_and_cannot_be_renewed() {
    let server = MockServer::start().await;
    let token = jwt("static");
    accept_bearer(&server, &token).await;
    let client = client(&server, Credentials::token(token.clone()));
    current(&client).await.unwrap();

    // Rejected: one request, a clear auth error, no login anywhere.
    server.reset().await;
    Mock::given(method("GET"))
        .and(path(CURRENT))
        .respond_with(ResponseTemplate::new(401))
        .expect(1)
        .mount(&server)
        .await;
    match current(&client).await {
        Err(Error::Auth {
            message, status, ..
        }) => {
            assert!(
                message.contains("static tokens cannot be renewed"),
                "{message}"
            );
            assert_eq!(status.map(|s| s.as_u16()), Some(401));
        }
        other => panic!("expected an auth error, got {other:?}"),
    }
}

#[tokio::test]
async fn an_expired_static_token_fails_before_sending() {
    let server = MockServer::start().await;
    let client = client(&server, Credentials::token(jwt_aged("stale", 7200, -3600)));
    match current(&client).await {
        Err(Error::Auth {
            message,
            status: None,
            ..
        }) => assert!(message.contains("expired"), "{message}"),
        other => panic!("expected an auth error, got {other:?}"),
    }
    assert!(server.received_requests().await.unwrap().is_empty());
}

#[tokio::test]
async fn a_token_without_exp_is_used_until_rejected() {
    let server = MockServer::start().await;
    accept_bearer(&server, "opaque-token").await;
    let client = client(
        &server,
        Credentials::workspace_api_key("k").with_token("opaque-token"),
    );
    current(&client).await.unwrap();
    current(&client).await.unwrap();
    assert_eq!(
        server.received_requests().await.unwrap().len(),
        2,
        "no login"
    );
}

#[tokio::test]
async fn refused_login_is_an_auth_error() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/uauth/v2/auth/login/profile"))
        .respond_with(ResponseTemplate::new(401).set_body_json(
            json!({ "status": 401, "error": "Unauthorized", "message": "Invalid API key" }),
        ))
        .expect(1)
        .mount(&server)
        .await;
    match current(&client(&server, Credentials::workspace_api_key("wrong"))).await {
        Err(Error::Auth {
            message,
            status,
            body,
        }) => {
            assert!(message.contains("Workspace login was refused"), "{message}");
            assert_eq!(status.map(|s| s.as_u16()), Some(401));
            assert_eq!(body.unwrap().message.as_deref(), Some("Invalid API key"));
        }
        other => panic!("expected an auth error, got {other:?}"),
    }
    assert!(requests_to(&server, "GET", CURRENT).await.is_empty());
}

#[tokio::test]
async fn operations_that_need_a_token_fail_clearly_without_credentials() {
    let server = MockServer::start().await;
    let client = builder(&server).build().unwrap();
    match current(&client).await {
        Err(Error::Auth { message, .. }) => {
            assert!(message.contains("no credentials"), "{message}")
        }
        other => panic!("expected an auth error, got {other:?}"),
    }
    assert!(server.received_requests().await.unwrap().is_empty());
    // Operations without a token still work.
    Mock::given(method("GET"))
        .and(path("/v4/server/time"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(json!({ "serverTime": "2024-01-01T00:00:00Z" })),
        )
        .mount(&server)
        .await;
    let time = client
        .call(client.api().get_server_time().send())
        .await
        .unwrap();
    assert_eq!(time.server_time.as_deref(), Some("2024-01-01T00:00:00Z"));
    let sent = &server.received_requests().await.unwrap()[0];
    assert!(header_of(sent, "authorization").is_none());
}

#[tokio::test]
async fn send_json_goes_through_authentication() {
    let server = MockServer::start().await;
    let token = jwt("batch");
    Mock::given(method("POST"))
        .and(path("/uauth/v2/auth/login/profile"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({ "token": token })))
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/v4/clients/batch"))
        .and(header("authorization", format!("Bearer {token}").as_str()))
        .and(header("api-version", "4.4"))
        .respond_with(ResponseTemplate::new(202))
        .expect(1)
        .mount(&server)
        .await;
    let client = client(&server, Credentials::workspace_api_key("k"));
    let response = client
        .send_json(
            "batch_add_or_update_clients",
            "/v4/clients/batch",
            bytes::Bytes::from_static(b"[]"),
        )
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 202);
}
