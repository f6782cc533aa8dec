//! Meshes: a colored tetrahedron with a three.js config at two steps, a point cloud (vertices
//! only), and a batch of two meshes written in a scoped, merged step.
//!
//! Manifest section "mesh" (run `mesh`): `{name: [{"step": s, "samples": B, "components":
//! bitmask, "config": json_config string, "parts": {"VERTEX" | "FACE" | "COLOR":
//! {"content_type": 1 | 2 | 3, "shape": [B, n, 3], "samples_hex": [hex of sample k's raw
//! little-endian bytes for k in 0..B]}}}]}`. The check (`tests/compat/sections/mesh.py`)
//! compares `/mesh/tags`, `/mesh/meshes` and the raw bytes `/mesh/data` serves for every
//! part, step and sample.

use std::path::Path;

use serde_json::{Map, Value, json};
use tensorboard_writer::SummaryWriter;

use crate::{Error, Manifest};

const RUN: &str = "mesh";

fn hex(bytes: impl IntoIterator<Item = u8>) -> String {
    bytes.into_iter().map(|b| format!("{b:02x}")).collect()
}

/// What the checker must find for one mesh tag at one step.
struct Expect<'a> {
    batch: usize,
    vertices: &'a [[f32; 3]],
    faces: Option<&'a [[u32; 3]]>,
    colors: Option<&'a [[u8; 3]]>,
    config: &'a str,
}

fn record(m: &mut Manifest, name: &str, step: i64, e: &Expect<'_>) {
    let b = e.batch;
    let mut parts = Map::new();
    let mut components = 1 << 1;
    // The bytes of each of the B samples.
    let per_sample = |bytes: Vec<u8>| -> Vec<String> {
        bytes
            .chunks(bytes.len() / b)
            .map(|c| hex(c.iter().copied()))
            .collect()
    };
    let v_bytes: Vec<u8> = e
        .vertices
        .iter()
        .flatten()
        .flat_map(|x| x.to_le_bytes())
        .collect();
    parts.insert(
        "VERTEX".into(),
        json!({"content_type": 1, "shape": [b, e.vertices.len() / b, 3],
               "samples_hex": per_sample(v_bytes)}),
    );
    if let Some(f) = e.faces {
        components |= 1 << 2;
        let bytes: Vec<u8> = f
            .iter()
            .flatten()
            .flat_map(|&x| (x as i32).to_le_bytes())
            .collect();
        parts.insert(
            "FACE".into(),
            json!({"content_type": 2, "shape": [b, f.len() / b, 3],
                   "samples_hex": per_sample(bytes)}),
        );
    }
    if let Some(c) = e.colors {
        components |= 1 << 3;
        let bytes: Vec<u8> = c.iter().flatten().copied().collect();
        parts.insert(
            "COLOR".into(),
            json!({"content_type": 3, "shape": [b, c.len() / b, 3],
                   "samples_hex": per_sample(bytes)}),
        );
    }
    m.point(
        RUN,
        "mesh",
        name,
        json!({"step": step, "samples": b, "components": components, "config": e.config,
               "parts": Value::Object(parts)}),
    );
}

pub fn write(logdir: &Path, m: &mut Manifest) -> Result<(), Error> {
    let w = SummaryWriter::new(logdir.join(RUN))?;

    let faces = [[0, 1, 2], [0, 3, 1], [0, 2, 3], [1, 3, 2]];
    let colors = [[255, 0, 0], [0, 255, 0], [0, 0, 255], [255, 255, 0]];
    let config = r##"{"camera": {"cls": "PerspectiveCamera", "fov": 75}, "lights": [{"cls": "AmbientLight", "color": "#ffffff", "intensity": 0.75}]}"##;
    for step in 0..2i64 {
        let s = 1.0 + step as f32 * 0.5;
        let vertices = [[s, s, s], [s, -s, -s], [-s, s, -s], [-s, -s, s]];
        w.add_mesh(
            "tetra",
            &vertices,
            Some(&faces),
            Some(&colors),
            Some(config),
            step,
        )?;
        record(
            m,
            "tetra",
            step,
            &Expect {
                batch: 1,
                vertices: &vertices,
                faces: Some(&faces),
                colors: Some(&colors),
                config,
            },
        );
    }

    // A point cloud: vertices only, default config.
    let cloud: Vec<[f32; 3]> = (0..50)
        .map(|i| {
            let t = i as f32 * 0.3;
            [t.cos(), t.sin(), i as f32 / 50.0 - 0.5]
        })
        .collect();
    w.add_mesh("cloud", &cloud, None, None, None, 3u32)?;
    record(
        m,
        "cloud",
        3,
        &Expect {
            batch: 1,
            vertices: &cloud,
            faces: None,
            colors: None,
            config: "{}",
        },
    );

    // Two quads (two triangles each) in one batch, with colors, in a scoped merged step.
    let quads = [
        [0.0, 0.0, 0.0],
        [1.0, 0.0, 0.0],
        [1.0, 1.0, 0.0],
        [0.0, 1.0, 0.0],
        [0.0, 0.0, 2.0],
        [2.0, 0.0, 2.0],
        [2.0, 2.0, 2.0],
        [0.0, 2.0, 2.0],
    ];
    let quad_faces = [[0, 1, 2], [0, 2, 3], [3, 2, 1], [3, 1, 0]];
    let quad_colors = [[10, 20, 30]; 8];
    let scene = w.scope("scene")?;
    scene
        .step(4u32)
        .mesh_batch(
            "quads",
            2,
            &quads,
            Some(&quad_faces),
            Some(&quad_colors),
            None,
        )
        .scalar("vertices", 8.0f32)
        .write()?;
    record(
        m,
        "scene/quads",
        4,
        &Expect {
            batch: 2,
            vertices: &quads,
            faces: Some(&quad_faces),
            colors: Some(&quad_colors),
            config: "{}",
        },
    );
    m.expect(RUN, "scene/vertices", 4, 8.0, None);

    w.close()?;
    Ok(())
}
