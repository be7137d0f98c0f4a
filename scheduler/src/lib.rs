//! Viva's GPU cycle. One owned task takes submissions from the queue (the `submissions`
//! table) in batches and runs each batch's STT phase, then its evaluation phase, each in one
//! engine process, before the next batch starts: never two engines, never two models.
//!
//! It publishes a [`domain::status::Snapshot`] on every change. It must never load a model
//! itself, and never hold a result only in memory: everything is committed as it happens,
//! so a restart resumes where the last run stopped.
//!
//! Read top-down: [`cycle`] (which batch runs when) uses [`phase`] (one phase's engines,
//! results and failures), which uses [`supervise`] (one engine process), [`request`] (what
//! the engine is sent), [`retry`] (who is charged for a failure), [`live`] (the published
//! status) and [`store`] (the database). [`clock`] is the time all of them read.

mod arrivals;
mod clock;
mod config;
mod cycle;
mod engine;
mod error;
mod estimates;
mod forecast;
mod learning;
mod lines;
mod live;
mod metrics;
mod model_check;
mod phase;
mod request;
mod retry;
mod snapshot;
mod store;
mod supervise;

use std::path::Path;
use std::sync::Arc;

use domain::status::{SchedulerHandle, Snapshot};
use sea_orm::DatabaseConnection;
use tokio::sync::{Notify, watch};
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

pub use clock::{Clock, ManualClock};
pub use config::{EngineConfig, SchedulerConfig};
pub use estimates::defaults as default_estimates;
pub use model_check::ModelChecker;

/// The running scheduler: a handle for the web layer, and the task, stopped in order.
pub struct Scheduler {
    handle: SchedulerHandle,
    stop: CancellationToken,
    task: JoinHandle<()>,
}

impl Scheduler {
    /// Starts the cycle on the system clock. The GPU lock file lives in `data_dir`.
    pub fn start(db: DatabaseConnection, config: SchedulerConfig, data_dir: &Path) -> Self {
        Self::start_with_clock(db, config, data_dir, Clock::system())
    }

    /// Starts the cycle on `clock`: tests pass a [`ManualClock`]'s clock to cross a linger
    /// or a timeout without waiting for it.
    pub fn start_with_clock(
        db: DatabaseConnection,
        config: SchedulerConfig,
        data_dir: &Path,
        clock: Clock,
    ) -> Self {
        let (status, receiver) = watch::channel(Arc::new(Snapshot::default()));
        let queued = Arc::new(Notify::new());
        let stop = CancellationToken::new();
        let store = store::Store::new(db, clock);
        let live = live::LiveStatus::new(store.clone(), &config, status);
        let signals = supervise::Signals {
            stop: stop.clone(),
            queued: queued.clone(),
        };
        let cycle = cycle::Cycle::new(store, config, data_dir.join("gpu.lock"), live, signals);
        let task = tokio::spawn(cycle.run());
        Self {
            handle: SchedulerHandle::new(receiver, queued),
            stop,
            task,
        }
    }

    pub fn handle(&self) -> SchedulerHandle {
        self.handle.clone()
    }

    /// Stops the engine in flight (its item goes back to the queue state it came from) and
    /// waits for the cycle to end.
    pub async fn stop(self) {
        self.stop.cancel();
        if let Err(e) = self.task.await {
            tracing::error!(error = %e, "the scheduler task failed");
        }
    }
}
