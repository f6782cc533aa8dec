//! Compiles `proto/` with protox (a protobuf compiler written in Rust) and prost-build,
//! so building the crate needs no `protoc` binary.

use std::io;

const PROTOS: &[&str] = &[
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

fn main() -> io::Result<()> {
    for file in PROTOS {
        println!("cargo:rerun-if-changed=proto/{file}");
    }
    let descriptors = protox::compile(PROTOS, ["proto"]).map_err(io::Error::other)?;
    prost_build::Config::new()
        // Comments in .proto files are not Rust doc syntax; keep them out of rustdoc.
        .disable_comments(["."])
        // Maps (hparams, node attributes) as BTreeMap: the bytes written are then the same
        // from run to run.
        .btree_map(["."])
        .include_file("protos.rs")
        .compile_fds(descriptors)
}
