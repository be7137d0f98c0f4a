//! A lab session's grades as CSV, UTF-8, with the columns of Moodle's assignment grading
//! worksheet ("Identifier", "Full name", …, "Grade", "Maximum Grade", "Feedback comments"),
//! so the file imports there; each criterion's points follow as extra columns.

use std::io::Write;

use chrono::{DateTime, Utc};

/// One student's line.
pub struct GradeLine {
    pub username: String,
    pub display_name: String,
    /// In words: "AI draft", "Reviewed", "Released", …
    pub state: String,
    /// Per criterion, in the rubric's order; none before evaluation.
    pub points: Vec<Option<u32>>,
    pub total: Option<u32>,
    pub max_total: u32,
    pub feedback: String,
    pub submitted_at: DateTime<Utc>,
    pub graded_at: Option<DateTime<Utc>>,
}

impl GradeLine {
    /// A review-list row as a line: the grade as it stands (the instructor's once reviewed).
    pub fn of(row: &crate::review::ReviewRow, criteria: &[String], max_total: u32) -> Self {
        Self {
            username: row.student.username.clone(),
            display_name: row.student.display_name.clone(),
            state: row.state.words().to_owned(),
            points: criteria.iter().map(|c| row.points_of(c)).collect(),
            total: row.total(),
            max_total,
            feedback: row.feedback().unwrap_or_default().to_owned(),
            submitted_at: row.submission.created_at,
            graded_at: row
                .review
                .as_ref()
                .map(|r| r.reviewed_at)
                .or_else(|| row.evaluation.as_ref().map(|e| e.created_at)),
        }
    }
}

/// A cell a spreadsheet would run as a formula (`=`, `+`, `-`, `@` first) is kept as text.
fn text_cell(value: &str) -> String {
    if value.starts_with(['=', '+', '-', '@']) {
        format!("'{value}")
    } else {
        value.to_owned()
    }
}

/// Moodle's own date format in its worksheets.
fn moodle_date(at: DateTime<Utc>) -> String {
    at.format("%A, %-d %B %Y, %-I:%M %p").to_string()
}

pub fn write_grades(
    out: impl Write,
    criteria: &[String],
    lines: &[GradeLine],
) -> Result<(), csv::Error> {
    let mut w = csv::Writer::from_writer(out);
    let mut header: Vec<String> = [
        "Identifier",
        "Full name",
        "Username",
        "Status",
        "Grade",
        "Maximum Grade",
        "Grade can be changed",
        "Last modified (submission)",
        "Last modified (grade)",
        "Feedback comments",
    ]
    .map(String::from)
    .to_vec();
    header.extend(criteria.iter().map(|c| format!("Criterion: {c}")));
    w.write_record(&header)?;
    for line in lines {
        let mut record = vec![
            text_cell(&line.username),
            text_cell(&line.display_name),
            text_cell(&line.username),
            line.state.clone(),
            line.total.map(|t| t.to_string()).unwrap_or_default(),
            line.max_total.to_string(),
            "Yes".into(),
            moodle_date(line.submitted_at),
            line.graded_at.map(moodle_date).unwrap_or_default(),
            text_cell(&line.feedback),
        ];
        record.extend(
            line.points
                .iter()
                .map(|p| p.map(|p| p.to_string()).unwrap_or_default()),
        );
        w.write_record(&record)?;
    }
    w.flush()?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_line_per_student_with_moodle_columns_first() {
        let at = DateTime::parse_from_rfc3339("2026-11-30T14:05:00Z")
            .map(|d| d.with_timezone(&Utc))
            .unwrap_or_default();
        let line = GradeLine {
            username: "ana".into(),
            display_name: "Ana Ñúñez, \"A\"".into(),
            state: "Released".into(),
            points: vec![Some(3), None],
            total: Some(3),
            max_total: 10,
            feedback: "Good,\nclear.".into(),
            submitted_at: at,
            graded_at: Some(at),
        };
        let mut out = Vec::new();
        write_grades(&mut out, &["Method".into(), "Results".into()], &[line]).unwrap_or_default();
        let mut r = csv::Reader::from_reader(out.as_slice());
        let headers = r.headers().cloned().unwrap_or_default();
        assert_eq!(&headers[0], "Identifier");
        assert_eq!(&headers[4], "Grade");
        assert_eq!(&headers[11], "Criterion: Results");
        let rows: Vec<csv::StringRecord> = r.records().filter_map(Result::ok).collect();
        assert_eq!(rows.len(), 1);
        assert_eq!(&rows[0][1], "Ana Ñúñez, \"A\"");
        assert_eq!(&rows[0][7], "Monday, 30 November 2026, 2:05 PM");
        assert_eq!(&rows[0][9], "Good,\nclear.");
        assert_eq!((&rows[0][10], &rows[0][11]), ("3", ""));
    }

    #[test]
    fn formulas_stay_text() {
        assert_eq!(text_cell("=HYPERLINK(\"x\")"), "'=HYPERLINK(\"x\")");
        assert_eq!(text_cell("-1 point"), "'-1 point");
        assert_eq!(text_cell("Ana"), "Ana");
    }
}
