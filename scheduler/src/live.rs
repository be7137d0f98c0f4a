//! The live status: what the running cycle knows (the batch on the GPU, its engine, per-item
//! progress, the learned estimates), turned into a [`Snapshot`] and published through the
//! watch channel every subscriber reads. Only real changes go out: every browser connection
//! re-projects the snapshot on each one.

use std::collections::HashSet;
use std::sync::Arc;

use domain::entities::batch;
use domain::entities::engine_run::Phase;
use domain::status::{EngineInfo, Snapshot};
use sea_orm::DbErr;
use tokio::sync::watch;

use crate::config::SchedulerConfig;
use crate::estimates;
use crate::learning::{Key, Learning};
use crate::snapshot::{self, LiveBatch, LiveState, QueueShape};
use crate::store::Store;

pub struct LiveStatus {
    store: Store,
    shape: QueueShape,
    state: LiveState,
    sender: watch::Sender<Arc<Snapshot>>,
    /// Queue entries (id, queued at) whose first estimate is stored already.
    estimated: HashSet<(i32, u64)>,
    learning: Learning,
    /// The engines in force (model, threads): the estimates are theirs.
    keys: (Key, Key),
}

impl LiveStatus {
    pub fn new(
        store: Store,
        config: &SchedulerConfig,
        sender: watch::Sender<Arc<Snapshot>>,
    ) -> Self {
        Self {
            store,
            shape: shape(config),
            state: LiveState {
                batch: None,
                paused: false,
                estimates: estimates::defaults(),
            },
            sender,
            estimated: HashSet::new(),
            learning: Learning::default(),
            keys: keys(config),
        }
    }

    /// Starts over from what history teaches.
    pub fn set_learning(&mut self, learning: Learning) {
        self.learning = learning;
        self.relearn();
    }

    /// Learns from a measurement, and updates the estimates shown.
    pub fn learn(&mut self, measured: impl FnOnce(&mut Learning)) {
        measured(&mut self.learning);
        self.relearn();
    }

    fn relearn(&mut self) {
        self.state.estimates = self.learning.estimates(&self.keys.0, &self.keys.1);
    }

    /// The settings in force changed (an admin's change, read before each batch).
    pub fn settings_changed(&mut self, config: &SchedulerConfig, paused: bool) {
        self.shape = shape(config);
        self.state.paused = paused;
        self.keys = keys(config);
        self.relearn();
    }

    /// Rebuilds the snapshot and hands it to every subscriber, if anything but its time
    /// changed.
    pub async fn publish(&mut self) -> Result<(), DbErr> {
        let now = self.store.clock().now_ms();
        let snapshot = snapshot::build(&self.store, &self.shape, &self.state, now).await?;
        self.keep_first_estimates(&snapshot).await?;
        self.sender.send_if_modified(|current| {
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

    /// Stores the estimate each queue entry is first shown, to compare with what happened.
    /// Not while paused: a paused queue has no honest estimate.
    async fn keep_first_estimates(&mut self, snapshot: &Snapshot) -> Result<(), DbErr> {
        if snapshot.paused {
            return Ok(());
        }
        // Only entries still waiting need remembering.
        self.estimated.retain(|(id, queued)| {
            snapshot
                .queue
                .iter()
                .any(|q| q.owner.submission_id == *id && q.queued_ms == *queued)
        });
        for item in &snapshot.queue {
            let key = (item.owner.submission_id, item.queued_ms);
            if self.estimated.insert(key) {
                self.store
                    .keep_first_estimate(key.0, item.wait_ms, item.results_ms)
                    .await?;
            }
        }
        Ok(())
    }

    /// A batch takes the GPU; it starts in its STT phase (an eval-only batch moves on at once).
    pub fn batch_started(&mut self, batch: &batch::Model) {
        self.state.batch = Some(LiveBatch {
            batch_id: batch.id,
            seq: batch.seq,
            phase: Phase::Stt,
            phase_started_ms: self.store.clock().now_ms(),
            engine: None,
            percent: Default::default(),
            item_started_ms: None,
        });
    }

    /// The GPU is free (the batch is done, or the cycle stopped).
    pub fn batch_ended(&mut self) {
        self.state.batch = None;
    }

    pub fn phase_started(&mut self, phase: Phase) {
        let now = self.store.clock().now_ms();
        if let Some(live) = self.state.batch.as_mut() {
            live.phase = phase;
            live.phase_started_ms = now;
            live.percent.clear();
            live.item_started_ms = None;
        }
    }

    pub fn engine_started(&mut self, engine: EngineInfo) {
        if let Some(live) = self.state.batch.as_mut() {
            live.engine = Some(engine);
        }
    }

    pub fn engine_loaded(&mut self, ms: u64) {
        if let Some(engine) = self.state.batch.as_mut().and_then(|b| b.engine.as_mut()) {
            engine.load_ms = Some(ms);
        }
    }

    pub fn engine_ended(&mut self) {
        if let Some(live) = self.state.batch.as_mut() {
            live.engine = None;
            live.item_started_ms = None;
        }
    }

    pub fn item_started(&mut self) {
        let now = self.store.clock().now_ms();
        if let Some(live) = self.state.batch.as_mut() {
            live.item_started_ms = Some(now);
        }
    }

    pub fn item_progress(&mut self, id: i32, percent: u8) {
        if let Some(live) = self.state.batch.as_mut() {
            live.percent.insert(id, percent.min(100));
        }
    }

    pub fn item_done(&mut self, id: i32) {
        if let Some(live) = self.state.batch.as_mut() {
            live.percent.insert(id, 100);
            live.item_started_ms = None;
        }
    }
}

fn shape(config: &SchedulerConfig) -> QueueShape {
    QueueShape {
        batch_size: config.batch_size,
        linger_ms: u64::try_from(config.linger().as_millis()).unwrap_or(u64::MAX),
    }
}

/// The learning key of an engine: its model file and thread count.
pub fn engine_key(engine: &crate::config::EngineConfig) -> Key {
    (engine_protocol::model_name(&engine.model), engine.threads)
}

fn keys(config: &SchedulerConfig) -> (Key, Key) {
    (engine_key(&config.stt), engine_key(&config.eval))
}
