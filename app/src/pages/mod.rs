//! Screens, one per file; the home page picks the screen for the caller's role.

mod admin;
mod home;
mod instructor;
mod lab_editor;
mod lab_results;
mod lab_session;
mod lab_settings;
mod login;
mod not_found;
mod review;
mod student;
mod submission;

pub use home::HomePage;
pub use lab_session::LabSessionPage;
pub use lab_settings::LabSettingsPage;
pub use login::LoginPage;
pub use not_found::NotFound;
pub use review::ReviewPage;
pub use submission::SubmissionPage;
