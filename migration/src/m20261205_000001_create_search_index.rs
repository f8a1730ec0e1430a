//! Creates the full-text search index: one `search_entry` row per claim, mechanism, step and study,
//! indexed by the database's own engine (SQLite FTS5; PostgreSQL `tsvector` with a GIN index).
//!
//! What text an entry holds is defined once, by the view `search_source`. Triggers on the four
//! source tables copy a node's row of that view into `search_entry` whenever the node is created,
//! its searchable text changes or it is removed, inside the writing statement's transaction: an
//! accepted change is searchable at once, whoever wrote it (the write path, the seed loader,
//! `generate`'s bulk inserts), and a pending contribution, which lives only in `contribution`,
//! never is. `claimgraph search-index rebuild` refills `search_entry` from the same view.
//!
//! Each entry has four texts, weighted from `a` (strongest) to `d`:
//!
//! | node      | a         | b                                                  | c                 | d                 |
//! |-----------|-----------|----------------------------------------------------|-------------------|-------------------|
//! | claim     | statement | population, intervention, comparator, outcome     | synthesis         |                   |
//! | mechanism |           | label                                              | summary           |                   |
//! | step      |           |                                                    | text              |                   |
//! | study     |           | title                                              |                   | journal, authors  |
//!
//! SQLite: an FTS5 table over `search_entry` (external content, kept in step by triggers on
//! `search_entry`), the Porter stemmer over `unicode61` with diacritics removed, and prefix indexes
//! of 2 and 3 characters; a second FTS5 table, `search_words`, indexes the words as written (no
//! stemming, no positions), and `search_vocab` (`fts5vocab`) lists them for spelling suggestions.
//! PostgreSQL: a stored generated `tsvector` (the `english` configuration, weights A to D) under a
//! GIN index; `search_word` keeps every word (the `simple` configuration) ever indexed, for the same
//! suggestions. Source-table
//! triggers are per statement for inserts and deletes (bulk loads index in one pass) and per row for
//! updates of the searchable columns.

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::{ConnectionTrait, DbBackend};

#[derive(DeriveMigrationName)]
pub struct Migration;

/// The view every entry's text comes from: `kind` 1 claim, 2 mechanism, 3 step, 4 study.
const SOURCE_VIEW: &str = r#"
CREATE VIEW search_source AS
SELECT 1 AS kind, c.id AS node_id, c.id AS claim_id, c.statement AS a,
       c.population || ' ' || c.intervention || ' ' || c.comparator || ' ' || c.outcome AS b,
       c.synthesis AS c, '' AS d
  FROM claim c
UNION ALL
SELECT 2, m.id, m.claim_id, '', COALESCE(m.label, ''), m.summary, ''
  FROM mechanism m
UNION ALL
SELECT 3, s.id, m.claim_id, '', '', s.text, ''
  FROM mechanism_step s JOIN mechanism m ON m.id = s.mechanism_id
UNION ALL
SELECT 4, t.id, NULL, '', t.title, '', COALESCE(t.journal, '') || ' ' || COALESCE(t.authors, '')
  FROM study t
"#;

/// The source tables: their kind, and the columns whose change re-indexes a row.
const SOURCES: [(&str, i32, &str); 4] = [
    (
        "claim",
        1,
        "statement, population, intervention, comparator, outcome, synthesis",
    ),
    ("mechanism", 2, "label, summary, claim_id"),
    ("mechanism_step", 3, "text, mechanism_id"),
    ("study", 4, "title, journal, authors"),
];

fn sqlite_up() -> Vec<String> {
    let mut sql = vec![
        r#"CREATE TABLE search_entry (
            id INTEGER PRIMARY KEY,
            kind INTEGER NOT NULL,
            node_id INTEGER NOT NULL,
            claim_id INTEGER,
            a TEXT NOT NULL,
            b TEXT NOT NULL,
            c TEXT NOT NULL,
            d TEXT NOT NULL
        )"#
        .to_owned(),
        "CREATE UNIQUE INDEX idx_search_entry_kind_node_id ON search_entry (kind, node_id)".to_owned(),
        "CREATE INDEX idx_search_entry_claim_id ON search_entry (claim_id)".to_owned(),
        // `kind` and `claim_id` unindexed: a search of some kinds, or of one claim's page, filters
        // while it reads the matches, so a capped read of them is a read of what it wants.
        "CREATE VIRTUAL TABLE search_fts USING fts5(a, b, c, d, kind UNINDEXED, claim_id UNINDEXED, \
         content='search_entry', content_rowid='id', \
         tokenize='porter unicode61 remove_diacritics 2', prefix='2 3')"
            .to_owned(),
        // The words as written (no stemming, no positions): their vocabulary is what spelling
        // suggestions choose from.
        "CREATE VIRTUAL TABLE search_words USING fts5(a, b, c, d, content='search_entry', content_rowid='id', \
         tokenize='unicode61 remove_diacritics 2', detail=none)"
            .to_owned(),
        "CREATE VIRTUAL TABLE search_vocab USING fts5vocab(search_words, 'row')".to_owned(),
        "CREATE TRIGGER search_entry_insert AFTER INSERT ON search_entry BEGIN \
           INSERT INTO search_fts (rowid, a, b, c, d, kind, claim_id) \
             VALUES (new.id, new.a, new.b, new.c, new.d, new.kind, new.claim_id); \
           INSERT INTO search_words (rowid, a, b, c, d) VALUES (new.id, new.a, new.b, new.c, new.d); END"
            .to_owned(),
        "CREATE TRIGGER search_entry_delete AFTER DELETE ON search_entry BEGIN \
           INSERT INTO search_fts (search_fts, rowid, a, b, c, d, kind, claim_id) \
             VALUES ('delete', old.id, old.a, old.b, old.c, old.d, old.kind, old.claim_id); \
           INSERT INTO search_words (search_words, rowid, a, b, c, d) VALUES ('delete', old.id, old.a, old.b, old.c, old.d); END"
            .to_owned(),
        SOURCE_VIEW.to_owned(),
    ];
    for (table, kind, columns) in SOURCES {
        let copy = format!(
            "INSERT INTO search_entry (kind, node_id, claim_id, a, b, c, d) \
             SELECT kind, node_id, claim_id, a, b, c, d FROM search_source WHERE kind = {kind} AND node_id = new.id;"
        );
        let forget =
            |row: &str| format!("DELETE FROM search_entry WHERE kind = {kind} AND node_id = {row}.id;");
        sql.push(format!(
            "CREATE TRIGGER search_{table}_insert AFTER INSERT ON {table} BEGIN {copy} END"
        ));
        sql.push(format!(
            "CREATE TRIGGER search_{table}_update AFTER UPDATE OF {columns} ON {table} BEGIN {} {copy} END",
            forget("old")
        ));
        sql.push(format!(
            "CREATE TRIGGER search_{table}_delete AFTER DELETE ON {table} BEGIN {} END",
            forget("old")
        ));
    }
    // A step's entry names its mechanism's claim; mechanisms never move between claims, but if one
    // did its steps would follow.
    sql.push(
        "CREATE TRIGGER search_mechanism_claim AFTER UPDATE OF claim_id ON mechanism BEGIN \
           UPDATE search_entry SET claim_id = new.claim_id WHERE kind = 3 AND node_id IN \
             (SELECT id FROM mechanism_step WHERE mechanism_id = new.id); END"
            .to_owned(),
    );
    sql.push(
        "INSERT INTO search_entry (kind, node_id, claim_id, a, b, c, d) SELECT * FROM search_source"
            .to_owned(),
    );
    sql
}

fn sqlite_down() -> Vec<String> {
    let mut sql: Vec<String> = SOURCES
        .iter()
        .flat_map(|(table, _, _)| {
            ["insert", "update", "delete"].map(|event| format!("DROP TRIGGER search_{table}_{event}"))
        })
        .collect();
    sql.extend(
        [
            "DROP TRIGGER search_mechanism_claim",
            "DROP VIEW search_source",
            "DROP TABLE search_vocab",
            "DROP TABLE search_words",
            "DROP TABLE search_fts",
            "DROP TABLE search_entry",
        ]
        .map(str::to_owned),
    );
    sql
}

fn postgres_up() -> Vec<String> {
    let mut sql = vec![
        r#"CREATE TABLE search_entry (
            kind smallint NOT NULL,
            node_id integer NOT NULL,
            claim_id integer,
            a text NOT NULL,
            b text NOT NULL,
            c text NOT NULL,
            d text NOT NULL,
            document tsvector GENERATED ALWAYS AS (
                setweight(to_tsvector('english'::regconfig, a), 'A') ||
                setweight(to_tsvector('english'::regconfig, b), 'B') ||
                setweight(to_tsvector('english'::regconfig, c), 'C') ||
                setweight(to_tsvector('english'::regconfig, d), 'D')
            ) STORED,
            PRIMARY KEY (kind, node_id)
        )"#
        .to_owned(),
        "CREATE INDEX idx_search_entry_claim_id ON search_entry (claim_id)".to_owned(),
        "CREATE INDEX idx_search_entry_document ON search_entry USING gin (document)".to_owned(),
        // Every word as written (lower-cased) that any entry has held: what spelling suggestions
        // choose from, read by range (hence the byte order).
        "CREATE TABLE search_word (word text COLLATE \"C\" PRIMARY KEY)".to_owned(),
        r#"CREATE FUNCTION search_words_follow() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            INSERT INTO search_word (word)
                SELECT DISTINCT word
                  FROM new_entries,
                       unnest(tsvector_to_array(to_tsvector('simple'::regconfig, a || ' ' || b || ' ' || c || ' ' || d))) AS word
                ON CONFLICT DO NOTHING;
            RETURN NULL;
        END $$"#
            .to_owned(),
        "CREATE TRIGGER search_words_insert AFTER INSERT ON search_entry REFERENCING NEW TABLE AS new_entries \
         FOR EACH STATEMENT EXECUTE FUNCTION search_words_follow()"
            .to_owned(),
        SOURCE_VIEW.to_owned(),
        // Inserts and deletes of any number of rows: one pass per statement.
        r#"CREATE FUNCTION search_follow_rows() RETURNS trigger LANGUAGE plpgsql AS $$
        DECLARE
            source_kind smallint := TG_ARGV[0]::smallint;
        BEGIN
            IF TG_OP = 'INSERT' THEN
                INSERT INTO search_entry (kind, node_id, claim_id, a, b, c, d)
                    SELECT s.kind, s.node_id, s.claim_id, s.a, s.b, s.c, s.d
                      FROM search_source s JOIN new_rows n ON s.node_id = n.id
                     WHERE s.kind = source_kind;
            ELSE
                DELETE FROM search_entry e USING old_rows o
                 WHERE e.kind = source_kind AND e.node_id = o.id;
            END IF;
            RETURN NULL;
        END $$"#
            .to_owned(),
        // An update of a searchable column: the row's entry again.
        r#"CREATE FUNCTION search_follow_row() RETURNS trigger LANGUAGE plpgsql AS $$
        DECLARE
            source_kind smallint := TG_ARGV[0]::smallint;
        BEGIN
            DELETE FROM search_entry WHERE kind = source_kind AND node_id = OLD.id;
            INSERT INTO search_entry (kind, node_id, claim_id, a, b, c, d)
                SELECT kind, node_id, claim_id, a, b, c, d FROM search_source
                 WHERE kind = source_kind AND node_id = NEW.id;
            -- Nested: only a mechanism's row has a claim_id (PL/pgSQL does not short-circuit AND).
            IF source_kind = 2 THEN
                IF NEW.claim_id IS DISTINCT FROM OLD.claim_id THEN
                    UPDATE search_entry SET claim_id = NEW.claim_id
                     WHERE kind = 3 AND node_id IN (SELECT id FROM mechanism_step WHERE mechanism_id = NEW.id);
                END IF;
            END IF;
            RETURN NULL;
        END $$"#
            .to_owned(),
    ];
    for (table, kind, columns) in SOURCES {
        sql.push(format!(
            "CREATE TRIGGER search_{table}_insert AFTER INSERT ON {table} REFERENCING NEW TABLE AS new_rows \
             FOR EACH STATEMENT EXECUTE FUNCTION search_follow_rows('{kind}')"
        ));
        sql.push(format!(
            "CREATE TRIGGER search_{table}_delete AFTER DELETE ON {table} REFERENCING OLD TABLE AS old_rows \
             FOR EACH STATEMENT EXECUTE FUNCTION search_follow_rows('{kind}')"
        ));
        sql.push(format!(
            "CREATE TRIGGER search_{table}_update AFTER UPDATE OF {columns} ON {table} \
             FOR EACH ROW EXECUTE FUNCTION search_follow_row('{kind}')"
        ));
    }
    sql.push(
        "INSERT INTO search_entry (kind, node_id, claim_id, a, b, c, d) SELECT * FROM search_source"
            .to_owned(),
    );
    sql
}

fn postgres_down() -> Vec<String> {
    let mut sql: Vec<String> = SOURCES
        .iter()
        .flat_map(|(table, _, _)| {
            ["insert", "update", "delete"]
                .map(|event| format!("DROP TRIGGER search_{table}_{event} ON {table}"))
        })
        .collect();
    sql.extend(
        [
            "DROP FUNCTION search_follow_row()",
            "DROP FUNCTION search_follow_rows()",
            "DROP VIEW search_source",
            "DROP TABLE search_entry",
            "DROP FUNCTION search_words_follow()",
            "DROP TABLE search_word",
        ]
        .map(str::to_owned),
    );
    sql
}

/// The indexes `suggest` reads by prefix: the start of a claim's statement or a study's title. On
/// PostgreSQL in byte order (`COLLATE "C"`), which a range on a prefix needs whatever the
/// database's collation.
fn prefix_indexes_up(backend: DbBackend) -> Vec<String> {
    let collate = match backend {
        DbBackend::Postgres => " COLLATE \"C\"",
        _ => "",
    };
    vec![
        format!("CREATE INDEX idx_claim_statement_folded ON claim (statement_folded{collate})"),
        format!("CREATE INDEX idx_study_title_folded ON study (title_folded{collate})"),
    ]
}

fn prefix_indexes_down() -> Vec<String> {
    vec![
        "DROP INDEX idx_claim_statement_folded".to_owned(),
        "DROP INDEX idx_study_title_folded".to_owned(),
    ]
}

async fn run(manager: &SchemaManager<'_>, statements: impl IntoIterator<Item = String>) -> Result<(), DbErr> {
    let db = manager.get_connection();
    for sql in statements {
        db.execute_unprepared(&sql).await?;
    }
    Ok(())
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let index = match manager.get_database_backend() {
            DbBackend::Postgres => postgres_up(),
            DbBackend::Sqlite => sqlite_up(),
            other => return Err(DbErr::Migration(format!("no search index for {other:?}"))),
        };
        run(manager, prefix_indexes_up(manager.get_database_backend())).await?;
        run(manager, index).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let index = match manager.get_database_backend() {
            DbBackend::Postgres => postgres_down(),
            DbBackend::Sqlite => sqlite_down(),
            other => return Err(DbErr::Migration(format!("no search index for {other:?}"))),
        };
        run(manager, index).await?;
        run(manager, prefix_indexes_down()).await
    }
}
