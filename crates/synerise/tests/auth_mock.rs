//! The auth flows end to end against `synerise-mock`, which validates tokens, scopes, MFA and
//! Workspace selection the way Synerise does.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use synerise::auth::{MfaCode, ProfileCredentials, UserCredentials, UserLoginStep};
use synerise::retry::RetryConfig;
use synerise::{Client, Credentials, Error};
use synerise_mock::{MockConfig, MockUser, MockWorkspace, ProfileAccount, SyneriseMock};

const WORKSPACE: &str = "0b2f6c4e-7a51-4c44-9d7e-2d7a3c1f9a10";

fn client(mock: &SyneriseMock, credentials: Credentials) -> Client {
    Client::builder()
        .base_url(mock.base_url())
        .credentials(credentials)
        .retry(RetryConfig::default().jitter(|| 0.0))
        .build()
        .unwrap()
}

async fn bags(client: &Client) -> synerise::Result<()> {
    client
        .call(client.api().get_bags().send())
        .await
        .map(|_| ())
}

#[tokio::test]
async fn workspace_key_login_and_reauthentication_after_revocation() {
    let mock = SyneriseMock::start().await;
    let client = client(&mock, Credentials::workspace_api_key(mock.api_key()));
    bags(&client).await.unwrap();
    bags(&client).await.unwrap();
    assert_eq!(mock.issued_token_count(), 1);

    mock.revoke_all_tokens();
    bags(&client)
        .await
        .expect("one re-authentication, then success");
    assert_eq!(mock.issued_token_count(), 2);
}

#[tokio::test]
async fn workspace_basic_auth() {
    let mock = SyneriseMock::start().await;
    let client = client(
        &mock,
        Credentials::workspace_basic(mock.workspace_guid(), mock.api_key()),
    );
    bags(&client).await.unwrap();
    assert_eq!(mock.issued_token_count(), 0);

    let wrong = self::client(
        &mock,
        Credentials::workspace_basic(mock.workspace_guid(), "wrong"),
    );
    assert!(matches!(bags(&wrong).await, Err(Error::Auth { .. })));
}

fn mfa_user() -> MockUser {
    MockUser::new("me@example.com", "user-pw")
        .mfa_code("424242")
        .workspace(MockWorkspace::new(WORKSPACE.parse().unwrap(), "Shop"))
}

#[tokio::test]
async fn user_with_mfa_callback_lists_and_works_in_a_workspace() {
    let mock = SyneriseMock::start_with(MockConfig::default().user(mfa_user())).await;
    let prompts = Arc::new(AtomicUsize::new(0));
    let counter = prompts.clone();
    let user = UserCredentials::new("me@example.com", "user-pw").mfa(move |_| {
        counter.fetch_add(1, Ordering::SeqCst);
        async { Ok(MfaCode::totp("424242")) }
    });
    let user_client = client(&mock, Credentials::user(user));
    let workspaces = user_client.workspaces().await.unwrap();
    assert_eq!(workspaces.len(), 1);
    assert_eq!(
        workspaces[0].business_profile_guid.as_deref(),
        Some(WORKSPACE)
    );

    // Without a Workspace the User token cannot work inside one.
    assert!(bags(&user_client).await.is_err());
    let in_workspace = user_client
        .select_workspace(WORKSPACE.parse().unwrap())
        .await
        .unwrap();
    bags(&in_workspace).await.unwrap();
    assert_eq!(prompts.load(Ordering::SeqCst), 1);

    // Revoked: logs in again (MFA again) into the same Workspace.
    mock.revoke_all_tokens();
    bags(&in_workspace).await.unwrap();
    assert_eq!(prompts.load(Ordering::SeqCst), 2);
}

#[tokio::test]
async fn user_two_step_login() {
    let mock = SyneriseMock::start_with(MockConfig::default().user(mfa_user())).await;
    let anonymous = Client::builder().base_url(mock.base_url()).build().unwrap();
    let user =
        UserCredentials::new("me@example.com", "user-pw").workspace(WORKSPACE.parse().unwrap());
    let UserLoginStep::MfaRequired(pending) = anonymous.login_user(user.clone()).await.unwrap()
    else {
        panic!("MFA expected")
    };
    let wrong = anonymous.verify_mfa(pending, MfaCode::totp("000000")).await;
    assert!(matches!(wrong, Err(Error::Auth { .. })), "{wrong:?}");

    let UserLoginStep::MfaRequired(pending) = anonymous.login_user(user).await.unwrap() else {
        panic!("MFA expected")
    };
    let session = anonymous
        .verify_mfa(pending, MfaCode::totp("424242"))
        .await
        .unwrap();
    let client = anonymous
        .with_credentials(Credentials::user_session(session))
        .unwrap();
    bags(&client).await.unwrap();

    // Revoked, and no callback for the MFA a new login needs: a clear error, no loop.
    mock.revoke_all_tokens();
    match bags(&client).await {
        Err(Error::Auth { message, .. }) => assert!(message.contains("MFA callback"), "{message}"),
        other => panic!("expected an auth error, got {other:?}"),
    }
}

#[tokio::test]
async fn profile_login_and_server_side_logout() {
    let mock = SyneriseMock::start_with(
        MockConfig::default()
            .profile_account(ProfileAccount::email("jane@example.com", "profile-pw")),
    )
    .await;
    let profile = ProfileCredentials::email_password(
        mock.profile_api_key(),
        "jane@example.com",
        "profile-pw",
    );
    let profile_client = client(&mock, Credentials::profile(profile));
    let events = || profile_client.call(profile_client.api().list_own_events().send());
    events().await.unwrap();
    assert_eq!(mock.issued_token_count(), 1);

    // The Workspace logs the Profile out on the server; the Profile client logs in again once.
    let client_id = mock
        .client_id(synerise_mock::ProfileRef::Email("jane@example.com".into()))
        .unwrap();
    let workspace = client(&mock, Credentials::workspace_api_key(mock.api_key()));
    workspace
        .logout_profile(client_id.to_string(), false)
        .await
        .unwrap();
    events()
        .await
        .expect("logged in again after the server-side logout");
    assert_eq!(
        mock.issued_token_count(),
        3,
        "profile, workspace, profile again"
    );
}

#[tokio::test]
async fn anonymous_profile_login() {
    let mock = SyneriseMock::start().await;
    let profile = ProfileCredentials::anonymous(
        mock.profile_api_key(),
        "07243772-008a-42e1-ba37-c3807cebde8f",
    );
    let client = client(&mock, Credentials::profile(profile));
    assert!(client.access_token().await.unwrap().is_some());
    assert!(
        mock.profile_by_uuid("07243772-008a-42e1-ba37-c3807cebde8f")
            .is_some()
    );
}

#[tokio::test]
async fn a_handed_over_profile_token_is_used_as_is() {
    let mock = SyneriseMock::start_with(
        MockConfig::default()
            .profile_account(ProfileAccount::email("jane@example.com", "profile-pw")),
    )
    .await;
    let client_id = mock
        .client_id(synerise_mock::ProfileRef::Email("jane@example.com".into()))
        .unwrap();
    let token = mock.issue_profile_token(client_id).unwrap();
    let profile = ProfileCredentials::email_password(
        mock.profile_api_key(),
        "jane@example.com",
        "profile-pw",
    );
    let client = client(
        &mock,
        Credentials::profile(profile).with_token(token.clone()),
    );
    client
        .call(client.api().list_own_events().send())
        .await
        .unwrap();
    assert_eq!(
        mock.issued_token_count(),
        1,
        "the handed-over token was used as is"
    );
}
