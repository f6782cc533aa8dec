//! Where a run goes in object storage: a store and the run's key prefix in it.

use std::sync::Arc;

use object_store::ObjectStore;
use object_store::path::Path as ObjPath;

/// A store and the key prefix of a run in it.
#[derive(Debug, Clone)]
pub(crate) struct Target {
    pub(super) store: Arc<dyn ObjectStore>,
    pub(super) prefix: ObjPath,
    /// The prefix as shown to the user: the URL, or the prefix itself in a user's store.
    pub(super) url: String,
}

impl Target {
    /// The sibling run `dir` of this one (for `add_scalars`): same store, prefix `<prefix>/dir`.
    pub(crate) fn child(&self, dir: &str) -> Target {
        Target {
            store: self.store.clone(),
            prefix: self.prefix.clone().join(dir),
            url: join_url(&self.url, dir),
        }
    }
}

pub(super) fn join_url(base: &str, name: &str) -> String {
    if base.is_empty() {
        name.to_owned()
    } else {
        format!("{}/{name}", base.trim_end_matches('/'))
    }
}
