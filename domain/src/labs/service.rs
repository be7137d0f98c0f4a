//! Creating, changing and reading lab sessions. A rubric is never changed in place: a
//! changed one is a new version, and every version stays readable.

use chrono::Utc;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, DatabaseConnection, DatabaseTransaction, EntityTrait,
    QueryFilter, QueryOrder, Set,
};

use super::{NewLabSession, Rubric};
use crate::DomainError;
use crate::entities::{lab_member, lab_session, rubric_version};

/// Lab sessions and their rubric versions.
pub struct LabSessionService;

impl LabSessionService {
    /// Creates a lab session of `owner`, with its rubric as version 1.
    pub async fn create(
        db: &DatabaseConnection,
        owner_id: i32,
        new: NewLabSession,
    ) -> Result<lab_session::Model, DomainError> {
        let now = Utc::now();
        let tx = crate::db::begin_write(db).await?;
        let lab = lab_session::ActiveModel {
            owner_id: Set(owner_id),
            title: Set(new.title),
            instructions: Set(new.instructions),
            rubric: Set(new.rubric.clone()),
            rubric_version: Set(1),
            language: Set(new.language),
            release_mode: Set(new.release_mode),
            join_code: Set(new.join_code),
            deadline: Set(new.deadline),
            open: Set(true),
            created_at: Set(now),
            updated_at: Set(now),
            ..Default::default()
        }
        .insert(&tx)
        .await?;
        keep_version(&tx, &lab, owner_id).await?;
        tx.commit().await?;
        Ok(lab)
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

    /// Changes an existing lab session of `owner` (another instructor's reads as not found).
    /// A changed rubric becomes a new version; the old ones stay as they were.
    pub async fn update(
        db: &DatabaseConnection,
        owner_id: i32,
        id: i32,
        changed: NewLabSession,
    ) -> Result<lab_session::Model, DomainError> {
        let tx = crate::db::begin_write(db).await?;
        let current = lab_session::Entity::find_by_id(id)
            .one(&tx)
            .await?
            .filter(|l| l.owner_id == owner_id)
            .ok_or(DomainError::NotFound)?;
        let new_version = current.rubric != changed.rubric;
        let mut row: lab_session::ActiveModel = current.clone().into();
        if new_version {
            row.rubric = Set(changed.rubric);
            row.rubric_version = Set(current.rubric_version + 1);
        }
        row.title = Set(changed.title);
        row.instructions = Set(changed.instructions);
        row.language = Set(changed.language);
        row.release_mode = Set(changed.release_mode);
        row.join_code = Set(changed.join_code);
        row.deadline = Set(changed.deadline);
        row.updated_at = Set(Utc::now());
        let lab = row.update(&tx).await?;
        if new_version {
            keep_version(&tx, &lab, owner_id).await?;
        }
        tx.commit().await?;
        Ok(lab)
    }

    /// Every version of a lab session's rubric, oldest first.
    pub async fn rubric_versions(
        db: &DatabaseConnection,
        lab_id: i32,
    ) -> Result<Vec<rubric_version::Model>, DomainError> {
        Ok(rubric_version::Entity::find()
            .filter(rubric_version::Column::LabSessionId.eq(lab_id))
            .order_by_asc(rubric_version::Column::Version)
            .all(db)
            .await?)
    }

    /// The rubric a lab session had at `version`.
    pub async fn rubric_at(
        db: &impl sea_orm::ConnectionTrait,
        lab: &lab_session::Model,
        version: i32,
    ) -> Result<Rubric, DomainError> {
        if version == lab.rubric_version {
            return Ok(lab.rubric.clone());
        }
        rubric_version::Entity::find()
            .filter(rubric_version::Column::LabSessionId.eq(lab.id))
            .filter(rubric_version::Column::Version.eq(version))
            .one(db)
            .await?
            .map(|v| v.rubric)
            .ok_or_else(|| {
                DomainError::Internal(format!(
                    "lab session {} has no rubric version {version}",
                    lab.id
                ))
            })
    }

    /// Closes (no more uploads) or reopens a lab session of `owner`.
    pub async fn set_open(
        db: &DatabaseConnection,
        owner_id: i32,
        id: i32,
        open: bool,
    ) -> Result<lab_session::Model, DomainError> {
        let mut row: lab_session::ActiveModel = Self::owned(db, owner_id, id).await?.into();
        row.open = Set(open);
        row.updated_at = Set(Utc::now());
        Ok(row.update(db).await?)
    }

    /// A lab session, if `owner` owns it.
    pub async fn owned(
        db: &DatabaseConnection,
        owner_id: i32,
        id: i32,
    ) -> Result<lab_session::Model, DomainError> {
        let lab = Self::get(db, id).await?;
        if lab.owner_id == owner_id {
            Ok(lab)
        } else {
            Err(DomainError::NotFound)
        }
    }

    /// Whether `student` may upload to `lab` now: it must be open, before its deadline, and
    /// (if it has a join code) joined. A session the student cannot see reads as not found.
    pub async fn check_can_submit(
        db: &DatabaseConnection,
        lab: &lab_session::Model,
        student_id: i32,
    ) -> Result<(), DomainError> {
        if lab.join_code.is_some() && !Self::is_member(db, lab.id, student_id).await? {
            return Err(DomainError::NotFound);
        }
        if !lab.open {
            return Err(DomainError::invalid(
                "file",
                "This lab session is closed: uploads are no longer accepted.",
            ));
        }
        if lab.deadline.is_some_and(|d| d <= Utc::now()) {
            return Err(DomainError::invalid(
                "file",
                "The deadline of this lab session has passed: uploads are no longer accepted.",
            ));
        }
        Ok(())
    }

    async fn is_member(
        db: &DatabaseConnection,
        lab: i32,
        student: i32,
    ) -> Result<bool, DomainError> {
        Ok(lab_member::Entity::find()
            .filter(lab_member::Column::LabSessionId.eq(lab))
            .filter(lab_member::Column::StudentId.eq(student))
            .one(db)
            .await?
            .is_some())
    }

    /// Joins the open lab session with this code (codes compare without case or spaces).
    pub async fn join(
        db: &DatabaseConnection,
        student_id: i32,
        code: &str,
    ) -> Result<lab_session::Model, DomainError> {
        let wanted = normalise_code(code);
        let lab = lab_session::Entity::find()
            .filter(lab_session::Column::Open.eq(true))
            .filter(lab_session::Column::JoinCode.is_not_null())
            .all(db)
            .await?
            .into_iter()
            .find(|l| {
                l.join_code.as_deref().map(normalise_code).as_deref() == Some(wanted.as_str())
            })
            .filter(|_| !wanted.is_empty())
            .ok_or_else(|| {
                DomainError::invalid("code", "No open lab session has this join code.")
            })?;
        if !Self::is_member(db, lab.id, student_id).await? {
            lab_member::ActiveModel {
                lab_session_id: Set(lab.id),
                student_id: Set(student_id),
                joined_at: Set(Utc::now()),
                ..Default::default()
            }
            .insert(db)
            .await?;
        }
        Ok(lab)
    }

    /// Open lab sessions `student` can see: those without a join code, and those joined.
    pub async fn visible_to(
        db: &DatabaseConnection,
        student_id: i32,
    ) -> Result<Vec<lab_session::Model>, DomainError> {
        let joined: std::collections::HashSet<i32> = lab_member::Entity::find()
            .filter(lab_member::Column::StudentId.eq(student_id))
            .all(db)
            .await?
            .into_iter()
            .map(|m| m.lab_session_id)
            .collect();
        Ok(lab_session::Entity::find()
            .filter(lab_session::Column::Open.eq(true))
            .order_by_desc(lab_session::Column::Id)
            .all(db)
            .await?
            .into_iter()
            .filter(|l| l.join_code.is_none() || joined.contains(&l.id))
            .collect())
    }

    pub async fn get(db: &DatabaseConnection, id: i32) -> Result<lab_session::Model, DomainError> {
        lab_session::Entity::find_by_id(id)
            .one(db)
            .await?
            .ok_or(DomainError::NotFound)
    }
}

/// Writes the lab session's current rubric as a read-only version row.
async fn keep_version(
    tx: &DatabaseTransaction,
    lab: &lab_session::Model,
    author: i32,
) -> Result<(), DomainError> {
    rubric_version::ActiveModel {
        lab_session_id: Set(lab.id),
        version: Set(lab.rubric_version),
        rubric: Set(lab.rubric.clone()),
        created_by: Set(Some(author)),
        created_at: Set(lab.updated_at),
        ..Default::default()
    }
    .insert(tx)
    .await?;
    Ok(())
}

fn normalise_code(code: &str) -> String {
    code.chars()
        .filter(|c| !c.is_whitespace())
        .flat_map(char::to_lowercase)
        .collect()
}
