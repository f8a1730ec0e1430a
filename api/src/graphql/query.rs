//! The query root: entry points into the graph.

use std::sync::Arc;

use async_graphql::{Context, Enum, ID, InputObject, Object};
use chrono::{DateTime, Utc};
use entity::claim;
use entity::values::Doi as DoiValue;

use crate::domain::caller::Caller;
use crate::error::{ApiError, ApiResult};
use crate::graphql::connection::{
    Connection, PageArgs, Window, decode_cursor, decode_id_cursor, encode_cursor, from_page, id_cursor,
};
use crate::graphql::context::caller;
use crate::graphql::context::{load_one, loader, store};
use crate::graphql::enums::{OrderDirection, StudyDesign};
use crate::graphql::ids::{GlobalId, NodeType};
use crate::graphql::limits::NODE_IDS;
use crate::graphql::loaders::StudyById;
use crate::graphql::prefetch::{claim_by_slug_with_page, doi_with_walk, prefetch_claims};
use crate::graphql::rate_limit::RateLimit;
use crate::graphql::types::Node;
use crate::graphql::types::curation::{contributions_page, events_page};
use crate::graphql::types::{Claim, Doi, Study};
use crate::graphql::types::{Contribution, ContributionStatus, Event, User};
use crate::rate_limit::RateCharge;
use crate::store::Store;
use crate::store::lists::{self, ClaimSeek, ClaimSort, SortValue};

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
        let list = ClaimList::checked(
            PageArgs {
                first,
                after,
                last,
                before,
            },
            filter,
            order_by,
        )?;
        Ok(claims_page(ctx, &list).await?)
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
        let row = doi_with_walk(loader(ctx)?, &ctx.look_ahead(), parsed.as_str()).await?;
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
        let filter = filter.unwrap_or_default().checked()?;
        let page = store(ctx)?.studies_page(&filter, &window).await?;
        Ok(from_page(page, &window, |row| id_cursor(row.id), Study))
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
        Ok(events_page(ctx, None, args).await?)
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
    /// The store's filter, its texts checked.
    fn checked(self) -> ApiResult<lists::ClaimFilter> {
        Ok(lists::ClaimFilter {
            statement_contains: checked_text("filter.statementContains", self.statement_contains)?,
        })
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
    /// The store's filter, its texts checked.
    fn checked(self) -> ApiResult<lists::StudyFilter> {
        Ok(lists::StudyFilter {
            title_contains: checked_text("filter.titleContains", self.title_contains)?,
            design: self.design.map(Into::into),
        })
    }
}

/// A `...Contains` filter's text, refused past [`MAX_FILTER_LEN`] characters.
fn checked_text(field: &str, text: Option<String>) -> ApiResult<Option<String>> {
    match text {
        Some(text) if text.chars().count() > MAX_FILTER_LEN => Err(ApiError::bad_input(
            field,
            format!("at most {MAX_FILTER_LEN} characters"),
        )),
        text => Ok(text),
    }
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

impl ClaimOrderField {
    /// What the store sorts by.
    fn sort(self) -> ClaimSort {
        match self {
            ClaimOrderField::CreatedAt => ClaimSort::CreatedAt,
            ClaimOrderField::Slug => ClaimSort::Slug,
        }
    }
}

/// The cursor of a claim in a list sorted by `field`: its sort value and the ID that breaks ties.
fn claim_cursor(row: &claim::Model, field: ClaimOrderField) -> String {
    let value = match field {
        ClaimOrderField::CreatedAt => row.created_at.to_rfc3339_opts(chrono::SecondsFormat::Nanos, true),
        ClaimOrderField::Slug => row.slug.clone(),
    };
    encode_cursor(&format!("claim:{}:{}:{value}", field.tag(), row.id))
}

/// Decodes a cursor made by [`claim_cursor`] for the same order.
fn decode_claim_cursor(field: &str, cursor: &str, order: ClaimOrderField) -> ApiResult<ClaimSeek> {
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
        ClaimOrderField::CreatedAt => SortValue::Time(
            DateTime::parse_from_rfc3339(value)
                .map_err(|_| invalid())?
                .with_timezone(&Utc),
        ),
        ClaimOrderField::Slug => SortValue::Text(value.to_owned()),
    };
    Ok(ClaimSeek { value, id })
}

async fn claims_page(ctx: &Context<'_>, list: &ClaimList) -> ApiResult<Connection<Claim>> {
    let page = list.read(store(ctx)?).await?;
    let ids: Vec<i32> = page.rows.iter().map(|row| row.id).collect();
    let selection = ctx.look_ahead();
    for claim in [selection.field("edges").field("node"), selection.field("nodes")] {
        prefetch_claims(loader(ctx)?, &claim, &ids).await?;
    }
    Ok(list.connection(page, Claim))
}

/// A page of the claim list as its arguments ask for it, checked: the resolver of `claims` and a
/// compiled list (`compiled::claims`) both read it through here.
pub(crate) struct ClaimList {
    filter: lists::ClaimFilter,
    order: ClaimOrder,
    window: Window<ClaimSeek>,
}

impl ClaimList {
    /// Checks `claims`' arguments, with the errors a client sees.
    pub fn checked(
        page: PageArgs,
        filter: Option<ClaimFilter>,
        order_by: Option<ClaimOrder>,
    ) -> ApiResult<ClaimList> {
        let order = order_by.unwrap_or_default();
        let window = page.window(|field, cursor| decode_claim_cursor(field, cursor, order.field))?;
        let filter = filter.unwrap_or_default().checked()?;
        Ok(ClaimList {
            filter,
            order,
            window,
        })
    }

    /// Reads the page's claims (in one keyset statement; the count is read when asked for).
    pub async fn read(&self, store: &Store) -> ApiResult<lists::Page<claim::Model>> {
        let ascending = self.order.direction == OrderDirection::Asc;
        Ok(store
            .claims_page(&self.filter, self.order.field.sort(), ascending, &self.window)
            .await?)
    }

    /// The page as a connection, each claim made a node by `node`.
    pub fn connection<N>(
        &self,
        page: lists::Page<claim::Model>,
        node: impl Fn(claim::Model) -> N,
    ) -> Connection<N> {
        from_page(
            page,
            &self.window,
            |row| claim_cursor(row, self.order.field),
            node,
        )
    }
}
