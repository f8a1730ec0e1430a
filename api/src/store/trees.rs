//! A claim's subtrees (its mechanisms down to steps, citations and studies; its evidence with
//! studies and DOIs; the studies its steps cite) as one statement each, and a whole claim page as
//! one statement: several relations of a list of claims in one round trip.
//!
//! Each statement below replaces a chain of batched look-ups (mechanisms, then their steps, then
//! the steps' citations, then the cited studies), which would cost one statement and one round
//! trip per level. Every level is keyed by the claims, so the statements do not wait on one
//! another, and their text depends only on how many claims are asked for: a single-claim page
//! always sends the same few statements, which stay prepared on their connection.

use std::collections::BTreeMap;

use entity::{citation, claim, doi, evidence, mechanism, mechanism_step, study};
use sea_orm::{
    ColumnTrait, DbBackend, DbErr, EntityTrait, IdenStatic, Iterable, JoinType, QueryFilter, QueryOrder,
    QuerySelect, QueryTrait, RelationTrait, Select, Value,
};

use crate::store::Store;
use crate::store::rows::{
    DOI, EVIDENCE, EVIDENCE_DOI, EVIDENCE_STUDY, MECHANISM, Row, STEP, STUDY, columns_of, decode,
    decode_joined, width,
};
use crate::store::statements::{ClaimKeys, Shape, query_rows, query_sql_rows};

/// How far below the mechanisms one [`load_mechanism_trees`] statement reaches.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum MechanismDepth {
    Mechanisms,
    Steps,
    /// Steps and the DOIs they cite.
    Citations,
    /// Steps, the DOIs they cite and the studies those DOIs identify.
    Studies,
}

/// A mechanism with its steps, each with the DOIs it cites in order (as deep as the statement went).
#[derive(Debug)]
pub struct MechanismTree {
    pub mechanism: mechanism::Model,
    pub steps: Vec<(mechanism_step::Model, Vec<doi::Model>)>,
}

/// What [`load_mechanism_trees`] read: the mechanisms in page order, and at
/// [`MechanismDepth::Studies`] the study of every cited DOI (`None` for a DOI without one).
#[derive(Debug, Default)]
pub struct MechanismTrees {
    pub mechanisms: Vec<MechanismTree>,
    pub studies_by_doi: BTreeMap<i32, Option<study::Model>>,
}

/// Where the columns of a mechanisms row start: the mechanism's at `at`, then (as deep as the
/// statement reaches) its step's, the cited DOI's and that DOI's study's.
#[derive(Clone, Copy)]
struct TreeColumns {
    depth: MechanismDepth,
    mechanism: usize,
    step: usize,
    doi: usize,
    study: usize,
}

impl TreeColumns {
    fn at(at: usize, depth: MechanismDepth) -> TreeColumns {
        let step = at + width::<mechanism::Entity>();
        let doi = step + width::<mechanism_step::Entity>();
        let study = doi + width::<doi::Entity>();
        TreeColumns {
            depth,
            mechanism: at,
            step,
            doi,
            study,
        }
    }

    /// How many columns [`TreeColumns::select`] adds.
    fn width(self) -> usize {
        use MechanismDepth::{Citations, Steps, Studies};
        match self.depth {
            MechanismDepth::Mechanisms => self.step,
            Steps => self.doi,
            Citations => self.study,
            Studies => self.study + width::<study::Entity>(),
        }
        .saturating_sub(self.mechanism)
    }

    /// The names [`TreeColumns::select`] gives its columns, in order.
    fn names(self) -> Vec<String> {
        fn of<E: EntityTrait>(prefix: &str, names: &mut Vec<String>) {
            names.extend(E::Column::iter().map(|c| format!("{prefix}{}", c.as_str())));
        }
        let mut names = Vec::new();
        of::<mechanism::Entity>(MECHANISM, &mut names);
        if self.depth >= MechanismDepth::Steps {
            of::<mechanism_step::Entity>(STEP, &mut names);
        }
        if self.depth >= MechanismDepth::Citations {
            of::<doi::Entity>(DOI, &mut names);
        }
        if self.depth >= MechanismDepth::Studies {
            of::<study::Entity>(STUDY, &mut names);
        }
        names
    }

    /// Adds the columns, and the LEFT JOINs they come from, to a statement on mechanisms.
    fn select(self, mut select: Select<mechanism::Entity>) -> Select<mechanism::Entity> {
        use MechanismDepth::{Citations, Steps, Studies};
        let depth = self.depth;
        select = columns_of::<mechanism::Entity, _>(select, MECHANISM);
        if depth >= Steps {
            select = columns_of::<mechanism_step::Entity, _>(select, STEP)
                .join(JoinType::LeftJoin, mechanism::Relation::MechanismStep.def());
        }
        if depth >= Citations {
            select = columns_of::<doi::Entity, _>(select, DOI)
                .join(JoinType::LeftJoin, mechanism_step::Relation::Citation.def())
                .join(JoinType::LeftJoin, citation::Relation::Doi.def());
        }
        if depth >= Studies {
            select = columns_of::<study::Entity, _>(select, STUDY)
                .join(JoinType::LeftJoin, doi::Relation::Study.def());
        }
        select
    }

    /// Adds one row, read in page order (a mechanism's rows are consecutive, and so are a step's),
    /// to `trees`. A mechanism comes back on as many rows as it has citations, and a study on every
    /// row that cites its DOI: each is decoded once, at its first row.
    fn read(self, trees: &mut MechanismTrees, row: Row<'_>) -> Result<(), DbErr> {
        use MechanismDepth::{Citations, Steps, Studies};
        let depth = self.depth;
        let mechanism_id: i32 = row.get(self.mechanism)?;
        if trees
            .mechanisms
            .last()
            .is_none_or(|m| m.mechanism.id != mechanism_id)
        {
            trees.mechanisms.push(MechanismTree {
                mechanism: decode(row, self.mechanism, MECHANISM)?,
                steps: Vec::new(),
            });
        }
        let Some(tree) = trees.mechanisms.last_mut() else {
            return Ok(());
        };
        if depth < Steps {
            return Ok(());
        }
        let Some(step_id) = row.get::<Option<i32>>(self.step)? else {
            return Ok(());
        };
        if tree.steps.last().is_none_or(|(s, _)| s.id != step_id) {
            tree.steps.push((decode(row, self.step, STEP)?, Vec::new()));
        }
        if depth < Citations {
            return Ok(());
        }
        let Some(doi) = decode_joined::<doi::Model>(row, self.doi, DOI)? else {
            return Ok(());
        };
        if depth >= Studies && !trees.studies_by_doi.contains_key(&doi.id) {
            trees
                .studies_by_doi
                .insert(doi.id, decode_joined(row, self.study, STUDY)?);
        }
        if let Some((_, dois)) = tree.steps.last_mut() {
            dois.push(doi);
        }
        Ok(())
    }
}

/// The mechanisms of `claims` down to `depth`, as one statement of LEFT JOINs, in page order:
/// by claim, mechanism rank, step position and citation position.
pub async fn load_mechanism_trees(
    store: &Store,
    claims: ClaimKeys<'_>,
    depth: MechanismDepth,
) -> Result<MechanismTrees, DbErr> {
    let columns = TreeColumns::at(0, depth);
    let build = || {
        let mut select = columns
            .select(mechanism::Entity::find().select_only())
            .filter(claims.condition(mechanism::Column::ClaimId))
            .order_by_asc(mechanism::Column::ClaimId)
            .order_by_asc(mechanism::Column::Rank);
        if depth >= MechanismDepth::Steps {
            select = select.order_by_asc(mechanism_step::Column::Position);
        }
        if depth >= MechanismDepth::Citations {
            select = select.order_by_asc(citation::Column::Position);
        }
        select
    };
    let mut trees = MechanismTrees::default();
    let shape = Shape::Mechanisms(depth, claims.keyed());
    query_rows(store, shape, claims.values(), build, |row| {
        columns.read(&mut trees, row)
    })
    .await?;
    Ok(trees)
}

/// One row of [`load_evidence_trees`]: an evidence row, with its study and the study's DOI when asked
/// for (the DOI is `None` for a study without one).
#[derive(Debug)]
pub struct EvidenceTreeRow {
    pub evidence: evidence::Model,
    pub study: Option<study::Model>,
    pub doi: Option<doi::Model>,
}

/// Where the columns of an evidence row start: the evidence's at `evidence`, then, when the
/// statement reads them, its study's and the study's DOI's, each with the prefix of its aliases.
#[derive(Clone, Copy)]
struct EvidenceColumns {
    evidence: usize,
    study: Option<(usize, &'static str)>,
    doi: Option<(usize, &'static str)>,
}

impl EvidenceColumns {
    /// From `at`: the evidence, its study when `with_study`, the study's DOI when also `with_doi`,
    /// aliased with `prefixes` (study, DOI).
    fn at(at: usize, with_study: bool, with_doi: bool, prefixes: (&'static str, &'static str)) -> Self {
        let study_at = at + width::<evidence::Entity>();
        let doi_at = study_at + width::<study::Entity>();
        EvidenceColumns {
            evidence: at,
            study: with_study.then_some((study_at, prefixes.0)),
            doi: (with_study && with_doi).then_some((doi_at, prefixes.1)),
        }
    }

    /// Where the next table's columns would start.
    fn end(self) -> usize {
        match (self.study, self.doi) {
            (_, Some((at, _))) => at + width::<doi::Entity>(),
            (Some((at, _)), None) => at + width::<study::Entity>(),
            (None, None) => self.evidence + width::<evidence::Entity>(),
        }
    }

    /// Adds the study's and the DOI's columns, when read, and their joins (the study's with `join`:
    /// INNER from evidence, LEFT when the evidence itself is LEFT JOINed) to a statement that
    /// already selects the evidence's.
    fn select_below<E: EntityTrait>(self, mut select: Select<E>, join: JoinType) -> Select<E> {
        if let Some((_, prefix)) = self.study {
            select =
                columns_of::<study::Entity, _>(select, prefix).join(join, evidence::Relation::Study.def());
        }
        if let Some((_, prefix)) = self.doi {
            select = columns_of::<doi::Entity, _>(select, prefix)
                .join(JoinType::LeftJoin, study::Relation::Doi.def());
        }
        select
    }

    /// The evidence row in `row`: `None` when a LEFT JOIN found no evidence. Its study is there
    /// whenever the evidence is (a foreign key); its DOI may not be.
    fn read(self, row: Row<'_>) -> Result<Option<EvidenceTreeRow>, DbErr> {
        let Some(evidence) = decode_joined(row, self.evidence, EVIDENCE)? else {
            return Ok(None);
        };
        Ok(Some(EvidenceTreeRow {
            evidence,
            study: self
                .study
                .map(|(at, prefix)| decode(row, at, prefix))
                .transpose()?,
            doi: match self.doi {
                Some((at, prefix)) => decode_joined(row, at, prefix)?,
                None => None,
            },
        }))
    }
}

/// The evidence rows of `claims`, oldest first per claim, with their studies (`with_study`) and the
/// studies' DOIs (`with_doi`), as one statement.
pub async fn load_evidence_trees(
    store: &Store,
    claims: ClaimKeys<'_>,
    with_study: bool,
    with_doi: bool,
) -> Result<Vec<EvidenceTreeRow>, DbErr> {
    let with_doi = with_study && with_doi;
    let shape = Shape::Evidence {
        with_study,
        with_doi,
        keyed: claims.keyed(),
    };
    let columns = EvidenceColumns::at(0, with_study, with_doi, (STUDY, DOI));
    let build = || {
        let select = columns_of::<evidence::Entity, _>(evidence::Entity::find().select_only(), EVIDENCE);
        columns
            .select_below(select, JoinType::InnerJoin)
            .filter(claims.condition(evidence::Column::ClaimId))
            .order_by_asc(evidence::Column::ClaimId)
            .order_by_asc(evidence::Column::Id)
    };
    let mut rows = Vec::new();
    query_rows(store, shape, claims.values(), build, |row| {
        rows.extend(columns.read(row)?);
        Ok(())
    })
    .await?;
    Ok(rows)
}

/// What [`claim_page_by_slug`] read: the claim, and each branch it was asked for, whole.
#[derive(Debug)]
pub struct ClaimPage {
    pub claim: claim::Model,
    /// As [`load_evidence_trees`] reads them, when asked for.
    pub evidence: Option<Vec<EvidenceTreeRow>>,
    /// As [`load_mechanism_trees`] reads them, when asked for.
    pub mechanisms: Option<MechanismTrees>,
}

/// The claim with `slug`, with its evidence (`evidence`: with studies, with their DOIs) and its
/// mechanisms down to `depth` when asked for, as ONE statement: a claim page is one round trip,
/// one statement for the database to run, and one snapshot, so that an empty branch is known to
/// be the claim's own.
///
/// The statement is a UNION ALL of two SELECTs with the same columns: the claim LEFT JOINed to its
/// evidence (`k` = 0, the mechanisms' columns NULL), and its mechanisms as [`load_mechanism_trees`]
/// reads them (`k` = 1, the claim's and evidence's columns NULL, keyed by the same slug). Its rows
/// come in page order: the claim's, by evidence id, then the mechanisms', by rank, step position
/// and citation position.
pub async fn claim_page_by_slug(
    store: &Store,
    slug: &str,
    evidence: Option<(bool, bool)>,
    depth: Option<MechanismDepth>,
) -> Result<Option<ClaimPage>, DbErr> {
    use sea_orm::sea_query::Expr;
    let evidence = evidence.map(|(with_study, with_doi)| (with_study, with_study && with_doi));
    let shape = Shape::ClaimPage { evidence, depth };
    // Column 0 is `k`; the claim's columns follow, then the evidence's, then the mechanisms'.
    let evidence_at = 1 + width::<claim::Entity>();
    let (with_study, with_doi) = evidence.unwrap_or_default();
    let evidence_columns =
        EvidenceColumns::at(evidence_at, with_study, with_doi, (EVIDENCE_STUDY, EVIDENCE_DOI));
    let claim_end = match evidence {
        Some(_) => evidence_columns.end(),
        None => evidence_at,
    };
    let tree = depth.map(|depth| TreeColumns::at(claim_end, depth));
    // The citation's position closes a mechanisms row, for the order.
    let cites = depth.is_some_and(|d| d >= MechanismDepth::Citations);
    let tree_end = claim_end + tree.map_or(0, |t| t.width()) + usize::from(cites);
    let build = |backend: DbBackend| {
        let mut claims = claim::Entity::find().select_only().expr_as(Expr::cust("0"), "k");
        claims = columns_of::<claim::Entity, _>(claims, "");
        if evidence.is_some() {
            claims = columns_of::<evidence::Entity, _>(claims, EVIDENCE)
                .join(JoinType::LeftJoin, claim::Relation::Evidence.def());
            // Every evidence row has its study (a foreign key): LEFT only for a claim without any.
            claims = evidence_columns.select_below(claims, JoinType::LeftJoin);
        }
        // The mechanisms' columns, NULL here, under their names (the UNION takes this SELECT's).
        for name in tree.map(TreeColumns::names).unwrap_or_default() {
            claims = claims.expr_as(Expr::cust("NULL"), name);
        }
        if cites {
            claims = claims.expr_as(Expr::cust("NULL"), "c_position");
        }
        let claims = claims.filter(claim::Column::Slug.eq(slug)).build(backend).sql;
        let Some(tree) = tree else {
            return match evidence {
                Some(_) => format!("{claims} ORDER BY {}", evidence_at + 1),
                None => claims,
            };
        };
        let mut mechanisms = mechanism::Entity::find().select_only().expr(Expr::cust("1"));
        for _ in 1..claim_end {
            mechanisms = mechanisms.expr(Expr::cust("NULL"));
        }
        mechanisms = tree.select(mechanisms);
        if cites {
            mechanisms = mechanisms.column(citation::Column::Position);
        }
        let mechanisms = mechanisms
            .filter(ClaimKeys::Slug(slug).condition(mechanism::Column::ClaimId))
            .build(backend)
            .sql;
        // Positions (from 1): `k`, the evidence id, then the mechanism's rank, the step's position
        // and the citation's position.
        let mut order = vec![1];
        if evidence.is_some() {
            order.push(evidence_at + 1);
        }
        order.push(tree.mechanism + 3);
        if tree.depth >= MechanismDepth::Steps {
            order.push(tree.step + 3);
        }
        if cites {
            order.push(tree_end);
        }
        let order: Vec<String> = order.iter().map(ToString::to_string).collect();
        format!("{claims} UNION ALL {mechanisms} ORDER BY {}", order.join(", "))
    };
    // PostgreSQL numbers its parameters, and both SELECTs name `$1`; SQLite's are positional.
    let backend = store.backend();
    let values = match (tree.is_some(), backend) {
        (true, DbBackend::Postgres) | (false, _) => vec![Value::from(slug)],
        (true, _) => vec![Value::from(slug), Value::from(slug)],
    };
    let mut page: Option<ClaimPage> = None;
    let mut trees = MechanismTrees::default();
    query_sql_rows(store, shape, values, build, |row| {
        if row.get::<i32>(0)? == 1 {
            return match tree {
                Some(tree) => tree.read(&mut trees, row),
                None => Ok(()),
            };
        }
        let page = match &mut page {
            Some(page) => page,
            None => page.insert(ClaimPage {
                claim: decode(row, 1, "")?,
                evidence: evidence.map(|_| Vec::new()),
                mechanisms: None,
            }),
        };
        if let Some(rows) = &mut page.evidence {
            rows.extend(evidence_columns.read(row)?);
        }
        Ok(())
    })
    .await?;
    Ok(page.map(|page| ClaimPage {
        mechanisms: depth.map(|_| trees),
        ..page
    }))
}

/// The distinct studies cited by each claim's mechanism steps (through their DOIs), as
/// `(claim id, study)` by claim and study id, in one statement: what [`StudiesCitedByClaim`] and
/// [`StudyById`] would load in two.
pub async fn load_studies_cited_by_claims(
    store: &Store,
    claims: ClaimKeys<'_>,
) -> Result<Vec<(i32, study::Model)>, DbErr> {
    let build = || {
        columns_of::<study::Entity, _>(
            study::Entity::find()
                .select_only()
                .column_as(mechanism::Column::ClaimId, "claim_id"),
            STUDY,
        )
        .distinct()
        .join(JoinType::InnerJoin, study::Relation::Doi.def())
        .join(JoinType::InnerJoin, doi::Relation::Citation.def())
        .join(JoinType::InnerJoin, citation::Relation::MechanismStep.def())
        .join(JoinType::InnerJoin, mechanism_step::Relation::Mechanism.def())
        .filter(claims.condition(mechanism::Column::ClaimId))
        .order_by_asc(mechanism::Column::ClaimId)
        .order_by_asc(study::Column::Id)
    };
    let mut rows = Vec::new();
    query_rows(
        store,
        Shape::StudiesCited(claims.keyed()),
        claims.values(),
        build,
        |row| {
            rows.push((row.get::<i32>(0)?, decode(row, 1, STUDY)?));
            Ok(())
        },
    )
    .await?;
    Ok(rows)
}
