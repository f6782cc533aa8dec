//! Logging to object storage (feature `object-store`), against `object_store`'s `InMemory`
//! behind a wrapper that injects failures and records every PUT; plus `file://` URLs into a
//! temporary directory, and (without the feature) the error for a URL logdir.

#[cfg(not(feature = "object-store"))]
mod without_the_feature {
    use tensorboard_writer::{Error, SummaryWriter};

    #[test]
    fn a_url_logdir_is_a_clear_error_and_creates_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let cwd = std::env::current_dir().unwrap();
        for url in [
            "s3://bucket/run",
            "gs://b/r",
            "az://c/r",
            "file:///tmp/x/run",
        ] {
            match SummaryWriter::new(url) {
                Err(Error::ObjectStoreFeatureDisabled { url: u }) => assert_eq!(u, url),
                other => panic!("{url}: {other:?}"),
            }
            let e = SummaryWriter::new(url).unwrap_err().to_string();
            assert!(e.contains("`object-store` cargo feature"), "{e}");
        }
        assert!(!cwd.join("s3:").exists() && !cwd.join("gs:").exists());
        // A local path that merely contains a colon is still a local path.
        let w = SummaryWriter::new(dir.path().join("lr:0.1")).unwrap();
        w.close().unwrap();
        assert!(dir.path().join("lr:0.1").is_dir());
    }
}

#[cfg(feature = "object-store")]
mod with_the_feature {
    use std::collections::BTreeMap;
    use std::fmt;
    use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
    use std::sync::{Arc, Mutex};
    use std::time::{Duration, Instant};

    use object_store_test_deps::{BoxStream, async_trait};
    use tensorboard_writer::object_store::memory::InMemory;
    use tensorboard_writer::object_store::path::Path;
    use tensorboard_writer::object_store::{
        self, CopyOptions, GetOptions, GetResult, ListResult, MultipartUpload, ObjectMeta,
        ObjectStore, PutMultipartOptions, PutOptions, PutPayload, PutResult,
    };
    use tensorboard_writer::proto::Event;
    use tensorboard_writer::proto::event::What;
    use tensorboard_writer::reader::EventReader;
    use tensorboard_writer::{Error, SummaryWriter, SummaryWriterBuilder};

    /// `InMemory`, with PUTs that can be made to fail (for a while, for good, or with an
    /// error retrying cannot fix), and a log of every successful PUT.
    #[derive(Debug, Default)]
    struct Faulty {
        inner: InMemory,
        /// PUTs fail (as a transient error) until this time.
        fail_until: Mutex<Option<Instant>>,
        /// PUTs fail (transient) while set.
        fail: AtomicBool,
        /// PUTs fail with `NotFound` (a missing bucket) while set.
        missing: AtomicBool,
        /// (key, bytes) of every successful PUT, in order.
        puts: Mutex<Vec<(String, usize)>>,
        failed: AtomicU64,
    }

    impl fmt::Display for Faulty {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            write!(f, "Faulty")
        }
    }

    impl Faulty {
        fn new() -> Arc<Self> {
            Arc::new(Faulty::default())
        }
        fn outage(&self, d: Duration) {
            *self.fail_until.lock().unwrap() = Some(Instant::now() + d);
        }
        fn check(&self, location: &Path) -> object_store::Result<()> {
            if self.missing.load(Ordering::SeqCst) {
                self.failed.fetch_add(1, Ordering::SeqCst);
                return Err(object_store::Error::NotFound {
                    path: location.to_string(),
                    source: "NoSuchBucket: the bucket does not exist".into(),
                });
            }
            let down = self.fail.load(Ordering::SeqCst)
                || self
                    .fail_until
                    .lock()
                    .unwrap()
                    .is_some_and(|t| Instant::now() < t);
            if down {
                self.failed.fetch_add(1, Ordering::SeqCst);
                return Err(object_store::Error::Generic {
                    store: "Faulty",
                    source: "injected outage: connection refused".into(),
                });
            }
            Ok(())
        }
    }

    #[async_trait]
    impl ObjectStore for Faulty {
        async fn put_opts(
            &self,
            location: &Path,
            payload: PutPayload,
            opts: PutOptions,
        ) -> object_store::Result<PutResult> {
            self.check(location)?;
            let len = payload.content_length();
            let r = self.inner.put_opts(location, payload, opts).await?;
            self.puts.lock().unwrap().push((location.to_string(), len));
            Ok(r)
        }
        async fn put_multipart_opts(
            &self,
            location: &Path,
            opts: PutMultipartOptions,
        ) -> object_store::Result<Box<dyn MultipartUpload>> {
            self.inner.put_multipart_opts(location, opts).await
        }
        async fn get_opts(
            &self,
            location: &Path,
            options: GetOptions,
        ) -> object_store::Result<GetResult> {
            self.inner.get_opts(location, options).await
        }
        fn delete_stream(
            &self,
            locations: BoxStream<'static, object_store::Result<Path>>,
        ) -> BoxStream<'static, object_store::Result<Path>> {
            self.inner.delete_stream(locations)
        }
        fn list(
            &self,
            prefix: Option<&Path>,
        ) -> BoxStream<'static, object_store::Result<ObjectMeta>> {
            self.inner.list(prefix)
        }
        async fn list_with_delimiter(
            &self,
            prefix: Option<&Path>,
        ) -> object_store::Result<ListResult> {
            self.inner.list_with_delimiter(prefix).await
        }
        async fn copy_opts(
            &self,
            from: &Path,
            to: &Path,
            options: CopyOptions,
        ) -> object_store::Result<()> {
            self.inner.copy_opts(from, to, options).await
        }
    }

    fn rt() -> tokio::runtime::Runtime {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap()
    }

    /// Every object directly under `prefix`, in name order, with its bytes.
    fn objects(store: &dyn ObjectStore, prefix: &str) -> Vec<(String, Vec<u8>)> {
        rt().block_on(async {
            let prefix = Path::from(prefix);
            let mut list = store
                .list_with_delimiter(Some(&prefix))
                .await
                .unwrap()
                .objects;
            list.sort_by(|a, b| a.location.cmp(&b.location));
            let mut out = Vec::new();
            for o in list {
                let bytes = store
                    .get_opts(&o.location, GetOptions::default())
                    .await
                    .unwrap()
                    .bytes()
                    .await
                    .unwrap();
                out.push((o.location.to_string(), bytes.to_vec()));
            }
            out
        })
    }

    /// The events of one object, which must be a whole event file.
    fn events_of(bytes: &[u8]) -> Vec<Event> {
        EventReader::new(bytes)
            .collect::<Result<Vec<_>, _>>()
            .expect("every object is a whole, valid event file")
    }

    /// All the events of a run: its objects read in name order.
    fn run_events(store: &dyn ObjectStore, prefix: &str) -> Vec<Event> {
        objects(store, prefix)
            .iter()
            .flat_map(|(_, b)| events_of(b))
            .collect()
    }

    /// (step, value) of every scalar `tag` among `events`.
    fn scalars(events: &[Event], tag: &str) -> Vec<(i64, f32)> {
        let mut out = Vec::new();
        for e in events {
            if let Some(What::Summary(s)) = &e.what {
                for v in &s.value {
                    if v.tag == tag {
                        if let Some(
                            tensorboard_writer::proto::summary::value::Value::SimpleValue(x),
                        ) = v.value
                        {
                            out.push((e.step, x));
                        }
                    }
                }
            }
        }
        out
    }

    fn builder(prefix: &str, store: &Arc<Faulty>) -> SummaryWriterBuilder {
        SummaryWriter::builder(prefix)
            .object_store(store.clone())
            .flush_interval(Duration::from_secs(3600))
    }

    #[test]
    fn segments_roll_over_at_the_size_cap_and_read_back_in_order() {
        let store = Faulty::new();
        let w = builder("exp/run", &store)
            .segment_bytes(1000)
            .build()
            .unwrap();
        for step in 0..600u32 {
            w.add_scalar("loss", step as f32, step).unwrap();
            if step % 50 == 49 {
                w.flush().unwrap();
            }
        }
        w.flush().unwrap();
        let st = w.upload_status().unwrap();
        assert_eq!(st.bytes_pending, 0);
        assert_eq!(st.bytes_stored, st.bytes_accepted);
        assert!(st.last_error.is_none());
        w.close().unwrap();

        let objs = objects(&*store, "exp/run");
        assert!(objs.len() > 10, "only {} segments", objs.len());
        assert_eq!(st.segments, objs.len() as u64);
        let mut total = 0;
        for (i, (name, bytes)) in objs.iter().enumerate() {
            assert!(bytes.len() <= 1000, "{name}: {} bytes", bytes.len());
            assert!(
                name.ends_with(&format!(".{i:06}")),
                "{name} is not segment {i}"
            );
            assert!(!events_of(bytes).is_empty());
            total += bytes.len() as u64;
        }
        assert_eq!(total, st.bytes_accepted);
        let events = run_events(&*store, "exp/run");
        assert_eq!(
            events[0].what,
            Some(What::FileVersion("brain.Event:2".into()))
        );
        let want: Vec<(i64, f32)> = (0..600).map(|s| (s as i64, s as f32)).collect();
        assert_eq!(scalars(&events, "loss"), want);
        // Segment N's last PUT came before segment N+1's first.
        let puts = store.puts.lock().unwrap().clone();
        assert!(
            puts.windows(2).all(|p| p[0].0 <= p[1].0),
            "PUTs out of order: {puts:?}"
        );
        // Rewrites only extend a segment.
        let mut last: BTreeMap<String, usize> = BTreeMap::new();
        for (k, n) in &puts {
            assert!(last.get(k).is_none_or(|prev| prev <= n), "{k} shrank");
            last.insert(k.clone(), *n);
        }
    }

    #[test]
    fn segments_are_sealed_after_segment_uploads_puts() {
        let store = Faulty::new();
        let w = builder("run", &store).segment_uploads(3).build().unwrap();
        for step in 0..10u32 {
            w.add_scalar("x", 1.0f32, step).unwrap();
            w.flush().unwrap();
        }
        w.close().unwrap();
        // 11 uploads (the header at build, then one per flush), 3 per segment.
        let puts = store.puts.lock().unwrap().clone();
        assert_eq!(puts.len(), 11, "{puts:?}");
        let mut per_key: BTreeMap<String, usize> = BTreeMap::new();
        for (k, _) in &puts {
            *per_key.entry(k.clone()).or_default() += 1;
        }
        assert_eq!(
            per_key.values().copied().collect::<Vec<_>>(),
            vec![3, 3, 3, 2]
        );
        let st = w.upload_status().unwrap();
        assert_eq!(st.put_requests, 11);
        assert_eq!(st.segments, 4);
        assert_eq!(
            st.bytes_sent,
            puts.iter().map(|p| p.1 as u64).sum::<u64>(),
            "bytes sent count every rewrite"
        );
        let events = run_events(&*store, "run");
        assert_eq!(scalars(&events, "x").len(), 10);
    }

    #[test]
    fn flush_is_a_barrier_for_stored_data() {
        let store = Faulty::new();
        let w = builder("run", &store).build().unwrap();
        let w2 = w.clone();
        std::thread::spawn(move || {
            for step in 0..1000u32 {
                w2.add_scalar("a", 0.5f32, step).unwrap();
            }
        })
        .join()
        .unwrap();
        w.flush().unwrap();
        // Nothing more is uploaded after flush: all of it is in the store already.
        assert_eq!(scalars(&run_events(&*store, "run"), "a").len(), 1000);
        drop(w);
    }

    #[test]
    fn data_shows_up_within_the_flush_interval_without_flush() {
        let store = Faulty::new();
        let w = SummaryWriter::builder("run")
            .object_store(store.clone())
            .flush_interval(Duration::from_millis(100))
            .build()
            .unwrap();
        w.add_scalar("tick", 1.0f32, 7u32).unwrap();
        let start = Instant::now();
        loop {
            if scalars(&run_events(&*store, "run"), "tick") == vec![(7, 1.0)] {
                break;
            }
            assert!(start.elapsed() < Duration::from_secs(5), "never uploaded");
            std::thread::sleep(Duration::from_millis(20));
        }
        assert!(start.elapsed() < Duration::from_secs(2));
    }

    #[test]
    fn an_outage_of_a_few_seconds_loses_nothing() {
        let store = Faulty::new();
        let w = builder("run", &store)
            .flush_interval(Duration::from_millis(50))
            .upload_timeout(Duration::from_secs(20))
            .build()
            .unwrap();
        store.outage(Duration::from_millis(1500));
        let start = Instant::now();
        for step in 0..300u32 {
            w.add_scalar("loss", step as f32, step).unwrap();
            if step % 30 == 0 {
                std::thread::sleep(Duration::from_millis(20));
            }
        }
        let during = w.upload_status().unwrap();
        assert!(during.bytes_pending > 0);
        w.flush().unwrap();
        assert!(start.elapsed() >= Duration::from_millis(1400));
        let st = w.upload_status().unwrap();
        assert!(st.retries > 0 && store.failed.load(Ordering::SeqCst) > 0);
        assert_eq!(st.bytes_pending, 0);
        assert!(st.last_error.is_none());
        w.close().unwrap();
        let want: Vec<(i64, f32)> = (0..300).map(|s| (s as i64, s as f32)).collect();
        assert_eq!(scalars(&run_events(&*store, "run"), "loss"), want);
    }

    #[test]
    fn a_store_that_never_comes_back_is_an_upload_error_within_the_timeout() {
        let store = Faulty::new();
        let w = builder("run", &store)
            .upload_timeout(Duration::from_millis(600))
            .build()
            .unwrap();
        store.fail.store(true, Ordering::SeqCst);
        w.add_scalar("loss", 1.0f32, 1u32).unwrap();
        let start = Instant::now();
        let e = w.flush().unwrap_err();
        let took = start.elapsed();
        assert!(
            took >= Duration::from_millis(550) && took < Duration::from_secs(3),
            "{took:?}"
        );
        match &e {
            Error::Upload {
                url, pending_bytes, ..
            } => {
                assert_eq!(url, "run");
                assert!(*pending_bytes > 0);
            }
            other => panic!("{other:?}"),
        }
        assert!(e.to_string().contains("injected outage"), "{e}");
        let st = w.upload_status().unwrap();
        assert!(st.last_error.unwrap().contains("injected outage"));
        assert!(st.retries >= 2);
        // The writer still works: logging is not refused.
        w.add_scalar("loss", 2.0f32, 2u32).unwrap();
        let start = Instant::now();
        let e = w.close().unwrap_err();
        assert!(start.elapsed() < Duration::from_secs(3));
        let Error::Upload { pending_bytes, .. } = e else {
            panic!("{e:?}")
        };
        assert_eq!(pending_bytes, w.upload_status().unwrap().bytes_pending);
        assert!(pending_bytes > 0);
        // close() is idempotent.
        assert!(matches!(w.close(), Err(Error::Upload { .. })));
    }

    #[test]
    fn after_a_flush_timeout_the_uploads_go_on() {
        let store = Faulty::new();
        let w = builder("run", &store)
            .upload_timeout(Duration::from_millis(300))
            .build()
            .unwrap();
        store.fail.store(true, Ordering::SeqCst);
        w.add_scalar("loss", 1.0f32, 1u32).unwrap();
        assert!(matches!(w.flush(), Err(Error::Upload { .. })));
        store.fail.store(false, Ordering::SeqCst);
        // The backoff is short still: the next flush finds the data stored.
        let start = Instant::now();
        loop {
            match w.flush() {
                Ok(()) => break,
                Err(_) => assert!(start.elapsed() < Duration::from_secs(10)),
            }
        }
        w.close().unwrap();
        assert_eq!(scalars(&run_events(&*store, "run"), "loss"), vec![(1, 1.0)]);
    }

    #[test]
    fn a_full_spool_holds_the_logging_thread_back_and_loses_nothing() {
        let store = Faulty::new();
        let w = builder("run", &store)
            .flush_interval(Duration::from_millis(10))
            .max_pending_bytes(1024)
            .max_spool_bytes(2048)
            .segment_bytes(4096)
            .upload_timeout(Duration::from_secs(20))
            .build()
            .unwrap();
        store.outage(Duration::from_millis(1500));
        let done = Arc::new(AtomicU64::new(0));
        let (w2, done2) = (w.clone(), done.clone());
        let t = std::thread::spawn(move || {
            for step in 0..2000u32 {
                w2.add_scalar("loss", step as f32, step).unwrap();
                done2.fetch_add(1, Ordering::SeqCst);
            }
        });
        std::thread::sleep(Duration::from_millis(700));
        let st = w.upload_status().unwrap();
        let logged = done.load(Ordering::SeqCst);
        assert!(st.bytes_pending <= 2048, "spool over its bound: {st:?}");
        // ~40-byte events: spool + two 512-byte buffers hold well under 200.
        assert!(logged < 200, "logging was not held back: {logged}");
        t.join().unwrap();
        w.flush().unwrap();
        w.close().unwrap();
        let want: Vec<(i64, f32)> = (0..2000).map(|s| (s as i64, s as f32)).collect();
        assert_eq!(scalars(&run_events(&*store, "run"), "loss"), want);
    }

    #[test]
    fn a_missing_bucket_fails_at_build() {
        let store = Faulty::new();
        store.missing.store(true, Ordering::SeqCst);
        let start = Instant::now();
        // The default upload timeout is 5 minutes: a permanent error does not wait for it.
        let e = SummaryWriter::builder("run")
            .object_store(store.clone())
            .build()
            .unwrap_err();
        assert!(start.elapsed() < Duration::from_secs(2));
        assert!(matches!(e, Error::Upload { .. }), "{e:?}");
        assert!(e.to_string().contains("NoSuchBucket"), "{e}");
        assert_eq!(store.failed.load(Ordering::SeqCst), 1, "not retried");
    }

    #[test]
    fn an_unreachable_s3_endpoint_fails_at_build_within_the_timeout() {
        // A port nothing listens on: connection refused, a transient error retried until the
        // upload timeout.
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let vars = [
            ("AWS_ENDPOINT", format!("http://127.0.0.1:{port}")),
            ("AWS_ALLOW_HTTP", "true".to_owned()),
            ("AWS_ACCESS_KEY_ID", "test".to_owned()),
            ("AWS_SECRET_ACCESS_KEY", "test".to_owned()),
            ("AWS_REGION", "us-east-1".to_owned()),
        ];
        let name = "an_unreachable_s3_endpoint_fails_at_build_within_the_timeout";
        if !crate::in_child_with_env(module_path!(), name, &vars) {
            return;
        }
        let start = Instant::now();
        let e = SummaryWriter::builder("s3://bucket/prefix/run")
            .upload_timeout(Duration::from_millis(800))
            .build()
            .unwrap_err();
        let took = start.elapsed();
        assert!(took < Duration::from_secs(5), "{took:?}");
        match &e {
            Error::Upload { url, .. } => {
                assert_eq!(url, "s3://bucket/prefix/run");
                // Path-style, under the URL's prefix; the store's error is kept.
                let text = e.to_string();
                assert!(
                    text.contains("/bucket/prefix/run/events.out.tfevents."),
                    "{text}"
                );
                assert!(text.contains("within the upload timeout"), "{text}");
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn file_urls_write_event_files_the_reader_reads() {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("file://{}/runs/a", dir.path().display());
        let w = SummaryWriter::builder(&url)
            .segment_bytes(600)
            .build()
            .unwrap();
        assert!(w.path().to_str().unwrap().starts_with(&url));
        for step in 0..100u32 {
            w.add_scalar("loss", step as f32, step).unwrap();
            if step % 10 == 0 {
                w.flush().unwrap();
            }
        }
        w.add_scalars("pair", &[("train", 1.0f32), ("val", 2.0)], 5u32)
            .unwrap();
        w.close().unwrap();
        let run = dir.path().join("runs/a");
        let files = tensorboard_writer::reader::event_files(&run).unwrap();
        assert!(files.len() > 3, "{files:?}");
        let s = tensorboard_writer::reader::read_scalars(&run).unwrap();
        let steps: Vec<i64> = s["loss"].iter().map(|p| p.step).collect();
        assert_eq!(steps, (0..100).collect::<Vec<_>>());
        let train = tensorboard_writer::reader::read_scalars(run.join("pair_train")).unwrap();
        assert_eq!(train["pair"][0].value, 1.0);
    }

    #[test]
    fn urls_that_cannot_be_used_are_errors() {
        for bad in ["ftp://host/run", "s3:///no-bucket", "file://relative/run"] {
            match SummaryWriter::new(bad) {
                Err(Error::InvalidUrl { url, .. }) => assert_eq!(url, bad),
                other => panic!("{bad}: {other:?}"),
            }
        }
        // memory:// works, though nothing else can read that store.
        SummaryWriter::new("memory:///run")
            .unwrap()
            .close()
            .unwrap();
    }

    #[test]
    fn add_scalars_runs_go_to_the_same_store() {
        let store = Faulty::new();
        let w = builder("exp/run", &store).build().unwrap();
        w.add_scalars("loss", &[("train", 0.5f32), ("val", 0.7)], 3u32)
            .unwrap();
        w.flush().unwrap();
        for (run, v) in [("exp/run/loss_train", 0.5f32), ("exp/run/loss_val", 0.7)] {
            let events = run_events(&*store, run);
            assert_eq!(scalars(&events, "loss"), vec![(3, v)], "{run}");
        }
        w.close().unwrap();
    }

    #[test]
    fn ranks_log_into_their_own_runs_in_the_store() {
        use tensorboard_writer::rank::{Rank, RankLayout};
        let store = Faulty::new();
        // Four ranks of one torchrun job, as each process would see its environment.
        let mut writers = Vec::new();
        for r in 0..4 {
            let env = [("RANK", r.to_string()), ("WORLD_SIZE", "4".to_string())];
            let rank =
                Rank::from_lookup(|k| env.iter().find(|(n, _)| *n == k).map(|(_, v)| v.clone()))
                    .unwrap();
            let main_only = rank.builder("job", RankLayout::MainOnly);
            assert_eq!(main_only.is_some(), r == 0);
            let w = rank
                .builder("job", RankLayout::Subdirectories)
                .unwrap()
                .object_store(store.clone())
                .flush_interval(Duration::from_secs(3600))
                .build()
                .unwrap();
            w.add_scalar("throughput", r as f32, 7u32).unwrap();
            writers.push(w);
        }
        for (r, w) in writers.into_iter().enumerate() {
            w.close().unwrap();
            let run = format!("job/rank_{r}");
            assert_eq!(
                scalars(&run_events(&*store, &run), "throughput"),
                vec![(7, r as f32)],
                "{run}"
            );
        }
        // Nothing directly under the job prefix: every rank has its own run.
        assert!(objects(&*store, "job").is_empty());
    }

    #[test]
    fn a_new_writer_sorts_after_existing_objects() {
        let store = Faulty::new();
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_secs();
        let old = format!(
            "run/events.out.tfevents.{:010}.zzzz.1.000000.000000",
            now + 100
        );
        rt().block_on(store.inner.put_opts(
            &Path::from(old.as_str()),
            PutPayload::from_static(b""),
            PutOptions::default(),
        ))
        .unwrap();
        let w = builder("run", &store).build().unwrap();
        let cur = w.upload_status().unwrap().current_object;
        assert!(cur > old, "{cur} sorts before {old}");
        assert!(
            cur.contains(&format!("tfevents.{:010}.", now + 101)),
            "{cur}"
        );
        w.close().unwrap();
        let names: Vec<String> = objects(&*store, "run").into_iter().map(|o| o.0).collect();
        assert_eq!(names.last(), Some(&cur));
    }

    #[test]
    fn dropping_the_writer_uploads_everything() {
        let store = Faulty::new();
        let w = builder("run", &store).build().unwrap();
        w.add_scalar("bye", 3.0f32, 9u32).unwrap();
        drop(w);
        assert_eq!(scalars(&run_events(&*store, "run"), "bye"), vec![(9, 3.0)]);
    }

    #[test]
    fn bad_options_are_errors() {
        let store = Faulty::new();
        for b in [
            builder("r", &store).segment_bytes(0),
            builder("r", &store).segment_uploads(0),
            builder("r", &store).max_spool_bytes(0),
            builder("r", &store).upload_timeout(Duration::ZERO),
        ] {
            assert!(matches!(b.build(), Err(Error::InvalidOption(_))));
        }
        assert!(store.puts.lock().unwrap().is_empty());
        // "Wait for ever" is a valid timeout, not an overflow.
        let w = builder("forever", &store)
            .upload_timeout(Duration::MAX)
            .build()
            .unwrap();
        w.add_scalar("x", 1.0f32, 1u32).unwrap();
        w.flush().unwrap();
        w.close().unwrap();
        assert!(matches!(
            builder("a//b", &store).build(),
            Err(Error::InvalidUrl { .. })
        ));
    }

    #[test]
    fn embeddings_are_refused_and_local_writers_have_no_upload_status() {
        let store = Faulty::new();
        let w = builder("run", &store).build().unwrap();
        let e = tensorboard_writer::projector::Embedding::new("fc1", &[0.5f32; 8], [2, 4]);
        assert!(matches!(
            w.add_embedding(&e, 1u32),
            Err(Error::InvalidInput { .. })
        ));
        w.close().unwrap();
        let dir = tempfile::tempdir().unwrap();
        assert!(
            SummaryWriter::new(dir.path())
                .unwrap()
                .upload_status()
                .is_none()
        );
    }
}
