//! Viva's rules and data: database entities, the services that query them, and authentication.
//!
//! This crate knows nothing of HTTP or Leptos: the web layer calls these services and maps
//! [`DomainError`] to responses in one place. It never loads a model.

pub mod access;
pub mod admin;
pub mod auth;
pub mod db;
pub mod entities;
mod error;
pub mod exports;
pub mod labs;
pub mod media;
pub mod media_sweep;
pub mod model_files;
pub mod results;
pub mod review;
pub mod scheduler_settings;
pub mod sessions;
pub mod status;
pub mod submissions;
pub mod users;

pub use entities::user::Role;
pub use error::{DomainError, FieldError};
