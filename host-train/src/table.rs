//! The tables of every report: a header, rows of cells already formatted, and the alignment of
//! each column, rendered as markdown (`validation.md`, `analysis.md`, `tune.md`,
//! `comparison.md`) or as plain text with fixed-width columns (the tables printed on the terminal).
//!
//! ```
//! use host_train::table::{Align, Table};
//! let mut t = Table::new(["parameter", "value"]);
//! t.row(["mu_L", "0.15"]);
//! t.row(["mu_H", "0.62"]);
//! assert_eq!(t.markdown(), "| parameter | value |\n|---|---|\n| mu_L | 0.15 |\n| mu_H | 0.62 |\n");
//! let text = t.widths([9, 6]).align(Align::Right).text();
//! assert_eq!(text, "parameter  value\n     mu_L   0.15\n     mu_H   0.62\n");
//! ```

/// How a column's cells are aligned in the plain-text rendering (markdown leaves alignment to the
/// viewer: every separator is `---`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Align {
    /// Padded on the right.
    #[default]
    Left,
    /// Padded on the left (numbers).
    Right,
}

/// A report table (see the [module documentation](self)).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Table {
    headers: Vec<String>,
    align: Vec<Align>,
    widths: Vec<usize>,
    rows: Vec<Vec<String>>,
}

impl Table {
    /// A table with these column headers and no rows; every column left-aligned, of width 0.
    ///
    /// ```
    /// let t = host_train::table::Table::new(["a", "b"]);
    /// assert_eq!(t.markdown(), "| a | b |\n|---|---|\n");
    /// ```
    pub fn new<S: Into<String>>(headers: impl IntoIterator<Item = S>) -> Self {
        let headers: Vec<String> = headers.into_iter().map(Into::into).collect();
        let n = headers.len();
        Self {
            headers,
            align: vec![Align::Left; n],
            widths: vec![0; n],
            rows: Vec::new(),
        }
    }

    /// Every column aligned as `align` (plain text).
    ///
    /// ```
    /// use host_train::table::{Align, Table};
    /// let t = Table::new(["n"]).widths([3]).align(Align::Right);
    /// assert_eq!(t.text(), "  n\n");
    /// ```
    #[must_use]
    pub fn align(mut self, align: Align) -> Self {
        self.align.iter_mut().for_each(|a| *a = align);
        self
    }

    /// The least width of each column, characters (plain text; a wider cell widens its column
    /// in that line only, as `format!("{:>9}")` does).
    ///
    /// ```
    /// let t = host_train::table::Table::new(["a", "b"]).widths([2, 2]);
    /// assert_eq!(t.text(), "a  b \n");
    /// ```
    #[must_use]
    pub fn widths(mut self, widths: impl IntoIterator<Item = usize>) -> Self {
        for (w, v) in self.widths.iter_mut().zip(widths) {
            *w = v;
        }
        self
    }

    /// Adds a row of cells (as many as headers; missing cells are empty, extra cells dropped).
    ///
    /// ```
    /// let mut t = host_train::table::Table::new(["a", "b"]);
    /// t.row(["1"]);
    /// assert_eq!(t.markdown(), "| a | b |\n|---|---|\n| 1 |  |\n");
    /// ```
    pub fn row<S: Into<String>>(&mut self, cells: impl IntoIterator<Item = S>) -> &mut Self {
        let mut row: Vec<String> = cells.into_iter().map(Into::into).collect();
        row.resize(self.headers.len(), String::new());
        self.rows.push(row);
        self
    }

    /// Whether the table has no rows.
    ///
    /// ```
    /// assert!(host_train::table::Table::new(["a"]).is_empty());
    /// ```
    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }

    /// The markdown table: the header line, the separator (`|---|` per column) and one line per
    /// row, each ending in a newline; cells are written as they are.
    ///
    /// ```
    /// let mut t = host_train::table::Table::new(["x"]);
    /// t.row(["1"]).row(["2"]);
    /// assert_eq!(t.markdown(), "| x |\n|---|\n| 1 |\n| 2 |\n");
    /// ```
    pub fn markdown(&self) -> String {
        let mut s = String::new();
        Self::markdown_line(&mut s, &self.headers);
        s.push('|');
        for _ in &self.headers {
            s.push_str("---|");
        }
        s.push('\n');
        for r in &self.rows {
            Self::markdown_line(&mut s, r);
        }
        s
    }

    fn markdown_line(s: &mut String, cells: &[String]) {
        s.push('|');
        for c in cells {
            s.push(' ');
            s.push_str(c);
            s.push_str(" |");
        }
        s.push('\n');
    }

    /// The plain-text table: the header line and one line per row, the cells padded to their
    /// column's width and aligned, separated by one space.
    ///
    /// ```
    /// use host_train::table::{Align, Table};
    /// let mut t = Table::new(["T", "LL"]).widths([4, 8]).align(Align::Right);
    /// t.row(["165", "-12.5"]);
    /// assert_eq!(t.text(), "   T       LL\n 165    -12.5\n");
    /// ```
    pub fn text(&self) -> String {
        let mut s = String::new();
        for line in std::iter::once(&self.headers).chain(&self.rows) {
            let cells: Vec<String> = line
                .iter()
                .zip(&self.align)
                .zip(&self.widths)
                .map(|((c, a), &w)| match a {
                    Align::Left => format!("{c:<w$}"),
                    Align::Right => format!("{c:>w$}"),
                })
                .collect();
            s.push_str(&cells.join(" "));
            s.push('\n');
        }
        s
    }
}
