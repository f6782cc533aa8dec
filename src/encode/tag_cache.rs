//! The per-thread cache of [`ScalarPrefix`]es: logging a tag this thread logged before
//! skips checking and encoding it.

use super::prefix::ScalarPrefix;

/// Entries of the per-thread tag cache's table by address (pairs of two ways each).
const CACHE_SLOTS: usize = 64;

/// Entries of the per-thread tag cache's table by content (pairs of two ways each).
const CONTENT_SLOTS: usize = 512;

/// Recently logged tags of this thread, so that logging a tag again skips checking and
/// encoding it: a table of two-way pairs indexed by where the tag's bytes are and their
/// first word (the fast path), backed by a larger one indexed by a hash of every byte,
/// [`BY_CONTENT`] (for a tag logged from a new address whose pair holds other tags, and for
/// loops logging more tags than this table holds). Every hit is checked against the tag's
/// bytes. A hit in either way of a pair is used where it is (moving it to the front would
/// copy two entries, which costs more than it saves); a new entry goes to the front and
/// pushes the front one back. Per thread, so neither needs a lock; this one holds plain
/// bytes in a `const`-initialised thread-local, so reaching it costs no initialisation
/// check and it needs no destructor.
struct TagCache {
    by_address: [ScalarPrefix; CACHE_SLOTS],
}

std::thread_local! {
    static TAG_CACHE: std::cell::RefCell<TagCache> = const {
        std::cell::RefCell::new(TagCache {
            by_address: [ScalarPrefix::EMPTY; CACHE_SLOTS],
        })
    };

    /// The tag cache's table by content: on the heap, made by a thread's first miss.
    static BY_CONTENT: std::cell::RefCell<Vec<ScalarPrefix>> = const {
        std::cell::RefCell::new(Vec::new())
    };
}

/// The `by_address` slot (even: the first of its pair) for `tag` under `scope_id`.
///
/// From the tag's address and length, which are in registers when the call starts, and its
/// first word (4 bytes for tags of 4 to 7 bytes, none below), one load that the check
/// makes anyway: a short chain before the slot's loads, where a hash of every byte would
/// be a long one. The word spreads tags built anew at one address (a `format!` in the loop
/// gets the same allocation every time) over the pairs, which the address alone would put
/// in the few pairs of their lengths.
#[inline]
fn address_slot(scope_id: u64, tag: &[u8]) -> usize {
    let a = tag.as_ptr() as usize as u64;
    let w = match tag.first_chunk::<8>() {
        Some(w) => u64::from_le_bytes(*w),
        None => match tag.first_chunk::<4>() {
            Some(w) => u32::from_le_bytes(*w) as u64,
            None => 0,
        },
    };
    let h = a
        ^ (a >> 6)
        ^ (a >> 11)
        ^ tag.len() as u64
        ^ (scope_id ^ w).wrapping_mul(0x9e37_79b9_7f4a_7c15) >> 57;
    (h as usize) & (CACHE_SLOTS - 2)
}

/// The [`BY_CONTENT`] slot (even: the first of its pair) for `tag` under `scope_id`: a
/// hash of every byte of the tag, a word at a time (the last word overlapping the one
/// before when the length is not a multiple of 8; the length is hashed too).
#[inline]
fn content_slot(scope_id: u64, tag: &[u8]) -> usize {
    const K: u64 = 0x9e37_79b9_7f4a_7c15;
    let n = tag.len();
    let mut h = scope_id ^ (n as u64).wrapping_mul(0x2545_f491_4f6c_dd1d);
    let mut mix = |w: u64| h = (h.rotate_left(23) ^ w).wrapping_mul(K);
    let mut rest = tag;
    while let Some((w, tail)) = rest.split_first_chunk::<8>() {
        mix(u64::from_le_bytes(*w));
        rest = tail;
    }
    if !rest.is_empty() {
        if let Some(last) = tag.last_chunk::<8>() {
            mix(u64::from_le_bytes(*last));
        } else if let (Some(a), Some(b)) = (tag.first_chunk::<4>(), tag.last_chunk::<4>()) {
            mix(u64::from(u32::from_le_bytes(*a)) | u64::from(u32::from_le_bytes(*b)) << 32);
        } else {
            mix(tag.iter().fold(0, |w, &b| w << 8 | u64::from(b)));
        }
    }
    ((h.wrapping_mul(K) >> 55) as usize) & (CONTENT_SLOTS - 2)
}

/// The entry of `tag` under `scope_id` in the two ways `a` and `b` of a pair, if either
/// holds it.
#[inline]
fn either<'a>(
    a: &'a ScalarPrefix,
    b: &'a ScalarPrefix,
    scope_id: u64,
    tag: &[u8],
) -> Option<&'a ScalarPrefix> {
    if a.is_for(scope_id, tag) {
        Some(a)
    } else if b.is_for(scope_id, tag) {
        Some(b)
    } else {
        None
    }
}

/// Puts `prefix` in the first way of the pair starting at `i`, the entry there moving to
/// the second (whose entry is dropped).
#[inline]
fn push_front(slots: &mut [ScalarPrefix], i: usize, prefix: ScalarPrefix) {
    slots[i + 1] = slots[i];
    slots[i] = prefix;
}

/// Runs `f` on the prefix of `tag` under `scope_id` in [`BY_CONTENT`], if it is there.
#[cold]
fn with_content_prefix<R>(
    scope_id: u64,
    tag: &[u8],
    f: impl FnOnce(&ScalarPrefix) -> R,
) -> Option<R> {
    let j = content_slot(scope_id, tag);
    BY_CONTENT
        .try_with(|table| {
            let table = table.borrow();
            let pair = table.get(j..j + 2)?;
            either(&pair[0], &pair[1], scope_id, tag).map(f)
        })
        .ok()
        .flatten()
}

/// Runs `f` on the cached prefix of `tag` under the scope `scope_id`, if this thread has
/// one (which means the tag was checked already).
#[inline]
pub(crate) fn with_cached_prefix<R>(
    scope_id: u64,
    tag: &str,
    f: impl FnOnce(&ScalarPrefix) -> R,
) -> Option<R> {
    let bytes = tag.as_bytes();
    let i = address_slot(scope_id, bytes);
    // A thread being torn down has no cache any more: a miss.
    let looked = TAG_CACHE.try_with(move |cache| {
        let slots = &cache.borrow().by_address;
        match either(&slots[i], &slots[i + 1], scope_id, bytes) {
            Some(prefix) => Ok(f(prefix)),
            None => Err(f),
        }
    });
    match looked {
        Ok(Ok(r)) => Some(r),
        // Logged from another address, or pushed out by other tags.
        Ok(Err(f)) => with_content_prefix(scope_id, bytes, f),
        Err(_) => None,
    }
}

/// The prefix of `tag` under `scope` (whose id is `scope_id`), which the caller has
/// checked against the tag rules, put in this thread's cache; `None` when the tag is too
/// long for a stack-encoded record.
pub(crate) fn cache_prefix(scope_id: u64, scope: &str, tag: &str) -> Option<ScalarPrefix> {
    let prefix = ScalarPrefix::new(scope_id, scope, tag)?;
    let i = address_slot(scope_id, tag.as_bytes());
    let j = content_slot(scope_id, tag.as_bytes());
    let _ = TAG_CACHE.try_with(|cache| push_front(&mut cache.borrow_mut().by_address, i, prefix));
    let _ = BY_CONTENT.try_with(|table| {
        let mut table = table.borrow_mut();
        if table.is_empty() {
            table.resize(CONTENT_SLOTS, ScalarPrefix::EMPTY);
        }
        push_front(&mut table, j, prefix);
    });
    Some(prefix)
}

#[cfg(test)]
mod tests {
    use super::super::event::tests::fast;
    use super::super::event::{EventHeader, SimpleValue};
    use super::super::prefix::SMALL_RECORD;
    use super::*;

    /// The record frame `wire::append_unsealed` makes for prost's encoding of the event.
    fn reference_frame(h: EventHeader, scope: &str, tag: &str, value: f32) -> Vec<u8> {
        let payload = fast(h, scope, tag, value);
        let mut frame = Vec::new();
        crate::wire::append_unsealed(&mut frame, payload.len(), |out| {
            out.extend_from_slice(&payload)
        });
        frame
    }

    fn cached_frame(h: EventHeader, scope_id: u64, scope: &str, tag: &str, value: f32) -> Vec<u8> {
        let mut frame = [0xffu8; SMALL_RECORD];
        let len = match with_cached_prefix(scope_id, tag, |p| p.frame(&h, value, &mut frame)) {
            Some(len) => len,
            None => cache_prefix(scope_id, scope, tag)
                .expect("short enough")
                .frame(&h, value, &mut frame),
        };
        frame[..len].to_vec()
    }

    #[test]
    fn cached_scalar_frames_equal_the_reference_encoding() {
        let longest = "t".repeat(80);
        for (wall_time, step) in [
            (1.7e9, 42i64),
            (0.0, 0),
            (1.5, -3),
            (2.0, i64::MAX),
            (3.0, i64::MIN),
            (4.0, 127),
            (5.0, 128),
        ] {
            let h = EventHeader { wall_time, step };
            for (scope_id, scope, tag) in [
                (0, "", "loss"),
                (0, "", "x"),
                (0, "", "ab"),
                (0, "", "train/accuracy_top5"),
                (7, "conv1", "weights"),
                (8, "a/b", "c"),
                (0, "", longest.as_str()),
            ] {
                // Twice: the miss that fills the cache, then the hit.
                for _ in 0..2 {
                    assert_eq!(
                        cached_frame(h, scope_id, scope, tag, 0.5),
                        reference_frame(h, scope, tag, 0.5),
                        "{scope:?} {tag:?} {wall_time} {step}"
                    );
                }
            }
        }
    }

    #[test]
    fn every_tag_length_encodes_right_on_both_sides_of_the_short_copy() {
        let h = EventHeader {
            wall_time: 3.25,
            step: 1 << 40,
        };
        for n in 1..=80 {
            let tag: String = (0..n).map(|i| (b'a' + (i % 26) as u8) as char).collect();
            let got = cached_frame(h, 0, "", &tag, -1.5);
            assert_eq!(got, reference_frame(h, "", &tag, -1.5), "{n}-byte tag");
            // The prefix: 6 key and length bytes, the tag, the Value.simple_value key; so
            // it crosses SHORT_PREFIX between 25- and 26-byte tags.
            assert_eq!(cache_prefix(0, "", &tag).unwrap().len, n + 7);
        }
    }

    #[test]
    fn merged_values_from_the_cache_equal_the_reference_encoding() {
        for (scope_id, scope, tag) in [(0, "", "val/f1"), (3, "s", "lr")] {
            let p = cache_prefix(scope_id, scope, tag).unwrap();
            let mut got = Vec::new();
            p.append_value(0.125, &mut got);
            let mut want = Vec::new();
            SimpleValue {
                scope,
                tag,
                value: 0.125,
            }
            .write_field(&mut want);
            assert_eq!(got, want);
        }
    }

    #[test]
    fn prefixes_too_long_for_a_stack_record_are_not_cached() {
        // 12 + 9 + 11 + prefix + 4 + 4 must fit in SMALL_RECORD.
        for n in 75..100 {
            let tag = "t".repeat(n);
            match cache_prefix(0, "", &tag) {
                Some(p) => {
                    let h = EventHeader {
                        wall_time: 1.0,
                        step: i64::MIN,
                    };
                    let mut frame = [0; SMALL_RECORD];
                    let len = p.frame(&h, 1.0, &mut frame);
                    assert_eq!(frame[..len], reference_frame(h, "", &tag, 1.0)[..]);
                }
                None => assert!(n > 80, "a {n}-byte tag was not cached"),
            }
        }
    }

    #[test]
    fn the_cache_compares_contents_scopes_and_lengths() {
        // Same buffer, other contents (a `String` reused for another tag).
        let mut tag = String::from("abcdefghij");
        cache_prefix(0, "", &tag).unwrap();
        tag.replace_range(9..10, "k");
        assert!(with_cached_prefix(0, &tag, |_| ()).is_none());
        tag.replace_range(9..10, "j");
        assert!(with_cached_prefix(0, &tag, |_| ()).is_some());
        // Same tag under another scope.
        assert!(with_cached_prefix(1, &tag, |_| ()).is_none());
        // Prefixes and extensions of a cached tag; every length class of `same_bytes`.
        for t in [
            "a",
            "ab",
            "abc",
            "abcd",
            "abcdefg",
            "abcdefgh",
            "abcdefghi",
            "x".repeat(17).as_str(),
        ] {
            cache_prefix(0, "", t).unwrap();
            for other in [
                &t[..t.len() - 1],
                &format!("{t}z"),
                &format!("z{}", &t[1..]),
            ] {
                if !other.is_empty() && other != t {
                    let hit = with_cached_prefix(0, other, |_| ());
                    assert!(
                        hit.is_none()
                            || with_cached_prefix(0, other, |p| p.tag_len) == Some(other.len()),
                    );
                    // Whatever the cache holds, the bytes come out right.
                    let h = EventHeader {
                        wall_time: 1.0,
                        step: 1,
                    };
                    assert_eq!(
                        cached_frame(h, 0, "", other, 2.0),
                        reference_frame(h, "", other, 2.0)
                    );
                }
            }
        }
    }

    #[test]
    fn many_tags_evicting_each_other_still_encode_right() {
        let tags: Vec<String> = (0..200).map(|i| format!("layer{i}/grad_norm")).collect();
        let h = EventHeader {
            wall_time: 2.5,
            step: 300,
        };
        for round in 0..3 {
            for (i, tag) in tags.iter().enumerate() {
                let scope_id = (i % 3) as u64;
                let scope = ["", "s1", "s2"][i % 3];
                assert_eq!(
                    cached_frame(h, scope_id, scope, tag, round as f32),
                    reference_frame(h, scope, tag, round as f32),
                    "{tag}"
                );
            }
        }
    }

    #[test]
    fn tags_from_other_addresses_are_found_by_their_bytes() {
        let h = EventHeader {
            wall_time: 1.0,
            step: 9,
        };
        // More tags than the table by address holds, cached from one set of strings...
        let originals: Vec<String> = (0..200).map(|i| format!("layer{i}/grad_norm")).collect();
        for t in &originals {
            cache_prefix(0, "", t).unwrap();
        }
        // ... are found from copies at other addresses: by content.
        let copies: Vec<String> = originals.clone();
        let hits = copies
            .iter()
            .filter(|c| {
                assert_ne!(c.as_ptr(), originals[0].as_ptr());
                let mut frame = [0u8; SMALL_RECORD];
                match with_cached_prefix(0, c, |p| p.frame(&h, 0.5, &mut frame)) {
                    Some(len) => {
                        assert_eq!(frame[..len], reference_frame(h, "", c, 0.5)[..], "{c}");
                        true
                    }
                    None => false,
                }
            })
            .count();
        assert!(hits >= 180, "only {hits} of 200 found by content");
        // Under another scope they are other tags.
        assert!(with_cached_prefix(1, &copies[199], |_| ()).is_none());
        // A tag from the table by content is never taken for another tag of its pair.
        for c in &copies {
            let other = format!("{c}x");
            assert!(with_cached_prefix(0, &other, |_| ()).is_none(), "{other}");
        }
    }

    /// Whether this thread's table by address (not the one by content) has `tag`.
    fn in_address_table(scope_id: u64, tag: &str) -> bool {
        let i = address_slot(scope_id, tag.as_bytes());
        TAG_CACHE.with(|cache| {
            let slots = &cache.borrow().by_address;
            either(&slots[i], &slots[i + 1], scope_id, tag.as_bytes()).is_some()
        })
    }

    #[test]
    fn tags_built_at_one_address_spread_over_the_table_by_address() {
        use std::fmt::Write;
        // A tag built anew for every call (`&format!(…)`) gets the same allocation each
        // time: one address, and here two lengths. Slots from the address and length alone
        // would hold at most 4 of these 20 (two pairs); the first word spreads them.
        let mut buf = String::with_capacity(64);
        let at = buf.as_ptr();
        let tag = |buf: &mut String, i: usize| {
            buf.clear();
            write!(buf, "layer{i}/grad_norm").unwrap();
            assert_eq!(buf.as_ptr(), at);
        };
        for i in 0..20 {
            tag(&mut buf, i);
            cache_prefix(0, "", &buf).unwrap();
        }
        let found = (0..20)
            .filter(|&i| {
                tag(&mut buf, i);
                in_address_table(0, &buf)
            })
            .count();
        assert!(found >= 12, "only {found} of 20 in the table by address");
    }

    #[test]
    fn random_sequences_of_tags_always_encode_right() {
        // Tags from stable strings, from fresh copies, and from one buffer rewritten in
        // place to other tags of the same length (the same address, other bytes), under
        // three scopes, in a random order: every frame must be the reference encoding.
        // A 64-bit LCG's high bits: enough to pick among a few hundred cases.
        let mut x = 11u64;
        let mut below = |n: u64| {
            x = x
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1_442_695_040_888_963_407);
            (x >> 33) % n
        };
        let pool: Vec<String> = (0..150)
            .map(|i| match i % 3 {
                0 => format!("layer{i}/grad_norm"),
                1 => format!("m{i:03}"),
                _ => format!("val/metric_{i}"),
            })
            .collect();
        let mut reused = String::from("m000");
        for n in 0..60_000u64 {
            let k = below(pool.len() as u64) as usize;
            let fresh;
            let tag: &str = match below(4) {
                0 | 1 => &pool[k],
                2 => {
                    fresh = pool[k].clone();
                    &fresh
                }
                _ => {
                    // Rewritten in place: same length, same buffer.
                    let d = below(1000);
                    reused.replace_range(1..4, &format!("{d:03}"));
                    &reused
                }
            };
            let scope_id = below(3);
            let scope = ["", "s1", "a/b"][scope_id as usize];
            let h = EventHeader {
                wall_time: 1.0 + n as f64,
                step: n as i64,
            };
            assert_eq!(
                cached_frame(h, scope_id, scope, tag, n as f32),
                reference_frame(h, scope, tag, n as f32),
                "{scope:?} {tag:?} at {n}"
            );
        }
    }
}
