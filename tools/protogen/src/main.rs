//! `cargo run -p protogen`: regenerates `src/proto/*.rs` from `proto/*.proto`.

use std::fs;
use std::io;

fn main() -> io::Result<()> {
    let root = protogen::repo_root();
    let target = protogen::checked_in_dir();
    // Generated into a scratch directory first, so that a schema error leaves src/proto/
    // as it was and a package that is gone leaves no stale file behind.
    let scratch = std::env::temp_dir().join(format!("protogen-{}", std::process::id()));
    if scratch.exists() {
        fs::remove_dir_all(&scratch)?;
    }
    fs::create_dir_all(&scratch)?;
    let result = protogen::generate(&root.join("proto"), &scratch);
    if let Err(e) = result {
        fs::remove_dir_all(&scratch)?;
        return Err(e);
    }
    fs::create_dir_all(&target)?;
    for (name, _) in protogen::rust_files(&target)? {
        fs::remove_file(target.join(name))?;
    }
    for (name, contents) in protogen::rust_files(&scratch)? {
        fs::write(target.join(&name), contents)?;
        println!("wrote src/proto/{name}");
    }
    fs::remove_dir_all(&scratch)
}
