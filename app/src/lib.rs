//! Viva's screens and server functions. Compiled twice: with `ssr` into the server (where
//! server functions run and reach the database through `domain`) and with `hydrate` into the
//! browser's WASM (where server functions are HTTP calls). Server functions stay thin: check
//! the caller with the one guard, call a `domain` service, map the error.

#![recursion_limit = "256"]

pub mod api;
mod components;
pub mod dto;
mod error;
#[cfg(feature = "ssr")]
pub mod guard;
pub mod history;
pub mod labs;
mod pages;
pub mod review;
mod root;
pub mod security;
pub mod status;

pub use error::{AppError, FieldMessage};
pub use root::{App, shell};
