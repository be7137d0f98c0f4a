//! One user's share of the scheduler's snapshot. The only place a snapshot (which holds every
//! student's name) is turned into something sent to a browser.

use crate::dto::Role;
use domain::entities::engine_run::Phase;
use domain::entities::submission::SubmissionState;
use domain::status::{CurrentBatch, Owner, Snapshot};
use sea_orm::ActiveEnum;

use super::{
    AdminDetail, BatchRow, BatchView, EngineView, FailureView, GpuNow, MyItem, PhaseName, Stage,
    StatusView,
};

/// Finished submissions a student still sees in their status.
const RECENT_MINE: usize = 5;
const RECENT_FAILURES: usize = 20;

pub fn project(snapshot: &Snapshot, user_id: i32, role: Role) -> StatusView {
    let gpu = gpu_now(snapshot.current.as_ref());
    let mine = if role == Role::Student {
        mine(snapshot, user_id)
    } else {
        Vec::new()
    };
    let batches = match role {
        Role::Student => Vec::new(),
        Role::Instructor => batches(snapshot, |o| o.instructor_id == user_id),
        Role::Admin => batches(snapshot, |_| true),
    };
    let admin = (role == Role::Admin).then(|| admin(snapshot));
    StatusView {
        at_ms: snapshot.at_ms,
        gpu,
        paused: snapshot.paused,
        mine,
        batches,
        admin,
    }
}

fn phase_name(phase: Phase) -> PhaseName {
    match phase {
        Phase::Stt => PhaseName::Stt,
        Phase::Evaluation => PhaseName::Evaluation,
    }
}

/// Items of the batch past the running phase.
fn progress(batch: &CurrentBatch) -> (u32, u32) {
    let done = batch
        .items
        .iter()
        .filter(|i| match batch.phase {
            Phase::Stt => !matches!(
                i.state,
                SubmissionState::InBatch | SubmissionState::Transcribing
            ),
            Phase::Evaluation => i.state.is_final(),
        })
        .count();
    (count(done), count(batch.items.len()))
}

fn count(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

fn secs(ms: u64) -> u64 {
    ms.div_ceil(1000)
}

fn gpu_now(current: Option<&CurrentBatch>) -> GpuNow {
    match current {
        None => GpuNow::Idle,
        Some(batch) => {
            let (done, total) = progress(batch);
            GpuNow::Busy {
                batch: batch.seq,
                phase: phase_name(batch.phase),
                done,
                total,
            }
        }
    }
}

/// A student sees what they can act on, never the raw reason kept for admins.
fn failed(raw: &Option<String>) -> Stage {
    let failure = domain::submissions::student_failure(raw.as_deref().unwrap_or_default());
    Stage::Failed {
        reason: failure.message.to_owned(),
        advice: failure.advice.to_owned(),
    }
}

/// A graded item, as its student may see it.
fn graded(owner: &Owner) -> Stage {
    if owner.review_first {
        Stage::AwaitingReview
    } else {
        Stage::Evaluated
    }
}

fn mine(snapshot: &Snapshot, me: i32) -> Vec<MyItem> {
    let mut items = Vec::new();
    let item = |owner: &Owner, stage| MyItem {
        submission_id: owner.submission_id,
        lab_session_id: owner.lab_session_id,
        stage,
    };
    if let Some(batch) = &snapshot.current {
        let (done, total) = progress(batch);
        for i in batch.items.iter().filter(|i| i.owner.student_id == me) {
            let stage = match (&i.state, &i.failure) {
                (SubmissionState::Failed, failure) => failed(failure),
                (SubmissionState::Evaluated, _) => graded(&i.owner),
                _ => Stage::Processing {
                    batch: batch.seq,
                    phase: phase_name(batch.phase),
                    done,
                    total,
                    // Its own result, which may come before the batch's last one.
                    results_secs: secs(i.results_ms),
                },
            };
            items.push(item(&i.owner, stage));
        }
    }
    for q in snapshot.queue.iter().filter(|q| q.owner.student_id == me) {
        let stage = Stage::Waiting {
            batch: q.batch_seq,
            slot: q.slot,
            of: q.batch_items,
            needs_stt: q.needs_stt,
            wait_secs: secs(q.wait_ms),
            results_secs: secs(q.results_ms),
        };
        items.push(item(&q.owner, stage));
    }
    let finished = snapshot
        .recent
        .iter()
        .filter(|r| r.owner.student_id == me)
        .filter(|r| {
            !items
                .iter()
                .any(|i| i.submission_id == r.owner.submission_id)
        })
        .take(RECENT_MINE)
        .map(|r| {
            let stage = match r.state {
                SubmissionState::Failed => failed(&r.failure),
                _ => graded(&r.owner),
            };
            item(&r.owner, stage)
        })
        .collect::<Vec<_>>();
    items.extend(finished);
    items
}

fn batches(snapshot: &Snapshot, visible: impl Fn(&Owner) -> bool) -> Vec<BatchView> {
    let mut views = Vec::new();
    if let Some(batch) = &snapshot.current {
        let rows: Vec<BatchRow> = batch
            .items
            .iter()
            .filter(|i| visible(&i.owner))
            .map(|i| BatchRow {
                submission_id: i.owner.submission_id,
                student: i.owner.student_name.clone(),
                lab_session_id: i.owner.lab_session_id,
                state: i.state.to_value(),
                percent: i.percent,
            })
            .collect();
        if !rows.is_empty() {
            views.push(BatchView {
                batch: batch.seq,
                running: Some(phase_name(batch.phase)),
                results_secs: secs(batch.remaining_ms),
                rows,
            });
        }
    }
    for q in snapshot.queue.iter().filter(|q| visible(&q.owner)) {
        let row = BatchRow {
            submission_id: q.owner.submission_id,
            student: q.owner.student_name.clone(),
            lab_session_id: q.owner.lab_session_id,
            state: SubmissionState::Queued.to_value(),
            percent: 0,
        };
        match views.last_mut() {
            Some(view) if view.batch == q.batch_seq => view.rows.push(row),
            _ => views.push(BatchView {
                batch: q.batch_seq,
                running: None,
                results_secs: secs(q.results_ms),
                rows: vec![row],
            }),
        }
    }
    views
}

fn admin(snapshot: &Snapshot) -> AdminDetail {
    let e = &snapshot.estimates;
    let engine = snapshot.current.as_ref().and_then(|batch| {
        batch.engine.as_ref().map(|engine| EngineView {
            pid: engine.pid,
            model: engine.model.clone(),
            phase: phase_name(batch.phase),
            running_secs: snapshot.at_ms.saturating_sub(engine.started_ms) / 1000,
            load_ms: engine.load_ms,
        })
    });
    AdminDetail {
        engine,
        queued: count(snapshot.queue.len()),
        stt_load_ms: e.stt_load_ms as u64,
        stt_window_ms: e.stt_window_ms as u64,
        eval_load_ms: e.eval_load_ms as u64,
        eval_fixed_ms: e.eval_fixed_ms as u64,
        eval_item_ms: e.eval_item_ms as u64,
        eval_second_ms: e.eval_second_ms as u64,
        eval_char_ms: (e.eval_char_ms * 10.0).round() / 10.0,
        answer_chars: e.answer_chars as u64,
        recent_failures: snapshot
            .recent
            .iter()
            .filter(|r| r.state == SubmissionState::Failed)
            .take(RECENT_FAILURES)
            .map(|r| FailureView {
                submission_id: r.owner.submission_id,
                student: r.owner.student_name.clone(),
                reason: r.failure.clone().unwrap_or_default(),
            })
            .collect(),
    }
}

#[cfg(test)]
mod tests;
