//! The `EvidenceCounts` object: how many studies support or contradict a claim.

use async_graphql::SimpleObject;
use entity::evidence;

/// Counts of a claim's evidence by stance.
#[derive(SimpleObject, Clone, Copy, Debug, Default, PartialEq, Eq)]
#[graphql(serial)]
pub struct EvidenceCounts {
    /// Studies that support the claim.
    pub supporting: i32,
    /// Studies that contradict the claim.
    pub contradicting: i32,
    /// Studies whose findings point neither way.
    pub inconclusive: i32,
    /// All studies that bear on the claim.
    pub total: i32,
}

impl EvidenceCounts {
    pub(crate) fn of<'a>(rows: impl IntoIterator<Item = &'a evidence::Model>) -> Self {
        use entity::values::Stance as S;
        rows.into_iter()
            .fold(EvidenceCounts::default(), |mut counts, row| {
                match row.stance {
                    S::Supporting => counts.supporting += 1,
                    S::Contradicting => counts.contradicting += 1,
                    S::Inconclusive => counts.inconclusive += 1,
                }
                counts.total += 1;
                counts
            })
    }
}
