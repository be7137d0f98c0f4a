//! SeaORM entities: one file per table. The schema itself lives in the `migrations` crate.

pub mod batch;
pub mod engine_run;
pub mod evaluation;
pub mod lab_member;
pub mod lab_session;
pub mod regrade_request;
pub mod review;
pub mod review_change;
pub mod rubric_version;
pub mod scheduler_setting;
pub mod session;
pub mod submission;
pub mod transcript;
pub mod user;
