//! One test per check: each names the place (`line:column path`) and the reason it expects.

use std::path::{Path, PathBuf};

use crate::{Problem, parse_str, read_path};

/// A claim with every required key and no mechanisms or evidence; lines 1 to 8.
const CLAIM: &str = r#"[[claim]]
slug = "a-claim"
statement = "A statement."
population = "adults"
intervention = "rest-pause training"
comparator = "traditional sets"
outcome = "muscle growth"
synthesis = "A synthesis."
"#;

/// A study with every required key; lines 1 to 4 of wherever it is placed.
const STUDY: &str = r#"[[study]]
doi = "10.1000/study"
title = "A study."
design = "RANDOMISED_CONTROLLED_TRIAL"
"#;

/// Evidence for the claim above it, naming `STUDY`; 3 lines.
const EVIDENCE: &str = r#"[[claim.evidence]]
study = "10.1000/study"
stance = "SUPPORTING"
"#;

/// A mechanism (4 lines) with a step (4 lines each) at each of `positions`.
fn mechanism(rank: i32, positions: &[i32]) -> String {
    let mut text = format!(
        "[[claim.mechanism]]\nrank = {rank}\nsupport = \"MOST_PROBABLE\"\nsummary = \"A summary.\"\n"
    );
    for position in positions {
        text.push_str(&format!(
            "[[claim.mechanism.step]]\nposition = {position}\ntext = \"A step.\"\ncitations = [\"10.1000/study\"]\n"
        ));
    }
    text
}

fn problems_in(text: &str) -> Vec<Problem> {
    match parse_str("broken.toml", text) {
        Ok(file) => panic!("expected problems, but the file was accepted: {file:#?}"),
        Err(report) => report.problems,
    }
}

/// The location and reason of the one problem `text` has.
fn the_problem(text: &str) -> (String, String) {
    let problems = problems_in(text);
    assert_eq!(problems.len(), 1, "expected one problem, found {problems:#?}");
    let problem = &problems[0];
    assert_eq!(problem.file, "broken.toml");
    (problem.location.clone(), problem.reason.clone())
}

fn at(location: &str, reason: &str) -> (String, String) {
    (location.to_owned(), reason.to_owned())
}

/// A folder of its own under the system's temporary folder, removed when dropped.
struct TempFolder(PathBuf);

impl TempFolder {
    fn new(test: &str) -> Self {
        let path = std::env::temp_dir().join(format!("claimgraph-seeds-{}-{test}", std::process::id()));
        let _ = std::fs::remove_dir_all(&path);
        std::fs::create_dir_all(&path).expect("a temporary folder can be created");
        TempFolder(path)
    }

    fn write(&self, name: &str, text: &str) {
        std::fs::write(self.0.join(name), text).expect("a temporary file can be written");
    }

    fn path(&self) -> &Path {
        &self.0
    }
}

impl Drop for TempFolder {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

#[test]
fn a_minimal_file_is_accepted() {
    let text = format!("{CLAIM}{}{EVIDENCE}{STUDY}", mechanism(1, &[1, 2]));
    let file = parse_str("fine.toml", &text).unwrap_or_else(|report| panic!("{report}"));
    assert_eq!(file.name, "fine.toml");
    assert_eq!(file.claims[0].mechanisms[0].steps.len(), 2);
    assert_eq!(file.studies[0].doi.as_str(), "10.1000/study");
}

#[test]
fn steps_and_mechanisms_come_back_in_order_whatever_the_file_order() {
    let text = format!("{CLAIM}{}{}", mechanism(2, &[2, 1]), mechanism(1, &[1]));
    let file = parse_str("fine.toml", &text).unwrap_or_else(|report| panic!("{report}"));
    let mechanisms = &file.claims[0].mechanisms;
    assert_eq!(mechanisms.iter().map(|m| m.rank).collect::<Vec<_>>(), [1, 2]);
    assert_eq!(
        mechanisms[1].steps.iter().map(|s| s.position).collect::<Vec<_>>(),
        [1, 2]
    );
}

#[test]
fn a_broken_file_reports_every_problem_at_once() {
    let text = r#"[[claim]]
slug = "a-claim"
statement = ""
population = "adults"
intervention = "a"
comparator = "b"
outcome = "c"
synthesis = "A synthesis."

[[claim.mechanism]]
rank = 1
support = "PROBABLE"
summary = "A summary."

[[claim.mechanism.step]]
position = 1
text = "A step."
citations = ["10.1000/study", "doi:10.1000/a b"]

[[claim.evidence]]
study = "10.1000/unknown"
stance = "SUPPORTING"

[[study]]
doi = "10.1000/study"
title = "A study."
design = "RANDOMISED_CONTROLLED_TRIAL"
year = 1200
journl = "A journal"
"#;
    let found: Vec<(String, String)> = problems_in(text)
        .into_iter()
        .map(|p| (p.location, p.reason))
        .collect();
    assert_eq!(
        found,
        [
            at("3:13 claim[1].statement", "`statement` must not be empty"),
            at(
                "12:11 claim[1].mechanism[1].support",
                "`support`: unknown value \"PROBABLE\", expected one of MOST_PROBABLE, LESS_SUPPORTED, RULED_OUT"
            ),
            at(
                "18:31 claim[1].mechanism[1].step[1].citations[2]",
                "\"doi:10.1000/a b\" is not a DOI: a DOI's suffix may hold only letters, digits and - . _ ; ( ) / :, not ' '"
            ),
            at(
                "21:9 claim[1].evidence[1].study",
                "evidence names study 10.1000/unknown, which no [[study]] in the loaded files defines"
            ),
            at(
                "28:8 study[1].year",
                "year 1200 is out of range; a study's year is 1600 to 2100"
            ),
            at(
                "29:1 study[1].journl",
                "unknown key `journl` (did you mean `journal`?)"
            ),
        ]
    );
}

#[test]
fn the_report_counts_the_problems_and_lists_each_with_its_file() {
    let text = CLAIM
        .replace("\"A statement.\"", "\"\"")
        .replace("\"adults\"", "\" \"");
    let report = match parse_str("broken.toml", &text) {
        Ok(_) => panic!("expected problems"),
        Err(report) => report,
    };
    assert_eq!(
        report.to_string(),
        "2 problems in the seed data:\n\
         broken.toml:3:13 claim[1].statement: `statement` must not be empty\n\
         broken.toml:4:14 claim[1].population: `population` must not be empty"
    );
}

#[test]
fn toml_syntax_errors_are_reported_with_line_and_column() {
    let text = CLAIM.replace("outcome = \"muscle growth\"", "outcome = muscle growth");
    let (location, reason) = the_problem(&text);
    assert_eq!(location, "7:11");
    assert!(reason.starts_with("TOML syntax: "), "{reason}");
    assert!(reason.contains("string values must be quoted"), "{reason}");
}

#[test]
fn every_syntax_error_is_reported_not_only_the_first() {
    let text = CLAIM
        .replace("\"adults\"", "adults")
        .replace("outcome = \"muscle growth\"", "outcome = muscle growth");
    let locations: Vec<String> = problems_in(&text).into_iter().map(|p| p.location).collect();
    assert_eq!(locations, ["4:14", "7:11"]);
}

#[test]
fn a_missing_required_key_is_reported_at_its_table_header() {
    let text = CLAIM.replace("outcome = \"muscle growth\"\n", "");
    assert_eq!(
        the_problem(&text),
        at("1:1 claim[1].outcome", "missing required key `outcome`")
    );
}

#[test]
fn a_blank_text_is_refused() {
    let text = CLAIM.replace("\"A statement.\"", "\"   \"");
    assert_eq!(
        the_problem(&text),
        at("3:13 claim[1].statement", "`statement` must not be empty")
    );
}

#[test]
fn an_over_long_text_is_refused_and_one_at_the_limit_is_accepted() {
    let at_limit = CLAIM.replace("A statement.", &"a".repeat(2_000));
    assert!(parse_str("fine.toml", &at_limit).is_ok());
    let too_long = CLAIM.replace("A statement.", &"a".repeat(2_001));
    assert_eq!(
        the_problem(&too_long),
        at(
            "3:13 claim[1].statement",
            "`statement` is 2001 characters long; at most 2000 are allowed"
        )
    );
}

#[test]
fn a_slug_outside_lower_case_letters_digits_and_inner_dashes_is_refused() {
    let cases = [
        (
            "Rest Pause",
            "slug \"Rest Pause\" may hold only lower-case letters a-z, digits 0-9 and \"-\"",
        ),
        (
            "-rest-pause",
            "slug \"-rest-pause\" must not start or end with \"-\"",
        ),
        (
            "rest-pause-",
            "slug \"rest-pause-\" must not start or end with \"-\"",
        ),
        ("", "`slug` must not be empty"),
    ];
    for (slug, reason) in cases {
        let text = CLAIM.replace("\"a-claim\"", &format!("{slug:?}"));
        assert_eq!(the_problem(&text), at("2:8 claim[1].slug", reason), "{slug:?}");
    }
    let long = CLAIM.replace("a-claim", &"a".repeat(101));
    assert_eq!(
        the_problem(&long),
        at(
            "2:8 claim[1].slug",
            "`slug` is 101 characters long; at most 100 are allowed"
        )
    );
}

#[test]
fn a_malformed_doi_is_quoted_with_the_parsers_reason() {
    let text = STUDY.replace("\"10.1000/study\"", "\"10.33/x\"");
    assert_eq!(
        the_problem(&text),
        at(
            "2:7 study[1].doi",
            "\"10.33/x\" is not a DOI: a DOI's registrant code (between \"10.\" and \"/\") is 4 to 9 digits"
        )
    );
}

#[test]
fn any_common_spelling_of_a_doi_is_accepted_and_normalised() {
    let text = format!(
        "{CLAIM}{}{}",
        EVIDENCE.replace("\"10.1000/study\"", "\"https://doi.org/10.1000/STUDY\""),
        STUDY.replace("\"10.1000/study\"", "\"doi:10.1000/Study\"")
    );
    let file = parse_str("fine.toml", &text).unwrap_or_else(|report| panic!("{report}"));
    assert_eq!(file.claims[0].evidence[0].study.as_str(), "10.1000/study");
    assert_eq!(file.studies[0].doi.as_str(), "10.1000/study");
}

#[test]
fn every_unknown_enum_name_is_quoted_with_the_allowed_names() {
    let text = format!(
        "{}{}{}{}",
        CLAIM.replace("synthesis = ", "effect_direction = \"BETTER\"\nsynthesis = "),
        mechanism(1, &[1]).replace("MOST_PROBABLE", "most_probable"),
        EVIDENCE.replace("SUPPORTING", "FOR"),
        STUDY.replace("RANDOMISED_CONTROLLED_TRIAL", "RCT"),
    );
    let found: Vec<(String, String)> = problems_in(&text)
        .into_iter()
        .map(|p| (p.location, p.reason))
        .collect();
    assert_eq!(
        found,
        [
            at(
                "8:20 claim[1].effect_direction",
                "`effect_direction`: unknown value \"BETTER\", expected one of FAVOURS_INTERVENTION, NO_DIFFERENCE, FAVOURS_COMPARATOR"
            ),
            at(
                "12:11 claim[1].mechanism[1].support",
                "`support`: unknown value \"most_probable\", expected one of MOST_PROBABLE, LESS_SUPPORTED, RULED_OUT"
            ),
            at(
                "20:10 claim[1].evidence[1].stance",
                "`stance`: unknown value \"FOR\", expected one of SUPPORTING, CONTRADICTING, INCONCLUSIVE"
            ),
            at(
                "24:10 study[1].design",
                "`design`: unknown value \"RCT\", expected one of SYSTEMATIC_REVIEW_META_ANALYSIS, SYSTEMATIC_REVIEW, \
                 RANDOMISED_CONTROLLED_TRIAL, NON_RANDOMISED_CONTROLLED_STUDY, COHORT_STUDY, CASE_CONTROL_STUDY, \
                 CASE_SERIES, HISTORICALLY_CONTROLLED_STUDY, MECHANISTIC_STUDY, EXPERT_OPINION, OTHER"
            ),
        ]
    );
}

#[test]
fn a_step_position_taken_twice_in_a_mechanism_is_refused() {
    let text = format!("{CLAIM}{}", mechanism(1, &[1, 1]));
    assert_eq!(
        the_problem(&text),
        at(
            "18:12 claim[1].mechanism[1].step[2].position",
            "position 1 is already taken at broken.toml:14:12 claim[1].mechanism[1].step[1].position"
        )
    );
}

#[test]
fn step_positions_must_run_from_1_without_gaps() {
    let gap = format!("{CLAIM}{}", mechanism(1, &[1, 3]));
    assert_eq!(
        the_problem(&gap),
        at(
            "18:12 claim[1].mechanism[1].step[2].position",
            "position 3 is out of sequence: this mechanism has 2 steps, so its positions run 1 to 2 without gaps"
        )
    );
    let from_zero = format!("{CLAIM}{}", mechanism(1, &[0]));
    assert_eq!(
        the_problem(&from_zero),
        at(
            "14:12 claim[1].mechanism[1].step[1].position",
            "position 0 is out of sequence: this mechanism has 1 step, so its positions run 1 to 1 without gaps"
        )
    );
}

#[test]
fn a_mechanism_rank_taken_twice_in_a_claim_is_refused() {
    let text = format!("{CLAIM}{}{}", mechanism(1, &[1]), mechanism(1, &[1]));
    assert_eq!(
        the_problem(&text),
        at(
            "18:8 claim[1].mechanism[2].rank",
            "rank 1 is already taken at broken.toml:10:8 claim[1].mechanism[1].rank"
        )
    );
}

#[test]
fn mechanism_ranks_must_run_from_1_without_gaps() {
    let text = format!("{CLAIM}{}", mechanism(2, &[1]));
    assert_eq!(
        the_problem(&text),
        at(
            "10:8 claim[1].mechanism[1].rank",
            "rank 2 is out of sequence: this claim has 1 mechanism, so its ranks run 1 to 1 without gaps"
        )
    );
}

#[test]
fn a_mechanism_without_steps_is_refused() {
    let text = format!("{CLAIM}{}", mechanism(1, &[]));
    assert_eq!(
        the_problem(&text),
        at(
            "9:1 claim[1].mechanism[1].step",
            "a mechanism needs at least one [[claim.mechanism.step]]"
        )
    );
}

#[test]
fn a_slug_defined_twice_in_one_file_is_refused_at_the_second_place() {
    let text = format!("{CLAIM}{CLAIM}");
    assert_eq!(
        the_problem(&text),
        at(
            "10:8 claim[2].slug",
            "claim slug \"a-claim\" is already defined at broken.toml:2:8 claim[1].slug"
        )
    );
}

#[test]
fn evidence_naming_an_undefined_study_is_refused() {
    let text = format!("{CLAIM}{EVIDENCE}");
    assert_eq!(
        the_problem(&text),
        at(
            "10:9 claim[1].evidence[1].study",
            "evidence names study 10.1000/study, which no [[study]] in the loaded files defines"
        )
    );
}

#[test]
fn a_study_named_twice_in_one_claims_evidence_is_refused() {
    let second = EVIDENCE.replace("\"10.1000/study\"", "\"DOI:10.1000/STUDY\"");
    let text = format!("{CLAIM}{EVIDENCE}{second}{STUDY}");
    assert_eq!(
        the_problem(&text),
        at(
            "13:9 claim[1].evidence[2].study",
            "study 10.1000/study is already named by this claim's evidence at broken.toml:10:9 claim[1].evidence[1].study"
        )
    );
}

#[test]
fn a_study_defined_twice_under_two_spellings_is_refused() {
    let second = STUDY.replace("\"10.1000/study\"", "\"https://doi.org/10.1000/STUDY\"");
    let text = format!("{STUDY}{second}");
    assert_eq!(
        the_problem(&text),
        at(
            "6:7 study[2].doi",
            "study 10.1000/study is already defined at broken.toml:2:7 study[1].doi"
        )
    );
}

#[test]
fn a_slug_or_study_defined_in_two_files_of_a_folder_is_reported_with_both_places() {
    let folder = TempFolder::new("twice");
    folder.write("a.toml", &format!("{CLAIM}{STUDY}"));
    folder.write("b.toml", &format!("{CLAIM}{STUDY}"));
    let report = read_path(folder.path())
        .err()
        .unwrap_or_else(|| panic!("expected problems"));
    let a = folder.path().join("a.toml").display().to_string();
    let b = folder.path().join("b.toml").display().to_string();
    let found: Vec<(String, String, String)> = report
        .problems
        .into_iter()
        .map(|p| (p.file, p.location, p.reason))
        .collect();
    assert_eq!(
        found,
        [
            (
                b.clone(),
                "2:8 claim[1].slug".into(),
                format!("claim slug \"a-claim\" is already defined at {a}:2:8 claim[1].slug")
            ),
            (
                b,
                "10:7 study[1].doi".into(),
                format!("study 10.1000/study is already defined at {a}:10:7 study[1].doi")
            ),
        ]
    );
}

#[test]
fn evidence_may_name_a_study_another_file_of_the_folder_defines() {
    let folder = TempFolder::new("across");
    folder.write("claims.toml", &format!("{CLAIM}{EVIDENCE}"));
    folder.write("studies.toml", STUDY);
    folder.write("notes.txt", "not a seed file");
    let files = read_path(folder.path()).unwrap_or_else(|report| panic!("{report}"));
    let names: Vec<bool> = files
        .iter()
        .map(|file| file.name.ends_with("claims.toml"))
        .collect();
    assert_eq!(names, [true, false], "files in name order, the .txt file skipped");
}

#[test]
fn a_year_outside_1600_to_2100_is_refused() {
    for year in [1599, 2101] {
        let text = format!("{STUDY}year = {year}\n");
        let reason = format!("year {year} is out of range; a study's year is 1600 to 2100");
        assert_eq!(the_problem(&text), at("5:8 study[1].year", &reason));
    }
    assert!(parse_str("fine.toml", &format!("{STUDY}year = 1600\n")).is_ok());
}

#[test]
fn a_negative_sample_size_is_refused() {
    let text = format!("{STUDY}sample_size = -5\n");
    assert_eq!(
        the_problem(&text),
        at(
            "5:15 study[1].sample_size",
            "sample size -5 is negative; it counts participants"
        )
    );
}

#[test]
fn an_unknown_key_is_reported_with_the_key_it_probably_meant() {
    let text = format!("{CLAIM}{}", mechanism(1, &[1])).replace("position = 1", "positon = 1");
    let found: Vec<(String, String)> = problems_in(&text)
        .into_iter()
        .map(|p| (p.location, p.reason))
        .collect();
    assert_eq!(
        found,
        [
            at(
                "13:1 claim[1].mechanism[1].step[1].position",
                "missing required key `position`"
            ),
            at(
                "14:1 claim[1].mechanism[1].step[1].positon",
                "unknown key `positon` (did you mean `position`?)"
            ),
        ]
    );
    let far = format!("{STUDY}url = \"https://example.org\"\n");
    assert_eq!(
        the_problem(&far),
        at(
            "5:1 study[1].url",
            "unknown key `url`; the keys here are doi, title, design, journal, year, authors, sample_size, retracted"
        )
    );
}

#[test]
fn a_value_of_the_wrong_type_is_refused() {
    let text = format!("{CLAIM}{}", mechanism(1, &[1])).replace("position = 1", "position = \"1\"");
    assert_eq!(
        the_problem(&text),
        at(
            "14:12 claim[1].mechanism[1].step[1].position",
            "`position` must be a whole number, found a string"
        )
    );
    let retracted = format!("{STUDY}retracted = \"no\"\n");
    assert_eq!(
        the_problem(&retracted),
        at(
            "5:13 study[1].retracted",
            "`retracted` must be true or false, found a string"
        )
    );
}

#[test]
fn a_number_too_large_for_the_database_is_refused() {
    let text = format!("{STUDY}sample_size = 3000000000\n");
    assert_eq!(
        the_problem(&text),
        at(
            "5:15 study[1].sample_size",
            "`sample_size` = 3000000000 is too large; the limit is 2147483647"
        )
    );
}

#[test]
fn a_single_bracket_claim_table_is_refused() {
    let text = CLAIM.replace("[[claim]]", "[claim]");
    assert_eq!(
        the_problem(&text),
        at(
            "1:1 claim",
            "`claim` must be a list of [[claim]] tables, found a table (write [[claim]], with double brackets)"
        )
    );
}

#[test]
fn a_step_text_that_keeps_its_citation_marker_is_refused() {
    let text = format!("{CLAIM}{}", mechanism(1, &[1])).replace("\"A step.\"", "\"A step (10.1000/study).\"");
    assert_eq!(
        the_problem(&text),
        at(
            "15:8 claim[1].mechanism[1].step[1].text",
            "`text` ends with the citation marker \"(10.1000/study)\"; under the marker rule the text ends with its \
             full stop and the DOIs go in `citations`"
        )
    );
}

#[test]
fn a_step_citing_one_doi_twice_is_refused() {
    let text = format!("{CLAIM}{}", mechanism(1, &[1])).replace(
        "[\"10.1000/study\"]",
        "[\"10.1000/study\", \"doi:10.1000/STUDY\"]",
    );
    assert_eq!(
        the_problem(&text),
        at(
            "16:31 claim[1].mechanism[1].step[1].citations[2]",
            "10.1000/study is cited twice by this step (first at broken.toml:16:14 claim[1].mechanism[1].step[1].citations[1])"
        )
    );
}

#[test]
fn a_file_with_nothing_in_it_is_refused() {
    assert_eq!(
        the_problem("# only a comment\n"),
        at("", "the file defines no [[claim]] and no [[study]]")
    );
}

#[test]
fn a_missing_path_or_a_folder_without_seed_files_is_refused() {
    let folder = TempFolder::new("empty");
    let report = read_path(folder.path())
        .err()
        .unwrap_or_else(|| panic!("expected problems"));
    assert_eq!(report.problems.len(), 1);
    assert_eq!(report.problems[0].reason, "the folder holds no *.toml seed files");

    let missing = folder.path().join("missing.toml");
    let report = read_path(&missing)
        .err()
        .unwrap_or_else(|| panic!("expected problems"));
    assert_eq!(report.problems.len(), 1);
    assert_eq!(report.problems[0].file, missing.display().to_string());
    assert!(
        report.problems[0].reason.starts_with("cannot read the file: "),
        "{}",
        report.problems[0].reason
    );
}
