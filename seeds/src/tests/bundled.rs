//! The bundled data file holds the seed page, all of it, verbatim.

use entity::values::{Doi, EffectDirection, Stance, StudyDesign, Support};

use crate::{BUNDLED, SeedClaim, SeedFile, bundled, read_path};

/// The page the data file was copied from, committed verbatim so a clean clone can check against it.
const PAGE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/source/rest-pause-training.txt");

/// Where the team's shared copy of the page lives, beside the repository, when it is there.
const SHARED_PAGE: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../shared/seed-documents/rest-pause-training.txt"
);

const STUDY_DOI: &str = "10.3390/jfmk11010080";
const STUDY_TITLE: &str = "Effects of Advanced Resistance Training Systems on Muscle Hypertrophy and Strength in Recreationally Trained Adults: A Systematic Review and Meta-Analysis.";

fn bundled_file() -> SeedFile {
    match bundled() {
        Ok(mut files) if files.len() == 1 => files.remove(0),
        Ok(files) => panic!("expected one bundled file, found {}", files.len()),
        Err(report) => panic!("the bundled data has problems:\n{report}"),
    }
}

fn the_claim(file: &SeedFile) -> &SeedClaim {
    assert_eq!(file.claims.len(), 1, "one claim");
    &file.claims[0]
}

fn read_page() -> String {
    std::fs::read_to_string(PAGE).unwrap_or_else(|error| {
        panic!(
            "the seed page {PAGE} is needed to check the data file against it, but cannot be read: {error}"
        )
    })
}

#[test]
fn the_bundled_file_holds_the_rest_pause_page() {
    let file = bundled_file();
    let claim = the_claim(&file);
    let doi = Doi::parse(STUDY_DOI).expect("the study DOI parses");

    assert_eq!(claim.slug, "rest-pause-training");
    assert_eq!(
        [
            &claim.population,
            &claim.intervention,
            &claim.comparator,
            &claim.outcome
        ],
        [
            "recreationally trained adults",
            "rest-pause training",
            "traditional training sets",
            "muscle growth"
        ]
    );
    assert_eq!(claim.effect_direction, Some(EffectDirection::FavoursIntervention));

    let ranks: Vec<i32> = claim.mechanisms.iter().map(|m| m.rank).collect();
    assert_eq!(ranks, [1, 2, 3]);
    let supports: Vec<Support> = claim.mechanisms.iter().map(|m| m.support).collect();
    assert_eq!(
        supports,
        [
            Support::MostProbable,
            Support::LessSupported,
            Support::LessSupported
        ]
    );
    for mechanism in &claim.mechanisms {
        let positions: Vec<i32> = mechanism.steps.iter().map(|s| s.position).collect();
        assert_eq!(positions, [1, 2, 3, 4, 5], "mechanism {}", mechanism.rank);
        for step in &mechanism.steps {
            assert_eq!(
                step.citations,
                std::slice::from_ref(&doi),
                "mechanism {} step {}",
                mechanism.rank,
                step.position
            );
        }
    }
    let steps: usize = claim.mechanisms.iter().map(|m| m.steps.len()).sum();
    assert_eq!(steps, 15);

    assert_eq!(claim.evidence.len(), 1);
    assert_eq!(claim.evidence[0].study, doi);
    assert_eq!(claim.evidence[0].stance, Stance::Contradicting);
    assert_eq!(
        claim
            .evidence
            .iter()
            .filter(|e| e.stance == Stance::Supporting)
            .count(),
        0
    );

    assert_eq!(file.studies.len(), 1);
    let study = &file.studies[0];
    assert_eq!(study.doi, doi);
    assert_eq!(study.title, STUDY_TITLE);
    assert_eq!(study.design, StudyDesign::SystematicReviewMetaAnalysis);
    assert_eq!(study.authors, None);
    assert!(!study.retracted);
}

#[test]
fn every_text_is_an_exact_line_of_the_page() {
    let page = read_page();
    let lines: Vec<&str> = page.lines().collect();
    let file = bundled_file();
    let claim = the_claim(&file);
    let mut texts = vec![claim.statement.clone(), claim.synthesis.clone()];
    for mechanism in &claim.mechanisms {
        texts.push(mechanism.summary.clone());
        texts.extend(mechanism.steps.iter().map(|step| step.page_line()));
    }
    texts.extend(file.studies.iter().map(|study| study.title.clone()));
    assert_eq!(texts.len(), 1 + 1 + 3 * (1 + 5) + 1);
    for text in &texts {
        assert!(lines.contains(&text.as_str()), "not a line of the page: {text}");
    }
}

/// The page as the data describes it, line by line, from the claim to the evidence: headings come
/// from the supports and the counts, everything else is a stored text.
fn rebuild_page(file: &SeedFile) -> Vec<String> {
    let claim = the_claim(file);
    let mut cited: Vec<&Doi> = claim
        .mechanisms
        .iter()
        .flat_map(|m| &m.steps)
        .flat_map(|s| &s.citations)
        .collect();
    cited.sort();
    cited.dedup();
    let count = cited.len();
    let studies = if count == 1 {
        "study".to_owned()
    } else {
        "studies".to_owned()
    };

    let mut lines = vec![
        claim.statement.clone(),
        "Mechanism".to_owned(),
        format!("Synthesis from {count} {studies}"),
    ];
    lines.push(claim.synthesis.clone());
    let mut heading = None;
    for mechanism in &claim.mechanisms {
        if heading != Some(mechanism.support) {
            heading = Some(mechanism.support);
            lines.push(
                match mechanism.support {
                    Support::MostProbable => "Most probable mechanism",
                    Support::LessSupported => "Less supported by current evidence, but not ruled out",
                    Support::RuledOut => "Ruled out",
                }
                .to_owned(),
            );
        }
        lines.push(mechanism.summary.clone());
        lines.extend(mechanism.steps.iter().map(|step| step.page_line()));
    }
    lines.push("Evidence from Studies".to_owned());
    for (stance, heading) in [
        (Stance::Supporting, "Supporting"),
        (Stance::Contradicting, "Contradicting"),
    ] {
        let titles: Vec<String> = claim
            .evidence
            .iter()
            .filter(|evidence| evidence.stance == stance)
            .filter_map(|evidence| file.studies.iter().find(|study| study.doi == evidence.study))
            .map(|study| study.title.clone())
            .collect();
        lines.push(format!("{heading} ({})", titles.len()));
        lines.push("Community contributions welcome".to_owned());
        lines.extend(titles);
    }
    lines
}

#[test]
fn the_data_rebuilds_every_line_of_the_page_up_to_the_gold_standard_section() {
    let page = read_page();
    let page_lines: Vec<&str> = page.lines().collect();
    let rebuilt = rebuild_page(&bundled_file());
    for (number, (expected, page_line)) in rebuilt.iter().zip(&page_lines).enumerate() {
        assert_eq!(
            expected,
            page_line,
            "line {} of the page differs from the data",
            number + 1
        );
    }
    assert!(
        rebuilt.len() <= page_lines.len(),
        "the data has more lines than the page"
    );
    // Every line before the gold-standard section is accounted for; that section is computed.
    assert_eq!(
        page_lines.get(rebuilt.len()),
        Some(&"Gold Standard Evidence Needed")
    );
}

#[test]
fn the_bundled_list_names_every_file_of_the_data_folder_in_order() {
    let folder = concat!(env!("CARGO_MANIFEST_DIR"), "/data");
    let mut on_disk: Vec<String> = std::fs::read_dir(folder)
        .expect("the data folder can be listed")
        .filter_map(|entry| entry.ok())
        .map(|entry| entry.file_name().to_string_lossy().into_owned())
        .filter(|name| name.ends_with(".toml"))
        .collect();
    on_disk.sort();
    let bundled: Vec<&str> = BUNDLED
        .iter()
        .map(|(name, _)| name.trim_start_matches("seeds/data/"))
        .collect();
    assert_eq!(bundled, on_disk);
}

#[test]
fn reading_the_data_folder_gives_what_is_bundled() {
    let folder = std::path::Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/data"));
    let from_disk = read_path(folder).unwrap_or_else(|report| panic!("{report}"));
    let bundled = bundled().unwrap_or_else(|report| panic!("{report}"));
    assert_eq!(from_disk.len(), bundled.len());
    for (disk, bundled) in from_disk.iter().zip(&bundled) {
        assert!(
            disk.name.ends_with(bundled.name.trim_start_matches("seeds/")),
            "{} vs {}",
            disk.name,
            bundled.name
        );
        assert_eq!((&disk.claims, &disk.studies), (&bundled.claims, &bundled.studies));
    }
}

#[test]
fn the_committed_page_is_the_shared_seed_document() {
    // The shared folder exists on the team's machines and in CI, not in every clone: compare when
    // it is there, and say so when it is not.
    match std::fs::read_to_string(SHARED_PAGE) {
        Ok(shared) => assert_eq!(
            read_page(),
            shared,
            "seeds/source/rest-pause-training.txt differs from {SHARED_PAGE}"
        ),
        Err(error) => eprintln!("not compared with {SHARED_PAGE}: {error}"),
    }
}
