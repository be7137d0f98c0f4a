//! The batch cycle: form a batch when the GPU is idle and either a batch is full or the
//! oldest item has lingered long enough; run its STT phase, then its evaluation phase; only
//! then look at the queue again. A batch found unfinished (after a restart) is resumed first.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use domain::entities::batch::{self, BatchState};
use domain::entities::engine_run::Phase;
use domain::entities::submission::SubmissionState;
use domain::status::Snapshot;
use engine_protocol::unix_ms;
use sea_orm::DbErr;
use tokio::sync::{Notify, watch};
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;

use crate::config::SchedulerConfig;
use crate::snapshot::{self, Live, LiveBatch, Shape};
use crate::store::{self, Db};
use crate::{estimates, phase};

/// After a database error the cycle waits this long before trying again.
const RETRY_AFTER: Duration = Duration::from_secs(5);
/// An idle cycle looks at the queue at least this often, for work queued by another
/// process (`viva submit`) that could not wake it.
const IDLE_RECHECK: Duration = Duration::from_secs(2);

#[derive(Debug, PartialEq, Eq)]
pub enum Flow {
    Continue,
    Stopped,
}

pub struct Cycle {
    pub(crate) db: Db,
    pub(crate) config: SchedulerConfig,
    pub(crate) gpu_lock: PathBuf,
    pub(crate) live: Live,
    status: watch::Sender<Arc<Snapshot>>,
    pub(crate) queued: Arc<Notify>,
    pub(crate) stop: CancellationToken,
}

impl Cycle {
    pub fn new(
        db: Db,
        config: SchedulerConfig,
        gpu_lock: PathBuf,
        status: watch::Sender<Arc<Snapshot>>,
        queued: Arc<Notify>,
        stop: CancellationToken,
    ) -> Self {
        Self {
            db,
            config,
            gpu_lock,
            live: Live {
                batch: None,
                estimates: estimates::defaults(),
            },
            status,
            queued,
            stop,
        }
    }

    pub async fn run(mut self) {
        loop {
            let flow = match self.start().await {
                Ok(()) => self.turn().await,
                Err(e) => Err(e),
            };
            match flow {
                Ok(()) => break,
                Err(e) => {
                    tracing::error!(error = %e, "the scheduler hit a database error; retrying");
                    tokio::select! {
                        () = self.stop.cancelled() => break,
                        () = tokio::time::sleep(RETRY_AFTER) => {}
                    }
                }
            }
        }
        self.live.batch = None;
        tracing::info!("scheduler stopped");
    }

    /// Puts the record straight after a crash, and learns the estimates from history.
    async fn start(&mut self) -> Result<(), DbErr> {
        let orphans = store::recover(&self.db).await?;
        for pid in orphans {
            kill_orphan(pid, &self.config);
        }
        self.live.estimates = estimates::from_history(&self.db).await?;
        Ok(())
    }

    /// Runs batches until stopped.
    async fn turn(&mut self) -> Result<(), DbErr> {
        loop {
            if self.stop.is_cancelled() {
                return Ok(());
            }
            let flow = match store::unfinished_batch(&self.db).await? {
                Some(batch) => self.run_batch(batch).await?,
                None => self.wait_for_batch().await?,
            };
            if flow == Flow::Stopped {
                return Ok(());
            }
        }
    }

    /// Forms a batch if one is due, or sleeps until one may be.
    async fn wait_for_batch(&mut self) -> Result<Flow, DbErr> {
        self.publish().await?;
        let waiting = store::waiting(&self.db).await?;
        let Some(oldest) = waiting.first() else {
            return self.sleep(None).await;
        };
        let due = oldest.queued_at + self.config.linger();
        let full = waiting.len() >= self.config.batch_size as usize;
        if full || due <= chrono::Utc::now() {
            store::form_batch(&self.db, self.config.batch_size).await?;
            return Ok(Flow::Continue);
        }
        let left = (due - chrono::Utc::now()).to_std().unwrap_or_default();
        self.sleep(Some(Instant::now() + left)).await
    }

    async fn sleep(&self, until: Option<Instant>) -> Result<Flow, DbErr> {
        let recheck = Instant::now() + IDLE_RECHECK;
        let at = until.map_or(recheck, |u| u.min(recheck));
        let timer = tokio::time::sleep_until(at);
        tokio::select! {
            () = self.stop.cancelled() => Ok(Flow::Stopped),
            () = self.queued.notified() => Ok(Flow::Continue),
            () = timer => Ok(Flow::Continue),
        }
    }

    async fn run_batch(&mut self, batch: batch::Model) -> Result<Flow, DbErr> {
        tracing::info!(seq = batch.seq, "batch starts");
        self.live.batch = Some(LiveBatch {
            batch_id: batch.id,
            seq: batch.seq,
            phase: Phase::Stt,
            phase_started_ms: unix_ms(),
            engine: None,
            percent: Default::default(),
            item_started_ms: None,
        });
        if batch.state == BatchState::Stt {
            let members = store::members(&self.db, batch.id).await?;
            let ids: Vec<i32> = members.iter().map(|m| m.id).collect();
            let transcripts = store::transcripts(&self.db, &ids).await?;
            let (need, have): (Vec<_>, Vec<_>) = members
                .into_iter()
                .filter(|m| m.state == SubmissionState::InBatch)
                .partition(|m| !transcripts.contains_key(&m.id));
            // Eval-only items (re-runs, or transcribed before a restart) skip this phase.
            let have: Vec<i32> = have.iter().map(|m| m.id).collect();
            store::set_state(&self.db, &have, SubmissionState::Transcribed).await?;
            if !need.is_empty() {
                self.enter_phase(batch.id, Phase::Stt).await?;
                if phase::run(self, batch.id, Phase::Stt, need).await? == Flow::Stopped {
                    return Ok(Flow::Stopped);
                }
            }
            store::set_batch_state(&self.db, batch.id, BatchState::Evaluation).await?;
        }
        let members = store::members(&self.db, batch.id).await?;
        let ids: Vec<i32> = members.iter().map(|m| m.id).collect();
        let transcripts = store::transcripts(&self.db, &ids).await?;
        // Only a transcribed item reaches evaluation; one whose STT failed stays failed.
        let ready: Vec<_> = members
            .into_iter()
            .filter(|m| m.state == SubmissionState::Transcribed && transcripts.contains_key(&m.id))
            .collect();
        if !ready.is_empty() {
            self.enter_phase(batch.id, Phase::Evaluation).await?;
            if phase::run(self, batch.id, Phase::Evaluation, ready).await? == Flow::Stopped {
                return Ok(Flow::Stopped);
            }
        }
        store::set_batch_state(&self.db, batch.id, BatchState::Done).await?;
        tracing::info!(seq = batch.seq, "batch done");
        self.live.batch = None;
        self.publish().await?;
        Ok(Flow::Continue)
    }

    async fn enter_phase(&mut self, batch_id: i32, phase: Phase) -> Result<(), DbErr> {
        store::mark_phase_started(&self.db, batch_id, phase).await?;
        if let Some(live) = self.live.batch.as_mut() {
            live.phase = phase;
            live.phase_started_ms = unix_ms();
            live.percent.clear();
            live.item_started_ms = None;
        }
        self.publish().await
    }

    /// Rebuilds the snapshot and hands it to every subscriber.
    pub(crate) async fn publish(&self) -> Result<(), DbErr> {
        let shape = Shape {
            batch_size: self.config.batch_size,
            linger_ms: u64::try_from(self.config.linger().as_millis()).unwrap_or(u64::MAX),
        };
        let snapshot = snapshot::build(&self.db, &shape, &self.live).await?;
        // Only real changes go out: every subscriber re-projects on each one.
        self.status.send_if_modified(|current| {
            let same = Snapshot {
                at_ms: snapshot.at_ms,
                ..(**current).clone()
            } == snapshot;
            if !same {
                *current = Arc::new(snapshot);
            }
            !same
        });
        Ok(())
    }
}

/// An engine left running by a server that died: kill it if that pid is still one of our
/// engines (pids are reused, so the command line is checked first).
fn kill_orphan(pid: i32, config: &SchedulerConfig) {
    let Ok(cmdline) = std::fs::read(format!("/proc/{pid}/cmdline")) else {
        return;
    };
    let cmdline = String::from_utf8_lossy(&cmdline);
    let ours = [&config.stt.program, &config.eval.program]
        .iter()
        .filter_map(|p| p.file_name())
        .any(|name| cmdline.contains(&*name.to_string_lossy()));
    if ours {
        tracing::warn!(pid, "killing an engine left over from a previous run");
        if let Err(e) = std::process::Command::new("kill")
            .args(["-9", &pid.to_string()])
            .status()
        {
            tracing::warn!(pid, error = %e, "cannot kill the left-over engine");
        }
    }
}
