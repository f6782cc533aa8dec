//! [`Metadata`]: per-point labels or a table of columns.

use crate::error::{Error, Result};

/// Per-point metadata: one label per point, or a table of named columns (see
/// [Metadata](super#metadata)).
///
/// ```
/// use tensorboard_writer::projector::Metadata;
/// let labels = Metadata::labels(["cat", "dog", "cat"]);
/// let table = Metadata::table(["animal", "legs"], [["cat", "4"], ["bird", "2"]])?;
/// let mut columns = Metadata::new();
/// columns.add_column("animal", ["cat", "bird"])?.add_column("legs", [4, 2])?;
/// assert_eq!(columns, table);
/// assert_eq!((labels.len(), table.len()), (3, 2));
/// # Ok::<(), tensorboard_writer::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Metadata {
    /// Whether a header of column names is written (tables of 2 columns or more).
    table: bool,
    pub(super) names: Vec<String>,
    /// Column-major cells, all columns of the same length.
    columns: Vec<Vec<String>>,
}

impl Default for Metadata {
    fn default() -> Self {
        Self::new()
    }
}

impl Metadata {
    /// A table with no columns yet; add them with [`add_column`](Self::add_column).
    pub fn new() -> Self {
        Metadata {
            table: true,
            names: Vec::new(),
            columns: Vec::new(),
        }
    }

    /// One label per point, written without a header. Anything with `to_string` will do:
    /// `&str`, `String`, numbers.
    pub fn labels<I>(labels: I) -> Self
    where
        I: IntoIterator,
        I::Item: ToString,
    {
        Metadata {
            table: false,
            names: vec!["label".to_owned()],
            columns: vec![labels.into_iter().map(|l| l.to_string()).collect()],
        }
    }

    /// A table: the column names, then one row of cells per point (tensorboardX's
    /// `metadata_header` and `metadata`). Every row must have one cell per column; names
    /// must be distinct and not empty.
    pub fn table<H, R, Row>(header: H, rows: R) -> Result<Self>
    where
        H: IntoIterator,
        H::Item: ToString,
        R: IntoIterator<Item = Row>,
        Row: IntoIterator,
        Row::Item: ToString,
    {
        let names: Vec<String> = header.into_iter().map(|h| h.to_string()).collect();
        check_names(&names)?;
        let mut columns = vec![Vec::new(); names.len()];
        for (i, row) in rows.into_iter().enumerate() {
            let mut count = 0;
            for cell in row {
                if let Some(col) = columns.get_mut(count) {
                    col.push(cell.to_string());
                }
                count += 1;
            }
            if count != names.len() {
                return Err(bad_metadata(format!(
                    "row {i} has {count} cells, the header has {} columns",
                    names.len()
                )));
            }
        }
        Ok(Metadata {
            table: true,
            names,
            columns,
        })
    }

    /// Adds a column of one value per point. Its length must match the columns already
    /// there and its name must be new and not empty. Adding a column to
    /// [`labels`](Self::labels) makes a table whose first column is named `label`.
    pub fn add_column<I>(&mut self, name: &str, values: I) -> Result<&mut Self>
    where
        I: IntoIterator,
        I::Item: ToString,
    {
        let values: Vec<String> = values.into_iter().map(|v| v.to_string()).collect();
        if let Some(first) = self.columns.first() {
            if first.len() != values.len() {
                return Err(bad_metadata(format!(
                    "column {name:?} has {} values, the other columns have {}",
                    values.len(),
                    first.len()
                )));
            }
        }
        let mut names = self.names.clone();
        names.push(name.to_owned());
        check_names(&names)?;
        self.names = names;
        self.columns.push(values);
        self.table = true;
        Ok(self)
    }

    /// The number of rows (points).
    pub fn len(&self) -> usize {
        self.columns.first().map_or(0, Vec::len)
    }

    /// Whether there are no rows.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The column names (`["label"]` for [`labels`](Self::labels)).
    pub fn column_names(&self) -> &[String] {
        &self.names
    }

    /// The file's text, as written to `metadata.tsv`.
    pub(super) fn to_tsv(&self) -> String {
        let header = (self.table && self.names.len() > 1).then_some(self.names.as_slice());
        super::tsv::metadata_tsv(header, &self.columns)
    }
}

pub(super) fn bad_metadata(reason: String) -> Error {
    Error::InvalidInput {
        what: "embedding metadata",
        reason,
    }
}

pub(super) fn check_names(names: &[String]) -> Result<()> {
    for (i, n) in names.iter().enumerate() {
        if n.is_empty() {
            return Err(bad_metadata(format!("column {i} has an empty name")));
        }
        if names[..i].contains(n) {
            return Err(bad_metadata(format!("column name {n:?} appears twice")));
        }
    }
    Ok(())
}
