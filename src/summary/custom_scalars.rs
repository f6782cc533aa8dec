//! Custom scalars: a layout of charts that combine scalar tags, shown in the Custom Scalars
//! dashboard.
//!
//! A [`Layout`] is a list of [`Category`]s (collapsible sections), each holding charts:
//! *multiline* charts draw every scalar tag matching any of their regular expressions in
//! one chart, and *margin* charts draw a value with a shaded band between a lower and an
//! upper bound, each an exact tag ([`MarginSeries`]).
//!
//! # Form
//!
//! The layout is written once per run, at step 0, under the reserved tag
//! [`CONFIG_TAG`] (`custom_scalars__config__`): a rank-0 `DT_STRING` tensor holding the
//! serialized `tensorboard.Layout` message (version 0), with plugin `custom_scalars`, empty
//! plugin content and data class `TENSOR`. Neither that tag nor the tags and regular
//! expressions in the layout are prefixed with the writer's scope.
//!
//! TensorBoard matches multiline regular expressions with Python's `re.match`, which
//! anchors at the start of the tag but not at its end: `loss` matches `loss/train`. When
//! several runs have layouts, TensorBoard merges them by category title.

use crate::error::{Error, Result};
use crate::proto::{
    self, DataClass, MarginChartContent, MultilineChartContent, chart, margin_chart_content::Series,
};
use crate::writer::SummaryWriter;

use super::{metadata, string_tensor, tensor_value};

/// The reserved tag the layout is stored under.
pub const CONFIG_TAG: &str = "custom_scalars__config__";

/// The charts of the Custom Scalars dashboard, as categories shown top to bottom.
///
/// ```
/// use tensorboard_writer::summary::custom_scalars::{Category, Layout, MarginSeries};
///
/// let layout = Layout::new()
///     .category(
///         Category::new("Losses")
///             .multiline("train vs. eval", &["loss/train", "loss/eval"])
///             .multiline("every accuracy", &[r"acc/.*"]),
///     )
///     .category(
///         Category::new("Uncertainty")
///             .closed(true)
///             .margin("reward", &[MarginSeries::new("reward/mean", "reward/p10", "reward/p90")]),
///     );
/// assert_eq!(layout.to_proto().category.len(), 2);
/// ```
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Layout {
    categories: Vec<Category>,
}

impl Layout {
    /// An empty layout; add categories with [`category`](Self::category).
    pub fn new() -> Self {
        Self::default()
    }

    /// Appends a category (shown below the ones added before).
    pub fn category(mut self, category: Category) -> Self {
        self.categories.push(category);
        self
    }

    /// The categories, in order.
    pub fn categories(&self) -> &[Category] {
        &self.categories
    }

    /// The `tensorboard.Layout` message this layout is written as.
    pub fn to_proto(&self) -> proto::Layout {
        proto::Layout {
            version: 0,
            category: self
                .categories
                .iter()
                .map(|c| proto::Category {
                    title: c.title.clone(),
                    chart: c.charts.clone(),
                    closed: c.closed,
                })
                .collect(),
        }
    }

    /// Checks the layout: at least one category; every category titled and holding a
    /// chart; every multiline chart with at least one non-empty regular expression; every
    /// margin chart with at least one series whose three tags are non-empty.
    fn validate(&self) -> Result<()> {
        let bad = |reason: String| {
            Err(Error::InvalidInput {
                what: "custom scalars layout",
                reason,
            })
        };
        if self.categories.is_empty() {
            return bad("the layout has no category".into());
        }
        for (ci, c) in self.categories.iter().enumerate() {
            if c.title.is_empty() {
                return bad(format!("category {ci} has an empty title"));
            }
            if c.charts.is_empty() {
                return bad(format!("category {:?} has no chart", c.title));
            }
            for (i, ch) in c.charts.iter().enumerate() {
                let at = format!("chart {i} ({:?}) of category {:?}", ch.title, c.title);
                match &ch.content {
                    Some(chart::Content::Multiline(m)) => {
                        if m.tag.is_empty() {
                            return bad(format!("{at} has no tag regex"));
                        }
                        if m.tag.iter().any(String::is_empty) {
                            return bad(format!("{at} has an empty tag regex"));
                        }
                    }
                    Some(chart::Content::Margin(m)) => {
                        if m.series.is_empty() {
                            return bad(format!("{at} has no series"));
                        }
                        if m.series
                            .iter()
                            .any(|s| s.value.is_empty() || s.lower.is_empty() || s.upper.is_empty())
                        {
                            return bad(format!("{at} has a series with an empty tag"));
                        }
                    }
                    None => return bad(format!("{at} has no content")),
                }
            }
        }
        Ok(())
    }
}

impl From<&Layout> for proto::Layout {
    fn from(layout: &Layout) -> Self {
        layout.to_proto()
    }
}

/// A titled, collapsible group of charts in a [`Layout`].
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Category {
    title: String,
    closed: bool,
    charts: Vec<proto::Chart>,
}

impl Category {
    /// An open category titled `title` (which must not be empty), with no charts yet.
    pub fn new(title: impl Into<String>) -> Self {
        Category {
            title: title.into(),
            ..Self::default()
        }
    }

    /// Whether the category starts collapsed (default `false`).
    pub fn closed(mut self, closed: bool) -> Self {
        self.closed = closed;
        self
    }

    /// Appends a chart with one line per scalar tag matching any of `tag_regexes` (Python
    /// regular expressions, anchored at the start of the tag).
    pub fn multiline<S: AsRef<str>>(mut self, title: impl Into<String>, tag_regexes: &[S]) -> Self {
        self.charts.push(proto::Chart {
            title: title.into(),
            content: Some(chart::Content::Multiline(MultilineChartContent {
                tag: tag_regexes.iter().map(|s| s.as_ref().to_owned()).collect(),
            })),
        });
        self
    }

    /// Appends a margin chart: each series is drawn as a line with a band between its lower
    /// and upper bounds.
    pub fn margin(mut self, title: impl Into<String>, series: &[MarginSeries]) -> Self {
        self.charts.push(proto::Chart {
            title: title.into(),
            content: Some(chart::Content::Margin(MarginChartContent {
                series: series
                    .iter()
                    .map(|s| Series {
                        value: s.value.clone(),
                        lower: s.lower.clone(),
                        upper: s.upper.clone(),
                    })
                    .collect(),
            })),
        });
        self
    }

    /// The title.
    pub fn title(&self) -> &str {
        &self.title
    }
}

/// One series of a margin chart: three exact scalar tags (not regular expressions).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MarginSeries {
    /// The tag of the value drawn as a line.
    pub value: String,
    /// The tag of the lower bound.
    pub lower: String,
    /// The tag of the upper bound.
    pub upper: String,
}

impl MarginSeries {
    /// A series drawing `value` between `lower` and `upper`.
    pub fn new(
        value: impl Into<String>,
        lower: impl Into<String>,
        upper: impl Into<String>,
    ) -> Self {
        MarginSeries {
            value: value.into(),
            lower: lower.into(),
            upper: upper.into(),
        }
    }
}

/// The `Summary.Value` holding `layout`, after checking it.
fn layout_value(layout: &Layout) -> Result<proto::summary::Value> {
    layout.validate()?;
    let bytes = prost::Message::encode_to_vec(&layout.to_proto());
    let md = metadata("custom_scalars", Vec::new(), DataClass::Tensor);
    Ok(tensor_value(
        CONFIG_TAG.to_owned(),
        md,
        string_tensor(&[], vec![bytes]),
    ))
}

impl SummaryWriter {
    /// Writes the layout of the Custom Scalars dashboard for this run, at step 0 under the
    /// reserved tag [`CONFIG_TAG`]. Call it once per run, usually right after creating the
    /// writer; the layout's tags are not prefixed with this handle's scope.
    ///
    /// Errors ([`Error::InvalidInput`]), with nothing written: a layout without categories,
    /// a category without title or charts, a multiline chart without regular expressions or
    /// with an empty one, a margin chart without series or with an empty tag.
    ///
    /// ```
    /// use tensorboard_writer::summary::custom_scalars::{Category, Layout, MarginSeries};
    /// # let dir = tempfile::tempdir()?;
    /// # let writer = tensorboard_writer::SummaryWriter::new(dir.path())?;
    /// writer.add_custom_scalars(
    ///     &Layout::new().category(
    ///         Category::new("Training")
    ///             .multiline("losses", &["loss/.*"])
    ///             .margin("lr", &[MarginSeries::new("lr/mean", "lr/min", "lr/max")]),
    ///     ),
    /// )?;
    /// for step in 0..10u32 {
    ///     writer.add_scalar("loss/train", 1.0 / (1.0 + step as f32), step)?;
    /// }
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn add_custom_scalars(&self, layout: &Layout) -> Result<()> {
        let value = layout_value(layout)?;
        self.step(0u32).value(&value).write()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn invalid_layouts() {
        let bad = [
            Layout::new(),
            Layout::new().category(Category::new("")),
            Layout::new().category(Category::new("no charts")),
            Layout::new().category(Category::new("c").multiline::<&str>("t", &[])),
            Layout::new().category(Category::new("c").multiline("t", &["ok", ""])),
            Layout::new().category(Category::new("c").margin("t", &[])),
            Layout::new()
                .category(Category::new("c").margin("t", &[MarginSeries::new("v", "", "u")])),
        ];
        for l in bad {
            assert!(
                matches!(layout_value(&l), Err(Error::InvalidInput { .. })),
                "{l:?}"
            );
        }
    }

    #[test]
    fn proto_round_trip() {
        let l = Layout::new().category(
            Category::new("A")
                .closed(true)
                .multiline("m", &["x", "y.*"])
                .margin("g", &[MarginSeries::new("v", "lo", "hi")]),
        );
        let v = layout_value(&l).unwrap();
        assert_eq!(v.tag, CONFIG_TAG);
        let Some(proto::summary::value::Value::Tensor(t)) = v.value else {
            panic!()
        };
        assert!(t.tensor_shape.unwrap().dim.is_empty());
        let decoded: proto::Layout = prost::Message::decode(&t.string_val[0][..]).unwrap();
        assert_eq!(decoded, l.to_proto());
        assert_eq!(decoded.category[0].chart.len(), 2);
        assert!(decoded.category[0].closed);
    }
}
