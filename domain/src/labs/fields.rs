//! A lab session's editable fields, checked in one place: what the instructor's form sends
//! is parsed into a [`NewLabSession`] (like `NewUser::parse`), or into every broken rule,
//! each at its field. The server function only maps the error.

use chrono::{DateTime, Local, NaiveDateTime, TimeZone, Utc};
use engine_protocol::{Criterion, LANGUAGES, Rubric};

use super::RubricRules;
use crate::FieldError;
use crate::entities::lab_session::ReleaseMode;

pub const MAX_TITLE_CHARS: usize = 200;
pub const MAX_INSTRUCTIONS_BYTES: usize = 8 * 1024;
pub const MAX_JOIN_CODE_CHARS: usize = 32;
/// Shorter codes could be guessed in a few throttled tries.
pub const MIN_JOIN_CODE_CHARS: usize = 6;
/// How a deadline travels: a `datetime-local` value, in the server's time zone (the lab's).
pub const DEADLINE_FORMAT: &str = "%Y-%m-%dT%H:%M";

/// The form as sent: text fields, and the rubric as JSON (`[{name, description, max_points}]`).
#[derive(Debug, Clone, Default)]
pub struct LabSessionForm {
    pub title: String,
    pub instructions: String,
    /// `automatic` or `review`.
    pub release_mode: String,
    /// Empty for none.
    pub join_code: String,
    /// An ISO 639-1 code from [`LANGUAGES`].
    pub language: String,
    /// [`DEADLINE_FORMAT`] in the server's time zone, or empty for none.
    pub deadline: String,
    pub criteria: String,
}

/// A lab session's fields once every rule holds.
#[derive(Debug, Clone, PartialEq)]
pub struct NewLabSession {
    pub title: String,
    pub instructions: String,
    pub rubric: Rubric,
    pub language: String,
    pub release_mode: ReleaseMode,
    pub join_code: Option<String>,
    /// After this, uploads are refused.
    pub deadline: Option<DateTime<Utc>>,
}

impl NewLabSession {
    /// The standard lab session (what `viva lab add` and the demo create): the standard
    /// rubric, English, results released at once.
    pub fn standard(title: &str) -> Self {
        Self {
            title: title.into(),
            instructions: "Explain in two to five minutes what you measured, how you measured \
                           it, what result you got, and how much you trust it."
                .into(),
            rubric: Rubric::standard(),
            language: "en".into(),
            release_mode: ReleaseMode::Automatic,
            join_code: None,
            deadline: None,
        }
    }

    pub fn parse(form: LabSessionForm) -> Result<Self, Vec<FieldError>> {
        let mut errors = Vec::new();
        let rubric = match serde_json::from_str::<Vec<Criterion>>(&form.criteria) {
            Ok(criteria) => Rubric::parse(criteria).map_err(|e| errors.extend(e)).ok(),
            Err(_) => {
                errors.push(FieldError::new("criteria", "The rubric could not be read."));
                None
            }
        };
        let title = form.title.trim().to_owned();
        if title.is_empty() {
            errors.push(FieldError::new("title", "A lab session needs a title."));
        } else if title.chars().count() > MAX_TITLE_CHARS {
            errors.push(FieldError::new(
                "title",
                format!("A title has at most {MAX_TITLE_CHARS} characters."),
            ));
        }
        let instructions = form.instructions.trim().to_owned();
        if instructions.len() > MAX_INSTRUCTIONS_BYTES {
            errors.push(FieldError::new(
                "instructions",
                "Instructions have at most 8 KiB of text.",
            ));
        }
        let release_mode = match form.release_mode.as_str() {
            "automatic" => Some(ReleaseMode::Automatic),
            "review" => Some(ReleaseMode::AfterReview),
            _ => {
                errors.push(FieldError::new(
                    "release_mode",
                    "Choose when results are released.",
                ));
                None
            }
        };
        let join_code = form.join_code.trim().to_owned();
        // Spaces do not count: codes compare without them.
        let significant = join_code.chars().filter(|c| !c.is_whitespace()).count();
        if join_code.chars().count() > MAX_JOIN_CODE_CHARS {
            errors.push(FieldError::new(
                "join_code",
                format!("A join code has at most {MAX_JOIN_CODE_CHARS} characters."),
            ));
        } else if significant > 0 && significant < MIN_JOIN_CODE_CHARS {
            errors.push(FieldError::new(
                "join_code",
                format!(
                    "A join code has at least {MIN_JOIN_CODE_CHARS} characters, so it cannot be guessed."
                ),
            ));
        }
        if !LANGUAGES.iter().any(|(code, _)| *code == form.language) {
            errors.push(FieldError::new(
                "language",
                "Choose the language students speak.",
            ));
        }
        let deadline = parse_deadline(&form.deadline)
            .map_err(|message| errors.push(FieldError::new("deadline", message)))
            .ok()
            .flatten();
        match (rubric, release_mode) {
            (Some(rubric), Some(release_mode)) if errors.is_empty() => Ok(Self {
                title,
                instructions,
                rubric,
                language: form.language,
                release_mode,
                join_code: (!join_code.is_empty()).then_some(join_code),
                deadline,
            }),
            _ => Err(errors),
        }
    }
}

/// A deadline as the editor shows it.
pub fn format_deadline(deadline: DateTime<Utc>) -> String {
    deadline
        .with_timezone(&Local)
        .format(DEADLINE_FORMAT)
        .to_string()
}

fn parse_deadline(text: &str) -> Result<Option<DateTime<Utc>>, &'static str> {
    let text = text.trim();
    if text.is_empty() {
        return Ok(None);
    }
    let naive = NaiveDateTime::parse_from_str(text, DEADLINE_FORMAT)
        .map_err(|_| "Give the deadline as a date and a time.")?;
    Local
        .from_local_datetime(&naive)
        .earliest()
        .map(|d| Some(d.with_timezone(&Utc)))
        .ok_or("This time does not exist here (a clock change); choose another.")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn form() -> LabSessionForm {
        LabSessionForm {
            title: " Pendulum ".into(),
            instructions: "Explain g.".into(),
            release_mode: "review".into(),
            join_code: " ".into(),
            language: "en".into(),
            deadline: "2030-01-02T03:04".into(),
            criteria: r#"[{"name":"Method","description":"","max_points":5}]"#.into(),
        }
    }

    fn fields(form: LabSessionForm) -> Vec<String> {
        NewLabSession::parse(form)
            .unwrap_err()
            .into_iter()
            .map(|e| e.field)
            .collect()
    }

    #[test]
    fn a_valid_form_is_trimmed_and_typed() {
        let lab = NewLabSession::parse(form()).unwrap();
        assert_eq!(lab.title, "Pendulum");
        assert_eq!(lab.release_mode, ReleaseMode::AfterReview);
        assert_eq!(lab.join_code, None);
        assert_eq!(lab.rubric.max_total(), 5);
        assert_eq!(format_deadline(lab.deadline.unwrap()), "2030-01-02T03:04");
    }

    #[test]
    fn every_limit_is_reported_at_its_field() {
        let broken = LabSessionForm {
            title: "t".repeat(201),
            instructions: "i".repeat(8 * 1024 + 1),
            release_mode: "sometimes".into(),
            join_code: "c".repeat(33),
            language: "xx".into(),
            deadline: "tomorrow".into(),
            criteria: r#"[{"name":"","description":"","max_points":0}]"#.into(),
        };
        assert_eq!(
            fields(broken),
            [
                "criteria[0].name",
                "criteria[0].max_points",
                "title",
                "instructions",
                "release_mode",
                "join_code",
                "language",
                "deadline"
            ]
        );
    }

    #[test]
    fn limits_are_inclusive_and_an_unreadable_rubric_is_named() {
        let at_limits = LabSessionForm {
            title: "é".repeat(200),
            instructions: "i".repeat(8 * 1024),
            ..form()
        };
        assert!(NewLabSession::parse(at_limits).is_ok());
        let unreadable = LabSessionForm {
            criteria: "not json".into(),
            title: String::new(),
            ..form()
        };
        assert_eq!(fields(unreadable), ["criteria", "title"]);
    }

    #[test]
    fn a_join_code_is_long_enough_not_to_be_guessed() {
        for short in ["abc", "ab cd e"] {
            let lab = LabSessionForm {
                join_code: short.into(),
                ..form()
            };
            assert_eq!(fields(lab), ["join_code"], "{short:?}");
        }
        let lab = LabSessionForm {
            join_code: "PEND-1".into(),
            ..form()
        };
        assert!(NewLabSession::parse(lab).is_ok());
    }
}
