//! The media folder and the queue agree again after a crash: at start, files no row names are
//! removed (an upload cut off mid-way), and queued work whose audio is gone fails with a
//! reason the admin sees, instead of crashing an engine later.

use std::collections::HashSet;
use std::ffi::{OsStr, OsString};
use std::path::{Path, PathBuf};

use chrono::Utc;
use sea_orm::{ActiveModelTrait, DatabaseConnection, EntityTrait, Set};

use crate::DomainError;
use crate::entities::submission::{self, SubmissionState};

#[derive(Debug, Default, PartialEq, Eq)]
pub struct Swept {
    /// Files in the media folder that no submission names, now removed.
    pub orphan_files: Vec<PathBuf>,
    /// Submissions failed because the audio they still needed is gone.
    pub failed_submissions: Vec<i32>,
}

pub async fn sweep(db: &DatabaseConnection, media_dir: &Path) -> Result<Swept, DomainError> {
    let rows = submission::Entity::find().all(db).await?;
    // By file name: stored names are random and unique, while the folder may be spelled
    // differently from one run to the next ("data", "./data", an absolute path, a symlink).
    let named: HashSet<OsString> = rows
        .iter()
        .flat_map(|s| s.media_path.iter().chain(std::iter::once(&s.audio_path)))
        .filter_map(|p| Path::new(p).file_name().map(OsStr::to_owned))
        .collect();
    let mut swept = Swept::default();
    if let Ok(entries) = std::fs::read_dir(media_dir) {
        for entry in entries.flatten() {
            let path = entry.path();
            let is_file = entry.file_type().is_ok_and(|t| t.is_file());
            if is_file && !named.contains(&entry.file_name()) && std::fs::remove_file(&path).is_ok()
            {
                swept.orphan_files.push(path);
            }
        }
    }
    for row in rows.into_iter().filter(needs_audio) {
        if Path::new(&row.audio_path).is_file() {
            continue;
        }
        let id = row.id;
        let reason = format!(
            "its audio file is missing from the server ({})",
            row.audio_path
        );
        let mut failed: submission::ActiveModel = row.into();
        failed.state = Set(SubmissionState::Failed);
        failed.batch_id = Set(None);
        failed.failure_reason = Set(Some(reason));
        failed.updated_at = Set(Utc::now());
        failed.update(db).await?;
        swept.failed_submissions.push(id);
    }
    Ok(swept)
}

/// Waiting for (or in) the STT phase: a re-run of the evaluation alone needs no audio.
fn needs_audio(row: &submission::Model) -> bool {
    matches!(
        row.state,
        SubmissionState::Queued | SubmissionState::InBatch | SubmissionState::Transcribing
    ) && row.rerun_by.is_none()
}
