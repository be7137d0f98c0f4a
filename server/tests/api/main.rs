//! Integration tests: the real router on port 0, a fresh SQLite file per test.
#![allow(clippy::unwrap_used, clippy::expect_used)]
#![recursion_limit = "256"]

mod access;
mod admin;
mod admin_controls;
mod admin_tools;
mod auth;
mod cli;
mod edge;
mod exports;
mod helpers;
mod history_pages;
mod join_codes;
mod labs;
mod pages;
mod races;
mod recovery;
mod rerun_cancel;
mod review;
mod review_kit;
mod rubric_versions;
mod session_end;
mod sessions;
mod status;
mod status_streams;
mod upload_kit;
mod upload_limits;
mod uploads;
mod web_edge;
