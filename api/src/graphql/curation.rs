//! Who may write, and the trace writes leave: the caller, users, contributions under review and the
//! event log.

use async_graphql::{Context, Enum, ID, Json, Object, SimpleObject};
use chrono::{DateTime, Utc};
use entity::values::ContributionStatus as StoredStatus;
use entity::{contribution, event, user};
use sea_orm::{ColumnTrait, Condition, EntityTrait, QueryFilter};
use serde_json::Value;

pub use crate::domain::caller::Caller;
use crate::domain::write::{FieldError, FieldErrorCode};
use crate::error::{ApiError, ApiResult};
use crate::graphql::connection::{Connection, Edge, PageArgs, Total, id_cursor, keyset_by_id, page_info};
use crate::graphql::ids::{GlobalId, NodeType};
use crate::graphql::loaders::{ClaimById, ContributionById, UserById};
use crate::graphql::node::Node;
use crate::graphql::types::Claim;
use crate::graphql::{database, load_one};

/// The request's caller; anonymous when the HTTP layer put none in the context.
pub(crate) fn caller<'a>(ctx: &Context<'a>) -> &'a Caller {
    static ANONYMOUS: Caller = Caller::Anonymous;
    ctx.data_opt::<Caller>().unwrap_or(&ANONYMOUS)
}

/// What a user may do.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
#[graphql(remote = "entity::values::Role")]
pub enum Role {
    /// Submits changes; they wait for a moderator.
    Contributor,
    /// Edits directly and reviews other people's contributions.
    Moderator,
    /// A moderator who also manages users (from the command line).
    Admin,
}

/// Where a contribution is in review.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
#[graphql(remote = "entity::values::ContributionStatus")]
pub enum ContributionStatus {
    /// Waiting for a moderator; invisible to the public graph and its counts.
    Pending,
    /// Applied to the graph.
    Accepted,
    /// Turned down, with a reason.
    Rejected,
}

/// A person who signs requests with an API token.
#[derive(Clone, Debug)]
pub struct User(pub user::Model);

impl User {
    /// Whether the caller may see more of this user than the name.
    fn shows_account(&self, ctx: &Context<'_>) -> bool {
        caller(ctx).viewer().may_see_account(self.0.id)
    }
}

/// A person who signs requests with an API token. Public about a user is only their name, and only
/// once they are seen making a change (as the actor of an event the caller may see); until then
/// the user is visible to themself and to moderators alone, and `node(id:)` answers null to anyone
/// else. Their role and the account's age are for themself and moderators.
#[Object(serial, cache_control(private))]
impl User {
    /// The user's global ID.
    pub async fn id(&self) -> ID {
        GlobalId::new(NodeType::User, self.0.id).encode()
    }

    /// The user's handle, shown next to the changes they made.
    async fn name(&self) -> &str {
        &self.0.name
    }

    /// What the user may do; null unless the caller is this user or a moderator.
    async fn role(&self, ctx: &Context<'_>) -> Option<Role> {
        self.shows_account(ctx).then(|| self.0.role.into())
    }

    /// When the account was created; null unless the caller is this user or a moderator.
    async fn created_at(&self, ctx: &Context<'_>) -> Option<DateTime<Utc>> {
        self.shows_account(ctx).then_some(self.0.created_at)
    }
}

/// One field of a change: its value before and after.
#[derive(SimpleObject, Clone, Debug)]
pub struct FieldChange {
    /// The field's name, as in the schema (`statement`, `citations`, ...).
    pub field: String,
    /// The value before the change; null for a new node.
    pub before: Option<Json<Value>>,
    /// The value after the change; null for a removal.
    pub after: Option<Json<Value>>,
}

/// Pairs the fields of two JSON objects (either may be absent) into a list of changes.
fn diff(before: Option<&str>, after: Option<&str>) -> Vec<FieldChange> {
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
async fn stored_node(ctx: &Context<'_>, node_type: Option<&str>, id: Option<i32>) -> ApiResult<Option<Node>> {
    match (node_type.and_then(NodeType::from_name), id) {
        (Some(node_type), Some(id)) => Node::fetch(ctx, GlobalId::new(node_type, id)).await,
        _ => Ok(None),
    }
}

/// A contributor's proposed change and its review.
#[derive(Clone, Debug)]
pub struct Contribution(pub contribution::Model);

/// A contributor's proposed change, waiting for a moderator or reviewed by one. Only its author and
/// moderators can see it, whatever its status; to anyone else it does not exist.
#[Object(serial, cache_control(private))]
impl Contribution {
    /// The contribution's global ID.
    pub async fn id(&self) -> ID {
        GlobalId::new(NodeType::Contribution, self.0.id).encode()
    }

    /// The mutation it asks for, e.g. `evidenceSubmit`.
    async fn action(&self) -> &str {
        &self.0.action
    }

    /// Where it is in review.
    async fn status(&self) -> ContributionStatus {
        self.0.status.into()
    }

    /// Who submitted it.
    async fn author(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<User>> {
        Ok(load_one(ctx, UserById(self.0.author_id)).await?.map(User))
    }

    /// The moderator who accepted or rejected it.
    async fn reviewer(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<User>> {
        let Some(id) = self.0.reviewer_id else {
            return Ok(None);
        };
        Ok(load_one(ctx, UserById(id)).await?.map(User))
    }

    /// Why it was rejected.
    async fn reason(&self) -> Option<&str> {
        self.0.reason.as_deref()
    }

    /// The claim it belongs to, when it belongs to one.
    async fn claim(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Claim>> {
        let Some(id) = self.0.claim_id else {
            return Ok(None);
        };
        Ok(load_one(ctx, ClaimById(id)).await?.map(Claim))
    }

    /// The node it edits, or the node it created once accepted; null for a pending creation.
    async fn subject(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Node>> {
        Ok(stored_node(ctx, self.0.subject_type.as_deref(), self.0.subject_id).await?)
    }

    /// What it changes, field by field, against the graph as it was when it was submitted.
    async fn diff(&self) -> Vec<FieldChange> {
        diff(self.0.before.as_deref(), Some(&self.0.after))
    }

    /// The change exactly as submitted (the mutation's input, with row IDs).
    async fn input(&self) -> Option<Json<Value>> {
        let stored: Value = serde_json::from_str(&self.0.change).ok()?;
        stored.get("input").cloned().map(Json)
    }

    /// When it was submitted.
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }

    /// When it was accepted or rejected.
    async fn reviewed_at(&self) -> Option<DateTime<Utc>> {
        self.0.reviewed_at
    }
}

/// One applied change in the audit log.
#[derive(Clone, Debug)]
pub struct Event(pub event::Model);

/// One applied change in the audit log: who did what to which node, when, and the values before and
/// after. Events are never edited or removed. The events a contribution left (its submission, the
/// change it applied, its review) are public once it is accepted; until then, and for good when it
/// is rejected, only its author and moderators see them.
#[Object(serial, cache_control(private))]
impl Event {
    /// The event's global ID.
    pub async fn id(&self) -> ID {
        GlobalId::new(NodeType::Event, self.0.id).encode()
    }

    /// What happened, e.g. `claim.updated`, `evidence.added`, `contribution.accepted`.
    async fn action(&self) -> &str {
        &self.0.action
    }

    /// Who made the change; null for the seed loader.
    async fn actor(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<User>> {
        let Some(id) = self.0.actor_id else {
            return Ok(None);
        };
        Ok(load_one(ctx, UserById(id)).await?.map(User))
    }

    /// The global ID of the node changed; it stays valid after a removal.
    async fn subject_id(&self) -> async_graphql::Result<ID> {
        match NodeType::from_name(&self.0.subject_type) {
            Some(node_type) => Ok(GlobalId::new(node_type, self.0.subject_id).encode()),
            None => Err(ApiError::Internal(anyhow::anyhow!(
                "event {} names an unknown type {:?}",
                self.0.id,
                self.0.subject_type
            ))
            .into()),
        }
    }

    /// The node changed, if it still exists (and, for a contribution, if the caller may see it).
    async fn subject(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Node>> {
        Ok(stored_node(ctx, Some(&self.0.subject_type), Some(self.0.subject_id)).await?)
    }

    /// The claim whose history the event belongs to.
    async fn claim(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Claim>> {
        let Some(id) = self.0.claim_id else {
            return Ok(None);
        };
        Ok(load_one(ctx, ClaimById(id)).await?.map(Claim))
    }

    /// The contribution the change came from, if the caller may see it.
    async fn contribution(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Contribution>> {
        let Some(id) = self.0.contribution_id else {
            return Ok(None);
        };
        let row = load_one(ctx, ContributionById(id)).await?;
        Ok(row.filter(|c| caller(ctx).may_see(c)).map(Contribution))
    }

    /// The values the change replaced (only the fields it changed); null for a creation.
    async fn before(&self) -> Option<Json<Value>> {
        let text = self.0.before.as_deref()?;
        serde_json::from_str(text).ok().map(Json)
    }

    /// The values the change wrote (only the fields it changed); null for a removal.
    async fn after(&self) -> Option<Json<Value>> {
        let text = self.0.after.as_deref()?;
        serde_json::from_str(text).ok().map(Json)
    }

    /// The change field by field.
    async fn diff(&self) -> Vec<FieldChange> {
        diff(self.0.before.as_deref(), self.0.after.as_deref())
    }

    /// When the change was applied.
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
}

/// The kind of mistake a field of a mutation's input holds.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
#[graphql(remote = "crate::domain::write::FieldErrorCode")]
pub enum UserErrorCode {
    /// The field is missing or blank.
    Required,
    /// The text is longer than allowed.
    TooLong,
    /// The value is malformed (a DOI, a slug, an ID).
    Invalid,
    /// The value is outside its allowed range (a position, a year).
    OutOfRange,
    /// The ID or DOI names nothing that exists.
    NotFound,
    /// The value must be unique and is already used.
    Taken,
    /// The contribution was accepted or rejected already, perhaps by another moderator a moment
    /// before; the message says which.
    AlreadyReviewed,
}

/// A mistake in a mutation's input, for the caller to fix; nothing was changed.
#[derive(SimpleObject, Clone, Debug)]
pub struct UserError {
    /// The path to the field at fault, from the mutation's argument: `["input", "slug"]`.
    pub field: Vec<String>,
    /// What is wrong, in a sentence.
    pub message: String,
    /// The kind of mistake, for clients that branch on it.
    pub code: UserErrorCode,
}

impl From<FieldError> for UserError {
    fn from(error: FieldError) -> Self {
        let mut field = vec!["input".to_owned()];
        field.extend(error.field);
        UserError {
            field,
            message: error.message,
            code: error.code.into(),
        }
    }
}

impl UserError {
    /// An ID argument that does not decode, or names another type.
    pub fn bad_id(field: &str, err: ApiError) -> Self {
        FieldError::new(field, FieldErrorCode::Invalid, err.message().to_owned()).into()
    }
}

/// Lists contributions the caller may see, a page at a time, oldest first.
pub(crate) async fn contributions_page(
    ctx: &Context<'_>,
    status: Option<StoredStatus>,
    args: PageArgs,
) -> ApiResult<Connection<Contribution>> {
    let window = args.window(crate::graphql::connection::decode_id_cursor)?;
    if let Caller::Anonymous = caller(ctx) {
        return Err(ApiError::Unauthenticated(
            "Contributions are visible to their authors and to moderators: send an API token.".to_owned(),
        ));
    }
    let mut condition = caller(ctx).viewer().contributions();
    if let Some(status) = status {
        condition = condition.add(contribution::Column::Status.eq(status.name()));
    }
    let select = contribution::Entity::find().filter(condition.clone());
    let (rows, more) = keyset_by_id(database(ctx)?, select, contribution::Column::Id, &window).await?;
    let edges: Vec<Edge<Contribution>> = rows
        .into_iter()
        .map(|row| Edge {
            cursor: id_cursor(row.id),
            node: Contribution(row),
        })
        .collect();
    Ok(Connection {
        page_info: page_info(&edges, &window, more),
        edges,
        total: Total::Contributions(condition),
    })
}

/// Lists the events matching `condition` that the caller may see, a page at a time, oldest first.
/// Hidden events are filtered in SQL, so pages, cursors and `totalCount` never count them.
pub(crate) async fn events_page(
    ctx: &Context<'_>,
    condition: Condition,
    args: PageArgs,
) -> ApiResult<Connection<Event>> {
    let window = args.window(crate::graphql::connection::decode_id_cursor)?;
    let condition = condition.add(caller(ctx).viewer().events());
    let select = event::Entity::find().filter(condition.clone());
    let (rows, more) = keyset_by_id(database(ctx)?, select, event::Column::Id, &window).await?;
    let edges: Vec<Edge<Event>> = rows
        .into_iter()
        .map(|row| Edge {
            cursor: id_cursor(row.id),
            node: Event(row),
        })
        .collect();
    Ok(Connection {
        page_info: page_info(&edges, &window, more),
        edges,
        total: Total::Events(condition),
    })
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

    #[test]
    fn input_errors_are_rooted_at_the_input_argument() {
        let error: UserError = FieldError::new("citations.2", FieldErrorCode::Invalid, "not a DOI").into();
        assert_eq!(error.field, ["input", "citations", "2"]);
        assert_eq!(error.code, UserErrorCode::Invalid);
    }
}
