//! Hand-written protobuf encoding for the hot path.
//!
//! `add_scalar` is called millions of times, so its event is encoded directly into the
//! writer's buffer without building a message first. The bytes are the canonical encoding
//! `prost` produces for the same `Event` (tested in `event` and `tag_cache`), so the fast path
//! and the generic path cannot drift apart.
//!
//! - `event`: the protobuf fields of a scalar event (keys, varints, header, value).
//! - `prefix`: the bytes of a scalar event that depend only on its tag, and the record
//!   frame made from them on the stack.
//! - `tag_cache`: the per-thread cache of those prefixes, by tag.

mod event;
mod prefix;
mod tag_cache;

pub(crate) use event::{EventHeader, SimpleValue, summary_event_len, write_summary_event_head};
pub(crate) use prefix::SMALL_RECORD;
pub(crate) use tag_cache::{cache_prefix, with_cached_prefix};
