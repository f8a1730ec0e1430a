//! The `Node` interface: every object with a global ID, fetchable with `node(id:)`.

use std::collections::HashSet;

use async_graphql::{Context, ID, Interface};

use super::{Contribution, Event, User};
use crate::error::ApiResult;
use crate::graphql::context::caller;
use crate::graphql::context::{load_many, load_one, store};
use crate::graphql::ids::{GlobalId, NodeType};
use crate::graphql::loaders::{
    ClaimById, ContributionById, DoiById, EventById, EvidenceById, MechanismById, MechanismStepById,
    StudyById, UserById,
};
use crate::graphql::types::{Claim, Doi, Evidence, Mechanism, MechanismStep, Study};

/// An object with a stable, opaque global ID (Relay's Global Object Identification).
#[derive(Interface)]
#[graphql(field(
    name = "id",
    ty = "ID",
    desc = "The object's global ID: opaque, stable, and accepted by `node(id:)`."
))]
pub enum Node {
    Claim(Claim),
    Mechanism(Mechanism),
    MechanismStep(MechanismStep),
    Doi(Doi),
    Study(Study),
    Evidence(Evidence),
    User(User),
    Contribution(Contribution),
    Event(Event),
}

impl Node {
    /// Fetches the node a decoded ID names, or `None` when no such row exists or the caller may not
    /// see it (the two look the same).
    pub async fn fetch(ctx: &Context<'_>, id: GlobalId) -> ApiResult<Option<Node>> {
        if let Some(visible) = visible_ids(ctx, id.node_type, &[id.id]).await?
            && !visible.contains(&id.id)
        {
            return Ok(None);
        }
        Node::load(ctx, id).await
    }

    /// Loads the node a decoded ID names, when the caller may see it as far as the row itself says
    /// (a contribution); events and users are checked by [`visible_ids`] first.
    async fn load(ctx: &Context<'_>, id: GlobalId) -> ApiResult<Option<Node>> {
        let row = id.id;
        Ok(match id.node_type {
            NodeType::Claim => load_one(ctx, ClaimById(row))
                .await?
                .map(|m| Node::Claim(Claim(m))),
            NodeType::Mechanism => load_one(ctx, MechanismById(row))
                .await?
                .map(|m| Node::Mechanism(Mechanism(m))),
            NodeType::MechanismStep => load_one(ctx, MechanismStepById(row))
                .await?
                .map(|m| Node::MechanismStep(MechanismStep(m))),
            NodeType::Doi => load_one(ctx, DoiById(row)).await?.map(|m| Node::Doi(Doi(m))),
            NodeType::Study => load_one(ctx, StudyById(row))
                .await?
                .map(|m| Node::Study(Study(m))),
            NodeType::Evidence => load_one(ctx, EvidenceById(row))
                .await?
                .map(|m| Node::Evidence(Evidence(m))),
            NodeType::User => load_one(ctx, UserById(row)).await?.map(|m| Node::User(User(m))),
            // Only a contribution's author and moderators may see it; to anyone else it does not exist.
            NodeType::Contribution => load_one(ctx, ContributionById(row))
                .await?
                .filter(|c| caller(ctx).may_see(c))
                .map(|m| Node::Contribution(Contribution(m))),
            NodeType::Event => load_one(ctx, EventById(row))
                .await?
                .map(|m| Node::Event(Event(m))),
        })
    }

    /// Fetches many nodes with one batched query per type, keeping the order of `ids`.
    pub async fn fetch_many(ctx: &Context<'_>, ids: &[GlobalId]) -> ApiResult<Vec<Option<Node>>> {
        let of = |t: NodeType| ids.iter().filter(move |g| g.node_type == t).map(|g| g.id);
        // Warm the loader's cache with one batch per type; the per-id look-ups below then hit it.
        tokio::try_join!(
            load_many(ctx, of(NodeType::Claim).map(ClaimById).collect()),
            load_many(ctx, of(NodeType::Mechanism).map(MechanismById).collect()),
            load_many(ctx, of(NodeType::MechanismStep).map(MechanismStepById).collect()),
            load_many(ctx, of(NodeType::Doi).map(DoiById).collect()),
            load_many(ctx, of(NodeType::Study).map(StudyById).collect()),
            load_many(ctx, of(NodeType::Evidence).map(EvidenceById).collect()),
            load_many(ctx, of(NodeType::User).map(UserById).collect()),
            load_many(ctx, of(NodeType::Contribution).map(ContributionById).collect()),
            load_many(ctx, of(NodeType::Event).map(EventById).collect()),
        )?;
        // One statement per type whose visibility is a question for the database.
        let events: Vec<i32> = of(NodeType::Event).collect();
        let users: Vec<i32> = of(NodeType::User).collect();
        let (events, users) = tokio::try_join!(
            visible_ids(ctx, NodeType::Event, &events),
            visible_ids(ctx, NodeType::User, &users),
        )?;
        let mut nodes = Vec::with_capacity(ids.len());
        for id in ids {
            let visible = match id.node_type {
                NodeType::Event => events.as_ref(),
                NodeType::User => users.as_ref(),
                _ => None,
            };
            if visible.is_some_and(|visible| !visible.contains(&id.id)) {
                nodes.push(None);
            } else {
                nodes.push(Node::load(ctx, *id).await?);
            }
        }
        Ok(nodes)
    }
}

/// Of the row ids `ids` of `node_type`, those the caller may see, found in one statement with
/// [`crate::domain::visibility`]'s conditions; `None` when every row of the type is visible to
/// the caller as far as the database goes (public types; everything for a moderator).
async fn visible_ids(ctx: &Context<'_>, node_type: NodeType, ids: &[i32]) -> ApiResult<Option<HashSet<i32>>> {
    let viewer = caller(ctx).viewer();
    if viewer.reviews() || !matches!(node_type, NodeType::Event | NodeType::User) {
        return Ok(None);
    }
    if ids.is_empty() {
        return Ok(Some(HashSet::new()));
    }
    let store = store(ctx)?;
    let visible = match node_type {
        NodeType::Event => store.visible_event_ids(ids, viewer.events()).await?,
        NodeType::User => store.visible_user_ids(ids, viewer.users()).await?,
        _ => return Ok(None),
    };
    Ok(Some(visible.into_iter().collect()))
}
