//! A claim page's statements run on connections beside SeaORM's pool (api/src/store/reads): inline on a
//! SQLite file, on a small pool of their own on PostgreSQL. They must read exactly what SeaORM
//! reads, see every committed write, and never write.

use std::sync::Arc;

use api::store::Store;
use api::store::reads::Reads;
use api::store::reads::postgres::PgReads;
use api::store::reads::sqlite::SqliteReads;
use api::store::statements::ClaimKeys;
use api::store::trees::{
    MechanismDepth, claim_page_by_slug, load_evidence_trees, load_mechanism_trees,
    load_studies_cited_by_claims,
};
use entity::claim;
use sea_orm::{ActiveModelTrait, ActiveValue, EntityTrait, QueryOrder, Value};
use seeds::generate::{GenerateOptions, generate};
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

    // The connections refuse writes, and bind ids and texts only.
    let (refused, bound) = if TestApp::is_postgres() {
        let reads = PgReads::for_database(&app.db);
        (
            reads.query("DELETE FROM evidence".into(), vec![]).await.map(drop),
            reads
                .query("SELECT $1".into(), vec![Value::Double(Some(1.5))])
                .await
                .map(drop),
        )
    } else {
        let reads = SqliteReads::for_database(&app.db).expect("a SQLite file");
        (
            reads.query("DELETE FROM evidence", &[], |_| Ok(())),
            reads.query("SELECT ?", &[Value::Double(Some(1.5))], |_| Ok(())),
        )
    };
    let message = refused.expect_err("a write on a read connection").to_string();
    assert!(
        message.contains("readonly") || message.contains("read-only"),
        "{message}"
    );
    assert!(bound.is_err(), "only ids and texts are bound");
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
