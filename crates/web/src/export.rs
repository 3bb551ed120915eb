//! Exports of any list to CSV or XLSX.

use crate::error::Failure;
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};

/// A cell: text or a number (numbers stay numbers in spreadsheets).
#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    Text(String),
    Num(f64),
    Empty,
}

impl From<String> for Cell {
    fn from(s: String) -> Cell {
        Cell::Text(s)
    }
}
impl From<&str> for Cell {
    fn from(s: &str) -> Cell {
        Cell::Text(s.to_string())
    }
}
impl From<Option<String>> for Cell {
    fn from(s: Option<String>) -> Cell {
        s.map(Cell::Text).unwrap_or(Cell::Empty)
    }
}
impl From<i64> for Cell {
    fn from(n: i64) -> Cell {
        Cell::Num(n as f64)
    }
}
impl From<Option<i64>> for Cell {
    fn from(n: Option<i64>) -> Cell {
        n.map(|n| Cell::Num(n as f64)).unwrap_or(Cell::Empty)
    }
}
impl From<Option<f64>> for Cell {
    fn from(n: Option<f64>) -> Cell {
        n.map(Cell::Num).unwrap_or(Cell::Empty)
    }
}

/// A table to export.
pub struct Table {
    pub name: String,
    pub headers: Vec<&'static str>,
    pub rows: Vec<Vec<Cell>>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Csv,
    Xlsx,
}

impl Format {
    pub fn from_query(s: &str) -> Option<Format> {
        match s {
            "csv" => Some(Format::Csv),
            "xlsx" => Some(Format::Xlsx),
            _ => None,
        }
    }
}

/// Spreadsheet programs run a cell starting with = + - @ as a formula; such
/// text is prefixed with an apostrophe in CSV so an export cannot attack
/// whoever opens it.
fn csv_safe(s: &str) -> String {
    if s.starts_with(['=', '+', '-', '@', '\t', '\r']) { format!("'{s}") } else { s.to_string() }
}

pub fn to_csv(t: &Table) -> Result<Vec<u8>, String> {
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record(&t.headers).map_err(|e| e.to_string())?;
    for r in &t.rows {
        let rec: Vec<String> = r
            .iter()
            .map(|c| match c {
                Cell::Text(s) => csv_safe(s),
                Cell::Num(n) => {
                    if n.fract() == 0.0 && n.abs() < 1e15 {
                        format!("{}", *n as i64)
                    } else {
                        n.to_string()
                    }
                }
                Cell::Empty => String::new(),
            })
            .collect();
        w.write_record(&rec).map_err(|e| e.to_string())?;
    }
    w.into_inner().map_err(|e| e.to_string())
}

pub fn to_xlsx(t: &Table) -> Result<Vec<u8>, String> {
    use rust_xlsxwriter::{Format as XFormat, Workbook};
    let mut wb = Workbook::new();
    let ws = wb.add_worksheet();
    let _ = ws.set_name(t.name.chars().filter(|c| c.is_alphanumeric() || *c == ' ').take(31).collect::<String>());
    let bold = XFormat::new().set_bold();
    for (c, h) in t.headers.iter().enumerate() {
        ws.write_string_with_format(0, c as u16, *h, &bold).map_err(|e| e.to_string())?;
    }
    for (r, row) in t.rows.iter().enumerate() {
        for (c, cell) in row.iter().enumerate() {
            let (r, c) = (r as u32 + 1, c as u16);
            match cell {
                Cell::Text(s) => ws.write_string(r, c, s).map(|_| ()),
                Cell::Num(n) => ws.write_number(r, c, *n).map(|_| ()),
                Cell::Empty => Ok(()),
            }
            .map_err(|e| e.to_string())?;
        }
    }
    ws.set_freeze_panes(1, 0).map_err(|e| e.to_string())?;
    ws.autofilter(0, 0, t.rows.len() as u32, t.headers.len().saturating_sub(1) as u16).map_err(|e| e.to_string())?;
    wb.save_to_buffer().map_err(|e| e.to_string())
}

/// A download response.
pub fn download(t: &Table, f: Format, today: chrono::NaiveDate) -> Response {
    let (body, mime, ext) = match f {
        Format::Csv => (to_csv(t), "text/csv; charset=utf-8", "csv"),
        Format::Xlsx => (to_xlsx(t), "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "xlsx"),
    };
    match body {
        Ok(b) => {
            let mut res = b.into_response();
            let h = res.headers_mut();
            h.insert(header::CONTENT_TYPE, HeaderValue::from_static(mime));
            let date = today.format("%Y-%m-%d");
            let name =
                format!("attachment; filename=\"upward-{}-{date}.{ext}\"", t.name.to_lowercase().replace(' ', "-"));
            if let Ok(v) = HeaderValue::from_str(&name) {
                h.insert(header::CONTENT_DISPOSITION, v);
            }
            res
        }
        Err(e) => Failure::internal(format!("export: {e}")).into_response(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn table() -> Table {
        Table {
            name: "Schools".into(),
            headers: vec!["URN", "Name", "Pupils"],
            rows: vec![
                vec![Cell::from(100000i64), Cell::from("The Aldgate School"), Cell::from(Some(250i64))],
                vec![Cell::from(100001i64), Cell::from("=HYPERLINK(\"x\")"), Cell::Empty],
            ],
        }
    }

    #[test]
    fn csv_has_header_rows_and_defuses_formulas() {
        let csv = String::from_utf8(to_csv(&table()).unwrap()).unwrap();
        let lines: Vec<&str> = csv.lines().collect();
        assert_eq!(lines[0], "URN,Name,Pupils");
        assert_eq!(lines[1], "100000,The Aldgate School,250");
        assert_eq!(lines[2], "100001,\"'=HYPERLINK(\"\"x\"\")\",");
    }

    #[test]
    fn xlsx_is_a_zip_workbook() {
        let x = to_xlsx(&table()).unwrap();
        assert_eq!(&x[..2], b"PK");
        assert!(x.len() > 1000);
    }
}
