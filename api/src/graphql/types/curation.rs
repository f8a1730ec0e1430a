//! What the curation types share: their diffs, the node an event or contribution is about, and
//! the pages of contributions and events the caller may see.

use async_graphql::{Context, Json};
use entity::values::ContributionStatus as StoredStatus;
use serde_json::Value;

use super::{Contribution, Event, FieldChange, Node};
use crate::domain::caller::Caller;
use crate::error::{ApiError, ApiResult};
use crate::graphql::connection::{Connection, PageArgs, decode_id_cursor, from_page, id_cursor};
use crate::graphql::context::caller;
use crate::graphql::context::store;
use crate::graphql::ids::{GlobalId, NodeType};

/// Pairs the fields of two JSON objects (either may be absent) into a list of changes.
pub(super) fn diff(before: Option<&str>, after: Option<&str>) -> Vec<FieldChange> {
    let parse = |text: Option<&str>| match text.and_then(|t| serde_json::from_str::<Value>(t).ok()) {
        Some(Value::Object(map)) => map,
        _ => serde_json::Map::new(),
    };
    let (before, after) = (parse(before), parse(after));
    let mut fields: Vec<&String> = before.keys().chain(after.keys()).collect();
    fields.sort();
    fields.dedup();
    fields
        .into_iter()
        .map(|field| FieldChange {
            field: field.clone(),
            before: before.get(field).cloned().map(Json),
            after: after.get(field).cloned().map(Json),
        })
        .collect()
}

/// Resolves a stored (type name, id) pair to its node, when it still exists.
pub(super) async fn stored_node(
    ctx: &Context<'_>,
    node_type: Option<&str>,
    id: Option<i32>,
) -> ApiResult<Option<Node>> {
    match (node_type.and_then(NodeType::from_name), id) {
        (Some(node_type), Some(id)) => Node::fetch(ctx, GlobalId::new(node_type, id)).await,
        _ => Ok(None),
    }
}

/// Lists contributions the caller may see, a page at a time, oldest first.
pub(crate) async fn contributions_page(
    ctx: &Context<'_>,
    status: Option<StoredStatus>,
    args: PageArgs,
) -> ApiResult<Connection<Contribution>> {
    let window = args.window(decode_id_cursor)?;
    if let Caller::Anonymous = caller(ctx) {
        return Err(ApiError::Unauthenticated(
            "Contributions are visible to their authors and to moderators: send an API token.".to_owned(),
        ));
    }
    let visible = caller(ctx).viewer().contributions();
    let page = store(ctx)?.contributions_page(visible, status, &window).await?;
    Ok(from_page(page, &window, |row| id_cursor(row.id), Contribution))
}

/// Lists the events the caller may see (of one claim when `claim` is given), a page at a time,
/// oldest first. Hidden events are filtered in SQL, so pages, cursors and `totalCount` never count
/// them.
pub(crate) async fn events_page(
    ctx: &Context<'_>,
    claim: Option<i32>,
    args: PageArgs,
) -> ApiResult<Connection<Event>> {
    let window = args.window(decode_id_cursor)?;
    let visible = caller(ctx).viewer().events();
    let page = store(ctx)?.events_page(visible, claim, &window).await?;
    Ok(from_page(page, &window, |row| id_cursor(row.id), Event))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_diff_lists_every_field_either_side_names() {
        let changes = diff(Some(r#"{"a":1,"b":2}"#), Some(r#"{"b":3,"c":4}"#));
        let fields: Vec<&str> = changes.iter().map(|c| c.field.as_str()).collect();
        assert_eq!(fields, ["a", "b", "c"]);
        assert_eq!(changes[0].after, None);
        assert_eq!(
            changes[1].before.as_ref().map(|j| j.0.clone()),
            Some(Value::from(2))
        );
        assert_eq!(changes[2].before, None);
    }
}
