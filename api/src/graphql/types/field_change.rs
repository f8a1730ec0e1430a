//! The `FieldChange` object: one field of a change, before and after.

use async_graphql::{Json, SimpleObject};
use serde_json::Value;

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
