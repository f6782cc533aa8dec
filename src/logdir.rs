//! Telling a logdir given as a URL (`s3://bucket/run`) from a local directory, for the
//! writer (which refuses URLs without the `object-store` feature) and for object storage.

/// The scheme of a logdir of the form `scheme://…` (a URL), such as `s3` in
/// `s3://bucket/run`: a scheme of at least two characters (a letter, then letters, digits,
/// `+`, `-` or `.`), so that a Windows drive (`C:/`) is not one.
pub(crate) fn url_scheme(logdir: &str) -> Option<&str> {
    let (scheme, _) = logdir.split_once("://")?;
    let mut chars = scheme.chars();
    let first = chars.next()?;
    (scheme.len() >= 2
        && first.is_ascii_alphabetic()
        && chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.')))
    .then_some(scheme)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_have_a_scheme_and_paths_do_not() {
        assert_eq!(url_scheme("s3://bucket/run"), Some("s3"));
        assert_eq!(url_scheme("gs://b/r"), Some("gs"));
        assert_eq!(url_scheme("file:///tmp/run"), Some("file"));
        assert_eq!(url_scheme("git+ssh://host/x"), Some("git+ssh"));
        for path in [
            "runs/a",
            "/tmp/runs",
            "C://runs",
            "c:/runs",
            "://x",
            "1s://x",
            "s 3://x",
        ] {
            assert_eq!(url_scheme(path), None, "{path}");
        }
    }
}
