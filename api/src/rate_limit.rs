//! Rate limits, GitHub-style: each client has a budget of query-cost points per window, and every
//! request spends from it.
//!
//! A request costs its query complexity (see `graphql::limits`) divided by 100, rounded up, and at
//! least 1 point: GitHub charges about one point per 100 nodes a query may return
//! (<https://docs.github.com/en/graphql/overview/rate-limits-and-node-limits-for-the-graphql-api>),
//! and our complexity counts nodes the same way, lists weighted by their page size. A claim page
//! (complexity about 1,000) costs 10 points, `{ __typename }` 1, and the largest query the limits let
//! through (60,000) 600. A request refused before its cost is known (a body that is not JSON, a
//! document that does not parse, validate or fit the limits) still costs 1 point, so refusals are not
//! free to repeat.
//!
//! A client is a [`RateKey`]: an authenticated user, else the address the request came from. Each
//! key's window starts with its first request and lasts [`RateLimits::window`]; at its end the whole
//! budget is back. The table of windows lives in this process's memory only: behind N replicas a
//! client can spend N budgets. It is bounded against a client that cycles through addresses: expired
//! windows are swept, IPv6 addresses count by their /64, and past [`MAX_TRACKED_CLIENTS`] live keys,
//! new clients share one overflow budget until windows expire.

use std::collections::HashMap;
use std::net::{IpAddr, Ipv6Addr};
use std::sync::{Arc, Mutex, OnceLock, PoisonError};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

/// Clients whose windows the table holds at most (about 100 bytes each, so about 10 MB in all).
pub const MAX_TRACKED_CLIENTS: usize = 100_000;

/// Query complexity that one point buys.
pub const COMPLEXITY_PER_POINT: usize = 100;

/// What any request costs at least, including one refused before its complexity is known.
pub const MIN_COST: u64 = 1;

/// The points a document of `complexity` costs: one per [`COMPLEXITY_PER_POINT`], rounded up, at
/// least [`MIN_COST`].
pub fn cost_of_complexity(complexity: usize) -> u64 {
    u64::try_from(complexity.div_ceil(COMPLEXITY_PER_POINT))
        .unwrap_or(u64::MAX)
        .max(MIN_COST)
}

/// Whose budget a request spends.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum RateKey {
    /// An authenticated user, by id.
    User(i32),
    /// A client without a token, by address (see [`RateKey::address`]).
    Address(IpAddr),
    /// A request whose address is not known: one budget shared by all such requests. In practice
    /// only requests sent to the router in-process (the tests) have none; the server always knows
    /// its TCP peer.
    Unknown,
}

impl RateKey {
    /// The key of a client address. An IPv4 address mapped into IPv6 counts as the IPv4 address,
    /// and an IPv6 address counts by its /64 prefix: one host usually holds a whole /64, so keying by
    /// the full address would give it 2^64 budgets.
    pub fn address(ip: IpAddr) -> RateKey {
        let ip = match ip {
            IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
                Some(v4) => IpAddr::V4(v4),
                None => {
                    let prefix = v6.to_bits() & !u128::from(u64::MAX);
                    IpAddr::V6(Ipv6Addr::from_bits(prefix))
                }
            },
            v4 => v4,
        };
        RateKey::Address(ip)
    }
}

/// The budgets and the window (see `config.rs` for their flags).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RateLimits {
    /// Points per window for a client without a token, per address.
    pub anonymous: u64,
    /// Points per window for an authenticated user.
    pub authenticated: u64,
    /// How long a window lasts, from a client's first request in it.
    pub window: Duration,
}

impl Default for RateLimits {
    /// GitHub's GraphQL budget (5,000 points an hour) for every address, about 500 claim pages an
    /// hour; ten times that for a token, which names someone to contact and can be revoked.
    fn default() -> Self {
        RateLimits {
            anonymous: 5_000,
            authenticated: 50_000,
            window: Duration::from_secs(3600),
        }
    }
}

impl RateLimits {
    /// The budget of `key`.
    pub fn limit_for(&self, key: RateKey) -> u64 {
        match key {
            RateKey::User(_) => self.authenticated,
            RateKey::Address(_) | RateKey::Unknown => self.anonymous,
        }
    }
}

/// Where a client stands at one moment.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RateSnapshot {
    /// Points per window.
    pub limit: u64,
    /// Points spent in the current window.
    pub used: u64,
    /// When the current window ends.
    pub reset_at: SystemTime,
    /// How long until then.
    pub resets_in: Duration,
}

impl RateSnapshot {
    /// Points left in the current window.
    pub fn remaining(&self) -> u64 {
        self.limit.saturating_sub(self.used)
    }

    /// The end of the window in whole seconds since the Unix epoch, rounded up so that a client
    /// waiting until then finds its budget whole.
    pub fn reset_epoch_seconds(&self) -> u64 {
        let since_epoch = self.reset_at.duration_since(UNIX_EPOCH).unwrap_or_default();
        since_epoch.as_secs() + u64::from(since_epoch.subsec_nanos() > 0)
    }

    /// Whole seconds to wait for the window to end (for `Retry-After`), at least 1.
    pub fn retry_after_seconds(&self) -> u64 {
        let wait = self.resets_in;
        (wait.as_secs() + u64::from(wait.subsec_nanos() > 0)).max(1)
    }

    /// The end of the window as RFC 3339 UTC text, to the second (rounded up, like the header).
    pub fn reset_at_rfc3339(&self) -> String {
        let seconds = i64::try_from(self.reset_epoch_seconds()).unwrap_or(i64::MAX);
        chrono::DateTime::from_timestamp(seconds, 0)
            .unwrap_or_default()
            .to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
    }

    /// Why a request is refused: the budget, what was left, and when the window resets. `priced` is
    /// the request's cost and the points left before it, when its document was priced.
    pub fn refusal_message(&self, priced: Option<(u64, u64)>) -> String {
        let spent = match priced {
            Some((cost, left)) => format!("this request would cost {cost} points, more than the {left} left"),
            None => "none are left".to_owned(),
        };
        format!(
            "Rate limit reached: this client may spend {} query-cost points per window and {spent}. \
             The budget resets at {} (in {} s).",
            self.limit,
            self.reset_at_rfc3339(),
            self.retry_after_seconds()
        )
    }
}

/// One key's current window.
#[derive(Debug)]
struct Window {
    used: u64,
    expires: Instant,
    reset_at: SystemTime,
}

impl Window {
    fn open(now: Instant, wall: SystemTime, length: Duration) -> Window {
        Window {
            used: 0,
            expires: now + length,
            reset_at: wall + length,
        }
    }

    fn snapshot(&self, limit: u64, now: Instant) -> RateSnapshot {
        RateSnapshot {
            limit,
            used: self.used,
            reset_at: self.reset_at,
            resets_in: self.expires.saturating_duration_since(now),
        }
    }
}

#[derive(Debug)]
struct Table {
    windows: HashMap<RateKey, Window>,
    /// The window new clients share while `windows` is full of live windows.
    overflow: Option<Window>,
    /// No window expires before this, so no sweep is worth doing before it.
    next_sweep: Instant,
    /// Whether the overflow has been reported since the last sweep (one warning, not one per request).
    overflow_reported: bool,
}

/// Every client's window, in this process.
#[derive(Debug)]
pub struct RateLimiter {
    limits: RateLimits,
    max_clients: usize,
    table: Mutex<Table>,
}

/// What a spend does when the budget cannot cover it.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Spend {
    /// Charge nothing and refuse.
    AllOrNothing,
    /// Charge what is left.
    UpTo,
}

impl RateLimiter {
    /// A limiter tracking at most [`MAX_TRACKED_CLIENTS`] clients.
    pub fn new(limits: RateLimits) -> Self {
        RateLimiter::with_capacity(limits, MAX_TRACKED_CLIENTS)
    }

    /// A limiter tracking at most `max_clients` clients before new ones share the overflow budget.
    pub fn with_capacity(limits: RateLimits, max_clients: usize) -> Self {
        RateLimiter {
            limits,
            max_clients,
            table: Mutex::new(Table {
                windows: HashMap::new(),
                overflow: None,
                next_sweep: Instant::now(),
                overflow_reported: false,
            }),
        }
    }

    pub fn limits(&self) -> &RateLimits {
        &self.limits
    }

    /// Where `key` stands, charging nothing.
    pub fn peek(&self, key: RateKey) -> RateSnapshot {
        self.settle(key, 0, Spend::UpTo, Instant::now(), SystemTime::now())
            .unwrap_or_else(|snapshot| snapshot)
    }

    /// Charges `cost` if the budget covers all of it; otherwise charges nothing and returns where
    /// `key` stands as the error.
    pub fn try_spend(&self, key: RateKey, cost: u64) -> Result<RateSnapshot, RateSnapshot> {
        self.settle(key, cost, Spend::AllOrNothing, Instant::now(), SystemTime::now())
    }

    /// Charges `cost`, or what is left when that is less.
    pub fn spend_up_to(&self, key: RateKey, cost: u64) -> RateSnapshot {
        self.settle(key, cost, Spend::UpTo, Instant::now(), SystemTime::now())
            .unwrap_or_else(|snapshot| snapshot)
    }

    /// Clients with a window in the table, the overflow not counted.
    pub fn tracked_clients(&self) -> usize {
        self.lock().windows.len()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Table> {
        // Every update leaves the table consistent (a counter and a few times), so a panic elsewhere
        // while it was held does not make it wrong to use.
        self.table.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn settle(
        &self,
        key: RateKey,
        cost: u64,
        spend: Spend,
        now: Instant,
        wall: SystemTime,
    ) -> Result<RateSnapshot, RateSnapshot> {
        let length = self.limits.window;
        let mut table = self.lock();
        let table = &mut *table;
        let known = table.windows.contains_key(&key);
        if !known {
            if cost == 0 {
                // A peek at a client with no window: a fresh budget, and nothing to remember.
                return Ok(Window::open(now, wall, length).snapshot(self.limits.limit_for(key), now));
            }
            if now >= table.next_sweep {
                table.sweep(now, length);
            }
        }
        let (window, limit) = if known || table.windows.len() < self.max_clients {
            let window = table
                .windows
                .entry(key)
                .or_insert_with(|| Window::open(now, wall, length));
            (window, self.limits.limit_for(key))
        } else {
            if !table.overflow_reported {
                table.overflow_reported = true;
                tracing::warn!(
                    rate_limit.tracked_clients = table.windows.len(),
                    "rate-limit table full: new clients share one overflow budget until windows expire"
                );
            }
            let window = table
                .overflow
                .get_or_insert_with(|| Window::open(now, wall, length));
            (window, self.limits.anonymous)
        };
        if window.expires <= now {
            *window = Window::open(now, wall, length);
        }
        let left = limit.saturating_sub(window.used);
        if cost <= left {
            window.used += cost;
            Ok(window.snapshot(limit, now))
        } else if spend == Spend::UpTo {
            window.used += left;
            Ok(window.snapshot(limit, now))
        } else {
            Err(window.snapshot(limit, now))
        }
    }
}

impl Table {
    /// Drops expired windows, and notes when the next one expires.
    fn sweep(&mut self, now: Instant, length: Duration) {
        self.windows.retain(|_, window| window.expires > now);
        if self.overflow.as_ref().is_some_and(|window| window.expires <= now) {
            self.overflow = None;
        }
        self.overflow_reported = false;
        self.next_sweep = self
            .windows
            .values()
            .map(|window| window.expires)
            .min()
            .unwrap_or(now + length);
    }
}

/// What a request was charged.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Settlement {
    /// The request's cost: its document's, or [`MIN_COST`] when it was refused before that was known.
    pub cost: u64,
    /// Where the client stands after the charge.
    pub snapshot: RateSnapshot,
    /// When the budget could not cover the cost, the points that were left: the request is then
    /// refused, and charged [`MIN_COST`] like any refusal.
    pub over_budget: Option<u64>,
}

/// One request's account with the limiter: charged once, either with its document's cost when
/// validation has priced it (`graphql::rate_limit`), or with [`MIN_COST`] when it ends without
/// that (the handler settles it). The `rateLimit` field and the response headers read the outcome.
#[derive(Debug)]
pub struct RateCharge {
    limiter: Arc<RateLimiter>,
    key: RateKey,
    settlement: OnceLock<Settlement>,
}

impl RateCharge {
    pub fn new(limiter: Arc<RateLimiter>, key: RateKey) -> Self {
        RateCharge {
            limiter,
            key,
            settlement: OnceLock::new(),
        }
    }

    /// Charges a priced document's `cost`. When the budget cannot cover it, the request is over
    /// budget: it will not run, and is charged [`MIN_COST`] instead.
    pub fn charge_document(&self, cost: u64) -> &Settlement {
        self.settlement
            .get_or_init(|| match self.limiter.try_spend(self.key, cost) {
                Ok(snapshot) => Settlement {
                    cost,
                    snapshot,
                    over_budget: None,
                },
                Err(before) => Settlement {
                    cost,
                    snapshot: self.limiter.spend_up_to(self.key, MIN_COST),
                    over_budget: Some(before.remaining()),
                },
            })
    }

    /// Charges [`MIN_COST`] unless the request has been charged already, and returns the outcome.
    pub fn settle(&self) -> &Settlement {
        self.settlement.get_or_init(|| Settlement {
            cost: MIN_COST,
            snapshot: self.limiter.spend_up_to(self.key, MIN_COST),
            over_budget: None,
        })
    }

    /// The charge, once made.
    pub fn settlement(&self) -> Option<&Settlement> {
        self.settlement.get()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const KEY: RateKey = RateKey::Unknown;

    fn limiter(budget: u64, window: Duration, max_clients: usize) -> RateLimiter {
        RateLimiter::with_capacity(
            RateLimits {
                anonymous: budget,
                authenticated: budget * 10,
                window,
            },
            max_clients,
        )
    }

    fn spend(
        limiter: &RateLimiter,
        key: RateKey,
        cost: u64,
        now: Instant,
    ) -> Result<RateSnapshot, RateSnapshot> {
        limiter.settle(key, cost, Spend::AllOrNothing, now, SystemTime::now())
    }

    #[test]
    fn a_request_costs_its_complexity_per_hundred_rounded_up_and_at_least_one() {
        assert_eq!(cost_of_complexity(0), 1);
        assert_eq!(cost_of_complexity(1), 1);
        assert_eq!(cost_of_complexity(100), 1);
        assert_eq!(cost_of_complexity(101), 2);
        assert_eq!(cost_of_complexity(1_000), 10);
        assert_eq!(cost_of_complexity(60_000), 600);
    }

    #[test]
    fn spending_counts_down_and_an_unaffordable_cost_charges_nothing() {
        let limiter = limiter(10, Duration::from_secs(60), 10);
        let now = Instant::now();
        assert_eq!(spend(&limiter, KEY, 4, now).map(|s| s.remaining()), Ok(6));
        assert_eq!(spend(&limiter, KEY, 7, now).map_err(|s| s.remaining()), Err(6));
        assert_eq!(spend(&limiter, KEY, 6, now).map(|s| s.remaining()), Ok(0));
        let snapshot = limiter.settle(KEY, 3, Spend::UpTo, now, SystemTime::now());
        assert_eq!(snapshot.map(|s| (s.used, s.remaining())), Ok((10, 0)));
    }

    #[test]
    fn the_budget_is_whole_again_when_the_window_ends() {
        let limiter = limiter(10, Duration::from_secs(60), 10);
        let start = Instant::now();
        assert!(spend(&limiter, KEY, 10, start).is_ok());
        assert!(spend(&limiter, KEY, 1, start + Duration::from_secs(59)).is_err());
        let later = spend(&limiter, KEY, 1, start + Duration::from_secs(60));
        assert_eq!(later.map(|s| s.remaining()), Ok(9));
    }

    #[test]
    fn users_get_the_authenticated_budget_and_keys_do_not_share() {
        let limiter = limiter(10, Duration::from_secs(60), 10);
        let now = Instant::now();
        assert_eq!(
            spend(&limiter, RateKey::User(1), 50, now).map(|s| s.limit),
            Ok(100)
        );
        let a = RateKey::address("192.0.2.1".parse().unwrap());
        let b = RateKey::address("192.0.2.2".parse().unwrap());
        assert!(spend(&limiter, a, 10, now).is_ok());
        assert_eq!(spend(&limiter, b, 10, now).map(|s| s.remaining()), Ok(0));
    }

    #[test]
    fn ipv6_addresses_count_by_their_64_and_mapped_ipv4_as_ipv4() {
        let a = RateKey::address("2001:db8:1:2::1".parse().unwrap());
        let b = RateKey::address("2001:db8:1:2:ffff::9".parse().unwrap());
        let c = RateKey::address("2001:db8:1:3::1".parse().unwrap());
        assert_eq!(a, b);
        assert_ne!(a, c);
        assert_eq!(
            RateKey::address("::ffff:192.0.2.1".parse().unwrap()),
            RateKey::address("192.0.2.1".parse().unwrap())
        );
    }

    #[test]
    fn a_peek_charges_nothing_and_remembers_nothing() {
        let limiter = limiter(10, Duration::from_secs(60), 10);
        assert_eq!(limiter.peek(KEY).remaining(), 10);
        assert_eq!(limiter.tracked_clients(), 0);
    }

    #[test]
    fn past_the_cap_new_clients_share_one_overflow_budget_until_windows_expire() {
        let limiter = limiter(10, Duration::from_secs(60), 3);
        let start = Instant::now();
        let key = |i: u8| RateKey::address(IpAddr::from([192, 0, 2, i]));
        for i in 0..3 {
            assert!(spend(&limiter, key(i), 1, start).is_ok());
        }
        assert_eq!(limiter.tracked_clients(), 3);
        // The table is full of live windows: two new clients spend from the same overflow.
        assert!(spend(&limiter, key(10), 6, start).is_ok());
        assert_eq!(
            spend(&limiter, key(11), 6, start).map_err(|s| s.remaining()),
            Err(4)
        );
        assert_eq!(limiter.tracked_clients(), 3);
        // Once the windows have expired, a new client sweeps them out and gets a window of its own.
        let later = start + Duration::from_secs(61);
        assert_eq!(spend(&limiter, key(12), 6, later).map(|s| s.remaining()), Ok(4));
        assert_eq!(limiter.tracked_clients(), 1);
    }

    #[test]
    fn reset_times_round_up_to_whole_seconds() {
        let snapshot = RateSnapshot {
            limit: 10,
            used: 10,
            reset_at: UNIX_EPOCH + Duration::from_millis(1_500),
            resets_in: Duration::from_millis(200),
        };
        assert_eq!(snapshot.reset_epoch_seconds(), 2);
        assert_eq!(snapshot.retry_after_seconds(), 1);
        assert_eq!(snapshot.reset_at_rfc3339(), "1970-01-01T00:00:02Z");
        let message = snapshot.refusal_message(Some((3, 2)));
        assert!(
            message.contains("would cost 3 points, more than the 2 left"),
            "{message}"
        );
        assert!(message.contains("10 query-cost points"), "{message}");
        assert!(
            message.contains("resets at 1970-01-01T00:00:02Z (in 1 s)"),
            "{message}"
        );
    }

    #[test]
    fn a_charge_is_made_once() {
        let limiter = Arc::new(limiter(10, Duration::from_secs(60), 10));
        let charge = RateCharge::new(limiter.clone(), KEY);
        assert!(charge.settlement().is_none());
        assert_eq!(charge.charge_document(4).snapshot.remaining(), 6);
        // Settling a charged request changes nothing.
        assert_eq!(charge.settle().cost, 4);
        assert_eq!(limiter.peek(KEY).remaining(), 6);
        // Over budget: refused, and charged the minimum.
        let charge = RateCharge::new(limiter.clone(), KEY);
        let settlement = charge.charge_document(7);
        assert_eq!(settlement.over_budget, Some(6));
        assert_eq!(settlement.snapshot.remaining(), 5);
        // Refused before pricing: the minimum.
        assert_eq!(RateCharge::new(limiter, KEY).settle().snapshot.remaining(), 4);
    }
}
