//! The `claimgraph` binary: config -> telemetry -> database + migrations -> serve until SIGINT or
//! SIGTERM. Everything it runs lives in the library, so tests exercise the same app.

#![deny(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::io::IsTerminal;

use anyhow::Context;
use api::config::{Cli, Command, LogFormat, MigrateDirection, SearchIndexCommand, TokenCommand, UserCommand};
use api::domain::accounts;
use api::domain::seed::load_seed_files;
use api::http::serve::{self, OpenFiles, Stopped};
use api::{AppState, build_app, build_schema, db};

use clap::Parser;
use migration::{Migrator, MigratorTrait};
use seeds::generate::{GenerateError, GenerateOptions, Progress, generate_reporting};
use tracing_subscriber::EnvFilter;

/// mimalloc rather than the system allocator: serving a page allocates and frees thousands of small
/// values (rows, strings, resolver futures, the response), on the runtime's threads and the SQLite
/// workers'. glibc's malloc spent about a fifth of the server's instructions there; mimalloc's
/// thread-local free lists take a fraction of that (tests/bench/RESULTS.md).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    init_tracing(cli.log_format);
    match cli.command.as_ref().unwrap_or(&Command::Serve) {
        Command::Schema => {
            print!("{}", build_schema().sdl());
            Ok(())
        }
        Command::Migrate { direction } => {
            let db = db::connect_with(&cli.database_url, cli.pool_settings())
                .await
                .context("connecting to the database")?;
            match direction {
                MigrateDirection::Up => Migrator::up(&db, None).await,
                MigrateDirection::Down => Migrator::down(&db, None).await,
            }
            .context("migrating")?;
            tracing::info!(direction = ?direction, "migrations done");
            Ok(())
        }
        Command::Seed { path } => {
            let files = match path {
                Some(path) => seeds::read_path(path),
                None => seeds::bundled(),
            };
            let files = match files {
                Ok(files) => files,
                Err(report) => {
                    eprintln!("{report}");
                    eprintln!("nothing was loaded");
                    std::process::exit(2);
                }
            };
            let db = db::connect_with(&cli.database_url, cli.pool_settings())
                .await
                .context("connecting to the database")?;
            db::migrate(&db).await.context("migrating")?;
            let summary = load_seed_files(&db, &files).await.context("loading seed data")?;
            tracing::info!(
                files = files.len(),
                claims = summary.claims,
                studies = summary.studies,
                rows_written = summary.rows_written,
                "seed data loaded"
            );
            Ok(())
        }
        Command::Generate { claims, seed } => {
            let db = db::connect_with(&cli.database_url, cli.pool_settings())
                .await
                .context("connecting to the database")?;
            db::migrate(&db).await.context("migrating")?;
            let started = std::time::Instant::now();
            // On a terminal, a line that counts the claims written; nothing in a pipe or a log.
            let terminal = std::io::stderr().is_terminal();
            let report = |progress: Progress| {
                if terminal {
                    let percent = progress.written * 100 / progress.total.max(1);
                    eprint!(
                        "\rgenerating: {} of {} claims written ({percent}%)",
                        progress.written, progress.total
                    );
                    if progress.written == progress.total {
                        eprintln!();
                    }
                }
            };
            let options = GenerateOptions::new(*claims, *seed);
            let summary = match generate_reporting(&db, &options, report).await {
                Ok(summary) => summary,
                Err(refused @ GenerateError::AlreadyGenerated { .. }) => {
                    eprintln!("{refused}");
                    std::process::exit(2);
                }
                Err(err) => return Err(err.into()),
            };
            tracing::info!(
                seed,
                claims = summary.claims,
                mechanisms = summary.mechanisms,
                mechanism_steps = summary.mechanism_steps,
                citations = summary.citations,
                studies = summary.studies,
                evidence = summary.evidence,
                duration_ms = started.elapsed().as_millis() as u64,
                "generated claims written"
            );
            Ok(())
        }
        Command::SearchIndex { command } => {
            let db = db::connect_with(&cli.database_url, cli.pool_settings())
                .await
                .context("connecting to the database")?;
            db::migrate(&db).await.context("migrating")?;
            match command {
                SearchIndexCommand::Rebuild => {
                    let started = std::time::Instant::now();
                    // On a terminal, a line per kind of node indexed; nothing in a pipe or a log.
                    let terminal = std::io::stderr().is_terminal();
                    let report = |kind: &str, entries: u64| {
                        if terminal {
                            eprintln!("search index: {entries} {kind} indexed");
                        }
                    };
                    let entries = api::store::search::rebuild(&db, report)
                        .await
                        .context("rebuilding the search index")?;
                    println!(
                        "search index rebuilt: {entries} entries in {} ms",
                        started.elapsed().as_millis()
                    );
                }
            }
            Ok(())
        }
        Command::User { command } => {
            let db = db::connect_with(&cli.database_url, cli.pool_settings())
                .await
                .context("connecting to the database")?;
            db::migrate(&db).await.context("migrating")?;
            match command {
                UserCommand::Create { name, role } => {
                    let user = refused_unless_ok(accounts::create_user(&db, name, (*role).into()).await)?;
                    println!("created user {} ({})", user.name, user.role.name());
                }
            }
            Ok(())
        }
        Command::Token { command } => {
            let db = db::connect_with(&cli.database_url, cli.pool_settings())
                .await
                .context("connecting to the database")?;
            db::migrate(&db).await.context("migrating")?;
            match command {
                TokenCommand::Create { user, label } => {
                    let issued = refused_unless_ok(accounts::create_token(&db, user, label).await)?;
                    eprintln!(
                        "created token {}... ({}) for {user}; it is shown once, here:",
                        issued.token.prefix, issued.token.label
                    );
                    println!("{}", issued.secret);
                }
                TokenCommand::Revoke { prefix } => {
                    let token = refused_unless_ok(accounts::revoke_token(&db, prefix).await)?;
                    println!("revoked token {}... ({})", token.prefix, token.label);
                }
                TokenCommand::List { user } => {
                    for token in refused_unless_ok(accounts::list_tokens(&db, user).await)? {
                        let revoked = token.revoked_at.map_or_else(
                            || "active".to_owned(),
                            |at| format!("revoked {}", at.to_rfc3339()),
                        );
                        println!(
                            "{}...\t{}\tcreated {}\t{revoked}",
                            token.prefix,
                            token.label,
                            token.created_at.to_rfc3339()
                        );
                    }
                }
            }
            Ok(())
        }
        Command::Serve => serve(&cli).await,
    }
}

/// Prints a refused account command's reason and exits with status 2; database failures go up.
fn refused_unless_ok<T>(result: Result<T, accounts::AccountError>) -> anyhow::Result<T> {
    match result {
        Ok(value) => Ok(value),
        Err(accounts::AccountError::Db(err)) => Err(err.into()),
        Err(refused) => {
            eprintln!("{refused}");
            std::process::exit(2);
        }
    }
}

async fn serve(cli: &Cli) -> anyhow::Result<()> {
    // First, so that a bad option or trusted documents manifest stops the start before anything else.
    let http_options = cli.http_options()?;
    // Each connection holds a descriptor: the usual soft limit (1,024) would stop the server long
    // before its connection cap.
    let open_files = match OpenFiles::raise() {
        Ok(limit) => {
            tracing::info!(
                open_files.soft_before = limit.soft_before,
                open_files.soft = limit.soft,
                open_files.hard = limit.hard,
                "open-files soft limit set to the hard limit"
            );
            Some(limit)
        }
        Err(err) => {
            tracing::warn!(error = %err, "cannot read or raise the open-files limit");
            None
        }
    };
    let db = db::connect_with(&cli.database_url, cli.pool_settings())
        .await
        .context("connecting to the database")?;
    db::migrate(&db).await.context("migrating")?;
    if db::holds_no_claim(&db).await.context("reading the database")? {
        let files = seeds::bundled()
            .map_err(|report| anyhow::anyhow!("the bundled seed data is invalid:\n{report}"))?;
        let summary = load_seed_files(&db, &files)
            .await
            .context("seeding a new database")?;
        tracing::info!(
            claims = summary.claims,
            studies = summary.studies,
            "new database seeded with the bundled data"
        );
    }
    let mut serve_options = cli.serve_options(open_files.as_ref());
    if let Some(limit) = open_files
        && serve_options.max_connections > limit.room_for_connections()
    {
        tracing::warn!(
            max_connections = serve_options.max_connections,
            open_files = limit.soft,
            "the connection cap leaves little room under the open-files limit; accepts may fail with too many open files"
        );
    }
    let listener = serve::bind(cli.listen).with_context(|| format!("listening on {}", cli.listen))?;
    let address = listener.local_addr()?;
    tracing::info!(%address, "claimgraph is serving GraphQL at http://{address}/graphql and GraphiQL at http://{address}/graphiql");
    tracing::info!(
        max_connections = serve_options.max_connections,
        header_read_timeout_ms = serve_options.header_read_timeout.as_millis() as u64,
        body_read_timeout_ms = serve_options.body_read_timeout.as_millis() as u64,
        idle_timeout_ms = serve_options.idle_timeout.as_millis() as u64,
        response_write_timeout_ms = serve_options.response_write_timeout.as_millis() as u64,
        "connection limits"
    );
    if let Some(trusted) = &http_options.trusted_documents {
        tracing::info!(
            documents = trusted.len(),
            "trusted documents mode: only the manifest's documents run"
        );
    }
    let state = AppState::configured(db.clone(), cli.schema_options(), http_options);
    serve_options.counters = state.metrics.connections.clone();
    // The signal starts the drain; the deadline bounds it, so a stuck request cannot hold a
    // deployment's shutdown for ever.
    match serve::run(listener, build_app(state), serve_options, shutdown_signal()).await {
        Stopped::Drained => {}
        Stopped::DeadlinePassed { cut } => {
            tracing::warn!(
                deadline_ms = cli.shutdown_deadline_ms,
                connections = cut,
                "shutdown deadline passed with requests still in flight; stopping anyway"
            );
        }
    }
    db.close().await.context("closing the database")?;
    tracing::info!("stopped");
    Ok(())
}

/// Resolves on SIGINT (Ctrl+C) or SIGTERM; the server then stops accepting, finishes the requests it
/// has received, and closes idle connections.
async fn shutdown_signal() {
    let interrupt = async {
        if let Err(err) = tokio::signal::ctrl_c().await {
            tracing::error!(error = %err, "cannot listen for SIGINT");
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(err) => {
                tracing::error!(error = %err, "cannot listen for SIGTERM");
                std::future::pending::<()>().await;
            }
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = interrupt => {},
        () = terminate => {},
    }
    tracing::info!("shutting down: finishing requests in flight");
}

fn init_tracing(format: LogFormat) {
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
    // Logs go to standard error, so a command's own output (a token's secret, the schema) is all
    // that standard output carries.
    let colour = std::io::IsTerminal::is_terminal(&std::io::stderr());
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(colour)
        .with_writer(std::io::stderr);
    match format {
        LogFormat::Pretty => builder.init(),
        LogFormat::Json => builder.json().flatten_event(true).with_span_list(false).init(),
    }
}
