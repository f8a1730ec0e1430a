//! The server's layers point down only (docs/ARCHITECTURE.md): each top-level module of `api/src`
//! may use the modules below it in [`LAYERS`], never one above. Read from the source, so a `use`
//! that points up fails here, in CI, before it becomes a cycle.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

/// Top to bottom. `config` reads every layer's options; `error` is the bottom everyone may use.
const LAYERS: &[&str] = &[
    "config",
    "http",
    "graphql",
    "domain",
    "rate_limit",
    "store",
    "db",
    "error",
];

fn sources(path: &Path, out: &mut Vec<PathBuf>) {
    if path.is_dir() {
        let mut entries: Vec<PathBuf> = std::fs::read_dir(path)
            .expect("a source folder")
            .map(|entry| entry.expect("an entry").path())
            .collect();
        entries.sort();
        for entry in entries {
            sources(&entry, out);
        }
    } else if path.is_file() && path.extension().is_some_and(|ext| ext == "rs") {
        out.push(path.to_owned());
    }
}

/// The layers a module's code (comments aside) names as `crate::<layer>`.
fn layers_used(module: &str) -> BTreeSet<String> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../api/src");
    let mut files = Vec::new();
    sources(&root.join(module), &mut files);
    sources(&root.join(format!("{module}.rs")), &mut files);
    assert!(!files.is_empty(), "no source for the module {module}");
    let mut used = BTreeSet::new();
    for file in files {
        let text = std::fs::read_to_string(&file).expect("a source file");
        for line in text.lines().filter(|line| !line.trim_start().starts_with("//")) {
            for (at, _) in line.match_indices("crate::") {
                let name: String = line[at + "crate::".len()..]
                    .chars()
                    .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                    .collect();
                if LAYERS.contains(&name.as_str()) && name != module {
                    used.insert(name);
                }
            }
        }
    }
    used
}

#[test]
fn every_layer_uses_only_the_layers_below_it() {
    let mut upward = Vec::new();
    for (index, module) in LAYERS.iter().enumerate() {
        for used in layers_used(module) {
            let below = LAYERS[index + 1..].contains(&used.as_str());
            if !below {
                upward.push(format!("{module} uses {used}"));
            }
        }
    }
    assert!(upward.is_empty(), "arrows pointing up: {upward:?}");
}

#[test]
fn the_check_sees_the_layers_that_are_used() {
    // The check reads what it should: the web layer does use the schema, and the schema the domain.
    assert!(layers_used("http").contains("graphql"));
    assert!(layers_used("graphql").contains("domain"));
}

/// The crates that speak SQL: SeaORM (and its query builder), sqlx, rusqlite.
const SQL_CRATES: &[&str] = &["sea_orm", "sea_query", "sqlx", "rusqlite"];

/// The SQL crates a module's code (comments aside) names.
fn sql_crates_named(module: &str) -> BTreeSet<String> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../api/src");
    let mut files = Vec::new();
    sources(&root.join(module), &mut files);
    assert!(!files.is_empty(), "no source for the module {module}");
    let mut named = BTreeSet::new();
    for file in files {
        let text = std::fs::read_to_string(&file).expect("a source file");
        for line in text.lines().filter(|line| !line.trim_start().starts_with("//")) {
            for krate in SQL_CRATES {
                if line.contains(&format!("{krate}::")) {
                    named.insert(format!("{} names {krate}", file.display()));
                }
            }
        }
    }
    named
}

#[test]
fn the_schema_writes_no_sql_the_store_does() {
    // Every statement and row decoder is the store's (api/src/store): the schema asks for rows by
    // what they mean.
    let named = sql_crates_named("graphql");
    assert!(named.is_empty(), "SQL outside the store: {named:?}");
    // The check sees what it looks for.
    assert!(!sql_crates_named("store").is_empty());
}
