//! Pieces shared by several screens.

mod charts;
mod credentials;
mod gpu_timeline;
mod notice;
mod player;
mod recorder;
mod review_form;
mod status;
mod status_card;
mod top_bar;
mod uploader;

pub use charts::LabCharts;
pub use credentials::CredentialsTable;
pub use gpu_timeline::GpuTimeline;
pub use player::{Mark, Player, seek};
pub use review_form::{ReviewForm, review_href};
pub use status::{FirstStatus, LiveStatus, first_status};
pub use top_bar::{SignedInBar, TopBar};
pub use uploader::Uploader;
