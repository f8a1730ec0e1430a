//! The benchmark's SQLite rows for search and suggest (`tests/bench/run --search`): the statements
//! the server runs for one `search` or `suggest` request, through the store's own functions, rows
//! decoded, for a random query of the committed list each time; no GraphQL execution, no JSON, no
//! HTTP. It is SQLite's counterpart of the pgbench statements `shapes/search.sql` and
//! `shapes/suggest.sql`, as `page_reads` is the claim page's.
//!
//! A search is the page of ten hits (`Store::search_page`, every kind, no filter), then the nodes
//! found, one statement per kind, and the claims of the mechanisms and steps found, as the request's
//! loaders read them for `shapes/search.graphql`. A suggestion is the claims, then the studies,
//! whose folded text starts with the prefix (`Store::suggest_by_start`), then, when those are fewer
//! than ten, the claims and studies with a word the prefix finds (`Store::suggest_by_word`), then
//! their rows. Queries are parsed once, before the clock starts (the server parses each request's).
//!
//! Usage:
//! - `search_reads search|suggest DATABASE_URL VALUES SECONDS TASKS`: reads for SECONDS with TASKS
//!   tasks, each query drawn from VALUES (one a line, as `read.lua` draws them); prints one line
//!   `RESULT pages=P duration_s=S rps=R p50_us=A p99_us=B errors=E`.
//! - `search_reads sql TEMPLATE VALUES`: prints the pgbench script TEMPLATE with the values rendered
//!   as the server renders them for its statements (see `shapes/search.sql`): `@count@` the number
//!   of values, `@tsqueries@` each query's `tsquery` text, `@folded@` each prefix folded and
//!   `@strongest@` each prefix's `tsquery` over the strongest texts (NULL when it has no word to look
//!   for), each an array literal indexed by the script's `:k`.

use std::collections::BTreeSet;
use std::sync::Arc;
use std::time::{Duration, Instant};

use api::domain::search::query::{Parsed, Query};
use api::store::Store;
use api::store::lists::{Direction, Window};
use api::store::reads::Reads;
use api::store::search::{FullText, Kind, SearchScope};
use bench::Tally;
use entity::values::fold;
use entity::{claim, mechanism, mechanism_step, study};

/// The page size of both shapes (`first: 10`).
const LIMIT: usize = 10;

/// A value of the list, parsed as the server parses it.
enum Request {
    Search(FullText),
    /// The prefix folded, and its words as a query when it has any.
    Suggest(String, Option<FullText>),
}

fn parse(text: &str) -> Option<Query> {
    match Query::parse(text) {
        Ok(Parsed::Query(query)) => Some(query),
        _ => None,
    }
}

fn requests(shape: &str, values: &str) -> Result<Vec<Request>, String> {
    let lines: Vec<&str> = values.lines().filter(|line| !line.is_empty()).collect();
    if lines.is_empty() {
        return Err("no values".into());
    }
    lines
        .into_iter()
        .map(|line| match shape {
            "search" => parse(line)
                .map(|query| Request::Search(query.full_text()))
                .ok_or_else(|| format!("{line:?} is not a search query with a word to find")),
            "suggest" => {
                let typed = line.trim_start();
                Ok(Request::Suggest(
                    fold(typed),
                    parse(typed).map(|query| query.full_text()),
                ))
            }
            other => Err(format!("no shape {other:?} (search or suggest)")),
        })
        .collect()
}

/// The statements of one request; whether it found anything.
async fn read(db: &Store, request: &Request) -> Result<bool, api::store::StoreError> {
    match request {
        Request::Search(query) => {
            let scope = SearchScope {
                kinds: Kind::ALL.to_vec(),
                claim_id: None,
            };
            let window = Window {
                direction: Direction::Forward,
                limit: LIMIT,
                after: None,
                before: None,
            };
            let (hits, _) = db.search_page(query, &scope, &window).await?;
            let ids = |kind: Kind| -> Vec<i32> {
                hits.iter()
                    .filter(|hit| hit.kind == kind)
                    .map(|hit| hit.node_id)
                    .collect()
            };
            let claims = ids(Kind::Claim);
            let (mechanisms, steps, studies) = (ids(Kind::Mechanism), ids(Kind::Step), ids(Kind::Study));
            if !claims.is_empty() {
                db.by_ids::<claim::Entity>(claims.iter().copied()).await?;
            }
            if !mechanisms.is_empty() {
                db.by_ids::<mechanism::Entity>(mechanisms).await?;
            }
            if !steps.is_empty() {
                db.by_ids::<mechanism_step::Entity>(steps).await?;
            }
            if !studies.is_empty() {
                db.by_ids::<study::Entity>(studies).await?;
            }
            // `claim { slug }` of the mechanisms and steps: the claims not read already.
            let others: BTreeSet<i32> = hits
                .iter()
                .filter_map(|hit| hit.claim_id)
                .filter(|claim| !claims.contains(claim))
                .collect();
            if !others.is_empty() {
                db.by_ids::<claim::Entity>(others).await?;
            }
            Ok(!hits.is_empty())
        }
        Request::Suggest(folded, query) => {
            let mut found = db.suggest_by_start(folded, LIMIT).await?;
            if found.len() < LIMIT
                && let Some(query) = query
            {
                for hit in db.suggest_by_word(query, LIMIT + found.len()).await? {
                    if found.len() == LIMIT {
                        break;
                    }
                    if !found.contains(&hit) {
                        found.push(hit);
                    }
                }
            }
            let ids = |kind: Kind| -> Vec<i32> {
                found
                    .iter()
                    .filter(|(k, _)| *k == kind)
                    .map(|(_, id)| *id)
                    .collect()
            };
            let (claims, studies) = (ids(Kind::Claim), ids(Kind::Study));
            if !claims.is_empty() {
                db.by_ids::<claim::Entity>(claims).await?;
            }
            if !studies.is_empty() {
                db.by_ids::<study::Entity>(studies).await?;
            }
            Ok(!found.is_empty())
        }
    }
}

/// Runs random requests of the list until `deadline`.
async fn read_requests(requests: Arc<Vec<Request>>, db: Store, deadline: Instant, mut seed: u64) -> Tally {
    let mut tally = Tally::default();
    let count = requests.len() as u64;
    while Instant::now() < deadline {
        // xorshift64: a fixed sequence per task, as page_reads's.
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        let Some(request) = usize::try_from(seed % count).ok().and_then(|k| requests.get(k)) else {
            continue;
        };
        let started = Instant::now();
        let ok = read(&db, request).await.is_ok();
        tally.record(ok, started.elapsed());
    }
    tally
}

/// `text` as a PostgreSQL escape string literal. Every `:` is written `\x3a`: pgbench takes `:name`
/// anywhere in a script, string literals included, for one of its variables (`'word':AB`).
fn literal(text: &str) -> String {
    let mut out = String::from("E'");
    for c in text.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\'' => out.push_str("\\'"),
            ':' => out.push_str("\\x3a"),
            c => out.push(c),
        }
    }
    out.push('\'');
    out
}

fn array(items: impl IntoIterator<Item = Option<String>>) -> String {
    let items: Vec<String> = items
        .into_iter()
        .map(|item| item.map_or_else(|| "NULL".to_owned(), |text| literal(&text)))
        .collect();
    format!("ARRAY[{}]::text[]", items.join(", "))
}

/// The pgbench script `template` with the values rendered in.
fn render(template: &str, values: &str) -> Result<String, String> {
    let lines: Vec<&str> = values.lines().filter(|line| !line.is_empty()).collect();
    let mut sql = template.replace("@count@", &lines.len().to_string());
    if sql.contains("@tsqueries@") {
        let requests = requests("search", values)?;
        let texts = requests.iter().map(|request| match request {
            Request::Search(query) => Some(query.tsquery.clone()),
            Request::Suggest(..) => None,
        });
        sql = sql.replace("@tsqueries@", &array(texts));
    }
    if sql.contains("@folded@") || sql.contains("@strongest@") {
        let requests = requests("suggest", values)?;
        let (folded, strongest): (Vec<_>, Vec<_>) = requests
            .iter()
            .map(|request| match request {
                Request::Suggest(folded, query) => (
                    Some(folded.clone()),
                    query.as_ref().map(|query| query.tsquery_strongest.clone()),
                ),
                Request::Search(_) => (None, None),
            })
            .unzip();
        sql = sql
            .replace("@folded@", &array(folded))
            .replace("@strongest@", &array(strongest));
    }
    Ok(sql)
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if let [command, template, values] = args.as_slice()
        && command == "sql"
    {
        let sql = render(
            &std::fs::read_to_string(template)?,
            &std::fs::read_to_string(values)?,
        )?;
        print!("{sql}");
        return Ok(());
    }
    let [shape, url, values, seconds, tasks] = args.as_slice() else {
        return Err(
            "usage: search_reads search|suggest DATABASE_URL VALUES SECONDS TASKS, \
                    or search_reads sql TEMPLATE VALUES"
                .into(),
        );
    };
    let requests = Arc::new(requests(shape, &std::fs::read_to_string(values)?)?);
    let seconds: u64 = seconds.parse()?;
    let tasks: u64 = tasks.parse()?;
    let connection = api::db::connect(url, None).await?;
    let reads = Reads::for_database(&connection).map(Arc::new);
    let started = Instant::now();
    let deadline = started + Duration::from_secs(seconds);
    let handles: Vec<_> = (0..tasks)
        .map(|task| {
            let db = Store::new(connection.clone(), reads.clone());
            tokio::spawn(read_requests(requests.clone(), db, deadline, 1000 + task))
        })
        .collect();
    let mut all = Tally::default();
    for handle in handles {
        all.add(handle.await?);
    }
    println!("{}", all.result_line(started));
    Ok(())
}
