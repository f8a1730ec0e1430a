//! The list fields' arguments (filters, orders and cursors), checked once for the resolvers in
//! [`super::query`] and for the compiled lists in [`super::compiled`].

use async_graphql::{Enum, InputObject};
use chrono::{DateTime, Utc};
use entity::claim;

use crate::error::{ApiError, ApiResult};
use crate::graphql::connection::{Connection, PageArgs, Window, decode_cursor, encode_cursor, from_page};
use crate::graphql::enums::{OrderDirection, StudyDesign};
use crate::store::Store;
use crate::store::lists::{self, ClaimSeek, ClaimSort, SortValue};

/// The longest text a `...Contains` filter accepts.
const MAX_FILTER_LEN: usize = 200;

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
    pub(crate) fn checked(self) -> ApiResult<lists::ClaimFilter> {
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
    pub(crate) fn checked(self) -> ApiResult<lists::StudyFilter> {
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
