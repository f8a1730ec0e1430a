//! The `Doi` object: a DOI, the study behind it, and the steps that cite it.

use async_graphql::{Context, ID, Object};
use entity::doi;
use entity::values::doi_url;

use super::{MechanismStep, Study};
use crate::graphql::connection::{Connection, PageArgs, paginate_loaded};
use crate::graphql::context::{load_list, load_one};
use crate::graphql::ids::{GlobalId, NodeType};
use crate::graphql::loaders::{MechanismStepsCitingDoi, StudyByDoi};

/// The GraphQL `Doi` object over one `doi` row; its schema description is on the impl below.
#[derive(Clone, Debug)]
pub struct Doi(pub doi::Model);

/// A DOI, normalised: one node however it is spelled, existing before or without its study's metadata.
#[Object(serial)]
impl Doi {
    /// The DOI's global ID.
    pub async fn id(&self) -> ID {
        GlobalId::new(NodeType::Doi, self.0.id).encode()
    }

    /// The DOI in normalised form: lower-case, without `doi:` or a resolver prefix.
    async fn value(&self) -> &str {
        &self.0.value
    }

    /// The DOI's resolver URL, `https://doi.org/<value>`.
    async fn url(&self) -> String {
        doi_url(&self.0.value)
    }

    /// The study this DOI identifies, when its metadata is known.
    async fn study(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Study>> {
        Ok(load_one(ctx, StudyByDoi(self.0.id)).await?.flatten().map(Study))
    }

    /// The mechanism steps that cite this DOI.
    #[graphql(complexity = "crate::graphql::limits::page_cost(first, last, child_complexity)")]
    async fn cited_by(
        &self,
        ctx: &Context<'_>,
        #[graphql(
            desc = "Return the first n items (at most 100; 20 when neither `first` nor `last` is given)."
        )]
        first: Option<i32>,
        #[graphql(desc = "Return the items after this cursor.")] after: Option<String>,
        #[graphql(desc = "Return the last n items (at most 100).")] last: Option<i32>,
        #[graphql(desc = "Return the items before this cursor.")] before: Option<String>,
    ) -> async_graphql::Result<Connection<MechanismStep>> {
        let steps = load_list(ctx, MechanismStepsCitingDoi(self.0.id)).await?;
        let items = steps.into_iter().map(|s| (s.id, MechanismStep(s))).collect();
        Ok(paginate_loaded(
            &PageArgs {
                first,
                after,
                last,
                before,
            },
            items,
        )?)
    }
}
