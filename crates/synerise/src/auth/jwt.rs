//! Reading the claims Synerise puts in its JWTs (no signature check: the client only needs to know
//! when a token it was given expires).

use std::time::{Duration, SystemTime};

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

/// The time claims of a token, in Unix seconds.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct TimeClaims {
    pub(crate) exp: Option<f64>,
    pub(crate) iat: Option<f64>,
}

/// Decodes the payload of a JWT (`header.payload.signature`, base64url) and reads `exp` and `iat`.
/// `None` when the token is not a JWT with a JSON payload.
pub(crate) fn time_claims(token: &str) -> Option<TimeClaims> {
    let mut parts = token.split('.');
    let (_header, payload) = (parts.next()?, parts.next()?);
    let payload = payload.trim_end_matches('=');
    let bytes = URL_SAFE_NO_PAD.decode(payload).ok()?;
    let claims: serde_json::Value = serde_json::from_slice(&bytes).ok()?;
    let number = |name: &str| {
        claims
            .get(name)
            .and_then(serde_json::Value::as_f64)
            .filter(|v| v.is_finite() && *v > 0.0)
    };
    Some(TimeClaims {
        exp: number("exp"),
        iat: number("iat"),
    })
}

/// When a token expires and when to renew it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Schedule {
    /// When the token stops being accepted (local clock). `None`: unknown, valid until a 401.
    pub(crate) expires_at: Option<SystemTime>,
    /// When to renew it ahead of expiry. `None`: never (until a 401).
    pub(crate) renew_at: Option<SystemTime>,
}

impl Schedule {
    pub(crate) const UNKNOWN: Schedule = Schedule {
        expires_at: None,
        renew_at: None,
    };
}

fn secs(v: f64) -> Duration {
    Duration::try_from_secs_f64(v).unwrap_or(Duration::MAX)
}

/// Works out when `token` expires and when to renew it.
///
/// * `issued_now`: the token was just returned by a login or refresh. Then, when it carries both
///   `iat` and `exp`, its lifetime (`exp - iat`, both by the server's clock) is counted from
///   `now` by the local clock, so clock skew between the server and this machine does not matter.
///   Otherwise (a token handed over by the caller) `exp` is compared with the local clock.
/// * The renewal margin is `min(margin, 10 % of the lifetime)`: with the default 60 s margin a
///   one-hour token is renewed 60 s before it expires, a one-week token too, and a 5-minute token
///   30 s before.
/// * A token without a readable `exp` is used until the server rejects it. So is a token that was
///   just issued but looks expired already (a clock problem), rather than logging in again in a loop.
pub(crate) fn schedule(
    token: &str,
    now: SystemTime,
    issued_now: bool,
    margin: Duration,
) -> Schedule {
    let Some(TimeClaims {
        exp: Some(exp),
        iat,
    }) = time_claims(token)
    else {
        return Schedule::UNKNOWN;
    };
    let (expires_at, lifetime) = match iat.filter(|iat| exp > *iat) {
        Some(iat) if issued_now => {
            let lifetime = secs(exp - iat);
            (now.checked_add(lifetime), Some(lifetime))
        }
        iat => {
            let at = SystemTime::UNIX_EPOCH.checked_add(secs(exp));
            let lifetime = iat
                .map(|iat| secs(exp - iat))
                .or_else(|| at.and_then(|at| at.duration_since(now).ok()));
            (at, lifetime)
        }
    };
    let Some(expires_at) = expires_at else {
        return Schedule::UNKNOWN;
    };
    if issued_now && expires_at <= now {
        tracing::warn!(
            "a token just issued by Synerise looks expired by the local clock; using it until the server rejects it"
        );
        return Schedule::UNKNOWN;
    }
    let margin = match lifetime {
        Some(lifetime) => margin.min(lifetime / 10),
        None => margin,
    };
    Schedule {
        expires_at: Some(expires_at),
        renew_at: Some(
            expires_at
                .checked_sub(margin)
                .unwrap_or(SystemTime::UNIX_EPOCH),
        ),
    }
}

#[cfg(test)]
pub(crate) fn make_token(claims: serde_json::Value) -> String {
    let header = URL_SAFE_NO_PAD.encode(br#"{"alg":"RS512"}"#);
    let payload = URL_SAFE_NO_PAD.encode(claims.to_string());
    format!("{header}.{payload}.c2lnbmF0dXJl")
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const MIN: Duration = Duration::from_secs(60);

    fn at(secs: u64) -> SystemTime {
        SystemTime::UNIX_EPOCH + Duration::from_secs(secs)
    }

    #[test]
    fn reads_exp_and_iat() {
        let t = make_token(json!({"exp": 1_700_003_600, "iat": 1_700_000_000, "sub": "x"}));
        assert_eq!(
            time_claims(&t),
            Some(TimeClaims {
                exp: Some(1_700_003_600.0),
                iat: Some(1_700_000_000.0)
            })
        );
        let float = make_token(json!({"exp": 1.5e9}));
        assert_eq!(time_claims(&float).unwrap().exp, Some(1.5e9));
        for bad in [
            "",
            "abc",
            "a.b.c",
            "a.!!!.c",
            &make_token(json!("not an object")),
        ] {
            assert_eq!(time_claims(bad).and_then(|c| c.exp), None, "{bad}");
        }
        // Padding is tolerated.
        let padded = format!(
            "{}=",
            make_token(json!({"exp": 5}))
                .split('.')
                .take(2)
                .collect::<Vec<_>>()
                .join(".")
        );
        assert!(time_claims(&padded).is_some());
    }

    #[test]
    fn one_hour_token_renews_a_minute_early() {
        let now = at(1_700_000_000);
        let t = make_token(json!({"exp": 1_700_003_600, "iat": 1_700_000_000}));
        let s = schedule(&t, now, true, MIN);
        assert_eq!(s.expires_at, Some(at(1_700_003_600)));
        assert_eq!(s.renew_at, Some(at(1_700_003_540)));
    }

    #[test]
    fn one_week_token_and_short_tokens() {
        let now = at(1_000_000);
        let week = make_token(json!({"exp": 1_000_000 + 7 * 86_400, "iat": 1_000_000}));
        assert_eq!(
            schedule(&week, now, true, MIN).renew_at,
            Some(at(1_000_000 + 7 * 86_400 - 60))
        );
        let five_min = make_token(json!({"exp": 1_000_300, "iat": 1_000_000}));
        assert_eq!(
            schedule(&five_min, now, true, MIN).renew_at,
            Some(at(1_000_270)),
            "10% of 300 s is 30 s"
        );
        let custom = schedule(&week, now, true, Duration::from_secs(600));
        assert_eq!(custom.renew_at, Some(at(1_000_000 + 7 * 86_400 - 600)));
    }

    #[test]
    fn fresh_tokens_ignore_clock_skew() {
        // The server's clock is two hours ahead of ours.
        let now = at(1_000_000);
        let t = make_token(json!({"exp": 1_000_000 + 7200 + 3600, "iat": 1_000_000 + 7200}));
        let s = schedule(&t, now, true, MIN);
        assert_eq!(s.expires_at, Some(at(1_003_600)));
        // Behind by two hours: would look expired by exp alone.
        let t = make_token(json!({"exp": 1_000_000 - 7200 + 3600, "iat": 1_000_000 - 7200}));
        assert_eq!(schedule(&t, now, true, MIN).expires_at, Some(at(1_003_600)));
    }

    #[test]
    fn handed_over_tokens_use_exp() {
        let now = at(1_000_000);
        let expired = make_token(json!({"exp": 999_000, "iat": 995_400}));
        let s = schedule(&expired, now, false, MIN);
        assert_eq!(s.expires_at, Some(at(999_000)));
        assert!(s.renew_at.unwrap() < now);
        let no_iat = make_token(json!({"exp": 1_000_100}));
        assert_eq!(
            schedule(&no_iat, now, false, MIN).renew_at,
            Some(at(1_000_090)),
            "10% of the 100 s left"
        );
    }

    #[test]
    fn tokens_without_exp_are_valid_until_rejected() {
        let now = at(1_000_000);
        assert_eq!(schedule("opaque-token", now, true, MIN), Schedule::UNKNOWN);
        assert_eq!(
            schedule(&make_token(json!({"iat": 5})), now, false, MIN),
            Schedule::UNKNOWN
        );
        // Just issued but expired by our clock and no iat: use it until a 401 instead of looping.
        let t = make_token(json!({"exp": 10}));
        assert_eq!(schedule(&t, now, true, MIN), Schedule::UNKNOWN);
    }
}
