//! Full-text search and suggestions (issue 16): ranked results across the graph, highlights,
//! pagination, DOIs in any spelling, spelling correction, the index following the write path, a
//! committed relevance set, and every refusal with its field.

use std::collections::HashSet;

use entity::values::Role;
use serde_json::{Value, json};
use tests::{SEED_SLUG, TestApp, single_error};

const SEARCH: &str = r#"query Search($q: String!, $types: [SearchType!], $filter: SearchFilter, $first: Int, $after: String, $last: Int, $before: String) {
  search(query: $q, types: $types, filter: $filter, first: $first, after: $after, last: $last, before: $before) {
    totalCount correctedQuery
    pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
    edges { cursor node { type score
      node { __typename ... on Claim { slug } ... on Mechanism { summary } ... on MechanismStep { text }
             ... on Study { title } ... on Doi { value } }
      claim { slug }
      highlights { field text html matches { start end } } } }
  }
}"#;

const SUGGEST: &str = r#"query Suggest($prefix: String!, $first: Int) {
  suggest(prefix: $prefix, first: $first) {
    node { __typename ... on Claim { slug statement } ... on Study { title } }
    highlight { field text html matches { start end } }
  }
}"#;

async fn search(app: &TestApp, variables: Value) -> Value {
    app.data(SEARCH, variables).await["search"].clone()
}

fn results(found: &Value) -> Vec<Value> {
    found["edges"]
        .as_array()
        .expect("edges")
        .iter()
        .map(|edge| edge["node"].clone())
        .collect()
}

/// What identifies a result in the relevance set: a claim's slug; a mechanism's, step's or
/// study's text; a DOI's value.
fn identity(result: &Value) -> String {
    let node = &result["node"];
    let text = match result["type"].as_str().expect("type") {
        "CLAIM" => node["slug"].clone(),
        "MECHANISM" => node["summary"].clone(),
        "STEP" => node["text"].clone(),
        "STUDY" => node["title"].clone(),
        _ => node["value"].clone(),
    };
    text.as_str().expect("a text").to_owned()
}

#[tokio::test]
async fn the_committed_relevance_set_finds_its_expected_top_results() {
    let app = TestApp::seeded().await;
    seeds::generate::generate(&app.db, &seeds::generate::GenerateOptions::new(40, 7))
        .await
        .expect("40 generated claims");
    let set: Vec<Value> =
        serde_json::from_str(include_str!("search_relevance.json")).expect("the relevance set");
    assert!(set.len() >= 30, "at least 30 queries, not {}", set.len());
    let mut wrong = Vec::new();
    for case in &set {
        let query = case["query"].as_str().expect("query");
        let found = search(&app, json!({ "q": query, "first": 3 })).await;
        let top = results(&found).into_iter().next();
        let expected = case["top"].as_str().expect("top");
        let matches = top.as_ref().is_some_and(|top| {
            top["type"] == case["type"]
                && identity(top).starts_with(expected)
                && case
                    .get("claim")
                    .is_none_or(|claim| top["claim"]["slug"] == *claim)
        });
        let corrected_as_expected =
            found["correctedQuery"] == case.get("corrected").cloned().unwrap_or(Value::Null);
        if !matches || !corrected_as_expected {
            wrong.push(format!(
                "{query:?}: expected {} {expected:?} (corrected {:?}), got {:?} (corrected {})",
                case["type"],
                case.get("corrected"),
                top.map(|top| (top["type"].clone(), identity(&top), top["claim"]["slug"].clone())),
                found["correctedQuery"]
            ));
        }
    }
    assert!(
        wrong.is_empty(),
        "{} of {} queries:\n{}",
        wrong.len(),
        set.len(),
        wrong.join("\n")
    );
}

#[tokio::test]
async fn results_are_ranked_highlighted_and_link_to_their_claim() {
    let app = TestApp::seeded().await;
    let found = search(&app, json!({ "q": "muscle fiber activation" })).await;
    assert_eq!(found["totalCount"], 2);
    let top = &results(&found)[0];
    assert_eq!(top["type"], "CLAIM");
    assert_eq!(top["node"]["slug"], SEED_SLUG);
    assert_eq!(top["claim"]["slug"], SEED_SLUG);
    let scores: Vec<f64> = results(&found)
        .iter()
        .map(|r| r["score"].as_f64().expect("a score"))
        .collect();
    assert!(scores.windows(2).all(|pair| pair[0] >= pair[1]), "{scores:?}");
    let statement = &top["highlights"][0];
    assert_eq!(statement["field"], "statement");
    let text: Vec<char> = statement["text"].as_str().expect("text").chars().collect();
    let marked: Vec<String> = statement["matches"]
        .as_array()
        .expect("matches")
        .iter()
        .map(|m| {
            let (start, end) = (
                m["start"].as_u64().expect("start"),
                m["end"].as_u64().expect("end"),
            );
            text[start as usize..end as usize].iter().collect()
        })
        .collect();
    assert_eq!(marked, ["muscle", "muscle", "fiber", "activation"]);
    assert!(
        statement["html"]
            .as_str()
            .expect("html")
            .contains("<mark>muscle</mark> <mark>fiber</mark> <mark>activation</mark>")
    );
    // A step's claim is the claim whose page shows it.
    let step = search(&app, json!({ "q": "mTORC1" })).await;
    let step = &results(&step)[0];
    assert_eq!(step["type"], "STEP");
    assert_eq!(step["claim"]["slug"], SEED_SLUG);
    assert_eq!(step["highlights"][0]["field"], "text");
}

#[tokio::test]
async fn a_doi_in_any_spelling_finds_the_doi_then_its_study() {
    let app = TestApp::seeded().await;
    for spelling in [
        "10.3390/jfmk11010080",
        "DOI:10.3390/JFMK11010080",
        "https://doi.org/10.3390/jfmk11010080",
    ] {
        let found = search(&app, json!({ "q": spelling })).await;
        let found = results(&found);
        assert_eq!(found.len(), 2, "{spelling}");
        assert_eq!(found[0]["type"], "DOI");
        assert_eq!(found[0]["node"]["value"], "10.3390/jfmk11010080");
        assert_eq!(found[1]["type"], "STUDY");
    }
    let only_doi = search(&app, json!({ "q": "10.3390/jfmk11010080", "types": ["DOI"] })).await;
    assert_eq!(only_doi["totalCount"], 1);
    let unknown = search(&app, json!({ "q": "10.1234/unknown" })).await;
    assert_eq!(unknown["totalCount"], 0);
    assert_eq!(unknown["edges"], json!([]));
}

#[tokio::test]
async fn pages_follow_the_ranking_without_repeats_or_gaps_both_ways() {
    let app = TestApp::seeded().await;
    seeds::generate::generate(&app.db, &seeds::generate::GenerateOptions::new(12, 3))
        .await
        .expect("12 generated claims");
    let all = search(&app, json!({ "q": "muscle", "first": 100 })).await;
    let total = all["totalCount"].as_u64().expect("total") as usize;
    assert!(total > 20, "enough results to page through: {total}");
    let everything: Vec<String> = all["edges"]
        .as_array()
        .expect("edges")
        .iter()
        .map(|e| e["cursor"].as_str().expect("cursor").to_owned())
        .collect();
    assert_eq!(everything.len(), total.min(100));
    let mut forward = Vec::new();
    let mut after = Value::Null;
    loop {
        let page = search(&app, json!({ "q": "muscle", "first": 7, "after": after })).await;
        forward.extend(
            page["edges"]
                .as_array()
                .expect("edges")
                .iter()
                .map(|e| e["cursor"].clone()),
        );
        if page["pageInfo"]["hasNextPage"] != true {
            break;
        }
        after = page["pageInfo"]["endCursor"].clone();
    }
    let forward: Vec<String> = forward
        .iter()
        .map(|c| c.as_str().expect("cursor").to_owned())
        .collect();
    assert_eq!(forward.len(), total);
    assert_eq!(forward.iter().collect::<HashSet<_>>().len(), total, "no repeats");
    assert_eq!(
        forward[..everything.len()],
        everything[..],
        "the same order page by page"
    );
    let mut backward = Vec::new();
    let mut before = Value::Null;
    loop {
        let page = search(&app, json!({ "q": "muscle", "last": 5, "before": before })).await;
        let mut cursors: Vec<String> = page["edges"]
            .as_array()
            .expect("edges")
            .iter()
            .map(|e| e["cursor"].as_str().expect("cursor").to_owned())
            .collect();
        cursors.append(&mut backward);
        backward = cursors;
        if page["pageInfo"]["hasPreviousPage"] != true {
            break;
        }
        before = page["pageInfo"]["startCursor"].clone();
    }
    assert_eq!(backward, forward, "backward pages give the same list");
}

#[tokio::test]
async fn types_and_the_claim_filter_narrow_the_results() {
    let app = TestApp::seeded().await;
    app.load_generated(2).await;
    let steps = search(&app, json!({ "q": "muscle", "types": ["STEP"], "first": 100 })).await;
    assert!(results(&steps).iter().all(|r| r["type"] == "STEP"));
    let studies = search(&app, json!({ "q": "hypertrophy", "types": ["STUDY", "STUDY"] })).await;
    assert_eq!(studies["totalCount"], 1);
    let claim_id = app
        .data(r#"{ claim(slug: "claim-001") { id } }"#, json!({}))
        .await["claim"]["id"]
        .clone();
    let one_page = search(
        &app,
        json!({ "q": "mechanism", "filter": { "claim": claim_id }, "first": 100 }),
    )
    .await;
    let found = results(&one_page);
    assert_eq!(
        found.len(),
        18,
        "the 3 mechanisms of claim-001 and their 15 steps"
    );
    assert!(found.iter().all(|r| r["claim"]["slug"] == "claim-001"));
}

#[tokio::test]
async fn a_misspelt_query_is_corrected_and_says_so() {
    let app = TestApp::seeded().await;
    let found = search(&app, json!({ "q": "metabolik stres " })).await;
    assert_eq!(found["correctedQuery"], "metabolic stress");
    assert_eq!(found["totalCount"], 2);
    let exact = search(&app, json!({ "q": "metabolic stress" })).await;
    assert_eq!(exact["correctedQuery"], Value::Null);
    // The README's example.
    let readme = search(&app, json!({ "q": "metabolic stres ", "first": 2 })).await;
    assert_eq!(readme["correctedQuery"], "metabolic stress");
    let positions: Vec<Value> = results(&readme).iter().map(|r| r["type"].clone()).collect();
    assert_eq!(positions, [json!("STEP"), json!("STEP")]);
    let hopeless = search(&app, json!({ "q": "zzzzqqqq" })).await;
    assert_eq!(hopeless["correctedQuery"], Value::Null);
    assert_eq!(hopeless["totalCount"], 0);
}

#[tokio::test]
async fn query_syntax_phrases_exclusions_alternatives_and_prefixes() {
    let app = TestApp::seeded().await;
    let count = |found: Value| found["totalCount"].as_u64().expect("a count");
    let phrase = count(search(&app, json!({ "q": "\"motor unit recruitment\"" })).await);
    let words = count(search(&app, json!({ "q": "recruitment unit motor " })).await);
    assert_eq!((phrase, words), (2, 2));
    let reversed = count(search(&app, json!({ "q": "\"recruitment unit motor\"" })).await);
    assert_eq!(reversed, 0, "a phrase keeps its order");
    let tension = count(search(&app, json!({ "q": "tension " })).await);
    let without = count(search(&app, json!({ "q": "tension -metabolic" })).await);
    assert_eq!(without, tension - 1);
    let either = count(search(&app, json!({ "q": "mTORC1 OR titin" })).await);
    assert_eq!(either, 2);
    let prefix = count(search(&app, json!({ "q": "phosphocrea" })).await);
    let whole = count(search(&app, json!({ "q": "phosphocrea " })).await);
    assert_eq!(
        (prefix, whole),
        (1, 0),
        "only a last word still being typed is a prefix"
    );
    let common = search(&app, json!({ "q": "the of and " })).await;
    assert_eq!(common["totalCount"], 0);
}

#[tokio::test]
async fn highlights_are_safe_html_and_long_texts_become_snippets() {
    let app = TestApp::seeded().await;
    let moderator = app.token("morgan", Role::Moderator).await;
    let long = format!(
        "{} <script>alert('x')</script> & sarcoplasmic \"hypertrophy\" {}",
        "filler ".repeat(60),
        "tail ".repeat(60)
    );
    let created = app
        .data_as(
            &moderator,
            r#"mutation($input: ClaimCreateInput!) { claimCreate(input: $input) { claim { slug } userErrors { message } } }"#,
            json!({ "input": { "slug": "html-claim", "statement": "A claim <b>bold</b> & sarcoplasmic.",
                "population": "p", "intervention": "i", "comparator": "c", "outcome": "o", "synthesis": long } }),
        )
        .await;
    assert_eq!(created["claimCreate"]["claim"]["slug"], "html-claim", "{created}");
    let found = search(&app, json!({ "q": "sarcoplasmic" })).await;
    let highlights = &results(&found)[0]["highlights"];
    assert_eq!(highlights[0]["field"], "statement");
    assert_eq!(
        highlights[0]["html"],
        "A claim &lt;b&gt;bold&lt;/b&gt; &amp; <mark>sarcoplasmic</mark>."
    );
    let synthesis = &highlights[1];
    assert_eq!(synthesis["field"], "synthesis");
    let text = synthesis["text"].as_str().expect("text");
    assert!(text.starts_with('…') && text.ends_with('…'), "{text}");
    assert!(text.chars().count() < 260);
    let html = synthesis["html"].as_str().expect("html");
    assert!(
        html.contains("&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; <mark>sarcoplasmic</mark>"),
        "{html}"
    );
    assert!(!html.contains("<script"));
}

#[tokio::test]
async fn the_index_follows_the_write_path_at_once() {
    let app = TestApp::seeded().await;
    let moderator = app.token("morgan", Role::Moderator).await;
    let contributor = app.token("casey", Role::Contributor).await;
    let create = r#"mutation($input: ClaimCreateInput!) {
        claimCreate(input: $input) { claim { slug } contribution { id status } userErrors { message } } }"#;
    let input = |slug: &str, word: &str| {
        json!({ "input": { "slug": slug, "statement": format!("Claims about {word} exist."),
            "population": "p", "intervention": "i", "comparator": "c", "outcome": "o", "synthesis": "s" } })
    };
    let count = |found: Value| found["totalCount"].as_u64().expect("a count");
    // A moderator's change is searchable at once.
    app.data_as(&moderator, create, input("direct", "quokkas")).await;
    assert_eq!(count(search(&app, json!({ "q": "quokkas" })).await), 1);
    // A contributor's waits for review and is not searchable until accepted.
    let pending = app
        .data_as(&contributor, create, input("pending", "wombats"))
        .await;
    let contribution = pending["claimCreate"]["contribution"]["id"].clone();
    assert_eq!(pending["claimCreate"]["contribution"]["status"], "PENDING");
    assert_eq!(count(search(&app, json!({ "q": "wombats" })).await), 0);
    app.data_as(
        &moderator,
        r#"mutation($id: ID!) { contributionAccept(input: { id: $id }) { userErrors { message } } }"#,
        json!({ "id": contribution }),
    )
    .await;
    assert_eq!(count(search(&app, json!({ "q": "wombats" })).await), 1);
    // An edit replaces the old words; a removal takes its node out.
    let step = app
        .data(
            r#"{ claim(slug: "rest-pause-training") { mechanisms { id version steps { id version text } } } }"#,
            json!({}),
        )
        .await["claim"]["mechanisms"][0]
        .clone();
    let first = &step["steps"][0];
    app.data_as(
        &moderator,
        r#"mutation($input: StepUpdateInput!) { stepUpdate(input: $input) { userErrors { message } } }"#,
        json!({ "input": { "id": first["id"], "version": first["version"], "text": "Platypus signalling." } }),
    )
    .await;
    assert_eq!(count(search(&app, json!({ "q": "phosphocreatine" })).await), 0);
    assert_eq!(count(search(&app, json!({ "q": "platypus" })).await), 1);
    let mechanisms_before = count(search(&app, json!({ "q": "lactate", "types": ["MECHANISM"] })).await);
    assert_eq!(mechanisms_before, 1);
    let removed = app
        .data_as(
            &moderator,
            r#"mutation($input: RemoveInput!) { mechanismRemove(input: $input) { userErrors { message } } }"#,
            json!({ "input": { "id": step["id"], "version": step["version"] } }),
        )
        .await;
    assert_eq!(removed["mechanismRemove"]["userErrors"], json!([]), "{removed}");
    assert_eq!(
        count(search(&app, json!({ "q": "lactate", "types": ["MECHANISM"] })).await),
        0
    );
    assert_eq!(
        count(search(&app, json!({ "q": "platypus" })).await),
        0,
        "its steps went with it"
    );
}

#[tokio::test]
async fn rebuilding_the_index_gives_the_same_answers_twice() {
    let app = TestApp::seeded().await;
    app.load_generated(3).await;
    let before = search(&app, json!({ "q": "mechanism OR hypertrophy", "first": 100 })).await;
    let entries = api::store::search::rebuild(&app.db, |_, _| {})
        .await
        .expect("a rebuild");
    let again = api::store::search::rebuild(&app.db, |_, _| {})
        .await
        .expect("a second rebuild");
    assert_eq!(entries, again);
    assert_eq!(
        entries,
        20 + 3 * (1 + 3 + 15) + 3,
        "seed page 20, 3 claims of 19 entries, 3 studies"
    );
    let after = search(&app, json!({ "q": "mechanism OR hypertrophy", "first": 100 })).await;
    assert_eq!(before, after);
}

#[tokio::test]
async fn suggestions_start_with_the_prefix_then_match_words() {
    let app = TestApp::seeded().await;
    app.load_generated(3).await;
    let by_start = app
        .data(SUGGEST, json!({ "prefix": "Generated claim number 2" }))
        .await["suggest"]
        .clone();
    assert_eq!(by_start[0]["node"]["slug"], "claim-002");
    assert_eq!(by_start.as_array().expect("a list").len(), 1);
    // Case and accents are ignored at the start; then claims and studies with a matching word.
    let mixed = app
        .data(SUGGEST, json!({ "prefix": "GÉNÉRATED", "first": 20 }))
        .await["suggest"]
        .clone();
    let kinds: Vec<&str> = mixed
        .as_array()
        .expect("a list")
        .iter()
        .map(|s| s["node"]["__typename"].as_str().expect("a type"))
        .collect();
    assert_eq!(kinds, ["Claim", "Claim", "Claim", "Study", "Study", "Study"]);
    let by_word = app.data(SUGGEST, json!({ "prefix": "hypertro" })).await["suggest"].clone();
    assert_eq!(by_word[0]["node"]["__typename"], "Study");
    assert_eq!(by_word[0]["highlight"]["field"], "title");
    assert!(
        by_word[0]["highlight"]["html"]
            .as_str()
            .expect("html")
            .contains("<mark>Hypertrophy</mark>")
    );
    let limited = app.data(SUGGEST, json!({ "prefix": "gen", "first": 2 })).await["suggest"].clone();
    assert_eq!(limited.as_array().expect("a list").len(), 2);
    let blank = app.data(SUGGEST, json!({ "prefix": "   " })).await["suggest"].clone();
    assert_eq!(blank, json!([]));
}

#[tokio::test]
async fn bad_searches_are_refused_with_their_field() {
    let app = TestApp::seeded().await;
    let cases = [
        (json!({ "q": "   " }), "BAD_USER_INPUT", "query"),
        (json!({ "q": "?!-- ..." }), "BAD_USER_INPUT", "query"),
        (json!({ "q": "-fatigue" }), "BAD_USER_INPUT", "query"),
        (json!({ "q": "muscle OR -fatigue" }), "BAD_USER_INPUT", "query"),
        (json!({ "q": "a".repeat(201) }), "BAD_USER_INPUT", "query"),
        (json!({ "q": "w ".repeat(17) }), "BAD_USER_INPUT", "query"),
        (json!({ "q": "muscle", "types": [] }), "BAD_USER_INPUT", "types"),
        (
            json!({ "q": "muscle", "types": vec!["CLAIM"; 6] }),
            "OUT_OF_RANGE",
            "types",
        ),
        (json!({ "q": "muscle", "first": 101 }), "BAD_USER_INPUT", "first"),
        (
            json!({ "q": "muscle", "after": "not-a-cursor" }),
            "BAD_USER_INPUT",
            "after",
        ),
        (
            json!({ "q": "muscle", "filter": { "claim": "nope" } }),
            "BAD_USER_INPUT",
            "filter.claim",
        ),
    ];
    for (variables, code, field) in cases {
        let body = app.graphql(SEARCH, variables.clone()).await;
        single_error(&body, code, Some(field));
        assert_eq!(body["data"], Value::Null, "{variables}");
    }
    let study_id = app
        .data(r#"{ studies(first: 1) { nodes { id } } }"#, json!({}))
        .await["studies"]["nodes"][0]["id"]
        .clone();
    let wrong_type = app
        .graphql(SEARCH, json!({ "q": "muscle", "filter": { "claim": study_id } }))
        .await;
    single_error(&wrong_type, "BAD_USER_INPUT", Some("filter.claim"));
    for (variables, field) in [
        (json!({ "prefix": "p".repeat(101) }), "prefix"),
        (json!({ "prefix": "muscle", "first": 21 }), "first"),
        (json!({ "prefix": "muscle", "first": -1 }), "first"),
    ] {
        let body = app.graphql(SUGGEST, variables).await;
        single_error(&body, "BAD_USER_INPUT", Some(field));
    }
}

#[tokio::test]
async fn no_input_however_odd_is_an_internal_error() {
    let app = TestApp::seeded().await;
    let long = "x".repeat(200);
    let odd = [
        "\"",
        "\"\"",
        "-",
        "--",
        "OR",
        "OR muscle OR",
        "muscle OR",
        "*",
        "muscle*",
        "^muscle",
        "a:b",
        "{a b}: c",
        "NEAR(muscle fiber)",
        "muscle AND",
        "NOT muscle",
        "(muscle",
        "muscle)",
        "'",
        "''; DROP TABLE claim; --",
        "\\",
        "%",
        "_",
        "\u{0}",
        "\u{202e}muscle",
        "💪 muscle",
        "мышца",
        "筋肉",
        "e\u{301}cole",
        "ǅ",
        "ﬁber",
        "10.",
        "10.1234",
        "doi:",
        "https://doi.org/",
        "muscle -",
        "- muscle",
        "\"muscle",
        "muscle\"",
        "-\"fiber\" muscle",
        "a b c d e f g h i j k l m n o p",
        long.as_str(),
        "!!!",
        ":*",
        "& | !",
        "<->",
        "muscle:*",
        "'muscle'",
        "\t\n muscle \r",
    ];
    for q in odd {
        for first in [1, 20] {
            let body = app.graphql(SEARCH, json!({ "q": q, "first": first })).await;
            let codes: Vec<&str> = body["errors"]
                .as_array()
                .map(|errors| {
                    errors
                        .iter()
                        .filter_map(|e| e["extensions"]["code"].as_str())
                        .collect()
                })
                .unwrap_or_default();
            assert!(
                codes.iter().all(|code| *code == "BAD_USER_INPUT"),
                "{q:?} gave {body}"
            );
            assert!(
                codes.len() == 1 || body["data"]["search"]["totalCount"].is_u64(),
                "{q:?} gave {body}"
            );
        }
        let body = app.graphql(SUGGEST, json!({ "prefix": q })).await;
        let refused = body["errors"]
            .as_array()
            .is_some_and(|errors| errors.iter().all(|e| e["extensions"]["code"] == "BAD_USER_INPUT"));
        assert!(body["data"]["suggest"].is_array() || refused, "{q:?} gave {body}");
    }
}

#[tokio::test]
async fn a_page_of_results_costs_a_few_statements_whatever_its_size() {
    let app = TestApp::seeded().await;
    app.load_generated(10).await;
    let mut statements = Vec::new();
    for first in [2, 50] {
        let before = app.statements();
        let found = search(&app, json!({ "q": "mechanism OR step", "first": first })).await;
        assert_eq!(results(&found).len(), first);
        statements.push(app.statements() - before);
    }
    assert_eq!(statements[0], statements[1], "{statements:?}");
    assert!(statements[1] <= 8, "{statements:?}");
}

const CLAIMS_BY_RELEVANCE: &str = r#"query($search: String!, $first: Int, $after: String, $last: Int, $before: String) {
  claims(filter: { search: $search }, orderBy: { field: RELEVANCE }, first: $first, after: $after, last: $last, before: $before) {
    totalCount edges { cursor node { slug } } pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
  }
}"#;

fn slugs(connection: &Value) -> Vec<String> {
    connection["edges"]
        .as_array()
        .expect("edges")
        .iter()
        .map(|edge| edge["node"]["slug"].as_str().expect("a slug").to_owned())
        .collect()
}

#[tokio::test]
async fn claims_filtered_by_a_search_list_in_the_order_search_ranks_them() {
    let app = TestApp::seeded().await;
    seeds::generate::generate(&app.db, &seeds::generate::GenerateOptions::new(40, 7))
        .await
        .expect("40 generated claims");
    for query in [
        "training",
        "creatine OR caffeine",
        "muscle growth -rest",
        "sarcopen",
    ] {
        let ranked = search(&app, json!({ "q": query, "types": ["CLAIM"], "first": 100 })).await;
        let expected: Vec<String> = results(&ranked)
            .iter()
            .map(|r| r["node"]["slug"].as_str().expect("a slug").to_owned())
            .collect();
        assert!(!expected.is_empty(), "{query}");
        let all = app
            .data(CLAIMS_BY_RELEVANCE, json!({ "search": query, "first": 100 }))
            .await["claims"]
            .clone();
        assert_eq!(slugs(&all), expected, "{query}");
        assert_eq!(all["totalCount"], ranked["totalCount"], "{query}");
        // Page by page, forwards then backwards, the same list.
        let mut forward = Vec::new();
        let mut after = Value::Null;
        loop {
            let page = app
                .data(
                    CLAIMS_BY_RELEVANCE,
                    json!({ "search": query, "first": 3, "after": after }),
                )
                .await["claims"]
                .clone();
            forward.extend(slugs(&page));
            if page["pageInfo"]["hasNextPage"] != true {
                break;
            }
            after = page["pageInfo"]["endCursor"].clone();
        }
        assert_eq!(forward, expected, "{query}");
        let mut backward = Vec::new();
        let mut before = Value::Null;
        loop {
            let page = app
                .data(
                    CLAIMS_BY_RELEVANCE,
                    json!({ "search": query, "last": 4, "before": before }),
                )
                .await["claims"]
                .clone();
            let mut older = slugs(&page);
            older.append(&mut backward);
            backward = older;
            if page["pageInfo"]["hasPreviousPage"] != true {
                break;
            }
            before = page["pageInfo"]["startCursor"].clone();
        }
        assert_eq!(backward, expected, "{query}");
    }
    // With other filters and facets; descending puts the weakest match first.
    let narrowed = app
        .data(
            r#"{ claims(filter: { search: "training", population: { contains: "older" } }, orderBy: { field: RELEVANCE, direction: DESC }, first: 100) {
                   nodes { population } }
                 claimFacets(filter: { search: "training", population: { contains: "older" } }) { support { value count } } }"#,
            json!({}),
        )
        .await;
    let populations = narrowed["claims"]["nodes"].as_array().expect("nodes");
    assert!(!populations.is_empty());
    assert!(
        populations
            .iter()
            .all(|c| c["population"].as_str().is_some_and(|p| p.contains("older")))
    );
    let counted: u64 = narrowed["claimFacets"]["support"]
        .as_array()
        .expect("support")
        .iter()
        .map(|v| v["count"].as_u64().expect("a count"))
        .sum();
    assert_eq!(counted, populations.len() as u64);
    let common = app
        .data(CLAIMS_BY_RELEVANCE, json!({ "search": "the of ", "first": 5 }))
        .await;
    assert_eq!(common["claims"]["totalCount"], 0);
}

#[tokio::test]
async fn relevance_needs_a_search_and_a_search_filter_is_checked() {
    let app = TestApp::seeded().await;
    let body = app
        .graphql(
            r#"{ claims(orderBy: { field: RELEVANCE }) { totalCount } }"#,
            json!({}),
        )
        .await;
    single_error(&body, "BAD_USER_INPUT", Some("orderBy.field"));
    let body = app
        .graphql(CLAIMS_BY_RELEVANCE, json!({ "search": "-only", "first": 5 }))
        .await;
    single_error(&body, "BAD_USER_INPUT", Some("filter.search"));
    let other_order = app
        .data(r#"{ claims(first: 1) { pageInfo { endCursor } } }"#, json!({}))
        .await["claims"]["pageInfo"]["endCursor"]
        .clone();
    let body = app
        .graphql(
            CLAIMS_BY_RELEVANCE,
            json!({ "search": "training", "after": other_order }),
        )
        .await;
    single_error(&body, "BAD_USER_INPUT", Some("after"));
}

#[tokio::test]
async fn the_compiled_list_and_the_executor_rank_alike() {
    let document = r#"{ claims(filter: { search: "muscle growth" }, orderBy: { field: RELEVANCE }, first: 5) {
        totalCount edges { cursor node { slug statement } } pageInfo { hasNextPage endCursor } } }"#;
    let executor = TestApp::seeded().await.with_compiled_queries(false);
    seeds::generate::generate(&executor.db, &seeds::generate::GenerateOptions::new(12, 5))
        .await
        .expect("12 generated claims");
    let expected = executor.post_graphql(document, json!({})).await.text();
    assert!(expected.contains("\"slug\""), "{expected}");
    let app = executor.with_compiled_queries(true);
    app.post_graphql(document, json!({})).await;
    let before = app.compiled_answers().await;
    let compiled = app.post_graphql(document, json!({})).await.text();
    assert_eq!(compiled, expected);
    assert_eq!(app.compiled_answers().await - before, 1);
}

#[tokio::test]
async fn a_query_matching_more_than_can_be_ranked_says_so_and_stays_bounded() {
    let app = TestApp::migrated().await;
    seeds::generate::generate(&app.db, &seeds::generate::GenerateOptions::new(800, 2))
        .await
        .expect("800 generated claims");
    let broad = "muscle OR fiber OR activation OR metabolic OR stress OR strength OR protein OR tension \
                 OR fatigue OR recovery OR training OR volume OR load OR sets OR rest OR lactate";
    let query = r#"query($q: String!, $after: String) { search(query: $q, first: 100, after: $after) {
        totalCount truncated pageInfo { hasNextPage endCursor } nodes { score } } }"#;
    let found = app.data(query, json!({ "q": broad })).await["search"].clone();
    assert_eq!(found["truncated"], true, "{}", found["totalCount"]);
    assert_eq!(found["totalCount"], api::store::search::MAX_RANKED);
    let scores: Vec<f64> = found["nodes"]
        .as_array()
        .expect("nodes")
        .iter()
        .map(|n| n["score"].as_f64().expect("a score"))
        .collect();
    assert_eq!(scores.len(), 100);
    assert!(scores.windows(2).all(|pair| pair[0] >= pair[1]));
    let next = app
        .data(
            query,
            json!({ "q": broad, "after": found["pageInfo"]["endCursor"] }),
        )
        .await["search"]
        .clone();
    assert_eq!(next["nodes"].as_array().map(Vec::len), Some(100));
    let narrow = app.data(query, json!({ "q": "sarcopenia" })).await["search"].clone();
    assert_eq!(narrow["truncated"], false);
}
