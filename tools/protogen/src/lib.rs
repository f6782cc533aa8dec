//! Generates tensorboard-writer's protobuf code, `src/proto/*.rs`, from the schemas in
//! `proto/` with protox (a protobuf compiler written in Rust) and prost-build.
//!
//! The generated code is checked in, so that building the library needs neither a protobuf
//! compiler nor this crate's dependencies. `cargo run -p protogen` rewrites `src/proto/`;
//! `cargo test -p protogen` fails while the checked-in code differs from what the schemas
//! produce.

use std::fs;
use std::io;
use std::path::{Path, PathBuf};

/// The schemas compiled, relative to `proto/`.
pub const PROTOS: &[&str] = &[
    "event.proto",
    "summary.proto",
    "tensor.proto",
    "graph.proto",
    "plugins.proto",
    "hparams.proto",
    "mesh.proto",
    "projector.proto",
    "onnx.proto",
];

/// The file that `src/lib.rs` includes; it includes one file per protobuf package.
pub const INCLUDE_FILE: &str = "protos.rs";

/// The repository's root (the library's manifest directory).
pub fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// Where the generated code is checked in: `src/proto/`.
pub fn checked_in_dir() -> PathBuf {
    repo_root().join("src/proto")
}

/// Compiles `proto_dir`'s schemas into `out_dir` (which must exist): one `.rs` file per
/// protobuf package and the include file [`INCLUDE_FILE`].
pub fn generate(proto_dir: &Path, out_dir: &Path) -> io::Result<()> {
    let files: Vec<PathBuf> = PROTOS.iter().map(|f| proto_dir.join(f)).collect();
    let descriptors = protox::compile(&files, [proto_dir]).map_err(io::Error::other)?;
    prost_build::Config::new()
        // Comments in .proto files are not Rust doc syntax; keep them out of rustdoc.
        .disable_comments(["."])
        // Maps (hparams, node attributes) as BTreeMap: the bytes written are then the same
        // from run to run.
        .btree_map(["."])
        // With an explicit out_dir the include file includes its siblings by relative path
        // (`include!("tensorboard.rs")`) rather than through OUT_DIR.
        .out_dir(out_dir)
        .include_file(INCLUDE_FILE)
        .compile_fds(descriptors)
}

/// The `.rs` files directly in `dir`, by name, with their contents, sorted by name.
pub fn rust_files(dir: &Path) -> io::Result<Vec<(String, Vec<u8>)>> {
    let mut files = Vec::new();
    for entry in fs::read_dir(dir)? {
        let path = entry?.path();
        if path.extension().is_some_and(|e| e == "rs") {
            let name = path
                .file_name()
                .and_then(|n| n.to_str())
                .ok_or_else(|| io::Error::other(format!("not UTF-8: {}", path.display())))?
                .to_owned();
            files.push((name, fs::read(&path)?));
        }
    }
    files.sort();
    Ok(files)
}
