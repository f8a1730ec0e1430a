//! Content negotiation for `/graphql`: which of the two GraphQL response media types a client's
//! `Accept` allows (<https://graphql.github.io/graphql-over-http/draft/#sec-Accept>).

use axum::http::{HeaderMap, HeaderValue, header};

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
    const GRAPHQL_RESPONSE: &'static str = "application/graphql-response+json";
    pub(super) const JSON: &'static str = "application/json";

    pub(super) fn essence(self) -> &'static str {
        match self {
            MediaType::GraphqlResponse => Self::GRAPHQL_RESPONSE,
            MediaType::Json => Self::JSON,
        }
    }

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
pub(super) fn negotiate(headers: &HeaderMap) -> Option<MediaType> {
    let ranges: Vec<(&str, f32)> = headers
        .get_all(header::ACCEPT)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(','))
        .filter_map(media_range)
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

/// One `Accept` entry as its media range and quality; a quality that does not parse drops the
/// entry.
pub(super) fn media_range(entry: &str) -> Option<(&str, f32)> {
    let mut parts = entry.split(';');
    let range = parts.next()?.trim();
    if range.is_empty() {
        return None;
    }
    let mut q = 1.0;
    for parameter in parts {
        if let Some((name, value)) = parameter.split_once('=')
            && name.trim().eq_ignore_ascii_case("q")
        {
            q = value
                .trim()
                .parse::<f32>()
                .ok()
                .filter(|q| (0.0..=1.0).contains(q))?;
        }
    }
    Some((range, q))
}

/// The quality `ranges` give `media` from the most specific range that matches it, and whether
/// that range names it exactly (not through a wildcard).
pub(super) fn quality(ranges: &[(&str, f32)], media: MediaType) -> Option<(f32, bool)> {
    let specificity = |range: &str| {
        if range.eq_ignore_ascii_case(media.essence()) {
            Some(3)
        } else if range.eq_ignore_ascii_case("application/*") {
            Some(2)
        } else if range == "*/*" {
            Some(1)
        } else {
            None
        }
    };
    ranges
        .iter()
        .filter_map(|&(range, q)| Some((specificity(range)?, q)))
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
    fn an_accept_naming_neither_type_is_not_acceptable() {
        assert_eq!(accepting("text/html"), None);
        assert_eq!(accepting("application/xml, text/*"), None);
    }
}
