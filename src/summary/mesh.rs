//! Meshes and point clouds: 3-D vertices with optional triangle faces and per-vertex colors,
//! shown in the Mesh dashboard (three.js).
//!
//! # Form
//!
//! A mesh named `tag` is written as one tag per component, all in the same event
//! (docs/FORMAT.md §3, Mesh; TensorBoard's `mesh` summary):
//!
//! | tag | tensor |
//! |---|---|
//! | `<tag>_VERTEX` | `DT_FLOAT` `[B, N, 3]`: x, y, z of each vertex |
//! | `<tag>_FACE` | `DT_INT32` `[B, F, 3]`: vertex indices of each triangle (if given) |
//! | `<tag>_COLOR` | `DT_UINT8` `[B, N, 3]`: r, g, b of each vertex (if given) |
//!
//! `B` is the number of meshes in the batch (TensorBoard's "samples"). Each value has plugin
//! `mesh`, data class `TENSOR`, and `MeshPluginData { version: 0, name: <tag>,
//! content_type, json_config, shape: <that tensor's shape>, components }`, where
//! `components` is the bit mask `OR(1 << content_type)` of the components present
//! (VERTEX = 1, FACE = 2, COLOR = 3). `json_config` is the three.js scene configuration
//! (camera, lights, material), `{}` when none is given.
//!
//! TensorBoard fixes a tag's metadata (and so the `samples` it reports) from its first
//! value: keep the batch size of a mesh tag constant.

use crate::error::{Error, Result};
use crate::proto::mesh::{MeshPluginData, mesh_plugin_data::ContentType};
use crate::proto::{DataClass, DataType, TensorProto, summary};
use crate::writer::{Step, StepBuilder, SummaryWriter};

use super::{content, f32_tensor, metadata, shape, tensor_value};

fn bad(reason: String) -> Error {
    Error::InvalidInput {
        what: "mesh",
        reason,
    }
}

/// A checked batch of meshes, ready to be written.
struct Mesh<'a> {
    batch: usize,
    vertices: &'a [[f32; 3]],
    faces: Option<&'a [[u32; 3]]>,
    colors: Option<&'a [[u8; 3]]>,
    config: &'a str,
}

impl<'a> Mesh<'a> {
    fn new(
        batch: usize,
        vertices: &'a [[f32; 3]],
        faces: Option<&'a [[u32; 3]]>,
        colors: Option<&'a [[u8; 3]]>,
        config_json: Option<&'a str>,
    ) -> Result<Self> {
        if batch == 0 {
            return Err(bad("the batch size must be at least 1".into()));
        }
        if vertices.is_empty() {
            return Err(bad("a mesh needs at least one vertex".into()));
        }
        let n = per_mesh("vertices", vertices.len(), batch)?;
        if let Some(i) = vertices
            .iter()
            .position(|v| !v.iter().all(|c| c.is_finite()))
        {
            return Err(bad(format!(
                "vertex {i} is {:?}; coordinates must be finite",
                vertices[i]
            )));
        }
        if let Some(faces) = faces {
            if faces.is_empty() {
                return Err(bad(
                    "faces are given but empty; pass None for a point cloud".into(),
                ));
            }
            per_mesh("faces", faces.len(), batch)?;
            if let Some((i, f)) = faces
                .iter()
                .enumerate()
                .find(|(_, f)| f.iter().any(|&x| x as usize >= n))
            {
                return Err(bad(format!(
                    "face {i} is {f:?}; vertex indices must be below the {n} vertices of a mesh"
                )));
            }
        }
        if let Some(colors) = colors {
            if colors.len() != vertices.len() {
                return Err(bad(format!(
                    "{} colors for {} vertices; give one color per vertex",
                    colors.len(),
                    vertices.len()
                )));
            }
        }
        let config = match config_json {
            None => "{}",
            Some(c) => {
                check_json_object(c).map_err(|e| bad(format!("config_json: {e}")))?;
                c
            }
        };
        Ok(Mesh {
            batch,
            vertices,
            faces,
            colors,
            config,
        })
    }

    fn components(&self) -> u32 {
        let mut c = 1 << ContentType::Vertex as u32;
        if self.faces.is_some() {
            c |= 1 << ContentType::Face as u32;
        }
        if self.colors.is_some() {
            c |= 1 << ContentType::Color as u32;
        }
        c
    }

    /// The (content type, tensor) of each component present.
    fn tensors(&self) -> Vec<(ContentType, TensorProto)> {
        let b = self.batch;
        let n = self.vertices.len() / b;
        let mut out = vec![(
            ContentType::Vertex,
            f32_tensor(&[b, n, 3], self.vertices.iter().flatten().copied()),
        )];
        if let Some(faces) = self.faces {
            let mut bytes = Vec::with_capacity(faces.len() * 12);
            // Indices are below n <= i32::MAX (checked), so they fit an i32.
            for &x in faces.iter().flatten() {
                bytes.extend_from_slice(&(x as i32).to_le_bytes());
            }
            out.push((
                ContentType::Face,
                raw_tensor(DataType::DtInt32, &[b, faces.len() / b, 3], bytes),
            ));
        }
        if let Some(colors) = self.colors {
            let bytes = colors.iter().flatten().copied().collect();
            out.push((
                ContentType::Color,
                raw_tensor(DataType::DtUint8, &[b, n, 3], bytes),
            ));
        }
        out
    }

    /// The value of one component, for the user-facing `name`.
    fn value(&self, name: &str, tag: String, ct: ContentType, t: TensorProto) -> summary::Value {
        let dims = t
            .tensor_shape
            .as_ref()
            .map(|s| s.dim.iter().map(|d| d.size as i32).collect())
            .unwrap_or_default();
        let md = metadata(
            "mesh",
            content(&MeshPluginData {
                version: 0,
                name: name.to_owned(),
                content_type: ct as i32,
                json_config: self.config.to_owned(),
                shape: dims,
                components: self.components(),
            }),
            DataClass::Tensor,
        );
        tensor_value(tag, md, t)
    }
}

/// Items per mesh when `len` items are split into `batch` meshes; the count must fit the
/// `int32` shape TensorBoard stores.
fn per_mesh(what: &str, len: usize, batch: usize) -> Result<usize> {
    if len % batch != 0 {
        return Err(bad(format!(
            "{len} {what} cannot be split into {batch} meshes of equal size"
        )));
    }
    let n = len / batch;
    if n > i32::MAX as usize || batch > i32::MAX as usize {
        return Err(bad(format!("{n} {what} per mesh is above the int32 limit")));
    }
    Ok(n)
}

fn raw_tensor(dtype: DataType, dims: &[usize], bytes: Vec<u8>) -> TensorProto {
    TensorProto {
        dtype: dtype as i32,
        tensor_shape: Some(shape(dims)),
        tensor_content: bytes,
        ..Default::default()
    }
}

/// Checks that `s` is one JSON object (RFC 8259), as the dashboard `JSON.parse`s it.
///
/// Our own validator rather than `serde_json`: that would add serde, serde_json, itoa and
/// memchr to every user's build (BENCHMARKS.md, "Building and the first run") for one
/// optional argument of one dashboard.
fn check_json_object(s: &str) -> std::result::Result<(), String> {
    let mut p = JsonCheck {
        b: s.as_bytes(),
        i: 0,
    };
    p.ws();
    if p.peek() != Some(b'{') {
        return Err("not a JSON object".into());
    }
    p.value(0)?;
    p.ws();
    if p.i != p.b.len() {
        return Err(format!("unexpected text at byte {}", p.i));
    }
    Ok(())
}

struct JsonCheck<'a> {
    b: &'a [u8],
    i: usize,
}

impl JsonCheck<'_> {
    const MAX_DEPTH: usize = 128;

    fn peek(&self) -> Option<u8> {
        self.b.get(self.i).copied()
    }

    fn err<T>(&self, what: &str) -> std::result::Result<T, String> {
        Err(format!("invalid JSON at byte {}: {what}", self.i))
    }

    fn ws(&mut self) {
        while matches!(self.peek(), Some(b' ' | b'\t' | b'\n' | b'\r')) {
            self.i += 1;
        }
    }

    fn eat(&mut self, c: u8) -> bool {
        if self.peek() == Some(c) {
            self.i += 1;
            true
        } else {
            false
        }
    }

    fn value(&mut self, depth: usize) -> std::result::Result<(), String> {
        if depth > Self::MAX_DEPTH {
            return self.err("nested too deeply");
        }
        self.ws();
        match self.peek() {
            Some(b'{') => {
                self.i += 1;
                self.ws();
                if self.eat(b'}') {
                    return Ok(());
                }
                loop {
                    self.ws();
                    if self.peek() != Some(b'"') {
                        return self.err("expected a string key");
                    }
                    self.string()?;
                    self.ws();
                    if !self.eat(b':') {
                        return self.err("expected ':'");
                    }
                    self.value(depth + 1)?;
                    self.ws();
                    if self.eat(b'}') {
                        return Ok(());
                    }
                    if !self.eat(b',') {
                        return self.err("expected ',' or '}'");
                    }
                }
            }
            Some(b'[') => {
                self.i += 1;
                self.ws();
                if self.eat(b']') {
                    return Ok(());
                }
                loop {
                    self.value(depth + 1)?;
                    self.ws();
                    if self.eat(b']') {
                        return Ok(());
                    }
                    if !self.eat(b',') {
                        return self.err("expected ',' or ']'");
                    }
                }
            }
            Some(b'"') => self.string(),
            Some(b't') => self.literal(b"true"),
            Some(b'f') => self.literal(b"false"),
            Some(b'n') => self.literal(b"null"),
            Some(b'-' | b'0'..=b'9') => self.number(),
            _ => self.err("expected a value"),
        }
    }

    fn literal(&mut self, word: &[u8]) -> std::result::Result<(), String> {
        if self.b[self.i..].starts_with(word) {
            self.i += word.len();
            Ok(())
        } else {
            self.err("unknown literal")
        }
    }

    fn digits(&mut self) -> usize {
        let start = self.i;
        while matches!(self.peek(), Some(b'0'..=b'9')) {
            self.i += 1;
        }
        self.i - start
    }

    fn number(&mut self) -> std::result::Result<(), String> {
        self.eat(b'-');
        if self.eat(b'0') {
            if matches!(self.peek(), Some(b'0'..=b'9')) {
                return self.err("leading zero");
            }
        } else if self.digits() == 0 {
            return self.err("expected a digit");
        }
        if self.eat(b'.') && self.digits() == 0 {
            return self.err("expected a digit after '.'");
        }
        if matches!(self.peek(), Some(b'e' | b'E')) {
            self.i += 1;
            if !self.eat(b'+') {
                self.eat(b'-');
            }
            if self.digits() == 0 {
                return self.err("expected an exponent");
            }
        }
        Ok(())
    }

    fn string(&mut self) -> std::result::Result<(), String> {
        self.i += 1; // the opening quote
        loop {
            match self.peek() {
                None => return self.err("unterminated string"),
                Some(b'"') => {
                    self.i += 1;
                    return Ok(());
                }
                Some(b'\\') => {
                    self.i += 1;
                    match self.peek() {
                        Some(b'"' | b'\\' | b'/' | b'b' | b'f' | b'n' | b'r' | b't') => self.i += 1,
                        Some(b'u') => {
                            let hex = self.b.get(self.i + 1..self.i + 5);
                            if !hex.is_some_and(|h| h.iter().all(u8::is_ascii_hexdigit)) {
                                return self.err("bad \\u escape");
                            }
                            self.i += 5;
                        }
                        _ => return self.err("bad escape"),
                    }
                }
                Some(c) if c < 0x20 => return self.err("control character in string"),
                Some(_) => self.i += 1,
            }
        }
    }
}

impl SummaryWriter {
    /// Logs one mesh (or point cloud) under `tag` at `step`, shown in the Mesh dashboard.
    ///
    /// - `vertices`: the x, y, z coordinates of the `N` vertices (finite).
    /// - `faces`: triangles as indices into `vertices` (each below `N`), or `None` for a
    ///   point cloud.
    /// - `colors`: an r, g, b color per vertex, or `None`.
    /// - `config_json`: the three.js scene configuration as a JSON object (for example
    ///   `{"camera": {"cls": "PerspectiveCamera", "fov": 75}}`), or `None` for the
    ///   dashboard's defaults.
    ///
    /// Writes `<tag>_VERTEX`, `<tag>_FACE` and `<tag>_COLOR` with a batch of one (see the
    /// [module documentation](crate::summary::mesh)). Errors ([`Error::InvalidInput`]), with
    /// nothing written: no vertices, a non-finite coordinate, an empty face list, a face
    /// index out of range, a color count other than the vertex count, a config that is not
    /// a JSON object.
    ///
    /// ```
    /// # let dir = tempfile::tempdir()?;
    /// # let writer = tensorboard_writer::SummaryWriter::new(dir.path())?;
    /// // A tetrahedron with a color per corner.
    /// let vertices = [[1.0, 1.0, 1.0], [1.0, -1.0, -1.0], [-1.0, 1.0, -1.0], [-1.0, -1.0, 1.0]];
    /// let faces = [[0, 1, 2], [0, 3, 1], [0, 2, 3], [1, 3, 2]];
    /// let colors = [[255, 0, 0], [0, 255, 0], [0, 0, 255], [255, 255, 0]];
    /// writer.add_mesh("tetra", &vertices, Some(&faces), Some(&colors), None, 0u32)?;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn add_mesh(
        &self,
        tag: &str,
        vertices: &[[f32; 3]],
        faces: Option<&[[u32; 3]]>,
        colors: Option<&[[u8; 3]]>,
        config_json: Option<&str>,
        step: impl Step,
    ) -> Result<()> {
        self.step(step)
            .mesh(tag, vertices, faces, colors, config_json)
            .write()
    }

    /// Logs a batch of `batch_size` meshes of the same size under `tag` (TensorBoard's
    /// `[B, N, 3]` tensors, shown as samples): `vertices`, `faces` and `colors` hold the
    /// meshes one after the other, so each length must be a multiple of `batch_size`, and
    /// face indices count from the start of their own mesh. Otherwise as
    /// [`add_mesh`](Self::add_mesh).
    ///
    /// ```
    /// # let dir = tempfile::tempdir()?;
    /// # let writer = tensorboard_writer::SummaryWriter::new(dir.path())?;
    /// // Two triangles, the second one shifted up.
    /// let vertices = [
    ///     [0.0, 0.0, 0.0], [1.0, 0.0, 0.0], [0.0, 1.0, 0.0],
    ///     [0.0, 0.0, 1.0], [1.0, 0.0, 1.0], [0.0, 1.0, 1.0],
    /// ];
    /// let faces = [[0, 1, 2], [0, 1, 2]];
    /// writer.add_mesh_batch("triangles", 2, &vertices, Some(&faces), None, None, 0u32)?;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[allow(clippy::too_many_arguments)] // add_mesh's arguments and the batch size
    pub fn add_mesh_batch(
        &self,
        tag: &str,
        batch_size: usize,
        vertices: &[[f32; 3]],
        faces: Option<&[[u32; 3]]>,
        colors: Option<&[[u8; 3]]>,
        config_json: Option<&str>,
        step: impl Step,
    ) -> Result<()> {
        self.step(step)
            .mesh_batch(tag, batch_size, vertices, faces, colors, config_json)
            .write()
    }
}

impl StepBuilder<'_> {
    /// Adds one mesh (see [`SummaryWriter::add_mesh`]).
    pub fn mesh(
        self,
        tag: &str,
        vertices: &[[f32; 3]],
        faces: Option<&[[u32; 3]]>,
        colors: Option<&[[u8; 3]]>,
        config_json: Option<&str>,
    ) -> Self {
        self.mesh_batch(tag, 1, vertices, faces, colors, config_json)
    }

    /// Adds a batch of meshes (see [`SummaryWriter::add_mesh_batch`]).
    pub fn mesh_batch(
        self,
        tag: &str,
        batch_size: usize,
        vertices: &[[f32; 3]],
        faces: Option<&[[u32; 3]]>,
        colors: Option<&[[u8; 3]]>,
        config_json: Option<&str>,
    ) -> Self {
        let mesh = match Mesh::new(batch_size, vertices, faces, colors, config_json) {
            Ok(m) => m,
            Err(e) => return self.tagged(tag, |_| Err(e)),
        };
        let mut builder = self;
        for (ct, tensor) in mesh.tensors() {
            let suffix = match ct {
                ContentType::Face => "_FACE",
                ContentType::Color => "_COLOR",
                _ => "_VERTEX",
            };
            builder = builder.tagged(&format!("{tag}{suffix}"), |full| {
                let name = full.strip_suffix(suffix).unwrap_or(&full).to_owned();
                Ok(mesh.value(&name, full, ct, tensor))
            });
        }
        builder
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_objects() {
        for ok in [
            "{}",
            " { } ",
            r#"{"camera": {"cls": "PerspectiveCamera", "fov": 75, "near": 0.1, "far": 1e3}}"#,
            r##"{"lights": [{"cls": "AmbientLight", "color": "#ffffff", "intensity": -0.75}], "a": [true, false, null, [], "\u00e9\n"]}"##,
        ] {
            assert!(check_json_object(ok).is_ok(), "{ok}");
        }
        for bad in [
            "",
            "[]",
            "1",
            "{",
            "{\"a\"}",
            "{\"a\": }",
            "{\"a\": 1,}",
            "{a: 1}",
            "{\"a\": 01}",
            "{\"a\": 1.}",
            "{\"a\": tru}",
            "{\"a\": \"\\x\"}",
            "{\"a\": \"\n\"}",
            "{} {}",
            "{\"a\": [1 2]}",
        ] {
            assert!(check_json_object(bad).is_err(), "{bad:?}");
        }
        let deep = format!("{{\"a\": {}1{}}}", "[".repeat(1000), "]".repeat(1000));
        assert!(check_json_object(&deep).is_err());
    }

    #[test]
    fn components_and_shapes() {
        let v = [[0.0; 3]; 6];
        let f = [[0, 1, 2]; 4];
        let c = [[1u8; 3]; 6];
        let m = Mesh::new(2, &v, Some(&f), Some(&c), None).unwrap();
        assert_eq!(m.components(), 14);
        let dims: Vec<Vec<i64>> = m
            .tensors()
            .iter()
            .map(|(_, t)| {
                t.tensor_shape
                    .as_ref()
                    .unwrap()
                    .dim
                    .iter()
                    .map(|d| d.size)
                    .collect()
            })
            .collect();
        assert_eq!(dims, [vec![2, 3, 3], vec![2, 2, 3], vec![2, 3, 3]]);
        assert_eq!(
            Mesh::new(1, &v, Some(&f), None, None).unwrap().components(),
            6
        );
        assert_eq!(Mesh::new(1, &v, None, None, None).unwrap().components(), 2);
    }

    #[test]
    fn bad_meshes() {
        let v = [[0.0; 3]; 6];
        let f = [[0, 1, 2]; 4];
        let c = [[1u8; 3]; 6];
        let cases: [Result<Mesh<'_>>; 9] = [
            Mesh::new(0, &v, None, None, None),
            Mesh::new(1, &[], None, None, None),
            Mesh::new(4, &v, None, None, None),
            Mesh::new(3, &v, Some(&f), None, None),
            Mesh::new(2, &v, Some(&[[0, 1, 3]; 2]), None, None),
            Mesh::new(1, &v, Some(&[]), None, None),
            Mesh::new(1, &v, None, Some(&c[..5]), None),
            Mesh::new(1, &[[0.0, f32::NAN, 0.0]], None, None, None),
            Mesh::new(1, &v, None, None, Some("[1]")),
        ];
        for (i, r) in cases.into_iter().enumerate() {
            assert!(
                matches!(r, Err(Error::InvalidInput { what: "mesh", .. })),
                "case {i}"
            );
        }
        // Index 5 is fine with 6 vertices in one mesh, not with 3 per mesh.
        assert!(Mesh::new(1, &v, Some(&[[0, 1, 5]]), None, None).is_ok());
        assert!(Mesh::new(2, &v, Some(&[[0, 1, 5]; 2]), None, None).is_err());
    }
}
