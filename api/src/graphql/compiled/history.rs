//! A claim page's history: its pages read for the caller as the `history` resolver reads them, the
//! events' actors in one statement, and the events written as the executor writes them.

use std::collections::HashMap;

use async_graphql::Variables;
use entity::{event, user};

use super::Selected;
use super::fields::{
    ClaimField, ConnectionField, EventField, PageArgsAsWritten, UserField, asks_total, node_selections,
};
use super::write::{Written, object, write_connection, write_enum, write_id, write_scalar};
use crate::domain::visibility::Viewer;
use crate::error::ApiResult;
use crate::graphql::connection::{Connection, decode_id_cursor, from_page, id_cursor};
use crate::graphql::ids::NodeType;
use crate::graphql::json::{write_str, write_value};
use crate::graphql::types::Role;
use crate::store::Store;
use crate::store::lists::Page;

/// The history pages a claim page's selection asks for, each read as the `history` resolver reads
/// it for `viewer`, with their events' actors in the same statement when the selection asks for
/// them; `None` when arguments do not fit.
pub(super) async fn read_history<'f>(
    db: &Store,
    viewer: &Viewer,
    claim: i32,
    fields: &'f [Selected<ClaimField>],
    variables: &Variables,
) -> ApiResult<Option<History<'f>>> {
    let mut history = History::default();
    for selected in fields {
        let ClaimField::History(args, fields) = &selected.field else {
            continue;
        };
        let Some(window) = args
            .value(variables)
            .and_then(|page| page.window(decode_id_cursor).ok())
        else {
            return Ok(None);
        };
        let actors = node_selections(fields)
            .any(|event| event.iter().any(|f| matches!(f.field, EventField::Actor(_))));
        // The actors come in the same statement as their events when the selection asks for them.
        let page = if actors {
            let page = db
                .events_page_with_actors(viewer.events(), Some(claim), &window)
                .await?;
            let mut events = Vec::with_capacity(page.rows.len());
            for (event, actor) in page.rows {
                if let Some(actor) = actor {
                    history.actors.insert(actor.id, actor);
                }
                events.push(event);
            }
            Page {
                rows: events,
                more: page.more,
                count: page.count,
            }
        } else {
            db.events_page(viewer.events(), Some(claim), &window).await?
        };
        let total = match asks_total(fields) {
            true => Some(db.count(&page.count).await?),
            false => None,
        };
        let connection = from_page(page, &window, |row| id_cursor(row.id), |row| row);
        history.pages.push((&**args, connection, total));
    }
    Ok(Some(history))
}

/// A claim page's history pages (each under the arguments it was read by, with its total when
/// asked), and the users who acted in them.
#[derive(Default)]
pub(super) struct History<'f> {
    pages: Vec<(&'f PageArgsAsWritten, Connection<event::Model>, Option<u64>)>,
    actors: HashMap<i32, user::Model>,
}

impl History<'_> {
    /// Writes the page read under `args` (the same arguments, not equal ones: each `history` field
    /// of the selection was read on its own).
    pub fn write(
        &self,
        out: &mut Vec<u8>,
        args: &PageArgsAsWritten,
        fields: &[Selected<ConnectionField<EventField>>],
        viewer: &Viewer,
    ) -> Written {
        let (_, connection, total) = self.pages.iter().find(|(read, ..)| std::ptr::eq(*read, args))?;
        write_history(out, fields, connection, *total, &self.actors, viewer)
    }
}

/// A claim's history page: `connection`, with `total` when read, and its events' `actors`.
fn write_history(
    out: &mut Vec<u8>,
    fields: &[Selected<ConnectionField<EventField>>],
    connection: &Connection<event::Model>,
    total: Option<u64>,
    actors: &HashMap<i32, user::Model>,
    viewer: &Viewer,
) -> Written {
    let edges: Vec<(&str, &event::Model)> = connection
        .edges
        .iter()
        .map(|edge| (edge.cursor.as_str(), &edge.node))
        .collect();
    write_connection(
        out,
        fields,
        "Event",
        &edges,
        &connection.page_info,
        total,
        |out, fields, event| write_event(out, fields, event, actors, viewer),
    )
}

fn write_event(
    out: &mut Vec<u8>,
    fields: &[Selected<EventField>],
    event: &event::Model,
    actors: &HashMap<i32, user::Model>,
    viewer: &Viewer,
) -> Written {
    object(out, fields, |out, field| {
        match field {
            EventField::Typename => write_str(out, "Event"),
            EventField::Id => write_id(out, NodeType::Event, event.id),
            EventField::Action => write_str(out, &event.action),
            EventField::Actor(fields) => match event.actor_id.and_then(|id| actors.get(&id)) {
                Some(user) => return write_user(out, fields, user, viewer),
                None => out.extend_from_slice(b"null"),
            },
            // An unknown type is the executor's to report, as an internal error.
            EventField::SubjectId => {
                write_id(out, NodeType::from_name(&event.subject_type)?, event.subject_id)
            }
            EventField::Before => write_json_text(out, event.before.as_deref()),
            EventField::After => write_json_text(out, event.after.as_deref()),
            EventField::CreatedAt => write_scalar(out, &event.created_at),
        }
        Some(())
    })
}

fn write_user(
    out: &mut Vec<u8>,
    fields: &[Selected<UserField>],
    user: &user::Model,
    viewer: &Viewer,
) -> Written {
    let shows_account = viewer.may_see_account(user.id);
    object(out, fields, |out, field| {
        match field {
            UserField::Typename => write_str(out, "User"),
            UserField::Id => write_id(out, NodeType::User, user.id),
            UserField::Name => write_str(out, &user.name),
            UserField::Role if shows_account => write_enum(out, Role::from(user.role)),
            UserField::CreatedAt if shows_account => write_scalar(out, &user.created_at),
            UserField::Role | UserField::CreatedAt => out.extend_from_slice(b"null"),
        }
        Some(())
    })
}

/// A JSON value stored as text, as `Event.before` and `after` give it: null when absent or not JSON.
fn write_json_text(out: &mut Vec<u8>, text: Option<&str>) {
    match text.and_then(|text| serde_json::from_str::<serde_json::Value>(text).ok()) {
        // As `Json`'s output: converted to a GraphQL value, null when it does not convert.
        Some(value) => write_value(out, &async_graphql::to_value(&value).unwrap_or_default()),
        None => out.extend_from_slice(b"null"),
    }
}
