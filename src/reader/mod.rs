//! Reading logdirs back: every dashboard's data, in the forms this crate writes and in the
//! forms TensorFlow, `tf.summary`, `torch.utils.tensorboard` and tensorboardX write.
//!
//! - [`Logdir`] finds the runs of a logdir as TensorBoard does; [`RunReader`] reads a run's
//!   event files in name order, follows live files, and yields each point as a [`Sample`]
//!   holding typed [`Data`]: scalars, [`Histogram`]s, [`Image`]s, [`Audio`], [`Text`],
//!   [`PrCurve`]s, [`HParamsRecord`]s, [`Graph`]s, custom-scalar layouts, [`Mesh`]es.
//!   [`read_embeddings`] reads a run's projector config.
//! - [`ScalarReader`] and [`read_scalars`] read scalars alone, fast; [`EventReader`] and
//!   [`read_events`] give the raw `Event`s.
//!
//! Every reader checks both checksums of every record and tells a truncated final record
//! (a writer between writes: resumable) from damage ([`Error::CorruptRecord`],
//! [`Error::Decode`]). Nothing is sampled: every point written is read.
//!
//! [`Error::CorruptRecord`]: crate::Error::CorruptRecord
//! [`Error::Decode`]: crate::Error::Decode

mod blob;
mod data;
mod decode;
mod events;
mod graph;
mod histogram;
mod hparams;
mod logdir;
mod mesh;
mod pr_curve;
mod projector;
mod run;
mod scalars;
mod tensor_values;
mod text;

pub use blob::{Audio, Image};
pub use data::{Data, Kind, UnknownKind};
pub use events::{EventReader, event_files, read_events};
pub use graph::{Graph, GraphKind, RUN_GRAPH_TAG};
pub use histogram::{Bucket, Histogram};
pub use hparams::{HParamValue, HParamsRecord};
pub use logdir::{Logdir, Run};
pub use mesh::{Mesh, MeshComponent};
pub use pr_curve::PrCurve;
pub use projector::{EmbeddingEntry, PROJECTOR_CONFIG, read_embeddings};
pub use run::{Filter, RunReader, RunSeries, Sample};
#[cfg(feature = "__test-hooks")]
#[doc(hidden)]
pub use scalars::fast_decode_accepts;
pub use scalars::{ScalarPoint, ScalarReader, ScalarRef, ScalarSeries, read_scalars};
pub use text::Text;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Error;

    /// Reading fails with the reader's own variants: `ReadFailed` for I/O, never the writer's
    /// `Io`, and `Decode` keeps the decoder's error as its source only.
    #[test]
    fn reading_failures_are_the_readers_variants() {
        let dir = std::env::temp_dir().join(format!("tbw-missing-{}", std::process::id()));
        for r in [
            event_files(&dir).map(drop),
            read_events(&dir).map(drop),
            read_scalars(&dir).map(drop),
            EventReader::open(dir.join("f")).map(drop),
            ScalarReader::open(dir.join("f")).map(drop),
        ] {
            match r {
                Err(Error::ReadFailed { path, .. }) => assert!(path.starts_with(&dir)),
                other => panic!("expected ReadFailed, got {other:?}"),
            }
        }
        // A record whose payload is not an Event: length 1, payload 0xff.
        let mut bytes = Vec::new();
        crate::record::encode_record(&[0xff], &mut bytes);
        let mut r = EventReader::new(&bytes[..]);
        match r.read_event() {
            Err(e @ Error::Decode { offset: 0, .. }) => {
                assert!(std::error::Error::source(&e).is_some());
            }
            other => panic!("expected Decode, got {other:?}"),
        }
    }
}
