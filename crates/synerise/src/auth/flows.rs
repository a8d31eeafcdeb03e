//! The login, MFA, Workspace-selection and refresh requests, sent through the same retry and
//! tracing path as every other request but without the authentication hook (so logins never
//! recurse). They are built by hand rather than with the generated builders because the User login
//! answer carries `mfaMethods` (not in the spec's response schema), three of them need a specific
//! bearer token, and the secrets must stay `SecretString` until the body bytes are written.

use reqwest::header::{ACCEPT, AUTHORIZATION, CONTENT_TYPE, HeaderValue};
use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;
use serde_json::{Map, Value, json};
use synerise_api::operations;
use uuid::Uuid;

use super::credentials::{
    MfaChallenge, MfaCode, MfaMethod, ProfileCredentials, ProfileMode, UserCredentials,
};
use crate::error::ApiErrorBody;
use crate::transport::Executor;
use crate::{Error, Result};

/// `Authorization: Bearer <token>`, marked sensitive so that no `Debug` prints it.
pub(crate) fn bearer(token: &SecretString) -> Result<HeaderValue> {
    let mut value =
        HeaderValue::from_str(&format!("Bearer {}", token.expose_secret())).map_err(|_| {
            Error::Auth {
                message: "the token contains characters that cannot be sent in a header".into(),
                status: None,
                body: None,
            }
        })?;
    value.set_sensitive(true);
    Ok(value)
}

/// Replaces every occurrence of a secret in an error body, and drops rejected values (a validation
/// error on `password` would echo it).
fn redact(body: &mut ApiErrorBody, secrets: &[&str]) {
    let scrub = |text: &mut String| {
        for s in secrets.iter().filter(|s| s.len() >= 3) {
            if text.contains(*s) {
                *text = text.replace(*s, "[redacted]");
            }
        }
    };
    scrub(&mut body.raw);
    if let Some(m) = body.message.as_mut() {
        scrub(m);
    }
    for e in &mut body.errors {
        e.rejected_value = None;
        if let Some(m) = e.message.as_mut() {
            scrub(m);
        }
    }
}

#[derive(Deserialize)]
struct TokenBody {
    token: Option<String>,
    #[serde(rename = "mfaMethods")]
    mfa_methods: Option<Vec<String>>,
    conditions: Option<Vec<String>>,
    status: Option<String>,
}

/// Sends one auth request; returns the parsed body of a success.
async fn send(
    exec: &Executor,
    op_id: &'static str,
    path: &str,
    token: Option<&SecretString>,
    body: Option<Value>,
    secrets: &[&str],
    what: &str,
) -> Result<TokenBody> {
    let op = operations::find(op_id).ok_or_else(|| {
        Error::Config(format!("operation `{op_id}` is not in the operation table"))
    })?;
    let url = format!("{}{}", exec.base_url(), path);
    let mut builder = exec.http.post(url).header(ACCEPT, "application/json");
    if let Some(body) = body {
        let bytes = serde_json::to_vec(&body)
            .map_err(|e| Error::Config(format!("cannot serialise the {what} request: {e}")))?;
        builder = builder.header(CONTENT_TYPE, "application/json").body(bytes);
    }
    let mut request = builder.build().map_err(|e| {
        Error::Config(format!(
            "cannot build the {what} request: {}",
            e.without_url()
        ))
    })?;
    synerise_api::hooks::apply_operation_headers(&mut request, op);
    if let Some(token) = token {
        request.headers_mut().insert(AUTHORIZATION, bearer(token)?);
    }
    let mut attempt = 0;
    let response = exec
        .execute(request, op, &mut attempt)
        .await
        .map_err(Error::from_reqwest)?;
    let status = response.status();
    let headers = response.headers().clone();
    let bytes = response.bytes().await.map_err(Error::from_reqwest)?;
    if !status.is_success() {
        let mut body = ApiErrorBody::parse(&bytes);
        redact(&mut body, secrets);
        let body = Box::new(body);
        return Err(match status.as_u16() {
            429 => Error::RateLimited {
                retry_after: crate::retry::parse_retry_after(
                    &headers,
                    std::time::SystemTime::now(),
                ),
                body,
            },
            400..=499 => Error::Auth {
                message: format!("{what} was refused"),
                status: Some(status),
                body: Some(body),
            },
            _ => Error::Api { status, body },
        });
    }
    // Never keep a login response body in an error: it may hold a token.
    serde_json::from_slice::<TokenBody>(&bytes).map_err(|e| Error::Auth {
        message: format!("{what}: the response is not the expected JSON ({e})"),
        status: Some(status),
        body: None,
    })
}

fn token_of(body: TokenBody, what: &str) -> Result<SecretString> {
    match body.token.filter(|t| !t.is_empty()) {
        Some(t) => Ok(SecretString::from(t)),
        None => Err(Error::Auth {
            message: format!("{what}: the response has no token"),
            status: None,
            body: None,
        }),
    }
}

/// `POST /uauth/v2/auth/login/profile` `{"apiKey"}`.
pub(crate) async fn workspace_login(
    exec: &Executor,
    api_key: &SecretString,
) -> Result<SecretString> {
    let key = api_key.expose_secret();
    let body = send(
        exec,
        "profile_login",
        "/uauth/v2/auth/login/profile",
        None,
        Some(json!({ "apiKey": key })),
        &[key],
        "the Workspace login",
    )
    .await?;
    token_of(body, "the Workspace login")
}

/// The outcome of the first User login request.
pub(crate) enum UserLogin {
    Done(SecretString),
    Mfa {
        token: SecretString,
        challenge: MfaChallenge,
    },
}

/// `POST /uauth/auth/login/user` `{"username","password","deviceId"?}`.
pub(crate) async fn user_login(exec: &Executor, user: &UserCredentials) -> Result<UserLogin> {
    let password = user.password.expose_secret();
    let mut body = json!({ "username": user.username, "password": password });
    if let Some(device) = &user.device_id {
        body["deviceId"] = json!(device);
    }
    let answer = send(
        exec,
        "user_login",
        "/uauth/auth/login/user",
        None,
        Some(body),
        &[password],
        "the User login",
    )
    .await?;
    let methods: Vec<MfaMethod> = answer
        .mfa_methods
        .clone()
        .unwrap_or_default()
        .iter()
        .map(|m| MfaMethod::parse(m))
        .collect();
    let token = token_of(answer, "the User login")?;
    if methods.is_empty() {
        Ok(UserLogin::Done(token))
    } else {
        Ok(UserLogin::Mfa {
            token,
            challenge: MfaChallenge { methods },
        })
    }
}

/// `POST /uauth/auth/login/user/mfa/verification` with the pending User token.
pub(crate) async fn user_mfa(
    exec: &Executor,
    pending: &SecretString,
    code: &MfaCode,
    device_id: Option<&str>,
) -> Result<SecretString> {
    let secret = code.code.expose_secret();
    let mut body = json!({ "mfaType": code.method.as_str(), "verificationCode": secret });
    if let Some(device) = device_id {
        body["deviceId"] = json!(device);
    }
    let answer = send(
        exec,
        "user_mfa_login",
        "/uauth/auth/login/user/mfa/verification",
        Some(pending),
        Some(body),
        &[secret, pending.expose_secret()],
        "the multi-factor verification",
    )
    .await?;
    token_of(answer, "the multi-factor verification")
}

/// `POST /uauth/auth/login/user/profile/{businessProfileUUID}` with a User token.
pub(crate) async fn select_workspace(
    exec: &Executor,
    user_token: &SecretString,
    workspace: Uuid,
) -> Result<SecretString> {
    let path = format!("/uauth/auth/login/user/profile/{workspace}");
    let answer = send(
        exec,
        "user_profile_login_using_post",
        &path,
        Some(user_token),
        None,
        &[user_token.expose_secret()],
        "the Workspace selection",
    )
    .await?;
    token_of(answer, "the Workspace selection")
}

/// The whole User login: login, MFA through the callback, Workspace selection.
pub(crate) async fn user_full_login(
    exec: &Executor,
    user: &UserCredentials,
) -> Result<SecretString> {
    let token = match user_login(exec, user).await? {
        UserLogin::Done(token) => token,
        UserLogin::Mfa { token, challenge } => {
            let Some(callback) = &user.mfa else {
                return Err(Error::Auth {
                    message: "the User login needs multi-factor verification, and the credentials have no MFA callback (UserCredentials::mfa); use Client::login_user and Client::verify_mfa".into(),
                    status: None,
                    body: None,
                });
            };
            let code = callback(challenge).await?;
            user_mfa(exec, &token, &code, user.device_id.as_deref()).await?
        }
    };
    match user.workspace {
        Some(workspace) => select_workspace(exec, &token, workspace).await,
        None => Ok(token),
    }
}

/// `POST /sauth/v3/auth/login/client` (or `/conditional`, or `/anonymous`).
pub(crate) async fn profile_login(exec: &Executor, p: &ProfileCredentials) -> Result<SecretString> {
    let api_key = p.api_key.expose_secret();
    let mut body = Map::new();
    body.insert("apiKey".into(), json!(api_key));
    let mut secrets = vec![api_key];
    let (op, path, what) = match p.mode {
        ProfileMode::Anonymous => {
            body.insert("uuid".into(), json!(p.uuid.clone().unwrap_or_default()));
            (
                "log_in_anonymously_v3",
                "/sauth/v3/auth/login/client/anonymous",
                "the anonymous Profile login",
            )
        }
        mode => {
            body.insert("identityProvider".into(), json!(p.provider.as_str()));
            if let Some(t) = &p.provider_token {
                body.insert("identityProviderToken".into(), json!(t.expose_secret()));
                secrets.push(t.expose_secret());
            }
            if let Some(v) = &p.email {
                body.insert("email".into(), json!(v));
            }
            if let Some(v) = &p.custom_id {
                body.insert("customId".into(), v.clone());
            }
            if let Some(v) = &p.password {
                body.insert("password".into(), json!(v.expose_secret()));
                secrets.push(v.expose_secret());
            }
            if let Some(v) = &p.uuid {
                body.insert("uuid".into(), json!(v));
            }
            if let Some(v) = &p.agreements {
                body.insert("agreements".into(), v.clone());
            }
            if let Some(v) = &p.attributes {
                body.insert("attributes".into(), Value::Object(v.clone()));
            }
            if let Some(v) = &p.tags {
                body.insert("tags".into(), json!(v));
            }
            if mode == ProfileMode::Conditional {
                (
                    "authenticate_conditional_using_post",
                    "/sauth/v3/auth/login/client/conditional",
                    "the conditional Profile login",
                )
            } else {
                (
                    "authenticate_using_post_v3",
                    "/sauth/v3/auth/login/client",
                    "the Profile login",
                )
            }
        }
    };
    if let Some(device) = &p.device_id {
        body.insert("deviceId".into(), json!(device));
    }
    let answer = send(
        exec,
        op,
        path,
        None,
        Some(Value::Object(body)),
        &secrets,
        what,
    )
    .await?;
    if p.mode == ProfileMode::Conditional {
        let conditions = answer.conditions.clone().unwrap_or_default();
        let status = answer.status.clone().unwrap_or_default();
        let succeeded = status.is_empty() || status.eq_ignore_ascii_case("SUCCESS");
        if !conditions.is_empty() || !succeeded || answer.token.as_deref().is_none_or(str::is_empty)
        {
            return Err(Error::Auth {
                message: format!(
                    "the conditional Profile login needs more (status `{status}`, conditions: {})",
                    if conditions.is_empty() {
                        "none listed".to_string()
                    } else {
                        conditions.join(", ")
                    }
                ),
                status: None,
                body: None,
            });
        }
    }
    token_of(answer, what)
}

/// `POST /sauth/v3/auth/refresh/client` `{"apiKey"}` with the current, still valid token.
pub(crate) async fn profile_refresh(
    exec: &Executor,
    p: &ProfileCredentials,
    current: &SecretString,
) -> Result<SecretString> {
    let api_key = p.api_key.expose_secret();
    let answer = send(
        exec,
        "refresh_a_client_token_v3",
        "/sauth/v3/auth/refresh/client",
        Some(current),
        Some(json!({ "apiKey": api_key })),
        &[api_key, current.expose_secret()],
        "the Profile token refresh",
    )
    .await?;
    token_of(answer, "the Profile token refresh")
}
