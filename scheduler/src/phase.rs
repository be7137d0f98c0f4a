//! One phase of one batch: start its engine with the items that still need it, store each
//! result the moment it is reported, and supervise the process. A crash or timeout is
//! charged to the items in flight (or to every item left, if none was); an item charged
//! twice fails with the reason, the rest go to a fresh process.

use std::time::Duration;

use domain::entities::engine_run::{EngineOutcome, Phase};
use domain::entities::submission::{self, SubmissionState};
use engine_protocol::{
    EvalItem, EvalSettings, Evaluation, Event, PROTOCOL_VERSION, Request, SttItem,
    SttSettings, Transcript, model_name, unix_ms,
};
use sea_orm::DbErr;
use serde_json::Value;
use tokio::time::{Instant, timeout_at};

use crate::config::EngineConfig;
use crate::cycle::{Cycle, Flow};
use crate::engine::EngineProcess;
use crate::estimates;
use crate::store;

/// Crashes of one item, in one phase, after which it fails instead of being retried.
const MAX_CRASHES: i32 = 2;
/// Progress-only snapshots are published at most this often.
const PROGRESS_EVERY: Duration = Duration::from_millis(250);
/// How long a process that said `finished` may take to exit.
const EXIT_GRACE: Duration = Duration::from_secs(10);

/// How one engine process ended.
enum End {
    Finished,
    /// It reported a whole-run error.
    Failed(String),
    /// It crashed, closed its output early, or broke the protocol.
    Crashed(String),
    TimedOut(String),
    Stopped,
}

/// What a process has to keep track of while it runs.
struct Run {
    id: i32,
    in_flight: Vec<i32>,
    item_deadline: Instant,
    last_progress: Option<Instant>,
}

pub async fn run(
    cycle: &mut Cycle,
    batch_id: i32,
    phase: Phase,
    mut pending: Vec<submission::Model>,
) -> Result<Flow, DbErr> {
    let engine = engine_config(cycle, phase).clone();
    while !pending.is_empty() {
        let request = match request(cycle, phase, &pending).await? {
            Ok(bytes) => bytes,
            Err(problems) => {
                for (id, reason) in problems {
                    store::fail(&cycle.db, id, &reason).await?;
                    pending.retain(|p| p.id != id);
                }
                continue;
            }
        };
        let model = model_name(&engine.model);
        let record = store::start_run(&cycle.db, batch_id, phase, &model, pending.len()).await?;
        let started = unix_ms();
        let mut process = match EngineProcess::spawn(&engine, &request).await {
            Ok(p) => p,
            Err(e) => {
                let reason = format!("cannot start {}: {e}", engine.program.display());
                store::end_run(
                    &cycle.db,
                    record.id,
                    EngineOutcome::Failed,
                    Some(reason.clone()),
                )
                .await?;
                charge(cycle, phase, &[], &mut pending, &reason).await?;
                continue;
            }
        };
        store::set_run_pid(&cycle.db, record.id, process.pid()).await?;
        if let Some(live) = cycle.live.batch.as_mut() {
            live.engine = Some(domain::status::EngineInfo {
                run_id: record.id,
                pid: process.pid(),
                model,
                started_ms: started,
                load_ms: None,
            });
        }
        cycle.publish().await?;

        let mut run = Run {
            id: record.id,
            in_flight: Vec::new(),
            item_deadline: Instant::now() + engine.item_timeout(),
            last_progress: None,
        };
        let end = supervise(cycle, phase, &engine, &mut process, &mut run, &mut pending).await?;
        let stopped = matches!(end, End::Stopped);
        settle(cycle, phase, &mut process, &run, end, &mut pending, started).await?;
        if let Some(live) = cycle.live.batch.as_mut() {
            live.engine = None;
            live.item_started_ms = None;
        }
        cycle.publish().await?;
        if stopped {
            return Ok(Flow::Stopped);
        }
    }
    Ok(Flow::Continue)
}

fn engine_config(cycle: &Cycle, phase: Phase) -> &EngineConfig {
    match phase {
        Phase::Stt => &cycle.config.stt,
        Phase::Evaluation => &cycle.config.eval,
    }
}

/// Reads the engine's events until it ends, is stopped, or runs out of time.
async fn supervise(
    cycle: &mut Cycle,
    phase: Phase,
    engine: &EngineConfig,
    process: &mut EngineProcess,
    run: &mut Run,
    pending: &mut Vec<submission::Model>,
) -> Result<End, DbErr> {
    let phase_deadline = Instant::now() + engine.phase_timeout();
    let stop = cycle.stop.clone();
    let queued = cycle.queued.clone();
    loop {
        let deadline = phase_deadline.min(run.item_deadline);
        let line = tokio::select! {
            () = stop.cancelled() => return Ok(End::Stopped),
            // Someone joined the queue: their position is news even mid-phase.
            () = queued.notified() => {
                cycle.publish().await?;
                continue;
            }
            line = timeout_at(deadline, process.next_line()) => line,
        };
        let line = match line {
            Err(_) if Instant::now() >= phase_deadline => {
                return Ok(End::TimedOut(format!(
                    "the phase took longer than {} s",
                    engine.phase_timeout_secs
                )));
            }
            Err(_) => {
                return Ok(End::TimedOut(format!(
                    "no progress for {} s",
                    engine.item_timeout_secs
                )));
            }
            Ok(Err(e)) => return Ok(End::Crashed(format!("its output could not be read: {e}"))),
            Ok(Ok(None)) => return Ok(End::Crashed("it exited before finishing".into())),
            Ok(Ok(Some(line))) => line,
        };
        let event: Event<Value> = match serde_json::from_str(&line) {
            Ok(event) => event,
            Err(e) => {
                tracing::warn!(error = %e, line, "an engine wrote a line that is not an event");
                continue;
            }
        };
        run.item_deadline = Instant::now() + engine.item_timeout();
        if let Some(end) = on_event(cycle, phase, run, event, pending).await? {
            return Ok(end);
        }
    }
}

async fn on_event(
    cycle: &mut Cycle,
    phase: Phase,
    run: &mut Run,
    event: Event<Value>,
    pending: &mut Vec<submission::Model>,
) -> Result<Option<End>, DbErr> {
    // An id outside i32 is no item of ours; -1 matches none and is reported as unknown.
    let local = |id: i64| i32::try_from(id).unwrap_or(-1);
    match event {
        Event::Loaded { ms, .. } => {
            store::set_run_loaded(&cycle.db, run.id, ms).await?;
            estimates::learn_load(&mut cycle.live.estimates, phase, ms);
            if let Some(engine) = cycle.live.batch.as_mut().and_then(|b| b.engine.as_mut()) {
                engine.load_ms = Some(ms);
            }
        }
        Event::ItemStarted { id } => {
            let id = local(id);
            if !pending.iter().any(|p| p.id == id) {
                return Ok(Some(End::Crashed(format!("it started unknown item {id}"))));
            }
            run.in_flight.push(id);
            let state = match phase {
                Phase::Stt => SubmissionState::Transcribing,
                Phase::Evaluation => SubmissionState::Evaluating,
            };
            store::set_state(&cycle.db, &[id], state).await?;
            if let Some(live) = cycle.live.batch.as_mut() {
                live.item_started_ms = Some(unix_ms());
            }
        }
        Event::ItemProgress { id, percent } => {
            let id = local(id);
            if let Some(live) = cycle.live.batch.as_mut() {
                live.percent.insert(id, percent.min(100));
            }
            if run
                .last_progress
                .is_some_and(|t| t.elapsed() < PROGRESS_EVERY)
            {
                return Ok(None);
            }
            run.last_progress = Some(Instant::now());
        }
        Event::ItemDone { id, result, ms } => {
            let id = local(id);
            let Some(item) = pending.iter().find(|p| p.id == id).cloned() else {
                return Ok(Some(End::Crashed(format!("it reported unknown item {id}"))));
            };
            store_result(cycle, phase, &item, result, ms).await?;
            run.in_flight.retain(|i| *i != id);
            pending.retain(|p| p.id != id);
            if let Some(live) = cycle.live.batch.as_mut() {
                live.percent.insert(id, 100);
                live.item_started_ms = None;
            }
        }
        Event::ItemFailed { id, error } => {
            let id = local(id);
            store::fail(&cycle.db, id, &error).await?;
            run.in_flight.retain(|i| *i != id);
            pending.retain(|p| p.id != id);
        }
        Event::Finished { .. } => return Ok(Some(End::Finished)),
        Event::Error { message } => return Ok(Some(End::Failed(message))),
    }
    cycle.publish().await?;
    Ok(None)
}

async fn store_result(
    cycle: &mut Cycle,
    phase: Phase,
    item: &submission::Model,
    result: Value,
    ms: u64,
) -> Result<(), DbErr> {
    let unreadable = |e: serde_json::Error| format!("the engine's result could not be read: {e}");
    match phase {
        Phase::Stt => match serde_json::from_value::<Transcript>(result) {
            Ok(transcript) => {
                store::save_transcript(&cycle.db, item.id, &transcript, ms).await?;
                estimates::learn_stt(&mut cycle.live.estimates, ms, item.duration_ms);
                Ok(())
            }
            Err(e) => store::fail(&cycle.db, item.id, &unreadable(e)).await,
        },
        Phase::Evaluation => match serde_json::from_value::<Evaluation>(result) {
            Ok(evaluation) => {
                let version = store::rubric_version(&cycle.db, item.lab_session_id).await?;
                store::save_evaluation(&cycle.db, item, &evaluation, version, ms).await
            }
            Err(e) => store::fail(&cycle.db, item.id, &unreadable(e)).await,
        },
    }
}

/// Records how the process ended and charges a failed run to its items.
async fn settle(
    cycle: &mut Cycle,
    phase: Phase,
    process: &mut EngineProcess,
    run: &Run,
    end: End,
    pending: &mut Vec<submission::Model>,
    started_ms: u64,
) -> Result<(), DbErr> {
    let db = cycle.db.clone();
    match end {
        End::Finished => {
            let exit = tokio::time::timeout(EXIT_GRACE, process.wait()).await;
            if !matches!(exit, Ok(Ok(status)) if status.success()) {
                process.kill().await;
            }
            store::end_run(&db, run.id, EngineOutcome::Finished, None).await?;
            if phase == Phase::Evaluation {
                let load = cycle
                    .live
                    .batch
                    .as_ref()
                    .and_then(|b| b.engine.as_ref())
                    .and_then(|e| e.load_ms)
                    .unwrap_or(0);
                let work = unix_ms().saturating_sub(started_ms).saturating_sub(load);
                let items = usize::try_from(run_items(&db, run.id).await?).unwrap_or(0);
                estimates::learn_eval_phase(&mut cycle.live.estimates, work, items);
            }
            if !pending.is_empty() {
                // Said it finished but skipped items: a protocol fault, charged like a crash.
                charge(
                    cycle,
                    phase,
                    &[],
                    pending,
                    "it finished without reporting every item",
                )
                .await?;
            }
        }
        End::Failed(message) => {
            let _ = tokio::time::timeout(EXIT_GRACE, process.wait()).await;
            process.kill().await;
            store::end_run(&db, run.id, EngineOutcome::Failed, Some(message.clone())).await?;
            charge(cycle, phase, &run.in_flight, pending, &message).await?;
        }
        End::Crashed(why) => {
            process.kill().await;
            let status = process
                .wait()
                .await
                .map(|s| s.to_string())
                .unwrap_or_default();
            let reason = format!("{why} ({status})");
            store::end_run(&db, run.id, EngineOutcome::Crashed, Some(reason.clone())).await?;
            charge(cycle, phase, &run.in_flight, pending, &reason).await?;
        }
        End::TimedOut(why) => {
            process.kill().await;
            store::end_run(&db, run.id, EngineOutcome::TimedOut, Some(why.clone())).await?;
            charge(
                cycle,
                phase,
                &run.in_flight,
                pending,
                &format!("it was stopped: {why}"),
            )
            .await?;
        }
        End::Stopped => {
            process.kill().await;
            store::end_run(
                &db,
                run.id,
                EngineOutcome::Interrupted,
                Some("the server shut down".into()),
            )
            .await?;
            // Nothing is charged: the items go back and the next start takes them again.
            store::set_state(&db, &run.in_flight, before(phase)).await?;
        }
    }
    Ok(())
}

async fn run_items(db: &store::Db, run: i32) -> Result<i32, DbErr> {
    use sea_orm::EntityTrait;
    Ok(domain::entities::engine_run::Entity::find_by_id(run)
        .one(db)
        .await?
        .map_or(0, |r| r.items))
}

/// The state an item returns to when its phase has to take it again.
fn before(phase: Phase) -> SubmissionState {
    match phase {
        Phase::Stt => SubmissionState::InBatch,
        Phase::Evaluation => SubmissionState::Transcribed,
    }
}

/// Charges a failed process to the items in flight, or to every item left when none was
/// (it failed while loading). An item charged [`MAX_CRASHES`] times fails with the reason;
/// the others wait for a fresh process.
async fn charge(
    cycle: &mut Cycle,
    phase: Phase,
    in_flight: &[i32],
    pending: &mut Vec<submission::Model>,
    reason: &str,
) -> Result<(), DbErr> {
    let charged: Vec<i32> = if in_flight.is_empty() {
        pending.iter().map(|p| p.id).collect()
    } else {
        in_flight.to_vec()
    };
    let engine = match phase {
        Phase::Stt => "speech-to-text",
        Phase::Evaluation => "evaluation",
    };
    for id in charged {
        let crashes = store::count_crash(&cycle.db, id, phase).await?;
        if crashes >= MAX_CRASHES {
            let message = format!("the {engine} engine failed twice on this submission: {reason}");
            store::fail(&cycle.db, id, &message).await?;
            pending.retain(|p| p.id != id);
        } else {
            store::set_state(&cycle.db, &[id], before(phase)).await?;
        }
    }
    tracing::warn!(?phase, reason, "an engine run failed");
    Ok(())
}

/// The request for the items still pending, or the items that cannot be put in one.
async fn request(
    cycle: &Cycle,
    phase: Phase,
    pending: &[submission::Model],
) -> Result<Result<Vec<u8>, Vec<(i32, String)>>, DbErr> {
    let engine = engine_config(cycle, phase);
    let labs = store::lab_sessions(&cycle.db, pending.iter().map(|p| p.lab_session_id)).await?;
    let mut problems = Vec::new();
    let encoded = match phase {
        Phase::Stt => {
            let items = pending
                .iter()
                .map(|p| SttItem {
                    id: i64::from(p.id),
                    audio: p.audio_path.clone().into(),
                    language: labs.get(&p.lab_session_id).map(|l| l.language.clone()),
                })
                .collect();
            serde_json::to_vec(&Request {
                version: PROTOCOL_VERSION,
                model: engine.model.clone(),
                gpu_lock: cycle.gpu_lock.clone(),
                threads: engine.threads,
                use_gpu: engine.use_gpu,
                settings: SttSettings {},
                items,
            })
        }
        Phase::Evaluation => {
            let transcripts =
                store::transcripts(&cycle.db, &pending.iter().map(|p| p.id).collect::<Vec<_>>())
                    .await?;
            let mut items = Vec::new();
            for p in pending {
                let lab = labs.get(&p.lab_session_id);
                match (lab, transcripts.get(&p.id)) {
                    (Some(lab), Some(t)) => items.push(EvalItem {
                        id: i64::from(p.id),
                        transcript: t.text.clone(),
                        instructions: lab.instructions.clone(),
                        rubric: lab.rubric.clone(),
                    }),
                    _ => problems.push((p.id, "its lab session's rubric could not be read".into())),
                }
            }
            serde_json::to_vec(&Request {
                version: PROTOCOL_VERSION,
                model: engine.model.clone(),
                gpu_lock: cycle.gpu_lock.clone(),
                threads: engine.threads,
                use_gpu: engine.use_gpu,
                settings: EvalSettings {
                    seed: cycle.config.eval_seed,
                    parallel: true,
                },
                items,
            })
        }
    };
    if !problems.is_empty() {
        return Ok(Err(problems));
    }
    encoded
        .map(Ok)
        .map_err(|e| DbErr::Custom(format!("cannot encode an engine request: {e}")))
}
