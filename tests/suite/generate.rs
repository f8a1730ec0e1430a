//! `claimgraph generate`: a deterministic synthetic graph whose claim pages are shaped like the seed
//! page, served by the same ClaimPage query.

use std::collections::BTreeSet;

use entity::prelude::Claim;
use sea_orm::{EntityTrait, PaginatorTrait};
use seeds::generate::{
    GenerateError, GenerateOptions, Progress, SENTENCE_LENGTH, generate, generate_reporting, slug,
};
use serde_json::{Value, json};
use tests::{CLAIM_PAGE, SEED_SLUG, TestApp};

/// Small enough to be quick, large enough to cross a batch boundary below.
const N: usize = 20;

async fn generated(seed: u64, claims_per_transaction: usize) -> TestApp {
    let app = TestApp::migrated().await;
    let options = GenerateOptions {
        claims_per_transaction,
        ..GenerateOptions::new(N, seed)
    };
    let summary = generate(&app.db, &options).await.expect("generating");
    assert_eq!(summary.claims, N);
    app
}

async fn page(app: &TestApp, slug: &str) -> Value {
    app.data(CLAIM_PAGE, json!({ "slug": slug })).await["claim"].clone()
}

fn length(value: &Value) -> usize {
    value.as_str().map_or(0, |text| text.chars().count())
}

#[tokio::test]
async fn the_same_seed_gives_the_same_claim_pages_in_two_databases_whatever_the_batch_size() {
    let one = generated(7, 1_000).await;
    let other = generated(7, 6).await;
    for index in 0..N {
        let slug = slug(index);
        let page = page(&one, &slug).await;
        assert!(page.is_object(), "{slug} is missing");
        assert_eq!(page, self::page(&other, &slug).await, "{slug} differs");
    }
}

#[tokio::test]
async fn another_seed_gives_other_claims() {
    let one = generated(7, 1_000).await;
    let other = generated(8, 1_000).await;
    let slug = slug(0);
    assert_ne!(
        page(&one, &slug).await["statement"],
        page(&other, &slug).await["statement"]
    );
}

#[tokio::test]
async fn every_generated_claim_page_is_shaped_like_the_seed_page() {
    let app = generated(1, 1_000).await;
    let (min, max) = SENTENCE_LENGTH;
    for index in 0..N {
        let claim = page(&app, &slug(index)).await;
        assert_eq!(claim["slug"], format!("gen-{:06}", index + 1));
        for field in ["population", "intervention", "comparator", "outcome"] {
            assert!(length(&claim[field]) > 0, "{field} is empty: {claim:#}");
        }
        for text in [&claim["statement"], &claim["synthesis"]["text"]] {
            assert!((min..=max).contains(&length(text)), "{text}");
        }

        let mechanisms = claim["mechanisms"].as_array().expect("mechanisms");
        let ranks: Vec<(i64, &str)> = mechanisms
            .iter()
            .filter_map(|m| Some((m["rank"].as_i64()?, m["support"].as_str()?)))
            .collect();
        assert_eq!(
            ranks,
            [(1, "MOST_PROBABLE"), (2, "LESS_SUPPORTED"), (3, "LESS_SUPPORTED")]
        );
        let mut cited = BTreeSet::new();
        for mechanism in mechanisms {
            assert!((min..=max).contains(&length(&mechanism["summary"])));
            let steps = mechanism["steps"].as_array().expect("steps");
            let positions: Vec<i64> = steps.iter().filter_map(|s| s["position"].as_i64()).collect();
            assert_eq!(positions, [1, 2, 3, 4, 5]);
            for step in steps {
                assert!((min..=max).contains(&length(&step["text"])), "{step}");
                let citations = step["citations"].as_array().expect("citations");
                assert!((1..=3).contains(&citations.len()), "{step:#}");
                for citation in citations {
                    let value = citation["value"].as_str().expect("a DOI");
                    assert!(value.starts_with("10.5555/cg."), "{value}");
                    assert_eq!(citation["url"], format!("https://doi.org/{value}"));
                    assert!(
                        length(&citation["study"]["title"]) > 0,
                        "every cited DOI has its study"
                    );
                    cited.insert(value.to_owned());
                }
            }
        }
        let synthesis = &claim["synthesis"];
        assert_eq!(synthesis["studyCount"], cited.len(), "{synthesis:#}");
        assert!((1..=3).contains(&cited.len()));

        let evidence = &claim["evidence"];
        let edges = evidence["edges"].as_array().expect("edges");
        assert!((1..=8).contains(&edges.len()), "{evidence:#}");
        assert_eq!(evidence["totalCount"], edges.len());
        assert_eq!(claim["evidenceCounts"]["total"], edges.len());
        let studies: BTreeSet<&str> = edges
            .iter()
            .filter_map(|e| e["node"]["study"]["doi"]["value"].as_str())
            .collect();
        assert_eq!(
            studies.len(),
            edges.len(),
            "evidence rows are on distinct studies"
        );
        for edge in edges {
            let stance = edge["node"]["stance"].as_str().unwrap_or_default();
            assert!(["SUPPORTING", "CONTRADICTING", "INCONCLUSIVE"].contains(&stance));
        }
        assert!(!claim["evidenceNeeds"].as_array().expect("a ladder").is_empty());
    }
}

#[tokio::test]
async fn a_database_that_holds_generated_claims_is_refused_and_left_as_it_was() {
    let app = TestApp::seeded().await;
    generate(&app.db, &GenerateOptions::new(5, 1))
        .await
        .expect("generating beside the seed data");
    let before = Claim::find().count(&app.db).await.expect("counting");
    assert_eq!(before, 6);
    let refused = generate(&app.db, &GenerateOptions::new(5, 2)).await;
    assert!(
        matches!(
            refused,
            Err(GenerateError::AlreadyGenerated { claims: 5, dois: 10 })
        ),
        "{refused:?}"
    );
    assert_eq!(Claim::find().count(&app.db).await.expect("counting"), before);
    let seed = page(&app, SEED_SLUG).await;
    assert_eq!(seed["mechanisms"].as_array().map(Vec::len), Some(3));
}

/// The benchmark (`tests/bench/run`) reads the `statements per ClaimPage` line this test prints.
#[tokio::test]
async fn a_generated_claim_page_costs_the_same_handful_of_statements_as_any_other() {
    let app = generated(1, 1_000).await;
    let mut costs = BTreeSet::new();
    for index in [0, N / 2, N - 1] {
        let before = app.statements();
        page(&app, &slug(index)).await;
        costs.insert(app.statements() - before);
    }
    println!("statements per ClaimPage: {costs:?}");
    assert_eq!(costs.len(), 1, "pages cost {costs:?} statements");
    assert!(costs.iter().all(|&cost| cost <= 3), "{costs:?}");
}

/// `generate` on a terminal counts the claims written: it is told after each transaction, in
/// order, up to the whole graph.
#[tokio::test]
async fn generating_reports_its_progress_after_each_transaction() {
    let app = TestApp::migrated().await;
    let options = GenerateOptions {
        claims_per_transaction: 8,
        ..GenerateOptions::new(N, 3)
    };
    let mut reported = Vec::new();
    let summary = generate_reporting(&app.db, &options, |progress| reported.push(progress))
        .await
        .expect("generating");
    assert_eq!(summary.claims, N);
    let written: Vec<usize> = reported.iter().map(|p| p.written).collect();
    assert_eq!(written, [8, 16, 20]);
    assert!(reported.iter().all(|p: &Progress| p.total == N));
    let claims = Claim::find().count(&app.db).await.expect("a count");
    assert_eq!(claims, N as u64, "what is reported is written");
}
