//! The ClaimPage query on the seed claim gives back the seed page, element by element.

use serde_json::{Value, json};
use tests::{CLAIM_PAGE, SEED_SLUG, TestApp};

const STUDY_TITLE: &str = "Effects of Advanced Resistance Training Systems on Muscle Hypertrophy and Strength in Recreationally Trained Adults: A Systematic Review and Meta-Analysis.";
const DOI: &str = "10.3390/jfmk11010080";

/// The seed page as committed beside the seed data (checked against the shared original there).
fn page_lines() -> Vec<String> {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../seeds/source/rest-pause-training.txt"
    );
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("reading {path}: {e}"));
    text.lines().map(str::to_owned).collect()
}

/// A step as the page prints it: its text with the citation marker before the final full stop.
fn page_line(step: &Value) -> String {
    let text = step["text"].as_str().expect("text");
    let dois: Vec<&str> = step["citations"]
        .as_array()
        .expect("citations")
        .iter()
        .filter_map(|c| c["value"].as_str())
        .collect();
    let body = text.strip_suffix('.').unwrap_or(text);
    format!("{body} ({}).", dois.join("; "))
}

async fn seed_page() -> Value {
    let app = TestApp::seeded().await;
    app.data(CLAIM_PAGE, json!({ "slug": SEED_SLUG })).await["claim"].clone()
}

#[tokio::test]
async fn the_claim_and_its_synthesis_are_the_pages_words() {
    let page = page_lines();
    let claim = seed_page().await;
    assert_eq!(claim["slug"], SEED_SLUG);
    assert_eq!(claim["statement"], page[0].as_str());
    assert_eq!(claim["population"], "recreationally trained adults");
    assert_eq!(claim["intervention"], "rest-pause training");
    assert_eq!(claim["comparator"], "traditional training sets");
    assert_eq!(claim["outcome"], "muscle growth");
    assert_eq!(page[1..3], ["Mechanism", "Synthesis from 1 study"]);
    assert_eq!(claim["synthesis"]["text"], page[3].as_str());
    assert_eq!(claim["synthesis"]["studyCount"], 1);
    assert_eq!(claim["synthesis"]["studies"], json!([{ "title": STUDY_TITLE }]));
}

#[tokio::test]
async fn three_mechanisms_come_in_rank_order_with_five_steps_each_in_position_order() {
    let page = page_lines();
    let claim = seed_page().await;
    let mechanisms = claim["mechanisms"].as_array().expect("mechanisms");
    assert_eq!(mechanisms.len(), 3);
    // On the page: heading, summary, 5 steps; the two less supported ones share a heading.
    assert_eq!(page[4], "Most probable mechanism");
    assert_eq!(page[11], "Less supported by current evidence, but not ruled out");
    let layout = [
        (1, "MOST_PROBABLE", 5),
        (2, "LESS_SUPPORTED", 12),
        (3, "LESS_SUPPORTED", 18),
    ];
    for (mechanism, (rank, support, summary_line)) in mechanisms.iter().zip(layout) {
        assert_eq!(mechanism["rank"], rank);
        assert_eq!(mechanism["support"], support);
        assert_eq!(mechanism["summary"], page[summary_line].as_str());
        let steps = mechanism["steps"].as_array().expect("steps");
        assert_eq!(steps.len(), 5, "mechanism {rank}");
        for (index, step) in steps.iter().enumerate() {
            assert_eq!(step["position"], index + 1);
            assert_eq!(
                page_line(step),
                page[summary_line + 1 + index],
                "mechanism {rank} step {}",
                index + 1
            );
        }
    }
}

#[tokio::test]
async fn all_fifteen_steps_cite_the_review_and_reach_its_study() {
    let claim = seed_page().await;
    let citations: Vec<&Value> = claim["mechanisms"]
        .as_array()
        .into_iter()
        .flatten()
        .flat_map(|m| m["steps"].as_array().into_iter().flatten())
        .map(|s| &s["citations"])
        .collect();
    assert_eq!(citations.len(), 15);
    let expected =
        json!([{ "value": DOI, "url": format!("https://doi.org/{DOI}"), "study": { "title": STUDY_TITLE } }]);
    assert!(citations.iter().all(|c| **c == expected), "{citations:#?}");
}

#[tokio::test]
async fn evidence_counts_and_rows_match_the_page() {
    let page = page_lines();
    let claim = seed_page().await;
    assert_eq!(
        page[24..],
        [
            "Evidence from Studies",
            "Supporting (0)",
            "Community contributions welcome",
            "Contradicting (1)",
            "Community contributions welcome",
            STUDY_TITLE,
            "Gold Standard Evidence Needed",
            "According to GRADE and EBM methodology, here is what ideal scientific evidence would look like to definitively prove or disprove this specific claim, ordered from strongest to weakest evidence.",
        ]
    );
    assert_eq!(
        claim["evidenceCounts"],
        json!({ "supporting": 0, "contradicting": 1, "total": 1 })
    );
    assert_eq!(claim["evidence"]["totalCount"], 1);
    let node = &claim["evidence"]["edges"][0]["node"];
    assert_eq!(node["stance"], "CONTRADICTING");
    assert_eq!(node["study"]["title"], STUDY_TITLE);
    assert_eq!(node["study"]["design"], "SYSTEMATIC_REVIEW_META_ANALYSIS");
    assert_eq!(node["study"]["doi"]["value"], DOI);
}

#[tokio::test]
async fn each_side_of_the_evidence_can_be_listed_on_its_own() {
    let app = TestApp::seeded().await;
    let query = r#"query($slug: String!) { claim(slug: $slug) {
        supporting: evidence(stance: SUPPORTING) { totalCount edges { node { stance } } }
        contradicting: evidence(stance: CONTRADICTING) { totalCount edges { node { stance study { title } } } } } }"#;
    let claim = app.data(query, json!({ "slug": SEED_SLUG })).await["claim"].clone();
    assert_eq!(claim["supporting"], json!({ "totalCount": 0, "edges": [] }));
    assert_eq!(claim["contradicting"]["totalCount"], 1);
    assert_eq!(
        claim["contradicting"]["edges"][0]["node"]["study"]["title"],
        STUDY_TITLE
    );
}

#[tokio::test]
async fn the_evidence_ladder_runs_strongest_first_in_the_claims_terms() {
    let claim = seed_page().await;
    let ladder = claim["evidenceNeeds"].as_array().expect("evidenceNeeds");
    let levels: Vec<&Value> = ladder.iter().map(|r| &r["cebmLevel"]).collect();
    assert_eq!(levels, [1, 2, 3, 4, 5]);
    let ranks: Vec<&Value> = ladder.iter().map(|r| &r["rank"]).collect();
    assert_eq!(ranks, [1, 2, 3, 4, 5]);
    assert_eq!(ladder[0]["design"], "SYSTEMATIC_REVIEW_META_ANALYSIS");
    assert_eq!(ladder[1]["design"], "RANDOMISED_CONTROLLED_TRIAL");
    for rung in ladder {
        let description = rung["description"].as_str().expect("description");
        for term in [
            "recreationally trained adults",
            "rest-pause training",
            "traditional training sets",
            "muscle growth",
        ] {
            assert!(description.contains(term), "{description}");
        }
    }
    // The seed study is a systematic review with meta-analysis: it meets the top rung only.
    assert_eq!(ladder[0]["metBy"], json!([{ "title": STUDY_TITLE }]));
    assert!(ladder[1..].iter().all(|r| r["metBy"] == json!([])));
}

#[tokio::test]
async fn an_unknown_slug_is_null_not_an_error() {
    let app = TestApp::seeded().await;
    let body = app.graphql(CLAIM_PAGE, json!({ "slug": "no-such-claim" })).await;
    assert_eq!(body, json!({ "data": { "claim": null } }));
}
