//! Reading one file: TOML syntax first, then every table and field, recording a problem for each
//! mistake and keeping a draft of whatever could be read, so that one pass finds them all.
//!
//! The walk goes over toml's spanned document tree (`DeTable`) by hand rather than through serde:
//! serde stops at the first bad value and ignores unknown keys unless told to stop at the first
//! of those too, while a contributor wants every mistake at once, each with its line and column.

use std::str::FromStr;

use entity::values::{Doi, EffectDirection, Stance, StudyDesign, Support, UnknownName};
use toml::Spanned;
use toml::de::{DeTable, DeValue};

use crate::model::{SeedClaim, SeedEvidence, SeedFile, SeedMechanism, SeedStep, SeedStudy};
use crate::problem::{Findings, Place, Source};

/// The longest texts accepted, in characters. Generous for prose, but low enough that a paste
/// of a whole article into one field is caught.
pub(crate) mod limit {
    pub const SLUG: usize = 100;
    pub const STATEMENT: usize = 2_000;
    /// Each PICO part: population, intervention, comparator, outcome.
    pub const PICO: usize = 500;
    pub const SYNTHESIS: usize = 10_000;
    pub const LABEL: usize = 200;
    pub const SUMMARY: usize = 10_000;
    pub const STEP_TEXT: usize = 2_000;
    pub const NOTE: usize = 2_000;
    pub const TITLE: usize = 1_000;
    pub const JOURNAL: usize = 500;
    pub const AUTHORS: usize = 5_000;
}

/// The years a study may carry: before 1600 or after 2100 is a typo, not a study.
pub(crate) const YEARS: std::ops::RangeInclusive<i64> = 1600..=2100;

const ROOT_KEYS: &[&str] = &["claim", "study"];
const CLAIM_KEYS: &[&str] = &[
    "slug",
    "statement",
    "population",
    "intervention",
    "comparator",
    "outcome",
    "effect_direction",
    "synthesis",
    "mechanism",
    "evidence",
];
const MECHANISM_KEYS: &[&str] = &["rank", "support", "label", "summary", "step"];
const STEP_KEYS: &[&str] = &["position", "text", "citations"];
const EVIDENCE_KEYS: &[&str] = &["study", "stance", "note"];
const STUDY_KEYS: &[&str] = &[
    "doi",
    "title",
    "design",
    "journal",
    "year",
    "authors",
    "sample_size",
    "retracted",
];

/// A value read from a file, with the place it came from, for checks that must point back at it.
#[derive(Debug, Clone)]
pub(crate) struct At<T> {
    pub value: T,
    pub place: Place,
}

/// What could be read of one file. A field is `None` when it was absent or wrong, in which case a
/// problem has been recorded and the draft is never turned into a [`SeedFile`].
pub(crate) struct FileDraft {
    pub claims: Vec<ClaimDraft>,
    pub studies: Vec<StudyDraft>,
}

pub(crate) struct ClaimDraft {
    pub slug: Option<At<String>>,
    statement: Option<String>,
    population: Option<String>,
    intervention: Option<String>,
    comparator: Option<String>,
    outcome: Option<String>,
    effect_direction: Option<EffectDirection>,
    synthesis: Option<String>,
    mechanisms: Vec<MechanismDraft>,
    pub evidence: Vec<EvidenceDraft>,
}

struct MechanismDraft {
    rank: Option<At<i32>>,
    support: Option<Support>,
    label: Option<String>,
    summary: Option<String>,
    steps: Vec<StepDraft>,
}

struct StepDraft {
    position: Option<At<i32>>,
    text: Option<String>,
    citations: Vec<Doi>,
}

pub(crate) struct EvidenceDraft {
    pub study: Option<At<Doi>>,
    stance: Option<Stance>,
    note: Option<String>,
}

pub(crate) struct StudyDraft {
    pub doi: Option<At<Doi>>,
    title: Option<String>,
    journal: Option<String>,
    year: Option<i32>,
    design: Option<StudyDesign>,
    authors: Option<String>,
    sample_size: Option<i32>,
    retracted: bool,
}

/// Reads one file, recording its problems in `findings`; `None` when its TOML does not parse.
pub(crate) fn read_file(source: &Source<'_>, findings: &mut Findings) -> Option<FileDraft> {
    let (root, errors) = DeTable::parse_recoverable(source.text);
    if !errors.is_empty() {
        // Past a syntax error the recovered tree is a guess; checking it would add noise.
        for error in errors {
            let offset = error.span().map_or(0, |span| span.start);
            findings.add(
                &source.place(offset, ""),
                format!("TOML syntax: {}", error.message()),
            );
        }
        return None;
    }
    let mut reader = Reader { source, findings };
    let root = Table {
        entries: root.get_ref(),
        offset: 0,
        path: String::new(),
    };
    reader.check_keys(&root, ROOT_KEYS);
    let claim_tables = reader.tables(&root, "claim", "[[claim]]");
    let study_tables = reader.tables(&root, "study", "[[study]]");
    if root.entries.is_empty() {
        let place = Place::whole_file(source.index, source.name);
        reader
            .findings
            .add(&place, "the file defines no [[claim]] and no [[study]]");
    }
    let claims = claim_tables
        .into_iter()
        .filter_map(|(path, value)| reader.claim(value, path))
        .collect();
    let studies = study_tables
        .into_iter()
        .filter_map(|(path, value)| reader.study(value, path))
        .collect();
    Some(FileDraft { claims, studies })
}

/// One table of the document, with where it starts and its path for problem locations.
struct Table<'t, 'i> {
    entries: &'t DeTable<'i>,
    /// Byte offset of its header (or of its `{` when inline): where a missing key is reported.
    offset: usize,
    path: String,
}

/// One key's value, with the key's name and the value's path.
struct Field<'t, 'i> {
    key: &'static str,
    value: &'t Spanned<DeValue<'i>>,
    path: String,
}

impl Field<'_, '_> {
    fn offset(&self) -> usize {
        self.value.span().start
    }
}

/// `parent.key`, or `key` at the top of the document.
fn child_path(parent: &str, key: &str) -> String {
    if parent.is_empty() {
        key.to_owned()
    } else {
        format!("{parent}.{key}")
    }
}

/// "a string", "an integer", ...: the found type, for "expected ..., found ..." reasons.
fn a_type(value: &DeValue<'_>) -> String {
    let name = value.type_str();
    let article = if name.starts_with(['a', 'e', 'i', 'o', 'u']) {
        "an"
    } else {
        "a"
    };
    format!("{article} {name}")
}

/// "1 step", "3 steps".
fn counted(count: usize, noun: &str) -> String {
    if count == 1 {
        format!("1 {noun}")
    } else {
        format!("{count} {noun}s")
    }
}

struct Reader<'s, 'f> {
    source: &'s Source<'s>,
    findings: &'f mut Findings,
}

impl Reader<'_, '_> {
    fn place(&self, offset: usize, path: &str) -> Place {
        self.source.place(offset, path)
    }

    fn problem(&mut self, offset: usize, path: &str, reason: impl Into<String>) {
        let place = self.place(offset, path);
        self.findings.add(&place, reason);
    }

    /// `value` as a table whose keys are all in `known`; unknown keys are reported (a typo would
    /// otherwise silently drop the field it meant).
    fn table<'t, 'i>(
        &mut self,
        value: &'t Spanned<DeValue<'i>>,
        path: String,
        known: &[&str],
    ) -> Option<Table<'t, 'i>> {
        let DeValue::Table(entries) = value.get_ref() else {
            let reason = format!("expected a table, found {}", a_type(value.get_ref()));
            self.problem(value.span().start, &path, reason);
            return None;
        };
        let table = Table {
            entries,
            offset: value.span().start,
            path,
        };
        self.check_keys(&table, known);
        Some(table)
    }

    fn check_keys(&mut self, table: &Table<'_, '_>, known: &[&str]) {
        for key in table.entries.keys() {
            let name: &str = key.get_ref();
            if !known.contains(&name) {
                let closest = known
                    .iter()
                    .min_by_key(|candidate| edit_distance(name, candidate));
                let reason = match closest.filter(|candidate| edit_distance(name, candidate) <= 2) {
                    Some(meant) => format!("unknown key `{name}` (did you mean `{meant}`?)"),
                    None => format!("unknown key `{name}`; the keys here are {}", known.join(", ")),
                };
                self.problem(key.span().start, &child_path(&table.path, name), reason);
            }
        }
    }

    /// The value under `key`; a missing required key is reported at the table's header.
    fn field<'t, 'i>(
        &mut self,
        table: &Table<'t, 'i>,
        key: &'static str,
        required: bool,
    ) -> Option<Field<'t, 'i>> {
        let path = child_path(&table.path, key);
        match table.entries.get(key) {
            Some(value) => Some(Field { key, value, path }),
            None => {
                if required {
                    self.problem(table.offset, &path, format!("missing required key `{key}`"));
                }
                None
            }
        }
    }

    /// The tables under `key`, written as `[[header]]` (or as an array of inline tables), each
    /// with its path `key[n]`, counted from 1. An absent key is no tables.
    fn tables<'t, 'i>(
        &mut self,
        table: &Table<'t, 'i>,
        key: &'static str,
        header: &str,
    ) -> Vec<(String, &'t Spanned<DeValue<'i>>)> {
        let Some(field) = self.field(table, key, false) else {
            return Vec::new();
        };
        let DeValue::Array(items) = field.value.get_ref() else {
            let reason = format!(
                "`{key}` must be a list of {header} tables, found {} (write {header}, with double brackets)",
                a_type(field.value.get_ref())
            );
            self.problem(field.offset(), &field.path, reason);
            return Vec::new();
        };
        items
            .iter()
            .enumerate()
            .map(|(i, item)| (format!("{}[{}]", field.path, i + 1), item))
            .collect()
    }

    fn string<'t>(&mut self, field: &Field<'t, '_>) -> Option<&'t str> {
        match field.value.get_ref() {
            DeValue::String(text) => Some(text.as_ref()),
            other => {
                let reason = format!("`{}` must be a string, found {}", field.key, a_type(other));
                self.problem(field.offset(), &field.path, reason);
                None
            }
        }
    }

    /// A text that is not blank and at most `limit` characters long.
    fn text_of(&mut self, field: &Field<'_, '_>, limit: usize) -> Option<String> {
        let text = self.string(field)?;
        if text.trim().is_empty() {
            self.problem(
                field.offset(),
                &field.path,
                format!("`{}` must not be empty", field.key),
            );
            return None;
        }
        let length = text.chars().count();
        if length > limit {
            let reason = format!(
                "`{}` is {length} characters long; at most {limit} are allowed",
                field.key
            );
            self.problem(field.offset(), &field.path, reason);
            return None;
        }
        Some(text.to_owned())
    }

    fn text(&mut self, table: &Table<'_, '_>, key: &'static str, limit: usize) -> Option<String> {
        let field = self.field(table, key, true)?;
        self.text_of(&field, limit)
    }

    fn optional_text(&mut self, table: &Table<'_, '_>, key: &'static str, limit: usize) -> Option<String> {
        let field = self.field(table, key, false)?;
        self.text_of(&field, limit)
    }

    /// One of an enum's stored names, as written (names are upper-case and matched exactly).
    fn name<E: FromStr<Err = UnknownName>>(&mut self, field: &Field<'_, '_>) -> Option<E> {
        let text = self.string(field)?;
        match text.parse() {
            Ok(value) => Some(value),
            Err(unknown) => {
                self.problem(field.offset(), &field.path, format!("`{}`: {unknown}", field.key));
                None
            }
        }
    }

    fn required_name<E: FromStr<Err = UnknownName>>(
        &mut self,
        table: &Table<'_, '_>,
        key: &'static str,
    ) -> Option<E> {
        let field = self.field(table, key, true)?;
        self.name(&field)
    }

    fn doi_of(&mut self, field: &Field<'_, '_>, text: &str) -> Option<At<Doi>> {
        match Doi::parse(text) {
            Ok(doi) => Some(At {
                value: doi,
                place: self.place(field.offset(), &field.path),
            }),
            Err(why) => {
                self.problem(
                    field.offset(),
                    &field.path,
                    format!("{text:?} is not a DOI: {why}"),
                );
                None
            }
        }
    }

    fn doi(&mut self, table: &Table<'_, '_>, key: &'static str) -> Option<At<Doi>> {
        let field = self.field(table, key, true)?;
        let text = self.string(&field)?;
        self.doi_of(&field, text)
    }

    /// A whole number that fits the database's 32-bit columns.
    fn integer_of(&mut self, field: &Field<'_, '_>) -> Option<At<i32>> {
        let DeValue::Integer(integer) = field.value.get_ref() else {
            let reason = format!(
                "`{}` must be a whole number, found {}",
                field.key,
                a_type(field.value.get_ref())
            );
            self.problem(field.offset(), &field.path, reason);
            return None;
        };
        match i32::from_str_radix(integer.as_str(), integer.radix()) {
            Ok(value) => Some(At {
                value,
                place: self.place(field.offset(), &field.path),
            }),
            Err(_) => {
                let reason = format!(
                    "`{}` = {integer} is too large; the limit is {}",
                    field.key,
                    i32::MAX
                );
                self.problem(field.offset(), &field.path, reason);
                None
            }
        }
    }

    fn integer(&mut self, table: &Table<'_, '_>, key: &'static str, required: bool) -> Option<At<i32>> {
        let field = self.field(table, key, required)?;
        self.integer_of(&field)
    }

    fn boolean(&mut self, table: &Table<'_, '_>, key: &'static str) -> Option<bool> {
        let field = self.field(table, key, false)?;
        match field.value.get_ref() {
            DeValue::Boolean(value) => Some(*value),
            other => {
                let reason = format!("`{key}` must be true or false, found {}", a_type(other));
                self.problem(field.offset(), &field.path, reason);
                None
            }
        }
    }

    fn slug(&mut self, table: &Table<'_, '_>) -> Option<At<String>> {
        let field = self.field(table, "slug", true)?;
        let slug = self.string(&field)?;
        let length = slug.chars().count();
        let reason = if slug.is_empty() {
            "`slug` must not be empty".to_owned()
        } else if length > limit::SLUG {
            format!(
                "`slug` is {length} characters long; at most {} are allowed",
                limit::SLUG
            )
        } else if !slug
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
        {
            format!("slug {slug:?} may hold only lower-case letters a-z, digits 0-9 and \"-\"")
        } else if slug.starts_with('-') || slug.ends_with('-') {
            format!("slug {slug:?} must not start or end with \"-\"")
        } else {
            return Some(At {
                value: slug.to_owned(),
                place: self.place(field.offset(), &field.path),
            });
        };
        self.problem(field.offset(), &field.path, reason);
        None
    }

    fn claim(&mut self, value: &Spanned<DeValue<'_>>, path: String) -> Option<ClaimDraft> {
        let table = self.table(value, path, CLAIM_KEYS)?;
        let slug = self.slug(&table);
        let statement = self.text(&table, "statement", limit::STATEMENT);
        let population = self.text(&table, "population", limit::PICO);
        let intervention = self.text(&table, "intervention", limit::PICO);
        let comparator = self.text(&table, "comparator", limit::PICO);
        let outcome = self.text(&table, "outcome", limit::PICO);
        let effect_direction = self
            .field(&table, "effect_direction", false)
            .and_then(|field| self.name(&field));
        let synthesis = self.text(&table, "synthesis", limit::SYNTHESIS);

        let mechanism_tables = self.tables(&table, "mechanism", "[[claim.mechanism]]");
        let mechanisms: Vec<MechanismDraft> = mechanism_tables
            .into_iter()
            .filter_map(|(path, value)| self.mechanism(value, path))
            .collect();
        let ranks: Vec<&At<i32>> = mechanisms.iter().filter_map(|m| m.rank.as_ref()).collect();
        self.check_sequence(&ranks, mechanisms.len(), "rank", "this claim", "mechanism");

        let evidence_tables = self.tables(&table, "evidence", "[[claim.evidence]]");
        let evidence: Vec<EvidenceDraft> = evidence_tables
            .into_iter()
            .filter_map(|(path, value)| self.evidence(value, path))
            .collect();
        let named: Vec<&At<Doi>> = evidence.iter().filter_map(|e| e.study.as_ref()).collect();
        for (i, study) in named.iter().enumerate() {
            if let Some(first) = named[..i].iter().find(|earlier| earlier.value == study.value) {
                let reason = format!(
                    "study {} is already named by this claim's evidence at {}",
                    study.value,
                    first.place.describe()
                );
                self.findings.add(&study.place, reason);
            }
        }

        Some(ClaimDraft {
            slug,
            statement,
            population,
            intervention,
            comparator,
            outcome,
            effect_direction,
            synthesis,
            mechanisms,
            evidence,
        })
    }

    fn mechanism(&mut self, value: &Spanned<DeValue<'_>>, path: String) -> Option<MechanismDraft> {
        let table = self.table(value, path, MECHANISM_KEYS)?;
        let rank = self.integer(&table, "rank", true);
        let support = self.required_name(&table, "support");
        let label = self.optional_text(&table, "label", limit::LABEL);
        let summary = self.text(&table, "summary", limit::SUMMARY);
        let step_tables = self.tables(&table, "step", "[[claim.mechanism.step]]");
        let no_steps_written = match table.entries.get("step").map(|value| value.get_ref()) {
            None => true,
            Some(DeValue::Array(items)) => items.is_empty(),
            Some(_) => false, // reported as the wrong type by `tables`
        };
        if no_steps_written {
            let reason = "a mechanism needs at least one [[claim.mechanism.step]]";
            self.problem(table.offset, &child_path(&table.path, "step"), reason);
        }
        let steps: Vec<StepDraft> = step_tables
            .into_iter()
            .filter_map(|(path, value)| self.step(value, path))
            .collect();
        let positions: Vec<&At<i32>> = steps.iter().filter_map(|s| s.position.as_ref()).collect();
        self.check_sequence(&positions, steps.len(), "position", "this mechanism", "step");
        Some(MechanismDraft {
            rank,
            support,
            label,
            summary,
            steps,
        })
    }

    fn step(&mut self, value: &Spanned<DeValue<'_>>, path: String) -> Option<StepDraft> {
        let table = self.table(value, path, STEP_KEYS)?;
        let position = self.integer(&table, "position", true);
        let text = self.field(&table, "text", true).and_then(|field| {
            let text = self.text_of(&field, limit::STEP_TEXT)?;
            if let Some(marker) = trailing_marker(&text) {
                let reason = format!(
                    "`text` ends with the citation marker {marker:?}; under the marker rule the text \
                     ends with its full stop and the DOIs go in `citations`"
                );
                self.problem(field.offset(), &field.path, reason);
            }
            Some(text)
        });
        let citations = self.citations(&table);
        Some(StepDraft {
            position,
            text,
            citations,
        })
    }

    /// The DOIs of a step's marker, each once.
    fn citations(&mut self, table: &Table<'_, '_>) -> Vec<Doi> {
        let Some(field) = self.field(table, "citations", false) else {
            return Vec::new();
        };
        let DeValue::Array(items) = field.value.get_ref() else {
            let reason = format!(
                "`citations` must be a list of DOIs, found {}",
                a_type(field.value.get_ref())
            );
            self.problem(field.offset(), &field.path, reason);
            return Vec::new();
        };
        let mut cited: Vec<At<Doi>> = Vec::new();
        for (i, item) in items.iter().enumerate() {
            let item = Field {
                key: "citations",
                value: item,
                path: format!("{}[{}]", field.path, i + 1),
            };
            let Some(text) = self.string(&item) else { continue };
            let Some(doi) = self.doi_of(&item, text) else {
                continue;
            };
            if let Some(first) = cited.iter().find(|earlier| earlier.value == doi.value) {
                let reason = format!(
                    "{} is cited twice by this step (first at {})",
                    doi.value,
                    first.place.describe()
                );
                self.findings.add(&doi.place, reason);
                continue;
            }
            cited.push(doi);
        }
        cited.into_iter().map(|doi| doi.value).collect()
    }

    fn evidence(&mut self, value: &Spanned<DeValue<'_>>, path: String) -> Option<EvidenceDraft> {
        let table = self.table(value, path, EVIDENCE_KEYS)?;
        let study = self.doi(&table, "study");
        let stance = self.required_name(&table, "stance");
        let note = self.optional_text(&table, "note", limit::NOTE);
        Some(EvidenceDraft { study, stance, note })
    }

    fn study(&mut self, value: &Spanned<DeValue<'_>>, path: String) -> Option<StudyDraft> {
        let table = self.table(value, path, STUDY_KEYS)?;
        let doi = self.doi(&table, "doi");
        let title = self.text(&table, "title", limit::TITLE);
        let design = self.required_name(&table, "design");
        let journal = self.optional_text(&table, "journal", limit::JOURNAL);
        let year = self.integer(&table, "year", false).and_then(|year| {
            if YEARS.contains(&i64::from(year.value)) {
                return Some(year.value);
            }
            let reason = format!(
                "year {} is out of range; a study's year is {} to {}",
                year.value,
                YEARS.start(),
                YEARS.end()
            );
            self.findings.add(&year.place, reason);
            None
        });
        let authors = self.optional_text(&table, "authors", limit::AUTHORS);
        let sample_size = self.integer(&table, "sample_size", false).and_then(|size| {
            if size.value >= 0 {
                return Some(size.value);
            }
            let reason = format!("sample size {} is negative; it counts participants", size.value);
            self.findings.add(&size.place, reason);
            None
        });
        let retracted = self.boolean(&table, "retracted").unwrap_or(false);
        Some(StudyDraft {
            doi,
            title,
            journal,
            year,
            design,
            authors,
            sample_size,
            retracted,
        })
    }

    /// Ranks within a claim and positions within a mechanism run 1, 2, 3, ... with no repeats and
    /// no gaps, so the page order is never ambiguous. `count` is how many entries there are
    /// (including any whose number could not be read).
    fn check_sequence(&mut self, numbers: &[&At<i32>], count: usize, name: &str, scope: &str, entry: &str) {
        for (i, number) in numbers.iter().enumerate() {
            if let Some(first) = numbers[..i].iter().find(|earlier| earlier.value == number.value) {
                let reason = format!(
                    "{name} {} is already taken at {}",
                    number.value,
                    first.place.describe()
                );
                self.findings.add(&number.place, reason);
            } else if !usize::try_from(number.value).is_ok_and(|n| (1..=count).contains(&n)) {
                let reason = format!(
                    "{name} {} is out of sequence: {scope} has {}, so its {name}s run 1 to {count} without gaps",
                    number.value,
                    counted(count, entry)
                );
                self.findings.add(&number.place, reason);
            }
        }
    }
}

/// Levenshtein distance, to suggest the key a typo meant.
fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut previous: Vec<usize> = (0..=b.len()).collect();
    for (i, a_char) in a.chars().enumerate() {
        let mut current = vec![i + 1];
        for (j, b_char) in b.iter().enumerate() {
            let substitution = previous[j] + usize::from(a_char != *b_char);
            current.push(substitution.min(previous[j + 1] + 1).min(current[j] + 1));
        }
        previous = current;
    }
    previous[b.len()]
}

/// The `(doi; doi)` marker a step text still ends with, if any: under the marker rule it belongs in
/// `citations`, and leaving it in the text would print it twice.
fn trailing_marker(text: &str) -> Option<&str> {
    let body = text.trim_end();
    let body = body.strip_suffix('.').unwrap_or(body);
    let open = body.strip_suffix(')')?.rfind('(')?;
    let inside = &body[open + 1..body.len() - 1];
    inside
        .split(';')
        .all(|doi| Doi::parse(doi).is_ok())
        .then_some(&body[open..])
}

impl FileDraft {
    /// The file, if every required field was read; only called when no problem was found, so
    /// `None` would mean a check forgot to record its problem.
    pub(crate) fn finish(self, name: &str) -> Option<SeedFile> {
        let claims = self
            .claims
            .into_iter()
            .map(ClaimDraft::finish)
            .collect::<Option<_>>()?;
        let studies = self
            .studies
            .into_iter()
            .map(StudyDraft::finish)
            .collect::<Option<_>>()?;
        Some(SeedFile {
            name: name.to_owned(),
            claims,
            studies,
        })
    }
}

impl ClaimDraft {
    fn finish(self) -> Option<SeedClaim> {
        let mut mechanisms = self
            .mechanisms
            .into_iter()
            .map(MechanismDraft::finish)
            .collect::<Option<Vec<_>>>()?;
        mechanisms.sort_by_key(|mechanism| mechanism.rank);
        Some(SeedClaim {
            slug: self.slug?.value,
            statement: self.statement?,
            population: self.population?,
            intervention: self.intervention?,
            comparator: self.comparator?,
            outcome: self.outcome?,
            effect_direction: self.effect_direction,
            synthesis: self.synthesis?,
            mechanisms,
            evidence: self
                .evidence
                .into_iter()
                .map(EvidenceDraft::finish)
                .collect::<Option<_>>()?,
        })
    }
}

impl MechanismDraft {
    fn finish(self) -> Option<SeedMechanism> {
        let mut steps = self
            .steps
            .into_iter()
            .map(StepDraft::finish)
            .collect::<Option<Vec<_>>>()?;
        steps.sort_by_key(|step| step.position);
        Some(SeedMechanism {
            rank: self.rank?.value,
            support: self.support?,
            label: self.label,
            summary: self.summary?,
            steps,
        })
    }
}

impl StepDraft {
    fn finish(self) -> Option<SeedStep> {
        Some(SeedStep {
            position: self.position?.value,
            text: self.text?,
            citations: self.citations,
        })
    }
}

impl EvidenceDraft {
    fn finish(self) -> Option<SeedEvidence> {
        Some(SeedEvidence {
            study: self.study?.value,
            stance: self.stance?,
            note: self.note,
        })
    }
}

impl StudyDraft {
    fn finish(self) -> Option<SeedStudy> {
        Some(SeedStudy {
            doi: self.doi?.value,
            title: self.title?,
            journal: self.journal,
            year: self.year,
            design: self.design?,
            authors: self.authors,
            sample_size: self.sample_size,
            retracted: self.retracted,
        })
    }
}
