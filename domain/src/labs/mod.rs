//! Lab sessions and the rubrics their submissions are graded by: the fields' rules, the
//! rubric's rules, and the service that stores both (with every rubric version kept).

mod fields;
mod rubric;
mod service;

pub use engine_protocol::{Criterion, Rubric};
pub use fields::{DEADLINE_FORMAT, LabSessionForm, NewLabSession, format_deadline};
pub use rubric::{MAX_CRITERIA, MAX_POINTS, RubricRules};
pub use service::LabSessionService;
