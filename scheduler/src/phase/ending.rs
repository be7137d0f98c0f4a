//! How an engine process ended, and what follows: its record, learning from a finished
//! evaluation phase, and charging a failure to the items it was working on.

use domain::entities::engine_run::{EngineOutcome, Phase};
use domain::entities::submission::{self, SubmissionState};

use super::{EngineRun, PhaseRunner};
use crate::error::Error;
use crate::live::engine_key;
use crate::retry::{self, Verdict};
use crate::supervise::EngineEnd;

impl PhaseRunner<'_> {
    /// Records how the process ended, learns from a finished one, and charges a failed one
    /// to its items.
    pub(super) async fn record_end(
        &mut self,
        run: &EngineRun,
        end: EngineEnd,
        pending: &mut Vec<submission::Model>,
    ) -> Result<(), Error> {
        let store = self.store;
        match end {
            EngineEnd::Finished => {
                store.end_run(run.id, EngineOutcome::Finished, None).await?;
                if self.phase == Phase::Evaluation {
                    self.learn_eval_phase(run).await?;
                }
                if !pending.is_empty() {
                    // Said it finished but skipped items: a protocol fault, charged like a
                    // crash.
                    let reason = "it finished without reporting every item";
                    self.charge_crash(&[], pending, reason).await?;
                }
            }
            EngineEnd::Failed(message) => {
                let outcome = EngineOutcome::Failed;
                store
                    .end_run(run.id, outcome, Some(message.clone()))
                    .await?;
                self.charge_crash(&run.in_flight, pending, &message).await?;
            }
            EngineEnd::Crashed(reason) => {
                let outcome = EngineOutcome::Crashed;
                store.end_run(run.id, outcome, Some(reason.clone())).await?;
                self.charge_crash(&run.in_flight, pending, &reason).await?;
            }
            EngineEnd::TimedOut(why) => {
                let outcome = EngineOutcome::TimedOut;
                store.end_run(run.id, outcome, Some(why.clone())).await?;
                let reason = format!("it was stopped: {why}");
                self.charge_crash(&run.in_flight, pending, &reason).await?;
            }
            EngineEnd::Stopped => {
                let detail = Some("the server shut down".to_owned());
                store
                    .end_run(run.id, EngineOutcome::Interrupted, detail)
                    .await?;
                // Nothing is charged: the items go back and the next start takes them again.
                store
                    .set_state(&run.in_flight, state_before(self.phase))
                    .await?;
            }
        }
        Ok(())
    }

    /// A finished evaluation phase: its work after the load, for the items it started with,
    /// and when their results came and what they wrote.
    async fn learn_eval_phase(&mut self, run: &EngineRun) -> Result<(), Error> {
        // A phase whose items all failed says little about grading (and history replay
        // skips it too, having no lengths for it).
        let (Some(loaded), false) = (run.loaded_at_ms, run.answered.is_empty()) else {
            return Ok(());
        };
        let work = self.store.clock().now_ms().saturating_sub(loaded) as f64;
        let key = engine_key(self.settings.engine);
        let answered = run.answered.clone();
        let graded = run.graded;
        self.live
            .learn(|l| l.eval_phase(&key, graded, work, &answered));
        Ok(())
    }

    /// Charges a failed process to its items (see [`retry`]): an item charged too often
    /// fails with the reason and leaves `pending`; the others wait for a fresh process.
    pub(super) async fn charge_crash(
        &self,
        in_flight: &[i32],
        pending: &mut Vec<submission::Model>,
        reason: &str,
    ) -> Result<(), Error> {
        let pending_ids: Vec<i32> = pending.iter().map(|p| p.id).collect();
        for id in retry::charged_items(in_flight, &pending_ids) {
            let crashes = self.store.count_crash(id, self.phase).await?;
            match retry::verdict(crashes) {
                Verdict::Fail => {
                    let message = retry::failure_reason(self.phase, reason);
                    self.store.fail_item(id, &message).await?;
                    pending.retain(|p| p.id != id);
                }
                Verdict::Retry => {
                    self.store
                        .set_state(&[id], state_before(self.phase))
                        .await?;
                }
            }
        }
        crate::metrics::engine_failed(self.phase);
        if !pending.is_empty() {
            crate::metrics::retried(self.phase, pending.len());
        }
        tracing::warn!(phase = ?self.phase, reason, "an engine run failed");
        Ok(())
    }
}

/// The state an item returns to when its phase has to take it again.
fn state_before(phase: Phase) -> SubmissionState {
    match phase {
        Phase::Stt => SubmissionState::InBatch,
        Phase::Evaluation => SubmissionState::Transcribed,
    }
}
