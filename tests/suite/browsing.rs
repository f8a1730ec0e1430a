//! Browsing: the claim list's filters (PICO, effect direction, top-mechanism support, evidence
//! stance, design, year and retraction), its orderings (updated, evidence count) paged both ways,
//! the study list's and a claim's evidence filters, and the facets of a filtered list, each
//! checked against data counted by hand: the seed claim and the four claims of [`BROWSE`].

use std::collections::HashMap;

use entity::claim;
use entity::values::Role;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use seeds::generate::{GenerateOptions, generate};
use serde_json::{Value, json};
use tests::{SEED_SLUG, TestApp, single_error};

/// Four claims beside the seed claim, and four studies beside the seed study:
///
/// | claim     | population                   | direction            | rank 1         | evidence (study: design year stance)       |
/// |-----------|------------------------------|----------------------|----------------|--------------------------------------------|
/// | seed      | recreationally trained adults| FAVOURS_INTERVENTION | MOST_PROBABLE  | seed: SR-MA 2026 CONTRADICTING              |
/// | browse-a  | Older adults                 | FAVOURS_INTERVENTION | MOST_PROBABLE  | 1: RCT 2019 SUPPORTING; 2: COHORT 2015 CONTRADICTING |
/// | browse-b  | Élite athletes               | NO_DIFFERENCE        | LESS_SUPPORTED | 3: RCT 2022 (retracted) SUPPORTING          |
/// | browse-c  | Older adults with sarcopenia | (unknown)            | RULED_OUT      | 4: SR 2010 CONTRADICTING; 1: RCT 2019 INCONCLUSIVE |
/// | browse-d  | Children                     | FAVOURS_COMPARATOR   | (none)         | (none)                                     |
const BROWSE: &str = r#"
[[claim]]
slug = "browse-a"
statement = "Creatine improves muscle strength in older adults."
population = "Older adults"
intervention = "Creatine"
comparator = "Placebo"
outcome = "Muscle strength"
effect_direction = "FAVOURS_INTERVENTION"
synthesis = "Synthesis A."
[[claim.mechanism]]
rank = 1
support = "MOST_PROBABLE"
summary = "Mechanism A."
[[claim.mechanism.step]]
position = 1
text = "Step A."
citations = ["10.5555/br.1"]
[[claim.evidence]]
study = "10.5555/br.1"
stance = "SUPPORTING"
[[claim.evidence]]
study = "10.5555/br.2"
stance = "CONTRADICTING"

[[claim]]
slug = "browse-b"
statement = "Creatine loading does not change sprint time in elite athletes."
population = "Élite athletes"
intervention = "Creatine loading"
comparator = "placebo"
outcome = "Sprint time"
effect_direction = "NO_DIFFERENCE"
synthesis = "Synthesis B."
[[claim.mechanism]]
rank = 1
support = "LESS_SUPPORTED"
summary = "Mechanism B."
[[claim.mechanism.step]]
position = 1
text = "Step B."
citations = ["10.5555/br.3"]
[[claim.evidence]]
study = "10.5555/br.3"
stance = "SUPPORTING"

[[claim]]
slug = "browse-c"
statement = "Resistance training improves muscle strength in sarcopenia."
population = "Older adults with sarcopenia"
intervention = "Resistance training"
comparator = "Usual care"
outcome = "Muscle strength"
synthesis = "Synthesis C."
[[claim.mechanism]]
rank = 1
support = "RULED_OUT"
summary = "Mechanism C."
[[claim.mechanism.step]]
position = 1
text = "Step C."
citations = ["10.5555/br.4"]
[[claim.evidence]]
study = "10.5555/br.4"
stance = "CONTRADICTING"
[[claim.evidence]]
study = "10.5555/br.1"
stance = "INCONCLUSIVE"

[[claim]]
slug = "browse-d"
statement = "Stretching before exercise reduces flexibility in children."
population = "Children"
intervention = "Stretching"
comparator = "No stretching"
outcome = "Flexibility"
effect_direction = "FAVOURS_COMPARATOR"
synthesis = "Synthesis D."

[[study]]
doi = "10.5555/br.1"
title = "Browse study 1"
design = "RANDOMISED_CONTROLLED_TRIAL"
journal = "Journal of Strength"
year = 2019

[[study]]
doi = "10.5555/br.2"
title = "Browse study 2"
design = "COHORT_STUDY"
journal = "Sports Médecine"
year = 2015

[[study]]
doi = "10.5555/br.3"
title = "Browse study 3"
design = "RANDOMISED_CONTROLLED_TRIAL"
journal = "Journal of Strength"
year = 2022
retracted = true

[[study]]
doi = "10.5555/br.4"
title = "Browse study 4"
design = "SYSTEMATIC_REVIEW"
year = 2010
"#;

const SEED_STUDY: &str = "Effects of Advanced Resistance Training Systems on Muscle Hypertrophy and Strength in Recreationally Trained Adults: A Systematic Review and Meta-Analysis.";

const CLAIMS: &str = r#"query($filter: ClaimFilter, $orderBy: ClaimOrder, $first: Int, $after: String, $last: Int, $before: String) {
    claims(filter: $filter, orderBy: $orderBy, first: $first, after: $after, last: $last, before: $before) {
        totalCount edges { cursor node { slug } } pageInfo { hasNextPage hasPreviousPage startCursor endCursor } } }"#;

const CLAIM_FACETS: &str = r#"query($filter: ClaimFilter) { claimFacets(filter: $filter) {
    design { value count } stance { value count } support { value count } effectDirection { value count } } }"#;

const STUDIES: &str = r#"query($filter: StudyFilter) { studies(filter: $filter, first: 100) {
    totalCount nodes { title } } }"#;

const STUDY_FACETS: &str = r#"query($filter: StudyFilter) { studyFacets(filter: $filter) { design { value count } year { value count } } }"#;

/// The seed claim and the four claims of [`BROWSE`].
async fn browsing_app() -> TestApp {
    let app = TestApp::seeded().await;
    let file = seeds::parse_str("browse.toml", BROWSE).unwrap_or_else(|report| panic!("{report}"));
    api::domain::seed::load_seed_files(&app.db, &[file])
        .await
        .expect("loading the browsing claims");
    app
}

fn slugs(connection: &Value) -> Vec<String> {
    connection["edges"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|edge| edge["node"]["slug"].as_str().map(str::to_owned))
        .collect()
}

/// The slugs of the claims `filter` lets through, oldest first, checked against `totalCount`.
async fn filtered(app: &TestApp, filter: Value) -> Vec<String> {
    let claims = app.data(CLAIMS, json!({ "filter": filter, "first": 100 })).await["claims"].clone();
    let found = slugs(&claims);
    assert_eq!(claims["totalCount"], found.len(), "{filter}");
    found
}

/// A facet's counts as `value -> count`, checking that every value is listed once.
fn counts(facet: &Value) -> Vec<(String, u64)> {
    facet
        .as_array()
        .unwrap_or_else(|| panic!("a facet: {facet}"))
        .iter()
        .map(|item| {
            (
                item["value"].as_str().unwrap_or_default().to_owned(),
                item["count"].as_u64().unwrap_or(u64::MAX),
            )
        })
        .collect()
}

/// Every value of a facet with its count: `nonzero` and zeros for the rest, in schema order.
fn every(values: &[&str], nonzero: &[(&str, u64)]) -> Vec<(String, u64)> {
    values
        .iter()
        .map(|value| {
            let count = nonzero
                .iter()
                .find(|(named, _)| named == value)
                .map_or(0, |(_, count)| *count);
            ((*value).to_owned(), count)
        })
        .collect()
}

const DESIGNS: [&str; 11] = [
    "SYSTEMATIC_REVIEW_META_ANALYSIS",
    "SYSTEMATIC_REVIEW",
    "RANDOMISED_CONTROLLED_TRIAL",
    "NON_RANDOMISED_CONTROLLED_STUDY",
    "COHORT_STUDY",
    "CASE_CONTROL_STUDY",
    "CASE_SERIES",
    "HISTORICALLY_CONTROLLED_STUDY",
    "MECHANISTIC_STUDY",
    "EXPERT_OPINION",
    "OTHER",
];
const STANCES: [&str; 3] = ["SUPPORTING", "CONTRADICTING", "INCONCLUSIVE"];
const SUPPORTS: [&str; 3] = ["MOST_PROBABLE", "LESS_SUPPORTED", "RULED_OUT"];
const DIRECTIONS: [&str; 3] = ["FAVOURS_INTERVENTION", "NO_DIFFERENCE", "FAVOURS_COMPARATOR"];

fn list(slugs: &[&str]) -> Vec<String> {
    slugs.iter().map(|slug| (*slug).to_owned()).collect()
}

#[tokio::test]
async fn claims_filter_by_pico_folded_for_case_and_accents() {
    let app = browsing_app().await;
    let cases = [
        (
            json!({ "population": { "equals": "OLDER ADULTS" } }),
            list(&["browse-a"]),
        ),
        (
            json!({ "population": { "contains": "older" } }),
            list(&["browse-a", "browse-c"]),
        ),
        (
            json!({ "population": { "equals": "elite athletes" } }),
            list(&["browse-b"]),
        ),
        (
            json!({ "intervention": { "contains": "creatine" } }),
            list(&["browse-a", "browse-b"]),
        ),
        (
            json!({ "intervention": { "equals": "creatine" } }),
            list(&["browse-a"]),
        ),
        (
            json!({ "comparator": { "equals": "PLACEBO" } }),
            list(&["browse-a", "browse-b"]),
        ),
        (
            json!({ "outcome": { "contains": "strength" } }),
            list(&["browse-a", "browse-c"]),
        ),
        (
            json!({ "outcome": { "equals": "muscle strength", "contains": "muscle" } }),
            list(&["browse-a", "browse-c"]),
        ),
        (json!({ "outcome": { "equals": "muscle" } }), list(&[])),
        (
            json!({ "population": { "contains": "adults" }, "intervention": { "contains": "training" } }),
            list(&[SEED_SLUG, "browse-c"]),
        ),
        (json!({ "population": { "contains": "100%" } }), list(&[])),
    ];
    for (filter, expected) in cases {
        assert_eq!(filtered(&app, filter.clone()).await, expected, "{filter}");
    }
}

#[tokio::test]
async fn claims_filter_by_direction_support_and_evidence() {
    let app = browsing_app().await;
    let cases = [
        (
            json!({ "effectDirection": ["FAVOURS_INTERVENTION"] }),
            list(&[SEED_SLUG, "browse-a"]),
        ),
        (
            json!({ "effectDirection": ["NO_DIFFERENCE", "FAVOURS_COMPARATOR"] }),
            list(&["browse-b", "browse-d"]),
        ),
        (json!({ "effectDirection": [] }), list(&[])),
        (
            json!({ "topMechanismSupport": ["MOST_PROBABLE"] }),
            list(&[SEED_SLUG, "browse-a"]),
        ),
        (
            json!({ "topMechanismSupport": ["LESS_SUPPORTED", "RULED_OUT"] }),
            list(&["browse-b", "browse-c"]),
        ),
        (json!({ "hasSupporting": true }), list(&["browse-a", "browse-b"])),
        (
            json!({ "hasSupporting": false }),
            list(&[SEED_SLUG, "browse-c", "browse-d"]),
        ),
        (
            json!({ "hasContradicting": true }),
            list(&[SEED_SLUG, "browse-a", "browse-c"]),
        ),
        (
            json!({ "hasContradicting": false }),
            list(&["browse-b", "browse-d"]),
        ),
        (
            json!({ "evidenceDesign": ["RANDOMISED_CONTROLLED_TRIAL"] }),
            list(&["browse-a", "browse-b", "browse-c"]),
        ),
        (
            json!({ "evidenceDesign": ["SYSTEMATIC_REVIEW_META_ANALYSIS"] }),
            list(&[SEED_SLUG]),
        ),
        (
            json!({ "evidenceYear": { "from": 2016 } }),
            list(&[SEED_SLUG, "browse-a", "browse-b", "browse-c"]),
        ),
        (
            json!({ "evidenceYear": { "from": 2016, "to": 2020 } }),
            list(&["browse-a", "browse-c"]),
        ),
        (json!({ "evidenceYear": { "to": 2012 } }), list(&["browse-c"])),
        // One and the same study must meet both: browse-a's cohort study is from 2015.
        (
            json!({ "evidenceDesign": ["COHORT_STUDY"], "evidenceYear": { "from": 2016 } }),
            list(&[]),
        ),
        (
            json!({ "evidenceDesign": ["COHORT_STUDY"], "evidenceYear": { "from": 2015, "to": 2015 } }),
            list(&["browse-a"]),
        ),
        (json!({ "hasRetractedEvidence": true }), list(&["browse-b"])),
        (
            json!({ "hasRetractedEvidence": false }),
            list(&[SEED_SLUG, "browse-a", "browse-c", "browse-d"]),
        ),
        (
            json!({ "hasContradicting": true, "topMechanismSupport": ["MOST_PROBABLE"] }),
            list(&[SEED_SLUG, "browse-a"]),
        ),
        (
            json!({ "statementContains": "creatine", "hasRetractedEvidence": false }),
            list(&["browse-a"]),
        ),
    ];
    for (filter, expected) in cases {
        assert_eq!(filtered(&app, filter.clone()).await, expected, "{filter}");
    }
}

#[tokio::test]
async fn the_compiled_list_and_the_executor_filter_alike() {
    // Written in the text: a request with enum or input-object variables is validated in full
    // every time, and so never compiled.
    let filters = [
        r#"{ population: { contains: "older" }, hasSupporting: true }"#,
        r#"{ evidenceDesign: [RANDOMISED_CONTROLLED_TRIAL], evidenceYear: { to: 2020 } }"#,
        r#"{ topMechanismSupport: [RULED_OUT], hasRetractedEvidence: false }"#,
        r#"{ effectDirection: [] }"#,
    ];
    let documents: Vec<String> = filters
        .iter()
        .map(|filter| {
            format!(
                "{{ claims(filter: {filter}, orderBy: {{ field: EVIDENCE_COUNT, direction: DESC }}) {{
                    totalCount edges {{ cursor node {{ slug }} }} pageInfo {{ hasNextPage endCursor }} }} }}"
            )
        })
        .collect();
    let executor = browsing_app().await.with_compiled_queries(false);
    let mut expected = Vec::new();
    for document in &documents {
        expected.push(executor.post_graphql(document, json!({})).await.text());
    }
    let app = executor.with_compiled_queries(true);
    for (document, expected) in documents.iter().zip(&expected) {
        // The first request of a text validates it; the second may be compiled.
        app.post_graphql(document, json!({})).await;
        let before = app.compiled_answers().await;
        let compiled = app.post_graphql(document, json!({})).await.text();
        assert_eq!(&compiled, expected, "{document}");
        assert_eq!(app.compiled_answers().await - before, 1, "compiled: {document}");
    }
}

#[tokio::test]
async fn claim_facets_count_the_whole_filtered_list_with_every_value() {
    let app = browsing_app().await;
    let all = app.data(CLAIM_FACETS, json!({})).await["claimFacets"].clone();
    assert_eq!(
        counts(&all["design"]),
        every(
            &DESIGNS,
            &[
                ("SYSTEMATIC_REVIEW_META_ANALYSIS", 1),
                ("SYSTEMATIC_REVIEW", 1),
                ("RANDOMISED_CONTROLLED_TRIAL", 3),
                ("COHORT_STUDY", 1),
            ]
        )
    );
    assert_eq!(
        counts(&all["stance"]),
        every(
            &STANCES,
            &[("SUPPORTING", 2), ("CONTRADICTING", 3), ("INCONCLUSIVE", 1)]
        )
    );
    assert_eq!(
        counts(&all["support"]),
        every(
            &SUPPORTS,
            &[("MOST_PROBABLE", 2), ("LESS_SUPPORTED", 1), ("RULED_OUT", 1)]
        )
    );
    assert_eq!(
        counts(&all["effectDirection"]),
        every(
            &DIRECTIONS,
            &[
                ("FAVOURS_INTERVENTION", 2),
                ("NO_DIFFERENCE", 1),
                ("FAVOURS_COMPARATOR", 1)
            ]
        )
    );

    // Over the filtered list (browse-a and browse-c), not a page of it.
    let older = app
        .data(
            CLAIM_FACETS,
            json!({ "filter": { "population": { "contains": "older" } } }),
        )
        .await["claimFacets"]
        .clone();
    assert_eq!(
        counts(&older["design"]),
        every(
            &DESIGNS,
            &[
                ("SYSTEMATIC_REVIEW", 1),
                ("RANDOMISED_CONTROLLED_TRIAL", 2),
                ("COHORT_STUDY", 1)
            ]
        )
    );
    assert_eq!(
        counts(&older["stance"]),
        every(
            &STANCES,
            &[("SUPPORTING", 1), ("CONTRADICTING", 2), ("INCONCLUSIVE", 1)]
        )
    );
    assert_eq!(
        counts(&older["support"]),
        every(&SUPPORTS, &[("MOST_PROBABLE", 1), ("RULED_OUT", 1)])
    );
    assert_eq!(
        counts(&older["effectDirection"]),
        every(&DIRECTIONS, &[("FAVOURS_INTERVENTION", 1)])
    );

    // A filter nothing passes: every value, every count zero.
    let none = app
        .data(CLAIM_FACETS, json!({ "filter": { "effectDirection": [] } }))
        .await["claimFacets"]
        .clone();
    assert_eq!(counts(&none["design"]), every(&DESIGNS, &[]));
    assert_eq!(counts(&none["support"]), every(&SUPPORTS, &[]));
}

#[tokio::test]
async fn studies_filter_by_designs_year_journal_and_retraction() {
    let app = browsing_app().await;
    let titles = |data: Value| -> Vec<String> {
        let studies = &data["studies"];
        let found: Vec<String> = studies["nodes"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|study| study["title"].as_str().map(str::to_owned))
            .collect();
        assert_eq!(studies["totalCount"], found.len());
        found
    };
    let cases = [
        (
            json!({ "designs": ["RANDOMISED_CONTROLLED_TRIAL"] }),
            list(&["Browse study 1", "Browse study 3"]),
        ),
        (
            json!({ "design": "RANDOMISED_CONTROLLED_TRIAL", "designs": ["RANDOMISED_CONTROLLED_TRIAL", "COHORT_STUDY"] }),
            list(&["Browse study 1", "Browse study 3"]),
        ),
        (
            json!({ "designs": ["COHORT_STUDY", "SYSTEMATIC_REVIEW"] }),
            list(&["Browse study 2", "Browse study 4"]),
        ),
        (json!({ "designs": [] }), list(&[])),
        (
            json!({ "year": { "from": 2016 } }),
            list(&[SEED_STUDY, "Browse study 1", "Browse study 3"]),
        ),
        (
            json!({ "year": { "from": 2010, "to": 2015 } }),
            list(&["Browse study 2", "Browse study 4"]),
        ),
        (
            json!({ "journal": { "equals": "journal of strength" } }),
            list(&["Browse study 1", "Browse study 3"]),
        ),
        (
            json!({ "journal": { "contains": "MEDECINE" } }),
            list(&["Browse study 2"]),
        ),
        (
            json!({ "journal": { "contains": "" } }),
            list(&[SEED_STUDY, "Browse study 1", "Browse study 2", "Browse study 3"]),
        ),
        (json!({ "retracted": true }), list(&["Browse study 3"])),
        (
            json!({ "retracted": false, "designs": ["RANDOMISED_CONTROLLED_TRIAL"] }),
            list(&["Browse study 1"]),
        ),
    ];
    for (filter, expected) in cases {
        let data = app.data(STUDIES, json!({ "filter": filter })).await;
        assert_eq!(titles(data), expected, "{filter}");
    }
}

#[tokio::test]
async fn study_facets_count_designs_and_years_of_the_filtered_list() {
    let app = browsing_app().await;
    let all = app.data(STUDY_FACETS, json!({})).await["studyFacets"].clone();
    assert_eq!(
        counts(&all["design"]),
        every(
            &DESIGNS,
            &[
                ("SYSTEMATIC_REVIEW_META_ANALYSIS", 1),
                ("SYSTEMATIC_REVIEW", 1),
                ("RANDOMISED_CONTROLLED_TRIAL", 2),
                ("COHORT_STUDY", 1),
            ]
        )
    );
    assert_eq!(
        all["year"],
        json!([
            { "value": 2010, "count": 1 }, { "value": 2015, "count": 1 }, { "value": 2019, "count": 1 },
            { "value": 2022, "count": 1 }, { "value": 2026, "count": 1 }
        ])
    );
    let kept = app
        .data(STUDY_FACETS, json!({ "filter": { "retracted": false } }))
        .await["studyFacets"]
        .clone();
    assert_eq!(
        counts(&kept["design"]),
        every(
            &DESIGNS,
            &[
                ("SYSTEMATIC_REVIEW_META_ANALYSIS", 1),
                ("SYSTEMATIC_REVIEW", 1),
                ("RANDOMISED_CONTROLLED_TRIAL", 1),
                ("COHORT_STUDY", 1),
            ]
        )
    );
    let years: Vec<u64> = kept["year"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|item| item["value"].as_u64())
        .collect();
    assert_eq!(years, [2010, 2015, 2019, 2026]);
}

#[tokio::test]
async fn a_claims_evidence_filters_by_design_and_year_on_both_paths() {
    let compiled = browsing_app().await.with_compiled_queries(true);
    let executor = browsing_app().await.with_compiled_queries(false);
    // Written in the text: a request with enum or input-object variables is never compiled.
    let cases = [
        ("design: [RANDOMISED_CONTROLLED_TRIAL]", list(&["Browse study 1"])),
        ("year: { to: 2016 }", list(&["Browse study 2"])),
        (
            "year: { from: 2000 }",
            list(&["Browse study 1", "Browse study 2"]),
        ),
        (
            "stance: CONTRADICTING, design: [RANDOMISED_CONTROLLED_TRIAL]",
            list(&[]),
        ),
        (
            "stance: CONTRADICTING, design: [COHORT_STUDY]",
            list(&["Browse study 2"]),
        ),
        ("design: []", list(&[])),
    ];
    let mut answered = 0;
    for (arguments, expected) in cases {
        let document = format!(
            r#"{{ claim(slug: "browse-a") {{ evidence({arguments}) {{ totalCount nodes {{ stance study {{ title }} }} }} }} }}"#
        );
        // The first request of a text validates it; the second may be compiled.
        compiled.post_graphql(&document, json!({})).await;
        let before = compiled.compiled_answers().await;
        for app in [&compiled, &executor] {
            let data = app.data(&document, json!({})).await;
            let evidence = &data["claim"]["evidence"];
            let titles: Vec<String> = evidence["nodes"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(|node| node["study"]["title"].as_str().map(str::to_owned))
                .collect();
            assert_eq!(titles, expected, "{arguments}");
            assert_eq!(evidence["totalCount"], expected.len());
        }
        answered += compiled.compiled_answers().await - before;
    }
    assert_eq!(answered, 6, "the compiled claim page answered every case");
}

#[tokio::test]
async fn every_bad_filter_value_is_a_typed_error_naming_its_field() {
    let app = browsing_app().await;
    let long = "x".repeat(201);
    let many_designs: Vec<&str> = DESIGNS.iter().chain(DESIGNS.iter()).copied().collect();
    assert_eq!(many_designs.len(), 22);
    let many_directions: Vec<&str> = DIRECTIONS.iter().cycle().take(21).copied().collect();
    let many_supports: Vec<&str> = SUPPORTS.iter().cycle().take(21).copied().collect();
    let claims = [
        (
            json!({ "evidenceDesign": many_designs }),
            "OUT_OF_RANGE",
            "filter.evidenceDesign",
        ),
        (
            json!({ "effectDirection": many_directions }),
            "OUT_OF_RANGE",
            "filter.effectDirection",
        ),
        (
            json!({ "topMechanismSupport": many_supports }),
            "OUT_OF_RANGE",
            "filter.topMechanismSupport",
        ),
        (
            json!({ "population": { "contains": long } }),
            "BAD_USER_INPUT",
            "filter.population.contains",
        ),
        (
            json!({ "outcome": { "equals": long } }),
            "BAD_USER_INPUT",
            "filter.outcome.equals",
        ),
        (
            json!({ "intervention": { "equals": long } }),
            "BAD_USER_INPUT",
            "filter.intervention.equals",
        ),
        (
            json!({ "comparator": { "contains": long } }),
            "BAD_USER_INPUT",
            "filter.comparator.contains",
        ),
        (
            json!({ "evidenceYear": { "from": 1599 } }),
            "OUT_OF_RANGE",
            "filter.evidenceYear.from",
        ),
        (
            json!({ "evidenceYear": { "to": 2101 } }),
            "OUT_OF_RANGE",
            "filter.evidenceYear.to",
        ),
        (
            json!({ "evidenceYear": { "from": 2020, "to": 2010 } }),
            "BAD_USER_INPUT",
            "filter.evidenceYear",
        ),
    ];
    for (filter, code, field) in claims {
        for query in [CLAIMS, CLAIM_FACETS] {
            let body = app.graphql(query, json!({ "filter": filter })).await;
            single_error(&body, code, Some(field));
        }
    }
    let studies = [
        (
            json!({ "designs": many_designs }),
            "OUT_OF_RANGE",
            "filter.designs",
        ),
        (
            json!({ "journal": { "contains": long } }),
            "BAD_USER_INPUT",
            "filter.journal.contains",
        ),
        (
            json!({ "year": { "from": 1000 } }),
            "OUT_OF_RANGE",
            "filter.year.from",
        ),
        (
            json!({ "year": { "from": 2001, "to": 2000 } }),
            "BAD_USER_INPUT",
            "filter.year",
        ),
    ];
    for (filter, code, field) in studies {
        for query in [STUDIES, STUDY_FACETS] {
            let body = app.graphql(query, json!({ "filter": filter })).await;
            single_error(&body, code, Some(field));
        }
    }
    const EVIDENCE: &str = r#"query($design: [StudyDesign!], $year: YearRange) {
        claim(slug: "browse-a") { evidence(design: $design, year: $year) { totalCount } } }"#;
    for (variables, code, field) in [
        (json!({ "design": many_designs }), "OUT_OF_RANGE", "design"),
        (json!({ "year": { "to": 3000 } }), "OUT_OF_RANGE", "year.to"),
        (
            json!({ "year": { "from": 2030, "to": 2020 } }),
            "BAD_USER_INPUT",
            "year",
        ),
    ] {
        let body = app.graphql(EVIDENCE, variables).await;
        single_error(&body, code, Some(field));
    }
}

/// Pages through the whole list in `order`, forwards with `first` and `after`, then backwards with
/// `last` and `before`: each way must give `expected`, every claim once.
async fn page_both_ways(app: &TestApp, order: &Value, expected: &[String]) {
    let mut forward = Vec::new();
    let mut after = Value::Null;
    loop {
        let page = app
            .data(CLAIMS, json!({ "orderBy": order, "first": 7, "after": after }))
            .await["claims"]
            .clone();
        forward.extend(slugs(&page));
        if page["pageInfo"]["hasNextPage"] == false {
            break;
        }
        after = page["pageInfo"]["endCursor"].clone();
    }
    assert_eq!(forward, expected, "forwards in {order}");
    let mut backward = Vec::new();
    let mut before = Value::Null;
    loop {
        let page = app
            .data(CLAIMS, json!({ "orderBy": order, "last": 7, "before": before }))
            .await["claims"]
            .clone();
        let mut slugs = slugs(&page);
        slugs.extend(backward);
        backward = slugs;
        if page["pageInfo"]["hasPreviousPage"] == false {
            break;
        }
        before = page["pageInfo"]["startCursor"].clone();
    }
    assert_eq!(backward, expected, "backwards in {order}");
}

#[tokio::test]
async fn claims_page_by_evidence_count_and_by_update_both_ways_without_repeats_or_gaps() {
    let app = TestApp::seeded().await;
    generate(&app.db, &GenerateOptions::new(40, 3))
        .await
        .expect("generating");
    // Ties in `updated_at`: every third claim shares one time, so only the id orders them.
    let rows = claim::Entity::find().all(&app.db).await.expect("claims");
    let tied: Vec<i32> = rows.iter().map(|row| row.id).filter(|id| id % 3 == 0).collect();
    let time = chrono::DateTime::parse_from_rfc3339("2030-01-01T00:00:00Z")
        .expect("a time")
        .with_timezone(&chrono::Utc);
    claim::Entity::update_many()
        .col_expr(claim::Column::UpdatedAt, sea_orm::sea_query::Expr::value(time))
        .filter(claim::Column::Id.is_in(tied))
        .exec(&app.db)
        .await
        .expect("tying update times");
    let rows = claim::Entity::find().all(&app.db).await.expect("claims");
    assert_eq!(rows.len(), 41);
    let mut counts: HashMap<i32, usize> = HashMap::new();
    for row in &rows {
        *counts.entry(row.evidence_count).or_default() += 1;
    }
    assert!(
        counts.values().any(|n| *n > 1),
        "ties in evidence counts: {counts:?}"
    );
    for (field, key) in [
        (
            "EVIDENCE_COUNT",
            (|row: &claim::Model| format!("{:04}", row.evidence_count)) as fn(&claim::Model) -> String,
        ),
        ("UPDATED_AT", |row: &claim::Model| row.updated_at.to_rfc3339()),
    ] {
        let mut sorted = rows.clone();
        sorted.sort_by_key(|row| (key(row), row.id));
        let ascending: Vec<String> = sorted.iter().map(|row| row.slug.clone()).collect();
        let descending: Vec<String> = ascending.iter().rev().cloned().collect();
        page_both_ways(&app, &json!({ "field": field, "direction": "ASC" }), &ascending).await;
        page_both_ways(&app, &json!({ "field": field, "direction": "DESC" }), &descending).await;
    }
}

#[tokio::test]
async fn a_cursor_of_another_order_is_refused() {
    let app = browsing_app().await;
    let page = app
        .data(
            CLAIMS,
            json!({ "orderBy": { "field": "EVIDENCE_COUNT" }, "first": 2 }),
        )
        .await["claims"]
        .clone();
    let cursor = page["pageInfo"]["endCursor"].clone();
    for field in ["CREATED_AT", "UPDATED_AT", "SLUG"] {
        let body = app
            .graphql(
                CLAIMS,
                json!({ "orderBy": { "field": field }, "first": 2, "after": cursor }),
            )
            .await;
        single_error(&body, "BAD_USER_INPUT", Some("after"));
    }
    let page = app
        .data(
            CLAIMS,
            json!({ "orderBy": { "field": "UPDATED_AT" }, "first": 2 }),
        )
        .await["claims"]
        .clone();
    let body = app
        .graphql(
            CLAIMS,
            json!({ "orderBy": { "field": "EVIDENCE_COUNT" }, "last": 2, "before": page["pageInfo"]["endCursor"] }),
        )
        .await;
    single_error(&body, "BAD_USER_INPUT", Some("before"));
}

#[tokio::test]
async fn the_write_path_keeps_each_claims_evidence_count() {
    const SUBMIT: &str = r#"mutation($input: EvidenceSubmitInput!) { evidenceSubmit(input: $input) {
        evidence { id version } userErrors { field message } } }"#;
    const REMOVE: &str = r#"mutation($input: RemoveInput!) { evidenceRemove(input: $input) {
        userErrors { field message } } }"#;
    const ID: &str = r#"query { claim(slug: "browse-d") { id } }"#;
    let app = browsing_app().await;
    let count_of = |slug: &'static str| {
        let db = app.db.clone();
        async move {
            claim::Entity::find()
                .filter(claim::Column::Slug.eq(slug))
                .one(&db)
                .await
                .expect("reading")
                .expect("the claim")
                .evidence_count
        }
    };
    assert_eq!(count_of("browse-a").await, 2);
    assert_eq!(count_of("browse-d").await, 0);
    let order = json!({ "orderBy": { "field": "EVIDENCE_COUNT" }, "first": 5 });
    let sorted = app.data(CLAIMS, order).await;
    assert_eq!(
        slugs(&sorted["claims"]),
        ["browse-d", SEED_SLUG, "browse-b", "browse-a", "browse-c"]
    );
    let moderator = app.token("morgan", Role::Moderator).await;
    let claim_id = app.data(ID, json!({})).await["claim"]["id"].clone();
    let input = json!({ "claimId": claim_id, "doi": "10.5555/br.2", "stance": "SUPPORTING" });
    let added = app.data_as(&moderator, SUBMIT, json!({ "input": input })).await;
    let evidence = added["evidenceSubmit"]["evidence"].clone();
    assert!(evidence["id"].is_string(), "{added:#}");
    assert_eq!(count_of("browse-d").await, 1);
    // The order by evidence count sees it at once: browse-d (now 1) sorts among the claims with
    // one evidence row, by id.
    let order = json!({ "orderBy": { "field": "EVIDENCE_COUNT" }, "first": 5 });
    let sorted = app.data(CLAIMS, order.clone()).await;
    assert_eq!(
        slugs(&sorted["claims"]),
        [SEED_SLUG, "browse-b", "browse-d", "browse-a", "browse-c"]
    );
    let removal = json!({ "id": evidence["id"], "version": evidence["version"] });
    let removed = app.data_as(&moderator, REMOVE, json!({ "input": removal })).await;
    assert_eq!(removed["evidenceRemove"]["userErrors"], json!([]), "{removed:#}");
    assert_eq!(count_of("browse-d").await, 0);
}

#[tokio::test]
async fn filters_and_facets_cost_a_fixed_number_of_statements() {
    const BROWSE_PAGE: &str = r#"query($filter: ClaimFilter) {
        claims(filter: $filter, first: 100) { totalCount nodes { slug evidence(design: [RANDOMISED_CONTROLLED_TRIAL]) { totalCount } } }
        claimFacets(filter: $filter) { design { value count } stance { value count } support { value count } effectDirection { value count } }
        studyFacets { design { value count } year { value count } } }"#;
    let filter = json!({ "hasSupporting": true, "evidenceYear": { "from": 1600 } });
    let small = browsing_app().await;
    let large = browsing_app().await;
    generate(&large.db, &GenerateOptions::new(60, 5))
        .await
        .expect("generating");
    let mut costs = Vec::new();
    for app in [&small, &large] {
        let before = app.statements();
        let data = app.data(BROWSE_PAGE, json!({ "filter": filter })).await;
        costs.push(app.statements() - before);
        assert!(
            data["claims"]["nodes"]
                .as_array()
                .is_some_and(|nodes| !nodes.is_empty()),
            "{data:#}"
        );
    }
    assert_eq!(
        costs[0], costs[1],
        "2 claims cost {} statements, dozens cost {}",
        costs[0], costs[1]
    );
    // The page, its count, the claims' evidence, its studies (for the design filter); four claim
    // facets and two study facets, one grouped statement each.
    assert_eq!(costs[0], 10, "statements for the browsing page");
}

/// The README's browsing example, on the seed data, answers what the README shows.
#[tokio::test]
async fn the_readme_browsing_example_answers_as_shown() {
    const BROWSE: &str = r#"query Browse($filter: ClaimFilter) {
  claims(filter: $filter, orderBy: { field: EVIDENCE_COUNT, direction: DESC }, first: 10) {
    totalCount nodes { slug evidenceCounts { supporting contradicting } } }
  claimFacets(filter: $filter) {
    design { value count } stance { value count } support { value count } }
}"#;
    let app = TestApp::seeded().await;
    let filter = json!({
        "population": { "contains": "TRAINED ADULTS" },
        "evidenceYear": { "from": 2020 },
        "hasSupporting": false
    });
    let data = app.data(BROWSE, json!({ "filter": filter })).await;
    let design: Vec<Value> = DESIGNS
        .iter()
        .map(|design| {
            let count = u64::from(*design == "SYSTEMATIC_REVIEW_META_ANALYSIS");
            json!({ "value": design, "count": count })
        })
        .collect();
    assert_eq!(
        data,
        json!({
            "claims": {
                "totalCount": 1,
                "nodes": [{ "slug": SEED_SLUG, "evidenceCounts": { "supporting": 0, "contradicting": 1 } }]
            },
            "claimFacets": {
                "design": design,
                "stance": [
                    { "value": "SUPPORTING", "count": 0 },
                    { "value": "CONTRADICTING", "count": 1 },
                    { "value": "INCONCLUSIVE", "count": 0 }
                ],
                "support": [
                    { "value": "MOST_PROBABLE", "count": 1 },
                    { "value": "LESS_SUPPORTED", "count": 0 },
                    { "value": "RULED_OUT", "count": 0 }
                ]
            }
        })
    );
}
