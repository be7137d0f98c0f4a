//! An instructor's lab sessions: list, edit (with the rubric), close and reopen, and the
//! results table. Each function works only on the caller's own lab sessions; another
//! instructor's reads as not found.

// A server function's arguments are its form's fields, one each; the lab session form has
// eight, and the macro's generated client function is linted too.
#![allow(clippy::too_many_arguments)]

use leptos::prelude::*;

use crate::AppError;
use crate::labs::{LabBoard, LabForm, LabSummary};

#[server(prefix = "/api", endpoint = "instructor/labs")]
pub async fn taught_lab_sessions() -> Result<Vec<LabSummary>, AppError> {
    use domain::labs::LabSessionService;
    use domain::results::ResultService;

    let user = crate::guard::require_role(crate::dto::Role::Instructor).await?;
    let db = &crate::guard::server_context()?.db;
    let mut out = Vec::new();
    for lab in LabSessionService::for_owner(db, user.id).await? {
        let submissions = ResultService::board(db, lab.id).await?.len();
        out.push(LabSummary {
            id: lab.id,
            title: lab.title,
            open: lab.open,
            submissions: u32::try_from(submissions).unwrap_or(u32::MAX),
        });
    }
    Ok(out)
}

#[server(prefix = "/api", endpoint = "instructor/lab")]
pub async fn lab_session_form(id: i32) -> Result<LabForm, AppError> {
    use crate::labs::CriterionView;
    use domain::entities::lab_session::ReleaseMode;
    use domain::labs::LabSessionService;

    let user = crate::guard::require_role(crate::dto::Role::Instructor).await?;
    let db = &crate::guard::server_context()?.db;
    let lab = LabSessionService::owned(db, user.id, id).await?;
    let criteria = LabSessionService::rubric(&lab)?
        .criteria
        .into_iter()
        .map(CriterionView::from)
        .collect();
    Ok(LabForm {
        id: lab.id,
        title: lab.title,
        instructions: lab.instructions,
        release_mode: match lab.release_mode {
            ReleaseMode::Automatic => "automatic".into(),
            ReleaseMode::AfterReview => "review".into(),
        },
        join_code: lab.join_code.unwrap_or_default(),
        language: lab.language,
        deadline: lab
            .deadline
            .map(|d| {
                d.with_timezone(&chrono::Local)
                    .format(DEADLINE_FORMAT)
                    .to_string()
            })
            .unwrap_or_default(),
        open: lab.open,
        criteria,
    })
}

/// Creates (`id` 0) or changes a lab session. `criteria` is the rubric as JSON: a list of
/// `{name, description, max_points}`. Every broken rule comes back at its field.
#[server(prefix = "/api", endpoint = "instructor/lab/save")]
pub async fn save_lab_session(
    id: i32,
    title: String,
    instructions: String,
    release_mode: String,
    join_code: String,
    language: String,
    deadline: String,
    criteria: String,
) -> Result<i32, AppError> {
    use domain::entities::lab_session::ReleaseMode;
    use domain::labs::{Criterion, LabSessionService, NewLabSession, Rubric};

    let user = crate::guard::require_role(crate::dto::Role::Instructor).await?;
    let db = &crate::guard::server_context()?.db;
    let parsed: Vec<Criterion> = serde_json::from_str(&criteria)
        .map_err(|_| AppError::invalid("criteria", "The rubric could not be read."))?;
    let rubric = Rubric::parse(parsed);
    let mut errors = rubric.as_ref().err().cloned().unwrap_or_default();
    if title.trim().is_empty() {
        errors.push(domain::FieldError::new(
            "title",
            "A lab session needs a title.",
        ));
    }
    let release_mode = match release_mode.as_str() {
        "automatic" => ReleaseMode::Automatic,
        "review" => ReleaseMode::AfterReview,
        _ => {
            errors.push(domain::FieldError::new(
                "release_mode",
                "Choose when results are released.",
            ));
            ReleaseMode::Automatic
        }
    };
    let join_code = join_code.trim().to_owned();
    if join_code.chars().count() > 32 {
        errors.push(domain::FieldError::new(
            "join_code",
            "A join code has at most 32 characters.",
        ));
    }
    if !crate::labs::LANGUAGES
        .iter()
        .any(|(code, _)| *code == language)
    {
        errors.push(domain::FieldError::new(
            "language",
            "Choose the language students speak.",
        ));
    }
    let deadline = match parse_deadline(&deadline) {
        Ok(d) => d,
        Err(message) => {
            errors.push(domain::FieldError::new("deadline", message));
            None
        }
    };
    if !errors.is_empty() {
        return Err(domain::DomainError::Invalid(errors).into());
    }
    let rubric = rubric.map_err(domain::DomainError::Invalid)?;
    let fields = NewLabSession {
        title,
        instructions,
        rubric,
        language,
        release_mode,
        join_code: (!join_code.is_empty()).then_some(join_code),
        deadline,
    };
    let saved = if id == 0 {
        LabSessionService::create(db, user.id, fields).await?
    } else {
        LabSessionService::update(db, user.id, id, fields).await?
    };
    Ok(saved.id)
}

/// How a deadline travels: a `datetime-local` value, in the server's time zone (the lab's).
#[cfg(feature = "ssr")]
const DEADLINE_FORMAT: &str = "%Y-%m-%dT%H:%M";

#[cfg(feature = "ssr")]
fn parse_deadline(text: &str) -> Result<Option<chrono::DateTime<chrono::Utc>>, &'static str> {
    use chrono::TimeZone;
    let text = text.trim();
    if text.is_empty() {
        return Ok(None);
    }
    let naive = chrono::NaiveDateTime::parse_from_str(text, DEADLINE_FORMAT)
        .map_err(|_| "Give the deadline as a date and a time.")?;
    chrono::Local
        .from_local_datetime(&naive)
        .earliest()
        .map(|d| Some(d.with_timezone(&chrono::Utc)))
        .ok_or("This time does not exist here (a clock change); choose another.")
}

#[server(prefix = "/api", endpoint = "instructor/lab/open")]
pub async fn set_lab_session_open(id: i32, open: bool) -> Result<(), AppError> {
    let user = crate::guard::require_role(crate::dto::Role::Instructor).await?;
    let db = &crate::guard::server_context()?.db;
    domain::labs::LabSessionService::set_open(db, user.id, id, open).await?;
    Ok(())
}

#[server(prefix = "/api", endpoint = "instructor/lab/results")]
pub async fn lab_results(id: i32) -> Result<LabBoard, AppError> {
    use crate::labs::BoardRowView;
    use domain::labs::LabSessionService;
    use domain::results::ResultService;
    use sea_orm::ActiveEnum;

    #[derive(serde::Deserialize)]
    struct Scored {
        criterion: String,
        points: u32,
    }
    #[derive(serde::Deserialize)]
    struct Stored {
        criteria: Vec<Scored>,
        total: u32,
    }

    let user = crate::guard::require_role(crate::dto::Role::Instructor).await?;
    let db = &crate::guard::server_context()?.db;
    let lab = LabSessionService::owned(db, user.id, id).await?;
    let names: Vec<String> = LabSessionService::rubric(&lab)?
        .criteria
        .into_iter()
        .map(|c| c.name)
        .collect();
    let rows = ResultService::board(db, lab.id)
        .await?
        .into_iter()
        .map(|row| {
            let stored = row
                .evaluation
                .and_then(|e| serde_json::from_str::<Stored>(&e.result).ok());
            let points = names
                .iter()
                .map(|n| {
                    stored
                        .as_ref()
                        .and_then(|s| s.criteria.iter().find(|c| &c.criterion == n))
                        .map(|c| c.points)
                })
                .collect();
            BoardRowView {
                submission_id: row.submission.id,
                student: row.student_name,
                state: row.submission.state.to_value(),
                points,
                total: stored.map(|s| s.total),
            }
        })
        .collect();
    Ok(LabBoard {
        criteria: names,
        rows,
    })
}
