//! Upload failures: which ones retrying cannot fix, and the errors callers of `flush`,
//! `close` and logging calls get.

use std::error::Error as StdError;
use std::fmt;
use std::io;
use std::sync::Arc;
use std::time::Duration;

use super::uploader::{UpState, Uploader};
use crate::error::Error;

/// The error for data not stored in time.
#[derive(Debug)]
struct NotStoredInTime {
    timeout: Duration,
    last: Option<Arc<dyn StdError + Send + Sync>>,
}

impl fmt::Display for NotStoredInTime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "the object store has not stored the data within the upload timeout ({:?})",
            self.timeout
        )?;
        match &self.last {
            Some(e) => write!(f, "; last error: {e}"),
            None => Ok(()),
        }
    }
}

impl StdError for NotStoredInTime {
    fn source(&self) -> Option<&(dyn StdError + 'static)> {
        self.last.as_deref().map(|e| e as &(dyn StdError + 'static))
    }
}

/// Whether retrying cannot fix `e`: a missing bucket or object path, denied access, bad
/// credentials, an invalid path, an operation the store does not support, or an HTTP client
/// error (4xx other than 408 and 429, or a redirect to another region). Anything else
/// (connection failures, timeouts, 5xx, errors of a user's store) is retried.
pub(super) fn is_permanent(e: &object_store::Error) -> bool {
    use object_store::Error as E;
    match e {
        E::NotFound { .. }
        | E::PermissionDenied { .. }
        | E::Unauthenticated { .. }
        | E::InvalidPath { .. }
        | E::NotSupported { .. }
        | E::NotImplemented { .. }
        | E::UnknownConfigurationKey { .. } => true,
        E::Generic { .. } => is_client_error(e),
        _ => false,
    }
}

/// object_store reports other HTTP statuses only in its messages
/// (`Server returned non-2xx status code: 400 Bad Request: …`).
fn is_client_error(e: &(dyn StdError + 'static)) -> bool {
    let mut text = String::new();
    let mut cur = Some(e);
    while let Some(err) = cur {
        text.push_str(&err.to_string());
        text.push('\n');
        cur = err.source();
    }
    if text.contains("Received redirect without LOCATION") {
        return true;
    }
    text.match_indices("status code: ").any(|(i, m)| {
        text[i + m.len()..]
            .get(..3)
            .and_then(|code| code.parse::<u16>().ok())
            .is_some_and(|code| (400..500).contains(&code) && code != 408 && code != 429)
    })
}

impl Uploader {
    pub(super) fn upload_error(
        &self,
        st: &UpState,
        source: Arc<dyn StdError + Send + Sync>,
    ) -> Error {
        Error::Upload {
            url: self.url.clone(),
            pending_bytes: st.pending(),
            source,
        }
    }

    pub(super) fn timeout_error(&self, st: &UpState) -> Error {
        self.upload_error(
            st,
            Arc::new(NotStoredInTime {
                timeout: self.timeout,
                last: st.last_error.clone(),
            }),
        )
    }

    /// The error of a wait that ended early: a permanent failure, or a stopped uploader.
    pub(super) fn early_error(&self, st: &UpState) -> Option<Error> {
        if st.permanent {
            if let Some(e) = &st.last_error {
                return Some(self.upload_error(st, e.clone()));
            }
        }
        if st.exited {
            let source = st
                .last_error
                .clone()
                .unwrap_or_else(|| Arc::new(io::Error::other("the upload thread stopped")));
            return Some(self.upload_error(st, source));
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn client_errors_are_permanent_and_server_errors_are_not() {
        let generic = |msg: &str| object_store::Error::Generic {
            store: "S3",
            source: msg.to_string().into(),
        };
        assert!(is_permanent(&generic(
            "Server returned non-2xx status code: 400 Bad Request: x"
        )));
        assert!(!is_permanent(&generic(
            "Server returned non-2xx status code: 503 Service Unavailable: x"
        )));
        assert!(!is_permanent(&generic(
            "Server returned non-2xx status code: 429 Too Many Requests"
        )));
        assert!(!is_permanent(&generic("connection refused")));
        assert!(is_permanent(&object_store::Error::NotFound {
            path: "b".into(),
            source: "NoSuchBucket".to_string().into(),
        }));
    }
}
