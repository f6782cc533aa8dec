//! The object store and key prefix a logdir names: a URL (`s3://`, `gs://`, `az://`,
//! `file://`, `memory://`) or a key prefix in a store the user gave.

use std::path::Path as FsPath;
use std::sync::Arc;

use object_store::path::Path as ObjPath;
use object_store::{ObjectStore, ObjectStoreScheme, RetryConfig};

use super::settings::RemoteSettings;
use super::target::Target;
use crate::error::{Error, Result};
use crate::logdir;

/// The object store and key prefix a logdir names: `Some` for a URL or when the user gave a
/// store, `None` for a local directory.
pub(crate) fn resolve(logdir: &FsPath, settings: &RemoteSettings) -> Result<Option<Target>> {
    if let Some(t) = &settings.resolved {
        return Ok(Some(t.clone()));
    }
    let text = logdir.to_str();
    if let Some(store) = &settings.store {
        let raw = text.ok_or_else(|| Error::InvalidUrl {
            url: logdir.display().to_string(),
            reason: "an object-store key prefix must be valid UTF-8".into(),
        })?;
        let trimmed = raw.trim_matches('/');
        let prefix = ObjPath::parse(trimmed).map_err(|e| Error::InvalidUrl {
            url: raw.to_owned(),
            reason: format!("not a valid key prefix: {e}"),
        })?;
        return Ok(Some(Target {
            store: store.clone(),
            prefix,
            url: trimmed.to_owned(),
        }));
    }
    let Some(text) = text.filter(|t| logdir::url_scheme(t).is_some()) else {
        return Ok(None);
    };
    store_for_url(text).map(Some)
}

/// object_store's own retries are off: the uploader retries, with its own backoff and for as
/// long as it takes, and classifies errors itself.
fn no_retries() -> RetryConfig {
    RetryConfig {
        max_retries: 0,
        ..RetryConfig::default()
    }
}

fn store_for_url(text: &str) -> Result<Target> {
    let invalid = |reason: String| Error::InvalidUrl {
        url: text.to_owned(),
        reason,
    };
    let url = url::Url::parse(text).map_err(|e| invalid(e.to_string()))?;
    let (scheme, prefix) = ObjectStoreScheme::parse(&url).map_err(|e| invalid(e.to_string()))?;
    let built: std::result::Result<Arc<dyn ObjectStore>, object_store::Error> = match scheme {
        ObjectStoreScheme::AmazonS3 => object_store::aws::AmazonS3Builder::from_env()
            .with_url(text)
            .with_retry(no_retries())
            .build()
            .map(|s| Arc::new(s) as _),
        ObjectStoreScheme::GoogleCloudStorage => {
            object_store::gcp::GoogleCloudStorageBuilder::from_env()
                .with_url(text)
                .with_retry(no_retries())
                .build()
                .map(|s| Arc::new(s) as _)
        }
        ObjectStoreScheme::MicrosoftAzure => object_store::azure::MicrosoftAzureBuilder::from_env()
            .with_url(text)
            .with_retry(no_retries())
            .build()
            .map(|s| Arc::new(s) as _),
        ObjectStoreScheme::Local => Ok(Arc::new(object_store::local::LocalFileSystem::new()) as _),
        ObjectStoreScheme::Memory => Ok(Arc::new(object_store::memory::InMemory::new()) as _),
        other => {
            return Err(invalid(format!(
                "{other:?} URLs are not supported (s3://, gs://, az://, file:// and memory:// are)"
            )));
        }
    };
    let store = built.map_err(|e| invalid(e.to_string()))?;
    Ok(Target {
        store,
        prefix,
        url: text.trim_end_matches('/').to_owned(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_cloud_url_maps_to_its_store_and_prefix() {
        // Building a store makes no request: credentials are resolved at the first one, so
        // these build here without any cloud (the Azure account name can be in the URL).
        for (url, store, prefix) in [
            ("s3://bucket/exp/run1", "AmazonS3", "exp/run1"),
            ("s3a://bucket/exp/run1/", "AmazonS3", "exp/run1"),
            ("gs://bucket/exp/run1", "GoogleCloudStorage", "exp/run1"),
            (
                "https://account.blob.core.windows.net/container/exp/run1",
                "MicrosoftAzure",
                "exp/run1",
            ),
            ("file:///tmp/exp/run1", "LocalFileSystem", "tmp/exp/run1"),
            ("memory:///exp/run1", "InMemory", "exp/run1"),
        ] {
            let t = store_for_url(url).unwrap_or_else(|e| panic!("{url}: {e}"));
            assert!(
                t.store.to_string().starts_with(store),
                "{url}: {} is not {store}",
                t.store
            );
            assert_eq!(t.prefix.as_ref(), prefix, "{url}");
            assert_eq!(t.url, url.trim_end_matches('/'));
        }
        for (url, why) in [
            ("http://example.com/run", "not supported"),
            ("s3://", "recognise"),
        ] {
            match store_for_url(url) {
                Err(Error::InvalidUrl { reason, .. }) => {
                    assert!(reason.to_lowercase().contains(why), "{url}: {reason}")
                }
                Err(e) => panic!("{url}: {e:?}"),
                Ok(t) => panic!("{url}: built {}", t.store),
            }
        }
    }
}
