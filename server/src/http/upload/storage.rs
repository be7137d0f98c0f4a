//! Where an upload's bytes go: streamed to a file under the media folder with a size cap and
//! a hash, never accepted when the volume is low on space, and removed again unless the
//! upload succeeds. A full disk is answered as such, never as a bad file.

use std::path::{Path, PathBuf};

use app::AppError;
use axum::body::Body;
use futures::StreamExt;
use sha2::{Digest, Sha256};
use tokio::io::AsyncWriteExt;

use super::too_large;

/// Refuses the upload up front when the volume holding `dir` has less than `min_free` bytes.
pub fn ensure_free_space(dir: &Path, min_free: u64) -> Result<(), AppError> {
    let stats = nix::sys::statvfs::statvfs(dir).map_err(AppError::internal)?;
    // Both are u64 on 64-bit Linux, narrower elsewhere.
    #[allow(clippy::useless_conversion)]
    let free = u64::from(stats.blocks_available()).saturating_mul(u64::from(stats.fragment_size()));
    if free < min_free {
        tracing::error!(free, min_free, dir = %dir.display(), "media volume low on space");
        return Err(AppError::OutOfStorage);
    }
    Ok(())
}

/// An I/O error while storing: the disk filling up is [`AppError::OutOfStorage`].
pub fn write_error(e: std::io::Error) -> AppError {
    if e.kind() == std::io::ErrorKind::StorageFull {
        tracing::error!(error = %e, "media volume full");
        AppError::OutOfStorage
    } else {
        AppError::internal(e)
    }
}

/// Writes the body to `path`, stopping as soon as it passes `max` bytes.
pub async fn stream_to_disk(body: Body, path: &Path, max: u64) -> Result<(u64, String), AppError> {
    let mut file = tokio::fs::File::create(path).await.map_err(write_error)?;
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
        file.write_all(&chunk).await.map_err(write_error)?;
    }
    file.flush().await.map_err(write_error)?;
    let hex = hash.finalize().iter().map(|b| format!("{b:02x}")).collect();
    Ok((written, hex))
}

/// The files of one upload, removed unless the upload succeeded.
pub struct Files {
    pub media: PathBuf,
    pub audio: PathBuf,
    keep: bool,
}

impl Files {
    pub fn new(media: PathBuf, audio: PathBuf) -> Self {
        Self {
            media,
            audio,
            keep: false,
        }
    }

    pub fn keep(mut self) {
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_full_disk_is_out_of_storage_and_other_io_errors_are_internal() {
        let full = std::io::Error::from(std::io::ErrorKind::StorageFull);
        assert_eq!(write_error(full), AppError::OutOfStorage);
        let other = std::io::Error::from(std::io::ErrorKind::PermissionDenied);
        assert_eq!(write_error(other), AppError::Internal);
    }

    #[test]
    fn free_space_below_the_minimum_refuses() {
        let dir = tempfile::tempdir().unwrap();
        assert!(ensure_free_space(dir.path(), 0).is_ok());
        assert_eq!(
            ensure_free_space(dir.path(), u64::MAX),
            Err(AppError::OutOfStorage)
        );
    }
}
