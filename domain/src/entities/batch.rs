use sea_orm::entity::prelude::*;

/// Where a batch is in its cycle. A batch is created in the STT phase (items that need only
/// evaluation pass straight through it).
#[derive(Copy, Clone, Debug, PartialEq, Eq, EnumIter, DeriveActiveEnum)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(16))")]
pub enum BatchState {
    #[sea_orm(string_value = "stt")]
    Stt,
    #[sea_orm(string_value = "evaluation")]
    Evaluation,
    #[sea_orm(string_value = "done")]
    Done,
}

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "batches")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    /// 1, 2, 3, … in the order batches were formed.
    #[sea_orm(unique)]
    pub seq: i32,
    pub state: BatchState,
    /// Submissions taken into it when it was formed (a later re-run moves one out of it).
    pub items: Option<i32>,
    pub created_at: ChronoDateTimeUtc,
    pub stt_started_at: Option<ChronoDateTimeUtc>,
    pub stt_ended_at: Option<ChronoDateTimeUtc>,
    pub eval_started_at: Option<ChronoDateTimeUtc>,
    pub eval_ended_at: Option<ChronoDateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
