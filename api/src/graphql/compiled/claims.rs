//! `claims(...)`, compiled: a page of the claim list, each claim written as a claim page writes it.
//!
//! The page is read as the `claims` resolver reads it ([`ClaimList`]): its arguments checked the
//! same way, the claims by one keyset statement, then one joined statement per branch the claims'
//! selection reaches, for the whole page ([`Plan::fetch`]), and the count when `totalCount` is asked.

use async_graphql::Variables;
use async_graphql::parser::types::{Field, SelectionSet};

use super::claim::{ClaimRows, fits};
use super::fields::{ClaimField, PageArgsAsWritten, PageInfoField};
use super::write::{Written, list, object, write_page_info};
use super::{Answered, Arg, Compiler, Selected};
use crate::error::ApiResult;
use crate::graphql::connection::Total;
use crate::graphql::json::write_str;
use crate::graphql::list_args::ClaimList;
use crate::graphql::prefetch::{Fetched, Plan, Selects};
use crate::store::Store;
use crate::store::statements::ClaimKeys;

/// `claims(...)`, compiled: its arguments as written, the plan of statements the claims'
/// selection needs, and the selection.
#[derive(Debug)]
pub(super) struct ClaimsRoot {
    args: ListArgs,
    plan: Plan,
    fields: Vec<Selected<ListField>>,
}

/// `claims`' arguments, each as written.
#[derive(Debug, Default)]
struct ListArgs {
    page: PageArgsAsWritten,
    filter: Option<Arg>,
    order_by: Option<Arg>,
}

/// A field of `ClaimConnection`.
#[derive(Debug)]
enum ListField {
    Typename,
    Edges(Vec<Selected<EdgeField>>),
    Nodes(Vec<Selected<ClaimField>>),
    PageInfo(Vec<Selected<PageInfoField>>),
    TotalCount,
}

/// A field of `ClaimEdge`.
#[derive(Debug)]
enum EdgeField {
    Typename,
    Cursor,
    Node(Vec<Selected<ClaimField>>),
}

impl ClaimsRoot {
    pub fn compile<'d>(compiler: &Compiler<'d>, root: &'d Field) -> Option<ClaimsRoot> {
        let mut args = ListArgs::default();
        for (name, value) in &root.arguments {
            let slot = match name.node.as_str() {
                "filter" => &mut args.filter,
                "orderBy" => &mut args.order_by,
                name => args.page.slot(name)?,
            };
            *slot = Some(compiler.arg(&value.node)?);
        }
        let look = compiler.look(vec![root]);
        let claims = look.field("edges").field("node").and(look.field("nodes"));
        Some(ClaimsRoot {
            args,
            plan: Plan::of(&claims),
            fields: compiler.claim_list(&root.selection_set.node)?,
        })
    }

    /// The list's arguments in a request with `variables`, checked as the resolver checks them;
    /// `None` when they do not fit (the executor then answers, with its error).
    fn list(&self, variables: &Variables) -> Option<ClaimList> {
        let args = &self.args;
        let page = args.page.as_given(variables)?;
        let filter = Arg::parse(args.filter.as_ref(), variables).ok()?;
        let order_by = Arg::parse(args.order_by.as_ref(), variables).ok()?;
        ClaimList::checked(page, filter, order_by).ok()
    }

    /// The claims' selections (under `edges.node` and under `nodes`).
    fn claims(&self) -> impl Iterator<Item = &[Selected<ClaimField>]> {
        self.fields
            .iter()
            .flat_map(|selected| -> Vec<&[Selected<ClaimField>]> {
                match &selected.field {
                    ListField::Edges(edge) => edge
                        .iter()
                        .filter_map(|selected| match &selected.field {
                            EdgeField::Node(claim) => Some(claim.as_slice()),
                            _ => None,
                        })
                        .collect(),
                    ListField::Nodes(claim) => vec![claim.as_slice()],
                    _ => Vec::new(),
                }
            })
    }

    pub async fn answer(&self, db: &Store, variables: &Variables, out: &mut Vec<u8>) -> ApiResult<Answered> {
        let Some(claims) = self.list(variables) else {
            return Ok(Answered::Executor);
        };
        if !self.claims().all(|claim| fits(claim, variables)) {
            return Ok(Answered::Executor);
        }
        let page = claims.read(db).await?;
        let ids: Vec<i32> = page.rows.iter().map(|row| row.id).collect();
        let fetched = if ids.is_empty() {
            Fetched::default()
        } else {
            self.plan.fetch(db, ClaimKeys::Ids(&ids)).await?
        };
        let connection = claims.connection(page, |claim| claim);
        let counted = self
            .fields
            .iter()
            .any(|selected| matches!(selected.field, ListField::TotalCount));
        let total = match (&connection.total, counted) {
            (Total::Counted(count), true) => Some(db.count(count).await?),
            (Total::Known(total), true) => Some(*total as u64),
            (_, false) => None,
        };
        let rows = ClaimRows::of_list(
            connection.edges.iter().map(|edge| &edge.node),
            &fetched,
            variables,
        );
        let written = object(out, &self.fields, |out, field| {
            match field {
                ListField::Typename => write_str(out, "ClaimConnection"),
                ListField::Edges(fields) => {
                    let edges: Vec<_> = connection.edges.iter().zip(&rows).collect();
                    return list(out, &edges, |out, (edge, claim)| {
                        object(out, fields, |out, field| {
                            match field {
                                EdgeField::Typename => write_str(out, "ClaimEdge"),
                                EdgeField::Cursor => write_str(out, &edge.cursor),
                                EdgeField::Node(fields) => return claim.write_claim(out, fields, &self.plan),
                            }
                            Some(())
                        })
                    });
                }
                ListField::Nodes(fields) => {
                    return list(out, &rows, |out, claim| {
                        claim.write_claim(out, fields, &self.plan)
                    });
                }
                ListField::PageInfo(fields) => write_page_info(out, fields, &connection.page_info)?,
                ListField::TotalCount => {
                    out.extend_from_slice(itoa::Buffer::new().format(total?).as_bytes());
                }
            }
            Some(())
        });
        Ok(answered(written))
    }
}

/// What a writer's result means for the answer.
fn answered(written: Written) -> Answered {
    match written {
        Some(()) => Answered::Written,
        None => Answered::Executor,
    }
}

impl<'d> Compiler<'d> {
    fn claim_list(&self, set: &'d SelectionSet) -> Option<Vec<Selected<ListField>>> {
        self.object(set, "ClaimConnection", &[], |name, field| {
            let set = &field.selection_set.node;
            Some(match name {
                "__typename" => ListField::Typename,
                "edges" => ListField::Edges(self.object(set, "ClaimEdge", &[], |name, field| {
                    Some(match name {
                        "__typename" => EdgeField::Typename,
                        "cursor" => EdgeField::Cursor,
                        "node" => EdgeField::Node(self.claim(&field.selection_set.node, false)?),
                        _ => return None,
                    })
                })?),
                "nodes" => ListField::Nodes(self.claim(set, false)?),
                "pageInfo" => ListField::PageInfo(self.page_info(set)?),
                "totalCount" => ListField::TotalCount,
                _ => return None,
            })
        })
    }
}
