//! Lab sessions and the rubrics their submissions are graded by.

mod rubric;
mod service;

pub use rubric::{Criterion, Rubric};
pub use service::{LabSessionService, NewLabSession};
