use std::time::Duration;

/// One problem with one input field, in words a user can act on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldError {
    pub field: String,
    pub message: String,
}

impl FieldError {
    pub fn new(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            field: field.into(),
            message: message.into(),
        }
    }
}

/// The outcomes a domain service can end in, other than success.
#[derive(Debug, thiserror::Error)]
pub enum DomainError {
    #[error("invalid input: {0:?}")]
    Invalid(Vec<FieldError>),
    #[error("not found")]
    NotFound,
    /// Unknown user and wrong password are deliberately the same outcome.
    #[error("unknown username or wrong password")]
    InvalidCredentials,
    #[error("account disabled")]
    AccountDisabled,
    #[error("too many failed logins; retry in {retry_after:?}")]
    Throttled { retry_after: Duration },
    #[error("database: {0}")]
    Database(#[from] sea_orm::DbErr),
    #[error("internal: {0}")]
    Internal(String),
}

impl DomainError {
    pub fn invalid(field: &str, message: impl Into<String>) -> Self {
        Self::Invalid(vec![FieldError::new(field, message)])
    }
}
