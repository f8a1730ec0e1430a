//! What a resolver reaches through the request's context: the caller, the request's loader over
//! the store and its look-ups, and the write gate.

use std::sync::Arc;

use async_graphql::Context;
use async_graphql::dataloader::{DataLoader, HashMapCache, Loader};

use crate::domain::caller::Caller;
use crate::domain::write::gate::WriteGate;
use crate::error::{ApiError, ApiResult};
use crate::graphql::loaders;
use crate::store::Store;

/// The request's caller; anonymous when the HTTP layer put none in the context.
pub fn caller<'a>(ctx: &Context<'a>) -> &'a Caller {
    static ANONYMOUS: Caller = Caller::Anonymous;
    ctx.data_opt::<Caller>().unwrap_or(&ANONYMOUS)
}

/// A fresh per-request loader over `store`.
pub fn request_loader(store: Store) -> RequestLoader {
    DataLoader::with_cache(store, tokio::spawn, HashMapCache::new())
}

/// The request's loader type. Its cache is keyed by row ids and lives for one request, so it hashes
/// with foldhash rather than SipHash (a page looks up its loaders a few hundred times).
pub type RequestLoader = DataLoader<Store, HashMapCache<foldhash::fast::RandomState>>;

pub(crate) fn loader<'a>(ctx: &Context<'a>) -> ApiResult<&'a RequestLoader> {
    ctx.data::<RequestLoader>()
        .map_err(|_| ApiError::Internal(anyhow::anyhow!("no request loader in the context")))
}

/// Declares [`forget_loaded`] over every key type the request loader caches, listed once; a key
/// type added to `loaders` and left out here fails `every_loader_key_is_forgotten_after_a_write`.
macro_rules! forget_every {
    ($($key:ident),* $(,)?) => {
        /// Empties the request loader's cache after a write, so the payload (and any later field of
        /// the same request) reads the graph as it is now, not as it was before the change.
        pub(crate) fn forget_loaded(ctx: &Context<'_>) -> ApiResult<()> {
            let loader = loader(ctx)?;
            $(loader.clear::<loaders::$key>();)*
            Ok(())
        }

        #[cfg(test)]
        const FORGOTTEN_KEYS: &[&str] = &[$(stringify!($key)),*];
    };
}

forget_every!(
    ClaimById,
    MechanismById,
    MechanismStepById,
    DoiById,
    StudyById,
    EvidenceById,
    UserById,
    ContributionById,
    EventById,
    MechanismsByClaim,
    MechanismStepsByMechanism,
    DoisCitedByStep,
    MechanismStepsCitingDoi,
    StudyByDoi,
    EvidenceByClaim,
    EvidenceByStudy,
    StudiesCitedByClaim,
);

/// The gate every write passes before it opens a transaction (see [`WriteGate`]).
pub(crate) fn write_gate<'a>(ctx: &Context<'a>) -> ApiResult<&'a WriteGate> {
    ctx.data::<Arc<WriteGate>>()
        .map(|gate| gate.as_ref())
        .map_err(|_| ApiError::Internal(anyhow::anyhow!("no write gate in the schema's data")))
}

/// The store behind the request's loader, for reads that are not batched look-ups.
pub(crate) fn store<'a>(ctx: &Context<'a>) -> ApiResult<&'a Store> {
    Ok(loader(ctx)?.loader())
}

/// Loads one value through the request's loader.
pub(crate) async fn load_one<K>(ctx: &Context<'_>, key: K) -> ApiResult<Option<<Store as Loader<K>>::Value>>
where
    K: Send + Sync + std::hash::Hash + Eq + Clone + 'static,
    Store: Loader<K, Error = loaders::LoadError>,
{
    // Boxed: a type's field futures are as large as its largest field's, and async-graphql moves
    // each field's future into a box of its own; the loader's future would make every field of a
    // type that loads anything that large.
    Ok(Box::pin(loader(ctx)?.load_one(key)).await?)
}

/// Loads a one-to-many relation through the request's loader; no children is an empty list.
pub(crate) async fn load_list<K, V>(ctx: &Context<'_>, key: K) -> ApiResult<Vec<V>>
where
    K: Send + Sync + std::hash::Hash + Eq + Clone + 'static,
    V: Send + Sync + Clone + 'static,
    Store: Loader<K, Value = Vec<V>, Error = loaders::LoadError>,
{
    Ok(load_one(ctx, key).await?.unwrap_or_default())
}

/// Loads many values at once, in the order of `keys`, skipping keys with no row.
pub(crate) async fn load_many<K>(
    ctx: &Context<'_>,
    keys: Vec<K>,
) -> ApiResult<Vec<<Store as Loader<K>>::Value>>
where
    K: Send + Sync + std::hash::Hash + Eq + Clone + 'static,
    Store: Loader<K, Error = loaders::LoadError>,
{
    let mut found = Box::pin(loader(ctx)?.load_many(keys.iter().cloned())).await?;
    Ok(keys.iter().filter_map(|k| found.remove(k)).collect())
}

/// Loads a row that a foreign key guarantees; its absence is an internal error, not a null.
pub(crate) async fn load_required<K>(
    ctx: &Context<'_>,
    key: K,
    what: &str,
) -> ApiResult<<Store as Loader<K>>::Value>
where
    K: Send + Sync + std::hash::Hash + Eq + Clone + std::fmt::Debug + 'static,
    Store: Loader<K, Error = loaders::LoadError>,
{
    let missing = key.clone();
    load_one(ctx, key)
        .await?
        .ok_or_else(|| ApiError::Internal(anyhow::anyhow!("{what} {missing:?} is missing")))
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    /// Every key type `loaders` declares: each `by_id_loader!(Key, …)`, each
    /// `children_loader!(… Key => Value, …)` and each `impl Loader<Key> for Store`.
    fn declared_keys() -> BTreeSet<String> {
        let source = include_str!("loaders.rs");
        let mut keys = BTreeSet::new();
        let mut in_children = false;
        for line in source.lines().map(str::trim_start) {
            if line.starts_with("children_loader!(") {
                in_children = true;
                continue;
            }
            let name = if in_children && !line.starts_with("///") {
                in_children = false;
                line.split_once(" => ").map(|(key, _)| key)
            } else {
                line.strip_prefix("by_id_loader!(")
                    .or_else(|| line.strip_prefix("impl Loader<"))
            };
            if let Some(rest) = name {
                let key: String = rest
                    .chars()
                    .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                    .collect();
                if !key.is_empty() {
                    keys.insert(key);
                }
            }
        }
        keys
    }

    #[test]
    fn every_loader_key_is_forgotten_after_a_write() {
        let declared = declared_keys();
        assert!(
            declared.len() >= 17,
            "the loaders' key types were not found: {declared:?}"
        );
        let forgotten: BTreeSet<String> = super::FORGOTTEN_KEYS.iter().map(|k| (*k).to_owned()).collect();
        assert_eq!(
            declared, forgotten,
            "a loader's cache a write would not forget, or one that does not exist"
        );
    }
}
