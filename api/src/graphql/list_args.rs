//! The list fields' arguments (filters, orders and cursors), checked once for the resolvers in
//! [`super::query`] and for the compiled lists in [`super::compiled`].

use async_graphql::{Enum, InputObject};
use chrono::{DateTime, Utc};
use entity::{claim, evidence, study};

use crate::domain::search::query::{Parsed, Query};
use crate::error::{ApiError, ApiResult};
use crate::graphql::connection::{
    Connection, PageArgs, Window, decode_cursor, encode_cursor, from_page, parse_score, score_text,
};
use crate::graphql::enums::{EffectDirection, OrderDirection, Stance, StudyDesign, Support};
use crate::store::Store;
use crate::store::lists::{self, ClaimSeek, ClaimSort, SortValue};

/// The longest text a text filter accepts.
const MAX_FILTER_LEN: usize = 200;

/// The most values a filter's list accepts: more than any enumeration has, so a list of
/// distinct values always fits.
pub const MAX_FILTER_VALUES: usize = 20;

/// The years a year range may name: the years a study may carry (see `StudyInput.year`).
const YEARS: std::ops::RangeInclusive<i32> = 1600..=2100;

/// A text compared the way `ClaimFilter.statementContains` compares: ignoring case and accents,
/// the same way on every database. Both parts, when given, must hold.
#[derive(InputObject, Default)]
pub struct TextMatch {
    /// Only values equal to this text (at most 200 characters), ignoring case and accents.
    equals: Option<String>,
    /// Only values containing this text (at most 200 characters), ignoring case and accents;
    /// `%`, `_` and `\` are matched literally.
    contains: Option<String>,
}

impl TextMatch {
    /// The store's match, its texts checked; `field` is where it sits in the arguments.
    fn checked(field: &str, given: Option<TextMatch>) -> ApiResult<lists::TextMatch> {
        let given = given.unwrap_or_default();
        Ok(lists::TextMatch {
            equals: checked_text(&format!("{field}.equals"), given.equals)?,
            contains: checked_text(&format!("{field}.contains"), given.contains)?,
        })
    }
}

/// Years from `from` to `to`, both included; an end left out is open. Each end is a year from
/// 1600 to 2100 (OUT_OF_RANGE otherwise), and `from` is at most `to` (BAD_USER_INPUT otherwise).
/// A study without a year is in no range.
#[derive(InputObject, Default, Clone, Copy)]
pub struct YearRange {
    /// The first year in the range.
    from: Option<i32>,
    /// The last year in the range.
    to: Option<i32>,
}

impl YearRange {
    /// The store's range, checked; `field` is where it sits in the arguments.
    fn checked(field: &str, given: Option<YearRange>) -> ApiResult<Option<lists::YearRange>> {
        let Some(range) = given else {
            return Ok(None);
        };
        for (end, year) in [("from", range.from), ("to", range.to)] {
            if let Some(year) = year
                && !YEARS.contains(&year)
            {
                return Err(ApiError::out_of_range(
                    format!("{field}.{end}"),
                    format!("{year} is not a year from {} to {}.", YEARS.start(), YEARS.end()),
                ));
            }
        }
        if let (Some(from), Some(to)) = (range.from, range.to)
            && from > to
        {
            return Err(ApiError::bad_input(
                field,
                format!("The range starts ({from}) after it ends ({to})."),
            ));
        }
        Ok(Some(lists::YearRange {
            from: range.from,
            to: range.to,
        }))
    }
}

/// Narrows a list of claims: every filter given must hold. A list of values (at most 20) lets
/// through a claim with any one of them; an empty list lets none through.
#[derive(InputObject, Default)]
pub struct ClaimFilter {
    /// Only claims that this search query finds in their statement, PICO parts or synthesis, in
    /// `search`'s syntax (words, "phrases", `-excluded`, `OR`, a last-word prefix; at most 200
    /// characters and 16 words). Order by `RELEVANCE` to list the best matches first.
    search: Option<String>,
    /// Only claims whose statement contains this text (at most 200 characters), ignoring case and
    /// accents the same way on every database: both texts are compared after Unicode's full case
    /// folding with combining marks removed, so `ecole` finds `École`, `strasse` finds `Straße`,
    /// `σοφια` finds `ΣΟΦΊΑ` and `istanbul` finds `İstanbul` (the dotless `ı` stays distinct from
    /// `i`). `%`, `_` and `\` are matched literally.
    statement_contains: Option<String>,
    /// Only claims whose PICO population matches.
    population: Option<TextMatch>,
    /// Only claims whose PICO intervention matches.
    intervention: Option<TextMatch>,
    /// Only claims whose PICO comparator matches.
    comparator: Option<TextMatch>,
    /// Only claims whose PICO outcome matches.
    outcome: Option<TextMatch>,
    /// Only claims with one of these effect directions (a claim whose direction is unknown has
    /// none of them).
    effect_direction: Option<Vec<EffectDirection>>,
    /// Only claims whose most probable explanation (the rank-1 mechanism) has one of these
    /// supports (a claim without mechanisms has none of them).
    top_mechanism_support: Option<Vec<Support>>,
    /// `true`: only claims with supporting evidence; `false`: only claims without any.
    has_supporting: Option<bool>,
    /// `true`: only claims with contradicting evidence; `false`: only claims without any.
    has_contradicting: Option<bool>,
    /// Only claims with evidence from a study of one of these designs. With `evidenceYear`, one
    /// and the same study must be of such a design and published in the range.
    evidence_design: Option<Vec<StudyDesign>>,
    /// Only claims with evidence from a study published in this range.
    evidence_year: Option<YearRange>,
    /// `true`: only claims with evidence from a retracted study; `false`: only claims none of
    /// whose evidence studies is retracted.
    has_retracted_evidence: Option<bool>,
}

impl ClaimFilter {
    /// The store's filter, its texts, lists and ranges checked.
    pub(crate) fn checked(self) -> ApiResult<lists::ClaimFilter> {
        let search = match self.search {
            None => None,
            Some(text) => Some(
                match Query::parse(&text)
                    .map_err(|reason| ApiError::bad_input("filter.search", reason.to_string()))?
                {
                    Parsed::Query(query) => lists::ClaimSearch::Words(query.full_text()),
                    Parsed::OnlyCommonWords => lists::ClaimSearch::Nothing,
                },
            ),
        };
        Ok(lists::ClaimFilter {
            search,
            statement_contains: checked_text("filter.statementContains", self.statement_contains)?,
            population: TextMatch::checked("filter.population", self.population)?,
            intervention: TextMatch::checked("filter.intervention", self.intervention)?,
            comparator: TextMatch::checked("filter.comparator", self.comparator)?,
            outcome: TextMatch::checked("filter.outcome", self.outcome)?,
            effect_direction: checked_values("filter.effectDirection", self.effect_direction)?,
            top_mechanism_support: checked_values("filter.topMechanismSupport", self.top_mechanism_support)?,
            has_supporting: self.has_supporting,
            has_contradicting: self.has_contradicting,
            evidence_design: checked_values("filter.evidenceDesign", self.evidence_design)?,
            evidence_year: YearRange::checked("filter.evidenceYear", self.evidence_year)?,
            has_retracted_evidence: self.has_retracted_evidence,
        })
    }
}

/// Narrows a list of studies: every filter given must hold.
#[derive(InputObject, Default)]
pub struct StudyFilter {
    /// Only studies whose title contains this text (at most 200 characters), ignoring case and
    /// accents as `ClaimFilter.statementContains` does.
    title_contains: Option<String>,
    /// Only studies of this design.
    design: Option<StudyDesign>,
    /// Only studies of one of these designs (at most 20; an empty list lets none through).
    designs: Option<Vec<StudyDesign>>,
    /// Only studies published in this range.
    year: Option<YearRange>,
    /// Only studies whose journal matches (a study without a journal matches nothing).
    journal: Option<TextMatch>,
    /// `true`: only retracted studies; `false`: only studies not retracted.
    retracted: Option<bool>,
}

impl StudyFilter {
    /// The store's filter, its texts, lists and ranges checked.
    pub(crate) fn checked(self) -> ApiResult<lists::StudyFilter> {
        Ok(lists::StudyFilter {
            title_contains: checked_text("filter.titleContains", self.title_contains)?,
            design: self.design.map(Into::into),
            designs: checked_values("filter.designs", self.designs)?,
            year: YearRange::checked("filter.year", self.year)?,
            journal: TextMatch::checked("filter.journal", self.journal)?,
            retracted: self.retracted,
        })
    }
}

/// `Claim.evidence`'s filters, checked: the resolver and the compiled claim page both apply them
/// through [`EvidenceFilter::admits`].
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct EvidenceFilter {
    stance: Option<entity::values::Stance>,
    designs: Option<Vec<entity::values::StudyDesign>>,
    years: Option<lists::YearRange>,
}

impl EvidenceFilter {
    /// Checks `Claim.evidence`'s `stance`, `design` and `year` arguments.
    pub fn checked(
        stance: Option<Stance>,
        design: Option<Vec<StudyDesign>>,
        year: Option<YearRange>,
    ) -> ApiResult<EvidenceFilter> {
        Ok(EvidenceFilter {
            stance: stance.map(Into::into),
            designs: checked_values("design", design)?,
            years: YearRange::checked("year", year)?,
        })
    }

    /// Whether the filter looks at the evidence's study (its design or year).
    pub fn reads_study(&self) -> bool {
        self.designs.is_some() || self.years.is_some()
    }

    /// Whether an evidence row, with its study, passes the filter.
    pub fn admits(&self, row: &evidence::Model, study: Option<&study::Model>) -> bool {
        if self.stance.is_some_and(|stance| row.stance != stance) {
            return false;
        }
        if let Some(designs) = &self.designs
            && !study.is_some_and(|study| designs.contains(&study.design))
        {
            return false;
        }
        if let Some(years) = &self.years {
            let year = study.and_then(|study| study.year);
            let within = year.is_some_and(|year| {
                years.from.is_none_or(|from| from <= year) && years.to.is_none_or(|to| year <= to)
            });
            if !within {
                return false;
            }
        }
        true
    }
}

/// A text filter's text, refused past [`MAX_FILTER_LEN`] characters.
fn checked_text(field: &str, text: Option<String>) -> ApiResult<Option<String>> {
    match text {
        Some(text) if text.chars().count() > MAX_FILTER_LEN => Err(ApiError::bad_input(
            field,
            format!("at most {MAX_FILTER_LEN} characters"),
        )),
        text => Ok(text),
    }
}

/// A filter's list of values, refused past [`MAX_FILTER_VALUES`] items, in the store's types.
fn checked_values<G, T>(field: &str, values: Option<Vec<G>>) -> ApiResult<Option<Vec<T>>>
where
    G: Into<T>,
{
    match values {
        Some(values) if values.len() > MAX_FILTER_VALUES => {
            Err(ApiError::list_too_long(field, values.len(), MAX_FILTER_VALUES))
        }
        values => Ok(values.map(|values| values.into_iter().map(Into::into).collect())),
    }
}

/// What claims can be sorted by.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq, Default)]
pub enum ClaimOrderField {
    /// When the claim was first recorded (ties broken by ID).
    #[default]
    CreatedAt,
    /// When the claim's own fields last changed (ties broken by ID).
    UpdatedAt,
    /// The claim's slug, alphabetically.
    Slug,
    /// How many evidence rows the claim has (ties broken by ID).
    EvidenceCount,
    /// How well the claim matches `filter.search` (which it needs), as `search` scores it: the
    /// best match first in ascending order, as ranks are read (ties broken by ID).
    Relevance,
}

impl ClaimOrderField {
    fn tag(self) -> &'static str {
        match self {
            ClaimOrderField::CreatedAt => "created_at",
            ClaimOrderField::UpdatedAt => "updated_at",
            ClaimOrderField::Slug => "slug",
            ClaimOrderField::EvidenceCount => "evidence_count",
            ClaimOrderField::Relevance => "relevance",
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
            ClaimOrderField::UpdatedAt => ClaimSort::UpdatedAt,
            ClaimOrderField::Slug => ClaimSort::Slug,
            ClaimOrderField::EvidenceCount => ClaimSort::EvidenceCount,
            ClaimOrderField::Relevance => ClaimSort::Relevance,
        }
    }
}

/// The cursor of a claim in a list sorted by `field`: its sort value and the ID that breaks ties.
fn claim_cursor(row: &claim::Model, field: ClaimOrderField, score: Option<f64>) -> String {
    let time = |at: &DateTime<Utc>| at.to_rfc3339_opts(chrono::SecondsFormat::Nanos, true);
    let value = match field {
        // The score exactly, as the bits of the float.
        ClaimOrderField::Relevance => score_text(score.unwrap_or_default()),
        ClaimOrderField::CreatedAt => time(&row.created_at),
        ClaimOrderField::UpdatedAt => time(&row.updated_at),
        ClaimOrderField::Slug => row.slug.clone(),
        ClaimOrderField::EvidenceCount => row.evidence_count.to_string(),
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
    let time = || {
        DateTime::parse_from_rfc3339(value)
            .map(|at| SortValue::Time(at.with_timezone(&Utc)))
            .map_err(|_| invalid())
    };
    let value = match order {
        ClaimOrderField::CreatedAt | ClaimOrderField::UpdatedAt => time()?,
        ClaimOrderField::Slug => SortValue::Text(value.to_owned()),
        ClaimOrderField::EvidenceCount => SortValue::Int(value.parse().map_err(|_| invalid())?),
        ClaimOrderField::Relevance => SortValue::Score(parse_score(value).ok_or_else(invalid)?),
    };
    Ok(ClaimSeek { value, id })
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
        if order.field == ClaimOrderField::Relevance && filter.search.is_none() {
            return Err(ApiError::bad_input(
                "orderBy.field",
                "RELEVANCE orders claims by how well they match a search: give `filter.search` too",
            ));
        }
        Ok(ClaimList {
            filter,
            order,
            window,
        })
    }

    /// Reads the page's claims (in one keyset statement; the count is read when asked for).
    pub async fn read(&self, store: &Store) -> ApiResult<ClaimPage> {
        let ascending = self.order.direction == OrderDirection::Asc;
        if self.order.field == ClaimOrderField::Relevance {
            let (page, scores) = store
                .claims_page_by_relevance(&self.filter, ascending, &self.window)
                .await?;
            return Ok(ClaimPage {
                page,
                scores: Some(scores),
            });
        }
        let page = store
            .claims_page(&self.filter, self.order.field.sort(), ascending, &self.window)
            .await?;
        Ok(ClaimPage { page, scores: None })
    }

    /// The page as a connection, each claim made a node by `node`.
    pub fn connection<N>(&self, read: ClaimPage, node: impl Fn(claim::Model) -> N) -> Connection<N> {
        let field = self.order.field;
        let scores = read.scores.unwrap_or_default();
        let rows = read
            .page
            .rows
            .into_iter()
            .enumerate()
            .map(|(at, row)| (claim_cursor(&row, field, scores.get(at).copied()), row))
            .collect();
        let page = lists::Page {
            rows,
            more: read.page.more,
            count: read.page.count,
        };
        from_page(
            page,
            &self.window,
            |(cursor, _)| cursor.clone(),
            |(_, row)| node(row),
        )
    }
}

/// A page of claims as [`ClaimList::read`] reads it: the rows, and their search scores when the
/// list is ordered by relevance (its cursors hold them).
pub(crate) struct ClaimPage {
    pub page: lists::Page<claim::Model>,
    scores: Option<Vec<f64>>,
}
