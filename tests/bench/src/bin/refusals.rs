//! The hostile requests of issue 4, point 2, and issue 14, points 1 and 4, against a running server (`tests/bench/refusals`
//! starts one): each is sent `--runs` times on a fresh connection, timed from connecting to the
//! last byte of the answer, and followed by a normal claim page request that must succeed. Prints a
//! Markdown table (median and max per request) and exits with 1 when a refusal took 100 ms or more,
//! was not the expected refusal, or the next request failed.
//!
//! Usage: `refusals HOST:PORT [--runs N] [--no-time-bound]` (e.g. `refusals 127.0.0.1:18191 --runs 5`);
//! `--no-time-bound` checks the answers only (CI's debug build on a shared machine).
//!
//! It speaks HTTP/1.1 over a plain TCP socket, so that nothing between it and the server (no
//! client library's limits or retries) changes what is sent or when the clock stops.

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// The bound the issue sets on answering a refused request.
const BOUND: Duration = Duration::from_millis(100);

/// How long any one request may take before the tool gives up on it.
const GIVE_UP: Duration = Duration::from_secs(30);

/// One request as bytes on the wire.
struct Hostile {
    name: &'static str,
    method: &'static str,
    target: String,
    content_type: Option<&'static str>,
    body: Vec<u8>,
    /// The HTTP status and `extensions.code` the refusal should come with (any of them).
    expected: &'static [(u16, &'static str)],
}

/// An answer: status, body, and how long it took.
struct Answer {
    status: u16,
    body: Vec<u8>,
    elapsed: Duration,
}

fn post(name: &'static str, body: Vec<u8>, expected: &'static [(u16, &'static str)]) -> Hostile {
    Hostile {
        name,
        method: "POST",
        target: "/graphql".to_owned(),
        content_type: Some("application/json"),
        body,
        expected,
    }
}

fn query(name: &'static str, query: &str, expected: &'static [(u16, &'static str)]) -> Hostile {
    post(name, json!({ "query": query }).to_string().into_bytes(), expected)
}

const TOO_COMPLEX: &[(u16, &str)] = &[(400, "QUERY_TOO_COMPLEX")];
const BAD_INPUT: &[(u16, &str)] = &[(400, "BAD_USER_INPUT")];

/// The requests of issue 4, point 2, in its order.
fn hostile_requests() -> Vec<Hostile> {
    let nested = format!(
        "{{ __schema {{ types {{ name {}name{} }} }} }}",
        "ofType { ".repeat(40),
        " }".repeat(40)
    );
    let aliases: String = (0..2000).map(|i| format!("a{i}: __typename ")).collect();
    let mut chain = String::from("{ ...F0 }");
    for i in 0..500 {
        chain.push_str(&format!(" fragment F{i} on Query {{ __typename ...F{} }}", i + 1));
    }
    chain.push_str(" fragment F500 on Query { __typename }");
    let cycle =
        "{ ...A } fragment A on Query { __typename ...B ...B } fragment B on Query { __typename ...A ...A }";
    let mut bomb = String::from("{ ...F0 }");
    for i in 0..30 {
        bomb.push_str(&format!(
            " fragment F{i} on Query {{ ...F{n} ...F{n} }}",
            n = i + 1
        ));
    }
    bomb.push_str(" fragment F30 on Query { __typename }");
    let mut ten_mb = br#"{"query": "{ __typename }", "padding": ""#.to_vec();
    ten_mb.resize(10 * 1024 * 1024, b'x');
    ten_mb.extend_from_slice(b"\"}");
    let batch = Value::Array(vec![json!({ "query": "{ __typename }" }); 1000]).to_string();
    let directives = format!("{{ __typename {} }}", "@include(if: true) ".repeat(10_000));
    // The same count in few enough bytes to pass the length limit, so the directive count refuses it.
    let short_directives = format!("{{ __typename {} }}", "@a ".repeat(10_000));
    let megabyte = format!("{{ __typename }} #{}", "x".repeat(1_000_000));
    let wrong_types = json!({
        "query": "query($slug: String!) { claim(slug: $slug) { slug } }",
        "variables": { "slug": 42 },
    });
    vec![
        query(
            "40-level nested introspection",
            &nested,
            &[(400, "QUERY_TOO_COMPLEX"), (400, "GRAPHQL_PARSE_FAILED")],
        ),
        query("2,000 aliases", &format!("{{ {aliases} }}"), TOO_COMPLEX),
        query("500-fragment chain", &chain, TOO_COMPLEX),
        query("fragment cycle", cycle, &[(400, "GRAPHQL_VALIDATION_FAILED")]),
        query("fragment bomb (2^30 fields)", &bomb, TOO_COMPLEX),
        post("10 MB body", ten_mb, &[(413, "PAYLOAD_TOO_LARGE")]),
        post(
            "malformed JSON",
            br#"{"query": "{ __typename }""#.to_vec(),
            &[(400, "BAD_REQUEST")],
        ),
        post(
            "1,000-operation batch",
            batch.into_bytes(),
            &[(400, "BAD_REQUEST")],
        ),
        query("10,000 directives", &directives, TOO_COMPLEX),
        query("10,000 short directives", &short_directives, TOO_COMPLEX),
        query("1 MB query (POST body)", &megabyte, TOO_COMPLEX),
        Hostile {
            name: "1 MB URL query string (GET)",
            method: "GET",
            target: format!("/graphql?query=%7B__typename%7D%23{}", "x".repeat(1_000_000)),
            content_type: None,
            body: Vec::new(),
            // hyper refuses a request head this large before any handler runs.
            expected: &[(431, ""), (414, ""), (400, "")],
        },
        post(
            "wrong variable types",
            wrong_types.to_string().into_bytes(),
            &[(400, "BAD_USER_INPUT")],
        ),
    ]
    .into_iter()
    .chain(nesting_requests())
    .collect()
}

/// Deep nesting, bad values and oversized lists (issue 14, points 1, 3 and 4): each once aborted
/// the process, came back as an internal error, or cost far more than it was charged.
fn nesting_requests() -> Vec<Hostile> {
    let nested = |open: &str, inner: &str, close: &str, levels: usize| {
        format!("{}{inner}{}", open.repeat(levels), close.repeat(levels))
    };
    let deep_variables = format!(
        "{{\"query\": \"query($ids: [ID!]!) {{ nodes(ids: $ids) {{ id }} }}\", \"variables\": {{\"ids\": {}}}}}",
        nested("[", "\"x\"", "]", 100_000)
    );
    let update = "mutation($i: ClaimUpdateInput!) { claimUpdate(input: $i) { claim { slug } } }";
    vec![
        query(
            "1,600-level list argument (crashed the process)",
            &format!("{{ nodes(ids: {}) {{ id }} }}", nested("[", "\"x\"", "]", 1_600)),
            TOO_COMPLEX,
        ),
        query(
            "100,000-level object argument",
            &format!("{{ claims(filter: {}) {{ totalCount }} }}", nested("{a: ", "1", "}", 100_000)),
            TOO_COMPLEX,
        ),
        query(
            "10,000-level variable default",
            &format!("query($v: [ID!] = {}) {{ __typename }}", nested("[", "\"x\"", "]", 10_000)),
            TOO_COMPLEX,
        ),
        query(
            "10,000-level directive argument",
            &format!("{{ __typename @include(if: {}) }}", nested("[", "true", "]", 10_000)),
            TOO_COMPLEX,
        ),
        post("100,000-level variables JSON", deep_variables.into_bytes(), TOO_COMPLEX),
        Hostile {
            name: "10,000-level list argument (GET)",
            method: "GET",
            target: format!(
                "/graphql?query=%7Bnodes(ids:{}%22x%22{})%7Bid%7D%7D",
                "%5B".repeat(10_000),
                "%5D".repeat(10_000)
            ),
            content_type: None,
            body: Vec::new(),
            expected: TOO_COMPLEX,
        },
        post(
            "NUL in a variable",
            json!({ "query": "query($s: String!) { claim(slug: $s) { slug } }", "variables": { "s": "a\u{0}b" } })
                .to_string()
                .into_bytes(),
            BAD_INPUT,
        ),
        post(
            "a list for an input object",
            json!({ "query": update, "variables": { "i": [] } }).to_string().into_bytes(),
            BAD_INPUT,
        ),
        post(
            "nodes(ids:) with 100,000 IDs",
            json!({ "query": "query($ids: [ID!]!) { nodes(ids: $ids) { id } }", "variables": { "ids": vec!["x"; 100_000] } })
                .to_string()
                .into_bytes(),
            &[(400, "OUT_OF_RANGE")],
        ),
        post(
            "an Int past 32 bits in an input object",
            json!({ "query": update, "variables": { "i": { "id": "x", "version": 1_u64 << 31 } } })
                .to_string()
                .into_bytes(),
            BAD_INPUT,
        ),
    ]
}

/// The claim page request that must still succeed after each refusal.
fn normal_request() -> Hostile {
    let query = "query($slug: String!) { claim(slug: $slug) { slug mechanisms { rank steps { text } } } }";
    post(
        "claim page",
        json!({ "query": query, "variables": { "slug": "rest-pause-training" } })
            .to_string()
            .into_bytes(),
        &[(200, "")],
    )
}

/// Sends `request` on a new connection and reads the whole answer. The body is written while the
/// answer is read, so a server that answers before the body is sent is timed when it answers.
async fn send(address: SocketAddr, request: &Hostile) -> std::io::Result<Answer> {
    let started = Instant::now();
    let stream = TcpStream::connect(address).await?;
    let (mut reader, mut writer) = stream.into_split();
    let mut head = format!(
        "{} {} HTTP/1.1\r\nhost: {address}\r\naccept: application/graphql-response+json, application/json\r\n\
         connection: close\r\ncontent-length: {}\r\n",
        request.method,
        request.target,
        request.body.len()
    );
    if let Some(content_type) = request.content_type {
        head.push_str(&format!("content-type: {content_type}\r\n"));
    }
    head.push_str("\r\n");
    let mut bytes = head.into_bytes();
    bytes.extend_from_slice(&request.body);
    // A server may answer and close before reading everything; the write then fails, which is fine.
    // The write half stays open until the answer is in: hyper takes a half-closed connection for a
    // client that has gone, and drops its request.
    let writing = tokio::spawn(async move {
        let _ = writer.write_all(&bytes).await;
        std::future::pending::<()>().await;
        drop(writer);
    });
    let mut received = Vec::new();
    let mut buffer = vec![0u8; 64 * 1024];
    let answer = loop {
        if let Some(answer) = parse_answer(&received) {
            break answer;
        }
        match reader.read(&mut buffer).await {
            Ok(0) => {
                break parse_answer(&received)
                    .or_else(|| {
                        parse_head(&received).map(|(status, _, start)| (status, received[start..].to_vec()))
                    })
                    .ok_or_else(|| std::io::Error::other("the connection closed before an answer"))?;
            }
            Ok(n) => received.extend_from_slice(&buffer[..n]),
            Err(err) => {
                break parse_answer(&received).ok_or(err)?;
            }
        }
    };
    let elapsed = started.elapsed();
    writing.abort();
    Ok(Answer {
        status: answer.0,
        body: answer.1,
        elapsed,
    })
}

/// The status, `content-length` and where the body starts, once the head has arrived.
fn parse_head(received: &[u8]) -> Option<(u16, Option<usize>, usize)> {
    let end = received.windows(4).position(|w| w == b"\r\n\r\n")? + 4;
    let head = std::str::from_utf8(&received[..end]).ok()?;
    let mut lines = head.split("\r\n");
    let status = lines.next()?.split(' ').nth(1)?.parse().ok()?;
    let length = lines.find_map(|line| {
        let (name, value) = line.split_once(':')?;
        name.trim()
            .eq_ignore_ascii_case("content-length")
            .then(|| value.trim().parse().ok())?
    });
    Some((status, length, end))
}

/// The status and body, once the whole answer has arrived.
fn parse_answer(received: &[u8]) -> Option<(u16, Vec<u8>)> {
    let (status, length, start) = parse_head(received)?;
    let length = length?;
    (received.len() >= start + length).then(|| (status, received[start..start + length].to_vec()))
}

/// The `extensions.code` of the answer's first error.
fn error_code(body: &[u8]) -> String {
    serde_json::from_slice::<Value>(body)
        .ok()
        .and_then(|body| {
            body["errors"][0]["extensions"]["code"]
                .as_str()
                .map(str::to_owned)
        })
        .unwrap_or_default()
}

fn milliseconds(duration: Duration) -> String {
    format!("{:.2}", duration.as_secs_f64() * 1000.0)
}

fn median(mut values: Vec<Duration>) -> Duration {
    values.sort();
    values[values.len() / 2]
}

fn size(bytes: usize) -> String {
    match bytes {
        0 => "-".to_owned(),
        b if b >= 1024 * 1024 => format!("{:.1} MiB", b as f64 / (1024.0 * 1024.0)),
        b if b >= 1024 => format!("{:.1} KiB", b as f64 / 1024.0),
        b => format!("{b} B"),
    }
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let address: SocketAddr = args
        .next()
        .ok_or("usage: refusals HOST:PORT [--runs N]")?
        .parse()?;
    let usage = "usage: refusals HOST:PORT [--runs N] [--no-time-bound]";
    let (mut runs, mut time_bound) = (5, true);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--runs" => runs = args.next().ok_or(usage)?.parse::<usize>()?.max(1),
            "--no-time-bound" => time_bound = false,
            _ => return Err(usage.into()),
        }
    }
    let normal = normal_request();
    // Warm up: the first claim page fills the server's caches and connection pool.
    let warm = tokio::time::timeout(GIVE_UP, send(address, &normal)).await??;
    if warm.status != 200 {
        return Err(format!("the server does not answer a claim page: {}", warm.status).into());
    }
    println!("| request | sent | answer | median ms | max ms | next claim page: status, max ms |");
    println!("|---|---|---|---|---|---|");
    let mut failures = Vec::new();
    for hostile in hostile_requests() {
        let mut times = Vec::new();
        let mut next_times = Vec::new();
        let mut answers = Vec::new();
        let mut next_ok = true;
        for _ in 0..runs {
            let answer = tokio::time::timeout(GIVE_UP, send(address, &hostile)).await??;
            let code = error_code(&answer.body);
            if !hostile
                .expected
                .iter()
                .any(|(status, expected)| *status == answer.status && *expected == code)
            {
                failures.push(format!(
                    "{}: unexpected answer {} {code}: {}",
                    hostile.name,
                    answer.status,
                    String::from_utf8_lossy(&answer.body)
                        .chars()
                        .take(300)
                        .collect::<String>()
                ));
            }
            let limit = serde_json::from_slice::<Value>(&answer.body)
                .ok()
                .and_then(|b| b["errors"][0]["extensions"]["limit"].as_str().map(str::to_owned));
            let label = match (code.as_str(), limit) {
                ("", _) => answer.status.to_string(),
                (code, Some(limit)) => format!("{} {code} ({limit})", answer.status),
                (code, None) => format!("{} {code}", answer.status),
            };
            if !answers.contains(&label) {
                answers.push(label);
            }
            times.push(answer.elapsed);
            let next = tokio::time::timeout(GIVE_UP, send(address, &normal)).await??;
            let served = next.status == 200
                && serde_json::from_slice::<Value>(&next.body)
                    .is_ok_and(|b| b["data"]["claim"]["slug"] == "rest-pause-training");
            next_ok &= served;
            next_times.push(next.elapsed);
        }
        let max = times.iter().max().copied().unwrap_or_default();
        if time_bound && max >= BOUND {
            failures.push(format!("{}: took {} ms", hostile.name, milliseconds(max)));
        }
        if !next_ok {
            failures.push(format!("{}: the next claim page failed", hostile.name));
        }
        let sent = hostile.body.len()
            + if hostile.method == "GET" {
                hostile.target.len()
            } else {
                0
            };
        println!(
            "| {} | {} {} | {} | {} | {} | {}, {} |",
            hostile.name,
            hostile.method,
            size(sent),
            answers.join(", "),
            milliseconds(median(times)),
            milliseconds(max),
            if next_ok { "200" } else { "FAILED" },
            milliseconds(next_times.iter().max().copied().unwrap_or_default()),
        );
    }
    if failures.is_empty() {
        if time_bound {
            println!(
                "\nEvery refusal was answered within {} ms, and every next claim page was served.",
                BOUND.as_millis()
            );
        } else {
            println!("\nEvery refusal was the expected one, and every next claim page was served.");
        }
        Ok(())
    } else {
        println!();
        for failure in &failures {
            println!("- FAILED: {failure}");
        }
        Err(format!("{} failure(s)", failures.len()).into())
    }
}
