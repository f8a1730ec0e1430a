//! The query root: entry points into the graph.

use std::sync::Arc;

use async_graphql::{Context, ID, Object};
use entity::values::Doi as DoiValue;

use crate::domain::caller::Caller;
use crate::error::{ApiError, ApiResult};
use crate::graphql::connection::{Connection, PageArgs, decode_id_cursor, from_page, id_cursor};
use crate::graphql::context::caller;
use crate::graphql::context::{load_one, loader, store};
use crate::graphql::ids::{GlobalId, NodeType};
use crate::graphql::limits::NODE_IDS;
use crate::graphql::list_args::{ClaimFilter, ClaimList, ClaimOrder, StudyFilter};
use crate::graphql::loaders::StudyById;
use crate::graphql::prefetch::{claim_by_slug_with_page, doi_with_walk, prefetch_claims};
use crate::graphql::rate_limit::RateLimit;
use crate::graphql::search::{self, SearchArgs, SearchFilter};
use crate::graphql::types::Node;
use crate::graphql::types::curation::{contributions_page, events_page};
use crate::graphql::types::{
    Claim, ClaimFacets, Doi, SearchConnection, SearchType, Study, StudyFacets, Suggestion,
};
use crate::graphql::types::{Contribution, ContributionStatus, Event, User};
use crate::rate_limit::RateCharge;

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

    /// Counts over every claim `claims(filter:)` lets through with the same filter, for a browsing
    /// UI's facets ("RANDOMISED_CONTROLLED_TRIAL (12)"). A root field of its own, not a field of
    /// `ClaimConnection`: the counts depend on the filter only (never on a page's cursors, size
    /// or order), so a UI reads them once while it pages, and the claims' pages stay compiled.
    async fn claim_facets(
        &self,
        #[graphql(desc = "The filter of the list counted, as `claims` takes it.")] filter: Option<
            ClaimFilter,
        >,
    ) -> async_graphql::Result<ClaimFacets> {
        Ok(ClaimFacets(filter.unwrap_or_default().checked()?))
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

    /// Searches claims, mechanisms, steps and studies by their texts, best match first, with the
    /// words matched marked in each result; a DOI in any common spelling finds its DOI and study.
    /// Syntax: words (all must occur, stemmed: `training` finds `trained`), `"quoted phrases"`,
    /// `-word` to leave out, `OR` between alternatives, and the last word also matches as a prefix
    /// unless a space follows it. A query of at most 200 characters and 16 words; common words
    /// (`the`, `of`) are ignored outside phrases. When nothing matches, misspelt words are
    /// corrected (see `correctedQuery`). In the query's complexity a search counts its page of
    /// results, plus 10, plus 2 per word.
    #[expect(
        clippy::too_many_arguments,
        reason = "a Relay field takes its four page arguments plus query, types and filter"
    )]
    #[graphql(complexity = "crate::graphql::limits::search_cost(&query, first, last, child_complexity)")]
    async fn search(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "What to search for (at most 200 characters and 16 words), or a DOI.")]
        query: String,
        #[graphql(desc = "Only results of these types (at most 5); all types when absent.")] types: Option<
            Vec<SearchType>,
        >,
        #[graphql(desc = "Only results that match this filter.")] filter: Option<SearchFilter>,
        #[graphql(
            desc = "Return the first n results (at most 100; 20 when neither `first` nor `last` is given)."
        )]
        first: Option<i32>,
        #[graphql(desc = "Return the results after this cursor.")] after: Option<String>,
        #[graphql(desc = "Return the last n results (at most 100).")] last: Option<i32>,
        #[graphql(desc = "Return the results before this cursor.")] before: Option<String>,
    ) -> async_graphql::Result<SearchConnection> {
        let args = SearchArgs {
            query,
            types,
            filter,
            page: PageArgs {
                first,
                after,
                last,
                before,
            },
        };
        Ok(search::search(ctx, args).await?)
    }

    /// Claims and studies for a search box as the user types: first those whose statement or title
    /// starts with `prefix` (ignoring case and accents), then those with a word in their
    /// statement, PICO parts or title that the prefix's words find, its last word as a prefix. A
    /// blank prefix suggests nothing.
    #[graphql(complexity = "crate::graphql::limits::suggest_cost(first, child_complexity)")]
    async fn suggest(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "What the user has typed so far (at most 100 characters).")] prefix: String,
        #[graphql(desc = "How many suggestions to return (at most 20; 10 when absent).")] first: Option<i32>,
    ) -> async_graphql::Result<Vec<Suggestion>> {
        Ok(search::suggest(ctx, &prefix, first).await?)
    }

    /// Counts over every study `studies(filter:)` lets through with the same filter, for a
    /// browsing UI's facets; a root field for the reasons `claimFacets` is one.
    async fn study_facets(
        &self,
        #[graphql(desc = "The filter of the list counted, as `studies` takes it.")] filter: Option<
            StudyFilter,
        >,
    ) -> async_graphql::Result<StudyFacets> {
        Ok(StudyFacets(filter.unwrap_or_default().checked()?))
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

async fn claims_page(ctx: &Context<'_>, list: &ClaimList) -> ApiResult<Connection<Claim>> {
    let page = list.read(store(ctx)?).await?;
    let ids: Vec<i32> = page.page.rows.iter().map(|row| row.id).collect();
    let selection = ctx.look_ahead();
    for claim in [selection.field("edges").field("node"), selection.field("nodes")] {
        prefetch_claims(loader(ctx)?, &claim, &ids).await?;
    }
    Ok(list.connection(page, Claim))
}
