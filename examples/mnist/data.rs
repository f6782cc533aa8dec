//! MNIST's IDX files, the batches drawn from them, and a seedable random number generator.

use std::fs;
use std::io::Read;
use std::path::Path;

use candle_core::{Device, Tensor};

use crate::{Context, Result};

/// Digits are `SIDE` × `SIDE` grey pixels.
pub const SIDE: usize = 28;
pub const PIXELS: usize = SIDE * SIDE;

/// The file names of the MNIST database (each may also end in `.gz`).
const TRAIN_IMAGES: &str = "train-images-idx3-ubyte";
const TRAIN_LABELS: &str = "train-labels-idx1-ubyte";
const TEST_IMAGES: &str = "t10k-images-idx3-ubyte";
const TEST_LABELS: &str = "t10k-labels-idx1-ubyte";

/// Digits as bytes (0 = background, 255 = ink), one after the other, and their labels.
pub struct Split {
    pub images: Vec<u8>,
    pub labels: Vec<u8>,
}

pub struct Mnist {
    pub train: Split,
    pub test: Split,
}

impl Split {
    pub fn len(&self) -> usize {
        self.labels.len()
    }

    pub fn image(&self, i: usize) -> &[u8] {
        &self.images[i * PIXELS..(i + 1) * PIXELS]
    }

    /// The digits `indices` as an `(n, 1, 28, 28)` tensor with values in `[0, 1]`, and their
    /// labels as `u32`. With `rng`, each digit is moved by up to `max_shift` pixels in each
    /// direction (a random translation, the classic MNIST augmentation).
    pub fn batch(
        &self,
        indices: &[usize],
        mut rng: Option<&mut Rng>,
        max_shift: usize,
        dev: &Device,
    ) -> Result<(Tensor, Tensor)> {
        let mut pixels = Vec::with_capacity(indices.len() * PIXELS);
        for &i in indices {
            let (dx, dy) = match rng.as_deref_mut() {
                Some(rng) => (rng.shift(max_shift), rng.shift(max_shift)),
                None => (0, 0),
            };
            push_shifted(&mut pixels, self.image(i), dx, dy);
        }
        let labels: Vec<u32> = indices.iter().map(|&i| u32::from(self.labels[i])).collect();
        Ok((
            Tensor::from_vec(pixels, (indices.len(), 1, SIDE, SIDE), dev)?,
            Tensor::from_vec(labels, indices.len(), dev)?,
        ))
    }
}

/// Appends `image` moved right by `dx` and down by `dy` pixels (background fills the gap),
/// scaled to `[0, 1]`.
fn push_shifted(out: &mut Vec<f32>, image: &[u8], dx: isize, dy: isize) {
    for y in 0..SIDE as isize {
        for x in 0..SIDE as isize {
            let (sx, sy) = (x - dx, y - dy);
            let inside = (0..SIDE as isize).contains(&sx) && (0..SIDE as isize).contains(&sy);
            let p = if inside {
                image[sy as usize * SIDE + sx as usize]
            } else {
                0
            };
            out.push(f32::from(p) / 255.0);
        }
    }
}

/// Reads the four MNIST files from `dir`.
pub fn load(dir: &Path) -> Result<Mnist> {
    Ok(Mnist {
        train: load_split(dir, TRAIN_IMAGES, TRAIN_LABELS)?,
        test: load_split(dir, TEST_IMAGES, TEST_LABELS)?,
    })
}

fn load_split(dir: &Path, images_file: &str, labels_file: &str) -> Result<Split> {
    let (dims, images) = read_idx(dir, images_file, 3)?;
    if dims[1..] != [SIDE, SIDE] {
        return Err(format!("{images_file}: the images are {dims:?}, not N×28×28").into());
    }
    let (label_dims, labels) = read_idx(dir, labels_file, 1)?;
    if label_dims[0] != dims[0] {
        return Err(format!(
            "{images_file} has {} images but {labels_file} has {} labels",
            dims[0], label_dims[0]
        )
        .into());
    }
    if labels.is_empty() {
        return Err(format!("{images_file} holds no digits").into());
    }
    if let Some(i) = labels.iter().position(|&l| l > 9) {
        return Err(format!("{labels_file}: label {i} is {}, not a digit", labels[i]).into());
    }
    Ok(Split { images, labels })
}

/// Reads the IDX file `name`, or `name.gz`, from `dir`: unsigned bytes in `rank` dimensions.
/// Returns the dimensions and the data.
fn read_idx(dir: &Path, name: &str, rank: u8) -> Result<(Vec<usize>, Vec<u8>)> {
    let path = [dir.join(name), dir.join(format!("{name}.gz"))]
        .into_iter()
        .find(|p| p.is_file())
        .ok_or_else(|| format!("there is no {name} or {name}.gz in {}", dir.display()))?;
    let shown = path.display();
    let mut bytes = fs::read(&path).context(format_args!("reading {shown}"))?;
    if bytes.starts_with(&[0x1f, 0x8b]) {
        let mut unzipped = Vec::new();
        flate2::read::MultiGzDecoder::new(bytes.as_slice())
            .read_to_end(&mut unzipped)
            .context(format_args!("decompressing {shown}"))?;
        bytes = unzipped;
    }
    // The magic number: two zero bytes, the element type (0x08, unsigned byte), the rank.
    // Then one big-endian u32 per dimension, then the data.
    let magic = [0, 0, 0x08, rank];
    let header = 4 + 4 * usize::from(rank);
    if bytes.len() < header || bytes[..4] != magic {
        return Err(format!(
            "{shown} is not an IDX file of bytes in {rank} dimension(s): it starts with \
             {:02x?}, expected {magic:02x?}",
            &bytes[..bytes.len().min(4)]
        )
        .into());
    }
    let dims: Vec<usize> = bytes[4..header]
        .chunks_exact(4)
        .map(|b| u32::from_be_bytes([b[0], b[1], b[2], b[3]]) as usize)
        .collect();
    let expected = dims.iter().try_fold(1usize, |n, &d| n.checked_mul(d));
    if expected != Some(bytes.len() - header) {
        return Err(format!(
            "{shown}: dimensions {dims:?} need {} bytes of data, the file has {}",
            dims.iter().map(|&d| d as u128).product::<u128>(),
            bytes.len() - header
        )
        .into());
    }
    bytes.drain(..header);
    Ok((dims, bytes))
}

/// Shuffled batches of indices into a split: each pass over the data in a new order.
pub struct Batches {
    order: Vec<usize>,
    next: usize,
}

impl Batches {
    pub fn new(len: usize) -> Batches {
        Batches {
            order: (0..len).collect(),
            next: len, // shuffle before the first batch
        }
    }

    /// The next `size` indices (all of them if the split is smaller).
    pub fn next(&mut self, size: usize, rng: &mut Rng) -> &[usize] {
        if self.next + size > self.order.len() {
            rng.shuffle(&mut self.order);
            self.next = 0;
        }
        let start = self.next;
        self.next = (start + size).min(self.order.len());
        &self.order[start..self.next]
    }
}

/// SplitMix64: small, fast and seedable (candle's CPU generator cannot be seeded).
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed)
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// Uniform in `[0, 1)`.
    pub fn uniform(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }

    /// Standard normal (Box–Muller).
    pub fn normal(&mut self) -> f64 {
        let u = 1.0 - self.uniform(); // in (0, 1]
        (-2.0 * u.ln()).sqrt() * (std::f64::consts::TAU * self.uniform()).cos()
    }

    /// Uniform integer in `[0, n)`.
    fn below(&mut self, n: usize) -> usize {
        (self.next_u64() % n as u64) as usize
    }

    /// Uniform integer in `[-max, max]`.
    fn shift(&mut self, max: usize) -> isize {
        self.below(2 * max + 1) as isize - max as isize
    }

    fn shuffle<T>(&mut self, items: &mut [T]) {
        for i in (1..items.len()).rev() {
            items.swap(i, self.below(i + 1));
        }
    }
}
