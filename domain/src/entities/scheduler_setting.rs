use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

/// What an admin may change while Viva runs; `viva.toml` gives the defaults. Models are file
/// names in the folder of the configured model.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, FromJsonQueryResult)]
pub struct RuntimeSettings {
    pub batch_size: u32,
    pub linger_secs: f64,
    pub stt_model: String,
    pub eval_model: String,
    pub threads: u32,
    pub use_gpu: bool,
    pub item_timeout_secs: u64,
    pub phase_timeout_secs: u64,
}

/// One change of the scheduler's settings or of its pause; the newest row is in force.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "scheduler_settings")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub settings: RuntimeSettings,
    /// Pausing lets the running batch finish, then forms no new one.
    pub paused: bool,
    pub changed_by: Option<i32>,
    pub changed_at: ChronoDateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
