//! Server functions, grouped by who may call them. Each has a fixed endpoint under `/api`,
//! listed in the server's access test so that a new one cannot skip the guard unnoticed.

pub mod admin;
pub mod auth;
pub mod history;
pub mod instructor;
pub mod review;
pub mod status;
pub mod student;
