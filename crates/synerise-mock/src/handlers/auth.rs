//! Login, token refresh, workspace selection and logout.

use axum::http::StatusCode;
use axum::response::Response;
use serde_json::{Map, Value, json};

use crate::auth::{Presented, Principal, presented};
use crate::config::MockUser;
use crate::dispatch::Ctx;
use crate::store::Ids;
use crate::util::{empty_response, fmt_time_secs, json_response, lock};

fn str_field<'a>(body: &'a Value, name: &str) -> Option<&'a str> {
    body.get(name)
        .and_then(Value::as_str)
        .filter(|s| !s.is_empty())
}

fn user_of<'a>(ctx: &'a Ctx<'_>) -> Option<(usize, &'a MockUser, Option<usize>)> {
    match ctx.principal {
        Some(Principal::User {
            user, workspace, ..
        }) => ctx
            .shared
            .config
            .users
            .get(user)
            .map(|u| (user, u, workspace)),
        _ => None,
    }
}

fn consumer_json(user: &MockUser, workspace: Option<usize>) -> Value {
    let bp = workspace
        .and_then(|w| user.workspaces.get(w))
        .map(|w| w.id)
        .unwrap_or(0);
    json!({
        "type": "USER",
        "businessProfileId": bp,
        "name": user.username,
        "id": user.id,
        "authorities": ["ROLE_USER"],
        "roles": "ADMIN",
    })
}

fn mint_user(
    ctx: &Ctx<'_>,
    index: usize,
    user: &MockUser,
    workspace: Option<usize>,
    mfa_pending: bool,
) -> String {
    let ws = workspace.and_then(|w| user.workspaces.get(w));
    let mut claims = Map::new();
    claims.insert("usr".into(), json!(user.id));
    claims.insert(
        "mfa".into(),
        json!(match (&user.mfa_code, mfa_pending) {
            (None, _) => "NONE",
            (Some(_), true) => "PENDING",
            (Some(_), false) => "VERIFIED",
        }),
    );
    claims.insert("bpi".into(), json!(ws.map(|w| w.id)));
    claims.insert("bpg".into(), json!(ws.map(|w| w.uuid.to_string())));
    ctx.shared
        .mint(
            Principal::User {
                user: index,
                workspace,
                mfa_pending,
            },
            &user.username,
            claims,
            ctx.now,
        )
        .token
}

/// `POST /uauth/auth/login/user`
pub(super) fn user_login(ctx: &Ctx<'_>) -> Response {
    let body = match ctx.json() {
        Ok(b) => b,
        Err(r) => return r,
    };
    let (Some(username), Some(password)) =
        (str_field(&body, "username"), str_field(&body, "password"))
    else {
        return ctx.error(
            StatusCode::BAD_REQUEST,
            "username and password are required",
        );
    };
    let found = ctx
        .shared
        .config
        .users
        .iter()
        .enumerate()
        .find(|(_, u)| u.username == username && u.password == password);
    let Some((index, user)) = found else {
        return ctx.error(StatusCode::UNAUTHORIZED, "Bad credentials");
    };
    let pending = user.mfa_code.is_some();
    let token = mint_user(ctx, index, user, None, pending);
    let mut out = json!({ "consumer": consumer_json(user, None), "token": token });
    if pending {
        out["mfaMethods"] = json!(["TOTP_AUTHENTICATOR"]);
    }
    json_response(StatusCode::OK, &out)
}

/// `POST /uauth/auth/login/user/mfa/verification`
pub(super) fn user_mfa(ctx: &Ctx<'_>) -> Response {
    let Some((index, user, workspace)) = user_of(ctx) else {
        return ctx.error(StatusCode::FORBIDDEN, "Only users can verify MFA");
    };
    let body = match ctx.json() {
        Ok(b) => b,
        Err(r) => return r,
    };
    let mfa_type = ctx.query("mfaType").or_else(|| str_field(&body, "mfaType"));
    if let Some(t) = mfa_type
        && t != "TOTP_AUTHENTICATOR"
        && t != "EMAIL"
    {
        return ctx.error(
            StatusCode::BAD_REQUEST,
            "mfaType must be TOTP_AUTHENTICATOR or EMAIL",
        );
    }
    let Some(code) = str_field(&body, "verificationCode") else {
        return ctx.error(StatusCode::BAD_REQUEST, "verificationCode is required");
    };
    match &user.mfa_code {
        None => ctx.error(
            StatusCode::BAD_REQUEST,
            "Multi-factor authentication is not enabled for this user",
        ),
        Some(expected) if expected != code => {
            ctx.error(StatusCode::UNAUTHORIZED, "Invalid verification code")
        }
        Some(_) => {
            let token = mint_user(ctx, index, user, workspace, false);
            json_response(
                StatusCode::OK,
                &json!({ "consumer": consumer_json(user, workspace), "token": token }),
            )
        }
    }
}

/// `POST /uauth/auth/login/user/profile/{businessProfileUUID}`
pub(super) fn select_workspace(ctx: &Ctx<'_>) -> Response {
    let Some((index, user, _)) = user_of(ctx) else {
        return ctx.error(StatusCode::FORBIDDEN, "Only users can select a workspace");
    };
    let wanted = ctx.param("businessProfileUUID");
    let Some(ws) = user
        .workspaces
        .iter()
        .position(|w| w.uuid.to_string().eq_ignore_ascii_case(wanted))
    else {
        return ctx.error(
            StatusCode::FORBIDDEN,
            "User has no access to this workspace",
        );
    };
    let token = mint_user(ctx, index, user, Some(ws), false);
    json_response(
        StatusCode::OK,
        &json!({ "consumer": consumer_json(user, Some(ws)), "token": token }),
    )
}

fn workspace_json(ctx: &Ctx<'_>, user: &MockUser, w: usize) -> Value {
    let ws = &user.workspaces[w];
    json!({
        "businessProfileGuid": ws.uuid.to_string(),
        "logo": "",
        "name": ws.name,
        "id": ws.id,
        "created": fmt_time_secs(ctx.shared.started),
        "subdomain": ws.name.to_lowercase().replace(' ', "-"),
        "ipRestricted": false,
        "mfaRequired": user.mfa_code.is_some(),
    })
}

/// `GET /uauth/business-profile/`
pub(super) fn list_workspaces(ctx: &Ctx<'_>) -> Response {
    let Some((_, user, _)) = user_of(ctx) else {
        return ctx.error(StatusCode::FORBIDDEN, "Only users can list workspaces");
    };
    let list: Vec<Value> = (0..user.workspaces.len())
        .map(|w| workspace_json(ctx, user, w))
        .collect();
    json_response(StatusCode::OK, &Value::Array(list))
}

/// `GET /uauth/business-profile/current`
pub(super) fn current_workspace(ctx: &Ctx<'_>) -> Response {
    let Some((_, user, workspace)) = user_of(ctx) else {
        return ctx.error(StatusCode::FORBIDDEN, "Only users have a current workspace");
    };
    let data = workspace.map(|w| {
        let ws = &user.workspaces[w];
        json!({
            "id": ws.id,
            "name": ws.name,
            "logo": "",
            "businessProfileGuid": ws.uuid.to_string(),
            "created": fmt_time_secs(ctx.shared.started),
            "subdomain": ws.name.to_lowercase().replace(' ', "-"),
            "ipRestriction": "OFF",
            "mfaRestriction": if user.mfa_code.is_some() { "ON" } else { "OFF" },
        })
    });
    json_response(
        StatusCode::OK,
        &json!({ "selected": data.is_some(), "data": data }),
    )
}

/// `POST /uauth/v2/auth/login/profile`
pub(super) fn workspace_login(ctx: &Ctx<'_>) -> Response {
    let body = match ctx.json() {
        Ok(b) => b,
        Err(r) => return r,
    };
    let Some(api_key) = str_field(&body, "apiKey") else {
        return ctx.error(StatusCode::BAD_REQUEST, "apiKey is required");
    };
    if api_key != ctx.shared.config.api_key {
        return ctx.error(StatusCode::UNAUTHORIZED, "Invalid API key");
    }
    let token = ctx.shared.mint_workspace(ctx.now).token;
    json_response(StatusCode::OK, &json!({ "token": token }))
}

const PROVIDERS: [&str; 6] = [
    "SYNERISE", "FACEBOOK", "OAUTH", "APPLE", "GOOGLE", "UNKNOWN",
];

/// `POST /sauth/v3/auth/login/client` and `.../conditional`
pub(super) fn client_login(ctx: &Ctx<'_>, conditional: bool) -> Response {
    let body = match ctx.json() {
        Ok(b) => b,
        Err(r) => return r,
    };
    if str_field(&body, "apiKey") != Some(ctx.shared.config.profile_api_key.as_str()) {
        return ctx.error(StatusCode::UNAUTHORIZED, "Invalid API key");
    }
    let provider = str_field(&body, "identityProvider").unwrap_or("");
    if !PROVIDERS.contains(&provider) {
        return ctx.error_with(
            StatusCode::BAD_REQUEST,
            "Some fields did not pass validation",
            vec![json!({
                "field": "identityProvider",
                "message": "must be one of SYNERISE, FACEBOOK, OAUTH, APPLE, GOOGLE, UNKNOWN",
                "rejectedValue": body.get("identityProvider").cloned().unwrap_or(Value::Null),
            })],
        );
    }
    let obj = body.as_object().cloned().unwrap_or_default();
    let mut ids = Ids::from_object(&obj);
    ids.id = None;
    ids.phone = None;
    let client_id = if provider == "SYNERISE" {
        let password = str_field(&body, "password").unwrap_or("");
        let account = ctx.shared.config.profile_accounts.iter().find(|a| {
            a.password == password
                && ((a.email.is_some() && a.email == ids.email)
                    || (a.custom_id.is_some() && a.custom_id == ids.custom_id))
        });
        if account.is_none() {
            return ctx.error(StatusCode::UNAUTHORIZED, "Bad credentials");
        }
        match lock(&ctx.shared.store).profiles.resolve(&ids) {
            Some(id) => id,
            None => return ctx.error(StatusCode::UNAUTHORIZED, "Bad credentials"),
        }
    } else {
        if str_field(&body, "identityProviderToken").is_none() {
            return ctx.error(
                StatusCode::BAD_REQUEST,
                "identityProviderToken is required for this identityProvider",
            );
        }
        if ids.is_empty() {
            return ctx.error(StatusCode::BAD_REQUEST, "A profile identifier is required");
        }
        let mut store = lock(&ctx.shared.store);
        match store.profiles.resolve(&ids) {
            Some(id) => id,
            None if conditional => {
                return ctx.error(StatusCode::UNAUTHORIZED, "Profile account does not exist");
            }
            None => {
                let mut patch = Map::new();
                for key in ["attributes", "agreements", "tags"] {
                    if let Some(v) = obj.get(key) {
                        patch.insert(key.to_owned(), v.clone());
                    }
                }
                let store = &mut *store;
                match store
                    .profiles
                    .upsert(None, &ids, Some(&patch), ctx.now, &mut store.rng)
                {
                    Ok((id, _)) => id,
                    Err(_) => {
                        return ctx
                            .error(StatusCode::BAD_REQUEST, "A profile identifier is required");
                    }
                }
            }
        }
    };
    let minted = ctx.shared.mint_profile(client_id, false, ctx.now);
    if conditional {
        let custom_id = lock(&ctx.shared.store)
            .profiles
            .field(client_id, "customId");
        json_response(
            StatusCode::OK,
            &json!({
                "conditions": [],
                "status": "SUCCESS",
                "token": minted.token,
                "expiration": minted.exp,
                "created": minted.created_ms,
                "origin": provider,
                "customId": custom_id,
                "realm": "client",
            }),
        )
    } else {
        json_response(StatusCode::OK, &json!({ "token": minted.token }))
    }
}

/// `POST /sauth/v3/auth/login/client/anonymous`
pub(super) fn anonymous_login(ctx: &Ctx<'_>) -> Response {
    let body = match ctx.json() {
        Ok(b) => b,
        Err(r) => return r,
    };
    if str_field(&body, "apiKey") != Some(ctx.shared.config.profile_api_key.as_str()) {
        return ctx.error(StatusCode::UNAUTHORIZED, "Invalid API key");
    }
    let Some(uuid) = str_field(&body, "uuid") else {
        return ctx.error(StatusCode::BAD_REQUEST, "uuid is required");
    };
    let ids = Ids {
        uuid: Some(uuid.to_owned()),
        ..Ids::default()
    };
    let client_id = {
        let mut store = lock(&ctx.shared.store);
        let store = &mut *store;
        match store.profiles.resolve(&ids) {
            Some(id) => id,
            None => match store
                .profiles
                .upsert(None, &ids, None, ctx.now, &mut store.rng)
            {
                Ok((id, _)) => {
                    store.profiles.set_anonymous(id);
                    id
                }
                Err(_) => return ctx.error(StatusCode::BAD_REQUEST, "uuid is required"),
            },
        }
    };
    let minted = ctx.shared.mint_profile(client_id, true, ctx.now);
    json_response(StatusCode::OK, &json!({ "token": minted.token }))
}

/// `POST /sauth/v3/auth/refresh/client`: needs the current, still valid profile token.
pub(super) fn refresh_client(ctx: &Ctx<'_>) -> Response {
    let Presented::Bearer(token) = presented(ctx.headers) else {
        return ctx.error(
            StatusCode::UNAUTHORIZED,
            "The current token must be sent in the Authorization header",
        );
    };
    let principal = match lock(&ctx.shared.tokens).check(&token, ctx.now) {
        Ok(rec) => rec.principal.clone(),
        Err(e) => return ctx.error(StatusCode::UNAUTHORIZED, e.message()),
    };
    let Principal::Profile {
        client_id,
        anonymous,
    } = principal
    else {
        return ctx.error(
            StatusCode::FORBIDDEN,
            "Only profile tokens can be refreshed here",
        );
    };
    let body = match ctx.json() {
        Ok(b) => b,
        Err(r) => return r,
    };
    if str_field(&body, "apiKey") != Some(ctx.shared.config.profile_api_key.as_str()) {
        return ctx.error(StatusCode::UNAUTHORIZED, "Invalid API key");
    }
    let minted = ctx.shared.mint_profile(client_id, anonymous, ctx.now);
    let custom_id = lock(&ctx.shared.store)
        .profiles
        .field(client_id, "customId");
    json_response(
        StatusCode::OK,
        &json!({
            "token": minted.token,
            "expiration": minted.exp,
            "created": minted.created_ms,
            "origin": "SYNERISE",
            "customId": custom_id,
            "realm": if anonymous { "anonymous_client" } else { "client" },
        }),
    )
}

/// `POST /sauth/management/client/{clientID}/logout`: revokes the profile's tokens.
pub(super) fn logout_client(ctx: &Ctx<'_>) -> Response {
    let Ok(client_id) = ctx.param("clientID").parse::<i64>() else {
        return ctx.error(StatusCode::BAD_REQUEST, "clientID must be a number");
    };
    if !ctx.body.is_empty() {
        let body = match ctx.json() {
            Ok(b) => b,
            Err(r) => return r,
        };
        if let Some(action) = body.get("action")
            && action != "LOGOUT"
            && action != "LOGOUT_WITH_SESSION_CLEARING"
        {
            return ctx.error(
                StatusCode::BAD_REQUEST,
                "action must be LOGOUT or LOGOUT_WITH_SESSION_CLEARING",
            );
        }
    }
    lock(&ctx.shared.tokens).revoke_profile(client_id);
    empty_response(StatusCode::OK)
}
