//! Every authentication flow `synerise-mock` supports, driven through the `synerise` client and
//! checked on the wire through the mock's journal: which login requests were sent (method, path,
//! body, headers), which token the next call carried (its claims), and when the client logs in
//! again.
//!
//! - Workspace API key: one login, reused; a new login after a revocation or an expiry (the mock's
//!   clock is moved, nothing sleeps).
//! - Workspace Basic: the `Authorization: Basic` header on every request, no login.
//! - User: login, MFA through a callback, Workspace selection; the two-step login
//!   (`login_user`/`verify_mfa`) with listing and selecting Workspaces; a User without MFA.
//! - Profile: e-mail + password, OAuth (creates the Profile), conditional, anonymous, the refresh
//!   endpoint, server-side logout.
//! - Static token and a saved token resumed with `Credentials::with_token`.

mod e2e_support;

use std::sync::{Arc, Mutex};

use e2e_support::{
    assert_client_headers, bearer, bearer_claims, body, client_with, current_token, requests_to, w,
    wire, workspace_client,
};
use futures::TryStreamExt;
use serde_json::json;
use synerise::auth::{
    IdentityProvider, MfaCode, MfaMethod, ProfileCredentials, UserCredentials, UserLoginStep,
};
use synerise::batch::BatchOptions;
use synerise::{Client, Credentials, Error};
use synerise_mock::{
    MockConfig, MockUser, MockWorkspace, ProfileAccount, ProfileRef, RecordedRequest, SyneriseMock,
};
use uuid::Uuid;

const SHOP: &str = "0b2f6c4e-7a51-4c44-9d7e-2d7a3c1f9a10";
const MFA_USER: &str = "mfa-user@example.com";
const MFA_PASSWORD: &str = "user-pw";
const MFA_CODE: &str = "424242";
const JANE: &str = "jane@example.com";
const JANE_PASSWORD: &str = "profile-pw";
const ANONYMOUS_UUID: &str = "07243772-008a-42e1-ba37-c3807cebde8f";

fn shop() -> Uuid {
    SHOP.parse().unwrap()
}

/// A User with MFA and one Workspace, "Shop".
fn mfa_user() -> MockUser {
    MockUser::new(MFA_USER, MFA_PASSWORD)
        .mfa_code(MFA_CODE)
        .workspace(MockWorkspace::new(shop(), "Shop"))
}

async fn mock_with_jane() -> SyneriseMock {
    SyneriseMock::start_with(
        MockConfig::default().profile_account(ProfileAccount::email(JANE, JANE_PASSWORD)),
    )
    .await
}

fn jane(mock: &SyneriseMock) -> ProfileCredentials {
    ProfileCredentials::email_password(mock.profile_api_key(), JANE, JANE_PASSWORD)
}

/// A Workspace (or User-in-Workspace) call: the catalogs, through the pagination stream.
async fn list_catalogs(client: &Client) -> synerise::Result<usize> {
    let catalogs: Vec<_> = client.catalogs().list().items().try_collect().await?;
    Ok(catalogs.len())
}

/// A Profile call: the Profile's own events, through the cursor stream.
async fn own_events(client: &Client) -> synerise::Result<usize> {
    let events: Vec<_> = client
        .activities()
        .list_events()
        .items()
        .try_collect()
        .await?;
    Ok(events.len())
}

fn last(mock: &SyneriseMock) -> RecordedRequest {
    mock.journal().pop().expect("a request")
}

#[tokio::test]
async fn workspace_api_key_logs_in_once_and_again_after_revocation_or_expiry() {
    let mock = SyneriseMock::start().await;
    let client = workspace_client(&mock);

    list_catalogs(&client).await.unwrap();
    list_catalogs(&client).await.unwrap();
    assert_eq!(
        wire(&mock),
        [
            w("POST", "/uauth/v2/auth/login/profile", 200),
            w("GET", "/catalogs/bags", 200),
            w("GET", "/catalogs/bags", 200),
        ],
        "one login, its token reused"
    );
    let journal = mock.journal();
    let login = &journal[0];
    assert_eq!(
        body(login),
        json!({ "apiKey": MockConfig::DEFAULT_API_KEY })
    );
    assert_eq!(login.header("authorization"), None);
    assert_eq!(
        login.header("api-version"),
        None,
        "not an Api-Version operation"
    );
    assert_client_headers(login);
    let call = &journal[1];
    assert_client_headers(call);
    assert_eq!(call.query_param("offset"), Some("0"));
    assert_eq!(call.query_param("limit"), Some("100"));
    let claims = bearer_claims(call);
    assert_eq!(claims["rlm"], "business_profile");
    assert_eq!(claims["bpg"], MockConfig::DEFAULT_WORKSPACE_GUID);
    assert_eq!(claims["bpi"], MockConfig::DEFAULT_BUSINESS_PROFILE_ID);
    assert_eq!(bearer(&journal[2]), bearer(call));
    assert_eq!(mock.issued_token_count(), 1);

    // Revoked on the server: the call is rejected once, the client logs in and resends it.
    mock.clear_journal();
    mock.revoke_all_tokens();
    list_catalogs(&client).await.unwrap();
    assert_eq!(
        wire(&mock),
        [
            w("GET", "/catalogs/bags", 401),
            w("POST", "/uauth/v2/auth/login/profile", 200),
            w("GET", "/catalogs/bags", 200),
        ]
    );
    let journal = mock.journal();
    assert_ne!(bearer(&journal[0]), bearer(&journal[2]), "a new token");

    // Expired by the server's clock (moved two hours ahead): the same recovery.
    mock.clear_journal();
    mock.advance_clock(std::time::Duration::from_secs(2 * 3600));
    list_catalogs(&client).await.unwrap();
    assert_eq!(
        wire(&mock),
        [
            w("GET", "/catalogs/bags", 401),
            w("POST", "/uauth/v2/auth/login/profile", 200),
            w("GET", "/catalogs/bags", 200),
        ]
    );
    assert_eq!(mock.issued_token_count(), 3);
}

#[tokio::test]
async fn workspace_basic_sends_the_key_on_every_request_and_never_logs_in() {
    let mock = SyneriseMock::start().await;
    let client = client_with(
        &mock,
        Credentials::workspace_basic(mock.workspace_guid(), mock.api_key()),
    );
    list_catalogs(&client).await.unwrap();
    mock.revoke_all_tokens(); // Basic has no token to revoke.
    list_catalogs(&client).await.unwrap();

    assert_eq!(
        wire(&mock),
        [
            w("GET", "/catalogs/bags", 200),
            w("GET", "/catalogs/bags", 200)
        ]
    );
    for request in mock.journal() {
        assert_eq!(
            request.header("authorization"),
            Some(mock.basic_auth_header().as_str())
        );
    }
    assert_eq!(mock.issued_token_count(), 0);
    assert!(client.access_token().await.unwrap().is_none());

    // A wrong key: a typed error after one request (Basic cannot be renewed).
    mock.clear_journal();
    let wrong = client_with(
        &mock,
        Credentials::workspace_basic(mock.workspace_guid(), "not-the-key"),
    );
    match list_catalogs(&wrong).await {
        Err(Error::Page { page: 0, source }) => match *source {
            Error::Auth {
                status: Some(status),
                ref message,
                ..
            } => {
                assert_eq!(status, 401);
                assert!(message.contains("Basic"), "{message}");
            }
            other => panic!("expected Error::Auth, got {other:?}"),
        },
        other => panic!("expected a failed first page, got {other:?}"),
    }
    assert_eq!(wire(&mock), [w("GET", "/catalogs/bags", 401)]);
}

#[tokio::test]
async fn user_login_with_mfa_callback_selects_the_workspace() {
    let mock = SyneriseMock::start_with(MockConfig::default().user(mfa_user())).await;
    let challenges = Arc::new(Mutex::new(Vec::new()));
    let seen = challenges.clone();
    let user = UserCredentials::new(MFA_USER, MFA_PASSWORD)
        .workspace(shop())
        .mfa(move |challenge| {
            seen.lock().unwrap().push(challenge.methods().to_vec());
            async { Ok(MfaCode::totp(MFA_CODE)) }
        });
    let client = client_with(&mock, Credentials::user(user));

    list_catalogs(&client).await.unwrap();
    let select_path = format!("/uauth/auth/login/user/profile/{SHOP}");
    assert_eq!(
        wire(&mock),
        [
            w("POST", "/uauth/auth/login/user", 200),
            w("POST", "/uauth/auth/login/user/mfa/verification", 200),
            w("POST", &select_path, 200),
            w("GET", "/catalogs/bags", 200),
        ]
    );
    assert_eq!(*challenges.lock().unwrap(), [vec![MfaMethod::Totp]]);

    let journal = mock.journal();
    let (login, mfa, select, call) = (&journal[0], &journal[1], &journal[2], &journal[3]);
    assert_eq!(
        body(login),
        json!({ "username": MFA_USER, "password": MFA_PASSWORD })
    );
    assert_eq!(login.header("authorization"), None);
    assert_eq!(
        body(mfa),
        json!({ "mfaType": "TOTP_AUTHENTICATOR", "verificationCode": MFA_CODE })
    );
    assert_eq!(
        bearer_claims(mfa)["mfa"],
        "PENDING",
        "the login's token, only good for verification"
    );
    let verified = bearer_claims(select);
    assert_eq!(verified["mfa"], "VERIFIED");
    assert_eq!(verified["bpg"], serde_json::Value::Null, "no Workspace yet");
    assert!(select.body.is_empty());
    let working = bearer_claims(call);
    assert_eq!(working["rlm"], "user");
    assert_eq!(working["bpg"], SHOP, "scoped to the selected Workspace");
    assert_client_headers(call);
}

#[tokio::test]
async fn user_two_step_login_lists_and_selects_a_workspace() {
    let mock = SyneriseMock::start_with(MockConfig::default().user(mfa_user())).await;
    // No credentials: this client only runs the logins.
    let anonymous = Client::builder().base_url(mock.base_url()).build().unwrap();

    // A wrong code is a typed authentication error.
    let UserLoginStep::MfaRequired(pending) = anonymous
        .login_user(UserCredentials::new(MFA_USER, MFA_PASSWORD))
        .await
        .unwrap()
    else {
        panic!("the mock asks this User for MFA");
    };
    assert_eq!(pending.challenge().methods(), [MfaMethod::Totp]);
    match anonymous.verify_mfa(pending, MfaCode::totp("000000")).await {
        Err(Error::Auth {
            status: Some(status),
            ..
        }) => assert_eq!(status, 401),
        other => panic!("expected Error::Auth, got {other:?}"),
    }

    mock.clear_journal();
    let UserLoginStep::MfaRequired(pending) = anonymous
        .login_user(UserCredentials::new(MFA_USER, MFA_PASSWORD))
        .await
        .unwrap()
    else {
        panic!("the mock asks this User for MFA");
    };
    let session = anonymous
        .verify_mfa(pending, MfaCode::totp(MFA_CODE))
        .await
        .unwrap();
    let user = anonymous
        .with_credentials(Credentials::user_session(session))
        .unwrap();

    // Without a Workspace the User can list Workspaces but not work in one.
    let workspaces = user.workspaces().await.unwrap();
    assert_eq!(workspaces.len(), 1);
    assert_eq!(workspaces[0].business_profile_guid.as_deref(), Some(SHOP));
    assert_eq!(workspaces[0].name.as_deref(), Some("Shop"));
    match list_catalogs(&user).await {
        Err(Error::Page { source, .. }) => match *source {
            Error::Api { status, ref body } => {
                assert_eq!(status, 403);
                assert_eq!(
                    body.message.as_deref(),
                    Some("Select a workspace before performing operations within a workspace")
                );
            }
            other => panic!("expected Error::Api, got {other:?}"),
        },
        other => panic!("expected a 403, got {other:?}"),
    }

    let in_shop = user.select_workspace(shop()).await.unwrap();
    assert_eq!(list_catalogs(&in_shop).await.unwrap(), 0);

    let select_path = format!("/uauth/auth/login/user/profile/{SHOP}");
    assert_eq!(
        wire(&mock),
        [
            w("POST", "/uauth/auth/login/user", 200),
            w("POST", "/uauth/auth/login/user/mfa/verification", 200),
            w("GET", "/uauth/business-profile/", 200),
            w("GET", "/catalogs/bags", 403),
            w("POST", &select_path, 200),
            w("GET", "/catalogs/bags", 200),
        ],
        "the session's token is used as is: no second login"
    );
    assert_eq!(bearer_claims(&last(&mock))["bpg"], SHOP);
}

#[tokio::test]
async fn user_without_mfa_logs_in_and_selects_the_workspace_named_in_the_credentials() {
    let mock = SyneriseMock::start().await;
    let workspace: Uuid = MockConfig::DEFAULT_WORKSPACE_GUID.parse().unwrap();
    let user = UserCredentials::new(MockConfig::DEFAULT_USERNAME, MockConfig::DEFAULT_PASSWORD)
        .workspace(workspace);
    let client = client_with(&mock, Credentials::user(user));
    list_catalogs(&client).await.unwrap();
    assert_eq!(
        wire(&mock),
        [
            w("POST", "/uauth/auth/login/user", 200),
            w(
                "POST",
                &format!("/uauth/auth/login/user/profile/{workspace}"),
                200
            ),
            w("GET", "/catalogs/bags", 200),
        ]
    );
    let claims = bearer_claims(&last(&mock));
    assert_eq!(claims["mfa"], "NONE");
    assert_eq!(claims["bpi"], MockConfig::DEFAULT_BUSINESS_PROFILE_ID);
}

#[tokio::test]
async fn profile_email_password_login_and_server_side_logout() {
    let mock = mock_with_jane().await;
    let client = client_with(&mock, Credentials::profile(jane(&mock)));
    assert_eq!(own_events(&client).await.unwrap(), 0);

    assert_eq!(
        wire(&mock),
        [
            w("POST", "/sauth/v3/auth/login/client", 200),
            w("GET", "/activities-api/events", 200),
        ]
    );
    let journal = mock.journal();
    assert_eq!(
        body(&journal[0]),
        json!({
            "apiKey": MockConfig::DEFAULT_PROFILE_API_KEY,
            "identityProvider": "SYNERISE",
            "email": JANE,
            "password": JANE_PASSWORD,
        })
    );
    let client_id = mock.client_id(ProfileRef::Email(JANE.into())).unwrap();
    let claims = bearer_claims(&journal[1]);
    assert_eq!(claims["rlm"], "client");
    assert_eq!(claims["clId"], client_id);
    assert_eq!(journal[1].query_param("limit"), Some("100"));

    // The Workspace logs the Profile out on the server; the Profile logs in again once.
    mock.clear_journal();
    workspace_client(&mock)
        .logout_profile(client_id.to_string(), false)
        .await
        .unwrap();
    own_events(&client).await.unwrap();
    let logout_path = format!("/sauth/management/client/{client_id}/logout");
    assert_eq!(
        wire(&mock),
        [
            w("POST", "/uauth/v2/auth/login/profile", 200),
            w("POST", &logout_path, 200),
            w("GET", "/activities-api/events", 401),
            w("POST", "/sauth/v3/auth/login/client", 200),
            w("GET", "/activities-api/events", 200),
        ]
    );
    assert_eq!(
        body(&requests_to(&mock, "POST", &logout_path)[0]),
        json!({ "action": "LOGOUT" })
    );

    // A wrong password: a typed error that does not print the password.
    let wrong = ProfileCredentials::email_password(mock.profile_api_key(), JANE, "guessed-pw");
    let err = own_events(&client_with(&mock, Credentials::profile(wrong)))
        .await
        .unwrap_err();
    let Error::Page { source, .. } = &err else {
        panic!("expected a failed page, got {err:?}")
    };
    assert!(
        matches!(**source, Error::Auth { status: Some(s), .. } if s == 401),
        "{source:?}"
    );
    assert!(!format!("{err} {err:?}").contains("guessed-pw"));
}

#[tokio::test]
async fn profile_oauth_login_creates_the_profile() {
    let mock = SyneriseMock::start().await;
    let oauth = ProfileCredentials::new(mock.profile_api_key(), IdentityProvider::Oauth)
        .identity_provider_token("oauth-token-from-the-provider")
        .custom_id("card-7")
        .tags(["loyalty"]);
    let client = client_with(&mock, Credentials::profile(oauth));
    own_events(&client).await.unwrap();

    let login = &requests_to(&mock, "POST", "/sauth/v3/auth/login/client")[0];
    assert_eq!(
        body(login),
        json!({
            "apiKey": MockConfig::DEFAULT_PROFILE_API_KEY,
            "identityProvider": "OAUTH",
            "identityProviderToken": "oauth-token-from-the-provider",
            "customId": "card-7",
            "tags": ["loyalty"],
        })
    );
    let profile = mock
        .profile_by_custom_id("card-7")
        .expect("created by the login");
    assert_eq!(profile["tags"], json!(["loyalty"]));
    assert_eq!(bearer_claims(&last(&mock))["customId"], "card-7");
}

#[tokio::test]
async fn profile_conditional_login_needs_an_existing_profile() {
    let mock = mock_with_jane().await;
    let client = client_with(&mock, Credentials::profile(jane(&mock).conditional()));
    own_events(&client).await.unwrap();
    assert_eq!(
        wire(&mock),
        [
            w("POST", "/sauth/v3/auth/login/client/conditional", 200),
            w("GET", "/activities-api/events", 200),
        ]
    );
    assert_eq!(
        body(&mock.journal()[0])["identityProvider"],
        "SYNERISE",
        "same body as the plain login"
    );

    // For a Profile that does not exist the conditional login creates nothing and fails.
    let before = mock.profile_count();
    let unknown = ProfileCredentials::new(mock.profile_api_key(), IdentityProvider::Oauth)
        .identity_provider_token("oauth-token")
        .custom_id("nobody")
        .conditional();
    match client_with(&mock, Credentials::profile(unknown))
        .access_token()
        .await
    {
        Err(Error::Auth {
            status: Some(status),
            body: Some(body),
            ..
        }) => {
            assert_eq!(status, 401);
            assert_eq!(
                body.message.as_deref(),
                Some("Profile account does not exist")
            );
        }
        other => panic!("expected Error::Auth, got {other:?}"),
    }
    assert_eq!(mock.profile_count(), before);
}

#[tokio::test]
async fn anonymous_profile_login_creates_an_anonymous_profile_that_can_send_events() {
    let mock = SyneriseMock::start().await;
    let anonymous = ProfileCredentials::anonymous(mock.profile_api_key(), ANONYMOUS_UUID);
    let client = client_with(&mock, Credentials::profile(anonymous));

    let report = client
        .events()
        .bulk_send(
            futures::stream::iter([json!({
                "type": "custom",
                "action": "page.visit",
                "label": "Home page",
                "client": { "uuid": ANONYMOUS_UUID },
            })]),
            BatchOptions::default(),
        )
        .await
        .unwrap();
    assert!(report.is_success(), "{report}");

    assert_eq!(
        wire(&mock),
        [
            w("POST", "/sauth/v3/auth/login/client/anonymous", 200),
            w("POST", "/v4/events/batch", 202),
        ]
    );
    let journal = mock.journal();
    assert_eq!(
        body(&journal[0]),
        json!({ "apiKey": MockConfig::DEFAULT_PROFILE_API_KEY, "uuid": ANONYMOUS_UUID })
    );
    let claims = bearer_claims(&journal[1]);
    assert_eq!(claims["rlm"], "anonymous_client");
    assert_eq!(claims["uuid"], ANONYMOUS_UUID);
    let profile = mock.profile_by_uuid(ANONYMOUS_UUID).expect("created");
    assert_eq!(profile["anonymous"], true);
    let events = mock.events_for_profile(ProfileRef::Uuid(ANONYMOUS_UUID.into()));
    assert_eq!(events.len(), 1);
    assert_eq!(events[0].action, "page.visit");

    // An anonymous token may not read a Profile's own events: 403, a typed API error.
    match own_events(&client).await {
        Err(Error::Page { source, .. }) => {
            assert!(
                matches!(*source, Error::Api { status, .. } if status == 403),
                "{source:?}"
            )
        }
        other => panic!("expected a 403, got {other:?}"),
    }
}

/// The client refreshes a Profile token by itself only when it is about to expire, which cannot
/// happen without waiting (the mock's clock only moves forward, and the client reads expiry from
/// the local clock); that path is covered against wiremock in `crates/synerise/tests/auth_flows.rs`.
/// Here the mock's refresh endpoint is called with the token the client holds, and the client
/// resumes with the refreshed token without logging in.
#[tokio::test]
async fn profile_refresh_endpoint_and_resuming_with_the_refreshed_token() {
    let mock = mock_with_jane().await;
    let client = client_with(&mock, Credentials::profile(jane(&mock)));
    let token = current_token(&client).await;

    let raw = reqwest::Client::new();
    let refresh = |bearer: String| {
        raw.post(format!("{}/sauth/v3/auth/refresh/client", mock.base_url()))
            .bearer_auth(bearer)
            .json(&json!({ "apiKey": mock.profile_api_key() }))
            .send()
    };
    let answer = refresh(token.clone()).await.unwrap();
    assert_eq!(answer.status(), 200);
    let answer: serde_json::Value = answer.json().await.unwrap();
    assert_eq!(answer["realm"], "client");
    let refreshed = answer["token"].as_str().unwrap().to_string();
    assert_ne!(refreshed, token);
    assert_eq!(
        synerise_mock::decode_claims(&refreshed).unwrap()["clId"],
        synerise_mock::decode_claims(&token).unwrap()["clId"],
        "the same Profile"
    );

    mock.clear_journal();
    let resumed = client_with(
        &mock,
        Credentials::profile(jane(&mock)).with_token(refreshed.clone()),
    );
    own_events(&resumed).await.unwrap();
    assert_eq!(wire(&mock), [w("GET", "/activities-api/events", 200)]);
    assert_eq!(bearer(&last(&mock)), Some(refreshed.as_str()));

    // Only a valid token can be refreshed.
    mock.revoke_token(&refreshed);
    assert_eq!(refresh(refreshed).await.unwrap().status(), 401);
}

#[tokio::test]
async fn static_token_is_used_as_is_and_a_rejection_is_final() {
    let mock = SyneriseMock::start().await;
    let token = mock.issue_workspace_token();
    let client = client_with(&mock, Credentials::token(token.clone()));
    list_catalogs(&client).await.unwrap();
    assert_eq!(wire(&mock), [w("GET", "/catalogs/bags", 200)]);
    assert_eq!(bearer(&last(&mock)), Some(token.as_str()));

    mock.clear_journal();
    mock.revoke_token(&token);
    match list_catalogs(&client).await {
        Err(Error::Page { source, .. }) => match *source {
            Error::Auth {
                status: Some(status),
                ref message,
                ref body,
            } => {
                assert_eq!(status, 401);
                assert!(message.contains("static token"), "{message}");
                assert_eq!(
                    body.as_ref().and_then(|b| b.message.as_deref()),
                    Some("Token revoked.")
                );
            }
            other => panic!("expected Error::Auth, got {other:?}"),
        },
        other => panic!("expected a rejection, got {other:?}"),
    }
    assert_eq!(
        wire(&mock),
        [w("GET", "/catalogs/bags", 401)],
        "no login attempted"
    );
}

#[tokio::test]
async fn a_saved_workspace_token_is_resumed_and_renewed_with_the_key() {
    let mock = SyneriseMock::start().await;
    let saved = current_token(&workspace_client(&mock)).await;
    mock.clear_journal();

    let client = client_with(
        &mock,
        Credentials::workspace_api_key(mock.api_key()).with_token(saved.clone()),
    );
    list_catalogs(&client).await.unwrap();
    assert_eq!(wire(&mock), [w("GET", "/catalogs/bags", 200)]);
    assert_eq!(bearer(&last(&mock)), Some(saved.as_str()));

    mock.revoke_token(&saved);
    list_catalogs(&client).await.unwrap();
    assert_eq!(
        wire(&mock)[1..],
        [
            w("GET", "/catalogs/bags", 401),
            w("POST", "/uauth/v2/auth/login/profile", 200),
            w("GET", "/catalogs/bags", 200),
        ]
    );
}
