//! `POST /api/lab-sessions/{id}/upload?name=…`: a student's recording as the raw request
//! body. It is streamed to disk under a generated name (never held in memory), cut off the
//! moment it passes the size limit, hashed on the way, probed, and its audio extracted, all
//! on the CPU before the submission joins the GPU queue. Any failure removes every file it
//! made and leaves no row. One upload at a time per student and lab session.

use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use app::AppError;
use app::dto::{CurrentUser, Role};
use axum::Json;
use axum::body::Body;
use axum::extract::{Path as UrlPath, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use domain::labs::LabSessionService;
use domain::media::{self, MediaError};
use domain::submissions::{NewSubmission, SubmissionService};
use futures::StreamExt;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use tokio::io::AsyncWriteExt;

use super::AppState;
use super::extractor::AuthUser;

/// Uploads under way, by (student, lab session).
#[derive(Clone, Default)]
pub struct UploadsInFlight(Arc<Mutex<HashSet<(i32, i32)>>>);

/// Holds a student's upload slot for one lab session until dropped.
struct Slot {
    held: UploadsInFlight,
    key: (i32, i32),
}

impl UploadsInFlight {
    fn claim(&self, key: (i32, i32)) -> Option<Slot> {
        let mut held = self.0.lock().ok()?;
        held.insert(key).then(|| Slot {
            held: self.clone(),
            key,
        })
    }
}

impl Drop for Slot {
    fn drop(&mut self) {
        if let Ok(mut held) = self.held.0.lock() {
            held.remove(&self.key);
        }
    }
}

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
    let _slot = state
        .uploads_in_flight
        .claim((user.id, lab.id))
        .ok_or_else(|| {
            AppError::Conflict("An upload for this lab session is already in progress.".into())
        })?;

    let dir = limits.media_dir.clone();
    tokio::fs::create_dir_all(&dir)
        .await
        .map_err(AppError::internal)?;
    // A generated name; only a known media extension is kept, so browsers play it back.
    let name = format!("{}{}", media::generated_name(), extension(&query.name));
    let files = Files {
        media: dir.join(&name),
        audio: dir.join(format!("{name}.wav")),
        keep: false,
    };
    let (bytes, sha256) = stream_to_disk(body, &files.media, limits.max_bytes).await?;
    if bytes == 0 {
        return Err(AppError::invalid("file", "This file is empty."));
    }
    let probed = media::probe(&files.media, limits.max_duration)
        .await
        .map_err(media_error)?;
    media::extract_audio(&files.media, &files.audio)
        .await
        .map_err(media_error)?;
    media::check_not_silent(&files.audio)
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
            duration_ms: probed.duration_ms,
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
        duration_ms: probed.duration_ms,
    })
}

/// Writes the body to `path`, stopping as soon as it passes `max` bytes.
async fn stream_to_disk(body: Body, path: &Path, max: u64) -> Result<(u64, String), AppError> {
    let mut file = tokio::fs::File::create(path)
        .await
        .map_err(AppError::internal)?;
    let mut stream = body.into_data_stream();
    let mut hash = Sha256::new();
    let mut written: u64 = 0;
    while let Some(chunk) = stream.next().await {
        let chunk =
            chunk.map_err(|e| AppError::Request(format!("the upload was interrupted: {e}")))?;
        written += chunk.len() as u64;
        if written > max {
            return Err(too_large(max));
        }
        hash.update(&chunk);
        file.write_all(&chunk).await.map_err(AppError::internal)?;
    }
    file.flush().await.map_err(AppError::internal)?;
    let hex = hash.finalize().iter().map(|b| format!("{b:02x}")).collect();
    Ok((written, hex))
}

fn too_large(max: u64) -> AppError {
    AppError::TooLarge {
        max_mb: max / (1024 * 1024),
    }
}

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

/// The files of one upload, removed unless the upload succeeded.
struct Files {
    media: PathBuf,
    audio: PathBuf,
    keep: bool,
}

impl Files {
    fn keep(mut self) {
        self.keep = true;
    }
}

impl Drop for Files {
    fn drop(&mut self) {
        if !self.keep {
            let _ = std::fs::remove_file(&self.media);
            let _ = std::fs::remove_file(&self.audio);
        }
    }
}

/// Upload limits and where uploads go.
#[derive(Clone)]
pub struct UploadLimits {
    pub media_dir: PathBuf,
    pub max_bytes: u64,
    pub max_duration: std::time::Duration,
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
