use super::embedding::Embedding;
use super::files::*;
use super::metadata::Metadata;
use crate::error::Error;

#[test]
fn dir_names() {
    assert_eq!(dir_name("words"), "words");
    assert_eq!(dir_name("enc/words v2.1"), "enc%2Fwords%20v2.1");
    assert_eq!(dir_name(".."), "%2E.");
    assert_eq!(dir_name(".hidden"), "%2Ehidden");
    assert_eq!(dir_name("é:%"), "%C3%A9%3A%25");
    let long = "x".repeat(150);
    let name = dir_name(&long);
    assert_eq!(name.len(), MAX_DIR_NAME);
    assert!(name.starts_with(&"x".repeat(91)), "{name}");
    assert_eq!(
        name[91..],
        format!("~{:08x}", crc32c::crc32c(long.as_bytes()))
    );
    assert_ne!(dir_name(&"x".repeat(151)), name);
}

#[test]
fn f64_out_of_f32_range_is_an_error_and_nan_is_reported_with_position() {
    let e = Embedding::new("t", &[1.0f64, 1e300, 0.0, 0.0], [2, 2]);
    let Err(Error::InvalidInput { reason, .. }) = prepare(&e) else {
        panic!()
    };
    assert!(reason.contains("element 1 is 1e300"), "{reason}");
    let e = Embedding::new("t", &[1.0f64, 2.0, 3.0, f64::NAN], [2, 2]);
    let Err(Error::InvalidInput { reason, .. }) = prepare(&e) else {
        panic!()
    };
    assert!(reason.contains("row 1, column 1 is NaN"), "{reason}");
    let e = Embedding::from_rows("t", &[[1.0f64, 2.0], [f64::MAX, 0.0]]);
    let Err(Error::InvalidInput { reason, .. }) = prepare(&e) else {
        panic!()
    };
    assert!(reason.contains("row 1, column 0"), "{reason}");
}

#[test]
fn single_column_table_has_no_header() {
    let t = Metadata::table(["only"], [["a"], ["b"]]).unwrap();
    assert_eq!(t.to_tsv(), "a\nb\n");
    let mut l = Metadata::labels(["x", "y"]);
    l.add_column("n", [1, 2]).unwrap();
    assert_eq!(l.to_tsv(), "label\tn\nx\t1\ny\t2\n");
}

/// Entries of `dir` whose names contain `.tmp`.
fn temporaries(dir: &std::path::Path) -> Vec<String> {
    std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.contains(".tmp"))
        .collect()
}

#[test]
fn atomic_writes_replace_the_file_and_leave_no_temporary_behind() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("tensors.tsv");
    for durable in [false, true] {
        write_atomic(&path, &[b"1\t2\n", b"3\t4\n"], durable).unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), b"1\t2\n3\t4\n");
        write_atomic(&path, &[b"5\n"], durable).unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), b"5\n");
    }
    assert!(temporaries(dir.path()).is_empty());
    // The rename fails onto a directory that is not empty: an error naming the path,
    // and the temporary file is removed.
    let blocked = dir.path().join("sprite.png");
    std::fs::create_dir(&blocked).unwrap();
    std::fs::write(blocked.join("inside"), b"x").unwrap();
    for durable in [false, true] {
        match write_atomic(&blocked, &[b"png"], durable) {
            Err(Error::Io { path, .. }) => assert_eq!(path, blocked),
            other => panic!("expected an I/O error, got {other:?}"),
        }
        assert!(
            temporaries(dir.path()).is_empty(),
            "{:?}",
            temporaries(dir.path())
        );
    }
}
