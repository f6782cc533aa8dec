//! Arbitrary bytes through the record reader, and framed payloads cut and damaged.
#![no_main]

#[path = "../checks.rs"]
mod checks;

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    checks::check_records(data);
    checks::check_roundtrip(data);
});
