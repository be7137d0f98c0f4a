//! The batch cycle: form a batch when the GPU is idle and either a batch is full or the
//! oldest item has lingered long enough; run its STT phase, then its evaluation phase; only
//! then look at the queue again. A batch found unfinished (after a restart) is resumed first.
//! The cycle decides what runs when; how a phase runs its engines is [`crate::phase`]'s job.

use std::path::PathBuf;
use std::time::Duration;

use domain::entities::batch::{self, BatchState};
use domain::entities::engine_run::Phase;
use domain::entities::submission::{self, SubmissionState};

use crate::config::{EngineConfig, SchedulerConfig};
use crate::engine::kill_orphan;
use crate::error::Error;
use crate::estimates;
use crate::live::LiveStatus;
use crate::phase::{Flow, PhaseRunner};
use crate::request::RequestSettings;
use crate::store::Store;
use crate::supervise::Signals;

/// After a database error the cycle waits this long before trying again (real time: the
/// database recovers in real time, whatever the scheduler's clock says).
const RETRY_AFTER: Duration = Duration::from_secs(5);
/// An idle cycle looks at the queue at least this often, for work queued by another
/// process (`viva submit`) that could not wake it. Real time, for the same reason.
const IDLE_RECHECK: Duration = Duration::from_secs(2);

pub struct Cycle {
    store: Store,
    /// `viva.toml`'s settings, under the admin's run-time changes.
    base: SchedulerConfig,
    /// The settings in force: read again before each batch is formed.
    config: SchedulerConfig,
    gpu_lock: PathBuf,
    live: LiveStatus,
    signals: Signals,
}

impl Cycle {
    pub fn new(
        store: Store,
        config: SchedulerConfig,
        gpu_lock: PathBuf,
        live: LiveStatus,
        signals: Signals,
    ) -> Self {
        Self {
            store,
            base: config.clone(),
            config,
            gpu_lock,
            live,
            signals,
        }
    }

    /// Runs until stopped; a database error restarts the cycle from what is stored.
    pub async fn run(mut self) {
        loop {
            let ended = match self.recover().await {
                Ok(()) => self.run_batches().await,
                Err(e) => Err(e),
            };
            match ended {
                Ok(()) => break,
                Err(e) => {
                    tracing::error!(error = %e, "the scheduler hit an error; retrying");
                    tokio::select! {
                        () = self.signals.stop.cancelled() => break,
                        () = tokio::time::sleep(RETRY_AFTER) => {}
                    }
                }
            }
        }
        self.live.batch_ended();
        tracing::info!("scheduler stopped");
    }

    /// Puts the record straight after a crash, and learns the estimates from history.
    async fn recover(&mut self) -> Result<(), Error> {
        for pid in self.store.recover().await? {
            kill_orphan(pid, &self.config);
        }
        // An unfinished batch resumes with the admin's settings, not only `viva.toml`'s.
        self.read_settings().await?;
        self.live
            .set_learning(estimates::from_history(&self.store).await?);
        Ok(())
    }

    /// Runs batches, one after the other, until stopped.
    async fn run_batches(&mut self) -> Result<(), Error> {
        loop {
            if self.signals.stop.is_cancelled() {
                return Ok(());
            }
            let flow = match self.store.unfinished_batch().await? {
                Some(batch) => self.run_batch(batch).await?,
                None => self.wait_for_batch().await?,
            };
            if flow == Flow::Stopped {
                return Ok(());
            }
        }
    }

    /// Puts the admin's newest settings in force; returns whether the cycle is paused.
    async fn read_settings(&mut self) -> Result<bool, Error> {
        let current =
            domain::scheduler_settings::SchedulerSettingsService::current(self.store.db())
                .await
                .map_err(|e| Error::Settings(e.to_string()))?;
        let paused = current.as_ref().is_some_and(|c| c.paused);
        self.config = match &current {
            Some(change) => self.base.with_runtime(&change.settings),
            None => self.base.clone(),
        };
        self.live.settings_changed(&self.config, paused);
        Ok(paused)
    }

    /// Forms a batch if one is due, or sleeps until one may be. A paused cycle forms none.
    async fn wait_for_batch(&mut self) -> Result<Flow, Error> {
        let paused = self.read_settings().await?;
        self.live.publish().await?;
        if paused {
            return Ok(self.sleep(None).await);
        }
        let waiting = self.store.waiting().await?;
        let Some(oldest) = waiting.first() else {
            return Ok(self.sleep(None).await);
        };
        let clock = self.store.clock();
        let due = oldest.queued_at + self.config.linger();
        let full = waiting.len() >= self.config.batch_size as usize;
        if full || due <= clock.now() {
            self.store.form_batch(self.config.batch_size).await?;
            return Ok(Flow::Continue);
        }
        let left = (due - clock.now()).to_std().unwrap_or_default();
        Ok(self.sleep(Some(left)).await)
    }

    /// Sleeps until the linger may be over (on the scheduler's clock), the queue changes,
    /// the idle recheck comes round, or the server stops.
    async fn sleep(&self, linger_left: Option<Duration>) -> Flow {
        let clock = self.store.clock();
        let linger_over = async {
            match linger_left {
                Some(left) => clock.sleep_until(clock.instant() + left).await,
                None => std::future::pending().await,
            }
        };
        tokio::select! {
            () = self.signals.stop.cancelled() => Flow::Stopped,
            () = self.signals.queued.notified() => Flow::Continue,
            () = linger_over => Flow::Continue,
            () = tokio::time::sleep(IDLE_RECHECK) => Flow::Continue,
        }
    }

    async fn run_batch(&mut self, batch: batch::Model) -> Result<Flow, Error> {
        tracing::info!(seq = batch.seq, "batch starts");
        let started = std::time::Instant::now();
        self.live.batch_started(&batch);
        if batch.state == BatchState::Stt {
            let members = self.store.members(batch.id).await?;
            let ids: Vec<i32> = members.iter().map(|m| m.id).collect();
            let transcripts = self.store.transcripts(&ids).await?;
            let (need, have): (Vec<_>, Vec<_>) = members
                .into_iter()
                .filter(|m| m.state == SubmissionState::InBatch)
                .partition(|m| crate::store::needs_stt(m, &transcripts));
            // Eval-only items (re-runs, or transcribed before a restart) skip this phase.
            let have: Vec<i32> = have.iter().map(|m| m.id).collect();
            self.store
                .set_state(&have, SubmissionState::Transcribed)
                .await?;
            if !need.is_empty()
                && self.run_phase(batch.id, Phase::Stt, need).await? == Flow::Stopped
            {
                return Ok(Flow::Stopped);
            }
            self.store
                .set_batch_state(batch.id, BatchState::Evaluation)
                .await?;
        }
        let members = self.store.members(batch.id).await?;
        let ids: Vec<i32> = members.iter().map(|m| m.id).collect();
        let transcripts = self.store.transcripts(&ids).await?;
        // Only a transcribed item reaches evaluation; one whose STT failed stays failed.
        let ready: Vec<_> = members
            .into_iter()
            .filter(|m| m.state == SubmissionState::Transcribed && transcripts.contains_key(&m.id))
            .collect();
        if !ready.is_empty()
            && self.run_phase(batch.id, Phase::Evaluation, ready).await? == Flow::Stopped
        {
            return Ok(Flow::Stopped);
        }
        self.store
            .set_batch_state(batch.id, BatchState::Done)
            .await?;
        tracing::info!(seq = batch.seq, "batch done");
        crate::metrics::batch_done(started.elapsed());
        self.live.batch_ended();
        self.live.publish().await?;
        Ok(Flow::Continue)
    }

    /// Records the phase's start, shows it, and runs its engines over `items`.
    async fn run_phase(
        &mut self,
        batch_id: i32,
        phase: Phase,
        items: Vec<submission::Model>,
    ) -> Result<Flow, Error> {
        self.store.mark_phase_started(batch_id, phase).await?;
        self.live.phase_started(phase);
        self.live.publish().await?;
        // A re-run may ask for another LLM; a batch holds items of one model only.
        let chosen = items.iter().find_map(|i| i.rerun_model.clone());
        let engine = match (phase, chosen) {
            (Phase::Stt, _) => self.config.stt.clone(),
            (Phase::Evaluation, None) => self.config.eval.clone(),
            (Phase::Evaluation, Some(name)) => EngineConfig {
                model: self.config.eval.model_path(&name),
                ..self.config.eval.clone()
            },
        };
        let runner = PhaseRunner {
            store: &self.store,
            live: &mut self.live,
            settings: RequestSettings {
                engine: &engine,
                gpu_lock: &self.gpu_lock,
                eval_seed: self.config.eval_seed,
            },
            signals: &self.signals,
            batch_id,
            phase,
        };
        let started = std::time::Instant::now();
        let flow = runner.run(items).await?;
        crate::metrics::phase_ended(phase, started.elapsed());
        Ok(flow)
    }
}
