//! Opening a run in object storage: naming its objects after those already under the prefix,
//! and starting the upload thread.

use std::io;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use object_store::ObjectStore;
use parking_lot::{Condvar, Mutex};
use tokio::sync::Notify;

use super::settings::RemoteSettings;
use super::sink::ObjectSink;
use super::target::{Target, join_url};
use super::uploader::{UpState, Uploader, UploaderExit, after};
use crate::error::{Error, Result};
use crate::event_file;

/// Opens a run in `target`: starts the uploader thread, which lists the prefix (best effort)
/// to name the new objects so that they sort after every event file already there. Returns
/// the name of the first segment object (for `SummaryWriter::path`), the sink the event-file
/// writer writes into, and the uploader.
pub(crate) fn open(
    target: Target,
    settings: &RemoteSettings,
    suffix: &str,
) -> Result<(PathBuf, ObjectSink, Arc<Uploader>)> {
    settings.validate()?;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| Error::io("starting the upload runtime for", &target.url, e))?;
    let up = Arc::new(Uploader {
        url: target.url.clone(),
        prefix: target.prefix.clone(),
        suffix: suffix.to_owned(),
        segment_bytes: settings.segment_bytes as u64,
        segment_uploads: settings.segment_uploads,
        max_spool_bytes: settings.max_spool_bytes as u64,
        timeout: settings.upload_timeout,
        state: Mutex::new(UpState::default()),
        progress: Condvar::new(),
        wake: Notify::new(),
        cancel: Notify::new(),
        thread: Mutex::new(None),
    });
    let up2 = up.clone();
    let store = target.store.clone();
    let handle = std::thread::Builder::new()
        .name("tensorboard-upload".into())
        .spawn(move || {
            let _guard = UploaderExit(up2.clone());
            runtime.block_on(async move {
                let stem = name_stem(&*store, &up2).await;
                {
                    let mut st = up2.state.lock();
                    st.stem = Some(stem);
                }
                up2.progress.notify_all();
                up2.run(&*store).await;
            });
        })
        .map_err(|e| Error::io("starting the upload thread for", &target.url, e))?;
    *up.thread.lock() = Some(handle);
    // Wait for the names. The listing is bounded by `upload_timeout`; the margin is for a
    // thread that is slow to start.
    let deadline = after(
        Instant::now(),
        settings
            .upload_timeout
            .saturating_add(Duration::from_secs(5)),
    );
    let first = {
        let mut st = up.state.lock();
        loop {
            if let Some(stem) = &st.stem {
                break format!("{stem}.{:06}{}", 0, up.suffix);
            }
            if st.exited || up.progress.wait_until(&mut st, deadline).timed_out() {
                drop(st);
                up.abandon();
                return Err(Error::Upload {
                    url: up.url.clone(),
                    pending_bytes: 0,
                    source: Arc::new(io::Error::other("the upload thread did not start")),
                });
            }
        }
    };
    let path = PathBuf::from(join_url(&up.url, &first));
    Ok((path, ObjectSink { up: up.clone() }, up))
}

/// Picks the name stem `events.out.tfevents.<secs>.<host>.<pid>.<counter>` of a new run's
/// objects, sorting after every event file under the prefix (one LIST, best effort: a failed
/// listing is ignored, and the first PUT reports what is wrong with the store).
async fn name_stem(store: &dyn ObjectStore, up: &Uploader) -> String {
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0);
    let prefix = (!up.prefix.as_ref().is_empty()).then_some(&up.prefix);
    let listing = tokio::time::timeout(up.timeout, store.list_with_delimiter(prefix)).await;
    let existing: Vec<String> = match listing {
        Ok(Ok(list)) => list
            .objects
            .iter()
            .filter_map(|o| o.location.filename().map(str::to_owned))
            .collect(),
        _ => Vec::new(),
    };
    let host = event_file::hostname();
    let pid = std::process::id();
    loop {
        let counter = event_file::next_file_counter();
        let seg0 = format!(".{:06}{}", 0, up.suffix);
        let candidate = event_file::event_file_name(now, &host, pid, counter, &seg0);
        let secs = event_file::name_secs_among(now, &candidate, &existing);
        let stem = event_file::event_file_name(secs, &host, pid, counter, "");
        // A name already taken (a process that reused our pid in the same second, or the
        // same host's clock set back): the next counter.
        if !existing.iter().any(|n| n.starts_with(&stem)) {
            return stem;
        }
    }
}
