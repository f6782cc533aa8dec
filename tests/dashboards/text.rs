//! Text summaries as written to disk.

use tensorboard_writer::{Error, SummaryWriter, proto};

use crate::common::{dims, tensor, values};

#[test]
fn text_list_and_table_shapes_and_metadata() {
    let dir = tempfile::tempdir().unwrap();
    let w = SummaryWriter::new(dir.path()).unwrap();
    let s = w.scope("run_info").unwrap();
    s.add_text("md", "**hi**", 1u32).unwrap();
    s.add_text_list("list", &["a", "b", "c"], 2u32).unwrap();
    s.add_text_table("table", &[vec!["h1", "h2"], vec!["x", "y"]], 3u32)
        .unwrap();
    w.close().unwrap();
    let vals = values(dir.path());
    let got: Vec<(i64, &str, Vec<i64>)> = vals
        .iter()
        .map(|(step, v)| (*step, v.tag.as_str(), dims(tensor(v))))
        .collect();
    assert_eq!(
        got,
        [
            (1, "run_info/md", vec![]),
            (2, "run_info/list", vec![3]),
            (3, "run_info/table", vec![2, 2])
        ]
    );
    for (_, v) in &vals {
        let md = v.metadata.as_ref().unwrap();
        assert_eq!(md.plugin_data.as_ref().unwrap().plugin_name, "text");
        assert!(
            md.plugin_data.as_ref().unwrap().content.is_empty(),
            "version 0"
        );
        assert_eq!(md.data_class, proto::DataClass::Tensor as i32);
        assert_eq!(tensor(v).dtype, proto::DataType::DtString as i32);
    }
    assert_eq!(tensor(&vals[0].1).string_val, [b"**hi**".to_vec()]);
    assert_eq!(
        tensor(&vals[2].1).string_val,
        [b"h1".to_vec(), b"h2".to_vec(), b"x".to_vec(), b"y".to_vec()]
    );
}

#[test]
fn bad_text_input_is_refused_and_nothing_written() {
    let dir = tempfile::tempdir().unwrap();
    let w = SummaryWriter::new(dir.path()).unwrap();
    let ragged = [vec!["a", "b"], vec!["c"]];
    assert!(matches!(
        w.add_text_table("t", &ragged, 0u32),
        Err(Error::InvalidInput { .. })
    ));
    assert!(matches!(
        w.add_text("bad tag(", "x", 0u32),
        Err(Error::InvalidTag { .. })
    ));
    w.close().unwrap();
    assert!(values(dir.path()).is_empty());
}
