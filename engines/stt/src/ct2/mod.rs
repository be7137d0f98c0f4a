//! Converting a CTranslate2 (faster-whisper) Whisper model into whisper.cpp's ggml format,
//! so models people already have (and the one a PyPI wheel ships) work with whisper.cpp.
//!
//! `reader` parses CTranslate2's `model.bin`; `mel` computes the mel filterbank whisper.cpp
//! expects in the file; `vocab` turns the byte-level BPE vocabulary back into raw bytes;
//! `writer` lays everything out as whisper.cpp's loader reads it.

mod mel;
mod reader;
mod vocab;
mod writer;

use std::path::{Path, PathBuf};

#[derive(Debug, thiserror::Error)]
pub enum ConvertError {
    #[error("cannot read {path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{path} is not a CTranslate2 model file: {reason}")]
    Format { path: PathBuf, reason: String },
    #[error("unsupported model: {0}")]
    Unsupported(String),
}

/// Converts the CTranslate2 Whisper model in `dir` and writes the ggml model to `out`.
/// The output depends only on the input, so converting twice gives identical bytes.
pub fn convert(dir: &Path, out: &Path) -> Result<(), ConvertError> {
    let model_path = dir.join("model.bin");
    let bytes = std::fs::read(&model_path).map_err(|source| ConvertError::Io {
        path: model_path.clone(),
        source,
    })?;
    let model = reader::parse(&bytes).map_err(|reason| ConvertError::Format {
        path: model_path,
        reason,
    })?;
    let vocab_path = dir.join("vocabulary.txt");
    let vocab_text = std::fs::read_to_string(&vocab_path).map_err(|source| ConvertError::Io {
        path: vocab_path,
        source,
    })?;
    let tokens = vocab::decode(&vocab_text)?;
    let ggml = writer::write(&model, &tokens)?;
    // Written beside the target and renamed, so a failed conversion never leaves half a model.
    let partial = out.with_extension("partial");
    std::fs::write(&partial, ggml).map_err(|source| ConvertError::Io {
        path: partial.clone(),
        source,
    })?;
    std::fs::rename(&partial, out).map_err(|source| ConvertError::Io {
        path: out.to_owned(),
        source,
    })
}
