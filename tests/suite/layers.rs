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

/// The modules of `graphql/` (each file or folder directly in it, `mod.rs` aside) and those of
/// them each one names, as `crate::graphql::<module>` or, from a file directly in `graphql/`, as
/// `super::<module>`.
fn graphql_modules() -> std::collections::BTreeMap<String, BTreeSet<String>> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../api/src/graphql");
    let mut modules = std::collections::BTreeMap::new();
    let mut entries: Vec<PathBuf> = std::fs::read_dir(&root)
        .expect("the graphql folder")
        .map(|entry| entry.expect("an entry").path())
        .collect();
    entries.sort();
    for entry in &entries {
        let Some(stem) = entry.file_stem().and_then(|s| s.to_str()) else {
            continue;
        };
        if stem != "mod" && (entry.is_dir() || entry.extension().is_some_and(|ext| ext == "rs")) {
            modules.insert(stem.to_owned(), BTreeSet::new());
        }
    }
    let names: BTreeSet<String> = modules.keys().cloned().collect();
    for name in &names {
        let mut files = Vec::new();
        sources(&root.join(name), &mut files);
        sources(&root.join(format!("{name}.rs")), &mut files);
        for file in files {
            let top_level = file.parent() == Some(root.as_path());
            let text = std::fs::read_to_string(&file).expect("a source file");
            for line in text.lines().filter(|line| !line.trim_start().starts_with("//")) {
                let mut prefixes = vec!["crate::graphql::"];
                if top_level {
                    prefixes.push("super::");
                }
                for prefix in prefixes {
                    for (at, _) in line.match_indices(prefix) {
                        let rest = &line[at + prefix.len()..];
                        let named: Vec<String> = match rest.strip_prefix('{') {
                            Some(group) => group
                                .split('}')
                                .next()
                                .unwrap_or("")
                                .split(',')
                                .map(|item| item.trim().split("::").next().unwrap_or("").to_owned())
                                .collect(),
                            None => vec![
                                rest.chars()
                                    .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                                    .collect(),
                            ],
                        };
                        for used in named {
                            if names.contains(&used) && &used != name {
                                modules.get_mut(name).expect("a module").insert(used);
                            }
                        }
                    }
                }
            }
        }
    }
    modules
}

/// A cycle in `graph`, as the modules along it, if there is one.
fn a_cycle(graph: &std::collections::BTreeMap<String, BTreeSet<String>>) -> Option<Vec<String>> {
    fn visit(
        node: &str,
        graph: &std::collections::BTreeMap<String, BTreeSet<String>>,
        path: &mut Vec<String>,
        done: &mut BTreeSet<String>,
    ) -> Option<Vec<String>> {
        if let Some(at) = path.iter().position(|n| n == node) {
            let mut cycle = path[at..].to_vec();
            cycle.push(node.to_owned());
            return Some(cycle);
        }
        if done.contains(node) {
            return None;
        }
        path.push(node.to_owned());
        for next in graph.get(node).into_iter().flatten() {
            if let Some(cycle) = visit(next, graph, path, done) {
                return Some(cycle);
            }
        }
        path.pop();
        done.insert(node.to_owned());
        None
    }
    let mut done = BTreeSet::new();
    graph
        .keys()
        .find_map(|node| visit(node, graph, &mut Vec::new(), &mut done))
}

#[test]
fn the_schema_modules_form_no_cycle() {
    // `types/` holds every GraphQL type (the GraphQL graph itself is cyclic: a claim's history
    // holds events that name the claim), so its files may name one another; every other module
    // of graphql/ is above or below it, and above or below each other module, never both.
    let modules = graphql_modules();
    assert!(
        modules.len() >= 15 && modules["engine"].contains("compiled") && modules["query"].contains("types"),
        "the check does not see the modules' uses: {modules:?}"
    );
    assert_eq!(a_cycle(&modules), None, "a cycle among graphql's modules");
    // The check finds a cycle when there is one.
    let mut with_cycle = modules.clone();
    with_cycle
        .get_mut("types")
        .expect("types")
        .insert("query".to_owned());
    assert!(a_cycle(&with_cycle).is_some());
}
