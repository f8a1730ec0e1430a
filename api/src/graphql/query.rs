//! The query root: entry points into the graph.

use std::sync::Arc;

use async_graphql::{Context, Enum, ID, InputObject, Object};
use chrono::{DateTime, Utc};
use entity::values::Doi as DoiValue;
use entity::{claim, doi, study};
use sea_orm::sea_query::{Expr, LikeExpr};
use sea_orm::{ColumnTrait, Condition, EntityTrait, ExprTrait, QueryFilter, QueryOrder, QuerySelect, Value};

use crate::error::{ApiError, ApiResult};
use crate::graphql::connection::{
    Connection, Direction, Edge, PageArgs, Total, Window, decode_cursor, decode_id_cursor, encode_cursor,
    id_cursor, keyset_by_id, page_info,
};
use crate::graphql::curation::{
    Caller, Contribution, ContributionStatus, Event, User, caller, contributions_page, events_page,
};
use crate::graphql::enums::{OrderDirection, StudyDesign};
use crate::graphql::ids::{GlobalId, NodeType};
use crate::graphql::limits::NODE_IDS;
use crate::graphql::loaders::StudyById;
use crate::graphql::node::Node;
use crate::graphql::prefetch::{claim_by_slug_with_page, prefetch_claims};
use crate::graphql::rate_limit::RateLimit;
use crate::graphql::types::{Claim, Doi, Study};
use crate::graphql::{database, load_one, loader};
use crate::rate_limit::RateCharge;

/// The longest text a `...Contains` filter accepts.
const MAX_FILTER_LEN: usize = 200;

/// Entry points into the claim graph.
pub struct Query;

/// Entry points into the claim graph.
#[Object]
impl Query {
    /// Fetches any object by its global ID; null when nothing has that ID, or when the caller may
    /// not see it (a pending contribution's events, a user seen making no change): the two look
    /// the same.
    async fn node(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "A global ID from any object's `id`.")] id: ID,
    ) -> async_graphql::Result<Option<Node>> {
        let id = GlobalId::decode("id", &id)?;
        Ok(Node::fetch(ctx, id).await?)
    }

    /// Fetches up to 100 objects by global ID, in the order given; null for each ID that names
    /// nothing or names what the caller may not see. More than 100 IDs is an OUT_OF_RANGE error on
    /// `ids`.
    #[graphql(
        complexity = "crate::graphql::limits::nodes_cost(crate::graphql::limits::list_len(__ctx, __variables_definition, __field, \"ids\", &[]), child_complexity)"
    )]
    async fn nodes(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Global IDs from objects' `id` fields (at most 100).")] ids: Vec<ID>,
    ) -> async_graphql::Result<Vec<Option<Node>>> {
        if ids.len() > NODE_IDS {
            return Err(ApiError::list_too_long("ids", ids.len(), NODE_IDS).into());
        }
        let decoded = ids
            .iter()
            .map(|id| GlobalId::decode("ids", id))
            .collect::<ApiResult<Vec<_>>>()?;
        Ok(Node::fetch_many(ctx, &decoded).await?)
    }

    /// Fetches a claim by its slug; null when no claim has that slug.
    async fn claim(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The claim's slug, e.g. `rest-pause-training`.")] slug: String,
    ) -> async_graphql::Result<Option<Claim>> {
        let row = claim_by_slug_with_page(loader(ctx)?, &ctx.look_ahead(), slug.trim()).await?;
        Ok(row.map(Claim))
    }

    /// Lists claims, a page at a time.
    #[expect(
        clippy::too_many_arguments,
        reason = "a Relay field takes its four page arguments plus filter and order"
    )]
    #[graphql(complexity = "crate::graphql::limits::page_cost(first, last, child_complexity)")]
    async fn claims(
        &self,
        ctx: &Context<'_>,
        #[graphql(
            desc = "Return the first n claims (at most 100; 20 when neither `first` nor `last` is given)."
        )]
        first: Option<i32>,
        #[graphql(desc = "Return the claims after this cursor.")] after: Option<String>,
        #[graphql(desc = "Return the last n claims (at most 100).")] last: Option<i32>,
        #[graphql(desc = "Return the claims before this cursor.")] before: Option<String>,
        #[graphql(desc = "Only claims that match this filter.")] filter: Option<ClaimFilter>,
        #[graphql(desc = "The order of the list; oldest first by default.")] order_by: Option<ClaimOrder>,
    ) -> async_graphql::Result<Connection<Claim>> {
        let order = order_by.unwrap_or_default();
        let window = PageArgs {
            first,
            after,
            last,
            before,
        }
        .window(|field, cursor| ClaimKey::decode(field, cursor, order.field))?;
        let condition = filter.unwrap_or_default().condition()?;
        Ok(claims_page(ctx, condition, order, window).await?)
    }

    /// Fetches the DOI node for any common spelling of a DOI (`10.x/y`, `doi:10.x/y`,
    /// `https://doi.org/10.x/y`, `http://dx.doi.org/10.x/y`, any case, spaces around); null when
    /// the graph does not hold that DOI. A malformed DOI is a BAD_USER_INPUT error.
    async fn doi(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "A DOI in any common spelling.")] value: String,
    ) -> async_graphql::Result<Option<Doi>> {
        let parsed = DoiValue::parse(&value)
            .map_err(|reason| ApiError::bad_input("value", format!("{value:?} is not a DOI: {reason}")))?;
        let row = doi::Entity::find()
            .filter(doi::Column::Value.eq(parsed.as_str()))
            .one(database(ctx)?)
            .await
            .map_err(ApiError::from)?;
        Ok(row.map(Doi))
    }

    /// Fetches a study by its global ID; null when no study has that ID.
    async fn study(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The study's global ID.")] id: ID,
    ) -> async_graphql::Result<Option<Study>> {
        let id = GlobalId::decode_as("id", &id, NodeType::Study)?;
        Ok(load_one(ctx, StudyById(id)).await?.map(Study))
    }

    /// Lists studies, a page at a time, oldest record first.
    #[graphql(complexity = "crate::graphql::limits::page_cost(first, last, child_complexity)")]
    async fn studies(
        &self,
        ctx: &Context<'_>,
        #[graphql(
            desc = "Return the first n studies (at most 100; 20 when neither `first` nor `last` is given)."
        )]
        first: Option<i32>,
        #[graphql(desc = "Return the studies after this cursor.")] after: Option<String>,
        #[graphql(desc = "Return the last n studies (at most 100).")] last: Option<i32>,
        #[graphql(desc = "Return the studies before this cursor.")] before: Option<String>,
        #[graphql(desc = "Only studies that match this filter.")] filter: Option<StudyFilter>,
    ) -> async_graphql::Result<Connection<Study>> {
        let window = PageArgs {
            first,
            after,
            last,
            before,
        }
        .window(decode_id_cursor)?;
        let condition = filter.unwrap_or_default().condition()?;
        Ok(studies_page(ctx, condition, window).await?)
    }

    /// The caller: the user whose API token signed the request; null without a token.
    #[graphql(cache_control(private))]
    async fn viewer(&self, ctx: &Context<'_>) -> Option<User> {
        match caller(ctx) {
            Caller::Anonymous => None,
            Caller::User(user) => Some(User(user.clone())),
        }
    }

    /// Contributions the caller may see, oldest first: moderators see everyone's (the review
    /// queue is `contributions(status: PENDING)`), contributors their own. Needs a token.
    #[graphql(
        cache_control(private),
        complexity = "crate::graphql::limits::page_cost(first, last, child_complexity)"
    )]
    async fn contributions(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Only contributions in this state; all of them when absent.")] status: Option<
            ContributionStatus,
        >,
        #[graphql(
            desc = "Return the first n items (at most 100; 20 when neither `first` nor `last` is given)."
        )]
        first: Option<i32>,
        #[graphql(desc = "Return the items after this cursor.")] after: Option<String>,
        #[graphql(desc = "Return the last n items (at most 100).")] last: Option<i32>,
        #[graphql(desc = "Return the items before this cursor.")] before: Option<String>,
    ) -> async_graphql::Result<Connection<Contribution>> {
        let args = PageArgs {
            first,
            after,
            last,
            before,
        };
        Ok(contributions_page(ctx, status.map(Into::into), args).await?)
    }

    /// Every applied change the caller may see, oldest first (use `last` for the latest): the whole
    /// graph's audit log. Anonymous callers and other contributors see accepted changes only; the
    /// events of a pending or rejected contribution are its author's and the moderators'.
    #[graphql(
        cache_control(private),
        complexity = "crate::graphql::limits::page_cost(first, last, child_complexity)"
    )]
    async fn events(
        &self,
        ctx: &Context<'_>,
        #[graphql(
            desc = "Return the first n items (at most 100; 20 when neither `first` nor `last` is given)."
        )]
        first: Option<i32>,
        #[graphql(desc = "Return the items after this cursor.")] after: Option<String>,
        #[graphql(desc = "Return the last n items (at most 100).")] last: Option<i32>,
        #[graphql(desc = "Return the items before this cursor.")] before: Option<String>,
    ) -> async_graphql::Result<Connection<Event>> {
        let args = PageArgs {
            first,
            after,
            last,
            before,
        };
        Ok(events_page(ctx, Condition::all(), args).await?)
    }

    /// Where this client stands against its rate limit, this request's cost included; null when the
    /// server limits no rates. Asking costs 1 point, like any small query.
    #[graphql(cache_control(private))]
    async fn rate_limit(&self, ctx: &Context<'_>) -> Option<RateLimit> {
        ctx.data_opt::<Arc<RateCharge>>()
            .and_then(|charge| charge.settlement())
            .map(RateLimit::from)
    }
}

/// Narrows a list of claims.
#[derive(InputObject, Default)]
pub struct ClaimFilter {
    /// Only claims whose statement contains this text (at most 200 characters), ignoring case and
    /// accents the same way on every database: both texts are compared after Unicode's full case
    /// folding with combining marks removed, so `ecole` finds `École`, `strasse` finds `Straße`,
    /// `σοφια` finds `ΣΟΦΊΑ` and `istanbul` finds `İstanbul` (the dotless `ı` stays distinct from
    /// `i`). `%`, `_` and `\` are matched literally.
    statement_contains: Option<String>,
}

impl ClaimFilter {
    fn condition(self) -> ApiResult<Condition> {
        let mut condition = Condition::all();
        if let Some(text) = self.statement_contains {
            condition = condition.add(contains(
                "filter.statementContains",
                claim::Column::StatementFolded,
                &text,
            )?);
        }
        Ok(condition)
    }
}

/// Narrows a list of studies.
#[derive(InputObject, Default)]
pub struct StudyFilter {
    /// Only studies whose title contains this text (at most 200 characters), ignoring case and
    /// accents as `ClaimFilter.statementContains` does.
    title_contains: Option<String>,
    /// Only studies of this design.
    design: Option<StudyDesign>,
}

impl StudyFilter {
    fn condition(self) -> ApiResult<Condition> {
        let mut condition = Condition::all();
        if let Some(text) = self.title_contains {
            condition = condition.add(contains(
                "filter.titleContains",
                study::Column::TitleFolded,
                &text,
            )?);
        }
        if let Some(design) = self.design {
            condition = condition.add(study::Column::Design.eq(entity::values::StudyDesign::from(design)));
        }
        Ok(condition)
    }
}

/// A substring match of `text` in `folded`, a column that holds its text folded by
/// [`entity::values::fold`]: the needle is folded by the same rule, in Rust, so SQLite and
/// PostgreSQL give the same answers. `%`, `_` and `\` in the text are matched literally.
fn contains(field: &str, folded: impl ColumnTrait, text: &str) -> ApiResult<Condition> {
    if text.chars().count() > MAX_FILTER_LEN {
        return Err(ApiError::bad_input(
            field,
            format!("at most {MAX_FILTER_LEN} characters"),
        ));
    }
    let escaped = entity::values::fold(text)
        .replace('\\', "\\\\")
        .replace('%', "\\%")
        .replace('_', "\\_");
    let pattern = LikeExpr::new(format!("%{escaped}%")).escape('\\');
    Ok(Condition::all().add(Expr::col(folded).like(pattern)))
}

/// What claims can be sorted by.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq, Default)]
pub enum ClaimOrderField {
    /// When the claim was first recorded (ties broken by ID).
    #[default]
    CreatedAt,
    /// The claim's slug, alphabetically.
    Slug,
}

impl ClaimOrderField {
    fn tag(self) -> &'static str {
        match self {
            ClaimOrderField::CreatedAt => "created_at",
            ClaimOrderField::Slug => "slug",
        }
    }
}

/// The order of a list of claims.
#[derive(InputObject, Clone, Copy, Default)]
pub struct ClaimOrder {
    /// What to sort by.
    #[graphql(default)]
    field: ClaimOrderField,
    /// Ascending or descending.
    #[graphql(default)]
    direction: OrderDirection,
}

/// A claim's place in an ordered list: the sort value and the ID that breaks ties.
#[derive(Clone, Debug)]
struct ClaimKey {
    value: Value,
    id: i32,
}

impl ClaimKey {
    fn cursor(row: &claim::Model, field: ClaimOrderField) -> String {
        let value = match field {
            ClaimOrderField::CreatedAt => row.created_at.to_rfc3339_opts(chrono::SecondsFormat::Nanos, true),
            ClaimOrderField::Slug => row.slug.clone(),
        };
        encode_cursor(&format!("claim:{}:{}:{value}", field.tag(), row.id))
    }

    fn decode(field: &str, cursor: &str, order: ClaimOrderField) -> ApiResult<Self> {
        let invalid = || {
            ApiError::bad_input(
                field,
                format!("{cursor:?} is not a cursor of this list in this order; cursors come from its edges"),
            )
        };
        let rest = decode_cursor(field, cursor, &format!("claim:{}:", order.tag()))?;
        let (id, value) = rest.split_once(':').ok_or_else(invalid)?;
        let id = id.parse::<i32>().map_err(|_| invalid())?;
        let value = match order {
            ClaimOrderField::CreatedAt => Value::from(
                DateTime::parse_from_rfc3339(value)
                    .map_err(|_| invalid())?
                    .with_timezone(&Utc),
            ),
            ClaimOrderField::Slug => Value::from(value.to_owned()),
        };
        Ok(ClaimKey { value, id })
    }
}

/// Rows strictly after (`forward`) or before `key` in ascending (`column`, id) order.
fn keyset<C: ColumnTrait>(column: C, id: C, key: ClaimKey, forward: bool) -> Condition {
    let (beyond, beyond_id) = if forward {
        (Expr::col(column).gt(key.value.clone()), Expr::col(id).gt(key.id))
    } else {
        (Expr::col(column).lt(key.value.clone()), Expr::col(id).lt(key.id))
    };
    Condition::any().add(beyond).add(
        Condition::all()
            .add(Expr::col(column).eq(key.value))
            .add(beyond_id),
    )
}

async fn claims_page(
    ctx: &Context<'_>,
    filter: Condition,
    order: ClaimOrder,
    window: Window<ClaimKey>,
) -> ApiResult<Connection<Claim>> {
    let column = match order.field {
        ClaimOrderField::CreatedAt => claim::Column::CreatedAt,
        ClaimOrderField::Slug => claim::Column::Slug,
    };
    // In ascending terms: `after` bounds from below, `before` from above; DESC swaps them.
    let ascending = order.direction == OrderDirection::Asc;
    let mut select = claim::Entity::find().filter(filter.clone());
    if let Some(after) = window.after.clone() {
        select = select.filter(keyset(column, claim::Column::Id, after, ascending));
    }
    if let Some(before) = window.before.clone() {
        select = select.filter(keyset(column, claim::Column::Id, before, !ascending));
    }
    let forward = window.direction == Direction::Forward;
    let sql_order = if ascending == forward {
        sea_orm::Order::Asc
    } else {
        sea_orm::Order::Desc
    };
    let mut rows = select
        .order_by(column, sql_order.clone())
        .order_by(claim::Column::Id, sql_order)
        .limit(window.limit as u64 + 1)
        .all(database(ctx)?)
        .await?;
    let more = rows.len() > window.limit;
    rows.truncate(window.limit);
    if !forward {
        rows.reverse();
    }
    let ids: Vec<i32> = rows.iter().map(|row| row.id).collect();
    let selection = ctx.look_ahead();
    for claim in [selection.field("edges").field("node"), selection.field("nodes")] {
        prefetch_claims(loader(ctx)?, &claim, &ids).await?;
    }
    let edges: Vec<Edge<Claim>> = rows
        .into_iter()
        .map(|row| Edge {
            cursor: ClaimKey::cursor(&row, order.field),
            node: Claim(row),
        })
        .collect();
    Ok(Connection {
        page_info: page_info(&edges, &window, more),
        edges,
        total: Total::Claims(filter),
    })
}

async fn studies_page(
    ctx: &Context<'_>,
    filter: Condition,
    window: Window<i32>,
) -> ApiResult<Connection<Study>> {
    let select = study::Entity::find().filter(filter.clone());
    let (rows, more) = keyset_by_id(database(ctx)?, select, study::Column::Id, &window).await?;
    let edges: Vec<Edge<Study>> = rows
        .into_iter()
        .map(|row| Edge {
            cursor: id_cursor(row.id),
            node: Study(row),
        })
        .collect();
    Ok(Connection {
        page_info: page_info(&edges, &window, more),
        edges,
        total: Total::Studies(filter),
    })
}
