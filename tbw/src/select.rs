//! `--run`, `--tag` and `--kind`: which series a command reads.

use tensorboard_writer::reader::Kind;

use crate::Selection;

/// A `--kind`: a kind of series in the event files, or the projector's embeddings (read from
/// `projector_config.pbtxt`, not from event files).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KindArg {
    Series(Kind),
    Embeddings,
}

impl std::str::FromStr for KindArg {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "embeddings" => Ok(KindArg::Embeddings),
            s => s.parse().map(KindArg::Series).map_err(|_| {
                let names: Vec<_> = Kind::ALL.iter().map(|k| k.name()).collect();
                format!(
                    "unknown kind {s:?} (one of: {}, embeddings)",
                    names.join(", ")
                )
            }),
        }
    }
}

/// `*` matches any run of characters, `?` any one character; everything else itself.
pub fn glob(pattern: &str, text: &str) -> bool {
    let (p, t): (Vec<char>, Vec<char>) = (pattern.chars().collect(), text.chars().collect());
    // The classic two-pointer match with backtracking to the last `*`.
    let (mut i, mut j) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while j < t.len() {
        match p.get(i) {
            Some('*') => {
                star = Some((i, j));
                i += 1;
            }
            Some(&c) if c == '?' || c == t[j] => {
                i += 1;
                j += 1;
            }
            _ => match star {
                Some((si, sj)) => {
                    i = si + 1;
                    j = sj + 1;
                    star = Some((si, sj + 1));
                }
                None => return false,
            },
        }
    }
    p[i..].iter().all(|&c| c == '*')
}

impl Selection {
    pub fn wants_run(&self, run: &str) -> bool {
        self.runs.is_empty() || self.runs.iter().any(|p| glob(p, run))
    }

    pub fn wants_series(&self, tag: &str, kind: Kind) -> bool {
        (self.kinds.is_empty() || self.kinds.contains(&KindArg::Series(kind)))
            && self.wants_tag(tag)
    }

    pub fn wants_tag(&self, tag: &str) -> bool {
        self.tags.is_empty() || self.tags.iter().any(|p| glob(p, tag))
    }

    /// Whether the projector's embeddings are asked for (named by their tensor name).
    pub fn wants_embedding(&self, name: &str) -> bool {
        (self.kinds.is_empty() || self.kinds.contains(&KindArg::Embeddings)) && self.wants_tag(name)
    }

    /// The series filter for a `RunReader` (owned: the reader keeps it).
    pub fn filter(&self) -> impl FnMut(&str, Kind) -> bool + Send + 'static {
        let s = self.clone();
        move |tag, kind| s.wants_series(tag, kind)
    }
}

#[cfg(test)]
mod tests {
    use super::glob;

    #[test]
    fn wildcards() {
        assert!(glob("loss", "loss"));
        assert!(!glob("loss", "loss/train"));
        assert!(glob("loss*", "loss/train"));
        assert!(glob("*/train", "loss/train"));
        assert!(glob("l?ss", "loss"));
        assert!(glob("*a*b*", "xaybz"));
        assert!(!glob("*a*b", "xaybz"));
        assert!(glob("*", ""));
        assert!(!glob("?", ""));
    }
}
