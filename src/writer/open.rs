//! Starting a writer: [`SummaryWriter::new`], [`SummaryWriter::builder`] and
//! [`SummaryWriterBuilder::build`] open the event file (or the object-store upload) and
//! start the background thread.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use parking_lot::Mutex;
use prost::Message;

use crate::clock;
#[cfg(not(feature = "object-store"))]
use crate::error::Error;
use crate::error::Result;
use crate::event_file::{self, EventFile, Options};
#[cfg(not(feature = "object-store"))]
use crate::logdir::url_scheme;
use crate::proto;

use super::builder::{
    DEFAULT_FLUSH_INTERVAL, DEFAULT_MAX_PENDING_BYTES, SummaryWriterBuilder, WRITER_NAME,
};
use super::handle::{Inner, SummaryWriter};

impl SummaryWriter {
    /// A writer with default settings logging into the run directory `logdir` (created if
    /// needed). Point `tensorboard --logdir` at `logdir` or at a parent of it.
    ///
    /// With the `object-store` feature, `logdir` may be an object-storage URL instead:
    /// `s3://bucket/prefix/run` (also `s3a://`), `gs://bucket/run`, `az://container/run` (also
    /// `azure://`, `abfs[s]://`, `adl://`), `file:///absolute/path/run` or `memory:///run`,
    /// with credentials and settings from the environment (see
    /// `SummaryWriterBuilder::object_store` for how the run is uploaded, and the README's
    /// "Logging to object storage" for the variables read). Without the feature, such a logdir
    /// is an [`Error::ObjectStoreFeatureDisabled`](crate::Error::ObjectStoreFeatureDisabled).
    ///
    /// ```
    /// # #[cfg(feature = "object-store")]
    /// # {
    /// # let dir = tempfile::tempdir()?;
    /// # let url = format!("file://{}/run", dir.path().display());
    /// use tensorboard_writer::SummaryWriter;
    ///
    /// // Or "s3://bucket/experiments/run1", "gs://…", "az://…".
    /// let writer = SummaryWriter::new(&url)?;
    /// writer.add_scalar("loss", 0.5f32, 1u32)?;
    /// writer.close()?;
    /// # assert_eq!(tensorboard_writer::reader::read_scalars(dir.path().join("run"))?["loss"].len(), 1);
    /// # }
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn new(logdir: impl AsRef<Path>) -> Result<Self> {
        Self::builder(logdir).build()
    }

    /// Settings beyond the defaults: flush interval, memory bound, file name suffix, durable
    /// (fsync) flushing.
    ///
    /// ```
    /// use std::time::Duration;
    /// use tensorboard_writer::SummaryWriter;
    ///
    /// # let dir = tempfile::tempdir()?;
    /// let writer = SummaryWriter::builder(dir.path())
    ///     .flush_interval(Duration::from_secs(1))
    ///     .max_pending_bytes(4 << 20)
    ///     .filename_suffix(".v2")
    ///     .durable(true)
    ///     .build()?;
    /// assert!(writer.path().to_str().unwrap().ends_with(".v2"));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn builder(logdir: impl AsRef<Path>) -> SummaryWriterBuilder {
        SummaryWriterBuilder {
            logdir: logdir.as_ref().to_path_buf(),
            flush_interval: DEFAULT_FLUSH_INTERVAL,
            max_pending_bytes: DEFAULT_MAX_PENDING_BYTES,
            filename_suffix: String::new(),
            durable: false,
            precise_wall_time: false,
            purge_step: None,
            #[cfg(feature = "object-store")]
            remote: Default::default(),
        }
    }
}

impl SummaryWriterBuilder {
    /// Creates the log directory if needed, opens a new event file in it and starts the
    /// background writer.
    ///
    /// With the `object-store` feature, a logdir URL (`s3://…`, `gs://…`, `az://…`,
    /// `file://…`) or a store given to `object_store` logs to object storage instead (see
    /// `SummaryWriterBuilder::object_store`): `build` lists the run's
    /// prefix, then uploads the first segment object (holding the file header) before it
    /// returns, so a missing bucket or bad credentials are an [`Error::Upload`](crate::Error::Upload) here.
    /// Without the feature, a logdir of the form `scheme://…` is an
    /// [`Error::ObjectStoreFeatureDisabled`](crate::Error::ObjectStoreFeatureDisabled), and no local directory is created.
    pub fn build(self) -> Result<SummaryWriter> {
        self.check_options()?;
        let opts = self.options();
        // Before the file exists, so bad options leave nothing behind.
        opts.validate()?;
        #[cfg(feature = "object-store")]
        if let Some(target) = crate::remote::resolve(&self.logdir, &self.remote)? {
            return self.build_remote(target, &opts);
        }
        #[cfg(not(feature = "object-store"))]
        if let Some(url) = self.logdir.to_str().filter(|l| url_scheme(l).is_some()) {
            return Err(Error::ObjectStoreFeatureDisabled {
                url: url.to_owned(),
            });
        }
        let (path, file) =
            event_file::create_event_file(&self.logdir, &self.filename_suffix, self.durable)?;
        self.start(
            path,
            Box::new(file),
            &opts,
            #[cfg(feature = "object-store")]
            None,
        )
    }

    /// Opens the run in object storage, and uploads its first segment before returning.
    #[cfg(feature = "object-store")]
    fn build_remote(
        mut self,
        target: crate::remote::Target,
        opts: &Options,
    ) -> Result<SummaryWriter> {
        let (path, sink, uploader) =
            crate::remote::open(target.clone(), &self.remote, &self.filename_suffix)?;
        // Sibling runs of `add_scalars` go to the same store, under this run's prefix.
        self.remote.resolved = Some(target);
        let writer = match self.start(path, Box::new(sink), opts, Some(uploader.clone())) {
            Ok(w) => w,
            Err(e) => {
                uploader.abandon();
                return Err(e);
            }
        };
        // The first PUT, synchronously: a missing bucket or bad credentials fail here.
        if let Err(e) = writer.inner.file.flush() {
            uploader.abandon();
            return Err(e);
        }
        Ok(writer)
    }

    /// Like [`build`](Self::build), with the bytes going to `sink` instead of a new file;
    /// `path` names it in errors and [`SummaryWriter::path`]. A hook for tests that inject
    /// I/O failures, not part of the supported API (feature `__test-hooks`, which only the
    /// crate's own tests enable). Sibling runs of [`SummaryWriter::add_scalars`] still get
    /// real files.
    #[cfg(feature = "__test-hooks")]
    #[doc(hidden)]
    pub fn build_with_sink(
        self,
        path: PathBuf,
        sink: Box<dyn event_file::Sink>,
    ) -> Result<SummaryWriter> {
        self.check_options()?;
        let opts = self.options();
        opts.validate()?;
        self.start(
            path,
            sink,
            &opts,
            #[cfg(feature = "object-store")]
            None,
        )
    }

    fn start(
        self,
        path: PathBuf,
        sink: Box<dyn event_file::Sink>,
        opts: &Options,
        #[cfg(feature = "object-store")] upload: Option<Arc<crate::remote::Uploader>>,
    ) -> Result<SummaryWriter> {
        let file = EventFile::start(path, sink, opts)?;
        let header = proto::Event {
            wall_time: clock::precise(),
            what: Some(proto::event::What::FileVersion("brain.Event:2".into())),
            source_metadata: Some(proto::SourceMetadata {
                writer: WRITER_NAME.into(),
            }),
            ..Default::default()
        };
        file.append(&header.encode_to_vec())?;
        if let Some(Ok(step)) = self.purge_step {
            // Two STARTs: the Python loader treats the first START of a run as a fresh start
            // and purges only at later ones (see `purge_step`).
            let start = proto::Event {
                wall_time: clock::precise(),
                step,
                what: Some(proto::event::What::SessionLog(proto::SessionLog {
                    status: proto::session_log::SessionStatus::Start as i32,
                    ..Default::default()
                })),
                ..Default::default()
            };
            let bytes = start.encode_to_vec();
            file.append(&bytes)?;
            file.append(&bytes)?;
        }
        let clock = (!self.precise_wall_time).then(clock::Keepalive::new);
        Ok(SummaryWriter {
            inner: Arc::new(Inner {
                _clock: clock,
                file,
                builder: self,
                children: Mutex::new(HashMap::new()),
                #[cfg(feature = "object-store")]
                upload,
            }),
            scope: Arc::from(""),
            scope_id: 0,
        })
    }
}
