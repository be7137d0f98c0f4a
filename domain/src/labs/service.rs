//! Creating and reading lab sessions.

use chrono::Utc;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder, Set,
};

use super::Rubric;
use crate::DomainError;
use crate::entities::lab_session::{self, ReleaseMode};

pub struct NewLabSession {
    pub title: String,
    pub instructions: String,
    pub rubric: Rubric,
    pub language: String,
    pub release_mode: ReleaseMode,
    pub join_code: Option<String>,
}

pub struct LabSessionService;

impl LabSessionService {
    pub async fn create(
        db: &DatabaseConnection,
        owner_id: i32,
        new: NewLabSession,
    ) -> Result<lab_session::Model, DomainError> {
        let title = new.title.trim().to_owned();
        if title.is_empty() {
            return Err(DomainError::invalid("title", "a lab session needs a title"));
        }
        let rubric = serde_json::to_string(&new.rubric)
            .map_err(|e| DomainError::Internal(format!("cannot encode a rubric: {e}")))?;
        let now = Utc::now();
        Ok(lab_session::ActiveModel {
            owner_id: Set(owner_id),
            title: Set(title),
            instructions: Set(new.instructions.trim().to_owned()),
            rubric: Set(rubric),
            language: Set(new.language),
            release_mode: Set(new.release_mode),
            join_code: Set(new.join_code),
            deadline: Set(None),
            open: Set(true),
            created_at: Set(now),
            updated_at: Set(now),
            ..Default::default()
        }
        .insert(db)
        .await?)
    }

    pub async fn for_owner(
        db: &DatabaseConnection,
        owner_id: i32,
    ) -> Result<Vec<lab_session::Model>, DomainError> {
        Ok(lab_session::Entity::find()
            .filter(lab_session::Column::OwnerId.eq(owner_id))
            .order_by_asc(lab_session::Column::Id)
            .all(db)
            .await?)
    }

    pub async fn get(db: &DatabaseConnection, id: i32) -> Result<lab_session::Model, DomainError> {
        lab_session::Entity::find_by_id(id)
            .one(db)
            .await?
            .ok_or(DomainError::NotFound)
    }
}
