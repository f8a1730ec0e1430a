//! The schema's types, one per file: the graph's objects (each wraps its entity row; relations
//! resolve through the request's loader, both ways: claim -> mechanisms -> steps -> DOIs -> study
//! -> evidence -> claim), the curation objects (users, contributions, events), the `Node`
//! interface, the Relay connection and edge objects, and the facets of the filtered lists. The GraphQL graph is cyclic (a claim's
//! history holds events, an event names its claim), so these files refer to one another; every
//! module outside `types` is above it or below it, never both (tests/suite/layers.rs).
//!
//! Every object type here is serial: async-graphql writes a parallel object's keys in the order its
//! fields finish, not in the query's order (GraphQL asks for the query's), so the same query could
//! give differently ordered bytes, and a GET answer another ETag.

mod claim;
mod claim_facets;
mod claim_synthesis;
mod connection;
mod contribution;
mod contribution_status;
pub(crate) mod curation;
mod doi;
mod edge;
mod event;
mod evidence;
mod evidence_counts;
mod evidence_need;
mod facet_count;
mod field_change;
mod mechanism;
mod mechanism_step;
mod node;
mod role;
mod search_connection;
mod search_highlight;
mod search_result;
mod search_type;
mod study;
mod study_facets;
mod suggestion;
mod text_range;
mod user;
mod user_error;
mod user_error_code;

pub use claim::Claim;
pub use claim_facets::ClaimFacets;
pub use claim_synthesis::ClaimSynthesis;
pub use contribution::Contribution;
pub use contribution_status::ContributionStatus;
pub use doi::Doi;
pub use event::Event;
pub use evidence::Evidence;
pub use evidence_counts::EvidenceCounts;
pub use evidence_need::EvidenceNeed;
pub use facet_count::FacetCount;
pub use field_change::FieldChange;
pub use mechanism::Mechanism;
pub use mechanism_step::MechanismStep;
pub use node::Node;
pub use role::Role;
pub use search_connection::{SearchConnection, SearchTotal};
pub use search_highlight::SearchHighlight;
pub use search_result::SearchResult;
pub use search_type::SearchType;
pub use study::Study;
pub use study_facets::StudyFacets;
pub use suggestion::{Suggestion, SuggestionNode};
pub use text_range::TextRange;
pub use user::User;
pub use user_error::UserError;
pub use user_error_code::UserErrorCode;
