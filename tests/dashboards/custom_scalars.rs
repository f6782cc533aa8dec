//! Custom scalars layouts as written to disk.

use prost::Message;
use tensorboard_writer::summary::custom_scalars::{CONFIG_TAG, Category, Layout, MarginSeries};
use tensorboard_writer::{Error, SummaryWriter, proto};

use crate::common::values;

#[test]
fn layout_is_a_serialized_proto_under_the_reserved_tag() {
    let dir = tempfile::tempdir().unwrap();
    let w = SummaryWriter::new(dir.path()).unwrap();
    // The scope applies neither to the reserved tag nor to the layout's tags.
    let scoped = w.scope("train").unwrap();
    let layout = Layout::new()
        .category(
            Category::new("Losses")
                .multiline("all", &["loss/.*", "aux_loss"])
                .margin(
                    "band",
                    &[
                        MarginSeries::new("acc/mean", "acc/lo", "acc/hi"),
                        MarginSeries::new("f1", "f1_lo", "f1_hi"),
                    ],
                ),
        )
        .category(Category::new("Misc").closed(true).multiline("", &["lr"]));
    scoped.add_custom_scalars(&layout).unwrap();
    w.close().unwrap();

    let vals = values(dir.path());
    assert_eq!(vals.len(), 1);
    let (step, v) = &vals[0];
    assert_eq!((*step, v.tag.as_str()), (0, "custom_scalars__config__"));
    assert_eq!(CONFIG_TAG, "custom_scalars__config__");
    let md = v.metadata.as_ref().unwrap();
    let pd = md.plugin_data.as_ref().unwrap();
    assert_eq!(pd.plugin_name, "custom_scalars");
    assert!(pd.content.is_empty());
    assert_eq!(md.data_class, proto::DataClass::Tensor as i32);
    let Some(proto::summary::value::Value::Tensor(t)) = &v.value else {
        panic!("not a tensor")
    };
    assert_eq!(t.dtype, proto::DataType::DtString as i32);
    assert!(t.tensor_shape.as_ref().unwrap().dim.is_empty(), "rank 0");
    assert_eq!(t.string_val.len(), 1);

    // Decode and compare field by field with the layout built above.
    let got = proto::Layout::decode(&t.string_val[0][..]).unwrap();
    assert_eq!(got.version, 0);
    assert_eq!(got.category.len(), 2);
    let (c0, c1) = (&got.category[0], &got.category[1]);
    assert_eq!((c0.title.as_str(), c0.closed), ("Losses", false));
    assert_eq!((c1.title.as_str(), c1.closed), ("Misc", true));
    use proto::chart::Content;
    assert_eq!(c0.chart[0].title, "all");
    match &c0.chart[0].content {
        Some(Content::Multiline(m)) => assert_eq!(m.tag, ["loss/.*", "aux_loss"]),
        other => panic!("{other:?}"),
    }
    assert_eq!(c0.chart[1].title, "band");
    match &c0.chart[1].content {
        Some(Content::Margin(m)) => {
            let s: Vec<(&str, &str, &str)> = m
                .series
                .iter()
                .map(|s| (s.value.as_str(), s.lower.as_str(), s.upper.as_str()))
                .collect();
            assert_eq!(
                s,
                [("acc/mean", "acc/lo", "acc/hi"), ("f1", "f1_lo", "f1_hi")]
            );
        }
        other => panic!("{other:?}"),
    }
    match &c1.chart[0].content {
        Some(Content::Multiline(m)) => assert_eq!(m.tag, ["lr"]),
        other => panic!("{other:?}"),
    }
    assert_eq!(got, layout.to_proto());
}

#[test]
fn bad_layouts_are_refused_and_nothing_written() {
    let dir = tempfile::tempdir().unwrap();
    let w = SummaryWriter::new(dir.path()).unwrap();
    let invalid = |r: Result<(), Error>| {
        matches!(
            r,
            Err(Error::InvalidInput {
                what: "custom scalars layout",
                ..
            })
        )
    };
    assert!(invalid(w.add_custom_scalars(&Layout::new())));
    assert!(invalid(w.add_custom_scalars(
        &Layout::new().category(Category::new("empty"))
    )));
    assert!(invalid(w.add_custom_scalars(
        &Layout::new().category(Category::new("").multiline("t", &["x"]))
    )));
    assert!(invalid(w.add_custom_scalars(
        &Layout::new().category(Category::new("c").multiline("t", &[""]))
    )));
    assert!(invalid(
        w.add_custom_scalars(
            &Layout::new()
                .category(Category::new("ok").multiline("t", &["x"]))
                .category(Category::new("c").margin("m", &[MarginSeries::new("v", "l", "")]))
        )
    ));
    w.close().unwrap();
    assert!(values(dir.path()).is_empty());
}
