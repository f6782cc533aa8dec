//! What every call does with bad input: a reference table.
//!
//! No call panics on input it is given, and none drops a value silently: each kind of bad
//! input below gets a precise [`Error`](crate::Error) (the writer stays usable, and nothing
//! of the refused call is written), or a documented behaviour. Each row is checked by the
//! named test in `tests/dashboards/bad_input.rs` (the tests also check that the writer keeps working
//! after every refused call).
//!
//! | input | calls | what happens | test |
//! |---|---|---|---|
//! | empty tag, leading/trailing/doubled `/`, control characters, regex metacharacters `\ ^ $ \| ? * + ( ) [ ] { }` | every call that takes a tag (all check it with [`tag::validate_tag`](crate::tag::validate_tag); the test covers `add_scalar`, `add_histogram`, `add_image`, `add_text`, `add_audio`, the step builder, [`scope`](crate::SummaryWriter::scope) and [`add_embedding`](crate::SummaryWriter::add_embedding)) | [`Error::InvalidTag`](crate::Error::InvalidTag) naming the rule ([`tag`](crate::tag) has the rules; [`sanitize_tag`](crate::tag::sanitize_tag) makes any string valid) | `tags_empty_or_malformed_are_refused_by_every_call` |
//! | unusual but valid tags: non-ASCII, spaces, `. - _ : @ = ,`, 10,000 characters | all | written exactly as given | `tags_unusual_but_valid_are_kept_exactly` |
//! | NaN, +∞, −∞ scalar | [`add_scalar`](crate::SummaryWriter::add_scalar), step builder | written as they are; TensorBoard shows them as such | `scalars_nan_and_infinities_are_logged_as_they_are` |
//! | finite `f64` beyond the `f32` range | `add_scalar` | [`Error::ValueOutOfRange`](crate::Error::ValueOutOfRange) (not a silent infinity) | `scalars_finite_f64_beyond_f32_is_refused` |
//! | empty slice | [`add_histogram`](crate::SummaryWriter::add_histogram) | an empty histogram (a `[0, 3]` tensor: TensorBoard shows no bars) | `histogram_of_an_empty_slice_is_an_empty_histogram` |
//! | NaN, ±∞ among histogram values | `add_histogram` | left out of the buckets and statistics, counted apart ([`Histogram::nan_count`](crate::summary::histogram::Histogram::nan_count) and friends; TensorBoard's histogram has no place for them) | `histogram_nan_and_infinities_are_left_out_of_the_buckets` |
//! | data length not matching the layout (image, batch) | [`add_image`](crate::SummaryWriter::add_image), [`add_images`](crate::SummaryWriter::add_images) | [`Error::InvalidInput`](crate::Error::InvalidInput) | `images_shape_that_does_not_match_the_data_is_refused` |
//! | channel count other than 1, 3, 4 (0 is a zero-sized dimension) | image calls | `Error::InvalidInput` | `images_channel_counts_other_than_1_3_4_are_refused` |
//! | zero-sized image or batch, sides whose product overflows, sides beyond a PNG's 2³¹−1 | image calls | `Error::InvalidInput`, never an overflow or an attempt to allocate the claimed size | `images_empty_or_beyond_png_limits_are_refused_without_allocating` |
//! | float pixels outside `[0, 1]`, NaN, ±∞ | image calls | `Error::InvalidInput` naming the element (scale or clamp first) | `images_float_values_outside_0_1_or_nan_are_refused` |
//! | samples not a multiple of the channels, 0 channels, sample rate 0, no samples, NaN sample | [`add_audio`](crate::SummaryWriter::add_audio), [`add_audio_channels`](crate::SummaryWriter::add_audio_channels) | `Error::InvalidInput` | `audio_bad_shapes_rates_and_nan_are_refused_samples_are_clipped` |
//! | samples outside `[-1, 1]`, ±∞ | audio calls | clipped to `[-1, 1]` (documented in [`audio`](crate::summary::audio)) | same |
//! | labels and predictions of different lengths, predictions outside `[0, 1]` or NaN | [`add_pr_curve`](crate::SummaryWriter::add_pr_curve) | `Error::InvalidInput` | `pr_curves_mismatched_lengths_and_bad_predictions_are_refused` |
//! | fps zero, negative, NaN or ∞; frames not matching the layout | [`add_video`](crate::SummaryWriter::add_video) | `Error::InvalidInput` | `video_bad_fps_and_shapes_are_refused` |
//! | no vertices, a face index past the last vertex, colours not one per vertex | [`add_mesh`](crate::SummaryWriter::add_mesh) | `Error::InvalidInput` | `mesh_mismatched_colors_and_out_of_range_faces_are_refused` |
//! | matrix not `N × D`, `N` or `D` zero, `N × D` overflowing, metadata rows ≠ `N`, sprite images ≠ `N` | [`add_embedding`](crate::SummaryWriter::add_embedding) | `Error::InvalidInput`, before any file is written | `embeddings_mismatched_n_and_shapes_are_refused_before_any_file_is_written` |
//! | sprite larger than the Projector's 8192 px | `add_embedding` | thumbnails scaled down so the square sprite fits 8192 px (the Projector refuses larger ones) | `embeddings_sprites_too_large_are_scaled_to_the_projector_limit` |
//! | negative step | every call | written; TensorBoard shows it | `steps_negative_are_logged_beyond_i64_refused` |
//! | `u64`/`usize` step beyond `i64::MAX` | every call (one [`Step`](crate::Step) conversion serves them all; tested with `add_scalar`) | [`Error::StepOutOfRange`](crate::Error::StepOutOfRange) | same |
//! | decreasing or repeated steps | every call | written in call order. TensorBoard's Rust loader then keeps one clean series by dropping older points at steps ≥ the new one; the Python loader keeps both (docs/FORMAT.md §1.7). To restart from a checkpoint, use [`purge_step`](crate::SummaryWriterBuilder::purge_step) | `steps_decreasing_are_written_in_call_order` |
//! | wall time NaN, ∞ or negative | [`add_scalar_with_wall_time`](crate::SummaryWriter::add_scalar_with_wall_time), [`StepBuilder::wall_time`](crate::StepBuilder::wall_time) | [`Error::InvalidWallTime`](crate::Error::InvalidWallTime) (a NaN wall time makes TensorBoard's Rust loader drop the rest of the file) | `wall_times_nan_infinite_or_negative_are_refused` |
//! | empty text; a table with rows of different lengths | [`add_text`](crate::SummaryWriter::add_text), [`add_text_table`](crate::SummaryWriter::add_text_table) | empty text is written; a ragged table is `Error::InvalidInput` | `text_empty_is_logged_and_ragged_tables_are_refused` |
//! | one value larger than [`max_pending_bytes`](crate::SummaryWriterBuilder::max_pending_bytes) (a 4 MiB text under a 1 MiB bound) | every call | accepted and written whole: the buffer grows for that one record and shrinks back after it is written; never a deadlock | `huge_values_larger_than_max_pending_are_written_not_deadlocked` |
//!
//! Bytes that are not a valid event file, given to the readers ([`EventReader`](crate::reader::EventReader),
//! [`RecordReader`](crate::record::RecordReader)), give [`Error::Truncated`](crate::Error::Truncated),
//! [`Error::CorruptRecord`](crate::Error::CorruptRecord) or [`Error::Decode`](crate::Error::Decode),
//! never a panic: `tests/reading/fuzz_corpus.rs` replays the fuzzers' corpus (`fuzz/`) through those
//! properties on every `cargo test`.
