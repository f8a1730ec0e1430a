//! Reviewing contributions: accepting or rejecting them.

use async_graphql::{Context, ID, InputObject, Object, SimpleObject};

use super::{Performed, gated, refused};
use crate::domain::write::WriteError;
use crate::domain::write::contributions::{self};
use crate::error::ApiError;
use crate::graphql::context::caller;
use crate::graphql::context::forget_loaded;
use crate::graphql::ids::{GlobalId, NodeType};
use crate::graphql::types::Node;
use crate::graphql::types::{Contribution, UserError};

/// A contribution to accept.
#[derive(InputObject)]
pub struct ContributionAcceptInput {
    /// The contribution's global ID.
    id: ID,
}

/// A contribution to reject.
#[derive(InputObject)]
pub struct ContributionRejectInput {
    /// The contribution's global ID.
    id: ID,
    /// Why, for its author (required; at most 2,000 characters).
    reason: String,
}

/// The result of a review.
#[derive(SimpleObject)]
pub struct ContributionPayload {
    /// The contribution as reviewed.
    contribution: Option<Contribution>,
    /// The node the accepted change created or changed.
    subject: Option<Node>,
    /// The caller's mistakes, each with its field; when there are any, nothing was changed.
    user_errors: Vec<UserError>,
}

fn refused_review(error: UserError) -> ContributionPayload {
    ContributionPayload {
        contribution: None,
        subject: None,
        user_errors: vec![error],
    }
}

fn review_refused(err: WriteError) -> async_graphql::Result<ContributionPayload> {
    match refused(err)? {
        Performed::Refused(user_errors) => Ok(ContributionPayload {
            contribution: None,
            subject: None,
            user_errors,
        }),
        Performed::Applied(_) | Performed::Submitted(_) => {
            Err(ApiError::Internal(anyhow::anyhow!("a refused review came back as a change")).into())
        }
    }
}

/// Reviewing contributions: accepting or rejecting them.
#[derive(Default)]
pub struct ContributionMutations;

#[Object]
impl ContributionMutations {
    /// Accepts a pending contribution (moderators and admins; never your own): its change is
    /// applied as its author's, in the same transaction.
    async fn contribution_accept(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The contribution to accept.")] input: ContributionAcceptInput,
    ) -> async_graphql::Result<ContributionPayload> {
        let actor = caller(ctx).actor()?;
        let id = match GlobalId::decode_as("input.id", &input.id, NodeType::Contribution) {
            Ok(id) => id,
            Err(err) => return Ok(refused_review(UserError::bad_id("id", err))),
        };
        let accepted = gated(ctx, actor, move |db| async move {
            contributions::accept(db.connection(), actor, id).await
        })
        .await?;
        match accepted {
            Ok((row, applied)) => {
                forget_loaded(ctx)?;
                let subject = NodeType::from_name(applied.subject.node_type)
                    .map(|t| GlobalId::new(t, applied.subject.id));
                let subject = match subject {
                    Some(id) => Node::fetch(ctx, id).await?,
                    None => None,
                };
                Ok(ContributionPayload {
                    contribution: Some(Contribution(row)),
                    subject,
                    user_errors: Vec::new(),
                })
            }
            Err(err) => review_refused(err),
        }
    }

    /// Rejects a pending contribution with a reason (moderators and admins; never your own).
    async fn contribution_reject(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The contribution to reject.")] input: ContributionRejectInput,
    ) -> async_graphql::Result<ContributionPayload> {
        let actor = caller(ctx).actor()?;
        let id = match GlobalId::decode_as("input.id", &input.id, NodeType::Contribution) {
            Ok(id) => id,
            Err(err) => return Ok(refused_review(UserError::bad_id("id", err))),
        };
        let reason = input.reason;
        let rejected = gated(ctx, actor, move |db| async move {
            contributions::reject(db.connection(), actor, id, &reason).await
        })
        .await?;
        match rejected {
            Ok(row) => {
                forget_loaded(ctx)?;
                Ok(ContributionPayload {
                    contribution: Some(Contribution(row)),
                    subject: None,
                    user_errors: Vec::new(),
                })
            }
            Err(err) => review_refused(err),
        }
    }
}
