//! Who may see what of the community write path: contributions under review, the events they
//! leave, and users. One rule, stated once here as SQL conditions, so the reads filter rows in the
//! database and a list's pages, cursors and `totalCount` only ever meet rows the viewer may see
//! (never a page filtered after the fact).
//!
//! - **Contributions** are seen by their author and by moderators (and admins), whatever their
//!   status: the diff, the input and a rejection's reason are between them.
//! - **Events**: an event that no contribution is behind (a moderator's direct edit, the seed
//!   loader) is public. An event a contribution is behind (its submission, the change it applied,
//!   its acceptance or rejection) is public once the contribution is accepted; until then, and for
//!   good when it is rejected, only its author and moderators see it.
//! - **Users**: a user's name is public once they are seen making a change, that is when the viewer
//!   sees an event of theirs; before that the user is seen only by themself and moderators.
//!   Anything more (role, when the account was created) only by themself and moderators.
//!
//! Whatever the viewer may not see does not exist for them: the reads answer it as they answer an
//! ID that names nothing.

use entity::values::{ContributionStatus, Role};
use entity::{contribution, event, user};
use sea_orm::sea_query::{Expr, Query, SelectStatement};
use sea_orm::{ColumnTrait, Condition};

/// The type name events record for a contribution they are about (`contribution.submitted`, ...).
const CONTRIBUTION: &str = "Contribution";

/// Who is reading, as far as visibility goes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Viewer {
    /// The signed-in user; none for an anonymous caller.
    user_id: Option<i32>,
    /// Whether the viewer reviews contributions (moderators and admins), and so sees them all.
    reviews: bool,
}

impl Viewer {
    /// A caller without a token.
    pub const ANONYMOUS: Viewer = Viewer {
        user_id: None,
        reviews: false,
    };

    /// A signed-in user with `role`.
    pub fn user(id: i32, role: Role) -> Viewer {
        Viewer {
            user_id: Some(id),
            reviews: matches!(role, Role::Moderator | Role::Admin),
        }
    }

    /// Whether the viewer reviews contributions, and so sees everything below.
    pub fn reviews(&self) -> bool {
        self.reviews
    }

    /// The contribution rows the viewer may see: their own; all of them for a moderator.
    pub fn contributions(&self) -> Condition {
        if self.reviews {
            return Condition::all();
        }
        match self.user_id {
            Some(id) => Condition::all().add(contribution::Column::AuthorId.eq(id)),
            None => nothing(),
        }
    }

    /// Whether the viewer may see a contribution already read: [`Viewer::contributions`] on one row.
    pub fn may_see_contribution(&self, row: &contribution::Model) -> bool {
        self.reviews || self.user_id == Some(row.author_id)
    }

    /// The event rows the viewer may see.
    pub fn events(&self) -> Condition {
        if self.reviews {
            return Condition::all();
        }
        // The contributions whose events the viewer sees: accepted ones, and their own.
        let mut seen =
            Condition::any().add(contribution::Column::Status.eq(ContributionStatus::Accepted.name()));
        if let Some(id) = self.user_id {
            seen = seen.add(contribution::Column::AuthorId.eq(id));
        }
        let seen: SelectStatement = Query::select()
            .column(contribution::Column::Id)
            .from(contribution::Entity)
            .cond_where(seen)
            .to_owned();
        Condition::any()
            // No contribution behind it: a direct edit or the seed loader.
            .add(
                Condition::all()
                    .add(event::Column::ContributionId.is_null())
                    .add(event::Column::SubjectType.ne(CONTRIBUTION)),
            )
            // A change an accepted contribution applied (none exists for another).
            .add(event::Column::ContributionId.in_subquery(seen.clone()))
            // A contribution's own submission, acceptance or rejection.
            .add(
                Condition::all()
                    .add(event::Column::SubjectType.eq(CONTRIBUTION))
                    .add(event::Column::SubjectId.in_subquery(seen)),
            )
    }

    /// The user rows the viewer may see: themself, and anyone they see making a change.
    pub fn users(&self) -> Condition {
        if self.reviews {
            return Condition::all();
        }
        let actors: SelectStatement = Query::select()
            .column(event::Column::ActorId)
            .from(event::Entity)
            .cond_where(
                Condition::all()
                    .add(event::Column::ActorId.is_not_null())
                    .add(self.events()),
            )
            .to_owned();
        let mut condition = Condition::any().add(user::Column::Id.in_subquery(actors));
        if let Some(id) = self.user_id {
            condition = condition.add(user::Column::Id.eq(id));
        }
        condition
    }

    /// Whether the viewer may see more of user `id` than the name: their role and since when they
    /// have an account. Themself and moderators may.
    pub fn may_see_account(&self, id: i32) -> bool {
        self.reviews || self.user_id == Some(id)
    }
}

/// A condition no row meets.
fn nothing() -> Condition {
    Condition::all().add(Expr::value(false))
}

#[cfg(test)]
mod tests {
    use super::*;
    use sea_orm::{DbBackend, EntityTrait, QueryFilter, QueryTrait};

    fn sql(condition: Condition) -> String {
        event::Entity::find()
            .filter(condition)
            .build(DbBackend::Sqlite)
            .to_string()
    }

    #[test]
    fn moderators_and_admins_see_every_event_unfiltered() {
        for role in [Role::Moderator, Role::Admin] {
            let viewer = Viewer::user(7, role);
            let text = sql(viewer.events());
            assert!(!text.contains("FROM \"contribution\""), "{role:?}: {text}");
            assert!(viewer.may_see_account(8));
        }
    }

    #[test]
    fn anonymous_callers_see_events_of_accepted_contributions_only() {
        let text = sql(Viewer::ANONYMOUS.events());
        assert!(text.contains("FROM \"contribution\""), "{text}");
        assert!(text.contains("'ACCEPTED'"), "{text}");
        assert!(!text.contains("author_id"), "{text}");
    }

    #[test]
    fn a_contributor_also_sees_the_events_of_their_own_contributions() {
        let text = sql(Viewer::user(7, Role::Contributor).events());
        assert!(text.contains("\"author_id\" = 7"), "{text}");
    }

    #[test]
    fn nobody_anonymous_sees_a_contribution() {
        let text = contribution::Entity::find()
            .filter(Viewer::ANONYMOUS.contributions())
            .build(DbBackend::Sqlite)
            .to_string();
        assert!(text.ends_with("WHERE FALSE"), "{text}");
    }

    #[test]
    fn the_row_check_agrees_with_the_condition_on_contributions() {
        let row = |author_id| contribution::Model {
            id: 1,
            author_id,
            action: "claimUpdate".to_owned(),
            claim_id: None,
            subject_type: None,
            subject_id: None,
            change: "{}".to_owned(),
            before: None,
            after: "{}".to_owned(),
            status: ContributionStatus::Pending,
            reason: None,
            reviewer_id: None,
            created_at: chrono::Utc::now(),
            reviewed_at: None,
        };
        let author = Viewer::user(7, Role::Contributor);
        assert!(author.may_see_contribution(&row(7)));
        assert!(!author.may_see_contribution(&row(8)));
        assert!(!Viewer::ANONYMOUS.may_see_contribution(&row(7)));
        assert!(Viewer::user(9, Role::Moderator).may_see_contribution(&row(7)));
    }
}
