//! The one write path: every change to the graph, from a mutation, an accepted contribution or the
//! seed loader, goes through the functions of this module's children.
//!
//! Each function takes an open transaction, checks its input (required fields, lengths, DOI
//! spelling, positions, references), applies the change, bumps the versions it touches and writes
//! one event per changed node, in that same transaction. The caller commits, so a failure anywhere
//! leaves nothing behind. Optimistic concurrency: an edit names the version it was based on and the
//! row is only written `WHERE version = <that version>`; a stale edit is a [`WriteError::Conflict`].
//!
//! A node's `version` covers its own fields and the order of its children: adding, removing or
//! reordering a claim's mechanisms bumps the claim's version, moving a step bumps its mechanism's.
//!
//! Lists have caps ([`cap`]), checked before any database work. Writes from the API pass the
//! [`gate`] before they open their transaction: one in flight per user, and a bound on all of them
//! together, so that one caller's burst cannot hold the connections everyone else needs.

pub mod claims;
pub mod contributions;
pub mod evidence;
pub mod gate;
pub mod mechanisms;
pub mod steps;
pub mod studies;

use chrono::Utc;
use entity::event;
use entity::values::Role;
use std::str::FromStr;

use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, DatabaseConnection, DatabaseTransaction, DbErr, EntityTrait, ExprTrait,
    NotSet, QueryFilter, QuerySelect, Set, SqliteTransactionMode, TransactionOptions, TransactionTrait,
    UpdateMany,
};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// Who makes a change.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Actor {
    /// The seed loader: trusted, recorded with no user.
    System,
    /// A user signed in with an API token.
    User { id: i32, role: Role },
}

impl Actor {
    fn user_id(self) -> Option<i32> {
        match self {
            Actor::System => None,
            Actor::User { id, .. } => Some(id),
        }
    }

    /// Whether the actor's edits apply at once; a contributor's wait for review instead.
    pub fn edits_directly(self) -> bool {
        match self {
            Actor::System => true,
            Actor::User { role, .. } => matches!(role, Role::Moderator | Role::Admin),
        }
    }
}

/// Why a write did not happen. Nothing was written in any case.
#[derive(Debug)]
pub enum WriteError {
    /// The caller's input is wrong; every problem found, each with its field.
    Invalid(Vec<FieldError>),
    /// The edit was based on `based_on`, but the node is at `current` now.
    Conflict {
        field: Vec<String>,
        based_on: i32,
        current: i32,
    },
    /// The caller may not do this.
    Forbidden(String),
    /// The caller's earlier writes, or everyone's, held the write path too long for this one to
    /// wait its turn (see [`gate`]); nothing was tried.
    Busy(String),
    /// The database failed.
    Db(DbErr),
}

impl From<DbErr> for WriteError {
    fn from(err: DbErr) -> Self {
        WriteError::Db(err)
    }
}

impl WriteError {
    /// One input problem.
    pub fn invalid(field: &str, code: FieldErrorCode, message: impl Into<String>) -> Self {
        WriteError::Invalid(vec![FieldError::new(field, code, message)])
    }

    /// A reference to a row that does not exist.
    pub fn not_found(field: &str, what: &str) -> Self {
        WriteError::invalid(field, FieldErrorCode::NotFound, format!("No {what} has this ID."))
    }
}

/// What kind of mistake a field holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum FieldErrorCode {
    /// The field is missing or blank.
    Required,
    /// The text is longer than allowed.
    TooLong,
    /// The value is malformed (a DOI, a slug, a name).
    Invalid,
    /// The value is outside its allowed range (a position, a year).
    OutOfRange,
    /// The ID or DOI names nothing that exists.
    NotFound,
    /// The value must be unique and is already used.
    Taken,
    /// The contribution was accepted or rejected already (perhaps by a concurrent review).
    AlreadyReviewed,
}

/// One problem with one field of the input.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FieldError {
    /// The path to the field inside the input, e.g. `["citations", "2"]`.
    pub field: Vec<String>,
    pub code: FieldErrorCode,
    pub message: String,
}

impl FieldError {
    pub fn new(field: &str, code: FieldErrorCode, message: impl Into<String>) -> Self {
        FieldError {
            field: field.split('.').map(str::to_owned).collect(),
            code,
            message: message.into(),
        }
    }
}

/// Collects every input problem before anything is written, so the caller hears of all of them.
#[derive(Default)]
pub(crate) struct Check {
    errors: Vec<FieldError>,
}

impl Check {
    pub fn push(&mut self, field: &str, code: FieldErrorCode, message: impl Into<String>) {
        self.errors.push(FieldError::new(field, code, message));
    }

    /// A required text: trimmed, not blank, at most `max` characters.
    pub fn text(&mut self, field: &str, value: &str, max: usize) -> String {
        let value = value.trim();
        if value.is_empty() {
            self.push(field, FieldErrorCode::Required, "This field is required.");
        } else if value.chars().count() > max {
            self.push(
                field,
                FieldErrorCode::TooLong,
                format!("At most {max} characters are allowed."),
            );
        }
        value.to_owned()
    }

    /// An optional text: blank means none.
    pub fn optional_text(&mut self, field: &str, value: Option<&str>, max: usize) -> Option<String> {
        let value = value.map(str::trim).filter(|v| !v.is_empty())?;
        Some(self.text(field, value, max))
    }

    /// A position in a list of `len` items, 1-based; `extra` allows one past the end (an append).
    pub fn position(&mut self, field: &str, position: i32, len: usize, extra: bool) -> i32 {
        let last = len as i32 + i32::from(extra);
        if position < 1 || position > last {
            self.push(
                field,
                FieldErrorCode::OutOfRange,
                format!("Positions are contiguous: give a position from 1 to {last}."),
            );
        }
        position
    }

    /// A list of `len` items where at most `cap` are allowed; `what` names them in the message.
    pub fn list(&mut self, field: &str, len: usize, cap: usize, what: &str) {
        if let Some(error) = list_over_cap(field, len, cap, what) {
            self.errors.push(error);
        }
    }

    /// A DOI in any common spelling, normalised.
    pub fn doi(&mut self, field: &str, value: &str) -> Option<entity::values::Doi> {
        match entity::values::Doi::parse(value) {
            Ok(doi) => Some(doi),
            Err(err) => {
                self.push(field, FieldErrorCode::Invalid, err.to_string());
                None
            }
        }
    }

    pub fn finish(self) -> Result<(), WriteError> {
        if self.errors.is_empty() {
            Ok(())
        } else {
            Err(WriteError::Invalid(self.errors))
        }
    }
}

/// The longest texts the graph stores, in characters.
pub mod max {
    pub const SLUG: usize = 100;
    pub const STATEMENT: usize = 2_000;
    pub const PICO: usize = 500;
    pub const PARAGRAPH: usize = 10_000;
    pub const LABEL: usize = 200;
    pub const STEP: usize = 4_000;
    pub const NOTE: usize = 4_000;
    pub const TITLE: usize = 1_000;
    pub const JOURNAL: usize = 500;
    pub const AUTHORS: usize = 5_000;
    pub const REASON: usize = 2_000;
}

/// The longest lists the graph holds, and so the longest list inputs the write path accepts. A
/// longer list is refused with `OUT_OF_RANGE` on the list's field before any database work; each
/// cap is stated in its input field's description and in the README.
pub mod cap {
    /// DOIs one step cites at most: the length of `stepAdd`'s `citations`, and what `citationAdd`
    /// may grow a step to. A claim page is priced for 3 citations per step (`EXPECTED_CITATIONS`)
    /// over 50 steps; ten per step keeps a real page (the seed page has 15 steps) within that.
    pub const CITATIONS_PER_STEP: usize = 10;
    /// Mechanisms one claim holds at most: what `mechanismAdd` may grow a claim to, and so the
    /// length of `mechanismReorder`'s `mechanismIds` (which lists them all). Twice the 5 a claim
    /// page is priced for (`EXPECTED_MECHANISMS`).
    pub const MECHANISMS_PER_CLAIM: usize = 10;
}

/// The error for a list of `len` items at `field` when at most `cap` are allowed.
pub fn list_over_cap(field: &str, len: usize, cap: usize, what: &str) -> Option<FieldError> {
    (len > cap).then(|| {
        FieldError::new(
            field,
            FieldErrorCode::OutOfRange,
            format!("At most {cap} {what} are allowed; this list has {len}."),
        )
    })
}

/// The node a change applied to, as its GraphQL type name and row id.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Subject {
    pub node_type: &'static str,
    pub id: i32,
}

impl Subject {
    pub fn new(node_type: &'static str, id: i32) -> Self {
        Subject { node_type, id }
    }
}

/// What an applied change touched, with the values its event recorded.
#[derive(Clone, Debug)]
pub struct Applied {
    pub subject: Subject,
    pub claim_id: Option<i32>,
    /// Whether the change created its subject (a creation has no subject before it is accepted).
    pub created: bool,
    pub before: Option<Value>,
    pub after: Option<Value>,
}

impl Applied {
    /// An edit that changed nothing: no row written, no event.
    pub(crate) fn unchanged(subject: Subject, claim_id: Option<i32>) -> Applied {
        Applied {
            subject,
            claim_id,
            created: false,
            before: None,
            after: None,
        }
    }
}

/// Opens a transaction for a write. On SQLite it takes the write lock at once (`BEGIN IMMEDIATE`):
/// a deferred transaction that reads first and writes later cannot wait for a concurrent writer, it
/// fails with SQLITE_BUSY; an immediate one waits its turn under the busy timeout.
pub async fn begin_write(db: &DatabaseConnection) -> Result<DatabaseTransaction, DbErr> {
    db.begin_with_options(TransactionOptions {
        sqlite_transaction_mode: Some(SqliteTransactionMode::Immediate),
        ..Default::default()
    })
    .await
}

/// Ends a write transaction: commits on success, rolls back on failure. The explicit rollback
/// matters: a dropped transaction is only rolled back when its connection is next used, and until
/// then its session sits "idle in transaction" holding row locks that block other writers (seen on
/// PostgreSQL).
pub async fn finish<T, E>(txn: DatabaseTransaction, result: Result<T, E>) -> Result<T, E>
where
    E: From<DbErr>,
{
    match result {
        Ok(value) => {
            txn.commit().await?;
            Ok(value)
        }
        Err(err) => {
            txn.rollback().await?;
            Err(err)
        }
    }
}

/// The context every write function records its events with.
#[derive(Clone, Copy, Debug)]
pub struct Author {
    pub actor: Actor,
    /// The contribution being applied, when a moderator accepted one.
    pub contribution_id: Option<i32>,
}

impl Author {
    pub fn new(actor: Actor) -> Self {
        Author {
            actor,
            contribution_id: None,
        }
    }
}

/// One event row.
pub(crate) struct EventDraft<'a> {
    pub action: &'a str,
    pub subject: Subject,
    pub claim_id: Option<i32>,
    pub before: Option<Value>,
    pub after: Option<Value>,
}

/// Writes an event in the caller's transaction and hands back what it recorded.
pub(crate) async fn record(
    txn: &DatabaseTransaction,
    author: Author,
    draft: EventDraft<'_>,
    created: bool,
) -> Result<Applied, DbErr> {
    event::ActiveModel {
        id: NotSet,
        actor_id: Set(author.actor.user_id()),
        action: Set(draft.action.to_owned()),
        subject_type: Set(draft.subject.node_type.to_owned()),
        subject_id: Set(draft.subject.id),
        claim_id: Set(draft.claim_id),
        contribution_id: Set(author.contribution_id),
        before: Set(draft.before.as_ref().map(Value::to_string)),
        after: Set(draft.after.as_ref().map(Value::to_string)),
        created_at: Set(Utc::now()),
    }
    .insert(txn)
    .await?;
    Ok(Applied {
        subject: draft.subject,
        claim_id: draft.claim_id,
        created,
        before: draft.before,
        after: draft.after,
    })
}

/// One edit of a versioned row, its fields already checked: what the row was and will be, and what
/// to call it. [`apply_edit`] does the rest, the same for every kind of row.
pub(crate) struct Edit {
    /// The edited row, as events and payloads name it.
    pub subject: Subject,
    /// The claim the row belongs to, for the claim's history; `None` for a study.
    pub claim_id: Option<i32>,
    /// The row's kind in messages (`"claim"`) and its event (`"claim.updated"`).
    pub what: &'static str,
    pub action: &'static str,
    /// The version the client based the edit on, and the row's version now.
    pub based_on: i32,
    pub version: i32,
    /// The row's snapshot before and after the edit.
    pub before: Map<String, Value>,
    pub after: Map<String, Value>,
}

/// The versioned-edit workflow, written once: a stale version is CONFLICT; an edit that changes
/// nothing writes nothing; otherwise `update` (the changed columns) runs guarded by the version
/// and bumps it in the same statement ([`update_versioned`]), and one event records what changed.
pub(crate) async fn apply_edit<E: EntityTrait>(
    txn: &DatabaseTransaction,
    author: Author,
    edit: Edit,
    update: impl FnOnce() -> UpdateMany<E>,
) -> Result<Applied, WriteError> {
    if edit.version != edit.based_on {
        return Err(conflict("version", edit.based_on, Some(edit.version), edit.what));
    }
    let Some((before, after)) = changed(&edit.before, &edit.after) else {
        return Ok(Applied::unchanged(edit.subject, edit.claim_id));
    };
    update_versioned(txn, update(), edit.subject.id, edit.based_on, edit.what).await?;
    let event = EventDraft {
        action: edit.action,
        subject: edit.subject,
        claim_id: edit.claim_id,
        before: Some(before),
        after: Some(after),
    };
    Ok(record(txn, author, event, false).await?)
}

/// The fields of `after` whose values differ from `before`, as (before, after) objects; `None`
/// when nothing changes, so an edit that changes nothing writes nothing.
pub(crate) fn changed(before: &Map<String, Value>, after: &Map<String, Value>) -> Option<(Value, Value)> {
    let mut old = Map::new();
    let mut new = Map::new();
    for (key, value) in after {
        let previous = before.get(key).cloned().unwrap_or(Value::Null);
        if &previous != value {
            old.insert(key.clone(), previous);
            new.insert(key.clone(), value.clone());
        }
    }
    (!new.is_empty()).then_some((Value::Object(old), Value::Object(new)))
}

/// The row's version now, for a CONFLICT answer; `None` when the row is gone.
pub(crate) fn conflict(field: &str, based_on: i32, current: Option<i32>, what: &str) -> WriteError {
    match current {
        Some(current) => WriteError::Conflict {
            field: vec![field.to_owned()],
            based_on,
            current,
        },
        None => WriteError::not_found("id", what),
    }
}

/// A table's column by its name; every editable table has `id` and `version`.
fn column<E: EntityTrait>(name: &str) -> Result<E::Column, WriteError> {
    E::Column::from_str(name).map_err(|_| WriteError::Db(DbErr::Custom(format!("no column {name}"))))
}

/// Applies `update` to the row `id` only while its version is still `based_on`, and bumps the
/// version in the same statement; otherwise writes nothing and answers CONFLICT with the version
/// now (or NOT_FOUND when the row is gone). The one place optimistic concurrency is decided.
pub(crate) async fn update_versioned<E: EntityTrait>(
    txn: &DatabaseTransaction,
    update: UpdateMany<E>,
    id: i32,
    based_on: i32,
    what: &str,
) -> Result<(), WriteError> {
    let (id_column, version) = (column::<E>("id")?, column::<E>("version")?);
    let result = update
        .col_expr(version, Expr::col(version).add(1))
        .filter(id_column.eq(id))
        .filter(version.eq(based_on))
        .exec(txn)
        .await?;
    if result.rows_affected > 0 {
        return Ok(());
    }
    let now: Option<i32> = E::find()
        .select_only()
        .column(version)
        .filter(id_column.eq(id))
        .into_tuple()
        .one(txn)
        .await?;
    Err(conflict("version", based_on, now, what))
}

/// Bumps a row's version because the order of its children changed; `field` names the input that
/// pointed at it. On PostgreSQL this also locks the row until the transaction ends, so concurrent
/// structural changes under one parent queue instead of racing for the same positions.
pub(crate) async fn touch<E: EntityTrait>(
    txn: &DatabaseTransaction,
    id: i32,
    field: &str,
    what: &str,
) -> Result<(), WriteError> {
    let (id_column, version) = (column::<E>("id")?, column::<E>("version")?);
    let result = E::update_many()
        .col_expr(version, Expr::col(version).add(1))
        .filter(id_column.eq(id))
        .exec(txn)
        .await?;
    if result.rows_affected == 0 {
        return Err(WriteError::not_found(field, what));
    }
    Ok(())
}

/// Moves every row of a sibling list whose position is at least `from` by `delta`, without ever
/// holding two rows at one position (the unique index is checked row by row on PostgreSQL): first
/// to negative positions, then back.
pub(crate) async fn shift_positions(
    txn: &DatabaseTransaction,
    table: &str,
    parent_column: &str,
    position_column: &str,
    parent_id: i32,
    from: i32,
    delta: i32,
) -> Result<(), DbErr> {
    use sea_orm::ConnectionTrait;
    let backend = txn.get_database_backend();
    let p = |n: usize| match backend {
        sea_orm::DatabaseBackend::Postgres => format!("${n}"),
        _ => "?".to_owned(),
    };
    let negate = format!(
        "UPDATE \"{table}\" SET \"{position_column}\" = -(\"{position_column}\" + {}) \
         WHERE \"{parent_column}\" = {} AND \"{position_column}\" >= {}",
        p(1),
        p(2),
        p(3)
    );
    txn.execute_raw(sea_orm::Statement::from_sql_and_values(
        backend,
        negate,
        [delta.into(), parent_id.into(), from.into()],
    ))
    .await?;
    let restore = format!(
        "UPDATE \"{table}\" SET \"{position_column}\" = -\"{position_column}\" \
         WHERE \"{parent_column}\" = {} AND \"{position_column}\" < 0",
        p(1)
    );
    txn.execute_raw(sea_orm::Statement::from_sql_and_values(
        backend,
        restore,
        [parent_id.into()],
    ))
    .await?;
    Ok(())
}

/// Gives the rows `ordered` (all children of `parent_id`) the positions 1, 2, ... in that order,
/// through negative positions as in [`shift_positions`].
pub(crate) async fn renumber(
    txn: &DatabaseTransaction,
    table: &str,
    parent_column: &str,
    position_column: &str,
    parent_id: i32,
    ordered: &[i32],
) -> Result<(), DbErr> {
    use sea_orm::ConnectionTrait;
    let backend = txn.get_database_backend();
    let (a, b) = match backend {
        sea_orm::DatabaseBackend::Postgres => ("$1", "$2"),
        _ => ("?", "?"),
    };
    for (index, id) in ordered.iter().enumerate() {
        let sql = format!("UPDATE \"{table}\" SET \"{position_column}\" = {a} WHERE \"id\" = {b}");
        let position = -(index as i32 + 1);
        txn.execute_raw(sea_orm::Statement::from_sql_and_values(
            backend,
            sql,
            [position.into(), (*id).into()],
        ))
        .await?;
    }
    let restore = format!(
        "UPDATE \"{table}\" SET \"{position_column}\" = -\"{position_column}\" \
         WHERE \"{parent_column}\" = {a} AND \"{position_column}\" < 0"
    );
    txn.execute_raw(sea_orm::Statement::from_sql_and_values(
        backend,
        restore,
        [parent_id.into()],
    ))
    .await?;
    Ok(())
}
