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

pub use admin::{AdminHistoryPage, AdminSettingsPage, AdminSubmissionPage};
pub use home::HomePage;
pub use lab_session::LabSessionPage;
pub use lab_settings::LabSettingsPage;
pub use login::LoginPage;
pub use not_found::NotFound;
pub use review::ReviewPage;
pub use submission::SubmissionPage;

/// The `:id` in the address, or 0 for `new` (and anything that is not a number).
fn id_param() -> impl Fn() -> i32 + Copy {
    let params = leptos_router::hooks::use_params_map();
    move || {
        use leptos::prelude::Read;
        params
            .read()
            .get("id")
            .and_then(|v| v.parse::<i32>().ok())
            .unwrap_or(0)
    }
}
