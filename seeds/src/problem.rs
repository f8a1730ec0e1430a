//! What went wrong in the seed files, and where: the public [`Problem`] and [`Report`], and the
//! crate-internal bookkeeping that turns byte offsets into line and column.

use std::fmt;

/// One thing wrong with a seed file, with enough detail to find and fix it without the source code.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// The file as it was named when read (a path, or the name given to [`crate::parse_str`]).
    pub file: String,
    /// `line:column` (both counted from 1, columns in characters) and, for anything past a syntax
    /// error, the place in the data, such as `claim[1].mechanism[2].step[3].position` (entries
    /// counted from 1, in the order their headers appear). Empty when the whole file is at fault,
    /// for example when it cannot be read.
    pub location: String,
    /// What is wrong, quoting the offending value.
    pub reason: String,
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.location.is_empty() {
            write!(f, "{}: {}", self.file, self.reason)
        } else {
            write!(f, "{}:{}: {}", self.file, self.location, self.reason)
        }
    }
}

/// Every problem found in a set of seed files; reading never stops at the first one, so a
/// contributor can fix a file in one pass.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Report {
    /// In file order, then in the order they occur within each file.
    pub problems: Vec<Problem>,
}

impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let count = self.problems.len();
        let noun = if count == 1 { "problem" } else { "problems" };
        write!(f, "{count} {noun} in the seed data:")?;
        for problem in &self.problems {
            write!(f, "\n{problem}")?;
        }
        Ok(())
    }
}

impl std::error::Error for Report {}

/// A place in one loaded file: what a [`Problem`] points at, kept so that a later check (a slug
/// defined twice across files) can name the first place too.
#[derive(Debug, Clone)]
pub(crate) struct Place {
    /// Which file, by its position in the load order; problems are sorted by it.
    file_index: usize,
    /// Byte offset into the file; problems within a file are sorted by it.
    offset: usize,
    file: String,
    location: String,
}

impl Place {
    /// The whole file, for problems that have no line (it cannot be read, it holds nothing).
    pub(crate) fn whole_file(file_index: usize, file: &str) -> Self {
        Place {
            file_index,
            offset: 0,
            file: file.to_owned(),
            location: String::new(),
        }
    }

    /// `file:line:column path`, for quoting this place in another problem's reason.
    pub(crate) fn describe(&self) -> String {
        format!("{}:{}", self.file, self.location)
    }
}

/// The text of one seed file with its name and load position, able to name a place in it.
pub(crate) struct Source<'s> {
    pub(crate) index: usize,
    pub(crate) name: &'s str,
    pub(crate) text: &'s str,
}

impl Source<'_> {
    /// The place at byte `offset`, described as `line:column` followed by `path` when there is one.
    pub(crate) fn place(&self, offset: usize, path: &str) -> Place {
        let (line, column) = line_and_column(self.text, offset);
        let location = if path.is_empty() {
            format!("{line}:{column}")
        } else {
            format!("{line}:{column} {path}")
        };
        Place {
            file_index: self.index,
            offset,
            file: self.name.to_owned(),
            location,
        }
    }
}

/// 1-based line and column (in characters, as editors count) of a byte offset.
fn line_and_column(text: &str, offset: usize) -> (usize, usize) {
    let mut end = offset.min(text.len());
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    let before = &text[..end];
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |newline| newline + 1);
    let column = before[line_start..].chars().count() + 1;
    (line, column)
}

/// The problems found so far, across every file of one load.
#[derive(Default)]
pub(crate) struct Findings {
    found: Vec<(usize, usize, Problem)>,
}

impl Findings {
    pub(crate) fn add(&mut self, place: &Place, reason: impl Into<String>) {
        let problem = Problem {
            file: place.file.clone(),
            location: place.location.clone(),
            reason: reason.into(),
        };
        self.found.push((place.file_index, place.offset, problem));
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.found.is_empty()
    }

    /// The report, problems sorted by file and then by position; `None` when nothing was found.
    pub(crate) fn into_report(mut self) -> Option<Report> {
        if self.found.is_empty() {
            return None;
        }
        // A stable sort keeps problems at one place in the order the checks found them.
        self.found.sort_by_key(|(file, offset, _)| (*file, *offset));
        Some(Report {
            problems: self.found.into_iter().map(|(_, _, problem)| problem).collect(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn columns_count_characters_not_bytes() {
        let text = "a = \"—\"\nb = 1";
        assert_eq!(line_and_column(text, 0), (1, 1));
        assert_eq!(line_and_column(text, text.find('b').unwrap_or(0)), (2, 1));
        // The closing quote follows a three-byte em-dash: byte 8, character column 7.
        assert_eq!(line_and_column(text, 8), (1, 7));
    }

    #[test]
    fn a_report_counts_its_problems_then_lists_one_per_line() {
        let report = Report {
            problems: vec![
                Problem {
                    file: "a.toml".into(),
                    location: "3:1 claim[1]".into(),
                    reason: "first".into(),
                },
                Problem {
                    file: "a.toml".into(),
                    location: String::new(),
                    reason: "second".into(),
                },
            ],
        };
        assert_eq!(
            report.to_string(),
            "2 problems in the seed data:\na.toml:3:1 claim[1]: first\na.toml: second"
        );
    }
}
