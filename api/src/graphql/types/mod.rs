//! The graph's object types, one per file. Each wraps its entity row; relations resolve through the
//! request's loader, both ways (claim -> mechanisms -> steps -> DOIs -> study -> evidence -> claim).
//!
//! Every object type here is serial: async-graphql writes a parallel object's keys in the order its
//! fields finish, not in the query's order (GraphQL asks for the query's), so the same query could
//! give differently ordered bytes, and a GET answer another ETag.

mod claim;
mod claim_synthesis;
mod doi;
mod evidence;
mod evidence_counts;
mod evidence_need;
mod mechanism;
mod mechanism_step;
mod study;

pub use claim::Claim;
pub use claim_synthesis::ClaimSynthesis;
pub use doi::Doi;
pub use evidence::Evidence;
pub use evidence_counts::EvidenceCounts;
pub use evidence_need::EvidenceNeed;
pub use mechanism::Mechanism;
pub use mechanism_step::MechanismStep;
pub use study::Study;
