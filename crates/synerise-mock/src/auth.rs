//! Tokens: minting JWT-shaped tokens, keeping them for validation and revocation.

use std::collections::HashMap;

use axum::http::HeaderMap;
use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use chrono::{DateTime, Utc};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde_json::{Value, json};

/// Who a request acts as.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Principal {
    /// Workspace (API-key login or Basic auth).
    Workspace,
    /// A Synerise user; `workspace` is the index of the selected workspace in the user's list.
    User {
        user: usize,
        workspace: Option<usize>,
        mfa_pending: bool,
    },
    /// A profile (client), possibly anonymous.
    Profile { client_id: i64, anonymous: bool },
}

impl Principal {
    pub(crate) fn realm(&self) -> &'static str {
        match self {
            Principal::Workspace => "business_profile",
            Principal::User { .. } => "user",
            Principal::Profile {
                anonymous: false, ..
            } => "client",
            Principal::Profile {
                anonymous: true, ..
            } => "anonymous_client",
        }
    }
}

#[derive(Debug, Clone)]
pub(crate) struct TokenRecord {
    pub principal: Principal,
    pub exp: i64,
    pub revoked: bool,
}

/// Why a request is not authenticated.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum AuthError {
    Missing,
    Invalid,
    Expired,
    Revoked,
}

impl AuthError {
    pub(crate) fn message(self) -> &'static str {
        match self {
            AuthError::Missing => "Full authentication is required to access this resource",
            AuthError::Invalid => "Invalid token.",
            AuthError::Expired => "Token expired.",
            AuthError::Revoked => "Token revoked.",
        }
    }
}

#[derive(Debug)]
pub(crate) struct TokenStore {
    tokens: HashMap<String, TokenRecord>,
    issued: u64,
    rng: StdRng,
}

/// A freshly minted token.
#[derive(Debug, Clone)]
pub(crate) struct Minted {
    pub token: String,
    pub exp: i64,
    pub created_ms: i64,
}

impl TokenStore {
    pub(crate) fn new(seed: u64) -> Self {
        TokenStore {
            tokens: HashMap::new(),
            issued: 0,
            rng: StdRng::seed_from_u64(seed ^ 0x70C3_E2A1),
        }
    }

    pub(crate) fn issued(&self) -> u64 {
        self.issued
    }

    /// Mints and remembers a token. `claims` are added to the standard ones.
    pub(crate) fn mint(
        &mut self,
        principal: Principal,
        subject: &str,
        mut claims: serde_json::Map<String, Value>,
        now: DateTime<Utc>,
        lifetime_secs: i64,
    ) -> Minted {
        self.issued += 1;
        let iat = now.timestamp();
        let exp = iat + lifetime_secs;
        let realm = principal.realm();
        claims.insert("sub".into(), json!(subject));
        claims.insert("rlm".into(), json!(realm));
        claims.insert("realm".into(), json!(realm));
        claims.insert("iss".into(), json!("Synerise"));
        claims.insert("aud".into(), json!("API"));
        claims.insert("iat".into(), json!(iat));
        claims.insert("exp".into(), json!(exp));
        claims.insert("ctd".into(), json!(now.timestamp_millis()));
        claims.insert("jti".into(), json!(format!("mock-{}", self.issued)));
        let header = URL_SAFE_NO_PAD.encode(br#"{"alg":"RS512","typ":"JWT"}"#);
        let payload = URL_SAFE_NO_PAD.encode(Value::Object(claims).to_string());
        let sig_bytes: [u8; 32] = self.rng.random();
        let sig = URL_SAFE_NO_PAD.encode(sig_bytes);
        let token = format!("{header}.{payload}.{sig}");
        self.tokens.insert(
            token.clone(),
            TokenRecord {
                principal,
                exp,
                revoked: false,
            },
        );
        Minted {
            token,
            exp,
            created_ms: now.timestamp_millis(),
        }
    }

    /// Validates a bearer token.
    pub(crate) fn check(&self, token: &str, now: DateTime<Utc>) -> Result<&TokenRecord, AuthError> {
        let rec = self.tokens.get(token).ok_or(AuthError::Invalid)?;
        if rec.revoked {
            return Err(AuthError::Revoked);
        }
        if now.timestamp() >= rec.exp {
            return Err(AuthError::Expired);
        }
        Ok(rec)
    }

    pub(crate) fn revoke_all(&mut self) -> usize {
        let mut n = 0;
        for rec in self.tokens.values_mut() {
            if !rec.revoked {
                rec.revoked = true;
                n += 1;
            }
        }
        n
    }

    pub(crate) fn revoke(&mut self, token: &str) -> bool {
        match self.tokens.get_mut(token) {
            Some(rec) if !rec.revoked => {
                rec.revoked = true;
                true
            }
            _ => false,
        }
    }

    pub(crate) fn revoke_profile(&mut self, client_id: i64) -> usize {
        let mut n = 0;
        for rec in self.tokens.values_mut() {
            if let Principal::Profile { client_id: id, .. } = rec.principal
                && id == client_id
                && !rec.revoked
            {
                rec.revoked = true;
                n += 1;
            }
        }
        n
    }
}

/// The credentials a request presents.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Presented {
    None,
    Bearer(String),
    Basic { user: String, password: String },
    Malformed,
}

pub(crate) fn presented(headers: &HeaderMap) -> Presented {
    let Some(value) = headers.get(axum::http::header::AUTHORIZATION) else {
        return Presented::None;
    };
    let Ok(value) = value.to_str() else {
        return Presented::Malformed;
    };
    let value = value.trim();
    let (scheme, rest) = value.split_once(' ').unwrap_or((value, ""));
    let rest = rest.trim();
    if scheme.eq_ignore_ascii_case("bearer") && !rest.is_empty() {
        return Presented::Bearer(rest.to_owned());
    }
    if scheme.eq_ignore_ascii_case("basic") {
        let decoded = STANDARD
            .decode(rest)
            .ok()
            .and_then(|b| String::from_utf8(b).ok());
        if let Some((user, password)) = decoded.as_deref().and_then(|d| d.split_once(':')) {
            return Presented::Basic {
                user: user.to_owned(),
                password: password.to_owned(),
            };
        }
    }
    Presented::Malformed
}

/// Decodes the payload of a JWT-shaped token (no signature check).
pub fn decode_claims(token: &str) -> Option<Value> {
    let payload = token.split('.').nth(1)?;
    let bytes = URL_SAFE_NO_PAD.decode(payload).ok()?;
    serde_json::from_slice(&bytes).ok()
}
