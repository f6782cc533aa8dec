//! Text: Markdown strings, lists and tables, shown in the Text dashboard.
//!
//! TensorBoard renders a rank-0 string as sanitized Markdown, and a rank-1 or rank-2 string
//! tensor as an HTML table whose cells are each rendered as Markdown (`text_plugin.py`).

use crate::error::{Error, Result};
use crate::proto::{DataClass, TextPluginData, summary};
use crate::writer::{Step, StepBuilder, SummaryWriter};

use super::{content, metadata, string_tensor, tensor_value};

fn text_value(tag: String, dims: &[usize], items: Vec<Vec<u8>>) -> summary::Value {
    let md = metadata(
        "text",
        content(&TextPluginData { version: 0 }),
        DataClass::Tensor,
    );
    tensor_value(tag, md, string_tensor(dims, items))
}

/// A rank-2 table from rows of cells; every row must have as many cells as the first.
fn table_value<S: AsRef<str>>(tag: String, rows: &[impl AsRef<[S]>]) -> Result<summary::Value> {
    let cols = rows.first().map_or(0, |r| r.as_ref().len());
    if rows.is_empty() || cols == 0 {
        return Err(Error::InvalidInput {
            what: "text table",
            reason: "a table needs at least one row and one column".into(),
        });
    }
    let mut items = Vec::with_capacity(rows.len() * cols);
    for (i, row) in rows.iter().enumerate() {
        let row = row.as_ref();
        if row.len() != cols {
            return Err(Error::InvalidInput {
                what: "text table",
                reason: format!("row {i} has {} cells, row 0 has {cols}", row.len()),
            });
        }
        items.extend(row.iter().map(|c| c.as_ref().as_bytes().to_vec()));
    }
    Ok(text_value(tag, &[rows.len(), cols], items))
}

impl SummaryWriter {
    /// Logs `text` (Markdown) under `tag` at `step`, shown in the Text dashboard.
    ///
    /// ```
    /// # let dir = tempfile::tempdir()?;
    /// # let writer = tensorboard_writer::SummaryWriter::new(dir.path())?;
    /// writer.add_text("notes", "**lr** raised to `1e-3` at step 500", 500u32)?;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn add_text(&self, tag: &str, text: &str, step: impl Step) -> Result<()> {
        self.step(step).text(tag, text).write()
    }

    /// Logs a list of Markdown strings, shown as a one-column table.
    pub fn add_text_list<S: AsRef<str>>(
        &self,
        tag: &str,
        items: &[S],
        step: impl Step,
    ) -> Result<()> {
        self.step(step).text_list(tag, items).write()
    }

    /// Logs a table of Markdown cells, given as rows of equal length; shown as an HTML table.
    /// TensorBoard has no header row: make the first row the header if you want one.
    ///
    /// ```
    /// # let dir = tempfile::tempdir()?;
    /// # let writer = tensorboard_writer::SummaryWriter::new(dir.path())?;
    /// writer.add_text_table(
    ///     "confusion",
    ///     &[["", "pred 0", "pred 1"], ["true 0", "50", "2"], ["true 1", "3", "45"]],
    ///     1u32,
    /// )?;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn add_text_table<S: AsRef<str>>(
        &self,
        tag: &str,
        rows: &[impl AsRef<[S]>],
        step: impl Step,
    ) -> Result<()> {
        self.step(step).text_table(tag, rows).write()
    }
}

impl StepBuilder<'_> {
    /// Adds a Markdown string (see [`SummaryWriter::add_text`]).
    pub fn text(self, tag: &str, text: &str) -> Self {
        self.tagged(tag, |tag| {
            Ok(text_value(tag, &[], vec![text.as_bytes().to_vec()]))
        })
    }

    /// Adds a list of Markdown strings (see [`SummaryWriter::add_text_list`]).
    pub fn text_list<S: AsRef<str>>(self, tag: &str, items: &[S]) -> Self {
        self.tagged(tag, |tag| {
            let items: Vec<Vec<u8>> = items
                .iter()
                .map(|s| s.as_ref().as_bytes().to_vec())
                .collect();
            Ok(text_value(tag, &[items.len()], items))
        })
    }

    /// Adds a table of Markdown cells (see [`SummaryWriter::add_text_table`]).
    pub fn text_table<S: AsRef<str>>(self, tag: &str, rows: &[impl AsRef<[S]>]) -> Self {
        self.tagged(tag, |tag| table_value(tag, rows))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ragged_and_empty_tables_are_errors() {
        let ragged: &[&[&str]] = &[&["a", "b"], &["c"]];
        assert!(matches!(
            table_value("t".into(), ragged),
            Err(Error::InvalidInput { .. })
        ));
        let empty: &[&[&str]] = &[];
        assert!(table_value("t".into(), empty).is_err());
        let no_cols: &[&[&str]] = &[&[]];
        assert!(table_value("t".into(), no_cols).is_err());
    }

    #[test]
    fn table_is_row_major_rank_2() {
        let v = table_value("t".into(), &[["a", "b"], ["c", "d"], ["e", "f"]]).unwrap();
        let Some(summary::value::Value::Tensor(t)) = v.value else {
            panic!()
        };
        let dims: Vec<i64> = t.tensor_shape.unwrap().dim.iter().map(|d| d.size).collect();
        assert_eq!(dims, [3, 2]);
        assert_eq!(t.string_val, [b"a", b"b", b"c", b"d", b"e", b"f"]);
        let md = v.metadata.unwrap();
        assert_eq!(md.plugin_data.unwrap().plugin_name, "text");
        assert_eq!(md.data_class, DataClass::Tensor as i32);
    }
}
