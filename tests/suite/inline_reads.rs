//! The store's reads run on connections beside SeaORM's pool (api/src/store/reads): inline on a
//! SQLite file, on a small pool of their own on PostgreSQL. They must read exactly what SeaORM
//! reads, see every committed write, and never write; and every read of a page must run there.

use std::fmt::Debug;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use api::domain::visibility::Viewer;
use api::store::lists::{
    ClaimFilter, ClaimSeek, ClaimSort, Count, Direction, SortValue, StudyFilter, Window, YearRange,
};
use api::store::reads::postgres::PgReads;
use api::store::reads::sqlite::SqliteReads;
use api::store::reads::{Reads, StatementObserver};
use api::store::statements::ClaimKeys;
use api::store::trees::{
    MechanismDepth, claim_page_by_slug, load_evidence_trees, load_mechanism_trees,
    load_studies_cited_by_claims,
};
use api::store::{Store, lists};
use entity::values::{ContributionStatus, Role, StudyDesign, Support};
use entity::{claim, contribution, doi, event, evidence, mechanism, mechanism_step, study, user};
use sea_orm::{ActiveModelTrait, ActiveValue, ColumnTrait, Condition, EntityTrait, QueryOrder, Value};
use seeds::generate::{GenerateOptions, generate};
use serde_json::json;
use tests::{SEED_SLUG, TestApp};

/// The claim with `slug`, alone: a claim page's statement with no branch.
async fn claim_by_slug(db: &Store, slug: &str) -> Result<Option<claim::Model>, sea_orm::DbErr> {
    Ok(claim_page_by_slug(db, slug, None, None)
        .await?
        .map(|page| page.claim))
}

/// The seed claim and 20 generated ones, and the reads beside the app's pool.
async fn app_and_reads() -> (TestApp, Arc<Reads>) {
    let app = TestApp::seeded().await;
    generate(&app.db, &GenerateOptions::new(20, 7))
        .await
        .expect("generating");
    let reads = Reads::for_database(&app.db).expect("reads on a SQLite file and on PostgreSQL");
    (app, Arc::new(reads))
}

#[tokio::test]
async fn reads_beside_the_pool_decode_what_seaorm_decodes() {
    let (app, reads) = app_and_reads().await;
    let beside = Store::new(app.db.clone(), Some(reads));
    let seaorm = Store::new(app.db.clone(), None);
    let claims: Vec<claim::Model> = claim::Entity::find()
        .order_by_asc(claim::Column::Id)
        .all(&app.db)
        .await
        .expect("claims");
    assert_eq!(claims.len(), 21);
    let ids: Vec<i32> = claims.iter().map(|c| c.id).collect();
    // One claim, all of them at once (the list page's statements), and one claim by its slug (the
    // claim page's statements).
    for keys in [
        ClaimKeys::Ids(&ids[..1]),
        ClaimKeys::Ids(&ids[..]),
        ClaimKeys::Slug(&claims[0].slug),
    ] {
        for depth in [
            MechanismDepth::Mechanisms,
            MechanismDepth::Steps,
            MechanismDepth::Citations,
            MechanismDepth::Studies,
        ] {
            let a = load_mechanism_trees(&beside, keys, depth).await.expect("beside");
            let b = load_mechanism_trees(&seaorm, keys, depth).await.expect("SeaORM");
            assert!(!a.mechanisms.is_empty());
            assert_eq!(format!("{a:?}"), format!("{b:?}"), "{depth:?}");
        }
        for (with_study, with_doi) in [(false, false), (true, false), (true, true)] {
            let a = load_evidence_trees(&beside, keys, with_study, with_doi)
                .await
                .expect("beside");
            let b = load_evidence_trees(&seaorm, keys, with_study, with_doi)
                .await
                .expect("SeaORM");
            assert!(!a.is_empty());
            assert_eq!(format!("{a:?}"), format!("{b:?}"));
        }
        let a = load_studies_cited_by_claims(&beside, keys).await.expect("beside");
        let b = load_studies_cited_by_claims(&seaorm, keys).await.expect("SeaORM");
        assert!(!a.is_empty());
        assert_eq!(format!("{a:?}"), format!("{b:?}"));
    }
    // By slug, a claim's statements read what they read by its id.
    let (by_id, by_slug) = (ClaimKeys::Ids(&ids[..1]), ClaimKeys::Slug(&claims[0].slug));
    let depth = MechanismDepth::Studies;
    assert_eq!(
        format!(
            "{:?}",
            load_mechanism_trees(&beside, by_id, depth).await.expect("by id")
        ),
        format!(
            "{:?}",
            load_mechanism_trees(&beside, by_slug, depth)
                .await
                .expect("by slug")
        )
    );
    assert_eq!(
        format!(
            "{:?}",
            load_evidence_trees(&beside, by_id, true, true)
                .await
                .expect("by id")
        ),
        format!(
            "{:?}",
            load_evidence_trees(&beside, by_slug, true, true)
                .await
                .expect("by slug")
        )
    );
    assert_eq!(
        format!(
            "{:?}",
            load_studies_cited_by_claims(&beside, by_id).await.expect("by id")
        ),
        format!(
            "{:?}",
            load_studies_cited_by_claims(&beside, by_slug)
                .await
                .expect("by slug")
        )
    );
    // Every claim's own row, the seed claim's effect direction and times included.
    for claim in &claims {
        let found = claim_by_slug(&beside, &claim.slug).await.expect("beside");
        assert_eq!(found.as_ref(), Some(claim));
    }
    assert_eq!(
        claim_by_slug(&beside, "no-such-claim").await.expect("beside"),
        None
    );
    // A claim page's one statement: the claim with each branch asked for, as the statements by id
    // read them, beside the pool and through SeaORM alike.
    let depths = [
        None,
        Some(MechanismDepth::Mechanisms),
        Some(MechanismDepth::Steps),
        Some(MechanismDepth::Citations),
        Some(MechanismDepth::Studies),
    ];
    let evidences = [
        None,
        Some((false, false)),
        Some((true, false)),
        Some((true, true)),
    ];
    for claim in &claims[..4] {
        let keys = ClaimKeys::Ids(std::slice::from_ref(&claim.id));
        for depth in depths {
            for evidence in evidences {
                let a = claim_page_by_slug(&beside, &claim.slug, evidence, depth)
                    .await
                    .expect("beside");
                let b = claim_page_by_slug(&seaorm, &claim.slug, evidence, depth)
                    .await
                    .expect("SeaORM");
                assert_eq!(format!("{a:?}"), format!("{b:?}"), "{evidence:?} {depth:?}");
                let page = a.expect("the claim");
                assert_eq!(&page.claim, claim);
                let apart = match evidence {
                    Some((with_study, with_doi)) => Some(
                        load_evidence_trees(&beside, keys, with_study, with_doi)
                            .await
                            .expect("its evidence"),
                    ),
                    None => None,
                };
                assert!(apart.as_ref().is_none_or(|rows| !rows.is_empty()));
                assert_eq!(format!("{:?}", page.evidence), format!("{apart:?}"));
                let apart = match depth {
                    Some(depth) => Some(
                        load_mechanism_trees(&beside, keys, depth)
                            .await
                            .expect("its mechanisms"),
                    ),
                    None => None,
                };
                assert!(apart.as_ref().is_none_or(|trees| !trees.mechanisms.is_empty()));
                assert_eq!(format!("{:?}", page.mechanisms), format!("{apart:?}"));
            }
        }
    }
    for db in [&beside, &seaorm] {
        let none = claim_page_by_slug(db, "no-such-claim", Some((true, true)), depths[4])
            .await
            .expect("no claim");
        assert!(none.is_none());
    }
}

#[tokio::test]
async fn reads_beside_the_pool_see_each_committed_write_and_refuse_to_write() {
    let (app, reads) = app_and_reads().await;
    let beside = Store::new(app.db.clone(), Some(reads));
    let before = claim_by_slug(&beside, SEED_SLUG)
        .await
        .expect("read")
        .expect("the seed claim");
    // A write through SeaORM after the connections were opened and their statements prepared.
    claim::ActiveModel {
        id: ActiveValue::Unchanged(before.id),
        outcome: ActiveValue::Set("muscle cross-sectional area".to_owned()),
        ..Default::default()
    }
    .update(&app.db)
    .await
    .expect("updating");
    let after = claim_by_slug(&beside, SEED_SLUG)
        .await
        .expect("read")
        .expect("the seed claim");
    assert_eq!(after.outcome, "muscle cross-sectional area");

    // The connections refuse writes, and bind only the store's types (ids, texts, times, floats),
    // not, say, a 32-bit float.
    let (refused, bound) = if TestApp::is_postgres() {
        let reads = PgReads::for_database(&app.db);
        (
            reads.query("DELETE FROM evidence".into(), vec![]).await.map(drop),
            reads
                .query("SELECT $1".into(), vec![Value::Float(Some(1.5))])
                .await
                .map(drop),
        )
    } else {
        let reads = SqliteReads::for_database(&app.db).expect("a SQLite file");
        (
            reads.query("DELETE FROM evidence", &[], |_| Ok(())),
            reads.query("SELECT ?", &[Value::Float(Some(1.5))], |_| Ok(())),
        )
    };
    let message = refused.expect_err("a write on a read connection").to_string();
    assert!(
        message.contains("readonly") || message.contains("read-only"),
        "{message}"
    );
    assert!(bound.is_err(), "only the store's types are bound");
    let evidence = entity::evidence::Entity::find()
        .all(&app.db)
        .await
        .expect("evidence");
    assert!(!evidence.is_empty(), "nothing was deleted");
}

#[tokio::test]
async fn an_in_memory_database_reads_through_seaorm() {
    let db = api::db::connect("sqlite::memory:", None)
        .await
        .expect("in memory");
    assert!(Reads::for_database(&db).is_none());
}

/// A moderator's direct edit of the seed claim and a contributor's pending submission: events with
/// actors, one of them hidden from anonymous callers, and a contribution.
async fn write_history(app: &TestApp) {
    let moderator = app.token("morgan", Role::Moderator).await;
    let contributor = app.token("casey", Role::Contributor).await;
    let claim = app
        .data(
            "query($slug: String!) { claim(slug: $slug) { id version } }",
            json!({ "slug": SEED_SLUG }),
        )
        .await["claim"]
        .clone();
    let updated = app
        .data_as(
            &moderator,
            "mutation($id: ID!, $version: Int!) { claimUpdate(input: { id: $id, version: $version, \
             synthesis: \"Edited by a moderator.\" }) { userErrors { code } } }",
            json!({ "id": claim["id"], "version": claim["version"] }),
        )
        .await;
    assert_eq!(updated["claimUpdate"]["userErrors"], json!([]), "{updated:#}");
    let submitted = app
        .data_as(
            &contributor,
            "mutation($input: EvidenceSubmitInput!) { evidenceSubmit(input: $input) { \
             userErrors { code } } }",
            json!({ "input": {
                "claimId": claim["id"],
                "doi": "10.1000/inline.reads.001",
                "stance": "SUPPORTING",
                "note": "A pending submission.",
                "study": { "title": "A pending study", "journal": "Journal of Examples", "year": 2026,
                           "design": "COHORT_STUDY", "sampleSize": 12 }
            }}),
        )
        .await;
    assert_eq!(
        submitted["evidenceSubmit"]["userErrors"],
        json!([]),
        "{submitted:#}"
    );
}

/// Asserts that `read` reads the same through `beside` as through `seaorm`, and that on `beside`
/// it ran exactly one statement, on the read connections (`observed` counts them).
async fn same<T, F>(
    what: &str,
    observed: &AtomicUsize,
    beside: &Store,
    seaorm: &Store,
    read: impl Fn(Store) -> F,
) where
    T: Debug,
    F: Future<Output = Result<T, sea_orm::DbErr>>,
{
    let before = observed.load(Ordering::SeqCst);
    let a = read(beside.clone())
        .await
        .unwrap_or_else(|e| panic!("{what} beside the pool: {e}"));
    assert_eq!(
        observed.load(Ordering::SeqCst) - before,
        1,
        "{what}: one statement on the read connections"
    );
    let b = read(seaorm.clone())
        .await
        .unwrap_or_else(|e| panic!("{what} through SeaORM: {e}"));
    assert_eq!(observed.load(Ordering::SeqCst) - before, 1, "{what}");
    assert_eq!(format!("{a:?}"), format!("{b:?}"), "{what}");
}

#[tokio::test]
async fn lists_counts_and_look_ups_read_beside_the_pool_what_seaorm_reads() {
    let (app, _) = app_and_reads().await;
    write_history(&app).await;
    let observed = Arc::new(AtomicUsize::new(0));
    let counter = observed.clone();
    let observer: StatementObserver = Arc::new(move |_| {
        counter.fetch_add(1, Ordering::SeqCst);
    });
    let reads = Reads::for_database(&app.db).expect("reads").observed(observer);
    let beside = Store::new(app.db.clone(), Some(Arc::new(reads)));
    let seaorm = Store::new(app.db.clone(), None);
    let observed = &*observed;
    let (beside, seaorm) = (&beside, &seaorm);

    let claims = claim::Entity::find()
        .order_by_asc(claim::Column::Id)
        .all(&app.db)
        .await
        .expect("claims");
    let ids: Vec<i32> = claims.iter().map(|c| c.id).collect();
    let events = event::Entity::find().all(&app.db).await.expect("events");
    assert!(events.iter().any(|e| e.actor_id.is_some()), "events with actors");
    let event_ids: Vec<i32> = events.iter().map(|e| e.id).collect();
    let users = user::Entity::find().all(&app.db).await.expect("users");
    let user_ids: Vec<i32> = users.iter().map(|u| u.id).collect();
    let dois = doi::Entity::find().all(&app.db).await.expect("DOIs");
    let doi_ids: Vec<i32> = dois.iter().map(|d| d.id).collect();
    let studies = study::Entity::find().all(&app.db).await.expect("studies");
    let study_ids: Vec<i32> = studies.iter().map(|s| s.id).collect();
    let mechanism_ids: Vec<i32> = mechanism::Entity::find()
        .all(&app.db)
        .await
        .expect("mechanisms")
        .iter()
        .map(|m| m.id)
        .collect();
    let step_ids: Vec<i32> = mechanism_step::Entity::find()
        .all(&app.db)
        .await
        .expect("steps")
        .iter()
        .map(|s| s.id)
        .collect();
    let moderator = users.iter().find(|u| u.name == "morgan").expect("the moderator");
    let contributor = users.iter().find(|u| u.name == "casey").expect("the contributor");
    let viewers = [
        Viewer::ANONYMOUS,
        Viewer::user(contributor.id, Role::Contributor),
        Viewer::user(moderator.id, Role::Moderator),
    ];

    // Pages from either end, between bounds; claims by each sort, either way, past a time or a slug.
    let windows = |after: Option<i32>, before: Option<i32>| {
        [Direction::Forward, Direction::Backward].map(|direction| Window {
            direction,
            limit: 5,
            after,
            before,
        })
    };
    let middle = &claims[claims.len() / 2];
    let seeks = [
        (ClaimSort::CreatedAt, SortValue::Time(middle.created_at)),
        (ClaimSort::UpdatedAt, SortValue::Time(middle.updated_at)),
        (ClaimSort::Slug, SortValue::Text(middle.slug.clone())),
        (ClaimSort::EvidenceCount, SortValue::Int(middle.evidence_count)),
    ];
    let filters = [
        ClaimFilter::default(),
        ClaimFilter {
            statement_contains: Some("e".to_owned()),
            ..ClaimFilter::default()
        },
        // Every filter that reads another table (mechanisms, evidence, studies), each wide enough
        // to leave rows on both sides of the middle claim.
        ClaimFilter {
            top_mechanism_support: Some(vec![
                Support::MostProbable,
                Support::LessSupported,
                Support::RuledOut,
            ]),
            evidence_year: Some(YearRange {
                from: Some(1600),
                to: Some(2100),
            }),
            has_retracted_evidence: Some(false),
            ..ClaimFilter::default()
        },
    ];
    for filter in &filters {
        for (sort, value) in &seeks {
            for ascending in [true, false] {
                let seek = ClaimSeek {
                    value: value.clone(),
                    id: middle.id,
                };
                for (after, before) in [(None, None), (Some(seek.clone()), None), (None, Some(seek))] {
                    for direction in [Direction::Forward, Direction::Backward] {
                        let window = Window {
                            direction,
                            limit: 4,
                            after: after.clone(),
                            before: before.clone(),
                        };
                        let what = format!("claims {filter:?} {sort:?} {ascending} {window:?}");
                        same(&what, observed, beside, seaorm, |db| {
                            let (filter, window) = (filter.clone(), window.clone());
                            async move {
                                let page = db.claims_page(&filter, *sort, ascending, &window).await?;
                                assert!(!page.rows.is_empty(), "{window:?}");
                                Ok((page.rows, page.more))
                            }
                        })
                        .await;
                    }
                }
            }
        }
        let count = Count::Claims(Condition::all());
        same("claims counted", observed, beside, seaorm, |db| {
            let count = count.clone();
            async move { db.count(&count).await }
        })
        .await;
    }
    let study_filters = [
        StudyFilter::default(),
        StudyFilter {
            title_contains: Some("a".to_owned()),
            design: Some(StudyDesign::RandomisedControlledTrial),
            ..StudyFilter::default()
        },
        StudyFilter {
            designs: Some(vec![
                StudyDesign::RandomisedControlledTrial,
                StudyDesign::CohortStudy,
            ]),
            year: Some(YearRange {
                from: Some(1600),
                to: None,
            }),
            retracted: Some(false),
            ..StudyFilter::default()
        },
    ];
    let middle_event = event_ids[event_ids.len() / 2];
    for filter in &study_filters {
        for window in windows(None, None)
            .into_iter()
            .chain(windows(Some(study_ids[1]), None))
        {
            same("studies", observed, beside, seaorm, |db| {
                let (filter, window) = (filter.clone(), window.clone());
                async move {
                    let page = db.studies_page(&filter, &window).await?;
                    Ok((page.rows, page.more))
                }
            })
            .await;
        }
        let window = &windows(None, None)[0];
        let count = beside.studies_page(filter, window).await.expect("studies").count;
        same("studies counted", observed, beside, seaorm, |db| {
            let count = count.clone();
            async move { db.count(&count).await }
        })
        .await;
    }
    for viewer in viewers {
        for claim in [None, Some(ids[0])] {
            for window in windows(None, None)
                .into_iter()
                .chain(windows(Some(middle_event), None))
                .chain(windows(None, Some(middle_event)))
            {
                same("events", observed, beside, seaorm, |db| {
                    let window = window.clone();
                    async move {
                        let page = db.events_page(viewer.events(), claim, &window).await?;
                        Ok((page.rows, page.more))
                    }
                })
                .await;
                same("events with their actors", observed, beside, seaorm, |db| {
                    let window = window.clone();
                    async move {
                        let page = db
                            .events_page_with_actors(viewer.events(), claim, &window)
                            .await?;
                        Ok((page.rows, page.more))
                    }
                })
                .await;
                // The same events as the page without actors, each with the user its actor id names.
                let alone = beside
                    .events_page(viewer.events(), claim, &window)
                    .await
                    .expect("events");
                let joined = beside
                    .events_page_with_actors(viewer.events(), claim, &window)
                    .await
                    .expect("events with actors");
                assert_eq!(joined.more, alone.more);
                let events: Vec<_> = joined.rows.iter().map(|(event, _)| event.clone()).collect();
                assert_eq!(events, alone.rows);
                for (event, actor) in &joined.rows {
                    assert_eq!(
                        actor.as_ref().map(|user| user.id),
                        event.actor_id,
                        "event {}",
                        event.id
                    );
                }
            }
            same("events counted", observed, beside, seaorm, |db| async move {
                let mut condition = Condition::all().add(viewer.events());
                if let Some(claim) = claim {
                    condition = condition.add(event::Column::ClaimId.eq(claim));
                }
                db.count(&Count::Events(condition)).await
            })
            .await;
        }
        for status in [
            None,
            Some(ContributionStatus::Pending),
            Some(ContributionStatus::Accepted),
        ] {
            same("contributions", observed, beside, seaorm, |db| async move {
                let page = db
                    .contributions_page(viewer.contributions(), status, &windows(None, None)[0])
                    .await?;
                Ok((page.rows, page.more))
            })
            .await;
        }
        same(
            "contributions counted",
            observed,
            beside,
            seaorm,
            |db| async move { db.count(&Count::Contributions(viewer.contributions())).await },
        )
        .await;
        same("visible events", observed, beside, seaorm, |db| {
            let ids = event_ids.clone();
            async move { db.visible_event_ids(&ids, viewer.events()).await }
        })
        .await;
        same("visible users", observed, beside, seaorm, |db| {
            let ids = user_ids.clone();
            async move { db.visible_user_ids(&ids, viewer.users()).await }
        })
        .await;
    }
    same("studies counted", observed, beside, seaorm, |db| async move {
        db.count(&Count::Studies(Condition::all())).await
    })
    .await;
    for value in [dois[0].value.clone(), "10.1000/no-such-doi".to_owned()] {
        same("a DOI by its value", observed, beside, seaorm, |db| {
            let value = value.clone();
            async move { db.doi_by_value(&value).await }
        })
        .await;
    }

    // Every table by id, and every relation by its parents.
    macro_rules! by_ids {
        ($($module:ident),+) => {$(
            let all = $module::Entity::find().all(&app.db).await.expect("rows");
            assert!(!all.is_empty(), stringify!($module));
            let mut keys: Vec<i32> = all.iter().map(|row| row.id).collect();
            keys.push(i32::MAX);
            for keys in [&keys[..1], &keys[..]] {
                same(stringify!($module), observed, beside, seaorm, |db| {
                    let keys = keys.to_vec();
                    async move {
                        let mut rows = db.by_ids::<$module::Entity>(keys).await?;
                        rows.sort_by_key(|row| row.id);
                        Ok(rows)
                    }
                })
                .await;
            }
        )+};
    }
    by_ids!(
        claim,
        mechanism,
        mechanism_step,
        doi,
        study,
        evidence,
        user,
        contribution,
        event
    );
    let contributions = contribution::Entity::find()
        .all(&app.db)
        .await
        .expect("contributions");
    assert!(
        contributions
            .iter()
            .any(|c| c.status == ContributionStatus::Pending)
    );
    macro_rules! relation {
        ($($read:ident($keys:expr)),+ $(,)?) => {$(
            same(stringify!($read), observed, beside, seaorm, |db| {
                let keys: Vec<i32> = $keys.to_vec();
                async move {
                    let rows = db.$read(&keys).await?;
                    assert!(!rows.is_empty(), stringify!($read));
                    Ok(rows)
                }
            })
            .await;
        )+};
    }
    relation!(
        mechanisms_of_claims(ids),
        steps_of_mechanisms(mechanism_ids),
        dois_cited_by_steps(step_ids),
        steps_citing_dois(doi_ids),
        studies_of_dois(doi_ids),
        evidence_of_claims(ids),
        evidence_of_studies(study_ids),
        study_ids_cited_by_claims(ids),
    );
}

#[tokio::test]
async fn a_history_page_and_the_lists_read_only_beside_the_pool() {
    let (app, _) = app_and_reads().await;
    write_history(&app).await;
    // Anonymous pages: every statement runs on the read connections, none on SeaORM's pool.
    let pages = [
        (
            "query($slug: String!) { claim(slug: $slug) { slug history(first: 20) { totalCount \
             edges { node { id action actor { id name } before after createdAt } } \
             pageInfo { endCursor hasNextPage } } } }",
            json!({ "slug": SEED_SLUG }),
        ),
        (
            "{ claims(first: 5, filter: { statementContains: \"e\" }) { totalCount \
             edges { node { slug mechanisms { rank } } } } }",
            json!({}),
        ),
        (
            "{ studies(first: 5) { totalCount nodes { title doi { value } evidence(first: 5) { totalCount } } } }",
            json!({}),
        ),
        (
            "{ events(last: 5) { totalCount nodes { id actor { name } } } }",
            json!({}),
        ),
    ];
    for (query, variables) in pages {
        app.record_statements();
        let data = app.data(query, variables).await;
        let on_reads = app.recorded_statements_on_reads();
        let all = app.recorded_statements();
        assert!(!on_reads.is_empty(), "{query}");
        assert_eq!(
            all.len(),
            on_reads.len(),
            "{query}: statements on SeaORM's pool\n{all:#?}\n\n{data:#}"
        );
    }
    // The history page in particular: its events, their count and their actors.
    app.record_statements();
    let data = app
        .data(
            "query($slug: String!) { claim(slug: $slug) { history(last: 20) { totalCount \
             nodes { id actor { id name } } } } }",
            json!({ "slug": SEED_SLUG }),
        )
        .await;
    let on_reads: Vec<String> = app
        .recorded_statements_on_reads()
        .into_iter()
        .map(|s| s.sql)
        .collect();
    let nodes = data["claim"]["history"]["nodes"].as_array().expect("nodes");
    assert!(nodes.iter().any(|n| n["actor"]["name"] == "morgan"), "{data:#}");
    for (table, what) in [
        ("FROM \"event\"", "the events page"),
        ("COUNT(*)", "its count"),
        ("FROM \"user\"", "the actors by id"),
    ] {
        assert!(
            on_reads.iter().any(|sql| sql.contains(table)),
            "{what} on the read connections: {on_reads:#?}"
        );
    }
    // A node by its id: the visibility check and the row, both beside the pool.
    let id = nodes[0]["id"].clone();
    app.record_statements();
    let node = app
        .data("query($id: ID!) { node(id: $id) { id } }", json!({ "id": id }))
        .await;
    assert_eq!(node["node"]["id"], id);
    let on_reads = app.recorded_statements_on_reads();
    assert_eq!(app.recorded_statements().len(), on_reads.len(), "{on_reads:#?}");
}

/// A statement that may read a whole table (a count, a text filter) runs beside the pool on the
/// server's multi-threaded runtime too, where it is moved off the runtime's task queue while it
/// runs (`tokio::task::block_in_place`): its answers are SeaORM's.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_scanning_read_on_a_multi_threaded_runtime_answers_what_seaorm_answers() {
    let (app, reads) = app_and_reads().await;
    let beside = Store::new(app.db.clone(), Some(reads));
    let seaorm = Store::new(app.db.clone(), None);
    let filter = lists::ClaimFilter {
        statement_contains: Some("a".to_owned()),
        ..lists::ClaimFilter::default()
    };
    let window = lists::Window {
        direction: lists::Direction::Forward,
        limit: 5,
        after: None,
        before: None,
    };
    let read = |store: Store| {
        let (filter, window) = (filter.clone(), window.clone());
        async move {
            let page = store
                .claims_page(&filter, lists::ClaimSort::Slug, true, &window)
                .await
                .expect("a page");
            let count = store.count(&page.count).await.expect("a count");
            (page.rows, page.more, count)
        }
    };
    let (rows, more, count) = read(beside).await;
    assert_eq!((rows.clone(), more, count), read(seaorm).await);
    assert_eq!(rows.len(), 5, "the filter finds more than a page");
    assert!(more && count > 5);
}
