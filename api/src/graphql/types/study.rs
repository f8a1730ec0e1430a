//! The `Study` object: a paper, with its design, year and the evidence it gives.

use async_graphql::{Context, ID, Object};
use entity::study;

use super::{Doi, Evidence};
use crate::graphql::connection::{Connection, PageArgs, paginate_loaded};
use crate::graphql::context::{load_list, load_one};
use crate::graphql::enums::{Stance, StudyDesign};
use crate::graphql::ids::{GlobalId, NodeType};
use crate::graphql::loaders::{DoiById, EvidenceByStudy};

/// The GraphQL `Study` object over one `study` row; its schema description is on the impl below.
#[derive(Clone, Debug)]
pub struct Study(pub study::Model);

/// A study: its bibliographic facts, its design, and the claims it bears on.
#[Object(serial)]
impl Study {
    /// The study's global ID.
    pub async fn id(&self) -> ID {
        GlobalId::new(NodeType::Study, self.0.id).encode()
    }

    /// Bumped by every applied change to this node (and to the order of its children); an edit
    /// names the version it was based on.
    async fn version(&self) -> i32 {
        self.0.version
    }

    /// The study's title, as published.
    async fn title(&self) -> &str {
        &self.0.title
    }

    /// The journal or other venue it appeared in, when known.
    async fn journal(&self) -> Option<&str> {
        self.0.journal.as_deref()
    }

    /// The year of publication, when known.
    async fn year(&self) -> Option<i32> {
        self.0.year
    }

    /// The study's design, which places it on the evidence ladder.
    async fn design(&self) -> StudyDesign {
        self.0.design.into()
    }

    /// The authors as printed, when known.
    async fn authors(&self) -> Option<&str> {
        self.0.authors.as_deref()
    }

    /// How many participants the study had, when known.
    async fn sample_size(&self) -> Option<i32> {
        self.0.sample_size
    }

    /// Whether the study has been retracted; a retracted study stays so links to it hold.
    async fn retracted(&self) -> bool {
        self.0.retracted
    }

    /// The study's DOI, when it has one.
    async fn doi(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Doi>> {
        let Some(id) = self.0.doi_id else { return Ok(None) };
        Ok(load_one(ctx, DoiById(id)).await?.map(Doi))
    }

    /// The claims this study supports or contradicts, as evidence rows; `stance` lists one side.
    #[graphql(complexity = "crate::graphql::limits::page_cost(first, last, child_complexity)")]
    async fn evidence(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Only evidence with this stance.")] stance: Option<Stance>,
        #[graphql(
            desc = "Return the first n items (at most 100; 20 when neither `first` nor `last` is given)."
        )]
        first: Option<i32>,
        #[graphql(desc = "Return the items after this cursor.")] after: Option<String>,
        #[graphql(desc = "Return the last n items (at most 100).")] last: Option<i32>,
        #[graphql(desc = "Return the items before this cursor.")] before: Option<String>,
    ) -> async_graphql::Result<Connection<Evidence>> {
        let stance = stance.map(entity::values::Stance::from);
        let rows = load_list(ctx, EvidenceByStudy(self.0.id)).await?;
        let items = rows
            .into_iter()
            .filter(|e| stance.is_none_or(|s| e.stance == s))
            .map(|e| (e.id, Evidence(e)));
        Ok(paginate_loaded(
            &PageArgs {
                first,
                after,
                last,
                before,
            },
            items.collect(),
        )?)
    }
}
