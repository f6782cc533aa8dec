//! The ONNX converter: any bytes as a model file (seeded with the test fixture, so the
//! fuzzer mutates real models, not only noise).
#![no_main]

#[path = "../checks.rs"]
mod checks;

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    checks::check_onnx(data);
});
