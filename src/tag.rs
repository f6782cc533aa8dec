//! Tag rules.
//!
//! A tag names a series (`loss`, `conv1/weights`). TensorBoard accepts almost any string, but
//! some strings make a series hard or impossible to use: the dashboards group tags by the
//! part before the first `/`, the tag filter box and the custom-scalars dashboard treat what
//! you type as a regular expression, and control characters break the TSV and JSON that
//! TensorBoard exports. So this crate accepts a tag only when:
//!
//! | rule | rejected examples |
//! |---|---|
//! | it is not empty | `""` |
//! | every `/`-separated part is non-empty: no leading, trailing or doubled `/` | `/loss`, `loss/`, `a//b` |
//! | it has no control characters (`\n`, `\t`, `\0`, …) | `"loss\n"` |
//! | it has none of the regex metacharacters `\ ^ $ \| ? * + ( ) [ ] { }` | `acc(top-1)`, `loss+reg` |
//!
//! Everything else is allowed, including spaces, `.`, `-`, `_`, `:`, `@`, `=`, `,` and any
//! non-ASCII letter (`.` is a regex metacharacter too, but it matches itself, so a filter
//! typed as the tag still finds it). A tag that breaks a rule is an
//! [`crate::Error::InvalidTag`], never silently changed; call
//! [`sanitize_tag`] to turn an arbitrary string into a valid tag.
//!
//! Scope names ([`SummaryWriter::scope`](crate::SummaryWriter::scope)) follow the same rules
//! and are joined to tags with `/`.
//!
//! ```
//! use tensorboard_writer::tag::{validate_tag, sanitize_tag};
//!
//! assert!(validate_tag("conv1/weights").is_ok());
//! assert!(validate_tag("/loss").is_err());
//! assert!(validate_tag("acc(top-1)").is_err());
//! assert_eq!(sanitize_tag("/acc (top-1)//val/"), "acc _top-1_/val");
//! ```

use crate::error::{Error, Result};

const META: &[u8] = b"\\^$|?*+()[]{}";

/// Classes of ASCII bytes, looked up per byte on the hot path.
const fn ascii_class() -> [u8; 128] {
    let mut t = [0u8; 128];
    let mut i = 0;
    while i < 0x20 {
        t[i] = CONTROL;
        i += 1;
    }
    t[0x7f] = CONTROL;
    let mut j = 0;
    while j < META.len() {
        t[META[j] as usize] = REGEX;
        j += 1;
    }
    t[b'/' as usize] = SLASH;
    t
}
const OK: u8 = 0;
const CONTROL: u8 = 1;
const REGEX: u8 = 2;
const SLASH: u8 = 3;
static CLASS: [u8; 128] = ascii_class();

/// Checks `tag` against the [tag rules](self).
#[inline]
pub fn validate_tag(tag: &str) -> Result<()> {
    match check(tag.as_bytes()) {
        None => Ok(()),
        Some(reason) => Err(Error::InvalidTag {
            tag: tag.to_owned(),
            reason,
        }),
    }
}

#[inline]
fn check(bytes: &[u8]) -> Option<&'static str> {
    if bytes.is_empty() {
        return Some("a tag must not be empty");
    }
    let mut prev_slash = true; // a leading '/' counts as an empty first part
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        if b < 0x80 {
            match CLASS[b as usize] {
                OK => prev_slash = false,
                SLASH => {
                    if prev_slash {
                        return Some("empty part: no leading, trailing or doubled '/'");
                    }
                    prev_slash = true;
                }
                CONTROL => return Some("control characters are not allowed"),
                _ => {
                    return Some("regex metacharacters \\ ^ $ | ? * + ( ) [ ] { } are not allowed");
                }
            }
        } else {
            // C1 control characters U+0080..U+009F are encoded as C2 80..C2 9F.
            if b == 0xc2 && matches!(bytes.get(i + 1), Some(0x80..=0x9f)) {
                return Some("control characters are not allowed");
            }
            prev_slash = false;
        }
        i += 1;
    }
    if prev_slash {
        return Some("empty part: no leading, trailing or doubled '/'");
    }
    None
}

/// Turns any string into a valid tag: control characters and regex metacharacters become
/// `_`, empty `/`-separated parts are dropped, and an empty result becomes `_`.
pub fn sanitize_tag(raw: &str) -> String {
    let mut out = String::with_capacity(raw.len());
    for part in raw.split('/') {
        if part.is_empty() {
            continue;
        }
        if !out.is_empty() {
            out.push('/');
        }
        for c in part.chars() {
            let bad = c.is_control() || (c.is_ascii() && META.contains(&(c as u8)));
            out.push(if bad { '_' } else { c });
        }
    }
    if out.is_empty() {
        out.push('_');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_ordinary_tags() {
        for tag in [
            "loss",
            "conv1/weights",
            "a/b/c",
            "Train Loss",
            "lr=1e-3,conv=2",
            "acc@1",
            "conv1.weight",
            "epoch:loss",
            "Verlust/Übung",
            "损失",
            "-_.",
        ] {
            assert!(validate_tag(tag).is_ok(), "{tag:?} should be valid");
        }
    }

    #[test]
    fn rejects_each_rule_with_its_reason() {
        let cases: &[(&str, &str)] = &[
            ("", "empty"),
            ("/loss", "empty part"),
            ("loss/", "empty part"),
            ("a//b", "empty part"),
            ("/", "empty part"),
            ("loss\n", "control"),
            ("a\tb", "control"),
            ("a\0b", "control"),
            ("a\u{7f}", "control"),
            ("a\u{85}b", "control"),
            ("acc(top-1)", "regex"),
            ("loss+reg", "regex"),
            ("a|b", "regex"),
            ("a*", "regex"),
            ("a?", "regex"),
            ("[x]", "regex"),
            ("{x}", "regex"),
            ("^a", "regex"),
            ("a$", "regex"),
            ("a\\b", "regex"),
        ];
        for (tag, why) in cases {
            match validate_tag(tag) {
                Err(Error::InvalidTag { tag: t, reason }) => {
                    assert_eq!(&t, tag);
                    assert!(
                        reason.contains(why),
                        "{tag:?}: reason {reason:?} lacks {why:?}"
                    );
                }
                other => panic!("{tag:?}: expected InvalidTag, got {other:?}"),
            }
        }
    }

    #[test]
    fn sanitize_always_yields_a_valid_tag() {
        for raw in [
            "", "/", "//", "a\nb", "x(y)", "/a//b/", "\u{85}", "ok", "a+b/c*d",
        ] {
            let clean = sanitize_tag(raw);
            assert!(validate_tag(&clean).is_ok(), "{raw:?} -> {clean:?}");
        }
        assert_eq!(sanitize_tag("ok/tag"), "ok/tag");
        assert_eq!(sanitize_tag(""), "_");
        assert_eq!(sanitize_tag("a+b/c*d"), "a_b/c_d");
    }
}
