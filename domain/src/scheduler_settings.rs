//! The scheduler's settings at run time: each change is a new row with who and when, the
//! newest is in force from the next batch, and a restart reads it back. Pausing and resuming
//! are changes too, so the record says who paused the GPU.

use std::future::Future;
use std::pin::Pin;

use chrono::Utc;
use sea_orm::{
    ActiveModelTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryOrder, QuerySelect,
    Set,
};

use crate::DomainError;
use crate::entities::scheduler_setting::{self, RuntimeSettings};

/// The longest an engine timeout may be: a week.
const MAX_TIMEOUT_SECS: u64 = 7 * 24 * 60 * 60;

impl RuntimeSettings {
    /// The first rule broken, as (field, problem).
    pub fn problem(&self) -> Option<(&'static str, &'static str)> {
        if !(1..=64).contains(&self.batch_size) {
            return Some(("batch_size", "must be from 1 to 64"));
        }
        if !(0.0..=3600.0).contains(&self.linger_secs) {
            return Some(("linger_secs", "must be from 0 to 3600 seconds"));
        }
        if !(1..=1024).contains(&self.threads) {
            return Some(("threads", "must be from 1 to 1024"));
        }
        // Deadlines are instants: an unbounded timeout would overflow them.
        if !(1..=MAX_TIMEOUT_SECS).contains(&self.item_timeout_secs) {
            return Some(("item_timeout_secs", "must be from 1 to 604800 (a week)"));
        }
        if !(1..=MAX_TIMEOUT_SECS).contains(&self.phase_timeout_secs) {
            return Some(("phase_timeout_secs", "must be from 1 to 604800 (a week)"));
        }
        for (field, name) in [
            ("stt_model", &self.stt_model),
            ("eval_model", &self.eval_model),
        ] {
            if !is_file_name(name) {
                return Some((field, "must be a file name in the models folder"));
            }
        }
        None
    }
}

/// A bare file name: no folder, no way out of the models folder.
pub fn is_file_name(name: &str) -> bool {
    !name.is_empty() && name != "." && name != ".." && !name.contains(['/', '\\', '\0'])
}

/// Which engine a model is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ModelKind {
    Stt,
    Eval,
}

/// What the settings screen needs of the configured engines: the defaults from `viva.toml`,
/// the model files to pick from, and a real load of a model before it is saved.
pub trait EngineSetup: Send + Sync {
    fn defaults(&self) -> RuntimeSettings;
    fn models(&self, kind: ModelKind) -> Vec<String>;
    /// Loads `settings`' model for `kind` in its engine; the engine's error when it cannot.
    fn check<'a>(
        &'a self,
        kind: ModelKind,
        settings: &'a RuntimeSettings,
    ) -> Pin<Box<dyn Future<Output = Result<(), String>> + Send + 'a>>;
}

pub struct SchedulerSettingsService;

impl SchedulerSettingsService {
    /// The change in force, if an admin ever made one.
    pub async fn current(
        db: &impl ConnectionTrait,
    ) -> Result<Option<scheduler_setting::Model>, DomainError> {
        Ok(scheduler_setting::Entity::find()
            .order_by_desc(scheduler_setting::Column::Id)
            .one(db)
            .await?)
    }

    /// The newest changes first.
    pub async fn history(
        db: &impl ConnectionTrait,
        limit: u64,
    ) -> Result<Vec<scheduler_setting::Model>, DomainError> {
        Ok(scheduler_setting::Entity::find()
            .order_by_desc(scheduler_setting::Column::Id)
            .limit(limit)
            .all(db)
            .await?)
    }

    /// Stores new settings, keeping the pause as it is. The caller has checked the models.
    /// Both read the change in force and write the next one in one write transaction, so a
    /// pause and a save at the same moment never undo each other.
    pub async fn save(
        db: &DatabaseConnection,
        by: i32,
        settings: RuntimeSettings,
    ) -> Result<scheduler_setting::Model, DomainError> {
        if let Some((field, problem)) = settings.problem() {
            return Err(DomainError::invalid(field, problem));
        }
        let tx = crate::db::begin_write(db).await?;
        let paused = Self::current(&tx).await?.is_some_and(|c| c.paused);
        let saved = Self::insert(&tx, by, settings, paused).await?;
        tx.commit().await?;
        Ok(saved)
    }

    /// Pauses or resumes the GPU cycle; `defaults` are the settings when none were saved.
    pub async fn set_paused(
        db: &DatabaseConnection,
        by: i32,
        paused: bool,
        defaults: RuntimeSettings,
    ) -> Result<scheduler_setting::Model, DomainError> {
        let tx = crate::db::begin_write(db).await?;
        let settings = Self::current(&tx).await?.map_or(defaults, |c| c.settings);
        let saved = Self::insert(&tx, by, settings, paused).await?;
        tx.commit().await?;
        Ok(saved)
    }

    async fn insert(
        db: &impl ConnectionTrait,
        by: i32,
        settings: RuntimeSettings,
        paused: bool,
    ) -> Result<scheduler_setting::Model, DomainError> {
        Ok(scheduler_setting::ActiveModel {
            settings: Set(settings),
            paused: Set(paused),
            changed_by: Set(Some(by)),
            changed_at: Set(Utc::now()),
            ..Default::default()
        }
        .insert(db)
        .await?)
    }
}
