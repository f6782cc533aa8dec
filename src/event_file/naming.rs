//! Event file names (`events.out.tfevents.<secs>.<host>.<pid>.<counter>`), chosen to sort
//! after the files already there, and creating a file under a new one.

use std::fs::{File, OpenOptions};
use std::io;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

use super::host::hostname;
use crate::error::{Error, Result};

static FILE_COUNTER: AtomicU64 = AtomicU64::new(0);

const NAME_PREFIX: &str = "events.out.tfevents.";

/// `events.out.tfevents.<secs:010>.<hostname>.<pid>.<counter:06><suffix>`.
///
/// The counter is global to the process and zero-padded, so files a process creates in one
/// second sort in creation order.
pub(crate) fn event_file_name(
    secs: u64,
    host: &str,
    pid: u32,
    counter: u64,
    suffix: &str,
) -> String {
    format!("{NAME_PREFIX}{secs:010}.{host}.{pid}.{counter:06}{suffix}")
}

/// The seconds field of a name of the form `events.out.tfevents.<10 digits>.…`.
fn name_secs(name: &str) -> Option<u64> {
    let digits = name.strip_prefix(NAME_PREFIX)?.get(..10)?;
    if digits.bytes().all(|b| b.is_ascii_digit()) {
        digits.parse().ok()
    } else {
        None
    }
}

/// The last (in name order) event file name of the `events.out.tfevents.<secs>` form in
/// `dir` that a new file created at `now` must sort after (see [`name_secs_after`]). Best
/// effort: an unreadable directory gives `None`.
fn last_event_file_name(dir: &Path, now: u64) -> Option<String> {
    std::fs::read_dir(dir)
        .ok()?
        .filter_map(|entry| entry.ok()?.file_name().into_string().ok())
        .filter(|name| name_secs(name).is_some_and(|secs| must_follow(secs, now)))
        .max()
}

/// Whether a new file created at `now` must sort after an existing one dated `secs`: one
/// from this second or before, or from more than a second ahead (the clock went back since).
/// A file dated exactly one second ahead is one that was itself moved forward a second, by a
/// writer running beside this one: following it too would push the names of writers that
/// keep creating files in one directory further and further into the future, while the
/// order of files that are written at the same time cannot matter anyway.
fn must_follow(secs: u64, now: u64) -> bool {
    secs != now.saturating_add(1)
}

/// The seconds to put in a new file's name: `now`, or, when `last` (from
/// [`last_event_file_name`]) would sort after `candidate` (a file from another process or
/// host created in the same second, or a clock that went back), one second past `last`'s, so
/// that the new file sorts last. TensorBoard's Python loader reads a run's files in name
/// order and never returns to an earlier one, so a new file sorting before an old one would
/// never be read.
fn name_secs_after(now: u64, candidate: &str, last: Option<&str>) -> u64 {
    match last.and_then(|l| Some((l, name_secs(l)?))) {
        Some((last, secs)) if candidate <= last => now.max(secs.saturating_add(1)),
        _ => now,
    }
}

/// The seconds to put in the name of a new event file that is not in a local directory (an
/// object in object storage), given the names of the objects already beside it: the same
/// rule as [`create_event_file`]'s, with `candidate` the new name at `now`.
#[cfg(feature = "object-store")]
pub(crate) fn name_secs_among(now: u64, candidate: &str, existing: &[String]) -> u64 {
    let last = existing
        .iter()
        .filter(|name| name_secs(name).is_some_and(|secs| must_follow(secs, now)))
        .max();
    name_secs_after(now, candidate, last.map(String::as_str))
}

/// The next value of the process-wide counter in event file names.
#[cfg(feature = "object-store")]
pub(crate) fn next_file_counter() -> u64 {
    FILE_COUNTER.fetch_add(1, Ordering::Relaxed)
}

/// Creates `dir` if needed and a new, uniquely named event file in it, named to sort after
/// every event file already there (see [`name_secs_after`]). With `durable`, the directory
/// is synced too, so that the new file's name survives a power loss.
///
/// Names never collide: `create_new` refuses an existing name, and a taken name (another
/// process that reused our pid in the same second) moves on to the next counter.
pub(crate) fn create_event_file(
    dir: &Path,
    suffix: &str,
    durable: bool,
) -> Result<(PathBuf, File)> {
    std::fs::create_dir_all(dir).map_err(|e| Error::io("creating directory", dir, e))?;
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0);
    let host = hostname();
    let pid = std::process::id();
    let last = last_event_file_name(dir, now);
    loop {
        let counter = FILE_COUNTER.fetch_add(1, Ordering::Relaxed);
        let candidate = event_file_name(now, &host, pid, counter, suffix);
        let secs = name_secs_after(now, &candidate, last.as_deref());
        let path = dir.join(event_file_name(secs, &host, pid, counter, suffix));
        match OpenOptions::new().write(true).create_new(true).open(&path) {
            Ok(file) => {
                if durable {
                    if let Err(e) = sync_dir(dir) {
                        // Leave no empty file behind for an error the caller gets.
                        drop(file);
                        let _ = std::fs::remove_file(&path);
                        return Err(e);
                    }
                }
                return Ok((path, file));
            }
            // Another writer (say, a process that reused our pid) took the name: next counter.
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => continue,
            Err(e) => return Err(Error::io("creating event file", path, e)),
        }
    }
}

/// Syncs a directory, so that the entries just created in it are durable.
#[cfg(unix)]
fn sync_dir(dir: &Path) -> Result<()> {
    match File::open(dir).and_then(|d| d.sync_all()) {
        // Some file systems cannot sync a directory; there is nothing more to do there.
        Err(e) if e.kind() == io::ErrorKind::InvalidInput => Ok(()),
        Err(e) => Err(Error::io("syncing directory", dir, e)),
        Ok(()) => Ok(()),
    }
}

/// Directory entries cannot be synced separately here.
#[cfg(not(unix))]
fn sync_dir(_dir: &Path) -> Result<()> {
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_names_sort_by_time_and_hold_pid_and_counter() {
        let a = event_file_name(999, "host", 42, 0, "");
        let b = event_file_name(1_000, "host", 42, 1, ".v2");
        assert_eq!(a, "events.out.tfevents.0000000999.host.42.000000");
        assert_eq!(b, "events.out.tfevents.0000001000.host.42.000001.v2");
        assert!(a < b);
        // Writer 10 of a process sorts after writer 9 of the same second.
        assert!(event_file_name(5, "h", 1, 9, "") < event_file_name(5, "h", 1, 10, ""));
        assert_eq!(name_secs(&a), Some(999));
        assert_eq!(name_secs("events.out.tfevents.12.h"), None);
        assert_eq!(name_secs("x.events.out.tfevents.0000000999.h"), None);
    }

    #[test]
    fn new_names_sort_after_every_existing_file() {
        let ours = event_file_name(1_000, "host", 99_999, 0, "");
        // Nothing there, or everything there sorts before: the time as it is.
        assert_eq!(name_secs_after(1_000, &ours, None), 1_000);
        let older = event_file_name(999, "zzz", 1, 0, "");
        assert_eq!(name_secs_after(1_000, &ours, Some(&older)), 1_000);
        // Same second, a name that sorts after ours (another host, or a restarted process
        // whose pid has more digits): one second later.
        for last in [
            event_file_name(1_000, "zzz", 1, 0, ""),
            event_file_name(1_000, "host", 100_000, 0, "").replace("100000", "9999999"),
        ] {
            let secs = name_secs_after(1_000, &ours, Some(&last));
            assert_eq!(secs, 1_001);
            assert!(event_file_name(secs, "host", 99_999, 0, "") > last);
        }
        // Files to follow: this second, earlier, or far ahead; not one second ahead (a
        // writer beside us that moved its own name forward).
        assert!(must_follow(1_000, 1_000) && must_follow(999, 1_000) && must_follow(1_002, 1_000));
        assert!(!must_follow(1_001, 1_000));
        // A clock that went back an hour.
        let future = event_file_name(4_600, "host", 7, 3, ".v2");
        let secs = name_secs_after(1_000, &ours, Some(&future));
        assert_eq!(secs, 4_601);
        assert!(event_file_name(secs, "host", 99_999, 0, "") > future);
    }

    #[test]
    fn two_files_created_in_the_same_second_differ() {
        let dir = tempfile::tempdir().unwrap();
        let (p1, _) = create_event_file(dir.path(), "", false).unwrap();
        let (p2, _) = create_event_file(dir.path(), "", true).unwrap();
        assert!(p1 < p2);
        assert_ne!(p1, p2);
        assert!(
            p1.file_name()
                .unwrap()
                .to_str()
                .unwrap()
                .contains("tfevents")
        );
    }
}
