//! The benchmark's database row for SQLite (`tests/bench/run`): a claim page's statements alone, as
//! the server runs them for the ClaimPage query (its compiled page reads them: the claim by slug
//! with its evidence down to the studies' DOIs, and its mechanisms down to the cited studies), rows
//! decoded, for a random generated claim each time; no GraphQL execution, no JSON, no HTTP. On PostgreSQL, pgbench gives the
//! database's own speed; SQLite runs inside the server, so this is its counterpart: what reading the
//! pages costs, and how that changes with the size of the database.
//!
//! Usage: `page_reads DATABASE_URL CLAIMS SECONDS TASKS` (slugs `gen-000001` .. `gen-CLAIMS`, as
//! `claimgraph generate` writes them). Prints one line:
//! `RESULT pages=P duration_s=S rps=R p50_us=A p99_us=B errors=E`.

use std::time::{Duration, Instant};

use std::sync::Arc;

use api::graphql::compiled::CompiledQuery;
use api::store::Store;
use api::store::reads::Reads;
use async_graphql::Variables;
use bench::Tally;

/// Reads random claim pages until `deadline`.
async fn read_pages(
    page: Arc<CompiledQuery>,
    db: Store,
    claims: u64,
    deadline: Instant,
    mut seed: u64,
) -> Tally {
    let mut tally = Tally::default();
    while Instant::now() < deadline {
        // xorshift64: a fixed sequence per task, as the wrk script's.
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        let slug = format!("gen-{:06}", seed % claims + 1);
        let variables = Variables::from_json(serde_json::json!({ "slug": slug }));
        let started = Instant::now();
        let ok = matches!(page.read_rows(&db, &variables).await, Ok(true));
        tally.record(ok, started.elapsed());
    }
    tally
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [url, claims, seconds, tasks] = args.as_slice() else {
        return Err("usage: page_reads DATABASE_URL CLAIMS SECONDS TASKS".into());
    };
    let claims: u64 = claims.parse()?;
    let seconds: u64 = seconds.parse()?;
    let tasks: u64 = tasks.parse()?;
    let connection = api::db::connect(url, None).await?;
    let reads = Reads::for_database(&connection).map(std::sync::Arc::new);
    let document = async_graphql::parser::parse_query(tests::CLAIM_PAGE)?;
    let page =
        Arc::new(CompiledQuery::compile(&document, None).ok_or("the ClaimPage query does not compile")?);
    let started = Instant::now();
    let deadline = started + Duration::from_secs(seconds);
    let handles: Vec<_> = (0..tasks)
        .map(|task| {
            let db = Store::new(connection.clone(), reads.clone());
            tokio::spawn(read_pages(page.clone(), db, claims, deadline, 1000 + task))
        })
        .collect();
    let mut all = Tally::default();
    for handle in handles {
        all.add(handle.await?);
    }
    println!("{}", all.result_line(started));
    Ok(())
}
