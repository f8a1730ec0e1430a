//! The harness for claimgraph's integration suite: a [`TestApp`] per test, each on a database of its
//! own, serving the very router the binary serves (driven in-process with `oneshot`).
//!
//! SQLite by default: a fresh file in a temporary folder per test. When `TEST_DATABASE_URL` names a
//! PostgreSQL database, each test gets a fresh schema in it instead, dropped when the test ends
//! (pass or fail), so runs never collide and leave nothing behind.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{SystemTime, UNIX_EPOCH};

use api::domain::seed::load_seed_files;
use api::store::reads::StatementObserver;
use api::{AppState, build_app};
use axum::Router;
use axum::body::Body;
use axum::http::{HeaderMap, Request, StatusCode};
use http_body_util::BodyExt;
use sea_orm::{
    ConnectOptions, ConnectionTrait, Database, DatabaseConnection, DatabaseTransaction, DbBackend, Statement,
    TransactionTrait,
};
use serde_json::{Value, json};
use tower::ServiceExt;

/// The variable that switches the suite to PostgreSQL.
pub const DATABASE_ENV: &str = "TEST_DATABASE_URL";

/// The seed claim's slug.
pub const SEED_SLUG: &str = "rest-pause-training";

/// The front ends' whole-page query, exactly as the API contract states it.
pub const CLAIM_PAGE: &str = r#"
query ClaimPage($slug: String!) {
  claim(slug: $slug) {
    id slug statement population intervention comparator outcome
    synthesis { text studyCount studies { title } }
    mechanisms { id rank support summary
      steps { id position text citations { value url study { title } } } }
    evidenceCounts { supporting contradicting total }
    evidence(first: 20) { totalCount edges { cursor node { stance study { title year design doi { value } } } } }
    evidenceNeeds { rank design cebmLevel description metBy { title } }
  }
}"#;

/// What [`CLAIM_PAGE`] selects on its claim, to apply to other claims (every claim of a list, say).
pub fn claim_page_selection() -> &'static str {
    let (_, rest) = CLAIM_PAGE
        .split_once("claim(slug: $slug) {")
        .expect("the ClaimPage query");
    rest.trim_end()
        .strip_suffix('}')
        .and_then(|r| r.trim_end().strip_suffix('}'))
        .expect("closing braces")
}

/// The integrations' walk from a DOI back to claims, exactly as the API contract states it.
pub const FROM_DOI: &str = r#"
query FromDoi($doi: String!) {
  doi(value: $doi) { value url
    study { title evidence(first: 20) { edges { node { stance claim { slug } } } } }
    citedBy(first: 50) { totalCount edges { node { position mechanism { rank claim { slug } } } } } }
}"#;

/// A response: status, headers and body.
#[derive(Debug)]
pub struct TestResponse {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: Vec<u8>,
}

impl TestResponse {
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.text()))
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }
}

/// One test's app and database.
pub struct TestApp {
    pub router: Router,
    pub db: DatabaseConnection,
    statements: Arc<AtomicUsize>,
    /// Copies of the statements run while recording (see [`TestApp::record_statements`]).
    recorded: Arc<Mutex<Option<Vec<Statement>>>>,
    /// Copies of those among them that ran on the store's read connections.
    recorded_on_reads: Arc<Mutex<Option<Vec<Statement>>>>,
    /// Told of every statement the store's read connections run (SeaORM's are observed apart).
    observer: StatementObserver,
    _database: TestDatabase,
}

impl TestApp {
    /// A migrated database holding the bundled seed data.
    pub async fn seeded() -> TestApp {
        let app = TestApp::migrated().await;
        let files = seeds::bundled().unwrap_or_else(|report| panic!("bundled seed data: {report}"));
        load_seed_files(&app.db, &files).await.expect("seeding");
        app
    }

    /// A migrated, empty database.
    pub async fn migrated() -> TestApp {
        let app = TestApp::unmigrated().await;
        api::db::migrate(&app.db).await.expect("migrating");
        app
    }

    /// A database with no tables at all.
    pub async fn unmigrated() -> TestApp {
        let database = TestDatabase::create().await;
        let mut db = database.connect().await;
        let statements = Arc::new(AtomicUsize::new(0));
        let counter = statements.clone();
        let recorded: Arc<Mutex<Option<Vec<Statement>>>> = Arc::default();
        let recorder = recorded.clone();
        // `CLAIMGRAPH_TEST_PRINT_SQL=1` prints every statement, to see where a count comes from.
        let print = std::env::var_os("CLAIMGRAPH_TEST_PRINT_SQL").is_some();
        let observer: StatementObserver = Arc::new(move |statement: &Statement| {
            counter.fetch_add(1, Ordering::SeqCst);
            if print {
                eprintln!("SQL {}", statement.sql);
            }
            if let Some(list) = recorder.lock().expect("the recorder's lock").as_mut() {
                list.push(statement.clone());
            }
        });
        // SeaORM's statements, and those the store runs beside its pool (api::store::reads), which
        // are also recorded apart.
        let seaorm = observer.clone();
        db.set_metric_callback(move |info| seaorm(info.statement));
        let recorded_on_reads: Arc<Mutex<Option<Vec<Statement>>>> = Arc::default();
        let recorder = recorded_on_reads.clone();
        let observer: StatementObserver = Arc::new(move |statement: &Statement| {
            observer(statement);
            if let Some(list) = recorder.lock().expect("the recorder's lock").as_mut() {
                list.push(statement.clone());
            }
        });
        let router = build_app(AppState::new(db.clone()).observe_statements(observer.clone()));
        TestApp {
            router,
            db,
            statements,
            recorded,
            recorded_on_reads,
            observer,
            _database: database,
        }
    }

    /// The same app and database, served with other schema and HTTP options.
    pub fn reconfigured(
        mut self,
        schema: api::graphql::SchemaOptions,
        http: api::http::HttpOptions,
    ) -> TestApp {
        let state = AppState::configured(self.db.clone(), schema, http);
        self.router = build_app(state.observe_statements(self.observer.clone()));
        self
    }

    /// The same app and database, served with compiled queries on or off
    /// (`api::graphql::compiled`) and without rate limits (every request of a test comes from one
    /// address).
    pub fn with_compiled_queries(self, compiled_pages: bool) -> TestApp {
        let schema = api::graphql::SchemaOptions {
            compiled_pages,
            ..api::graphql::SchemaOptions::default()
        };
        let http = api::http::HttpOptions {
            rate_limits: None,
            ..api::http::HttpOptions::default()
        };
        self.reconfigured(schema, http)
    }

    /// How many answers compiled queries gave (`claimgraph_graphql_compiled_pages_total`).
    pub async fn compiled_answers(&self) -> u64 {
        self.counter("claimgraph_graphql_compiled_pages_total").await
    }

    /// Whether this run is on PostgreSQL.
    pub fn is_postgres() -> bool {
        std::env::var(DATABASE_ENV).is_ok_and(|url| !url.is_empty())
    }

    /// SQL statements run on this app's database so far.
    pub fn statements(&self) -> usize {
        self.statements.load(Ordering::SeqCst)
    }

    /// Starts keeping a copy of every statement the app's database runs, SQL and values, until
    /// [`TestApp::recorded_statements`] takes them.
    pub fn record_statements(&self) {
        *self.recorded.lock().expect("the recorder's lock") = Some(Vec::new());
        *self.recorded_on_reads.lock().expect("the recorder's lock") = Some(Vec::new());
    }

    /// The statements run since [`TestApp::record_statements`], in order; recording stops.
    pub fn recorded_statements(&self) -> Vec<Statement> {
        self.recorded
            .lock()
            .expect("the recorder's lock")
            .take()
            .unwrap_or_default()
    }

    /// Of the statements run since [`TestApp::record_statements`], those that ran on the store's
    /// read connections (api::store::reads), not on SeaORM's pool, in order; their recording stops.
    pub fn recorded_statements_on_reads(&self) -> Vec<Statement> {
        self.recorded_on_reads
            .lock()
            .expect("the recorder's lock")
            .take()
            .unwrap_or_default()
    }

    /// Holds every connection of the app's pool, each in an open transaction, until the returned
    /// list is dropped: a request meanwhile waits for a connection.
    pub async fn hold_every_connection(&self) -> Vec<DatabaseTransaction> {
        let size = match self.db.get_database_backend() {
            DbBackend::Postgres => self
                .db
                .get_postgres_connection_pool()
                .options()
                .get_max_connections(),
            _ => self
                .db
                .get_sqlite_connection_pool()
                .options()
                .get_max_connections(),
        };
        let mut held = Vec::new();
        for _ in 0..size {
            held.push(self.db.begin().await.expect("a free connection"));
        }
        held
    }

    /// Sends a request through the app. Every answer that reports an internal error must have its
    /// cause logged at ERROR in the request's span (see [`internal_errors`]): checked here, so the
    /// whole suite checks it.
    pub async fn request(&self, request: Request<Body>) -> TestResponse {
        internal_errors::listen();
        let response = self
            .router
            .clone()
            .oneshot(request)
            .await
            .expect("the router is infallible");
        let status = response.status();
        let headers = response.headers().clone();
        let body = response
            .into_body()
            .collect()
            .await
            .expect("reading the body")
            .to_bytes()
            .to_vec();
        let response = TestResponse {
            status,
            headers,
            body,
        };
        internal_errors::assert_logged(&response);
        response
    }

    pub async fn get(&self, uri: &str) -> TestResponse {
        self.request(Request::get(uri).body(Body::empty()).expect("a valid request"))
            .await
    }

    /// The value of the unlabelled counter `name` on `/metrics`.
    pub async fn counter(&self, name: &str) -> u64 {
        let text = self.get("/metrics").await.text();
        let prefix = format!("{name} ");
        text.lines()
            .find_map(|line| line.strip_prefix(&prefix))
            .and_then(|count| count.parse().ok())
            .unwrap_or_else(|| panic!("no {name} in {text}"))
    }

    /// POSTs a GraphQL request as JSON and returns the whole response body.
    pub async fn post_graphql(&self, query: &str, variables: Value) -> TestResponse {
        let body = json!({ "query": query, "variables": variables }).to_string();
        let request = Request::post("/graphql")
            .header("content-type", "application/json")
            .header("accept", "application/graphql-response+json, application/json")
            .body(Body::from(body))
            .expect("a valid request");
        self.request(request).await
    }

    /// Creates a user with `role` and returns a fresh API token of theirs.
    pub async fn token(&self, name: &str, role: entity::values::Role) -> String {
        api::domain::accounts::create_user(&self.db, name, role)
            .await
            .expect("creating a user");
        api::domain::accounts::create_token(&self.db, name, "tests")
            .await
            .expect("creating a token")
            .secret
    }

    /// POSTs a GraphQL request signed with `token` and returns the whole response.
    pub async fn post_graphql_as(&self, token: &str, query: &str, variables: Value) -> TestResponse {
        let body = json!({ "query": query, "variables": variables }).to_string();
        let request = Request::post("/graphql")
            .header("content-type", "application/json")
            .header("accept", "application/graphql-response+json, application/json")
            .header("authorization", format!("Bearer {token}"))
            .body(Body::from(body))
            .expect("a valid request");
        self.request(request).await
    }

    /// Runs a query signed with `token` and returns the JSON body.
    pub async fn graphql_as(&self, token: &str, query: &str, variables: Value) -> Value {
        self.post_graphql_as(token, query, variables).await.json()
    }

    /// Runs a query signed with `token` that must succeed and returns its `data`.
    pub async fn data_as(&self, token: &str, query: &str, variables: Value) -> Value {
        let body = self.graphql_as(token, query, variables).await;
        assert!(body.get("errors").is_none(), "unexpected errors: {body:#}");
        body["data"].clone()
    }

    /// POSTs any JSON body to `/graphql` with extra headers, accepting
    /// `application/graphql-response+json` unless `headers` names another `accept`.
    pub async fn post_json(&self, body: &Value, headers: &[(&str, &str)]) -> TestResponse {
        let mut request = Request::post("/graphql").header("content-type", "application/json");
        if !headers
            .iter()
            .any(|(name, _)| name.eq_ignore_ascii_case("accept"))
        {
            request = request.header("accept", "application/graphql-response+json, application/json");
        }
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        self.request(
            request
                .body(Body::from(body.to_string()))
                .expect("a valid request"),
        )
        .await
    }

    /// Runs a query and returns the JSON body (`data` and `errors`).
    pub async fn graphql(&self, query: &str, variables: Value) -> Value {
        self.post_graphql(query, variables).await.json()
    }

    /// Runs a query that must succeed and returns its `data`.
    pub async fn data(&self, query: &str, variables: Value) -> Value {
        let body = self.graphql(query, variables).await;
        assert!(body.get("errors").is_none(), "unexpected errors: {body:#}");
        body["data"].clone()
    }
}

/// Percent-encodes everything but unreserved characters, for URL parameters.
pub fn url_encode(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// Asserts that a refusal came with `status`, exactly one error of `code` whose message contains
/// `message`, and no `data`; returns the error.
pub fn assert_refusal(response: &TestResponse, status: StatusCode, code: &str, message: &str) -> Value {
    assert_eq!(response.status, status, "{}", response.text());
    let body = response.json();
    assert!(body.get("data").is_none(), "a refusal has no data: {body:#}");
    let error = single_error(&body, code, None).clone();
    let text = error["message"].as_str().unwrap_or_default();
    assert!(text.contains(message), "expected {message:?} in {text:?}");
    error
}

/// Asserts that a response failed with exactly one error of `code` about `field`, and returns it.
pub fn single_error<'a>(body: &'a Value, code: &str, field: Option<&str>) -> &'a Value {
    let errors = body["errors"]
        .as_array()
        .unwrap_or_else(|| panic!("expected errors: {body:#}"));
    assert_eq!(errors.len(), 1, "one error expected: {body:#}");
    let error = &errors[0];
    assert_eq!(error["extensions"]["code"], code, "{body:#}");
    if let Some(field) = field {
        assert_eq!(error["extensions"]["field"], field, "{body:#}");
    }
    let message = error["message"].as_str().unwrap_or_default();
    assert!(!message.is_empty(), "an error needs a human message: {body:#}");
    error
}

/// A database that exists for one test: a SQLite file in a temporary folder, or a PostgreSQL schema.
enum TestDatabase {
    Sqlite { _dir: tempfile::TempDir, url: String },
    Postgres { url: String, schema: String },
}

impl TestDatabase {
    async fn create() -> TestDatabase {
        match std::env::var(DATABASE_ENV) {
            Ok(url) if !url.is_empty() => {
                let schema = unique_name();
                let admin = Database::connect(url.as_str())
                    .await
                    .expect("connecting to TEST_DATABASE_URL");
                admin
                    .execute_unprepared(&format!("CREATE SCHEMA \"{schema}\""))
                    .await
                    .expect("creating a test schema");
                admin.close().await.expect("closing");
                TestDatabase::Postgres { url, schema }
            }
            _ => {
                let dir = tempfile::tempdir().expect("a temporary folder");
                let url = format!("sqlite://{}?mode=rwc", dir.path().join("test.sqlite").display());
                TestDatabase::Sqlite { _dir: dir, url }
            }
        }
    }

    async fn connect(&self) -> DatabaseConnection {
        match self {
            TestDatabase::Sqlite { url, .. } => api::db::connect(url, None).await.expect("opening SQLite"),
            TestDatabase::Postgres { url, schema } => {
                let mut options = ConnectOptions::new(url.clone());
                options
                    .max_connections(4)
                    .sqlx_logging(false)
                    .set_schema_search_path(schema.clone());
                Database::connect(options)
                    .await
                    .expect("connecting to PostgreSQL")
            }
        }
    }
}

impl Drop for TestDatabase {
    fn drop(&mut self) {
        let TestDatabase::Postgres { url, schema } = self else {
            return;
        };
        let (url, schema) = (url.clone(), schema.clone());
        // Drop runs inside the test's runtime, which cannot block on itself: use a runtime of our own.
        let dropped = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("a runtime");
            runtime.block_on(async {
                let admin = Database::connect(url.as_str()).await?;
                admin
                    .execute_unprepared(&format!("DROP SCHEMA IF EXISTS \"{schema}\" CASCADE"))
                    .await?;
                admin.close().await
            })
        })
        .join();
        if !matches!(dropped, Ok(Ok(()))) {
            eprintln!("could not drop test schema: {dropped:?}");
        }
    }
}

/// A name no other test, run or machine is using at the same moment.
fn unique_name() -> String {
    static COUNTER: AtomicUsize = AtomicUsize::new(0);
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or_default();
    format!(
        "claimgraph_test_{}_{}_{nanos}",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::SeqCst)
    )
}

/// A seed file of `n` generated claims (`claim-001`, ...), each with 3 mechanisms of 5 steps citing
/// 2 of the file's studies, and 2 evidence rows (one supporting, one contradicting): a page shaped like
/// the seed page, for pagination and statement-count tests.
pub fn generated_claims(n: usize) -> String {
    let studies = n.max(2);
    let mut toml = String::new();
    for c in 1..=n {
        toml.push_str(&format!(
            "[[claim]]\nslug = \"claim-{c:03}\"\nstatement = \"Generated claim number {c} about training.\"\n\
             population = \"adults\"\nintervention = \"method {c}\"\ncomparator = \"usual care\"\n\
             outcome = \"strength\"\nsynthesis = \"Synthesis of claim {c}.\"\n"
        ));
        for rank in 1..=3 {
            let support = if rank == 1 {
                "MOST_PROBABLE"
            } else {
                "LESS_SUPPORTED"
            };
            toml.push_str(&format!("[[claim.mechanism]]\nrank = {rank}\nsupport = \"{support}\"\nsummary = \"Mechanism {rank} of claim {c}.\"\n"));
            for position in 1..=5 {
                let a = (c + rank + position) % studies + 1;
                let b = (c + rank + position + 1) % studies + 1;
                toml.push_str(&format!(
                    "[[claim.mechanism.step]]\nposition = {position}\ntext = \"Step {position} of mechanism {rank} of claim {c}.\"\n\
                     citations = [\"10.5555/gen.{a}\", \"10.5555/gen.{b}\"]\n"
                ));
            }
        }
        let supporting = c % studies + 1;
        let contradicting = (c + 1) % studies + 1;
        toml.push_str(&format!(
            "[[claim.evidence]]\nstudy = \"10.5555/gen.{supporting}\"\nstance = \"SUPPORTING\"\n"
        ));
        toml.push_str(&format!(
            "[[claim.evidence]]\nstudy = \"10.5555/gen.{contradicting}\"\nstance = \"CONTRADICTING\"\n"
        ));
    }
    for s in 1..=studies {
        let design = if s % 2 == 0 {
            "RANDOMISED_CONTROLLED_TRIAL"
        } else {
            "COHORT_STUDY"
        };
        toml.push_str(&format!(
            "[[study]]\ndoi = \"10.5555/gen.{s}\"\ntitle = \"Generated study {s}\"\ndesign = \"{design}\"\nyear = 2020\n"
        ));
    }
    toml
}

impl TestApp {
    /// Loads `n` generated claims (see [`generated_claims`]) on top of what the database holds.
    pub async fn load_generated(&self, n: usize) {
        let file = seeds::parse_str("generated.toml", &generated_claims(n))
            .unwrap_or_else(|report| panic!("generated seed data: {report}"));
        load_seed_files(&self.db, &[file])
            .await
            .expect("loading generated claims");
    }
}

/// Which requests logged an error: the ids of the request spans that ERROR events were logged in.
pub mod internal_errors {
    use std::collections::HashSet;
    use std::sync::{Mutex, Once};

    use tracing::field::{Field, Visit};
    use tracing::span::{Attributes, Id};
    use tracing::{Event, Level, Subscriber};
    use tracing_subscriber::layer::{Context, SubscriberExt};
    use tracing_subscriber::registry::LookupSpan;
    use tracing_subscriber::util::SubscriberInitExt;

    use super::TestResponse;

    static LOGGED: Mutex<Option<HashSet<String>>> = Mutex::new(None);
    static LISTENING: Once = Once::new();

    /// Installs the listener as the test process's subscriber, once.
    pub fn listen() {
        LISTENING.call_once(|| {
            // Another subscriber set first (none is, in this suite) would leave the check blind, and
            // `assert_logged` would then fail loudly rather than pass.
            let _ = tracing_subscriber::registry().with(ErrorsByRequest).try_init();
        });
    }

    /// Asserts that an answer marked internal (`INTERNAL_SERVER_ERROR` anywhere in it) was logged
    /// at ERROR with the request id it carries in `x-request-id`.
    pub fn assert_logged(response: &TestResponse) {
        if !response.body.windows(21).any(|w| w == b"INTERNAL_SERVER_ERROR") {
            return;
        }
        let id = response
            .header("x-request-id")
            .unwrap_or_else(|| panic!("an internal error without a request id: {}", response.text()));
        let logged = LOGGED
            .lock()
            .expect("the log's lock")
            .as_ref()
            .is_some_and(|ids| ids.contains(id));
        assert!(
            logged,
            "an answer marked internal, but no ERROR was logged in request {id}: {}",
            response.text()
        );
    }

    struct ErrorsByRequest;

    struct RequestId(String);

    struct FindRequestId(Option<String>);

    impl Visit for FindRequestId {
        fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
            if field.name() == "request_id" {
                self.0 = Some(format!("{value:?}"));
            }
        }

        fn record_str(&mut self, field: &Field, value: &str) {
            if field.name() == "request_id" {
                self.0 = Some(value.to_owned());
            }
        }
    }

    impl<S: Subscriber + for<'a> LookupSpan<'a>> tracing_subscriber::Layer<S> for ErrorsByRequest {
        fn on_new_span(&self, attributes: &Attributes<'_>, id: &Id, ctx: Context<'_, S>) {
            let mut found = FindRequestId(None);
            attributes.record(&mut found);
            if let (Some(request_id), Some(span)) = (found.0, ctx.span(id)) {
                span.extensions_mut().insert(RequestId(request_id));
            }
        }

        fn on_event(&self, event: &Event<'_>, ctx: Context<'_, S>) {
            if *event.metadata().level() != Level::ERROR {
                return;
            }
            let Some(scope) = ctx.event_scope(event) else {
                return;
            };
            for span in scope {
                if let Some(RequestId(id)) = span.extensions().get::<RequestId>() {
                    LOGGED
                        .lock()
                        .expect("the log's lock")
                        .get_or_insert_with(HashSet::new)
                        .insert(id.clone());
                    return;
                }
            }
        }
    }
}
