//! Preparing an uploaded recording for the GPU queue, on the CPU: probe it with `ffprobe`
//! (it must have an audio stream and a duration within the limit) and extract 16 kHz mono
//! WAV with `ffmpeg`, which is what the STT engine reads. Runs before the submission is
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
    #[error("this recording is {secs} s long; the limit is {max_secs} s")]
    TooLong { secs: u64, max_secs: u64 },
    #[error("this recording is empty")]
    Empty,
    #[error("no speech found: this recording is silent; upload a video with sound")]
    Silent,
    #[error("{0}")]
    Tool(String),
}

#[derive(Debug, Clone, PartialEq)]
pub struct Probed {
    pub duration_ms: i64,
}

/// Reads the container's duration and checks there is an audio stream.
pub async fn probe(path: &Path, max: Duration) -> Result<Probed, MediaError> {
    let output = Command::new("ffprobe")
        .args([
            "-v",
            "error",
            "-show_entries",
            "format=duration:stream=codec_type",
        ])
        .args(["-of", "json"])
        .arg(path)
        .kill_on_drop(true)
        .output()
        .await
        .map_err(|e| MediaError::Tool(format!("cannot run ffprobe: {e}")))?;
    if !output.status.success() {
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
    let secs: f64 = info["format"]["duration"]
        .as_str()
        .and_then(|d| d.parse().ok())
        .ok_or(MediaError::NotMedia)?;
    if !secs.is_finite() || secs <= 0.0 {
        return Err(MediaError::Empty);
    }
    if secs > max.as_secs_f64() {
        return Err(MediaError::TooLong {
            secs: secs.ceil() as u64,
            max_secs: max.as_secs(),
        });
    }
    Ok(Probed {
        duration_ms: (secs * 1000.0).round() as i64,
    })
}

/// Writes `input`'s first audio stream to `output` as 16 kHz mono 16-bit WAV.
pub async fn extract_audio(input: &Path, output: &Path) -> Result<(), MediaError> {
    let result = Command::new("ffmpeg")
        .args(["-nostdin", "-v", "error", "-y", "-i"])
        .arg(input)
        .args([
            "-vn",
            "-ac",
            "1",
            "-ar",
            "16000",
            "-c:a",
            "pcm_s16le",
            "-f",
            "wav",
        ])
        .arg(output)
        .kill_on_drop(true)
        .output()
        .await
        .map_err(|e| MediaError::Tool(format!("cannot run ffmpeg: {e}")))?;
    if result.status.success() {
        Ok(())
    } else {
        // A truncated or damaged file fails here even when its header probed fine.
        let _ = tokio::fs::remove_file(output).await;
        Err(MediaError::NotMedia)
    }
}

/// Loudest sample below this (dBFS) counts as silence: a muted microphone, not a quiet voice.
const SILENCE_DB: f64 = -50.0;

/// Fails with [`MediaError::Silent`] when the extracted audio holds no sound at all.
pub async fn check_not_silent(audio: &Path) -> Result<(), MediaError> {
    let result = Command::new("ffmpeg")
        .args(["-nostdin", "-v", "info", "-i"])
        .arg(audio)
        .args(["-af", "volumedetect", "-f", "null", "-"])
        .kill_on_drop(true)
        .output()
        .await
        .map_err(|e| MediaError::Tool(format!("cannot run ffmpeg: {e}")))?;
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
