//! The claim graph's seed data: human-editable TOML files in `seeds/data`, one per claim page, and
//! the reader that turns them into checked values for the loader (`claimgraph seed [PATH]`); and a
//! synthetic graph of N claims for benchmarks (`claimgraph generate`).
//!
//! Reading is all-or-nothing and never stops at the first mistake: a file is read whole, every
//! problem is collected with its file, line, column and place in the data, and any problem makes
//! the result an error, so a loader never writes half a file. The file format, the marker rule and
//! the full list of checks are in `seeds/README.md` and in the header of each data file.
//!
//! - [`model`]: what a valid file holds ([`SeedFile`], [`SeedClaim`], ...), in the entity layer's
//!   value types (`Doi`, `Support`, `Stance`, ...), so the loader writes them without converting.
//! - `read`: one file, from TOML text to a draft plus its problems; syntax, keys, types, texts,
//!   DOIs, enum names, numbers and the order of ranks and positions.
//! - `across`: the checks that need every file of a load: slugs and studies defined twice, and
//!   evidence naming a study that no file defines.
//! - [`problem`]: [`Problem`] and [`Report`], and how a byte offset becomes `line:column`.
//! - [`generate`]: a deterministic synthetic graph of N claims shaped like the seed page, bulk-written
//!   straight into the tables, for benchmarks and load tests.
//!
//! Loading the files is the API crate's (`api::domain::seed`): it writes through the domain's one
//! write path, which lives there. Generating needs no write rule, so it lives here, beside the data.

use std::path::{Path, PathBuf};

pub mod generate;
pub mod model;
pub mod problem;

mod across;
mod read;

#[cfg(test)]
mod tests;

pub use model::{SeedClaim, SeedEvidence, SeedFile, SeedMechanism, SeedStep, SeedStudy};
pub use problem::{Problem, Report};

use problem::{Findings, Place, Source};

/// The files of `seeds/data`, compiled into the binary so a release build can seed a database with
/// no files on disk. Keep this list sorted by name and in step with the folder: a test compares
/// the two.
const BUNDLED: &[(&str, &str)] = &[(
    "seeds/data/rest-pause-training.toml",
    include_str!("../data/rest-pause-training.toml"),
)];

/// Reads one seed file from text; `name` is used in problem locations and as [`SeedFile::name`].
///
/// Evidence must name studies defined in this same text; use [`read_path`] to read files that
/// refer to each other.
pub fn parse_str(name: &str, text: &str) -> Result<SeedFile, Report> {
    let mut files = read_inputs(
        vec![Input {
            name: name.to_owned(),
            text: Ok(text.to_owned()),
        }],
        Findings::default(),
    )?;
    match files.pop() {
        Some(file) => Ok(file),
        None => Err(internal_error(name)),
    }
}

/// Reads a seed file, or every `*.toml` file directly inside a folder in name order, and checks
/// them together: a slug or study DOI defined in two files is reported with both places, and
/// evidence may name a study that another file of the folder defines.
pub fn read_path(path: &Path) -> Result<Vec<SeedFile>, Report> {
    let mut findings = Findings::default();
    let paths = if path.is_dir() {
        let paths = list_seed_files(path, &mut findings);
        if paths.is_empty() && findings.is_empty() {
            let place = Place::whole_file(0, &path.display().to_string());
            findings.add(&place, "the folder holds no *.toml seed files");
        }
        paths
    } else {
        vec![path.to_path_buf()]
    };
    let inputs = paths
        .into_iter()
        .map(|path| Input {
            name: path.display().to_string(),
            text: std::fs::read_to_string(&path).map_err(|error| format!("cannot read the file: {error}")),
        })
        .collect();
    read_inputs(inputs, findings)
}

/// The files of `seeds/data` as they were when the binary was built, read and checked together
/// like [`read_path`] on that folder.
pub fn bundled() -> Result<Vec<SeedFile>, Report> {
    let inputs = BUNDLED
        .iter()
        .map(|(name, text)| Input {
            name: (*name).to_owned(),
            text: Ok((*text).to_owned()),
        })
        .collect();
    read_inputs(inputs, Findings::default())
}

/// One file to read: its name, and its text or why it could not be read.
struct Input {
    name: String,
    text: Result<String, String>,
}

/// The `*.toml` files directly inside `folder`, sorted by file name.
fn list_seed_files(folder: &Path, findings: &mut Findings) -> Vec<PathBuf> {
    let folder_name = folder.display().to_string();
    let entries = match std::fs::read_dir(folder) {
        Ok(entries) => entries,
        Err(error) => {
            findings.add(
                &Place::whole_file(0, &folder_name),
                format!("cannot list the folder: {error}"),
            );
            return Vec::new();
        }
    };
    let mut paths = Vec::new();
    for entry in entries {
        match entry {
            Ok(entry) => {
                let path = entry.path();
                if path.is_file() && path.extension().is_some_and(|extension| extension == "toml") {
                    paths.push(path);
                }
            }
            Err(error) => findings.add(
                &Place::whole_file(0, &folder_name),
                format!("cannot list the folder: {error}"),
            ),
        }
    }
    paths.sort_by(|a, b| a.file_name().cmp(&b.file_name()));
    paths
}

/// Reads every input, runs the checks across them, and returns every file or every problem.
fn read_inputs(inputs: Vec<Input>, mut findings: Findings) -> Result<Vec<SeedFile>, Report> {
    let mut drafts = Vec::with_capacity(inputs.len());
    for (index, input) in inputs.iter().enumerate() {
        match &input.text {
            Ok(text) => {
                let source = Source {
                    index,
                    name: &input.name,
                    text,
                };
                if let Some(draft) = read::read_file(&source, &mut findings) {
                    drafts.push((input.name.as_str(), draft));
                }
            }
            Err(why) => findings.add(&Place::whole_file(index, &input.name), why.as_str()),
        }
    }
    let (names, drafts): (Vec<&str>, Vec<read::FileDraft>) = drafts.into_iter().unzip();
    across::check_across(&drafts, &mut findings);
    if let Some(report) = findings.into_report() {
        return Err(report);
    }
    let files: Option<Vec<SeedFile>> = names
        .iter()
        .zip(drafts)
        .map(|(name, draft)| draft.finish(name))
        .collect();
    files.ok_or_else(|| internal_error(names.first().copied().unwrap_or("seed data")))
}

/// A draft that passed every check but could not be completed: a check forgot to record its
/// problem. Reported rather than panicking, so the loader still refuses to write anything.
fn internal_error(file: &str) -> Report {
    Report {
        problems: vec![Problem {
            file: file.to_owned(),
            location: String::new(),
            reason: "internal error: the file passed every check but a required value is missing; please report this"
                .to_owned(),
        }],
    }
}
