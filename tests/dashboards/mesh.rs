//! Mesh summaries as written to disk: one tag per component, tensors and metadata.

use prost::Message;
use tensorboard_writer::proto::mesh::MeshPluginData;
use tensorboard_writer::reader::read_events;
use tensorboard_writer::{Error, SummaryWriter, proto};

/// The summary events: (step, values).
fn events(dir: &std::path::Path) -> Vec<(i64, Vec<proto::summary::Value>)> {
    read_events(dir)
        .unwrap()
        .into_iter()
        .filter_map(|e| match e.what {
            Some(proto::event::What::Summary(s)) => Some((e.step, s.value)),
            _ => None,
        })
        .collect()
}

struct Component {
    tag: String,
    dtype: i32,
    dims: Vec<i64>,
    bytes: Vec<u8>,
    plugin: MeshPluginData,
}

fn component(v: &proto::summary::Value) -> Component {
    let md = v.metadata.as_ref().unwrap();
    let pd = md.plugin_data.as_ref().unwrap();
    assert_eq!(pd.plugin_name, "mesh");
    assert_eq!(md.data_class, proto::DataClass::Tensor as i32);
    let Some(proto::summary::value::Value::Tensor(t)) = &v.value else {
        panic!("not a tensor")
    };
    Component {
        tag: v.tag.clone(),
        dtype: t.dtype,
        dims: t
            .tensor_shape
            .as_ref()
            .unwrap()
            .dim
            .iter()
            .map(|d| d.size)
            .collect(),
        bytes: t.tensor_content.clone(),
        plugin: MeshPluginData::decode(&pd.content[..]).unwrap(),
    }
}

fn f32_bytes(v: &[f32]) -> Vec<u8> {
    v.iter().flat_map(|x| x.to_le_bytes()).collect()
}

fn i32_bytes(v: &[i32]) -> Vec<u8> {
    v.iter().flat_map(|x| x.to_le_bytes()).collect()
}

#[test]
fn mesh_with_faces_and_colors() {
    let dir = tempfile::tempdir().unwrap();
    let w = SummaryWriter::new(dir.path()).unwrap();
    let s = w.scope("shapes").unwrap();
    let vertices = [
        [1.0, 1.0, 1.0],
        [1.0, -1.0, -1.0],
        [-1.0, 1.0, -1.0],
        [-1.0, -1.0, 1.0],
    ];
    let faces = [[0, 1, 2], [0, 3, 1], [0, 2, 3], [1, 3, 2]];
    let colors = [[255, 0, 0], [0, 255, 0], [0, 0, 255], [255, 255, 0]];
    let config = r#"{"camera": {"cls": "PerspectiveCamera", "fov": 60}}"#;
    s.add_mesh(
        "tetra",
        &vertices,
        Some(&faces),
        Some(&colors),
        Some(config),
        5u32,
    )
    .unwrap();
    w.close().unwrap();

    let ev = events(dir.path());
    assert_eq!(ev.len(), 1, "all components in one event");
    assert_eq!(ev[0].0, 5);
    let c: Vec<Component> = ev[0].1.iter().map(component).collect();
    let tags: Vec<&str> = c.iter().map(|c| c.tag.as_str()).collect();
    assert_eq!(
        tags,
        [
            "shapes/tetra_VERTEX",
            "shapes/tetra_FACE",
            "shapes/tetra_COLOR"
        ]
    );
    // content types VERTEX=1, FACE=2, COLOR=3; components = 2|4|8.
    for (c, content_type) in c.iter().zip([1, 2, 3]) {
        assert_eq!(c.plugin.version, 0);
        assert_eq!(c.plugin.name, "shapes/tetra");
        assert_eq!(c.plugin.content_type, content_type);
        assert_eq!(c.plugin.components, 14);
        assert_eq!(c.plugin.json_config, config);
        let dims: Vec<i64> = c.plugin.shape.iter().map(|&d| i64::from(d)).collect();
        assert_eq!(dims, c.dims, "metadata shape is the tensor's shape");
    }
    assert_eq!(c[0].dtype, proto::DataType::DtFloat as i32);
    assert_eq!(c[0].dims, [1, 4, 3]);
    assert_eq!(
        c[0].bytes,
        f32_bytes(&[
            1.0, 1.0, 1.0, 1.0, -1.0, -1.0, -1.0, 1.0, -1.0, -1.0, -1.0, 1.0
        ])
    );
    assert_eq!(c[1].dtype, proto::DataType::DtInt32 as i32);
    assert_eq!(c[1].dims, [1, 4, 3]);
    assert_eq!(c[1].bytes, i32_bytes(&[0, 1, 2, 0, 3, 1, 0, 2, 3, 1, 3, 2]));
    assert_eq!(c[2].dtype, proto::DataType::DtUint8 as i32);
    assert_eq!(c[2].dims, [1, 4, 3]);
    assert_eq!(c[2].bytes, [255, 0, 0, 0, 255, 0, 0, 0, 255, 255, 255, 0]);
}

#[test]
fn point_cloud_and_batches() {
    let dir = tempfile::tempdir().unwrap();
    let w = SummaryWriter::new(dir.path()).unwrap();
    let points = [[0.5, 0.25, -2.0], [3.0, 4.0, 5.0]];
    w.add_mesh("cloud", &points, None, None, None, 0u32)
        .unwrap();
    // Two meshes of 3 vertices and 1 face each.
    let vertices = [
        [0.0; 3],
        [1.0, 0.0, 0.0],
        [0.0, 1.0, 0.0],
        [0.0, 0.0, 1.0],
        [1.0, 0.0, 1.0],
        [0.0, 1.0, 1.0],
    ];
    let colors = [[9, 8, 7]; 6];
    w.step(1u32)
        .mesh_batch(
            "pair",
            2,
            &vertices,
            Some(&[[0, 1, 2], [2, 1, 0]]),
            Some(&colors),
            None,
        )
        .scalar("loss", 1.0f32)
        .write()
        .unwrap();
    w.close().unwrap();

    let ev = events(dir.path());
    assert_eq!(ev.len(), 2);
    let cloud: Vec<Component> = ev[0].1.iter().map(component).collect();
    assert_eq!(cloud.len(), 1);
    assert_eq!(cloud[0].tag, "cloud_VERTEX");
    assert_eq!(cloud[0].plugin.components, 2, "vertices only");
    assert_eq!(
        cloud[0].plugin.json_config, "{}",
        "TensorBoard's default config"
    );
    assert_eq!(cloud[0].plugin.shape, [1, 2, 3]);
    assert_eq!(cloud[0].bytes, f32_bytes(&[0.5, 0.25, -2.0, 3.0, 4.0, 5.0]));

    let pair: Vec<Component> = ev[1].1[..3].iter().map(component).collect();
    assert_eq!(ev[1].1[3].tag, "loss");
    assert_eq!(pair[0].dims, [2, 3, 3]);
    assert_eq!(pair[1].dims, [2, 1, 3]);
    assert_eq!(pair[2].dims, [2, 3, 3]);
    assert_eq!(pair[1].bytes, i32_bytes(&[0, 1, 2, 2, 1, 0]));
    assert!(
        pair.iter()
            .all(|c| c.plugin.name == "pair" && c.plugin.components == 14)
    );
    assert_eq!(pair[1].plugin.shape, [2, 1, 3]);
}

#[test]
fn bad_meshes_are_refused_and_nothing_written() {
    let dir = tempfile::tempdir().unwrap();
    let w = SummaryWriter::new(dir.path()).unwrap();
    let invalid = |r: Result<(), Error>| matches!(r, Err(Error::InvalidInput { what: "mesh", .. }));
    let v = [[0.0f32; 3]; 3];
    assert!(invalid(w.add_mesh("m", &[], None, None, None, 0u32)));
    assert!(
        invalid(w.add_mesh("m", &v, Some(&[[0, 1, 3]]), None, None, 0u32)),
        "index = N"
    );
    assert!(invalid(w.add_mesh(
        "m",
        &v,
        Some(&[[0, 1, u32::MAX]]),
        None,
        None,
        0u32
    )));
    assert!(invalid(w.add_mesh("m", &v, Some(&[]), None, None, 0u32)));
    assert!(invalid(w.add_mesh(
        "m",
        &v,
        None,
        Some(&[[0u8; 3]; 2]),
        None,
        0u32
    )));
    assert!(invalid(w.add_mesh(
        "m",
        &[[f32::INFINITY, 0.0, 0.0]],
        None,
        None,
        None,
        0u32
    )));
    assert!(invalid(w.add_mesh(
        "m",
        &v,
        None,
        None,
        Some("{camera: 1}"),
        0u32
    )));
    assert!(invalid(w.add_mesh("m", &v, None, None, Some("[]"), 0u32)));
    assert!(invalid(
        w.add_mesh_batch("m", 2, &v, None, None, None, 0u32)
    ));
    assert!(invalid(
        w.add_mesh_batch("m", 0, &v, None, None, None, 0u32)
    ));
    assert!(matches!(
        w.add_mesh("m[0]", &v, None, None, None, 0u32),
        Err(Error::InvalidTag { .. })
    ));
    w.close().unwrap();
    assert!(events(dir.path()).is_empty());
}
