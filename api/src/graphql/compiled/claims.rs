//! `claims(...)`, compiled: a page of the claim list, each claim written as a claim page writes it.
//!
//! The page is read as the `claims` resolver reads it ([`ClaimList`]): its arguments checked the
//! same way, the claims by one keyset statement, then one joined statement per branch the claims'
//! selection reaches, for the whole page ([`Plan::fetch`]), and the count when `totalCount` is asked.

use async_graphql::Variables;
use async_graphql::parser::types::Field;

use super::claim::{ClaimRows, fits};
use super::fields::{ClaimField, ConnectionField, PageArgsAsWritten, asks_total, node_selections};
use super::write::write_connection;
use super::{Answered, Arg, Compiler, Selected};
use crate::error::ApiResult;
use crate::graphql::connection::Total;
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
    fields: Vec<Selected<ConnectionField<ClaimField>>>,
}

/// `claims`' arguments, each as written.
#[derive(Debug, Default)]
struct ListArgs {
    page: PageArgsAsWritten,
    filter: Option<Arg>,
    order_by: Option<Arg>,
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
            fields: compiler.connection(&root.selection_set.node, "Claim", |set| {
                compiler.claim(set, false)
            })?,
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

    pub async fn answer(&self, db: &Store, variables: &Variables, out: &mut Vec<u8>) -> ApiResult<Answered> {
        let Some(claims) = self.list(variables) else {
            return Ok(Answered::Executor);
        };
        if !node_selections(&self.fields).all(|claim| fits(claim, variables)) {
            return Ok(Answered::Executor);
        }
        let page = claims.read(db).await?;
        let ids: Vec<i32> = page.page.rows.iter().map(|row| row.id).collect();
        let fetched = if ids.is_empty() {
            Fetched::default()
        } else {
            self.plan.fetch(db, ClaimKeys::Ids(&ids)).await?
        };
        let connection = claims.connection(page, |claim| claim);
        let total = match (&connection.total, asks_total(&self.fields)) {
            (Total::Counted(count), true) => Some(db.count(count).await?),
            (Total::Known(total), true) => Some(*total as u64),
            (_, false) => None,
        };
        let rows = ClaimRows::of_list(
            connection.edges.iter().map(|edge| &edge.node),
            &fetched,
            variables,
        );
        let edges: Vec<(&str, &ClaimRows<'_>)> = connection
            .edges
            .iter()
            .zip(&rows)
            .map(|(edge, claim)| (edge.cursor.as_str(), claim))
            .collect();
        let page_info = &connection.page_info;
        let written = write_connection(
            out,
            &self.fields,
            "Claim",
            &edges,
            page_info,
            total,
            |out, fields, claim| claim.write_claim(out, fields, &self.plan),
        );
        Ok(written.into())
    }
}
