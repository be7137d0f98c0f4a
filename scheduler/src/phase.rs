//! One phase of one batch: start an engine with the items that still need it, store each
//! result the moment it is reported, and when the process ends, record how and charge a
//! failure to the items it was working on (see [`crate::retry`]). Items a failed run leaves
//! to retry go to a fresh process, until none is pending.

use std::collections::HashMap;
use std::time::Duration;

use domain::entities::engine_run::{EngineOutcome, Phase};
use domain::entities::submission::{self, SubmissionState};
use domain::status::EngineInfo;
use engine_protocol::{Evaluation, Event, Transcript, model_name};
use serde_json::Value;

use crate::error::Error;
use crate::estimates::EvalLoad;
use crate::learning::Answered;
use crate::live::{LiveStatus, engine_key};
use crate::request::{self, EngineRequest, RequestRows, RequestSettings};

use crate::store::{Provenance, Store};
use crate::supervise::{EngineEnd, Signals, Step, Supervisor};

mod ending;

/// Progress-only snapshots are published at most this often. Real time, not the
/// scheduler's clock: it limits the real work of re-projecting for every subscriber.
const PROGRESS_EVERY: Duration = Duration::from_millis(250);

/// Whether the cycle goes on after a phase.
#[derive(Debug, PartialEq, Eq)]
pub enum Flow {
    Continue,
    /// The server is shutting down; the batch is resumed at the next start.
    Stopped,
}

/// Everything one phase of one batch works with.
pub struct PhaseRunner<'a> {
    pub store: &'a Store,
    pub live: &'a mut LiveStatus,
    pub settings: RequestSettings<'a>,
    pub signals: &'a Signals,
    pub batch_id: i32,
    pub phase: Phase,
}

/// One engine process's bookkeeping.
struct EngineRun {
    id: i32,
    /// Items it said it started and has not finished: a crash is charged to these.
    in_flight: Vec<i32>,
    last_progress: Option<std::time::Instant>,
    /// The rubric version each item was sent with, recorded with its evaluation.
    rubric_versions: HashMap<i32, i32>,
    made_by: Provenance,
    /// When it said its model was loaded (scheduler clock, Unix ms), when the latest result
    /// came after that, and each stored evaluation's time and what it wrote: what the
    /// estimates learn from.
    loaded_at_ms: Option<u64>,
    last_result_after_ms: f64,
    answered: Vec<Answered>,
    /// The items it was given and their speech: what its work is learned against.
    graded: EvalLoad,
}

impl PhaseRunner<'_> {
    /// Runs engines until every item in `pending` has a result or has failed.
    pub async fn run(mut self, mut pending: Vec<submission::Model>) -> Result<Flow, Error> {
        while !pending.is_empty() {
            let Some((request, rubric_versions)) = self.request(&mut pending).await? else {
                continue;
            };
            if self
                .run_engine(&request, rubric_versions, &mut pending)
                .await?
                == Flow::Stopped
            {
                return Ok(Flow::Stopped);
            }
        }
        Ok(Flow::Continue)
    }

    /// The request for the pending items; `None` after failing the items that cannot be
    /// put in one (the caller then tries again with the rest).
    async fn request(
        &self,
        pending: &mut Vec<submission::Model>,
    ) -> Result<Option<(Vec<u8>, HashMap<i32, i32>)>, Error> {
        let labs = self
            .store
            .lab_sessions(pending.iter().map(|p| p.lab_session_id))
            .await?;
        let transcripts = match self.phase {
            Phase::Stt => HashMap::new(),
            Phase::Evaluation => {
                let ids: Vec<i32> = pending.iter().map(|p| p.id).collect();
                self.store.transcripts(&ids).await?
            }
        };
        let chosen_rubrics = match self.phase {
            Phase::Stt => HashMap::new(),
            Phase::Evaluation => self.store.chosen_rubrics(pending).await?,
        };
        let rows = RequestRows {
            pending,
            labs: &labs,
            transcripts: &transcripts,
            chosen_rubrics: &chosen_rubrics,
        };
        match request::build(self.phase, &self.settings, &rows)? {
            EngineRequest::Ready {
                bytes,
                rubric_versions,
            } => Ok(Some((bytes, rubric_versions))),
            EngineRequest::Unusable(problems) => {
                for (id, reason) in problems {
                    self.store.fail_item(id, &reason).await?;
                    pending.retain(|p| p.id != id);
                }
                Ok(None)
            }
        }
    }

    /// One engine process, from its record's start to its record's end.
    async fn run_engine(
        &mut self,
        request: &[u8],
        rubric_versions: HashMap<i32, i32>,
        pending: &mut Vec<submission::Model>,
    ) -> Result<Flow, Error> {
        let engine = self.settings.engine;
        let clock = self.store.clock().clone();
        let model = model_name(&engine.model);
        let model_sha256 = domain::model_files::sha256_of(engine.model.clone()).await;
        let record = self
            .store
            .start_run(
                self.batch_id,
                self.phase,
                &model,
                model_sha256.clone(),
                engine.threads,
                pending.len(),
            )
            .await?;
        let started_ms = clock.now_ms();
        let spawned = Supervisor::spawn(engine, request, clock, self.signals.clone()).await;
        let mut supervisor = match spawned {
            Ok(supervisor) => supervisor,
            Err(e) => {
                let reason = format!("cannot start {}: {e}", engine.program.display());
                self.store
                    .end_run(record.id, EngineOutcome::Failed, Some(reason.clone()))
                    .await?;
                self.charge_crash(&[], pending, &reason).await?;
                return Ok(Flow::Continue);
            }
        };
        self.store.set_run_pid(record.id, supervisor.pid()).await?;
        self.live.engine_started(EngineInfo {
            run_id: record.id,
            pid: supervisor.pid(),
            model,
            started_ms,
            load_ms: None,
        });
        self.live.publish().await?;

        let mut run = EngineRun {
            id: record.id,
            in_flight: Vec::new(),
            last_progress: None,
            rubric_versions,
            made_by: Provenance {
                batch_id: self.batch_id,
                engine_run_id: record.id,
                model_sha256,
                run_items: record.items,
            },
            loaded_at_ms: None,
            last_result_after_ms: 0.0,
            answered: Vec::new(),
            graded: EvalLoad::of(pending.iter().map(|p| p.duration_ms)),
        };
        let end = self.follow(&mut supervisor, &mut run, pending).await?;
        let end = supervisor.shut_down(end).await;
        let flow = if end == EngineEnd::Stopped {
            Flow::Stopped
        } else {
            Flow::Continue
        };
        self.record_end(&run, end, pending).await?;
        self.live.engine_ended();
        self.live.publish().await?;
        Ok(flow)
    }

    /// Acts on the engine's events until it ends, is stopped, or runs out of time.
    async fn follow(
        &mut self,
        supervisor: &mut Supervisor,
        run: &mut EngineRun,
        pending: &mut Vec<submission::Model>,
    ) -> Result<EngineEnd, Error> {
        loop {
            match supervisor.next().await {
                Step::Ended(end) => return Ok(end),
                Step::Queued => self.live.publish().await?,
                Step::Event(event) => {
                    if let Some(end) = self.on_event(run, event, pending).await? {
                        return Ok(end);
                    }
                }
            }
        }
    }

    /// Stores what one event says; returns how the engine ended if the event ends it.
    async fn on_event(
        &mut self,
        run: &mut EngineRun,
        event: Event<Value>,
        pending: &mut Vec<submission::Model>,
    ) -> Result<Option<EngineEnd>, Error> {
        // An id outside i32 is no item of ours; -1 matches none and is reported as unknown.
        let local = |id: i64| i32::try_from(id).unwrap_or(-1);
        match event {
            Event::Loaded { ms, .. } => {
                self.store.set_run_loaded(run.id, ms).await?;
                run.loaded_at_ms = Some(self.store.clock().now_ms());
                let (phase, key) = (self.phase, engine_key(self.settings.engine));
                self.live.learn(|l| l.load(phase, &key, ms as f64));
                crate::metrics::model_loaded(self.phase, ms);
                self.live.engine_loaded(ms);
            }
            Event::ItemStarted { id } => {
                let id = local(id);
                if !pending.iter().any(|p| p.id == id) {
                    let why = format!("it started unknown item {id}");
                    return Ok(Some(EngineEnd::Crashed(why)));
                }
                run.in_flight.push(id);
                let state = match self.phase {
                    Phase::Stt => SubmissionState::Transcribing,
                    Phase::Evaluation => SubmissionState::Evaluating,
                };
                self.store.set_state(&[id], state).await?;
                self.live.item_started();
            }
            Event::ItemProgress { id, percent } => {
                self.live.item_progress(local(id), percent);
                if run
                    .last_progress
                    .is_some_and(|t| t.elapsed() < PROGRESS_EVERY)
                {
                    return Ok(None);
                }
                run.last_progress = Some(std::time::Instant::now());
            }
            Event::ItemDone { id, result, ms } => {
                let id = local(id);
                let Some(item) = pending.iter().find(|p| p.id == id).cloned() else {
                    let why = format!("it reported unknown item {id}");
                    return Ok(Some(EngineEnd::Crashed(why)));
                };
                let rubric_version = run.rubric_versions.get(&id).copied();
                let made_by = run.made_by.clone();
                let now = self.store.clock().now_ms();
                let after = run.loaded_at_ms.map(|l| now.saturating_sub(l) as f64);
                // What the item cost the phase: since the result before it (or the load). The
                // engine's own time leaves out what passes between items (half a second an
                // item with Whisper on 2 CPU threads), which the phase takes all the same.
                let took_ms = after.map_or(ms as f64, |a| a - run.last_result_after_ms);
                if let Some(after_ms) = after {
                    run.last_result_after_ms = after_ms;
                }
                let timing = (ms, took_ms);
                let written = self
                    .store_result(&item, result, rubric_version, timing, &made_by)
                    .await?;
                // As history is replayed: only the evaluations stored.
                if let (Some(after_ms), Some(chars)) = (after, written) {
                    let chars = chars as f64;
                    run.answered.push(Answered { after_ms, chars });
                }
                run.in_flight.retain(|i| *i != id);
                pending.retain(|p| p.id != id);
                self.live.item_done(id);
            }
            Event::ItemFailed { id, error } => {
                let id = local(id);
                if !pending.iter().any(|p| p.id == id) {
                    let why = format!("it failed unknown item {id}");
                    return Ok(Some(EngineEnd::Crashed(why)));
                }
                self.store.fail_item(id, &error).await?;
                run.in_flight.retain(|i| *i != id);
                pending.retain(|p| p.id != id);
            }
            Event::Finished { .. } => return Ok(Some(EngineEnd::Finished)),
            Event::Error { message } => return Ok(Some(EngineEnd::Failed(message))),
        }
        self.live.publish().await?;
        Ok(None)
    }

    /// Stores an item's result; a result that does not parse fails the item, not the run.
    /// `timing`: the engine's own time for it (stored), and what it cost the phase (learned).
    /// Returns the characters a stored evaluation wrote (None for a transcript or a failure).
    async fn store_result(
        &mut self,
        item: &submission::Model,
        result: Value,
        rubric_version: Option<i32>,
        (ms, took_ms): (u64, f64),
        made_by: &Provenance,
    ) -> Result<Option<usize>, Error> {
        let unreadable =
            |e: serde_json::Error| format!("the engine's result could not be read: {e}");
        match self.phase {
            Phase::Stt => match serde_json::from_value::<Transcript>(result) {
                Ok(transcript) => {
                    self.store
                        .save_transcript(item.id, &transcript, ms, made_by)
                        .await?;
                    let key = engine_key(self.settings.engine);
                    let audio_ms = item.duration_ms;
                    self.live.learn(|l| l.stt_item(&key, audio_ms, took_ms));
                }
                Err(e) => self.store.fail_item(item.id, &unreadable(e)).await?,
            },
            Phase::Evaluation => {
                match (serde_json::from_value::<Evaluation>(result), rubric_version) {
                    (Ok(evaluation), Some(version)) => {
                        self.store
                            .save_evaluation(item, &evaluation, version, ms, made_by)
                            .await?;
                        return Ok(Some(evaluation.written_chars()));
                    }
                    (Ok(_), None) => {
                        let why = "the engine graded an item it was not sent";
                        self.store.fail_item(item.id, why).await?
                    }
                    (Err(e), _) => self.store.fail_item(item.id, &unreadable(e)).await?,
                }
            }
        }
        Ok(None)
    }
}
