//! The scheduler's one error type. None of these reaches a user: the cycle logs it, waits,
//! and starts again from what the database says. Faults of an engine or of one item are not
//! errors here; they are outcomes recorded on the item or the engine run.

use sea_orm::DbErr;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("database error: {0}")]
    Db(#[from] DbErr),
    #[error("cannot read the run-time settings: {0}")]
    Settings(String),
    /// A value of ours that serde could not encode (never expected: the types are plain).
    #[error("cannot encode {what}: {source}")]
    Encode {
        what: &'static str,
        source: serde_json::Error,
    },
}

impl Error {
    /// For `map_err`: names what was being encoded.
    pub fn encode(what: &'static str) -> impl FnOnce(serde_json::Error) -> Self {
        move |source| Self::Encode { what, source }
    }
}
