//! `viva submit --student NAME --lab-session ID FILE`: queue a recording on a student's
//! behalf (one that reached the instructor some other way), prepared exactly as an upload
//! is: copied under a generated name, probed, its audio extracted. A running server picks it
//! up within seconds.

use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::{Context, bail};
use domain::labs::LabSessionService;
use domain::submissions::{NewSubmission, SubmissionService};
use domain::users::{UserService, Username};
use domain::{Role, media};
use sea_orm::DatabaseConnection;

/// Longest recording accepted (issue: default 15 min).
const MAX_DURATION: Duration = Duration::from_secs(15 * 60);

#[derive(Debug, clap::Args)]
pub struct SubmitArgs {
    /// The student's username.
    #[arg(long)]
    student: String,
    /// The lab session's number.
    #[arg(long)]
    lab_session: i32,
    /// A video or audio recording.
    file: PathBuf,
}

pub async fn run(db: &DatabaseConnection, data_dir: &Path, args: SubmitArgs) -> anyhow::Result<()> {
    let username = Username::parse(&args.student).map_err(|e| anyhow::anyhow!(e.message))?;
    let student = UserService::find_by_username(db, &username)
        .await?
        .filter(|u| u.role == Role::Student)
        .with_context(|| format!("there is no student {:?}", args.student))?;
    let lab = LabSessionService::get(db, args.lab_session)
        .await
        .with_context(|| format!("there is no lab session {}", args.lab_session))?;
    if !lab.open {
        bail!("lab session {} is closed", lab.id);
    }
    let name = media::generated_name();
    let media_dir = data_dir.join("media");
    std::fs::create_dir_all(&media_dir)?;
    let stored = media_dir.join(&name);
    let audio = media_dir.join(format!("{name}.wav"));
    let prepared = prepare(&args.file, &stored, &audio).await;
    let duration_ms = match prepared {
        Ok(ms) => ms,
        Err(e) => {
            // Nothing half-made is left behind.
            let _ = std::fs::remove_file(&stored);
            let _ = std::fs::remove_file(&audio);
            return Err(e);
        }
    };
    let original_name = args
        .file
        .file_name()
        .map(|n| n.to_string_lossy().chars().take(300).collect())
        .unwrap_or_default();
    let queued = SubmissionService::enqueue(
        db,
        NewSubmission {
            student_id: student.id,
            lab_session_id: lab.id,
            original_name,
            media_path: Some(stored.display().to_string()),
            media_sha256: None,
            audio_path: audio.display().to_string(),
            duration_ms,
        },
    )
    .await?;
    println!(
        "Queued submission {} ({} s of audio).",
        queued.id,
        duration_ms / 1000
    );
    Ok(())
}

async fn prepare(file: &Path, stored: &Path, audio: &Path) -> anyhow::Result<i64> {
    std::fs::copy(file, stored).with_context(|| format!("cannot read {}", file.display()))?;
    let limits = media::MediaLimits {
        max_duration: MAX_DURATION,
        tool_timeout: std::time::Duration::from_secs(10 * 60),
    };
    media::probe(stored, limits).await?;
    let duration_ms = media::extract_audio(stored, audio, limits).await?;
    media::check_not_silent(audio, limits).await?;
    Ok(duration_ms)
}
