//! Content negotiation for `/graphql`: which of the two GraphQL response media types a client's
//! `Accept` allows (<https://graphql.github.io/graphql-over-http/draft/#sec-Accept>).

use axum::http::{HeaderMap, HeaderValue, header};
use mediatype::{MediaType as Range, MediaTypeList, ReadParams, names};

/// The two media types a GraphQL response can be sent as.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum MediaType {
    /// `application/graphql-response+json`: the status code tells a request error (400, no `data`)
    /// from an executed request (200).
    GraphqlResponse,
    /// `application/json`, for clients from before the spec: 200 for every GraphQL result.
    Json,
}

impl MediaType {
    pub(super) const JSON: &'static str = "application/json";

    // As the spec's reference implementation sends them: JSON is always UTF-8, and says so.
    pub(super) fn content_type(self) -> HeaderValue {
        HeaderValue::from_static(match self {
            MediaType::GraphqlResponse => "application/graphql-response+json; charset=utf-8",
            MediaType::Json => "application/json; charset=utf-8",
        })
    }
}

/// Picks the response media type from `Accept`, or `None` when it allows neither.
///
/// No `Accept`, `*/*` and `application/*` get `application/json`: the spec leaves that choice to the
/// server (<https://graphql.github.io/graphql-over-http/draft/#sec-Accept>), and clients written
/// before it, like the `graphql-http` audit, expect JSON. `application/graphql-response+json` is
/// chosen when the client names it with a quality at least that of `application/json`.
///
/// The `mediatype` crate reads the entries (RFC 9110's media ranges, parameters and quoted strings);
/// an entry it cannot read, or whose quality is not a number from 0 to 1, is ignored, and an `Accept`
/// with no readable entry counts as none (RFC 9110 lets a server disregard an invalid `Accept`).
pub(super) fn negotiate(headers: &HeaderMap) -> Option<MediaType> {
    let ranges: Vec<(Range<'_>, f32)> = headers
        .get_all(header::ACCEPT)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(MediaTypeList::new)
        .filter_map(|entry| weighted(entry.ok()?))
        .collect();
    if ranges.is_empty() {
        return Some(MediaType::Json);
    }
    let graphql_response = quality(&ranges, MediaType::GraphqlResponse);
    let json = quality(&ranges, MediaType::Json);
    match (graphql_response, json) {
        (Some((q, true)), json) if q > 0.0 && q >= json.map_or(0.0, |(q, _)| q) => {
            Some(MediaType::GraphqlResponse)
        }
        (_, Some((q, _))) if q > 0.0 => Some(MediaType::Json),
        (Some((q, _)), _) if q > 0.0 => Some(MediaType::GraphqlResponse),
        _ => None,
    }
}

/// A media range with its quality (1 when it gives none); `None` when the quality does not parse.
fn weighted(range: Range<'_>) -> Option<(Range<'_>, f32)> {
    let q = match range.get_param(names::Q) {
        None => 1.0,
        Some(value) => value
            .as_str()
            .parse::<f32>()
            .ok()
            .filter(|q| (0.0..=1.0).contains(q))?,
    };
    Some((range, q))
}

/// How closely `range` names `media`: 3 exactly, 2 as `application/*`, 1 as `*/*`, `None` not at
/// all. Names compare without regard to case.
fn specificity(range: &Range<'_>, media: MediaType) -> Option<u8> {
    let (subtype, suffix) = match media {
        MediaType::GraphqlResponse => ("graphql-response", Some(names::JSON)),
        MediaType::Json => ("json", None),
    };
    if range.ty == names::_STAR && range.subty == names::_STAR {
        Some(1)
    } else if range.ty != names::APPLICATION {
        None
    } else if range.subty == names::_STAR {
        Some(2)
    } else if range.subty == *subtype && range.suffix == suffix {
        Some(3)
    } else {
        None
    }
}

/// The quality `ranges` give `media` from the most specific range that matches it, and whether
/// that range names it exactly (not through a wildcard).
fn quality(ranges: &[(Range<'_>, f32)], media: MediaType) -> Option<(f32, bool)> {
    ranges
        .iter()
        .filter_map(|(range, q)| Some((specificity(range, media)?, *q)))
        .max_by(|a, b| a.0.cmp(&b.0).then(a.1.total_cmp(&b.1)))
        .map(|(specificity, q)| (q, specificity == 3))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn accepting(accept: &str) -> Option<MediaType> {
        let mut headers = HeaderMap::new();
        headers.insert(header::ACCEPT, HeaderValue::from_str(accept).unwrap());
        negotiate(&headers)
    }

    #[test]
    fn no_accept_header_means_application_json() {
        assert_eq!(negotiate(&HeaderMap::new()), Some(MediaType::Json));
        assert_eq!(accepting(""), Some(MediaType::Json));
    }

    #[test]
    fn wildcards_mean_application_json() {
        assert_eq!(accepting("*/*"), Some(MediaType::Json));
        assert_eq!(accepting("application/*"), Some(MediaType::Json));
        assert_eq!(
            accepting("text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"),
            Some(MediaType::Json)
        );
    }

    #[test]
    fn graphql_response_json_wins_when_named_with_at_least_the_quality_of_json() {
        assert_eq!(
            accepting("application/graphql-response+json, application/json"),
            Some(MediaType::GraphqlResponse)
        );
        assert_eq!(
            accepting("application/json, application/graphql-response+json"),
            Some(MediaType::GraphqlResponse)
        );
        assert_eq!(
            accepting("application/graphql-response+json;q=0.5, application/json"),
            Some(MediaType::Json)
        );
        assert_eq!(
            accepting("application/graphql-response+json; charset=utf-8, */*;q=0.1"),
            Some(MediaType::GraphqlResponse)
        );
        assert_eq!(
            accepting("Application/GraphQL-Response+JSON"),
            Some(MediaType::GraphqlResponse)
        );
    }

    #[test]
    fn a_zero_quality_excludes_a_type() {
        assert_eq!(
            accepting("*/*, application/json;q=0"),
            Some(MediaType::GraphqlResponse)
        );
        assert_eq!(accepting("application/json;q=0"), None);
    }

    #[test]
    fn parameters_and_quoted_commas_do_not_split_or_hide_a_range() {
        assert_eq!(
            accepting("text/html; note=\"a, b\", application/graphql-response+json;q=0.9"),
            Some(MediaType::GraphqlResponse)
        );
        assert_eq!(
            accepting("application/json; charset=utf-8; Q=0.4, application/graphql-response+json;q=0.3"),
            Some(MediaType::Json)
        );
    }

    #[test]
    fn an_unreadable_entry_is_ignored_and_an_accept_of_none_counts_as_absent() {
        assert_eq!(
            accepting("application/json;q=2, application/graphql-response+json"),
            Some(MediaType::GraphqlResponse)
        );
        assert_eq!(accepting("json, text/html"), None);
        assert_eq!(accepting("not a media type"), Some(MediaType::Json));
        assert_eq!(accepting("application/json;q=abc"), Some(MediaType::Json));
    }

    #[test]
    fn an_accept_naming_neither_type_is_not_acceptable() {
        assert_eq!(accepting("text/html"), None);
        assert_eq!(accepting("application/xml, text/*"), None);
    }
}
