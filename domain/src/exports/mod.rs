//! What leaves Viva as files: a lab session's grades as CSV (Moodle's grading-worksheet
//! columns) and transcripts as plain text, SubRip and WebVTT.

pub mod grades_csv;
pub mod transcripts;

pub use grades_csv::{GradeLine, write_grades};
pub use transcripts::{to_srt, to_txt, to_vtt};
