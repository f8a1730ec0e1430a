//! The rate limit inside GraphQL: the extension that charges a request its cost as soon as
//! validation has priced it, before any resolver runs (and records the price, so that a repeated
//! request need not be validated again, see [`super::document_cache`]), and the `RateLimit` object
//! the `rateLimit` field returns. The budgets themselves live in [`crate::rate_limit`]; the HTTP
//! handler chooses whose budget a request spends and puts its [`RateCharge`] in the request's data.

use std::sync::Arc;

use async_graphql::extensions::{Extension, ExtensionContext, ExtensionFactory, NextValidation};
use async_graphql::{ServerError, SimpleObject, ValidationResult};
use chrono::{DateTime, Utc};

use super::document_cache::{ValidationRecord, Verdict};
use crate::error::ErrorCode;
use crate::rate_limit::{RateCharge, Settlement, cost_of_complexity};

/// Charges each request the cost of its document once validation has computed its complexity, and
/// records that complexity (and whether the answer may be public) in the request's
/// [`ValidationRecord`] when it has one.
///
/// Registered before [`super::limits::QueryLimits`], so it wraps it: a document refused by the
/// limits is never charged its full cost here (the handler charges it the minimum), nor recorded.
pub struct ChargeRateLimit;

impl ExtensionFactory for ChargeRateLimit {
    fn create(&self) -> Arc<dyn Extension> {
        Arc::new(ChargeRateLimit)
    }
}

#[async_graphql::async_trait::async_trait]
impl Extension for ChargeRateLimit {
    async fn validation(
        &self,
        ctx: &ExtensionContext<'_>,
        next: NextValidation<'_>,
    ) -> Result<ValidationResult, Vec<ServerError>> {
        let result = next.run(ctx).await?;
        if let Some(record) = ctx.data_opt::<Arc<ValidationRecord>>() {
            record.passed(Verdict {
                complexity: result.complexity,
                public: result.cache_control.public,
            });
        }
        // No charge in the data: rate limits are off, or the schema runs outside the handler.
        let Some(charge) = ctx.data_opt::<Arc<RateCharge>>() else {
            return Ok(result);
        };
        let settlement = charge.charge_document(cost_of_complexity(result.complexity));
        if let Some(left) = settlement.over_budget {
            return Err(vec![rate_limited(settlement, left)]);
        }
        Ok(result)
    }
}

/// The error of a request the budget cannot cover. The handler answers it with 429 and
/// `Retry-After`.
fn rate_limited(settlement: &Settlement, left: u64) -> ServerError {
    let message = settlement.snapshot.refusal_message(Some((settlement.cost, left)));
    let mut error = ServerError::new(message, None);
    error
        .extensions
        .get_or_insert_with(Default::default)
        .set("code", ErrorCode::RateLimited.as_str());
    error
}

/// Where the client stands against its rate limit. Each client (a token, or an address without
/// one) may spend a budget of points per window; a request costs its complexity divided by 100,
/// rounded up, and at least 1 point. The same figures come in the `x-ratelimit-*` headers.
#[derive(SimpleObject)]
#[graphql(cache_control(private))]
pub struct RateLimit {
    /// The points this request cost.
    cost: i32,
    /// The points this client may spend per window.
    limit: i32,
    /// The points spent in the current window, this request included.
    used: i32,
    /// The points left in the current window.
    remaining: i32,
    /// When the current window ends and the whole budget is available again.
    reset_at: DateTime<Utc>,
}

impl From<&Settlement> for RateLimit {
    fn from(settlement: &Settlement) -> Self {
        let int = |points: u64| i32::try_from(points).unwrap_or(i32::MAX);
        let snapshot = &settlement.snapshot;
        let reset_seconds = i64::try_from(snapshot.reset_epoch_seconds()).unwrap_or(i64::MAX);
        RateLimit {
            cost: int(settlement.cost),
            limit: int(snapshot.limit),
            used: int(snapshot.used),
            remaining: int(snapshot.remaining()),
            reset_at: DateTime::from_timestamp(reset_seconds, 0).unwrap_or_default(),
        }
    }
}
