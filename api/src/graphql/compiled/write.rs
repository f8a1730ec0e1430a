//! Writing JSON values as the executor writes them.

use async_graphql::ScalarType;
use async_graphql::resolver_utils::enum_value;

use super::Selected;
use super::fields::{ConnectionField, EdgeField, PageInfoField};
use crate::graphql::connection::PageInfo;
use crate::graphql::ids::{GlobalId, NodeType};
use crate::graphql::json::write_str;

/// What a writer gives back: `None` when it gave up (the executor answers instead).
pub(super) type Written = Option<()>;

/// Writes an object of `fields`, each value by `write`; gives up when `write` does.
pub(super) fn object<F>(
    out: &mut Vec<u8>,
    fields: &[Selected<F>],
    mut write: impl FnMut(&mut Vec<u8>, &F) -> Written,
) -> Written {
    out.push(b'{');
    for (index, selected) in fields.iter().enumerate() {
        if index > 0 {
            out.push(b',');
        }
        out.extend_from_slice(&selected.key);
        write(out, &selected.field)?;
    }
    out.push(b'}');
    Some(())
}

/// Writes a list, each item by `write`; gives up when `write` does.
pub(super) fn list<T>(
    out: &mut Vec<u8>,
    items: &[T],
    mut write: impl FnMut(&mut Vec<u8>, &T) -> Written,
) -> Written {
    out.push(b'[');
    for (index, item) in items.iter().enumerate() {
        if index > 0 {
            out.push(b',');
        }
        write(out, item)?;
    }
    out.push(b']');
    Some(())
}

pub(super) fn write_int(out: &mut Vec<u8>, value: i32) {
    out.extend_from_slice(itoa::Buffer::new().format(value).as_bytes());
}

pub(super) fn write_opt_int(out: &mut Vec<u8>, value: Option<i32>) {
    match value {
        Some(value) => write_int(out, value),
        None => out.extend_from_slice(b"null"),
    }
}

pub(super) fn write_opt_str(out: &mut Vec<u8>, value: Option<&str>) {
    match value {
        Some(value) => write_str(out, value),
        None => out.extend_from_slice(b"null"),
    }
}

pub(super) fn write_bool(out: &mut Vec<u8>, value: bool) {
    out.extend_from_slice(if value { b"true" } else { b"false" });
}

pub(super) fn write_id(out: &mut Vec<u8>, node_type: NodeType, id: i32) {
    write_str(out, &GlobalId::new(node_type, id).encode());
}

/// An enum value by its GraphQL name, as the executor writes it.
pub(super) fn write_enum<E: async_graphql::resolver_utils::EnumType>(out: &mut Vec<u8>, value: E) {
    crate::graphql::json::write_value(out, &enum_value(value));
}

/// A scalar (a time) as the executor writes it.
pub(super) fn write_scalar<S: ScalarType>(out: &mut Vec<u8>, value: &S) {
    crate::graphql::json::write_value(out, &value.to_value());
}

/// A connection's `pageInfo`.
pub(super) fn write_page_info(
    out: &mut Vec<u8>,
    fields: &[Selected<PageInfoField>],
    info: &PageInfo,
) -> Written {
    object(out, fields, |out, field| {
        match field {
            PageInfoField::Typename => write_str(out, "PageInfo"),
            PageInfoField::HasPreviousPage => write_bool(out, info.has_previous_page),
            PageInfoField::HasNextPage => write_bool(out, info.has_next_page),
            PageInfoField::StartCursor => write_opt_str(out, info.start_cursor.as_deref()),
            PageInfoField::EndCursor => write_opt_str(out, info.end_cursor.as_deref()),
        }
        Some(())
    })
}

/// A connection of `node_type`s: its edges (each a cursor and an item, the item written as a node
/// by `node`), its page info, and its total when that was read.
pub(super) fn write_connection<N, T: Copy>(
    out: &mut Vec<u8>,
    fields: &[Selected<ConnectionField<N>>],
    node_type: &str,
    edges: &[(&str, T)],
    page_info: &PageInfo,
    total: Option<u64>,
    mut node: impl FnMut(&mut Vec<u8>, &[Selected<N>], T) -> Written,
) -> Written {
    object(out, fields, |out, field| {
        match field {
            ConnectionField::Typename => write_type_name(out, node_type, "Connection"),
            ConnectionField::Edges(fields) => {
                return list(out, edges, |out, &(cursor, item)| {
                    object(out, fields, |out, field| {
                        match field {
                            EdgeField::Typename => write_type_name(out, node_type, "Edge"),
                            EdgeField::Cursor => write_str(out, cursor),
                            EdgeField::Node(fields) => return node(out, fields, item),
                        }
                        Some(())
                    })
                });
            }
            ConnectionField::Nodes(fields) => {
                return list(out, edges, |out, &(_, item)| node(out, fields, item));
            }
            ConnectionField::PageInfo(fields) => write_page_info(out, fields, page_info)?,
            ConnectionField::TotalCount => {
                out.extend_from_slice(itoa::Buffer::new().format(total?).as_bytes())
            }
        }
        Some(())
    })
}

/// A type's name made of a node type's and a suffix (`EvidenceConnection`), as a JSON string; the
/// schema's type names need no escaping.
fn write_type_name(out: &mut Vec<u8>, node_type: &str, suffix: &str) {
    out.push(b'"');
    out.extend_from_slice(node_type.as_bytes());
    out.extend_from_slice(suffix.as_bytes());
    out.push(b'"');
}
