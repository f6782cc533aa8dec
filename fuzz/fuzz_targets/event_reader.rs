//! The event reader: framing, then prost decoding of `Event`. Random bytes seldom pass the
//! checksums, so an input whose first byte is odd is framed as one record first and the
//! fuzzer reaches the decoder; an even first byte sends the rest as a raw stream.
#![no_main]

#[path = "../checks.rs"]
mod checks;

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    checks::check_event_input(data);
});
