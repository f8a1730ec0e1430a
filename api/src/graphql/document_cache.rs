//! Parsed documents, kept by their exact text.
//!
//! Clients send the same few documents again and again (a front end's pages, an integration's
//! queries, persisted queries). Parsing a claim page query takes about 150 µs; copying its parse
//! takes about 2 µs. So the handler looks a request's text up here first and hands async-graphql a
//! copy of the parse. Only documents that went on to run are kept (not ones that failed to parse,
//! validate or fit the limits), and the limits and validation still run on every request: the
//! cache saves parsing only. The key is the whole text, so two texts never share a parse.
//!
//! A parse takes about 40 times its text in memory; the cache is bounded by an estimate from that
//! ([`MAX_ESTIMATED_BYTES`]) and by [`MAX_DOCUMENTS`], least recently used out first.

use std::sync::{Arc, Mutex, PoisonError};

use async_graphql::Request;
use async_graphql::parser::types::ExecutableDocument;
use lru::LruCache;

/// Documents kept at most.
pub const MAX_DOCUMENTS: usize = 256;

/// Estimated memory of the kept parses at most (about 800 claim page queries).
pub const MAX_ESTIMATED_BYTES: usize = 16 * 1024 * 1024;

/// Bytes a parse takes per byte of its text, measured on the claim page query (about 19 KB for 536
/// bytes of text) and on a document of 200 aliased claim selections (about 630 KB for 15 KB).
const PARSE_BYTES_PER_TEXT_BYTE: usize = 48;

/// The cache; one per app, shared by its requests.
pub struct DocumentCache {
    /// The query length limit: a longer text is left for the limits to refuse, never parsed here.
    max_text_bytes: usize,
    cache: Mutex<Cache>,
}

struct Cache {
    documents: LruCache<Arc<str>, Arc<ExecutableDocument>>,
    estimated_bytes: usize,
}

impl Default for Cache {
    fn default() -> Self {
        Cache {
            documents: LruCache::unbounded(),
            estimated_bytes: 0,
        }
    }
}

/// A document parsed for this request, to keep once the request has run.
pub struct FreshDocument {
    text: Arc<str>,
    document: ExecutableDocument,
}

/// What [`DocumentCache::prepare`] did for a request.
pub enum Preparation {
    /// The request holds a copy of a kept parse.
    Reused,
    /// The request holds a parse of its own, to keep if it runs (`None` when it is too large to
    /// keep).
    Parsed(Option<FreshDocument>),
    /// The text is over the length limit or does not parse: nothing parsed it, and only the limits
    /// or execution should (they refuse it).
    Unparsed,
}

impl Preparation {
    /// Whether the request holds its parsed document, so reading it costs nothing more.
    pub fn is_parsed(&self) -> bool {
        !matches!(self, Preparation::Unparsed)
    }
}

fn estimate(text: &str) -> usize {
    text.len().saturating_mul(PARSE_BYTES_PER_TEXT_BYTE)
}

impl DocumentCache {
    /// An empty cache that parses texts of at most `max_text_bytes` (the query length limit).
    pub fn new(max_text_bytes: usize) -> Self {
        DocumentCache {
            max_text_bytes,
            cache: Mutex::default(),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Cache> {
        // Every change keeps the estimate in step with the entries, so a poisoned lock is usable.
        self.cache.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Gives `request` its parsed document: a copy of the kept parse when there is one, else a
    /// parse of its own, which comes back to be [kept](Self::keep) if the request runs. A text over
    /// the length limit is not parsed here: the limits refuse it without parsing.
    pub fn prepare(&self, request: &mut Request) -> Preparation {
        if request.query.len() > self.max_text_bytes {
            return Preparation::Unparsed;
        }
        let kept = self.lock().documents.get(request.query.as_str()).cloned();
        if let Some(document) = kept {
            request.set_parsed_query(ExecutableDocument::clone(&document));
            return Preparation::Reused;
        }
        let text =
            (estimate(&request.query) <= MAX_ESTIMATED_BYTES).then(|| Arc::from(request.query.as_str()));
        let Ok(document) = request.parsed_query() else {
            return Preparation::Unparsed;
        };
        Preparation::Parsed(text.map(|text| FreshDocument {
            text,
            document: document.clone(),
        }))
    }

    /// Keeps a document that has run, dropping the least recently used to stay within bounds.
    pub fn keep(&self, fresh: FreshDocument) {
        let added = estimate(&fresh.text);
        let mut cache = self.lock();
        if let Some(previous) = cache.documents.put(fresh.text.clone(), Arc::new(fresh.document)) {
            // Two requests raced to parse the same text: the estimate counts it once.
            drop(previous);
            cache.estimated_bytes -= added;
        }
        cache.estimated_bytes += added;
        while cache.estimated_bytes > MAX_ESTIMATED_BYTES || cache.documents.len() > MAX_DOCUMENTS {
            match cache.documents.pop_lru() {
                Some((text, _)) => cache.estimated_bytes -= estimate(&text),
                None => break,
            }
        }
    }

    /// Documents kept.
    pub fn len(&self) -> usize {
        self.lock().documents.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_kept_document_is_handed_out_again_without_parsing() {
        let cache = DocumentCache::new(usize::MAX);
        let mut request = Request::new("{ __typename }");
        let Preparation::Parsed(Some(fresh)) = cache.prepare(&mut request) else {
            panic!("a new text is parsed");
        };
        assert!(cache.is_empty(), "nothing is kept before the request runs");
        cache.keep(fresh);
        assert_eq!(cache.len(), 1);
        let mut again = Request::new("{ __typename }");
        assert!(matches!(cache.prepare(&mut again), Preparation::Reused));
        assert!(again.parsed_query().is_ok());
        // Another text, however close, is another document.
        let close = cache.prepare(&mut Request::new("{ __typename  }"));
        assert!(matches!(close, Preparation::Parsed(Some(_))));
    }

    #[test]
    fn a_text_that_does_not_parse_or_is_too_long_is_not_prepared() {
        let cache = DocumentCache::new(20);
        let broken = cache.prepare(&mut Request::new("{ broken"));
        assert!(matches!(broken, Preparation::Unparsed));
        let long = cache.prepare(&mut Request::new("{ __typename __typename }"));
        assert!(matches!(long, Preparation::Unparsed));
    }

    #[test]
    fn the_cache_stays_within_its_bounds() {
        let cache = DocumentCache::new(usize::MAX);
        for i in 0..MAX_DOCUMENTS + 10 {
            let mut request = Request::new(format!("{{ a{i}: __typename }}"));
            if let Preparation::Parsed(Some(fresh)) = cache.prepare(&mut request) {
                cache.keep(fresh);
            }
        }
        assert_eq!(cache.len(), MAX_DOCUMENTS);
        // The oldest went first.
        let oldest = cache.prepare(&mut Request::new("{ a0: __typename }"));
        assert!(matches!(oldest, Preparation::Parsed(Some(_))));
        let last = format!("{{ a{}: __typename }}", MAX_DOCUMENTS + 9);
        assert!(matches!(
            cache.prepare(&mut Request::new(last)),
            Preparation::Reused
        ));
        // A document whose parse would not fit is parsed for its request, never kept.
        let huge = format!(
            "{{ __typename }} #{}",
            "x".repeat(MAX_ESTIMATED_BYTES / PARSE_BYTES_PER_TEXT_BYTE)
        );
        let mut request = Request::new(huge);
        assert!(matches!(cache.prepare(&mut request), Preparation::Parsed(None)));
    }
}
