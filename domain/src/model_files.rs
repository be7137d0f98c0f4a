//! Model files as the admin sees them: the ones in the models folder to pick from, and each
//! file's SHA-256, recorded with every engine run and evaluation so a grade names the exact
//! weights that made it. Hashing reads the whole file (seconds for a model of gigabytes), so
//! a hash is kept while the file's size and modification time stay the same.

use std::collections::HashMap;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, OnceLock};
use std::time::SystemTime;

use sha2::{Digest, Sha256};

type Stamp = (u64, Option<SystemTime>);

fn known() -> &'static Mutex<HashMap<PathBuf, (Stamp, String)>> {
    static KNOWN: OnceLock<Mutex<HashMap<PathBuf, (Stamp, String)>>> = OnceLock::new();
    KNOWN.get_or_init(Default::default)
}

/// The file's SHA-256, hex. Blocking: call it from `spawn_blocking`.
pub fn sha256(path: &Path) -> std::io::Result<String> {
    let meta = std::fs::metadata(path)?;
    let stamp = (meta.len(), meta.modified().ok());
    if let Ok(known) = known().lock()
        && let Some((seen, hash)) = known.get(path)
        && *seen == stamp
    {
        return Ok(hash.clone());
    }
    let mut file = std::fs::File::open(path)?;
    let mut hasher = Sha256::new();
    let mut buffer = vec![0; 1 << 20];
    loop {
        let read = file.read(&mut buffer)?;
        if read == 0 {
            break;
        }
        hasher.update(&buffer[..read]);
    }
    let hash = format!("{:x}", hasher.finalize());
    if let Ok(mut known) = known().lock() {
        known.insert(path.to_path_buf(), (stamp, hash.clone()));
    }
    Ok(hash)
}

/// [`sha256`] off the async threads; `None` when the file cannot be read.
pub async fn sha256_of(path: PathBuf) -> Option<String> {
    tokio::task::spawn_blocking(move || sha256(&path).ok())
        .await
        .ok()
        .flatten()
}

/// The files in `dir` whose name ends in `extension` (e.g. "gguf"), sorted by name.
pub fn list(dir: &Path, extension: &str) -> Vec<String> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut names: Vec<String> = entries
        .filter_map(Result::ok)
        .filter(|e| e.file_type().is_ok_and(|t| t.is_file() || t.is_symlink()))
        .filter_map(|e| e.file_name().into_string().ok())
        .filter(|n| n.ends_with(&format!(".{extension}")))
        .collect();
    names.sort();
    names
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_hash_follows_the_file_and_the_list_keeps_to_the_extension() {
        let dir = tempfile::tempdir().unwrap();
        let model = dir.path().join("a.gguf");
        std::fs::write(&model, b"one").unwrap();
        std::fs::write(dir.path().join("notes.txt"), b"x").unwrap();
        let first = sha256(&model).unwrap();
        assert_eq!(first.len(), 64);
        std::fs::write(&model, b"other content").unwrap();
        assert_ne!(
            sha256(&model).unwrap(),
            first,
            "a changed file is hashed again"
        );
        assert_eq!(list(dir.path(), "gguf"), ["a.gguf"]);
        assert!(sha256(&dir.path().join("missing.gguf")).is_err());
    }
}
