//! The host name in event file names.

/// This machine's host name (the `gethostname` crate: `uname`'s node name on Unix,
/// `GetComputerNameExW` on Windows), made safe for a file name.
pub(crate) fn hostname() -> String {
    file_safe(&gethostname::gethostname().to_string_lossy())
}

/// `raw` with every character but ASCII letters, digits, `-`, `.` and `_` replaced by `_`;
/// `localhost` when nothing is left.
fn file_safe(raw: &str) -> String {
    let clean: String = raw
        .trim()
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '.' || c == '_' {
                c
            } else {
                '_'
            }
        })
        .collect();
    if clean.is_empty() {
        "localhost".to_owned()
    } else {
        clean
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn host_names_are_file_safe() {
        assert_eq!(file_safe("build-01.example.org"), "build-01.example.org");
        assert_eq!(file_safe(" my host/é\n"), "my_host__");
        assert_eq!(file_safe(""), "localhost");
        assert_eq!(file_safe("  "), "localhost");
        // This machine's name, as the system reports it, is what files are named after.
        let name = hostname();
        assert!(!name.is_empty());
        assert_eq!(
            name,
            file_safe(&gethostname::gethostname().to_string_lossy())
        );
        #[cfg(target_os = "linux")]
        if let Ok(kernel) = std::fs::read_to_string("/proc/sys/kernel/hostname") {
            assert_eq!(name, file_safe(&kernel));
        }
    }
}
