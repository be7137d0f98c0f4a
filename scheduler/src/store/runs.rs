//! The record of engine processes (`engine_runs`): what the admin history shows, what the
//! estimates learn from, and what the phase-lock tests read.

use domain::entities::engine_run::{self, EngineOutcome, Phase};
use sea_orm::{ActiveModelTrait, DbErr, Set};

use super::Store;

impl Store {
    pub async fn start_run(
        &self,
        batch_id: i32,
        phase: Phase,
        model: &str,
        model_sha256: Option<String>,
        threads: u32,
        items: usize,
    ) -> Result<engine_run::Model, DbErr> {
        engine_run::ActiveModel {
            batch_id: Set(batch_id),
            phase: Set(phase),
            pid: Set(None),
            model: Set(model.to_owned()),
            model_sha256: Set(model_sha256),
            threads: Set(i32::try_from(threads).ok()),
            items: Set(i32::try_from(items).unwrap_or(i32::MAX)),
            started_at: Set(self.clock.now()),
            ..Default::default()
        }
        .insert(&self.db)
        .await
    }

    pub async fn set_run_pid(&self, run: i32, pid: Option<u32>) -> Result<(), DbErr> {
        let pid = pid.and_then(|p| i32::try_from(p).ok());
        engine_run::ActiveModel {
            id: Set(run),
            pid: Set(pid),
            ..Default::default()
        }
        .update(&self.db)
        .await
        .map(drop)
    }

    pub async fn set_run_loaded(&self, run: i32, ms: u64) -> Result<(), DbErr> {
        engine_run::ActiveModel {
            id: Set(run),
            load_ms: Set(Some(i64::try_from(ms).unwrap_or(i64::MAX))),
            ..Default::default()
        }
        .update(&self.db)
        .await
        .map(drop)
    }

    pub async fn end_run(
        &self,
        run: i32,
        outcome: EngineOutcome,
        detail: Option<String>,
    ) -> Result<(), DbErr> {
        engine_run::ActiveModel {
            id: Set(run),
            ended_at: Set(Some(self.clock.now())),
            outcome: Set(Some(outcome)),
            detail: Set(detail),
            ..Default::default()
        }
        .update(&self.db)
        .await
        .map(drop)
    }
}
