//! The crate's tests, written against the public API: `bundled` checks the data file against the
//! seed page, `checks` has one test per validation rule.

mod bundled;
mod checks;
