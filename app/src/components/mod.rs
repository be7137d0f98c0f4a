//! Pieces shared by several screens.

mod credentials;
mod status;
mod top_bar;

pub use credentials::CredentialsTable;
pub use status::LiveStatus;
pub use top_bar::TopBar;
