//! `POST /api/lab-sessions/{id}/upload?name=…`: a student's recording as the raw request
//! body. It is streamed to disk under a generated name (never held in memory), cut off the
//! moment it passes the size limit, hashed on the way, probed, and its audio extracted, all
//! on the CPU before the submission joins the GPU queue. Any failure removes every file it
//! made and leaves no row. Refused up front: a student past the attempts quota, a second
//! upload to the same lab session at once (or more than the per-user limit), and any upload
//! while the media volume is low on space.

mod in_flight;
mod storage;

use std::path::PathBuf;

use app::AppError;
use app::dto::{CurrentUser, Role};
use axum::Json;
use axum::body::Body;
use axum::extract::{Path as UrlPath, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use domain::labs::LabSessionService;
use domain::media::{self, MediaError, MediaLimits};
use domain::submissions::{NewSubmission, SubmissionService};
use serde::{Deserialize, Serialize};

pub use in_flight::UploadsInFlight;
use storage::{Files, stream_to_disk};

use super::AppState;
use super::extractor::AuthUser;

#[derive(Deserialize)]
pub struct UploadQuery {
    /// The file's name on the student's machine: display text only.
    #[serde(default)]
    name: String,
}

#[derive(Serialize)]
pub struct Uploaded {
    submission_id: i32,
    duration_ms: i64,
}

pub async fn upload(
    State(state): State<AppState>,
    AuthUser(user): AuthUser,
    UrlPath(lab_id): UrlPath<i32>,
    Query(query): Query<UploadQuery>,
    headers: HeaderMap,
    body: Body,
) -> Result<(StatusCode, Json<Uploaded>), AppError> {
    let done = receive(&state, &user, lab_id, query, &headers, body).await?;
    Ok((StatusCode::CREATED, Json(done)))
}

async fn receive(
    state: &AppState,
    user: &CurrentUser,
    lab_id: i32,
    query: UploadQuery,
    headers: &HeaderMap,
    body: Body,
) -> Result<Uploaded, AppError> {
    let db = &state.server.db;
    if user.role != Role::Student {
        return Err(AppError::Forbidden);
    }
    let lab = LabSessionService::get(db, lab_id).await?;
    LabSessionService::check_can_submit(db, &lab, user.id).await?;
    let limits = &state.uploads;
    let declared = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|n| n > limits.max_bytes) {
        return Err(too_large(limits.max_bytes));
    }
    // The slot first: while it is held no other upload of this student to this lab session
    // runs, so the attempts counted below cannot change before this one is stored.
    let _slot = state.uploads_in_flight.claim(user.id, lab.id)?;
    let used = SubmissionService::attempts_used(db, user.id, lab.id).await?;
    if used >= i64::from(limits.max_attempts) {
        return Err(AppError::Conflict(format!(
            "You have used all {} attempts for this lab session.",
            limits.max_attempts
        )));
    }

    let dir = limits.media_dir.clone();
    tokio::fs::create_dir_all(&dir)
        .await
        .map_err(storage::write_error)?;
    storage::ensure_free_space(&dir, limits.min_free_bytes)?;
    // A generated name; only a known media extension is kept, so browsers play it back.
    let name = format!("{}{}", media::generated_name(), extension(&query.name));
    let files = Files::new(dir.join(&name), dir.join(format!("{name}.wav")));
    let (bytes, sha256) = stream_to_disk(body, &files.media, limits.max_bytes).await?;
    metrics::counter!("viva_upload_bytes_total").increment(bytes);
    if bytes == 0 {
        return Err(AppError::invalid("file", "This file is empty."));
    }
    media::probe(&files.media, limits.media)
        .await
        .map_err(media_error)?;
    let duration_ms = media::extract_audio(&files.media, &files.audio, limits.media)
        .await
        .map_err(|e| match e {
            // ffmpeg fails the same way on a full disk as on a bad file: look before blaming it.
            MediaError::NotMedia
                if storage::ensure_free_space(&dir, limits.min_free_bytes).is_err() =>
            {
                AppError::OutOfStorage
            }
            other => media_error(other),
        })?;
    media::check_not_silent(&files.audio, limits.media)
        .await
        .map_err(media_error)?;

    let original_name = display_name(&query.name);
    let (created, stale) = SubmissionService::submit(
        db,
        NewSubmission {
            student_id: user.id,
            lab_session_id: lab.id,
            original_name,
            media_path: Some(files.media.display().to_string()),
            media_sha256: Some(sha256),
            audio_path: files.audio.display().to_string(),
            duration_ms,
        },
    )
    .await?;
    files.keep();
    for path in stale {
        let _ = tokio::fs::remove_file(path).await;
    }
    state.server.scheduler.notify_queued();
    tracing::info!(
        submission = created.id,
        student = user.id,
        lab = lab.id,
        bytes,
        "upload queued"
    );
    Ok(Uploaded {
        submission_id: created.id,
        duration_ms,
    })
}

pub(super) fn too_large(max: u64) -> AppError {
    AppError::TooLarge {
        max_mb: max / (1024 * 1024),
    }
}

/// A refusal the student can act on, in their words; a tool that could not run is the
/// server's fault, logged with its cause for the admin and shown as an internal error.
fn media_error(e: MediaError) -> AppError {
    match e {
        MediaError::Tool(cause) => AppError::internal(cause),
        other => {
            let text = other.to_string();
            let mut chars = text.chars();
            let message = chars
                .next()
                .map(|c| c.to_uppercase().chain(chars).collect::<String>())
                .unwrap_or_default();
            AppError::invalid("file", format!("{message}."))
        }
    }
}

/// The client's file name, reduced to display text: no directories, at most 200 characters.
fn display_name(raw: &str) -> String {
    let base = raw.rsplit(['/', '\\']).next().unwrap_or_default();
    let clean: String = base.chars().filter(|c| !c.is_control()).take(200).collect();
    if clean.trim().is_empty() {
        "recording".into()
    } else {
        clean
    }
}

fn extension(client_name: &str) -> String {
    const KNOWN: [&str; 10] = [
        "mp4", "mov", "webm", "mkv", "wav", "mp3", "m4a", "ogg", "opus", "oga",
    ];
    let ext = client_name
        .rsplit_once('.')
        .map(|(_, e)| e.to_lowercase())
        .unwrap_or_default();
    if KNOWN.contains(&ext.as_str()) {
        format!(".{ext}")
    } else {
        String::new()
    }
}

/// Upload limits and where uploads go.
#[derive(Clone)]
pub struct UploadLimits {
    pub media_dir: PathBuf,
    pub max_bytes: u64,
    pub media: MediaLimits,
    /// Below this much free space on the media volume, uploads are refused up front.
    pub min_free_bytes: u64,
    /// Uploads a student may make to one lab session, counting replaced ones.
    pub max_attempts: u32,
}

#[cfg(test)]
mod tests {
    use super::display_name;

    #[test]
    fn client_file_names_become_display_text_only() {
        assert_eq!(display_name("../../etc/passwd"), "passwd");
        assert_eq!(display_name("C:\\Users\\me\\talk.mp4"), "talk.mp4");
        assert_eq!(display_name("🎥 lab talk.mov"), "🎥 lab talk.mov");
        assert_eq!(display_name(&"a".repeat(300)).chars().count(), 200);
        assert_eq!(display_name(""), "recording");
    }
}
