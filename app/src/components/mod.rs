//! Pieces shared by several screens.

mod credentials;
mod top_bar;

pub use credentials::CredentialsTable;
pub use top_bar::TopBar;
