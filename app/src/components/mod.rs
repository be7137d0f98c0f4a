//! Pieces shared by several screens.

mod credentials;
mod status;
mod top_bar;
mod uploader;

pub use credentials::CredentialsTable;
pub use status::LiveStatus;
pub use top_bar::TopBar;
pub use uploader::Uploader;
