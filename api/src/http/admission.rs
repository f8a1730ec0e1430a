//! Admission: who is calling (a bearer token's user, or anonymous) and whose rate-limit budget the
//! request spends, decided once per request before its body is read; the meter that settles the
//! charge and writes the `x-ratelimit-*` headers.

use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;

use axum::Extension;
use axum::extract::ConnectInfo;
use axum::http::{HeaderMap, HeaderName, HeaderValue, header};
use axum::response::Response;

use super::AppState;
use super::negotiation::MediaType;
use super::refusal::Refusal;
use super::refusal::refuse_counted;
use crate::domain::accounts;
use crate::domain::caller::Caller;
use crate::rate_limit::{RateCharge, RateKey, RateSnapshot};

/// The client's TCP address, when the server runs with `ConnectInfo` (the binary does; requests
/// sent to the router in-process have none).
pub(super) type Peer = Option<Extension<ConnectInfo<SocketAddr>>>;

/// Who signs the request: anonymous without `Authorization`, the token's owner with a valid
/// `Bearer` token, and a refusal for anything else: a malformed header, or a token that is unknown
/// or revoked (never silently anonymous, so a client learns at once that its token is bad).
pub(super) async fn authenticate(state: &AppState, headers: &HeaderMap) -> Result<Caller, Refusal> {
    let mut values = headers.get_all(header::AUTHORIZATION).iter();
    let Some(value) = values.next() else {
        return Ok(Caller::Anonymous);
    };
    // Which one to believe would be a guess, and proxies disagree on it.
    if values.next().is_some() {
        return Err(Refusal::SeveralAuthorizations);
    }
    let token = bearer_token(value).ok_or(Refusal::Unauthenticated(
        "The Authorization header must be `Bearer <token>`.",
    ))?;
    match accounts::authenticate(&state.db, token).await {
        Ok(Some(user)) => Ok(Caller::User(user)),
        Ok(None) => Err(Refusal::Unauthenticated(
            "The API token is unknown or revoked: create a new one with `claimgraph token create`.",
        )),
        Err(err) => {
            tracing::error!(error.cause = %err, "token look-up failed");
            Err(Refusal::AuthenticationUnavailable)
        }
    }
}

/// The token of an `Authorization: Bearer <token>` value. The scheme's name is case-insensitive
/// (<https://www.rfc-editor.org/rfc/rfc9110#section-11.1>), and spaces may stand around the token.
pub(super) fn bearer_token(value: &HeaderValue) -> Option<&str> {
    let (scheme, token) = value.to_str().ok()?.trim_start().split_once(' ')?;
    let token = token.trim();
    (scheme.eq_ignore_ascii_case("bearer") && !token.is_empty()).then_some(token)
}

/// A request the rate limiter or authentication turned away, with the meter its refusal settles.
pub(super) struct Turned {
    refusal: Refusal,
    meter: Option<RateMeter>,
}

impl Turned {
    pub(super) fn respond(self, state: &AppState, media: MediaType) -> Response {
        let response = refuse_counted(state, self.refusal, media);
        match self.meter {
            Some(meter) => meter.settle(response),
            None => response,
        }
    }
}

/// Authenticates the request, then admits it against its client's budget: the token's user's when
/// the token is valid, its address's otherwise. A bad token is refused and charged to the address,
/// so guessing tokens costs budget like any other request.
pub(super) async fn admit(
    state: &AppState,
    peer: Peer,
    headers: &HeaderMap,
) -> Result<(Caller, RateMeter), Turned> {
    let caller = match authenticate(state, headers).await {
        Ok(caller) => caller,
        Err(refusal) => {
            let key = choose_rate_key(state, peer, headers, &Caller::Anonymous);
            return Err(match RateMeter::admit(state, key) {
                Ok(meter) => Turned {
                    refusal,
                    meter: Some(meter),
                },
                Err(limited) => Turned {
                    refusal: limited,
                    meter: None,
                },
            });
        }
    };
    match RateMeter::admit(state, choose_rate_key(state, peer, headers, &caller)) {
        Ok(meter) => Ok((caller, meter)),
        Err(refusal) => Err(Turned { refusal, meter: None }),
    }
}

/// Whose rate-limit budget a request spends. This is the one place that decides.
///
/// A request with a valid token spends its user's budget, wherever it comes from. Any other is its
/// address: the last `X-Forwarded-For` entry when `--trust-forwarded-for` says a proxy in front
/// appends it, else the TCP peer. A request with neither (only requests sent to the router
/// in-process, as the tests do) spends the one shared `RateKey::Unknown` budget.
pub(super) fn choose_rate_key(state: &AppState, peer: Peer, headers: &HeaderMap, caller: &Caller) -> RateKey {
    if state.rate_limiter.is_none() {
        return RateKey::Unknown;
    }
    if let Caller::User(user) = caller {
        return RateKey::User(user.id);
    }
    if state.options.trust_forwarded_for
        && let Some(address) = forwarded_for(headers)
    {
        return RateKey::address(address);
    }
    match peer {
        Some(Extension(ConnectInfo(address))) => RateKey::address(address.ip()),
        None => RateKey::Unknown,
    }
}

/// The last address in the last `X-Forwarded-For` header: the one the proxy in front of the server
/// appended. Entries before it were sent by the client and prove nothing.
pub(super) fn forwarded_for(headers: &HeaderMap) -> Option<IpAddr> {
    let value = headers.get_all("x-forwarded-for").iter().next_back()?;
    let last = value.to_str().ok()?.rsplit(',').next()?.trim();
    last.parse::<IpAddr>()
        .ok()
        .or_else(|| last.parse::<SocketAddr>().ok().map(|address| address.ip()))
}

/// One request's rate-limit account; empty when rate limits are off.
pub(super) struct RateMeter(pub(super) Option<Arc<RateCharge>>);

impl RateMeter {
    /// Lets a request in unless its client has no point left: that is refused at once, before the
    /// body is read.
    pub(super) fn admit(state: &AppState, key: RateKey) -> Result<RateMeter, Refusal> {
        let Some(limiter) = &state.rate_limiter else {
            return Ok(RateMeter(None));
        };
        let snapshot = limiter.peek(key);
        if snapshot.remaining() == 0 {
            return Err(Refusal::RateLimited {
                snapshot,
                priced: None,
            });
        }
        Ok(RateMeter(Some(Arc::new(RateCharge::new(limiter.clone(), key)))))
    }

    /// The request's charge, for the schema to spend the document's cost from.
    pub(super) fn charge(&self) -> Option<Arc<RateCharge>> {
        self.0.clone()
    }

    /// Charges the minimum when nothing charged the request (it was refused before its cost was
    /// known), and says in the headers where its client stands, unless the answer is one a shared
    /// cache may keep and hand to other clients: those headers are this client's alone.
    pub(super) fn settle(self, mut response: Response) -> Response {
        if let Some(charge) = self.0 {
            let settlement = charge.settle();
            if !is_public(&response) {
                insert_rate_limit_headers(response.headers_mut(), &settlement.snapshot);
            }
        }
        response
    }
}

/// Whether a shared cache may keep the answer (`Cache-Control: public`).
pub(super) fn is_public(response: &Response) -> bool {
    response
        .headers()
        .get(header::CACHE_CONTROL)
        .and_then(|value| value.to_str().ok())
        .is_some_and(|value| value.split(',').any(|d| d.trim().eq_ignore_ascii_case("public")))
}

/// `x-ratelimit-limit`, `-remaining`, `-used` and `-reset` (the end of the window, in seconds since
/// the Unix epoch), as GitHub sends them.
pub(super) fn insert_rate_limit_headers(headers: &mut HeaderMap, snapshot: &RateSnapshot) {
    for (name, value) in [
        ("x-ratelimit-limit", snapshot.limit),
        ("x-ratelimit-remaining", snapshot.remaining()),
        ("x-ratelimit-used", snapshot.used),
        ("x-ratelimit-reset", snapshot.reset_epoch_seconds()),
    ] {
        headers.insert(HeaderName::from_static(name), HeaderValue::from(value));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_bearer_scheme_is_read_in_any_case() {
        let token = |value: &str| bearer_token(&HeaderValue::from_str(value).unwrap()).map(str::to_owned);
        for value in [
            "Bearer cg_x",
            "bearer cg_x",
            "BEARER cg_x",
            "BeArEr   cg_x  ",
            " Bearer cg_x",
        ] {
            assert_eq!(token(value).as_deref(), Some("cg_x"), "{value:?}");
        }
        for value in ["Bearer", "Bearer ", "Basic cg_x", "Bearercg_x", "Token cg_x", ""] {
            assert_eq!(token(value), None, "{value:?}");
        }
    }

    fn forwarded(values: &[&str]) -> Option<IpAddr> {
        let mut headers = HeaderMap::new();
        for value in values {
            headers.append("x-forwarded-for", HeaderValue::from_str(value).unwrap());
        }
        forwarded_for(&headers)
    }

    #[test]
    fn the_forwarded_address_is_the_last_one_the_proxy_appended() {
        assert_eq!(forwarded(&["203.0.113.9"]), Some("203.0.113.9".parse().unwrap()));
        assert_eq!(
            forwarded(&["10.0.0.1, 198.51.100.7"]),
            Some("198.51.100.7".parse().unwrap())
        );
        assert_eq!(
            forwarded(&["10.0.0.1", "2001:db8::1"]),
            Some("2001:db8::1".parse().unwrap())
        );
        assert_eq!(
            forwarded(&["[2001:db8::2]:4711"]),
            Some("2001:db8::2".parse().unwrap())
        );
        assert_eq!(forwarded(&["198.51.100.7, unknown"]), None);
        assert_eq!(forwarded(&[]), None);
    }
}
