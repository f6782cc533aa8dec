//! A run written through S3 (issue #9): run `s3`, logged to `<TBW_COMPAT_S3_URL>/s3` (an
//! `s3://bucket/prefix` URL; endpoint and credentials in the AWS_* variables) with small
//! segments, then downloaded through the S3 API (LIST and GET) into `<LOGDIR>/s3`, one file per
//! segment object, so that TensorBoard reads it like any other run. Only with
//! `--features object-store`, when `scripts/tensorboard-compat.sh` starts an S3 server
//! (s3s-fs, `scripts/s3-server.sh`) and sets TBW_COMPAT_S3_URL.
//!
//! Scalars, histograms, images and text, flushed every 5 steps with segments capped at 3
//! uploads and 8 KiB, so the run is several objects; the manifest gets the same sections as
//! the local runs (`scalars`, `histograms`, `images`, `text`), with the same oracles.

use std::path::Path;

use serde_json::{Value, json};
use tensorboard_writer::object_store::aws::AmazonS3Builder;
use tensorboard_writer::object_store::path::Path as ObjectPath;
use tensorboard_writer::object_store::{ObjectStore, ObjectStoreExt};
use tensorboard_writer::reader::read_events;
use tensorboard_writer::summary::image::ImageLayout;
use tensorboard_writer::{SummaryWriter, proto};

use crate::rng::Rng;
use crate::{Error, Manifest, histograms};

const RUN: &str = "s3";
/// Fewer segment objects than this means the segment caps did not work: an error.
const MIN_SEGMENTS: usize = 3;

/// Pixel (x, y) of the image at `step`: RGB.
fn pixel(x: usize, y: usize, step: usize) -> [u8; 3] {
    [(x * 15) as u8, (y * 20) as u8, ((x + y) * 7 + step) as u8]
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Writes run `s3` through `url` (`s3://bucket/prefix`), downloads it into `logdir/s3` and
/// records what TensorBoard must serve for it.
pub fn write(logdir: &Path, m: &mut Manifest, url: &str) -> Result<(), Error> {
    let Some((bucket, prefix)) = url
        .strip_prefix("s3://")
        .and_then(|rest| rest.split_once('/'))
        .map(|(b, p)| (b.to_owned(), p.trim_matches('/').to_owned()))
    else {
        return Err(format!("TBW_COMPAT_S3_URL={url:?} is not s3://bucket/prefix").into());
    };
    let run_url = format!("s3://{bucket}/{prefix}/{RUN}");
    let w = SummaryWriter::builder(&run_url)
        .segment_bytes(8 << 10)
        .segment_uploads(3)
        .build()?;

    let (iw, ih) = (16usize, 12usize);
    let mut images = Vec::new();
    let mut rng = Rng(0x53);
    for step in 0..60u32 {
        let s = i64::from(step);
        let loss = 2.0 / (1.0 + step as f32);
        w.step(step)
            .scalar("train/loss", loss)
            .scalar("train/accuracy", 1.0 - loss / 2.0)
            .write()?;
        m.expect(RUN, "train/loss", s, loss, None);
        m.expect(RUN, "train/accuracy", s, 1.0 - loss / 2.0, None);
        if step % 4 == 0 {
            let v: Vec<f32> = (0..400)
                .map(|_| rng.unit() * (1.0 + step as f32 / 10.0) - 0.5)
                .collect();
            w.add_histogram("fc1/weights", &v, step)?;
            let v64: Vec<f64> = v.iter().map(|&x| f64::from(x)).collect();
            histograms::expect_default(m, RUN, "fc1/weights", s, &v64);
        }
        if step % 6 == 0 {
            let hwc: Vec<u8> = (0..ih)
                .flat_map(|y| (0..iw).flat_map(move |x| pixel(x, y, step as usize)))
                .collect();
            w.add_image("inputs", &hwc, ImageLayout::Hwc(ih, iw, 3), step)?;
            let px = |x: usize, y: usize| json!([x, y, pixel(x, y, step as usize)]);
            images.push((
                s,
                vec![
                    px(0, 0),
                    px(iw - 1, 0),
                    px(0, ih - 1),
                    px(iw - 1, ih - 1),
                    px(7, 5),
                ],
            ));
        }
        if step % 20 == 0 {
            w.add_text("notes", &format!("step **{step}** through *S3*"), step)?;
            m.point(
                RUN,
                "text",
                "notes",
                json!({"step": s, "contains": [format!("<strong>{step}</strong>"), "<em>S3</em>"]}),
            );
        }
        if step % 5 == 4 {
            w.flush()?;
        }
    }
    w.close()?;
    let status = w.upload_status();

    // Download every object under the run's prefix through the S3 API.
    let store = AmazonS3Builder::from_env()
        .with_bucket_name(&bucket)
        .build()?;
    let dir = logdir.join(RUN);
    std::fs::create_dir_all(&dir)?;
    let run_prefix = ObjectPath::from(format!("{prefix}/{RUN}"));
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    let (count, bytes) = rt.block_on(async {
        let list = store.list_with_delimiter(Some(&run_prefix)).await?;
        if !list.common_prefixes.is_empty() {
            return Err(format!("unexpected sub-prefixes: {:?}", list.common_prefixes).into());
        }
        let mut total = 0usize;
        for meta in &list.objects {
            let Some(name) = meta.location.filename() else {
                return Err(format!("object without a name: {}", meta.location).into());
            };
            if !name.contains("tfevents") {
                return Err(format!("object {} is not an event file", meta.location).into());
            }
            let data = store.get(&meta.location).await?.bytes().await?;
            total += data.len();
            std::fs::write(dir.join(name), &data)?;
        }
        Ok::<_, Error>((list.objects.len(), total))
    })?;
    println!(
        "s3: run {RUN} written to {run_url} as {count} segment objects, {bytes} bytes \
         downloaded into {}; {status:?}",
        dir.display()
    );
    if count < MIN_SEGMENTS {
        return Err(format!(
            "s3: only {count} objects under {run_url}, expected at least {MIN_SEGMENTS} segments"
        )
        .into());
    }

    // The images as stored (the downloaded files, in name order), for the manifest's bytes.
    let mut stored = std::collections::BTreeMap::new();
    for e in read_events(&dir)? {
        let Some(proto::event::What::Summary(s)) = e.what else {
            continue;
        };
        for v in s.value {
            if let (Some(proto::summary::value::Value::Tensor(t)), "inputs") =
                (v.value, v.tag.as_str())
            {
                stored.insert(e.step, t.string_val.get(2).cloned().unwrap_or_default());
            }
        }
    }
    for (step, pixels) in images {
        let Some(png) = stored.get(&step) else {
            return Err(format!("s3: image at step {step} is not in the downloaded run").into());
        };
        let blob = json!({"mime": "image/png", "hex": hex(png), "pixels": pixels});
        m.point(
            RUN,
            "images",
            "inputs",
            json!({"step": step, "width": iw, "height": ih, "blobs": Value::Array(vec![blob])}),
        );
    }
    Ok(())
}
