use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

/// Where an instructor's grade stands. Without a review row a submission is an AI draft.
#[derive(
    Copy, Clone, Debug, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize,
)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(16))")]
#[serde(rename_all = "snake_case")]
pub enum ReviewState {
    /// The instructor decided; the student does not see it yet.
    #[sea_orm(string_value = "reviewed")]
    Reviewed,
    /// The student sees it.
    #[sea_orm(string_value = "released")]
    Released,
}

/// The instructor's points and comment for one criterion.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FinalCriterion {
    pub criterion: String,
    pub points: u32,
    pub comment: String,
}

/// The instructor's grade of one submission (the `reviews.grade` column).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, FromJsonQueryResult)]
pub struct FinalGrade {
    pub criteria: Vec<FinalCriterion>,
    pub feedback: String,
}

impl FinalGrade {
    pub fn total(&self) -> u32 {
        self.criteria.iter().map(|c| c.points).sum()
    }
}

/// A submission's grade as its instructor decided it; the AI's draft stays in `evaluations`.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "reviews")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    #[sea_orm(unique)]
    pub submission_id: i32,
    /// The AI run this grade was made against.
    pub evaluation_id: i32,
    pub grade: FinalGrade,
    pub total: i32,
    pub state: ReviewState,
    pub reviewed_by: i32,
    pub reviewed_at: ChronoDateTimeUtc,
    pub released_at: Option<ChronoDateTimeUtc>,
    /// When a released grade was last changed: the student sees it as updated.
    pub changed_after_release: Option<ChronoDateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
