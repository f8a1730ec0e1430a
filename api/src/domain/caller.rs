//! Who sent a request, as the HTTP layer authenticated it, and what that makes them: a writer (an
//! [`Actor`], or UNAUTHENTICATED) and a reader (a [`Viewer`], whose visibility rules decide what
//! they see).

use entity::{contribution, user};

use crate::domain::visibility::Viewer;
use crate::domain::write::Actor;
use crate::error::{ApiError, ApiResult};

/// Who sent the request, as the HTTP layer authenticated it from `Authorization: Bearer`.
#[derive(Clone, Debug, Default)]
pub enum Caller {
    /// No token: read-only access to accepted data.
    #[default]
    Anonymous,
    /// A valid, unrevoked token's owner.
    User(user::Model),
}

impl Caller {
    /// The caller as a writer, or UNAUTHENTICATED.
    pub fn actor(&self) -> ApiResult<Actor> {
        match self {
            Caller::Anonymous => Err(ApiError::Unauthenticated(
                "This needs an API token: send `Authorization: Bearer <token>`.".to_owned(),
            )),
            Caller::User(user) => Ok(Actor::User {
                id: user.id,
                role: user.role,
            }),
        }
    }

    /// The caller as a reader: what they may see is [`crate::domain::visibility`]'s to say.
    pub fn viewer(&self) -> Viewer {
        match self {
            Caller::Anonymous => Viewer::ANONYMOUS,
            Caller::User(user) => Viewer::user(user.id, user.role),
        }
    }

    /// Whether the caller reviews contributions (and so sees all of them).
    pub fn is_moderator(&self) -> bool {
        self.viewer().reviews()
    }

    /// Whether the caller may see a contribution: its author and moderators may.
    pub fn may_see(&self, row: &contribution::Model) -> bool {
        self.viewer().may_see_contribution(row)
    }
}
