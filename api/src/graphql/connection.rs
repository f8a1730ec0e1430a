//! Relay cursor connections: the page arguments, their limits, opaque cursors and the generic
//! `XConnection` / `XEdge` types. <https://relay.dev/graphql/connections.htm>
//!
//! A page holds 20 items unless `first` or `last` asks otherwise, and at most [`MAX_PAGE`]: asking for
//! more is a BAD_USER_INPUT error, never a silent cap, so a client always gets what it asked for.

use async_graphql::SimpleObject;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

use crate::error::{ApiError, ApiResult};
use crate::store::lists::{Count, Page};
pub use crate::store::lists::{Direction, Window};

/// Items per page when neither `first` nor `last` is given.
pub const DEFAULT_PAGE: usize = 20;
/// The largest page a client may ask for.
pub const MAX_PAGE: usize = 100;

/// The four Relay page arguments, as a resolver receives them.
#[derive(Clone, Debug, Default)]
pub struct PageArgs {
    pub first: Option<i32>,
    pub after: Option<String>,
    pub last: Option<i32>,
    pub before: Option<String>,
}

impl PageArgs {
    /// Checks the arguments and decodes the cursors with `decode` (which names its own errors).
    pub fn window<C>(&self, decode: impl Fn(&str, &str) -> ApiResult<C>) -> ApiResult<Window<C>> {
        let limit = |field: &str, value: i32| -> ApiResult<usize> {
            usize::try_from(value)
                .ok()
                .filter(|n| *n <= MAX_PAGE)
                .ok_or_else(|| {
                    ApiError::bad_input(
                        field,
                        format!("`{field}` must be between 0 and {MAX_PAGE}, got {value}"),
                    )
                })
        };
        let (direction, limit) = match (self.first, self.last) {
            (Some(_), Some(_)) => {
                return Err(ApiError::bad_input("last", "pass `first` or `last`, not both"));
            }
            (Some(first), None) => (Direction::Forward, limit("first", first)?),
            (None, Some(last)) => (Direction::Backward, limit("last", last)?),
            (None, None) if self.before.is_some() => (Direction::Backward, DEFAULT_PAGE),
            (None, None) => (Direction::Forward, DEFAULT_PAGE),
        };
        Ok(Window {
            direction,
            limit,
            after: self.after.as_deref().map(|c| decode("after", c)).transpose()?,
            before: self.before.as_deref().map(|c| decode("before", c)).transpose()?,
        })
    }
}

/// Encodes a cursor payload as an opaque string.
pub fn encode_cursor(payload: &str) -> String {
    URL_SAFE_NO_PAD.encode(payload)
}

/// Decodes a cursor made by [`encode_cursor`] whose payload starts with `prefix`; returns the rest.
pub fn decode_cursor(field: &str, cursor: &str, prefix: &str) -> ApiResult<String> {
    let invalid = || {
        ApiError::bad_input(
            field,
            format!("{cursor:?} is not a cursor of this list; cursors come from its edges"),
        )
    };
    let bytes = URL_SAFE_NO_PAD.decode(cursor).map_err(|_| invalid())?;
    let text = String::from_utf8(bytes).map_err(|_| invalid())?;
    text.strip_prefix(prefix).map(str::to_owned).ok_or_else(invalid)
}

/// A search score as a cursor holds it: exactly, as the 16 hex digits of the float's bits, so the
/// next page starts at the very value the database computed.
pub fn score_text(score: f64) -> String {
    format!("{:016x}", score.to_bits())
}

/// A score written by [`score_text`]; `None` for anything else, or for a score no search gives
/// (infinite or NaN).
pub fn parse_score(text: &str) -> Option<f64> {
    u64::from_str_radix(text, 16)
        .ok()
        .map(f64::from_bits)
        .filter(|score| score.is_finite())
}

/// The cursor of an item in a list ordered by row id.
pub fn id_cursor(id: i32) -> String {
    encode_cursor(&format!("id:{id}"))
}

/// Decodes a cursor made by [`id_cursor`].
pub fn decode_id_cursor(field: &str, cursor: &str) -> ApiResult<i32> {
    decode_cursor(field, cursor, "id:")?.parse().map_err(|_| {
        ApiError::bad_input(
            field,
            format!("{cursor:?} is not a cursor of this list; cursors come from its edges"),
        )
    })
}

/// Pages through a whole, already-loaded list ordered by ascending row id (a claim's evidence, a
/// DOI's citing steps: short lists that one batched query brings in for every parent at once).
pub fn paginate_loaded<N>(args: &PageArgs, items: Vec<(i32, N)>) -> ApiResult<Connection<N>> {
    let window = args.window(decode_id_cursor)?;
    let total = items.len();
    let in_range: Vec<(i32, N)> = items
        .into_iter()
        .filter(|(id, _)| window.after.is_none_or(|after| *id > after))
        .filter(|(id, _)| window.before.is_none_or(|before| *id < before))
        .collect();
    let len = in_range.len();
    let (skip, take) = match window.direction {
        Direction::Forward => (0, window.limit.min(len)),
        Direction::Backward => (len.saturating_sub(window.limit), window.limit.min(len)),
    };
    let edges: Vec<Edge<N>> = in_range
        .into_iter()
        .skip(skip)
        .take(take)
        .map(|(id, node)| Edge {
            cursor: id_cursor(id),
            node,
        })
        .collect();
    let page_info = PageInfo {
        has_previous_page: skip > 0 || window.after.is_some(),
        has_next_page: skip + take < len || window.before.is_some(),
        start_cursor: edges.first().map(|e| e.cursor.clone()),
        end_cursor: edges.last().map(|e| e.cursor.clone()),
    };
    Ok(Connection {
        edges,
        page_info,
        total: Total::Known(total),
    })
}

/// The page info of a keyset page: `more` says whether a row lay beyond it in its direction.
pub fn page_info<N, C>(edges: &[Edge<N>], window: &Window<C>, more: bool) -> PageInfo {
    let forward = window.direction == Direction::Forward;
    PageInfo {
        has_previous_page: if forward { window.after.is_some() } else { more },
        has_next_page: if forward { more } else { window.before.is_some() },
        start_cursor: edges.first().map(|e| e.cursor.clone()),
        end_cursor: edges.last().map(|e| e.cursor.clone()),
    }
}

/// A connection over a store's page: each row becomes a node, with the cursor `cursor` gives it.
pub fn from_page<M, N>(
    page: Page<M>,
    window: &Window<impl Sized>,
    cursor: impl Fn(&M) -> String,
    node: impl Fn(M) -> N,
) -> Connection<N> {
    let edges: Vec<Edge<N>> = page
        .rows
        .into_iter()
        .map(|row| Edge {
            cursor: cursor(&row),
            node: node(row),
        })
        .collect();
    Connection {
        page_info: page_info(&edges, window, page.more),
        edges,
        total: Total::Counted(page.count),
    }
}

/// Pagination state of a page, as Relay defines it.
#[derive(Clone, Debug, SimpleObject)]
#[graphql(serial)]
pub struct PageInfo {
    /// Whether items exist before this page (when paging backwards, whether `last` could go on).
    pub has_previous_page: bool,
    /// Whether items exist after this page (when paging forwards, whether `first` could go on).
    pub has_next_page: bool,
    /// The cursor of the first edge of this page, to page backwards with `before`.
    pub start_cursor: Option<String>,
    /// The cursor of the last edge of this page, to page forwards with `after`.
    pub end_cursor: Option<String>,
}

/// How the total of a connection is known: counted already, or counted on request only.
#[derive(Clone, Debug)]
pub enum Total {
    Known(usize),
    /// Counted by the store on request.
    Counted(Count),
}

/// One page of a list, with its edges, pagination state and the size of the whole list.
pub struct Connection<N> {
    pub edges: Vec<Edge<N>>,
    pub page_info: PageInfo,
    pub total: Total,
}

/// One item of a page, with the cursor that marks its place.
#[derive(Clone, Debug)]
pub struct Edge<N> {
    pub cursor: String,
    pub node: N,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ids(conn: &Connection<i32>) -> Vec<i32> {
        conn.edges.iter().map(|e| e.node).collect()
    }

    fn list() -> Vec<(i32, i32)> {
        (1..=5).map(|i| (i * 10, i * 10)).collect()
    }

    #[test]
    fn forward_pages_follow_end_cursors() -> ApiResult<()> {
        let first = paginate_loaded(
            &PageArgs {
                first: Some(2),
                ..Default::default()
            },
            list(),
        )?;
        assert_eq!(ids(&first), [10, 20]);
        assert!(first.page_info.has_next_page && !first.page_info.has_previous_page);
        let next = PageArgs {
            first: Some(2),
            after: first.page_info.end_cursor.clone(),
            ..Default::default()
        };
        let second = paginate_loaded(&next, list())?;
        assert_eq!(ids(&second), [30, 40]);
        assert!(second.page_info.has_next_page && second.page_info.has_previous_page);
        Ok(())
    }

    #[test]
    fn backward_pages_take_the_last_items_before_the_cursor() -> ApiResult<()> {
        let last = paginate_loaded(
            &PageArgs {
                last: Some(2),
                ..Default::default()
            },
            list(),
        )?;
        assert_eq!(ids(&last), [40, 50]);
        assert!(last.page_info.has_previous_page && !last.page_info.has_next_page);
        let prev = PageArgs {
            last: Some(2),
            before: last.page_info.start_cursor.clone(),
            ..Default::default()
        };
        assert_eq!(ids(&paginate_loaded(&prev, list())?), [20, 30]);
        Ok(())
    }

    #[test]
    fn page_sizes_beyond_the_maximum_are_refused_not_capped() {
        let err = paginate_loaded(
            &PageArgs {
                first: Some(101),
                ..Default::default()
            },
            list(),
        )
        .err();
        assert!(matches!(err, Some(ApiError::BadUserInput { ref field, .. }) if field == "first"));
        let err = paginate_loaded(
            &PageArgs {
                last: Some(-1),
                ..Default::default()
            },
            list(),
        )
        .err();
        assert!(matches!(err, Some(ApiError::BadUserInput { ref field, .. }) if field == "last"));
    }

    #[test]
    fn a_foreign_cursor_is_refused() {
        let args = PageArgs {
            after: Some(encode_cursor("claim:x")),
            ..Default::default()
        };
        let err = paginate_loaded(&args, list()).err();
        assert!(matches!(err, Some(ApiError::BadUserInput { ref field, .. }) if field == "after"));
    }
}
