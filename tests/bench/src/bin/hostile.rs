//! Slow-loris and descriptor exhaustion against a running server on loopback (issue 14, point 2;
//! `tests/hostile/run` starts one and runs this).
//!
//! 1. **Slow-loris**: `--slow` connections (5,000) each send a request a byte a second, half of
//!    them in the headers and half in a POST body, and reconnect when the server cuts them, for
//!    `--slow-secs`. Meanwhile a normal client fetches the claim page on a new connection every
//!    100 ms; every one must succeed.
//! 2. **Descriptor exhaustion**: up to `--idle` connections (19,000, within this process's own
//!    open-files limit, which it raises) are opened and left silent for `--idle-secs`. A normal
//!    client on a connection opened before keeps fetching claim pages and every one must succeed;
//!    once the idle connections are released (or cut), a new connection must be served within
//!    `--recover-secs`.
//!
//! Prints the figures as Markdown and exits with 1 when a check fails. Everything it opens is to
//! the one address it is given, from loopback source addresses (127.0.0.2 to 127.0.0.9, so that
//! the attack does not run out of ephemeral ports); every loop is bounded in time.
//!
//! Usage: `hostile 127.0.0.1:PORT [--slow N] [--slow-secs S] [--idle N] [--idle-secs S]`.

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::process::ExitCode;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::time::Duration;

use clap::Parser;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpSocket, TcpStream};
use tokio::sync::{Semaphore, watch};
use tokio::time::{Instant, sleep, timeout};

#[derive(Parser, Debug)]
#[command(about = "Slow-loris and descriptor exhaustion against a server on loopback")]
struct Args {
    /// The server, on loopback.
    address: SocketAddr,
    /// Slow-loris connections held at once (0 skips the slow-loris).
    #[arg(long, default_value_t = 5_000)]
    slow: usize,
    /// How long the slow-loris lasts.
    #[arg(long, default_value_t = 35)]
    slow_secs: u64,
    /// Idle connections opened at most (fewer if this process's open-files limit is lower).
    #[arg(long, default_value_t = 19_000)]
    idle: usize,
    /// How long the idle connections are held before they are released.
    #[arg(long, default_value_t = 15)]
    idle_secs: u64,
    /// How soon after the release a new connection must be served.
    #[arg(long, default_value_t = 10)]
    recover_secs: u64,
}

/// How long a normal request may take before it counts as failed.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(10);

/// Connections being opened at once, so the listen backlog is not the thing measured.
const CONNECTING_AT_ONCE: usize = 256;

#[tokio::main]
async fn main() -> ExitCode {
    let args = Args::parse();
    if !args.address.ip().is_loopback() {
        eprintln!("hostile: only a loopback address may be attacked");
        return ExitCode::from(2);
    }
    let limit = match rlimit::increase_nofile_limit(u64::MAX) {
        Ok(limit) => limit,
        Err(err) => {
            eprintln!("hostile: cannot raise the open-files limit: {err}");
            1024
        }
    };
    let mut failures = Vec::new();

    if args.slow > 0 {
        println!("## Slow-loris\n");
        let slow = slow_loris(&args).await;
        println!("| figure | value |\n|---|---|");
        println!("| slow connections held at once, most | {} |", slow.held_most);
        println!("| slow connections open when it ended | {} |", slow.held_at_end);
        println!(
            "| longest a slow connection was held | {:.1} s |",
            slow.longest_hold.as_secs_f64()
        );
        println!("| slow connections cut by the server | {} |", slow.cut);
        println!("| of which answered 408 first | {} |", slow.answered_408);
        println!(
            "| slow connections that could not connect | {} |",
            slow.connect_failures
        );
        slow.normal.print("normal claim pages, each on a new connection");
        if !slow.normal.all_ok() {
            failures.push("a normal claim page failed during the slow-loris");
        }
        if slow.longest_hold >= Duration::from_secs(args.slow_secs.saturating_sub(1)) {
            failures.push("a slow-loris connection was held for the whole attack");
        }
    }

    let idle_target = args
        .idle
        .min(usize::try_from(limit.saturating_sub(512)).unwrap_or(0));
    println!("\n## Descriptor exhaustion\n");
    let idle = exhaustion(&args, idle_target).await;
    println!("| figure | value |\n|---|---|");
    println!("| idle connections asked for (this client's open-files limit: {limit}) | {idle_target} |");
    println!("| idle connections opened | {} |", idle.opened);
    println!(
        "| idle connections that could not connect | {} |",
        idle.connect_failures
    );
    println!("| idle connections held at once, most | {} |", idle.held_most);
    println!(
        "| idle connections closed by the server within 1 s (over the cap) | {} |",
        idle.closed_at_once
    );
    println!(
        "| idle connections still open at release | {} |",
        idle.held_at_release
    );
    match idle.recovered_after {
        Some(after) => println!(
            "| a new connection served after the release, within | {:.2} s |",
            after.as_secs_f64()
        ),
        None => println!(
            "| a new connection served after the release | no, within {} s |",
            args.recover_secs
        ),
    }
    idle.normal
        .print("normal claim pages on a connection opened before");
    if !idle.normal.all_ok() {
        failures.push("a normal claim page failed during the descriptor exhaustion");
    }
    if idle.recovered_after.is_none() {
        failures.push("no new connection was served after the idle connections were released");
    }

    if failures.is_empty() {
        println!("\nhostile: every check held");
        ExitCode::SUCCESS
    } else {
        for failure in &failures {
            println!("\nhostile: FAILED: {failure}");
        }
        ExitCode::FAILURE
    }
}

/// The normal client's requests: how many, how many succeeded, their latencies.
#[derive(Default)]
struct Normal {
    latencies: Vec<Duration>,
    failed: usize,
    first_failure: Option<String>,
}

impl Normal {
    fn record(&mut self, outcome: Result<Duration, String>) {
        match outcome {
            Ok(latency) => self.latencies.push(latency),
            Err(why) => {
                self.failed += 1;
                self.first_failure.get_or_insert(why);
            }
        }
    }

    fn all_ok(&self) -> bool {
        self.failed == 0 && !self.latencies.is_empty()
    }

    fn print(&self, what: &str) {
        let total = self.latencies.len() + self.failed;
        let mut sorted = self.latencies.clone();
        sorted.sort();
        let at = |q: f64| {
            sorted
                .get(((sorted.len() as f64 - 1.0) * q).round() as usize)
                .map_or_else(
                    || "-".to_owned(),
                    |d| format!("{:.1} ms", d.as_secs_f64() * 1000.0),
                )
        };
        let rate = if total == 0 {
            0.0
        } else {
            100.0 * self.latencies.len() as f64 / total as f64
        };
        println!(
            "| {what}: succeeded | {} of {total} ({rate:.1} %) |",
            self.latencies.len()
        );
        println!(
            "| {what}: median, p99, max | {}, {}, {} |",
            at(0.5),
            at(0.99),
            at(1.0)
        );
        if let Some(why) = &self.first_failure {
            println!("| {what}: first failure | {why} |");
        }
    }
}

/// The claim page, as a POST on `stream`; its latency, or why it failed.
async fn claim_page(stream: &mut TcpStream) -> Result<Duration, String> {
    let body = serde_json::json!({
        "query": "query ClaimPage($slug: String!) { claim(slug: $slug) { slug statement mechanisms { rank steps { position text } } evidenceCounts { total } } }",
        "variables": { "slug": tests::SEED_SLUG },
    })
    .to_string();
    let request = format!(
        "POST /graphql HTTP/1.1\r\nHost: hostile\r\nContent-Type: application/json\r\n\
         Accept: application/graphql-response+json\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    );
    let started = Instant::now();
    let exchange = async {
        stream
            .write_all(request.as_bytes())
            .await
            .map_err(|e| format!("writing: {e}"))?;
        let mut buffer = Vec::new();
        let mut chunk = [0_u8; 16 * 1024];
        loop {
            if let Some(end) = buffer.windows(4).position(|w| w == b"\r\n\r\n") {
                let head = String::from_utf8_lossy(&buffer[..end]).to_lowercase();
                let length = head
                    .lines()
                    .find_map(|line| line.strip_prefix("content-length:"))
                    .and_then(|n| n.trim().parse::<usize>().ok())
                    .ok_or("an answer without content-length")?;
                if buffer.len() >= end + 4 + length {
                    let status = head.get(9..12).unwrap_or("?").to_owned();
                    let text = String::from_utf8_lossy(&buffer[end + 4..end + 4 + length]).into_owned();
                    if status != "200" || !text.contains(tests::SEED_SLUG) || text.contains("\"errors\"") {
                        return Err(format!(
                            "status {status}: {}",
                            text.chars().take(120).collect::<String>()
                        ));
                    }
                    return Ok(());
                }
            }
            match stream.read(&mut chunk).await {
                Ok(0) => return Err("the server closed the connection".to_owned()),
                Ok(n) => buffer.extend_from_slice(&chunk[..n]),
                Err(e) => return Err(format!("reading: {e}")),
            }
        }
    };
    match timeout(REQUEST_TIMEOUT, exchange).await {
        Ok(Ok(())) => Ok(started.elapsed()),
        Ok(Err(why)) => Err(why),
        Err(_) => Err(format!("no answer within {REQUEST_TIMEOUT:?}")),
    }
}

/// A claim page on a new connection.
async fn claim_page_on_new_connection(address: SocketAddr) -> Result<Duration, String> {
    let started = Instant::now();
    let mut stream = timeout(REQUEST_TIMEOUT, TcpStream::connect(address))
        .await
        .map_err(|_| "no connection within the timeout".to_owned())?
        .map_err(|e| format!("connecting: {e}"))?;
    claim_page(&mut stream).await?;
    Ok(started.elapsed())
}

/// Opens a connection to `address` from loopback source address 127.0.0.`2 + n % 8`.
async fn connect_from(address: SocketAddr, n: usize) -> std::io::Result<TcpStream> {
    let socket = TcpSocket::new_v4()?;
    let last = u8::try_from(2 + n % 8).unwrap_or(2);
    socket.bind(SocketAddr::new(IpAddr::V4(Ipv4Addr::new(127, 0, 0, last)), 0))?;
    match timeout(Duration::from_secs(3), socket.connect(address)).await {
        Ok(connected) => connected,
        Err(_) => Err(std::io::Error::new(
            std::io::ErrorKind::TimedOut,
            "connect timed out",
        )),
    }
}

/// Keeps the most of what `held` ever was in `most`.
fn note_most(held: &AtomicUsize, most: &AtomicUsize) {
    most.fetch_max(held.load(Ordering::Relaxed), Ordering::Relaxed);
}

struct SlowFigures {
    held_most: usize,
    held_at_end: usize,
    longest_hold: Duration,
    cut: u64,
    answered_408: u64,
    connect_failures: u64,
    normal: Normal,
}

async fn slow_loris(args: &Args) -> SlowFigures {
    let end = Instant::now() + Duration::from_secs(args.slow_secs);
    let held = Arc::new(AtomicUsize::new(0));
    let most = Arc::new(AtomicUsize::new(0));
    let longest_ms = Arc::new(AtomicU64::new(0));
    let cut = Arc::new(AtomicU64::new(0));
    let answered_408 = Arc::new(AtomicU64::new(0));
    let connect_failures = Arc::new(AtomicU64::new(0));
    let connecting = Arc::new(Semaphore::new(CONNECTING_AT_ONCE));
    let mut attackers = Vec::with_capacity(args.slow);
    for n in 0..args.slow {
        let address = args.address;
        let (held, most, longest_ms, cut, answered_408, connect_failures, connecting) = (
            held.clone(),
            most.clone(),
            longest_ms.clone(),
            cut.clone(),
            answered_408.clone(),
            connect_failures.clone(),
            connecting.clone(),
        );
        attackers.push(tokio::spawn(async move {
            while Instant::now() < end {
                let permit = connecting.acquire().await;
                let connected = connect_from(address, n).await;
                drop(permit);
                let Ok(stream) = connected else {
                    connect_failures.fetch_add(1, Ordering::Relaxed);
                    sleep(Duration::from_secs(1)).await;
                    continue;
                };
                held.fetch_add(1, Ordering::Relaxed);
                note_most(&held, &most);
                let opened = Instant::now();
                let (mut reader, mut writer) = stream.into_split();
                let (head, trickled) = if n % 2 == 0 {
                    (
                        Vec::new(),
                        b"GET / HTTP/1.1\r\nHost: hostile\r\nX-Slow: ".to_vec(),
                    )
                } else {
                    let head = "POST /graphql HTTP/1.1\r\nHost: hostile\r\nContent-Type: application/json\r\n\
                                Content-Length: 100000\r\n\r\n";
                    (head.as_bytes().to_vec(), b"{\"query\":\"".to_vec())
                };
                let write = async {
                    writer.write_all(&head).await?;
                    for byte in trickled.into_iter().chain(std::iter::repeat(b'a')) {
                        writer.write_all(&[byte]).await?;
                        sleep(Duration::from_secs(1)).await;
                    }
                    Ok::<(), std::io::Error>(())
                };
                let read = async {
                    let mut first = [0_u8; 12];
                    let mut got = 0;
                    let mut chunk = [0_u8; 1024];
                    loop {
                        match reader.read(&mut chunk).await {
                            Ok(0) | Err(_) => break,
                            Ok(n) => {
                                let take = n.min(first.len() - got);
                                first[got..got + take].copy_from_slice(&chunk[..take]);
                                got += take;
                            }
                        }
                    }
                    got >= 12 && &first[9..12] == b"408"
                };
                let outcome = tokio::select! {
                    _ = write => None,
                    was_408 = read => Some(was_408),
                    () = tokio::time::sleep_until(end) => None,
                };
                let lasted = opened.elapsed();
                longest_ms.fetch_max(
                    u64::try_from(lasted.as_millis()).unwrap_or(u64::MAX),
                    Ordering::Relaxed,
                );
                if Instant::now() >= end {
                    // Still open when the attack ended: counted as held at the end below.
                    return true;
                }
                held.fetch_sub(1, Ordering::Relaxed);
                cut.fetch_add(1, Ordering::Relaxed);
                if outcome == Some(true) {
                    answered_408.fetch_add(1, Ordering::Relaxed);
                }
            }
            false
        }));
    }

    let mut normal = Normal::default();
    while Instant::now() < end {
        normal.record(claim_page_on_new_connection(args.address).await);
        note_most(&held, &most);
        sleep(Duration::from_millis(100)).await;
    }
    let mut held_at_end = 0;
    for attacker in attackers {
        if matches!(attacker.await, Ok(true)) {
            held_at_end += 1;
        }
    }
    SlowFigures {
        held_most: most.load(Ordering::Relaxed),
        held_at_end,
        longest_hold: Duration::from_millis(longest_ms.load(Ordering::Relaxed)),
        cut: cut.load(Ordering::Relaxed),
        answered_408: answered_408.load(Ordering::Relaxed),
        connect_failures: connect_failures.load(Ordering::Relaxed),
        normal,
    }
}

struct IdleFigures {
    opened: usize,
    connect_failures: usize,
    held_most: usize,
    closed_at_once: usize,
    held_at_release: usize,
    recovered_after: Option<Duration>,
    normal: Normal,
}

async fn exhaustion(args: &Args, target: usize) -> IdleFigures {
    let mut kept = match timeout(REQUEST_TIMEOUT, TcpStream::connect(args.address)).await {
        Ok(Ok(stream)) => Some(stream),
        _ => None,
    };
    let (release, released) = watch::channel(false);
    let held = Arc::new(AtomicUsize::new(0));
    let most = Arc::new(AtomicUsize::new(0));
    let closed_at_once = Arc::new(AtomicUsize::new(0));
    let connecting = Arc::new(Semaphore::new(CONNECTING_AT_ONCE));
    let opening_ends = Instant::now() + Duration::from_secs(args.idle_secs);
    let opener = {
        let (held, most, closed_at_once, address) =
            (held.clone(), most.clone(), closed_at_once.clone(), args.address);
        tokio::spawn(async move {
            let mut holders = Vec::with_capacity(target);
            let mut failures = 0;
            for n in 0..target {
                if Instant::now() >= opening_ends {
                    break;
                }
                let Ok(permit) = connecting.clone().acquire_owned().await else {
                    break;
                };
                let (held, most, closed_at_once, mut released) = (
                    held.clone(),
                    most.clone(),
                    closed_at_once.clone(),
                    released.clone(),
                );
                holders.push(tokio::spawn(async move {
                    let connected = connect_from(address, n).await;
                    drop(permit);
                    let Ok(mut stream) = connected else {
                        return false;
                    };
                    held.fetch_add(1, Ordering::Relaxed);
                    note_most(&held, &most);
                    let opened = Instant::now();
                    let mut chunk = [0_u8; 256];
                    tokio::select! {
                        _ = stream.read(&mut chunk) => {
                            if opened.elapsed() < Duration::from_secs(1) {
                                closed_at_once.fetch_add(1, Ordering::Relaxed);
                            }
                        }
                        _ = released.wait_for(|released| *released) => {}
                    }
                    held.fetch_sub(1, Ordering::Relaxed);
                    true
                }));
            }
            let mut opened = 0;
            for holder in holders {
                match holder.await {
                    Ok(true) => opened += 1,
                    _ => failures += 1,
                }
            }
            (opened, failures)
        })
    };

    let mut normal = Normal::default();
    let hold_ends = Instant::now() + Duration::from_secs(args.idle_secs);
    while Instant::now() < hold_ends {
        match kept.as_mut() {
            Some(stream) => normal.record(claim_page(stream).await),
            None => normal.record(Err("no connection before the flood".to_owned())),
        }
        note_most(&held, &most);
        sleep(Duration::from_millis(200)).await;
    }
    let held_at_release = held.load(Ordering::Relaxed);
    let _ = release.send(true);
    let released_at = Instant::now();
    let (opened, connect_failures) = opener.await.unwrap_or((0, 0));
    drop(kept.take());

    let mut recovered_after = None;
    while released_at.elapsed() < Duration::from_secs(args.recover_secs) {
        if claim_page_on_new_connection(args.address).await.is_ok() {
            recovered_after = Some(released_at.elapsed());
            break;
        }
        sleep(Duration::from_millis(200)).await;
    }
    IdleFigures {
        opened,
        connect_failures,
        held_most: most.load(Ordering::Relaxed),
        closed_at_once: closed_at_once.load(Ordering::Relaxed),
        held_at_release,
        recovered_after,
        normal,
    }
}
