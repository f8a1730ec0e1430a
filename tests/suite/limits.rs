//! Query limits: hostile or careless documents are refused with QUERY_TOO_COMPLEX before any
//! resolver runs, and the server goes on serving.

use serde_json::{Value, json};
use tests::{CLAIM_PAGE, SEED_SLUG, TestApp, claim_page_selection, single_error};

/// The introspection query GraphiQL and code generators send (graphql-js `getIntrospectionQuery`
/// with descriptions, directive repeatability and deprecation), which the limits must let through.
const INTROSPECTION: &str = r#"
query IntrospectionQuery {
  __schema {
    queryType { name } mutationType { name } subscriptionType { name }
    types { ...FullType }
    directives { name description isRepeatable locations args { ...InputValue } }
  }
}
fragment FullType on __Type {
  kind name description
  fields(includeDeprecated: true) { name description args { ...InputValue } type { ...TypeRef } isDeprecated deprecationReason }
  inputFields { ...InputValue }
  interfaces { ...TypeRef }
  enumValues(includeDeprecated: true) { name description isDeprecated deprecationReason }
  possibleTypes { ...TypeRef }
}
fragment InputValue on __InputValue { name description type { ...TypeRef } defaultValue }
fragment TypeRef on __Type {
  kind name
  ofType { kind name ofType { kind name ofType { kind name ofType { kind name
    ofType { kind name ofType { kind name ofType { kind name ofType { kind name } } } } } } } }
}"#;

fn refused(body: &Value, limit: &str) {
    let error = single_error(body, "QUERY_TOO_COMPLEX", None);
    assert_eq!(error["extensions"]["limit"], limit, "{body:#}");
    assert!(
        error["extensions"]["max"].as_u64().is_some() && error["extensions"]["actual"].as_u64().is_some()
    );
    assert!(body["data"].is_null(), "no data: {body:#}");
}

/// After a refusal the same app answers a normal page.
async fn still_serves(app: &TestApp) {
    let data = app.data(CLAIM_PAGE, json!({ "slug": SEED_SLUG })).await;
    assert_eq!(data["claim"]["slug"], SEED_SLUG);
}

#[tokio::test]
async fn graphiqls_introspection_query_and_the_claim_page_are_within_limits() {
    let app = TestApp::seeded().await;
    let data = app.data(INTROSPECTION, json!({})).await;
    assert!(data["__schema"]["types"].as_array().is_some_and(|t| t.len() > 20));
    still_serves(&app).await;
}

#[tokio::test]
async fn forty_levels_of_nested_introspection_are_refused() {
    let app = TestApp::seeded().await;
    let query = format!(
        "{{ __schema {{ types {}{} }} }}",
        "{ ofType ".repeat(40),
        "}".repeat(40)
    );
    let query = query.replacen("types { ofType", "types { name ofType", 1);
    let body = app
        .graphql(&query.replace("ofType }", "ofType { name }"), json!({}))
        .await;
    let code = body["errors"][0]["extensions"]["code"].clone();
    assert!(
        code == "QUERY_TOO_COMPLEX" || code == "GRAPHQL_PARSE_FAILED",
        "{body:#}"
    );
    assert!(body["data"].is_null());
    // Within the parser's nesting limit, depth itself is what refuses it.
    let nested = format!(
        "{{ __schema {{ types {{ {}name{} }} }} }}",
        "ofType { ".repeat(20),
        " }".repeat(20)
    );
    refused(&app.graphql(&nested, json!({})).await, "depth");
    still_serves(&app).await;
}

#[tokio::test]
async fn two_thousand_aliases_are_refused() {
    let app = TestApp::seeded().await;
    let aliases: String = (0..2000).map(|i| format!("a{i}: __typename ")).collect();
    refused(
        &app.graphql(&format!("{{ {aliases} }}"), json!({})).await,
        "aliases",
    );
    still_serves(&app).await;
}

#[tokio::test]
async fn a_chain_of_five_hundred_fragments_is_refused() {
    let app = TestApp::seeded().await;
    let mut query = String::from("{ ...F0 }");
    for i in 0..500 {
        query.push_str(&format!(" fragment F{i} on Query {{ __typename ...F{} }}", i + 1));
    }
    query.push_str(" fragment F500 on Query { __typename }");
    refused(&app.graphql(&query, json!({})).await, "fragments");
    still_serves(&app).await;
}

#[tokio::test]
async fn a_fragment_bomb_is_refused_without_being_expanded() {
    let app = TestApp::seeded().await;
    let mut query = String::from("{ ...F0 }");
    for i in 0..30 {
        query.push_str(&format!(
            " fragment F{i} on Query {{ ...F{n} ...F{n} }}",
            n = i + 1
        ));
    }
    query.push_str(" fragment F30 on Query { __typename }");
    refused(&app.graphql(&query, json!({})).await, "expandedFields");
}

#[tokio::test]
async fn a_fragment_cycle_is_a_validation_error() {
    let app = TestApp::seeded().await;
    // Each fragment spreads the other twice: walked naively, the cycle also multiplies.
    let query =
        "{ ...A } fragment A on Query { __typename ...B ...B } fragment B on Query { __typename ...A ...A }";
    let body = app.graphql(query, json!({})).await;
    let errors = body["errors"].as_array().expect("errors");
    assert!(!errors.is_empty());
    assert!(
        errors
            .iter()
            .all(|e| e["extensions"]["code"] == "GRAPHQL_VALIDATION_FAILED"),
        "{body:#}"
    );
    assert!(body["data"].is_null());
    still_serves(&app).await;
}

#[tokio::test]
async fn ten_thousand_directives_are_refused() {
    let app = TestApp::seeded().await;
    // Under the length limit only if the directives are short; spread them over many fields.
    let fields: String = (0..1000).map(|_| "__typename @skip(if: false) ").collect();
    refused(
        &app.graphql(&format!("{{ {fields} }}"), json!({})).await,
        "directives",
    );
    let many = format!("{{ __typename {} }}", "@include(if: true) ".repeat(10_000));
    let body = app.graphql(&many, json!({})).await;
    assert_eq!(
        body["errors"][0]["extensions"]["code"], "QUERY_TOO_COMPLEX",
        "{body:#}"
    );
    still_serves(&app).await;
}

#[tokio::test]
async fn a_long_query_string_is_refused() {
    // A 1 MB query no longer fits the 1 MiB body limit once JSON-encoded (see the conformance tests);
    // half of that is still far over the query length limit.
    let app = TestApp::seeded().await;
    let query = format!("{{ __typename }} #{}", "x".repeat(512 * 1024));
    refused(&app.graphql(&query, json!({})).await, "queryBytes");
    still_serves(&app).await;
}

#[tokio::test]
async fn lists_are_priced_by_their_page_size() {
    let app = TestApp::seeded().await;
    // The ClaimPage selection, applied to every claim of a page of `first`.
    let selection = claim_page_selection();
    let page = |first: usize| format!("{{ claims(first: {first}) {{ nodes {{ {selection} }} }} }}");
    // 50 whole claim pages fit; 100 do not.
    let ok = app.graphql(&page(50), json!({})).await;
    assert!(ok.get("errors").is_none(), "{ok:#}");
    refused(&app.graphql(&page(100), json!({})).await, "complexity");
    still_serves(&app).await;
}
