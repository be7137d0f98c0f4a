//! Pieces shared by several screens.

mod credentials;
mod notice;
mod recorder;
mod status;
mod status_card;
mod top_bar;
mod uploader;

pub use credentials::CredentialsTable;
pub use status::LiveStatus;
pub use top_bar::{SignedInBar, TopBar};
pub use uploader::Uploader;
