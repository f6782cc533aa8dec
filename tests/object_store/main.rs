//! Logging to object storage (feature `object-store`): against an in-memory store with
//! injected failures, and against a real S3 server (s3s-fs; those tests skip without one
//! unless `TBW_REQUIRE_S3=1`). Without the feature, only the error for a URL logdir.

#[path = "../common/mod.rs"]
mod common;

mod object_store_mem;
#[cfg(feature = "object-store")]
mod object_store_s3;

/// Names the test a child process of this binary was started for ([`in_child_with_env`]).
#[cfg(feature = "object-store")]
const CHILD_TEST: &str = "TBW_OBJECT_STORE_CHILD_TEST";

/// The `AWS_*` variables an `s3://` logdir reads besides the ones a test sets: removed from a
/// child's environment so that the caller's own settings cannot redirect it.
#[cfg(feature = "object-store")]
const OTHER_AWS_VARS: [&str; 6] = [
    "AWS_ENDPOINT_URL",
    "AWS_ENDPOINT_URL_S3",
    "AWS_SESSION_TOKEN",
    "AWS_DEFAULT_REGION",
    "AWS_VIRTUAL_HOSTED_STYLE_REQUEST",
    "AWS_PROFILE",
];

/// A test that opens an `s3://` writer configures it as a user would, through `AWS_*`
/// environment variables, which are process-wide: so it runs in a child process of this test
/// binary, started with `vars` in its environment. Returns `true` in that child, where the
/// test's body runs; in the parent, runs the child, panics with its output unless its one test
/// passed, and returns `false` (the test then returns).
#[cfg(feature = "object-store")]
fn in_child_with_env(module_path: &str, name: &str, vars: &[(&str, String)]) -> bool {
    if std::env::var(CHILD_TEST).as_deref() == Ok(name) {
        return true;
    }
    let exe = std::env::current_exe().expect("the test binary's path");
    let exact = common::exact_test_name(module_path, name);
    let mut child = std::process::Command::new(exe);
    child
        .args([exact.as_str(), "--exact", "--nocapture", "--test-threads=1"])
        .env(CHILD_TEST, name);
    for var in OTHER_AWS_VARS {
        child.env_remove(var);
    }
    for (var, value) in vars {
        child.env(var, value);
    }
    let out = child.output().expect("running the test in a child process");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success() && stdout.contains("1 passed"),
        "{exact} in a child process: {}\n--- stdout\n{stdout}\n--- stderr\n{}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    false
}
