//! What the GPU cycle tells `/metrics`, through the `metrics` facade (the server installs the
//! Prometheus recorder; without one these calls do nothing). The web layer's own metrics
//! (queue depth, uploads, status streams, logins) are named where they happen.

use std::time::Duration;

use domain::entities::engine_run::Phase;
use sea_orm::ActiveEnum;

/// The phase as the database names it ("stt", "evaluation").
fn phase_label(phase: Phase) -> String {
    phase.to_value()
}

pub fn phase_ended(phase: Phase, took: Duration) {
    metrics::histogram!("viva_phase_seconds", "phase" => phase_label(phase))
        .record(took.as_secs_f64());
}

pub fn batch_done(took: Duration) {
    metrics::counter!("viva_batches_total").increment(1);
    metrics::histogram!("viva_batch_seconds").record(took.as_secs_f64());
}

/// An engine process that ended without finishing its items.
pub fn engine_failed(phase: Phase) {
    metrics::counter!("viva_engine_failures_total", "phase" => phase_label(phase)).increment(1);
}

/// Items a failed engine left to a fresh process.
pub fn retried(phase: Phase, items: usize) {
    metrics::counter!("viva_engine_retries_total", "phase" => phase_label(phase))
        .increment(items as u64);
}

pub fn model_loaded(phase: Phase, ms: u64) {
    metrics::counter!("viva_model_loads_total", "phase" => phase_label(phase)).increment(1);
    metrics::histogram!("viva_model_load_seconds", "phase" => phase_label(phase))
        .record(ms as f64 / 1000.0);
}
