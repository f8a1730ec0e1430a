//! Column value types: the normalised DOI, the enums stored as their upper-case names, and the
//! folded form of searched text.
//!
//! They live beside the tables because a table's invariants depend on them (the `doi.value` unique
//! index is only correct if every writer normalises the same way), and every crate that writes rows
//! (the seed loader, the API) must agree on them.

use std::fmt;
use std::str::FromStr;

use sea_orm::entity::prelude::*;

/// The form in which searched text is stored beside the text (`claim.statement_folded`,
/// `study.title_folded`) and in which a search's needle is compared with it, on SQLite and
/// PostgreSQL alike (neither database's own `lower()` is used: SQLite's folds ASCII only, and
/// PostgreSQL's depends on the server's locale).
///
/// The rule, applied in this order: canonical decomposition (NFD); Unicode's default full case
/// folding (CaseFolding.txt, statuses C and F, Unicode 16); canonical decomposition again; every
/// combining mark removed; canonical composition (NFC). So case and accents do not matter:
/// `École`, `école`, `ECOLE` and `ecole` are one text; `ß` and `ẞ` fold to `ss`, so `Straße`
/// matches `STRASSE`; Greek final `ς` folds to `σ`, so `ΣΟΦΙΑ`, `σοφια` and `σοφία` match; the
/// Turkish dotted `İ` folds to `i` plus a combining dot, which goes with the other marks, so
/// `İstanbul` matches `istanbul`. Folding is not language-specific: the dotless `ı` stays itself
/// and does not match `i`.
pub fn fold(text: &str) -> String {
    // ASCII is its own decomposition, has no combining marks, and case-folds to lower case: the
    // same result without the three passes (most texts, and every word of most searches).
    if text.is_ascii() {
        return text.to_ascii_lowercase();
    }
    fold_unicode(text)
}

/// [`fold`]'s rule, pass by pass.
fn fold_unicode(text: &str) -> String {
    use unicode_normalization::UnicodeNormalization;
    use unicode_normalization::char::is_combining_mark;
    let decomposed: String = text.nfd().collect();
    caseless::default_case_fold_str(&decomposed)
        .nfd()
        .filter(|c| !is_combining_mark(*c))
        .nfc()
        .collect()
}

/// A DOI in its one normalised form: lower-case, no `doi:` or resolver prefix, no surrounding space.
///
/// DOIs are case-insensitive (DOI Handbook §2.4), so two spellings of one DOI must become one value;
/// anything that does not match Crossref's recommended pattern `^10\.\d{4,9}/[-._;()/:a-z0-9]+$` is
/// refused rather than stored.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Doi(String);

/// Why a text is not a DOI.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum DoiError {
    Empty,
    /// The text after any prefix does not start with a `10.NNNN/` directory indicator.
    BadPrefix,
    /// The registrant code is not 4 to 9 digits.
    BadRegistrant,
    /// The suffix after the slash is empty.
    EmptySuffix,
    /// The suffix holds a character outside Crossref's recommended set.
    BadCharacter(char),
}

impl fmt::Display for DoiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DoiError::Empty => f.write_str("a DOI cannot be empty"),
            DoiError::BadPrefix => {
                f.write_str("a DOI starts with \"10.\" followed by a registrant code, as in 10.1000/xyz123")
            }
            DoiError::BadRegistrant => {
                f.write_str("a DOI's registrant code (between \"10.\" and \"/\") is 4 to 9 digits")
            }
            DoiError::EmptySuffix => f.write_str("a DOI needs a suffix after the \"/\""),
            DoiError::BadCharacter(c) => write!(
                f,
                "a DOI's suffix may hold only letters, digits and - . _ ; ( ) / :, not {c:?}"
            ),
        }
    }
}

impl std::error::Error for DoiError {}

/// Prefixes people paste in front of a DOI; compared case-insensitively, longest first.
const DOI_PREFIXES: [&str; 6] = [
    "https://dx.doi.org/",
    "http://dx.doi.org/",
    "https://doi.org/",
    "http://doi.org/",
    "doi.org/",
    "doi:",
];

impl Doi {
    /// Parses any common spelling (`10.x/y`, `doi:10.x/y`, `https://doi.org/10.x/y`,
    /// `http://dx.doi.org/10.x/y`, any case, spaces around) into the normalised DOI.
    pub fn parse(input: &str) -> Result<Self, DoiError> {
        let lower = input.trim().to_lowercase();
        let mut rest = lower.as_str();
        if let Some(prefix) = DOI_PREFIXES.iter().find(|p| rest.starts_with(*p)) {
            rest = rest[prefix.len()..].trim_start();
        }
        if rest.is_empty() {
            return Err(DoiError::Empty);
        }
        let Some(after_ten) = rest.strip_prefix("10.") else {
            return Err(DoiError::BadPrefix);
        };
        let Some((registrant, suffix)) = after_ten.split_once('/') else {
            return Err(DoiError::BadPrefix);
        };
        if !(4..=9).contains(&registrant.len()) || !registrant.bytes().all(|b| b.is_ascii_digit()) {
            return Err(DoiError::BadRegistrant);
        }
        if suffix.is_empty() {
            return Err(DoiError::EmptySuffix);
        }
        if let Some(bad) = suffix
            .chars()
            .find(|c| !(c.is_ascii_lowercase() || c.is_ascii_digit() || "-._;()/:".contains(*c)))
        {
            return Err(DoiError::BadCharacter(bad));
        }
        Ok(Doi(rest.to_owned()))
    }

    /// The normalised form, as stored in `doi.value`.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The resolver URL, `https://doi.org/<doi>`.
    pub fn url(&self) -> String {
        doi_url(&self.0)
    }
}

/// The resolver URL of an already-normalised DOI value.
pub fn doi_url(value: &str) -> String {
    format!("https://doi.org/{value}")
}

impl fmt::Display for Doi {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl FromStr for Doi {
    type Err = DoiError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Doi::parse(s)
    }
}

/// An enum value name that is not one of the enum's names.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UnknownName {
    pub given: String,
    pub expected: &'static [&'static str],
}

impl fmt::Display for UnknownName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "unknown value {:?}, expected one of {}",
            self.given,
            self.expected.join(", ")
        )
    }
}

impl std::error::Error for UnknownName {}

/// Declares a string-stored enum: each variant's stored name, `NAMES`, `name()` and `FromStr`.
macro_rules! stored_enum {
    ($(#[$meta:meta])* $name:ident { $($(#[$vmeta:meta])* $variant:ident = $text:literal,)+ }) => {
        $(#[$meta])*
        #[derive(
            Copy, Clone, Debug, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, serde::Serialize,
            serde::Deserialize,
        )]
        #[sea_orm(rs_type = "String", db_type = "String(StringLen::N(48))")]
        pub enum $name {
            $($(#[$vmeta])* #[sea_orm(string_value = $text)] #[serde(rename = $text)] $variant,)+
        }

        impl $name {
            /// Every stored name, in declaration order.
            pub const NAMES: &'static [&'static str] = &[$($text),+];

            /// The name stored in the database and used in seed files.
            pub fn name(self) -> &'static str {
                match self { $($name::$variant => $text,)+ }
            }
        }

        impl FromStr for $name {
            type Err = UnknownName;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                match s {
                    $($text => Ok($name::$variant),)+
                    _ => Err(UnknownName { given: s.to_owned(), expected: Self::NAMES }),
                }
            }
        }
    };
}

stored_enum! {
    /// How well current evidence supports a mechanism.
    Support {
        MostProbable = "MOST_PROBABLE",
        LessSupported = "LESS_SUPPORTED",
        RuledOut = "RULED_OUT",
    }
}

stored_enum! {
    /// A study's stance on a claim.
    Stance {
        Supporting = "SUPPORTING",
        Contradicting = "CONTRADICTING",
        Inconclusive = "INCONCLUSIVE",
    }
}

stored_enum! {
    /// Which way the evidence points on a claim's outcome.
    EffectDirection {
        FavoursIntervention = "FAVOURS_INTERVENTION",
        NoDifference = "NO_DIFFERENCE",
        FavoursComparator = "FAVOURS_COMPARATOR",
    }
}

stored_enum! {
    /// A study's design, as placed on the Oxford CEBM 2011 levels for treatment benefits.
    StudyDesign {
        SystematicReviewMetaAnalysis = "SYSTEMATIC_REVIEW_META_ANALYSIS",
        SystematicReview = "SYSTEMATIC_REVIEW",
        RandomisedControlledTrial = "RANDOMISED_CONTROLLED_TRIAL",
        NonRandomisedControlledStudy = "NON_RANDOMISED_CONTROLLED_STUDY",
        CohortStudy = "COHORT_STUDY",
        CaseControlStudy = "CASE_CONTROL_STUDY",
        CaseSeries = "CASE_SERIES",
        HistoricallyControlledStudy = "HISTORICALLY_CONTROLLED_STUDY",
        MechanisticStudy = "MECHANISTIC_STUDY",
        ExpertOpinion = "EXPERT_OPINION",
        Other = "OTHER",
    }
}

impl StudyDesign {
    /// The Oxford CEBM 2011 level ("does this intervention help?") this design reaches at best:
    /// 1 systematic review of randomised trials ... 5 mechanism-based reasoning; `None` where the
    /// design sits on no level.
    pub fn cebm_level(self) -> Option<u8> {
        use StudyDesign::*;
        match self {
            SystematicReviewMetaAnalysis | SystematicReview => Some(1),
            RandomisedControlledTrial => Some(2),
            NonRandomisedControlledStudy | CohortStudy => Some(3),
            CaseControlStudy | CaseSeries | HistoricallyControlledStudy => Some(4),
            MechanisticStudy | ExpertOpinion => Some(5),
            Other => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ascii_folds_as_the_full_rule_folds_it() {
        let every: String = (0u8..128).map(char::from).collect();
        assert_eq!(fold(&every), fold_unicode(&every));
        for text in ["Rest-Pause TRAINING", "Hypertrophy", "10.3390/JFMK", ""] {
            assert_eq!(fold(text), fold_unicode(text), "{text:?}");
        }
    }

    #[test]
    fn folding_ignores_case_and_accents_in_any_script() {
        for (a, b) in [
            ("École", "ecole"),
            ("ÉCOLE", "école"),
            ("été", "ETE"),
            ("ΣΟΦΙΑ", "σοφια"),
            ("σοφία", "σοφια"),
            ("σοφός", "ΣΟΦΟΣ"),
            ("Straße", "strasse"),
            ("STRASSE", "straße"),
            ("ẞ", "ss"),
            ("İstanbul", "istanbul"),
            ("ISTANBUL", "istanbul"),
            ("E\u{301}cole", "École"),
        ] {
            assert_eq!(fold(a), fold(b), "{a:?} and {b:?}");
        }
        assert_eq!(fold("Straße"), "strasse");
        assert_eq!(fold("σοφός"), "σοφοσ");
        assert_ne!(fold("ılık"), fold("ilik"));
        assert_eq!(fold("100% a_b\\c"), "100% a_b\\c");
    }

    #[test]
    fn every_common_spelling_of_a_doi_normalises_to_one_value() {
        for spelling in [
            "10.3390/jfmk11010080",
            "10.3390/JFMK11010080",
            "  doi:10.3390/jfmk11010080 ",
            "DOI:10.3390/jfmk11010080",
            "https://doi.org/10.3390/jfmk11010080",
            "HTTPS://DOI.ORG/10.3390/JFMK11010080",
            "http://dx.doi.org/10.3390/jfmk11010080",
            "https://dx.doi.org/10.3390/jfmk11010080",
        ] {
            assert_eq!(
                Doi::parse(spelling).map(|d| d.to_string()),
                Ok("10.3390/jfmk11010080".into()),
                "{spelling}"
            );
        }
    }

    #[test]
    fn malformed_dois_are_refused_with_their_reason() {
        assert_eq!(Doi::parse("  "), Err(DoiError::Empty));
        assert_eq!(Doi::parse("doi:"), Err(DoiError::Empty));
        assert_eq!(Doi::parse("11.3390/x"), Err(DoiError::BadPrefix));
        assert_eq!(Doi::parse("10.3390"), Err(DoiError::BadPrefix));
        assert_eq!(Doi::parse("10.33/x"), Err(DoiError::BadRegistrant));
        assert_eq!(Doi::parse("10.33a0/x"), Err(DoiError::BadRegistrant));
        assert_eq!(Doi::parse("10.3390/"), Err(DoiError::EmptySuffix));
        assert_eq!(Doi::parse("10.3390/a b"), Err(DoiError::BadCharacter(' ')));
        assert_eq!(Doi::parse("10.3390/a<b"), Err(DoiError::BadCharacter('<')));
    }

    #[test]
    fn a_doi_url_uses_the_doi_org_resolver() {
        assert_eq!(
            Doi::parse("10.3390/jfmk11010080").map(|d| d.url()),
            Ok("https://doi.org/10.3390/jfmk11010080".into())
        );
    }

    #[test]
    fn enum_names_round_trip_and_unknown_names_list_the_choices() {
        for name in StudyDesign::NAMES {
            assert_eq!(name.parse::<StudyDesign>().map(|d| d.name()), Ok(*name));
        }
        let err = "MAYBE".parse::<Stance>().unwrap_err();
        assert_eq!(
            err.to_string(),
            "unknown value \"MAYBE\", expected one of SUPPORTING, CONTRADICTING, INCONCLUSIVE"
        );
    }
}

stored_enum! {
    /// What a user may do: contributors submit, moderators review and edit, admins also manage users.
    Role {
        Contributor = "CONTRIBUTOR",
        Moderator = "MODERATOR",
        Admin = "ADMIN",
    }
}

stored_enum! {
    /// Where a contribution is in review.
    ContributionStatus {
        Pending = "PENDING",
        Accepted = "ACCEPTED",
        Rejected = "REJECTED",
    }
}
