//! Preparing an uploaded recording for the GPU queue, on the CPU: probe it with `ffprobe`
//! (it must have an audio stream) and extract 16 kHz mono WAV with `ffmpeg`, which is what
//! the STT engine reads, with a time and size cap, measuring the duration from that audio.
//! Every tool call has a timeout. Runs before the submission is
//! queued, so it never competes with a GPU phase.

use std::path::Path;
use std::time::Duration;

use tokio::process::Command;

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum MediaError {
    #[error("this file is not a video or audio recording we can read")]
    NotMedia,
    #[error("this recording has no sound track: upload a video with sound")]
    NoAudio,
    #[error("this recording is too long: the limit is {max_secs} s")]
    TooLong { max_secs: u64 },
    #[error("this recording is empty")]
    Empty,
    #[error("no speech found: this recording is silent; upload a video with sound")]
    Silent,
    #[error("this recording took too long to read; try a shorter or simpler file")]
    TimedOut,
    /// The tool itself could not run: the server's fault, not the file's.
    #[error("{0}")]
    Tool(String),
}

/// What the media tools may use: how long a recording may be, and how long each tool may
/// run. A recording's length is measured from the audio extracted from it, never read from
/// its container's header, which can say anything.
#[derive(Debug, Clone, Copy)]
pub struct MediaLimits {
    pub max_duration: Duration,
    pub tool_timeout: Duration,
}

/// 16 kHz mono 16-bit PCM: what the STT engine reads, 32 bytes a millisecond.
const WAV_BYTES_PER_MS: u64 = 32;
/// The header of the WAV that `extract_audio` writes (`-bitexact`, no metadata).
const WAV_HEADER_BYTES: u64 = 44;

/// Checks that `path` is media with an audio stream. Its duration is not trusted here.
pub async fn probe(path: &Path, limits: MediaLimits) -> Result<(), MediaError> {
    let mut command = Command::new("ffprobe");
    command
        .args(["-v", "error", "-show_entries", "stream=codec_type"])
        .args(["-of", "json"])
        .arg(path);
    let output = run(command, "ffprobe", limits.tool_timeout).await?;
    if !output.status.success() {
        let said = tail(&output.stderr);
        tracing::warn!(input = %path.display(), ffprobe = %said, "not readable media");
        return Err(MediaError::NotMedia);
    }
    let info: serde_json::Value =
        serde_json::from_slice(&output.stdout).map_err(|_| MediaError::NotMedia)?;
    let streams = info["streams"].as_array().cloned().unwrap_or_default();
    if streams.is_empty() {
        return Err(MediaError::NotMedia);
    }
    if !streams.iter().any(|s| s["codec_type"] == "audio") {
        return Err(MediaError::NoAudio);
    }
    Ok(())
}

/// Writes `input`'s first audio stream to `output` as 16 kHz mono 16-bit WAV, at most one
/// second past the limit (so an over-long recording is seen as such, but never expands to
/// more), and returns the extracted audio's duration in milliseconds.
pub async fn extract_audio(
    input: &Path,
    output: &Path,
    limits: MediaLimits,
) -> Result<i64, MediaError> {
    let cap_secs = limits.max_duration.as_secs() + 1;
    let cap_bytes = WAV_HEADER_BYTES + cap_secs * 1000 * WAV_BYTES_PER_MS;
    let mut command = Command::new("ffmpeg");
    command
        .args(["-nostdin", "-v", "error", "-y", "-i"])
        .arg(input)
        .args(["-t", &cap_secs.to_string(), "-fs", &cap_bytes.to_string()])
        .args([
            "-vn",
            "-map_metadata",
            "-1",
            "-bitexact",
            "-ac",
            "1",
            "-ar",
            "16000",
        ])
        .args(["-c:a", "pcm_s16le", "-f", "wav"])
        .arg(output);
    let result = run(command, "ffmpeg", limits.tool_timeout).await;
    let extracted = match result {
        Ok(out) if out.status.success() => tokio::fs::metadata(output).await.ok(),
        Ok(out) => {
            // The student is told the file cannot be read; the admin's log keeps why.
            let said = tail(&out.stderr);
            tracing::warn!(input = %input.display(), ffmpeg = %said, "audio extraction failed");
            None
        }
        Err(e) => {
            let _ = tokio::fs::remove_file(output).await;
            return Err(e);
        }
    };
    // A truncated or damaged file fails here even when its header probed fine.
    let Some(extracted) = extracted else {
        let _ = tokio::fs::remove_file(output).await;
        return Err(MediaError::NotMedia);
    };
    let ms = extracted.len().saturating_sub(WAV_HEADER_BYTES) / WAV_BYTES_PER_MS;
    if ms == 0 {
        return Err(MediaError::Empty);
    }
    if ms > limits.max_duration.as_millis() as u64 {
        return Err(MediaError::TooLong {
            max_secs: limits.max_duration.as_secs(),
        });
    }
    Ok(ms as i64)
}

/// The end of a tool's error output, for the admin's log (the start is usually its banner).
fn tail(stderr: &[u8]) -> String {
    let text = String::from_utf8_lossy(stderr);
    let text = text.trim();
    let start = text.len().saturating_sub(500);
    let start = (start..text.len())
        .find(|i| text.is_char_boundary(*i))
        .unwrap_or(text.len());
    text[start..].to_owned()
}

/// Runs a media tool to its end, or kills it at `timeout`.
async fn run(
    mut command: Command,
    tool: &str,
    timeout: Duration,
) -> Result<std::process::Output, MediaError> {
    let running = command.kill_on_drop(true).output();
    match tokio::time::timeout(timeout, running).await {
        Ok(Ok(output)) => Ok(output),
        Ok(Err(e)) => Err(MediaError::Tool(format!("cannot run {tool}: {e}"))),
        Err(_) => Err(MediaError::TimedOut),
    }
}

/// Loudest sample below this (dBFS) counts as silence: a muted microphone, not a quiet voice.
const SILENCE_DB: f64 = -50.0;

/// Fails with [`MediaError::Silent`] when the extracted audio holds no sound at all.
pub async fn check_not_silent(audio: &Path, limits: MediaLimits) -> Result<(), MediaError> {
    let mut command = Command::new("ffmpeg");
    command
        .args(["-nostdin", "-v", "info", "-i"])
        .arg(audio)
        .args(["-af", "volumedetect", "-f", "null", "-"]);
    let result = run(command, "ffmpeg", limits.tool_timeout).await?;
    let log = String::from_utf8_lossy(&result.stderr);
    let loudest = log
        .lines()
        .find_map(|l| l.split("max_volume:").nth(1))
        .and_then(|v| v.trim().trim_end_matches("dB").trim().parse::<f64>().ok());
    match loudest {
        Some(db) if db >= SILENCE_DB => Ok(()),
        _ => Err(MediaError::Silent),
    }
}

/// A random file name for stored media: the client's file name is display text only and
/// never part of a path.
pub fn generated_name() -> String {
    use argon2::password_hash::rand_core::{OsRng, RngCore};
    let mut bytes = [0u8; 12];
    OsRng.fill_bytes(&mut bytes);
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_tool_still_running_at_its_timeout_is_killed_and_reported() {
        let dir = tempfile::tempdir().unwrap();
        let pid_file = dir.path().join("pid");
        let mut command = Command::new("sh");
        command.args([
            "-c",
            &format!("echo $$ > {}; exec sleep 30", pid_file.display()),
        ]);
        let result = run(command, "sleep", Duration::from_millis(500)).await;
        assert_eq!(result.unwrap_err(), MediaError::TimedOut);
        let pid = std::fs::read_to_string(&pid_file).unwrap();
        // Killed (and reaped by tokio, or a zombie until then): not sleeping any more.
        let stat = std::fs::read_to_string(format!("/proc/{}/stat", pid.trim()));
        let running = stat.is_ok_and(|s| {
            s.rsplit(')')
                .next()
                .is_some_and(|r| r.trim_start().starts_with('S'))
        });
        assert!(!running, "the timed-out tool still runs");
    }
}
