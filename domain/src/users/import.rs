//! Parsing a class list (CSV) into accounts to create. Parsing reports every bad row at once,
//! with its line number, so an admin can fix the file in one go.
//!
//! Columns: `username, display_name[, password[, role]]`. A first row naming the columns is
//! recognised and may reorder them; an empty password means "generate one"; the role
//! defaults to student.

use std::collections::HashMap;

use super::fields::{DisplayName, NewPassword, Username};
use crate::FieldError;
use crate::entities::user::Role;

/// A class list larger than this is refused before anything is hashed: each account costs an
/// argon2 run, and a school class is far smaller.
pub const MAX_IMPORT_ROWS: usize = 1000;

pub type RowError = FieldError;

#[derive(Debug)]
pub struct ClassListRow {
    pub line: u64,
    pub username: Username,
    pub display_name: DisplayName,
    pub password: Option<NewPassword>,
    pub role: Role,
}

#[derive(Debug)]
pub struct ClassList {
    pub rows: Vec<ClassListRow>,
}

/// One created account; `generated_password` is the only copy of a generated password.
#[derive(Debug, Clone)]
pub struct ImportedUser {
    pub username: String,
    pub display_name: String,
    pub role: Role,
    pub generated_password: Option<String>,
}

#[derive(Clone, Copy)]
struct Columns {
    username: usize,
    display_name: usize,
    password: Option<usize>,
    role: Option<usize>,
}

const POSITIONAL: Columns = Columns {
    username: 0,
    display_name: 1,
    password: Some(2),
    role: Some(3),
};

pub fn parse_class_list(text: &str) -> Result<ClassList, Vec<RowError>> {
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .trim(csv::Trim::All)
        .from_reader(text.as_bytes());
    let mut columns = POSITIONAL;
    let mut rows = Vec::new();
    let mut errors = Vec::new();
    let mut seen: HashMap<String, u64> = HashMap::new();

    for (index, record) in reader.records().enumerate() {
        let record = match record {
            Ok(r) => r,
            Err(e) => {
                let line = e.position().map_or(index as u64 + 1, csv::Position::line);
                errors.push(row_error(
                    line,
                    format!("This line is not valid CSV ({e})."),
                ));
                continue;
            }
        };
        let line = record
            .position()
            .map_or(index as u64 + 1, csv::Position::line);
        if index == 0
            && let Some(header) = header_columns(&record)
        {
            columns = header;
            continue;
        }
        if record.iter().all(str::is_empty) {
            continue;
        }
        if rows.len() + errors.len() >= MAX_IMPORT_ROWS {
            return Err(vec![row_error(
                line,
                format!(
                    "A class list may have at most {MAX_IMPORT_ROWS} rows; split the file and import it in parts."
                ),
            )]);
        }
        match parse_row(line, &record, columns) {
            Ok(row) => match seen.insert(row.username.key(), line) {
                Some(first) => errors.push(row_error(
                    line,
                    format!(
                        "The username {:?} already appears on line {first}.",
                        row.username.as_str()
                    ),
                )),
                None => rows.push(row),
            },
            Err(message) => errors.push(row_error(line, message)),
        }
    }
    if rows.is_empty() && errors.is_empty() {
        errors.push(row_error(1, "The class list has no rows.".into()));
    }
    if errors.is_empty() {
        Ok(ClassList { rows })
    } else {
        Err(errors)
    }
}

fn parse_row(
    line: u64,
    record: &csv::StringRecord,
    columns: Columns,
) -> Result<ClassListRow, String> {
    let field = |i: Option<usize>| i.and_then(|i| record.get(i)).unwrap_or("");
    let username = Username::parse(field(Some(columns.username))).map_err(|e| e.message)?;
    let display_name =
        DisplayName::parse(field(Some(columns.display_name))).map_err(|e| e.message)?;
    let password = match field(columns.password) {
        "" => None,
        p => Some(NewPassword::parse(p).map_err(|e| e.message)?),
    };
    let role = match field(columns.role) {
        "" => Role::Student,
        r => Role::parse(r)
            .ok_or_else(|| format!("Unknown role {r:?}: use student, instructor or admin."))?,
    };
    Ok(ClassListRow {
        line,
        username,
        display_name,
        password,
        role,
    })
}

/// Column positions if `record` is a header row naming at least the username column.
fn header_columns(record: &csv::StringRecord) -> Option<Columns> {
    let find = |names: &[&str]| {
        record
            .iter()
            .position(|h| names.contains(&h.to_lowercase().replace([' ', '-'], "_").as_str()))
    };
    let username = find(&["username", "user", "login"])?;
    Some(Columns {
        username,
        display_name: find(&["display_name", "name", "full_name"])?,
        password: find(&["password"]),
        role: find(&["role"]),
    })
}

fn row_error(line: u64, message: String) -> RowError {
    FieldError::new(format!("line {line}"), message)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_good_list_with_header_parses_every_row() {
        let list = parse_class_list("username,display name,password,role\nada,Ada L,,\nbob,Bob B,hunter2hunter2,instructor\n").unwrap();
        assert_eq!(list.rows.len(), 2);
        assert!(list.rows[0].password.is_none());
        assert_eq!(list.rows[0].role, Role::Student);
        assert_eq!(list.rows[1].role, Role::Instructor);
        assert_eq!(list.rows[1].line, 3);
    }

    #[test]
    fn a_list_without_header_is_read_by_position() {
        let list = parse_class_list("zoë,Zoë Ünal\n").unwrap();
        assert_eq!(list.rows[0].display_name.as_str(), "Zoë Ünal");
    }

    #[test]
    fn every_bad_row_is_reported_with_its_line() {
        let errors = parse_class_list("username,name,password,role\nada,Ada,,\n,Nameless,,\nADA,Again,,\nbob,Bob,,wizard\ncy,Cy,short,\n").unwrap_err();
        let lines: Vec<_> = errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(lines, ["line 3", "line 4", "line 5", "line 6"]);
        assert!(errors[1].message.contains("already appears on line 2"));
        assert!(errors[2].message.contains("Unknown role"));
    }

    #[test]
    fn an_oversized_list_is_refused_with_a_clear_message() {
        let text: String = (0..10_000).map(|i| format!("s{i},Student {i}\n")).collect();
        let errors = parse_class_list(&text).unwrap_err();
        assert_eq!(errors.len(), 1);
        assert!(errors[0].message.contains("at most 1000 rows"));
    }

    #[test]
    fn malformed_or_empty_input_is_an_error_not_a_panic() {
        assert!(parse_class_list("").is_err());
        assert!(parse_class_list("\"unterminated,quote\nx").is_err());
        assert!(parse_class_list(&format!("{},x\n", "u".repeat(10_000))).is_err());
    }
}
