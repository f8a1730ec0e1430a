//! Row decoding: the columns of one or more tables in one row, read by position, from SeaORM's rows
//! or from an inline SQLite read (see [`crate::store::reads`]).

use entity::{citation, claim, contribution, doi, event, evidence, mechanism, mechanism_step, study, user};
use sea_orm::{
    DbErr, EntityTrait, FromQueryResult, IdenStatic, Iterable, QueryResult, QuerySelect, Select, TryGetable,
};

use crate::store::reads::sqlite::sqlite_error;

/// Column-alias prefixes, one per table, so that one row can carry several tables' columns.
pub(super) const MECHANISM: &str = "m_";
pub(super) const STEP: &str = "ms_";
pub(super) const DOI: &str = "d_";
pub(super) const STUDY: &str = "s_";
pub(super) const EVIDENCE: &str = "e_";
/// A claim reached from another table (a DOI walk's claims); a claim page's own claim has none.
pub(super) const CLAIM: &str = "cl_";
/// The evidence's study and DOI in a claim page's statement, whose mechanisms' studies and DOIs
/// have [`STUDY`] and [`DOI`].
pub(super) const EVIDENCE_STUDY: &str = "es_";
pub(super) const EVIDENCE_DOI: &str = "ed_";

/// Selects every column of `E`, each aliased `{prefix}{column}`, in `E::Column::iter()` order.
pub(super) fn columns_of<E: EntityTrait, S: EntityTrait>(mut select: Select<S>, prefix: &str) -> Select<S> {
    for column in E::Column::iter() {
        select = select.column_as(column, format!("{prefix}{}", column.as_str()));
    }
    select
}

/// How many columns [`columns_of`] selects for `E`.
pub(super) fn width<E: EntityTrait>() -> usize {
    E::Column::iter().count()
}

/// One row of a statement's answer, from SeaORM or from an inline SQLite read.
#[derive(Clone, Copy)]
pub(super) enum Row<'a> {
    SeaOrm(&'a QueryResult),
    Sqlite(&'a rusqlite::Row<'a>),
}

impl Row<'_> {
    /// The value of column `at` (from 0).
    pub(super) fn get<T: Column>(self, at: usize) -> Result<T, DbErr> {
        match self {
            Row::SeaOrm(row) => Ok(T::try_get_by_index(row, at)?),
            Row::Sqlite(row) => T::from_sqlite(row, at),
        }
    }
}

/// A column type the joined statements read, from either kind of [`Row`].
pub(super) trait Column: TryGetable {
    fn from_sqlite(row: &rusqlite::Row<'_>, at: usize) -> Result<Self, DbErr>;
}

/// Column types SQLite stores as themselves (integers, texts; booleans as 0 or 1; times as
/// RFC 3339 texts, as sqlx writes them).
macro_rules! plain_column {
    ($($t:ty),+) => {$(
        impl Column for $t {
            fn from_sqlite(row: &rusqlite::Row<'_>, at: usize) -> Result<Self, DbErr> {
                row.get(at).map_err(sqlite_error)
            }
        }
    )+};
}
plain_column!(i32, Option<i32>, i64, f64, String, Option<String>, bool);

/// Times, stored as RFC 3339 texts. rusqlite's own decoding goes through chrono's `strftime`-style
/// parser (about 2,500 instructions a time, a page reads several); chrono's RFC 3339 parser reads
/// the same texts directly. Anything it does not take (another layout, a Unix time) goes to
/// rusqlite's decoding, as before.
impl Column for chrono::DateTime<chrono::Utc> {
    fn from_sqlite(row: &rusqlite::Row<'_>, at: usize) -> Result<Self, DbErr> {
        if let Ok(rusqlite::types::ValueRef::Text(text)) = row.get_ref(at)
            && let Ok(text) = std::str::from_utf8(text)
            && let Ok(time) = chrono::DateTime::parse_from_rfc3339(text)
        {
            return Ok(time.with_timezone(&chrono::Utc));
        }
        row.get(at).map_err(sqlite_error)
    }
}

/// Times that may be absent: NULL, or a time as above.
impl Column for Option<chrono::DateTime<chrono::Utc>> {
    fn from_sqlite(row: &rusqlite::Row<'_>, at: usize) -> Result<Self, DbErr> {
        match row.get_ref(at) {
            Ok(rusqlite::types::ValueRef::Null) => Ok(None),
            _ => chrono::DateTime::from_sqlite(row, at).map(Some),
        }
    }
}

/// The text of an enumeration column, borrowed from the row (no allocation per value).
pub(super) fn enum_name<'r>(row: &'r rusqlite::Row<'_>, at: usize) -> Result<Option<&'r str>, DbErr> {
    use rusqlite::types::ValueRef;
    match row.get_ref(at).map_err(sqlite_error)? {
        ValueRef::Null => Ok(None),
        ValueRef::Text(text) => std::str::from_utf8(text)
            .map(Some)
            .map_err(|e| crate::store::reads::read_error(format!("SQLite: column {at}: {e}"))),
        other => Err(crate::store::reads::read_error(format!(
            "SQLite: column {at} holds {}, not a name",
            other.data_type()
        ))),
    }
}

/// Enumerations, stored as their names.
macro_rules! enum_column {
    ($($t:ty),+) => {$(
        impl Column for $t {
            fn from_sqlite(row: &rusqlite::Row<'_>, at: usize) -> Result<Self, DbErr> {
                Option::<$t>::from_sqlite(row, at)?.ok_or_else(|| {
                    crate::store::reads::read_error(format!("SQLite: column {at} is NULL"))
                })
            }
        }
        impl Column for Option<$t> {
            fn from_sqlite(row: &rusqlite::Row<'_>, at: usize) -> Result<Self, DbErr> {
                enum_name(row, at)?
                    .map(|name| name.parse::<$t>().map_err(|e| DbErr::Type(e.to_string())))
                    .transpose()
            }
        }
    )+};
}
enum_column!(
    entity::values::Support,
    entity::values::StudyDesign,
    entity::values::Stance,
    entity::values::EffectDirection,
    entity::values::Role,
    entity::values::ContributionStatus
);

/// Reads a row's columns by position, from a starting column on (see [`ReadAt`]).
pub struct Cursor<'a> {
    row: Row<'a>,
    at: usize,
}

impl Cursor<'_> {
    fn next<T: Column>(&mut self) -> Result<T, DbErr> {
        let index = self.at;
        self.at += 1;
        self.row.get(index)
    }
}

/// A model read by position from its table's columns in the entity's column order: those
/// `columns_of` selected for it in a joined statement, or a plain select of the table.
///
/// By position, not by name: a name costs a `format!` of prefix and column and a hash look-up, per
/// column and row, which was a tenth of the server's work on a page. Debug builds (every test)
/// also decode each SeaORM row by name and check that both agree, so a field order that no longer
/// matches the entity's columns fails the suite; `reads_beside_the_pool_decode_what_seaorm_decodes`
/// checks the reads beside the pool (`crate::store::reads`) against SeaORM's.
///
/// Public only because [`Store::by_ids`](crate::store::Store::by_ids) names it as a bound: its
/// tables are the ones with an implementation here.
pub trait ReadAt: FromQueryResult + PartialEq + std::fmt::Debug {
    fn read_at(row: &mut Cursor<'_>) -> Result<Self, DbErr>;
}

/// Implements [`ReadAt`] for an entity's model; the fields are listed in the entity's column order.
macro_rules! read_at {
    ($module:ident { $($field:ident),+ $(,)? }) => {
        impl ReadAt for $module::Model {
            fn read_at(row: &mut Cursor<'_>) -> Result<Self, DbErr> {
                Ok($module::Model { $($field: row.next()?),+ })
            }
        }
    };
}

read_at!(claim {
    id,
    slug,
    statement,
    statement_folded,
    population,
    intervention,
    comparator,
    outcome,
    effect_direction,
    synthesis,
    created_at,
    updated_at,
    version,
    population_folded,
    intervention_folded,
    comparator_folded,
    outcome_folded,
    evidence_count
});
read_at!(mechanism {
    id,
    claim_id,
    rank,
    support,
    label,
    summary,
    version
});
read_at!(mechanism_step {
    id,
    mechanism_id,
    position,
    text,
    version
});
read_at!(doi { id, value });
read_at!(study {
    id,
    doi_id,
    title,
    title_folded,
    journal,
    year,
    design,
    authors,
    sample_size,
    retracted,
    version,
    journal_folded
});
read_at!(evidence {
    id,
    claim_id,
    study_id,
    stance,
    note,
    created_at,
    version
});
read_at!(citation {
    id,
    mechanism_step_id,
    doi_id,
    position
});
read_at!(user {
    id,
    name,
    role,
    created_at
});
read_at!(event {
    id,
    actor_id,
    action,
    subject_type,
    subject_id,
    claim_id,
    contribution_id,
    before,
    after,
    created_at
});
read_at!(contribution {
    id,
    author_id,
    action,
    claim_id,
    subject_type,
    subject_id,
    change,
    before,
    after,
    status,
    reason,
    reviewer_id,
    created_at,
    reviewed_at
});

/// Decodes the model whose columns start at `at` (aliased with `prefix`).
pub(super) fn decode<M: ReadAt>(row: Row<'_>, at: usize, prefix: &str) -> Result<M, DbErr> {
    let model = M::read_at(&mut Cursor { row, at })?;
    if let Row::SeaOrm(row) = row {
        debug_assert_eq!(
            Some(&model),
            M::from_query_result(row, prefix).ok().as_ref(),
            "{prefix} columns read by position differ from the same columns read by name"
        );
    }
    Ok(model)
}

/// Decodes a LEFT JOINed model whose columns start at `at`: `None` when the join found no row (its
/// `id`, the first column, is NULL). A value that does not decode is an error, not a `None`.
pub(super) fn decode_joined<M: ReadAt>(row: Row<'_>, at: usize, prefix: &str) -> Result<Option<M>, DbErr> {
    match row.get::<Option<i32>>(at)? {
        Some(_) => decode(row, at, prefix).map(Some),
        None => Ok(None),
    }
}

#[cfg(test)]
mod tests {
    use chrono::{DateTime, Utc};
    use entity::values::Stance;

    use super::Column;

    /// Decodes `sql`'s one column of one row with `read`.
    fn decode<T>(sql: &str, read: impl Fn(&rusqlite::Row<'_>) -> T) -> T {
        let connection = rusqlite::Connection::open_in_memory().expect("an in-memory database");
        connection
            .query_row(sql, [], |row| Ok(read(row)))
            .expect("one row")
    }

    #[test]
    fn a_time_reads_as_rusqlite_reads_it_in_every_layout_sqlite_may_hold() {
        let texts = [
            "'2026-01-01T00:00:00+00:00'",
            "'2026-11-29T10:42:37.311832+00:00'",
            "'2026-11-29T10:42:37.123456789Z'",
            "'2026-11-29 10:42:37.5+00:00'",
            "'2026-11-29T12:42:37+02:00'",
            "'2026-11-29 10:42:37'",
            "'2026-11-29T10:42:37.25'",
            "1764412957",
        ];
        for text in texts {
            let sql = format!("SELECT {text}");
            let ours = decode(&sql, |row| DateTime::<Utc>::from_sqlite(row, 0).ok());
            let theirs = decode(&sql, |row| row.get::<_, DateTime<Utc>>(0).ok());
            assert!(ours.is_some(), "{text} reads as a time");
            assert_eq!(ours, theirs, "{text}");
        }
        for bad in ["'not a time'", "NULL", "X'00'"] {
            let sql = format!("SELECT {bad}");
            assert!(
                decode(&sql, |row| DateTime::<Utc>::from_sqlite(row, 0).is_err()),
                "{bad} is an error"
            );
        }
    }

    #[test]
    fn an_enumeration_reads_its_stored_name_and_refuses_anything_else() {
        let read = |sql: &str| decode(sql, |row| Stance::from_sqlite(row, 0));
        assert_eq!(read("SELECT 'CONTRADICTING'").ok(), Some(Stance::Contradicting));
        let optional = |sql: &str| decode(sql, |row| Option::<Stance>::from_sqlite(row, 0));
        assert_eq!(optional("SELECT NULL").ok(), Some(None));
        assert_eq!(
            optional("SELECT 'SUPPORTING'").ok(),
            Some(Some(Stance::Supporting))
        );
        for (bad, says) in [
            ("SELECT 'supporting'", "SUPPORTING"),
            ("SELECT NULL", "is NULL"),
            ("SELECT 3", "not a name"),
            ("SELECT X'ff'", "not a name"),
        ] {
            let error = read(bad).expect_err(bad).to_string();
            assert!(error.contains(says), "{bad}: {error}");
        }
        assert!(optional("SELECT 'MAYBE'").is_err());
    }
}
