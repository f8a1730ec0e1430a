//! The tables of the claim graph, one module per table, and nothing else.
//!
//! - [`claim`]: a claim with its PICO parts and plain-language synthesis.
//! - [`mechanism`]: a ranked explanation of a claim, with its support.
//! - [`mechanism_step`]: one ordered step of a mechanism's causal chain.
//! - [`doi`]: a normalised DOI, its own row so a citation can exist before its study's metadata does.
//! - [`study`]: a study's bibliographic facts and design, optionally linked to its DOI.
//! - [`citation`]: step -> DOI, ordered within the step.
//! - [`evidence`]: claim x study, with the study's stance on the claim.
//! - [`user`], [`api_token`]: accounts and the hashed API tokens that sign requests.
//! - [`contribution`]: a contributor's proposed change and its review.
//! - [`event`]: the audit log; one row per applied change.
//! - [`values`]: the column value types those tables rely on (the normalised DOI and the enums), so
//!   every crate that writes a row agrees on what a valid value is.

pub mod api_token;
pub mod citation;
pub mod claim;
pub mod contribution;
pub mod doi;
pub mod event;
pub mod evidence;
pub mod mechanism;
pub mod mechanism_step;
pub mod study;
pub mod user;
pub mod values;

pub mod prelude {
    //! The entity types under distinct names, for `use entity::prelude::*`.
    pub use crate::api_token::Entity as ApiToken;
    pub use crate::citation::Entity as Citation;
    pub use crate::claim::Entity as Claim;
    pub use crate::contribution::Entity as Contribution;
    pub use crate::doi::Entity as Doi;
    pub use crate::event::Entity as Event;
    pub use crate::evidence::Entity as Evidence;
    pub use crate::mechanism::Entity as Mechanism;
    pub use crate::mechanism_step::Entity as MechanismStep;
    pub use crate::study::Entity as Study;
    pub use crate::user::Entity as User;
}
