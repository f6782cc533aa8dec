//! The checked-in `src/proto/*.rs` is exactly what `proto/*.proto` generates.

#[test]
fn checked_in_code_matches_the_schemas() {
    let scratch = tempfile::tempdir().unwrap();
    protogen::generate(&protogen::repo_root().join("proto"), scratch.path()).unwrap();
    let generated = protogen::rust_files(scratch.path()).unwrap();
    let checked_in = protogen::rust_files(&protogen::checked_in_dir()).unwrap();

    let names = |files: &[(String, Vec<u8>)]| files.iter().map(|f| f.0.clone()).collect::<Vec<_>>();
    assert_eq!(
        names(&checked_in),
        names(&generated),
        "src/proto/ holds other files than proto/ generates: run `cargo run -p protogen`"
    );
    for ((name, want), (_, have)) in generated.iter().zip(&checked_in) {
        assert!(
            want == have,
            "src/proto/{name} is stale (it differs from what proto/ generates): run \
             `cargo run -p protogen` and commit the result"
        );
    }
}
