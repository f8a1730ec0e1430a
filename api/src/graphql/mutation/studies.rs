//! Recording studies and their facts.

use async_graphql::{Context, InputObject, Object};

use super::{Ids, Performed, StudyPayload, perform, subject};
use crate::domain::write::contributions::Change;
use crate::domain::write::studies::StudyDraft;
use crate::graphql::enums::StudyDesign;

/// A study's bibliographic facts.
#[derive(InputObject)]
pub struct StudyFactsInput {
    /// The title, as published (at most 2,000 characters).
    title: String,
    /// The journal (at most 500 characters).
    journal: Option<String>,
    /// The year of publication.
    year: Option<i32>,
    /// The study's design, which places it on the evidence ladder.
    design: StudyDesign,
    /// Authors as printed (at most 5,000 characters).
    authors: Option<String>,
    /// How many participants it had.
    sample_size: Option<i32>,
    /// Whether it has been retracted.
    #[graphql(default)]
    retracted: bool,
}

impl StudyFactsInput {
    pub(super) fn draft(self, doi: String, version: Option<i32>) -> StudyDraft {
        StudyDraft {
            doi,
            title: self.title,
            journal: self.journal,
            year: self.year,
            design: self.design.into(),
            authors: self.authors,
            sample_size: self.sample_size,
            retracted: self.retracted,
            version,
        }
    }
}

/// A study, keyed by its DOI: created when the DOI has none, replaced otherwise.
#[derive(InputObject)]
pub struct StudyUpsertInput {
    /// The study's DOI, in any common spelling.
    doi: String,
    /// The study's facts.
    facts: StudyFactsInput,
    /// When the DOI already has a study: its `version` your change is based on (required then).
    version: Option<i32>,
}

/// Recording studies and their facts.
#[derive(Default)]
pub struct StudyMutations;

#[Object]
impl StudyMutations {
    /// Records a study by its DOI, or replaces the facts of the DOI's study.
    async fn study_upsert(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The study.")] input: StudyUpsertInput,
    ) -> async_graphql::Result<StudyPayload> {
        let performed = perform(ctx, Ids::default(), || {
            Change::StudyUpsert(input.facts.draft(input.doi, input.version))
        })
        .await?;
        // The domain names a study's facts flat; this input nests them under `facts`.
        let performed = match performed {
            Performed::Refused(mut errors) => {
                for error in &mut errors {
                    if error.field.get(1).is_some_and(|f| f != "doi" && f != "version") {
                        error.field.insert(1, "facts".to_owned());
                    }
                }
                Performed::Refused(errors)
            }
            other => other,
        };
        StudyPayload::of(ctx, performed, subject).await
    }
}
