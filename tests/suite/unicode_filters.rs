//! `statementContains` and `titleContains` ignore case and accents by one rule applied in Rust
//! (`entity::values::fold`), so SQLite and PostgreSQL give the same answers for any script.

use entity::values::Role;
use serde_json::json;
use tests::TestApp;

const CLAIMS: &str = "query($text: String!) { claims(first: 100, filter: { statementContains: $text }) {
    totalCount nodes { slug } } }";
const STUDIES: &str = "query($text: String!) { studies(first: 100, filter: { titleContains: $text }) {
    totalCount nodes { title } } }";

/// The claims of the test, by slug and statement.
const STATEMENTS: [(&str, &str); 7] = [
    ("ecole", "Training at the École normale builds strength."),
    ("ete", "Rest-pause training in the été months."),
    ("sofia", "ΣΟΦΊΑ ΚΑΙ ΣΟΦΟΣ: Greek lifters gain muscle."),
    ("strasse", "Lifting on the Straße grows muscle."),
    ("istanbul", "Lifters in İstanbul gain strength."),
    ("kis", "Kış training in the cold."),
    ("percent", "A 100% gain for set_a lifters."),
];

async fn app_with_claims() -> (TestApp, String) {
    let app = TestApp::migrated().await;
    let moderator = app.token("morgan", Role::Moderator).await;
    let create = "mutation($input: ClaimCreateInput!) { claimCreate(input: $input) { claim { id } userErrors { field message } } }";
    for (slug, statement) in STATEMENTS {
        let input = json!({ "slug": slug, "statement": statement, "population": "adults",
            "intervention": "training", "comparator": "rest", "outcome": "strength", "synthesis": "Short." });
        let data = app.data_as(&moderator, create, json!({ "input": input })).await;
        assert_eq!(data["claimCreate"]["userErrors"], json!([]), "{data:#}");
    }
    (app, moderator)
}

async fn found(app: &TestApp, text: &str) -> Vec<String> {
    let claims = app.data(CLAIMS, json!({ "text": text })).await["claims"].clone();
    let slugs: Vec<String> = claims["nodes"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|n| n["slug"].as_str().map(str::to_owned))
        .collect();
    assert_eq!(
        claims["totalCount"],
        slugs.len(),
        "totalCount counts the same rows"
    );
    slugs
}

#[tokio::test]
async fn statement_contains_ignores_case_and_accents_in_every_script() {
    let (app, _) = app_with_claims().await;
    for (needle, slugs) in [
        ("École", vec!["ecole"]),
        ("école", vec!["ecole"]),
        ("ÉCOLE", vec!["ecole"]),
        ("ecole", vec!["ecole"]),
        ("E\u{301}cole", vec!["ecole"]),
        ("été", vec!["ete"]),
        ("ÉTÉ", vec!["ete"]),
        ("ete months", vec!["ete"]),
        ("σοφια", vec!["sofia"]),
        ("ΣΟΦΙΑ", vec!["sofia"]),
        ("σοφία", vec!["sofia"]),
        ("σοφος", vec!["sofia"]),
        ("σοφοσ", vec!["sofia"]),
        ("Straße", vec!["strasse"]),
        ("STRASSE", vec!["strasse"]),
        ("strasse", vec!["strasse"]),
        ("STRAẞE", vec!["strasse"]),
        ("İstanbul", vec!["istanbul"]),
        ("istanbul", vec!["istanbul"]),
        ("ISTANBUL", vec!["istanbul"]),
        ("kış", vec!["kis"]),
        ("kis", vec![]),
        ("100%", vec!["percent"]),
        ("%", vec!["percent"]),
        ("set_a", vec!["percent"]),
        ("set%a", vec![]),
        ("t_a", vec!["percent"]),
        ("n_r", vec![]),
        ("\\", vec![]),
    ] {
        assert_eq!(found(&app, needle).await, slugs, "statementContains: {needle:?}");
    }
}

#[tokio::test]
async fn an_edited_statement_is_found_by_its_new_text_only() {
    let (app, moderator) = app_with_claims().await;
    let claim = app
        .data("{ claim(slug: \"ete\") { id version } }", json!({}))
        .await["claim"]
        .clone();
    let update =
        "mutation($input: ClaimUpdateInput!) { claimUpdate(input: $input) { userErrors { message } } }";
    let input =
        json!({ "id": claim["id"], "version": claim["version"], "statement": "Training through the Hiver." });
    let data = app.data_as(&moderator, update, json!({ "input": input })).await;
    assert_eq!(data["claimUpdate"]["userErrors"], json!([]), "{data:#}");
    assert_eq!(found(&app, "été").await, Vec::<String>::new());
    assert_eq!(found(&app, "HIVER").await, ["ete"]);
}

#[tokio::test]
async fn title_contains_follows_the_same_rule() {
    let app = TestApp::migrated().await;
    let moderator = app.token("morgan", Role::Moderator).await;
    let upsert = "mutation($input: StudyUpsertInput!) { studyUpsert(input: $input) { study { id version } userErrors { message } } }";
    let facts = |title: &str| json!({ "title": title, "design": "COHORT_STUDY" });
    for (doi, title) in [
        ("10.5555/etude", "Étude sur la Straße"),
        ("10.5555/greek", "ΣΟΦΊΑ of lifters"),
        ("10.5555/turkish", "Strength in İstanbul"),
    ] {
        let data = app
            .data_as(
                &moderator,
                upsert,
                json!({ "input": { "doi": doi, "facts": facts(title) } }),
            )
            .await;
        assert_eq!(data["studyUpsert"]["userErrors"], json!([]), "{data:#}");
    }
    let titles = |text: &'static str| {
        let app = &app;
        async move {
            let studies = app.data(STUDIES, json!({ "text": text })).await["studies"].clone();
            studies["nodes"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(|n| n["title"].as_str().map(str::to_owned))
                .collect::<Vec<String>>()
        }
    };
    assert_eq!(titles("etude").await, ["Étude sur la Straße"]);
    assert_eq!(titles("STRASSE").await, ["Étude sur la Straße"]);
    assert_eq!(titles("σοφια").await, ["ΣΟΦΊΑ of lifters"]);
    assert_eq!(titles("istanbul").await, ["Strength in İstanbul"]);
    // An edited title is searched by its new text.
    let study = app
        .data(
            "{ doi(value: \"10.5555/etude\") { study { version } } }",
            json!({}),
        )
        .await["doi"]["study"]
        .clone();
    let input = json!({ "doi": "10.5555/etude", "version": study["version"], "facts": facts("Ein Versuch") });
    let data = app.data_as(&moderator, upsert, json!({ "input": input })).await;
    assert_eq!(data["studyUpsert"]["userErrors"], json!([]), "{data:#}");
    assert_eq!(titles("etude").await, Vec::<String>::new());
    assert_eq!(titles("VERSUCH").await, ["Ein Versuch"]);
}

#[tokio::test]
async fn the_seed_loader_and_generate_write_the_folded_texts_and_evidence_counts_too() {
    use entity::values::fold;
    use entity::{claim, study};
    use sea_orm::EntityTrait;
    use seeds::generate::{GenerateOptions, generate};
    let app = TestApp::seeded().await;
    generate(&app.db, &GenerateOptions::new(3, 7))
        .await
        .expect("generating");
    let claims = claim::Entity::find().all(&app.db).await.expect("claims");
    assert_eq!(claims.len(), 4, "the seed claim and 3 generated");
    let evidence = entity::evidence::Entity::find()
        .all(&app.db)
        .await
        .expect("evidence");
    for row in claims {
        assert_eq!(row.statement_folded, fold(&row.statement), "{}", row.slug);
        assert_eq!(row.population_folded, fold(&row.population), "{}", row.slug);
        assert_eq!(row.intervention_folded, fold(&row.intervention), "{}", row.slug);
        assert_eq!(row.comparator_folded, fold(&row.comparator), "{}", row.slug);
        assert_eq!(row.outcome_folded, fold(&row.outcome), "{}", row.slug);
        let counted = evidence.iter().filter(|e| e.claim_id == row.id).count();
        assert_eq!(row.evidence_count as usize, counted, "{}", row.slug);
    }
    let studies = study::Entity::find().all(&app.db).await.expect("studies");
    assert!(studies.len() > 1);
    for row in studies {
        assert_eq!(row.title_folded, fold(&row.title), "{}", row.title);
        assert_eq!(
            row.journal_folded,
            row.journal.as_deref().map(fold),
            "{}",
            row.title
        );
    }
    // The seed claim is found by part of its statement in capitals.
    let needle = "RECREATIONALLY TRAINED ADULTS, REST-PAUSE TRAINING LEADS";
    assert_eq!(found(&app, needle).await, ["rest-pause-training"]);
}
