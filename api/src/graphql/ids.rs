//! Global object IDs (Relay's Global Object Identification spec): opaque, type-tagged, stable.
//!
//! An ID is the URL-safe base64 of `<Type>:<row id>`, so `node(id:)` can tell which table to read and
//! a client can never mistake a study's ID for a claim's. Clients must treat IDs as opaque.
//! <https://relay.dev/graphql/objectidentification.htm>

use std::fmt;

use async_graphql::ID;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

use crate::error::ApiError;

/// The node types a global ID can name.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum NodeType {
    Claim,
    Mechanism,
    MechanismStep,
    Doi,
    Study,
    Evidence,
    User,
    Contribution,
    Event,
}

impl NodeType {
    const ALL: [NodeType; 9] = [
        NodeType::Claim,
        NodeType::Mechanism,
        NodeType::MechanismStep,
        NodeType::Doi,
        NodeType::Study,
        NodeType::Evidence,
        NodeType::User,
        NodeType::Contribution,
        NodeType::Event,
    ];

    /// The GraphQL type name, which is also the ID's tag.
    pub fn name(self) -> &'static str {
        match self {
            NodeType::Claim => "Claim",
            NodeType::Mechanism => "Mechanism",
            NodeType::MechanismStep => "MechanismStep",
            NodeType::Doi => "Doi",
            NodeType::Study => "Study",
            NodeType::Evidence => "Evidence",
            NodeType::User => "User",
            NodeType::Contribution => "Contribution",
            NodeType::Event => "Event",
        }
    }
}

impl NodeType {
    /// The node type a GraphQL type name names, as stored in events and contributions.
    pub fn from_name(name: &str) -> Option<NodeType> {
        NodeType::ALL.into_iter().find(|t| t.name() == name)
    }
}

impl fmt::Display for NodeType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A decoded global ID: which table, which row.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct GlobalId {
    pub node_type: NodeType,
    pub id: i32,
}

impl GlobalId {
    pub fn new(node_type: NodeType, id: i32) -> Self {
        GlobalId { node_type, id }
    }

    /// The opaque form sent to clients.
    pub fn encode(self) -> ID {
        ID(URL_SAFE_NO_PAD.encode(format!("{}:{}", self.node_type.name(), self.id)))
    }

    /// Decodes an ID sent as the argument `field`; anything not made by [`GlobalId::encode`] is a
    /// BAD_USER_INPUT error naming that argument.
    pub fn decode(field: &str, id: &str) -> Result<Self, ApiError> {
        let invalid = || {
            ApiError::bad_input(
                field,
                format!("{id:?} is not a claimgraph ID; IDs come from the `id` field of a node"),
            )
        };
        let bytes = URL_SAFE_NO_PAD
            .decode(id.trim_end_matches('='))
            .map_err(|_| invalid())?;
        let text = String::from_utf8(bytes).map_err(|_| invalid())?;
        let (tag, row) = text.split_once(':').ok_or_else(invalid)?;
        let node_type = NodeType::ALL
            .into_iter()
            .find(|t| t.name() == tag)
            .ok_or_else(invalid)?;
        let id = row
            .parse::<i32>()
            .ok()
            .filter(|id| *id > 0 && row == id.to_string())
            .ok_or_else(invalid)?;
        Ok(GlobalId { node_type, id })
    }

    /// Decodes an ID that must name a node of type `expected`.
    pub fn decode_as(field: &str, id: &str, expected: NodeType) -> Result<i32, ApiError> {
        let global = GlobalId::decode(field, id)?;
        if global.node_type != expected {
            return Err(ApiError::bad_input(
                field,
                format!(
                    "expected the ID of a {expected}, got the ID of a {}",
                    global.node_type
                ),
            ));
        }
        Ok(global.id)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_round_trip_for_every_type() {
        for node_type in NodeType::ALL {
            let id = GlobalId::new(node_type, 42).encode();
            assert_eq!(
                GlobalId::decode("id", &id).ok(),
                Some(GlobalId::new(node_type, 42))
            );
        }
    }

    #[test]
    fn garbage_and_forged_ids_are_refused() {
        for bad in [
            "",
            "!!!",
            "Q2xhaW0",
            "Q2xhaW06",
            "Q2xhaW06LTE",
            "Q2xhaW06MDE",
            "V2hhdDox",
        ] {
            let err = GlobalId::decode("id", bad).err();
            assert!(
                matches!(err, Some(ApiError::BadUserInput { ref field, .. }) if field == "id"),
                "{bad}"
            );
        }
    }

    #[test]
    fn an_id_of_the_wrong_type_names_both_types() {
        let id = GlobalId::new(NodeType::Claim, 1).encode();
        let err = GlobalId::decode_as("id", &id, NodeType::Study)
            .err()
            .map(|e| e.message().to_owned());
        assert_eq!(
            err.as_deref(),
            Some("expected the ID of a Study, got the ID of a Claim")
        );
    }
}
