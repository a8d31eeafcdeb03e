//! Authentication rules and every login flow.

use std::time::Duration;

use reqwest::{Method, StatusCode};
use serde_json::json;
use synerise_mock::{MockConfig, MockUser, MockWorkspace, ProfileAccount, SyneriseMock};
use uuid::Uuid;

use crate::common::{Env, assert_error_body, assert_real_exp, custom_event, send};

#[tokio::test]
async fn missing_token_gets_401_with_synerise_body() {
    let env = Env::new().await;
    let (status, body) = send(
        env.raw(Method::GET, "/v4/clients")
            .header("Api-Version", "4.4"),
    )
    .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_error_body(&body, 401, "/v4/clients");
    assert_eq!(body["error"], "Unauthorized");
}

#[tokio::test]
async fn bad_tokens_are_rejected() {
    let env = Env::new().await;
    // Garbage, a JWT-shaped token the mock never issued, and wrong Basic credentials.
    let forged = {
        let real = env.workspace_token().await;
        let mut parts: Vec<&str> = real.split('.').collect();
        parts[2] = "c2lnbmF0dXJl";
        parts.join(".")
    };
    for auth in [
        "Bearer not-a-token".to_owned(),
        format!("Bearer {forged}"),
        "Basic Zm9vOmJhcg==".to_owned(),
        "Token abc".to_owned(),
    ] {
        let (status, body) = send(
            env.raw(Method::GET, "/v4/clients")
                .header("Api-Version", "4.4")
                .header("Authorization", &auth),
        )
        .await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "{auth}");
        assert_error_body(&body, 401, "/v4/clients");
    }
}

#[tokio::test]
async fn expired_tokens_are_rejected() {
    let mock =
        SyneriseMock::start_with(MockConfig::default().token_lifetime(Duration::from_secs(5)))
            .await;
    let env = Env::with(mock);
    let token = env.workspace_token().await;
    assert_real_exp(&env.mock, &token, 5);
    let (status, _) = send(env.bearer(Method::GET, "/v4/clients", &token)).await;
    assert_eq!(status, StatusCode::OK);

    env.mock.advance_clock(Duration::from_secs(6));
    let (status, body) = send(env.bearer(Method::GET, "/v4/clients", &token)).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(body["message"], "Token expired.");
}

#[tokio::test]
async fn zero_lifetime_tokens_are_already_expired() {
    let mock = SyneriseMock::start_with(MockConfig::default().token_lifetime(Duration::ZERO)).await;
    let env = Env::with(mock);
    let token = env.workspace_token().await;
    let (status, body) = send(env.bearer(Method::GET, "/v4/clients", &token)).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(body["message"], "Token expired.");
}

#[tokio::test]
async fn revoked_tokens_are_rejected_but_basic_auth_still_works() {
    let env = Env::new().await;
    let a = env.workspace_token().await;
    let b = env.workspace_token().await;
    assert!(env.mock.revoke_token(&a));
    let (status, body) = send(env.bearer(Method::GET, "/v4/clients", &a)).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(body["message"], "Token revoked.");
    let (status, _) = send(env.bearer(Method::GET, "/v4/clients", &b)).await;
    assert_eq!(status, StatusCode::OK);

    assert_eq!(env.mock.revoke_all_tokens(), 1);
    let (status, _) = send(env.bearer(Method::GET, "/v4/clients", &b)).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let (status, _) = send(env.ws(Method::GET, "/v4/clients")).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(env.mock.issued_token_count(), 2);
}

#[tokio::test]
async fn workspace_login_issues_a_jwt_with_a_real_exp() {
    let env = Env::new().await;
    let token = env.workspace_token().await;
    let claims = assert_real_exp(&env.mock, &token, 3600);
    assert_eq!(claims["rlm"], "business_profile");
    assert_eq!(claims["sub"], env.mock.workspace_guid());

    let (status, body) = send(
        env.raw(Method::POST, "/uauth/v2/auth/login/profile")
            .json(&json!({ "apiKey": "wrong" })),
    )
    .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_error_body(&body, 401, "/uauth/v2/auth/login/profile");
}

#[tokio::test]
async fn user_login_with_mfa_and_workspace_selection() {
    let ws_uuid = Uuid::from_u128(0x1234);
    let user = MockUser::new("mfa@example.com", "secret")
        .mfa_code("123456")
        .workspace(MockWorkspace::new(ws_uuid, "Shop").id(77));
    let env = Env::with(SyneriseMock::start_with(MockConfig::default().user(user)).await);

    let (status, _) = send(
        env.raw(Method::POST, "/uauth/auth/login/user")
            .json(&json!({ "username": "mfa@example.com", "password": "nope" })),
    )
    .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);

    let (status, body) = send(
        env.raw(Method::POST, "/uauth/auth/login/user")
            .json(&json!({ "username": "mfa@example.com", "password": "secret" })),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["consumer"]["type"], "USER");
    let pending = body["token"].as_str().unwrap().to_owned();
    let claims = assert_real_exp(&env.mock, &pending, 3600);
    assert_eq!(claims["mfa"], "PENDING");

    // MFA not confirmed yet: workspace listing is refused.
    let (status, _) = send(env.bearer(Method::GET, "/uauth/business-profile/", &pending)).await;
    assert_eq!(status, StatusCode::FORBIDDEN);

    let mfa = "/uauth/auth/login/user/mfa/verification?mfaType=TOTP_AUTHENTICATOR";
    let (status, _) = send(
        env.bearer(Method::POST, mfa, &pending)
            .json(&json!({ "verificationCode": "000000" })),
    )
    .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let (status, body) = send(
        env.bearer(Method::POST, mfa, &pending)
            .json(&json!({ "verificationCode": "123456" })),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let user_token = body["token"].as_str().unwrap().to_owned();
    assert_real_exp(&env.mock, &user_token, 3600);

    let (status, body) =
        send(env.bearer(Method::GET, "/uauth/business-profile/", &user_token)).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body[0]["businessProfileGuid"], ws_uuid.to_string());
    assert_eq!(body[0]["id"], 77);

    let (status, body) =
        send(env.bearer(Method::GET, "/uauth/business-profile/current", &user_token)).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body["selected"], false);

    // A user token without a workspace cannot work inside a workspace.
    let (status, _) = send(env.bearer(Method::GET, "/v4/clients", &user_token)).await;
    assert_eq!(status, StatusCode::FORBIDDEN);

    let (status, _) = send(env.bearer(
        Method::POST,
        &format!("/uauth/auth/login/user/profile/{}", Uuid::from_u128(9)),
        &user_token,
    ))
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, body) = send(env.bearer(
        Method::POST,
        &format!("/uauth/auth/login/user/profile/{ws_uuid}"),
        &user_token,
    ))
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["consumer"]["businessProfileId"], 77);
    let selected = body["token"].as_str().unwrap().to_owned();
    let claims = assert_real_exp(&env.mock, &selected, 3600);
    assert_eq!(claims["bpi"], 77);

    let (status, body) =
        send(env.bearer(Method::GET, "/uauth/business-profile/current", &selected)).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body["selected"], true);
    assert_eq!(body["data"]["businessProfileGuid"], ws_uuid.to_string());
    let (status, _) = send(env.bearer(Method::GET, "/v4/clients", &selected)).await;
    assert_eq!(status, StatusCode::OK);
}

#[tokio::test]
async fn default_user_logs_in_without_mfa() {
    let env = Env::new().await;
    let (status, body) = send(
        env.raw(Method::POST, "/uauth/auth/login/user")
            .json(&json!({
                "username": MockConfig::DEFAULT_USERNAME,
                "password": MockConfig::DEFAULT_PASSWORD,
            })),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let claims = assert_real_exp(&env.mock, body["token"].as_str().unwrap(), 3600);
    assert_eq!(claims["mfa"], "NONE");
    assert_eq!(claims["rlm"], "user");
}

#[tokio::test]
async fn profile_login_flows_issue_tokens() {
    let config =
        MockConfig::default().profile_account(ProfileAccount::email("p@example.com", "pw"));
    let env = Env::with(SyneriseMock::start_with(config).await);
    let key = env.mock.profile_api_key().to_owned();
    assert_eq!(env.mock.profile_count(), 1);

    // SYNERISE provider: password checked.
    let login = "/sauth/v3/auth/login/client";
    let (status, _) = send(env.raw(Method::POST, login).json(&json!({
        "apiKey": key, "identityProvider": "SYNERISE", "email": "p@example.com", "password": "bad"
    })))
    .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let (status, body) = send(env.raw(Method::POST, login).json(&json!({
        "apiKey": key, "identityProvider": "SYNERISE", "email": "p@example.com", "password": "pw"
    })))
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let claims = assert_real_exp(&env.mock, body["token"].as_str().unwrap(), 3600);
    assert_eq!(claims["rlm"], "client");
    assert_eq!(claims["eml"], "p@example.com");

    // Wrong profile API key.
    let (status, _) = send(env.raw(Method::POST, login).json(&json!({
        "apiKey": "nope", "identityProvider": "SYNERISE", "email": "p@example.com", "password": "pw"
    })))
    .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);

    // Another provider creates the account.
    let (status, body) = send(env.raw(Method::POST, login).json(&json!({
        "apiKey": key, "identityProvider": "OAUTH", "identityProviderToken": "t", "customId": "oauth-1"
    })))
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_real_exp(&env.mock, body["token"].as_str().unwrap(), 3600);
    assert!(env.mock.profile_by_custom_id("oauth-1").is_some());
    assert_eq!(env.mock.profile_count(), 2);

    // Conditional login: existing account only, full response.
    let conditional = "/sauth/v3/auth/login/client/conditional";
    let (status, body) = send(env.raw(Method::POST, conditional).json(&json!({
        "apiKey": key, "identityProvider": "OAUTH", "identityProviderToken": "t", "customId": "oauth-1"
    })))
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["status"], "SUCCESS");
    assert_eq!(body["customId"], "oauth-1");
    assert_eq!(body["realm"], "client");
    let claims = assert_real_exp(&env.mock, body["token"].as_str().unwrap(), 3600);
    assert_eq!(body["expiration"], claims["exp"]);
    let (status, _) = send(env.raw(Method::POST, conditional).json(&json!({
        "apiKey": key, "identityProvider": "OAUTH", "identityProviderToken": "t", "customId": "nobody"
    })))
    .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(env.mock.profile_count(), 2);

    // Anonymous login creates an anonymous profile.
    let uuid = Uuid::from_u128(42).to_string();
    let (status, body) = send(
        env.raw(Method::POST, "/sauth/v3/auth/login/client/anonymous")
            .json(&json!({ "apiKey": key, "uuid": uuid })),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let claims = assert_real_exp(&env.mock, body["token"].as_str().unwrap(), 3600);
    assert_eq!(claims["rlm"], "anonymous_client");
    assert_eq!(env.mock.profile_by_uuid(&uuid).unwrap()["anonymous"], true);
}

async fn anonymous_token(env: &Env) -> String {
    let (status, body) = send(
        env.raw(Method::POST, "/sauth/v3/auth/login/client/anonymous")
            .json(&json!({ "apiKey": env.mock.profile_api_key(), "uuid": Uuid::from_u128(7).to_string() })),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    body["token"].as_str().unwrap().to_owned()
}

#[tokio::test]
async fn refresh_needs_a_still_valid_profile_token() {
    let mock =
        SyneriseMock::start_with(MockConfig::default().token_lifetime(Duration::from_secs(60)))
            .await;
    let env = Env::with(mock);
    let token = anonymous_token(&env).await;
    let refresh = "/sauth/v3/auth/refresh/client";
    let key = env.mock.profile_api_key().to_owned();

    let (status, body) = send(
        env.bearer(Method::POST, refresh, &token)
            .json(&json!({ "apiKey": key })),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let fresh = body["token"].as_str().unwrap().to_owned();
    let claims = assert_real_exp(&env.mock, &fresh, 60);
    assert_eq!(body["expiration"], claims["exp"]);
    assert_eq!(body["realm"], "anonymous_client");
    assert!(body["created"].as_i64().unwrap() > 0);

    // Wrong key, no token, a workspace token: refused.
    let (status, _) = send(
        env.bearer(Method::POST, refresh, &token)
            .json(&json!({ "apiKey": "x" })),
    )
    .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let (status, _) = send(
        env.raw(Method::POST, refresh)
            .json(&json!({ "apiKey": key })),
    )
    .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let ws = env.workspace_token().await;
    let (status, _) = send(
        env.bearer(Method::POST, refresh, &ws)
            .json(&json!({ "apiKey": key })),
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN);

    // Once expired, a token cannot be refreshed.
    env.mock.advance_clock(Duration::from_secs(61));
    let (status, body) = send(
        env.bearer(Method::POST, refresh, &fresh)
            .json(&json!({ "apiKey": key })),
    )
    .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(body["message"], "Token expired.");
}

#[tokio::test]
async fn logout_revokes_the_profiles_tokens() {
    let env = Env::new().await;
    let token = anonymous_token(&env).await;
    let client_id = synerise_mock::decode_claims(&token).unwrap()["clId"]
        .as_i64()
        .unwrap();
    let event = custom_event(json!({ "uuid": Uuid::from_u128(7).to_string() }), "x.y");
    let (status, _) = send(
        env.bearer(Method::POST, "/v4/events/custom", &token)
            .json(&event),
    )
    .await;
    assert_eq!(status, StatusCode::ACCEPTED);

    let (status, _) = send(
        env.ws(
            Method::POST,
            &format!("/sauth/management/client/{client_id}/logout"),
        )
        .json(&json!({ "action": "LOGOUT" })),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let (status, _) = send(
        env.bearer(Method::POST, "/v4/events/custom", &token)
            .json(&event),
    )
    .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn consumer_scope_follows_the_operation_table() {
    let env = Env::new().await;
    let profile = anonymous_token(&env).await;
    // Profiles may not list profiles...
    let (status, body) = send(env.bearer(Method::GET, "/v4/clients", &profile)).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert_error_body(&body, 403, "/v4/clients");
    // ...and the workspace may not read a profile's own activities.
    let (status, _) = send(env.ws(Method::GET, "/activities-api/events")).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
}
