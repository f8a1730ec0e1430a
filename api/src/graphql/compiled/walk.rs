//! `doi(value:)`, compiled: a DOI walk (the DOI, its study, the steps citing it with their
//! mechanisms and those mechanisms' claims) answered from the walk's one statement.
//!
//! The DOI is read as the `doi` resolver reads it: its value parsed the same way, and the walk as
//! deep as the selection reaches ([`doi_depth`], the same function the resolver's prefetch uses),
//! or the DOI's row alone when the selection reaches nothing around it.

use async_graphql::parser::types::Field;
use async_graphql::{Value, Variables};
use entity::values::Doi as DoiValue;

use super::claim::{ClaimRows, StepAround, write_doi, write_step};
use super::fields::{ConnectionField, DoiAt, DoiField, PageArgsAsWritten, StepField};
use super::write::{Written, write_connection};
use super::{Answered, Arg, Compiler, Selected};
use crate::error::ApiResult;
use crate::graphql::connection::{Total, paginate_loaded};
use crate::graphql::prefetch::doi_depth;
use crate::store::Store;
use crate::store::walks::{CitingStep, DoiDepth};

/// `doi(value:)`, compiled: the value as written, how far the walk reaches, and the selection.
#[derive(Debug)]
pub(super) struct WalkRoot {
    value: Arg,
    depth: DoiDepth,
    doi: Vec<Selected<DoiField>>,
}

impl WalkRoot {
    pub fn compile<'d>(compiler: &Compiler<'d>, root: &'d Field) -> Option<WalkRoot> {
        let [(name, value)] = root.arguments.as_slice() else {
            return None;
        };
        if name.node != "value" {
            return None;
        }
        Some(WalkRoot {
            value: compiler.arg(&value.node)?,
            depth: doi_depth(&compiler.look(vec![root])),
            doi: compiler.doi(&root.selection_set.node, DoiAt::Walk)?,
        })
    }

    pub async fn answer(&self, db: &Store, variables: &Variables, out: &mut Vec<u8>) -> ApiResult<Answered> {
        let Some(Value::String(value)) = self.value.value(variables) else {
            return Ok(Answered::Executor);
        };
        // A value that is not a DOI, or page arguments that do not fit, are the executor's to
        // refuse, with its error, before anything is read.
        let Ok(value) = DoiValue::parse(&value) else {
            return Ok(Answered::Executor);
        };
        let fits = self.doi.iter().all(|selected| match &selected.field {
            DoiField::CitedBy(args, _) => args.value(variables).is_some(),
            _ => true,
        });
        if !fits {
            return Ok(Answered::Executor);
        }
        let reads_nothing_around = self.depth
            == DoiDepth {
                study: false,
                citing: None,
            };
        let walk = if reads_nothing_around {
            db.doi_by_value(value.as_str())
                .await?
                .map(|doi| (doi, None, None))
        } else {
            Box::pin(db.doi_walk(value.as_str(), self.depth))
                .await?
                .map(|walk| (walk.doi, walk.study, walk.citing))
        };
        let Some((doi, study, citing)) = walk else {
            out.extend_from_slice(b"null");
            return Ok(Answered::Written);
        };
        let claims: Option<Vec<Option<ClaimRows<'_>>>> = citing.as_ref().map(|citing| {
            citing
                .iter()
                .map(|step| {
                    step.claim
                        .as_ref()
                        .map(|claim| ClaimRows::alone(claim, variables))
                })
                .collect()
        });
        let cited_by =
            |out: &mut Vec<u8>, args: &PageArgsAsWritten, fields: &[Selected<ConnectionField<StepField>>]| {
                write_cited_by(
                    out,
                    args,
                    fields,
                    citing.as_deref()?,
                    claims.as_deref()?,
                    variables,
                )
            };
        let study = study.as_ref().map(Option::as_ref);
        Ok(write_doi(out, &self.doi, &doi, study, &cited_by).into())
    }
}

/// A DOI's `citedBy` page: the citing steps (`citing`, oldest first), each with its claim's rows
/// (`claims`, in the same order).
fn write_cited_by(
    out: &mut Vec<u8>,
    args: &PageArgsAsWritten,
    fields: &[Selected<ConnectionField<StepField>>],
    citing: &[CitingStep],
    claims: &[Option<ClaimRows<'_>>],
    variables: &Variables,
) -> Written {
    let page = args.value(variables)?;
    let items = citing
        .iter()
        .zip(claims)
        .map(|(step, claim)| (step.step.id, (step, claim)))
        .collect();
    let connection = paginate_loaded(&page, items).ok()?;
    let Total::Known(total) = connection.total else {
        return None;
    };
    let edges: Vec<(&str, _)> = connection
        .edges
        .iter()
        .map(|edge| (edge.cursor.as_str(), edge.node))
        .collect();
    let page_info = &connection.page_info;
    write_connection(
        out,
        fields,
        "MechanismStep",
        &edges,
        page_info,
        Some(total as u64),
        write_citing,
    )
}

/// A citing step, with its mechanism and that mechanism's claim as the walk read them.
fn write_citing(
    out: &mut Vec<u8>,
    fields: &[Selected<StepField>],
    (citing, claim): (&CitingStep, &Option<ClaimRows<'_>>),
) -> Written {
    let around = StepAround::Mechanism(citing.mechanism.as_ref(), claim.as_ref());
    write_step(out, fields, &citing.step, around)
}
