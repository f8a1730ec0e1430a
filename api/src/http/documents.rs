//! Documents a request can name instead of sending: automatic persisted queries and trusted
//! documents, both keyed by the SHA-256 of the document's text.
//!
//! - **Automatic persisted queries** (Apollo's protocol,
//!   <https://www.apollographql.com/docs/apollo-server/performance/apq>) save bandwidth: a client
//!   sends `extensions.persistedQuery.sha256Hash` alone, and the query text only when the server
//!   answers `PERSISTED_QUERY_NOT_FOUND`. The server then checks the hash and keeps the text in
//!   [`PersistedQueries`], a bounded cache that any client can fill. It is therefore no allow-list.
//! - **Trusted documents** are that allow-list. [`TrustedDocuments`] is a manifest loaded at start,
//!   and in that mode a request must name one of its documents (`documentId`, or the APQ hash) and
//!   nothing else runs.

use std::collections::HashMap;
use std::fmt;
use std::path::Path;
use std::sync::{Arc, Mutex, PoisonError};

use lru::LruCache;
use sha2::{Digest, Sha256};

/// A document's SHA-256: the id clients name it by.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct DocumentHash([u8; 32]);

impl DocumentHash {
    /// The hash of a document's text, as its UTF-8 bytes.
    pub fn of(text: &str) -> DocumentHash {
        DocumentHash(Sha256::digest(text.as_bytes()).into())
    }

    /// A hash written as 64 hexadecimal digits (either case), optionally after `sha256:` as the
    /// GraphQL-over-HTTP persisted documents draft writes ids.
    pub fn parse(text: &str) -> Option<DocumentHash> {
        let hex = text.strip_prefix("sha256:").unwrap_or(text).as_bytes();
        if hex.len() != 64 {
            return None;
        }
        let mut bytes = [0u8; 32];
        for (byte, pair) in bytes.iter_mut().zip(hex.chunks_exact(2)) {
            let digit = |c: u8| char::from(c).to_digit(16);
            *byte = u8::try_from(digit(pair[0])? * 16 + digit(pair[1])?).ok()?;
        }
        Some(DocumentHash(bytes))
    }
}

impl fmt::Display for DocumentHash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.iter().try_for_each(|byte| write!(f, "{byte:02x}"))
    }
}

impl fmt::Debug for DocumentHash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "DocumentHash({self})")
    }
}

/// The size of the automatic persisted query cache (see `config.rs` for the flags).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PersistedQueryLimits {
    /// Documents kept at most.
    pub max_entries: usize,
    /// Bytes of document text kept at most.
    pub max_bytes: usize,
}

impl Default for PersistedQueryLimits {
    /// A front end has tens to hundreds of operations, each a few KiB: this keeps them all.
    fn default() -> Self {
        PersistedQueryLimits {
            max_entries: 1_000,
            max_bytes: 8 * 1024 * 1024,
        }
    }
}

/// The automatic persisted query cache: hash to text, least recently used out first, bounded in
/// entries and in bytes. Any client can fill it (with documents that parse, whose hash it has
/// checked), so a miss only costs that client one round trip with the text.
pub struct PersistedQueries {
    limits: PersistedQueryLimits,
    cache: Mutex<Cache>,
}

struct Cache {
    documents: LruCache<DocumentHash, Arc<str>>,
    bytes: usize,
}

impl PersistedQueries {
    pub fn new(limits: PersistedQueryLimits) -> Self {
        PersistedQueries {
            limits,
            cache: Mutex::new(Cache {
                documents: LruCache::unbounded(),
                bytes: 0,
            }),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Cache> {
        // The byte count is updated with each change, so a poisoned lock still holds a usable cache.
        self.cache.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The text of `hash`, if the cache holds it.
    pub fn get(&self, hash: &DocumentHash) -> Option<Arc<str>> {
        self.lock().documents.get(hash).cloned()
    }

    /// Keeps `text` under `hash`, dropping the least recently used documents to stay within the
    /// limits. A text larger than the whole byte budget is not kept.
    pub fn insert(&self, hash: DocumentHash, text: Arc<str>) {
        if text.len() > self.limits.max_bytes || self.limits.max_entries == 0 {
            return;
        }
        let mut cache = self.lock();
        let added = text.len();
        if let Some(previous) = cache.documents.put(hash, text) {
            cache.bytes -= previous.len();
        }
        cache.bytes += added;
        while cache.bytes > self.limits.max_bytes || cache.documents.len() > self.limits.max_entries {
            match cache.documents.pop_lru() {
                Some((_, evicted)) => cache.bytes -= evicted.len(),
                None => break,
            }
        }
    }

    /// Documents held and their bytes.
    pub fn size(&self) -> (usize, usize) {
        let cache = self.lock();
        (cache.documents.len(), cache.bytes)
    }
}

impl fmt::Debug for PersistedQueries {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (entries, bytes) = self.size();
        f.debug_struct("PersistedQueries")
            .field("limits", &self.limits)
            .field("entries", &entries)
            .field("bytes", &bytes)
            .finish()
    }
}

/// The trusted documents: a manifest mapping each document's SHA-256 to its text, checked whole
/// at start.
pub struct TrustedDocuments {
    documents: HashMap<DocumentHash, Arc<str>>,
}

/// Problems listed from a bad manifest before the rest are only counted.
const MAX_LISTED_PROBLEMS: usize = 20;

impl TrustedDocuments {
    /// Reads and checks the manifest at `path`; the error lists what is wrong with it.
    pub fn load(path: &Path) -> anyhow::Result<TrustedDocuments> {
        let text = std::fs::read_to_string(path).map_err(|err| {
            anyhow::anyhow!(
                "cannot read the trusted documents manifest {}: {err}",
                path.display()
            )
        })?;
        TrustedDocuments::from_json(&text).map_err(|problems| {
            let listed: Vec<String> = problems
                .iter()
                .take(MAX_LISTED_PROBLEMS)
                .map(|problem| format!("  - {problem}"))
                .collect();
            let more = problems.len().saturating_sub(MAX_LISTED_PROBLEMS);
            let more = if more > 0 {
                format!("\n  ... and {more} more")
            } else {
                String::new()
            };
            anyhow::anyhow!(
                "the trusted documents manifest {} is not valid ({} problem{}):\n{}{more}",
                path.display(),
                problems.len(),
                if problems.len() == 1 { "" } else { "s" },
                listed.join("\n")
            )
        })
    }

    /// Checks a manifest: a JSON object whose keys are SHA-256 hashes (64 hexadecimal digits,
    /// optionally after `sha256:`) and whose values are the GraphQL documents they hash, as GraphQL
    /// Code Generator's persisted documents and Relay's persisted queries write it. Every problem
    /// is returned, not only the first.
    pub fn from_json(json: &str) -> Result<TrustedDocuments, Vec<String>> {
        let manifest: serde_json::Value = serde_json::from_str(json).map_err(|err| {
            vec![format!(
                "it is not JSON: it goes wrong at line {}, column {}",
                err.line(),
                err.column()
            )]
        })?;
        let serde_json::Value::Object(entries) = manifest else {
            return Err(vec![
                "it must be a JSON object mapping each document's SHA-256 to its text".to_owned(),
            ]);
        };
        let mut problems = Vec::new();
        let mut documents = HashMap::with_capacity(entries.len());
        for (key, value) in entries {
            let Some(hash) = DocumentHash::parse(&key) else {
                problems.push(format!("{key:?} is not a SHA-256 hash (64 hexadecimal digits)"));
                continue;
            };
            let serde_json::Value::String(text) = value else {
                problems.push(format!("{key}: the document must be a string of GraphQL"));
                continue;
            };
            let actual = DocumentHash::of(&text);
            if actual != hash {
                problems.push(format!("{key}: the document's SHA-256 is {actual}"));
                continue;
            }
            if let Err(err) = async_graphql::parser::parse_query(&text) {
                problems.push(format!("{key}: the document is not GraphQL: {err}"));
                continue;
            }
            documents.insert(hash, Arc::from(text));
        }
        if documents.is_empty() && problems.is_empty() {
            problems.push("it lists no document, so every request would be refused".to_owned());
        }
        if problems.is_empty() {
            Ok(TrustedDocuments { documents })
        } else {
            Err(problems)
        }
    }

    /// The text of the trusted document `hash`.
    pub fn get(&self, hash: &DocumentHash) -> Option<&Arc<str>> {
        self.documents.get(hash)
    }

    /// How many documents the manifest holds.
    pub fn len(&self) -> usize {
        self.documents.len()
    }

    /// Always false: a manifest with no document is refused at start.
    pub fn is_empty(&self) -> bool {
        self.documents.is_empty()
    }
}

impl fmt::Debug for TrustedDocuments {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TrustedDocuments")
            .field("documents", &self.documents.len())
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const TYPENAME: &str = "{ __typename }";

    #[test]
    fn a_hash_is_64_hex_digits_with_an_optional_sha256_prefix() {
        let hash = DocumentHash::of(TYPENAME);
        let hex = hash.to_string();
        assert_eq!(hex.len(), 64);
        assert_eq!(DocumentHash::parse(&hex), Some(hash));
        assert_eq!(DocumentHash::parse(&hex.to_uppercase()), Some(hash));
        assert_eq!(DocumentHash::parse(&format!("sha256:{hex}")), Some(hash));
        assert_eq!(DocumentHash::parse(&hex[1..]), None);
        assert_eq!(DocumentHash::parse(&format!("{}g", &hex[1..])), None);
        assert_eq!(DocumentHash::parse("é".repeat(32).as_str()), None);
    }

    #[test]
    fn the_hash_is_sha256_of_the_text() {
        // printf '%s' '{ __typename }' | sha256sum
        assert_eq!(
            DocumentHash::of(TYPENAME).to_string(),
            "7f56e67dd21ab3f30d1ff8b7bed08893f0a0db86449836189b361dd1e56ddb4b"
        );
    }

    #[test]
    fn the_cache_keeps_the_most_recently_used_within_entries_and_bytes() {
        let cache = PersistedQueries::new(PersistedQueryLimits {
            max_entries: 2,
            max_bytes: 10,
        });
        let (a, b, c) = (
            DocumentHash::of("a"),
            DocumentHash::of("b"),
            DocumentHash::of("c"),
        );
        cache.insert(a, Arc::from("aaaa"));
        cache.insert(b, Arc::from("bbbb"));
        assert!(cache.get(&a).is_some());
        // Two entries at most: b, the least recently used, goes.
        cache.insert(c, Arc::from("cc"));
        assert!(cache.get(&b).is_none());
        assert_eq!(cache.size(), (2, 6));
        // Ten bytes at most: a, now the least recently used, goes to make room.
        cache.insert(b, Arc::from("bbbbbbbb"));
        assert_eq!(cache.size(), (2, 10));
        assert!(cache.get(&a).is_none());
        assert!(cache.get(&b).is_some() && cache.get(&c).is_some());
        // Larger than the whole budget: not kept.
        cache.insert(a, Arc::from("a".repeat(11)));
        assert!(cache.get(&a).is_none());
    }

    #[test]
    fn a_manifest_is_checked_whole() {
        let good = DocumentHash::of(TYPENAME).to_string();
        let manifest = serde_json::json!({ good.clone(): TYPENAME }).to_string();
        let documents = TrustedDocuments::from_json(&manifest).unwrap();
        assert_eq!(documents.len(), 1);
        assert!(documents.get(&DocumentHash::of(TYPENAME)).is_some());

        let wrong = DocumentHash::of("{ other }").to_string();
        let broken = DocumentHash::of("{ broken").to_string();
        let manifest = serde_json::json!({
            good: TYPENAME,
            wrong.clone(): TYPENAME,
            "abc": TYPENAME,
            broken.clone(): "{ broken",
            DocumentHash::of("1").to_string(): 1,
        })
        .to_string();
        let problems = TrustedDocuments::from_json(&manifest).err().unwrap();
        assert_eq!(problems.len(), 4, "{problems:#?}");
        assert!(
            problems
                .iter()
                .any(|p| p.starts_with(&format!("{wrong}: the document's SHA-256 is")))
        );
        assert!(
            problems
                .iter()
                .any(|p| p.contains("\"abc\" is not a SHA-256 hash"))
        );
        assert!(
            problems
                .iter()
                .any(|p| p.starts_with(&format!("{broken}: the document is not GraphQL")))
        );
        assert!(problems.iter().any(|p| p.contains("must be a string")));
    }

    #[test]
    fn a_manifest_that_is_not_an_object_of_documents_is_refused() {
        for (json, problem) in [
            ("[1", "it is not JSON"),
            ("[]", "it must be a JSON object"),
            ("{}", "it lists no document"),
        ] {
            let problems = TrustedDocuments::from_json(json).err().unwrap();
            assert!(problems[0].starts_with(problem), "{json}: {problems:?}");
        }
    }
}
