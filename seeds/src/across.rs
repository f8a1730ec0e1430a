//! Checks over every file of one load at once: a slug or a study defined twice, and evidence that
//! names a study no file defines. They run on the drafts of every file, even files with other
//! problems, so that one run reports everything.

use std::collections::HashSet;

use entity::values::Doi;

use crate::problem::Findings;
use crate::read::{At, FileDraft};

pub(crate) fn check_across(files: &[FileDraft], findings: &mut Findings) {
    let slugs: Vec<&At<String>> = files
        .iter()
        .flat_map(|file| &file.claims)
        .filter_map(|c| c.slug.as_ref())
        .collect();
    for (i, slug) in slugs.iter().enumerate() {
        if let Some(first) = slugs[..i].iter().find(|earlier| earlier.value == slug.value) {
            let reason = format!(
                "claim slug {:?} is already defined at {}",
                slug.value,
                first.place.describe()
            );
            findings.add(&slug.place, reason);
        }
    }

    // Spellings of one DOI are one study: the drafts already hold the normalised form.
    let studies: Vec<&At<Doi>> = files
        .iter()
        .flat_map(|file| &file.studies)
        .filter_map(|s| s.doi.as_ref())
        .collect();
    for (i, study) in studies.iter().enumerate() {
        if let Some(first) = studies[..i].iter().find(|earlier| earlier.value == study.value) {
            let reason = format!(
                "study {} is already defined at {}",
                study.value,
                first.place.describe()
            );
            findings.add(&study.place, reason);
        }
    }

    let defined: HashSet<&Doi> = studies.iter().map(|study| &study.value).collect();
    let named = files
        .iter()
        .flat_map(|file| &file.claims)
        .flat_map(|claim| &claim.evidence);
    for study in named.filter_map(|evidence| evidence.study.as_ref()) {
        if !defined.contains(&study.value) {
            let reason = format!(
                "evidence names study {}, which no [[study]] in the loaded files defines",
                study.value
            );
            findings.add(&study.place, reason);
        }
    }
}
