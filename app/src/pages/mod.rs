//! Screens, one per file; the home page picks the screen for the caller's role.

mod admin;
mod home;
mod instructor;
mod login;
mod not_found;
mod student;

pub use home::HomePage;
pub use login::LoginPage;
pub use not_found::NotFound;
