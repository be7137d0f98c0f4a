//! Building the admin's screens from the domain's history.

use chrono::{DateTime, Utc};
use domain::admin::batches::{self, GpuTimeline};
use domain::admin::history::HistoryLine;
use domain::admin::runs::CriterionDiff;
use domain::entities::engine_run;
use domain::entities::scheduler_setting::RuntimeSettings;
use sea_orm::ActiveEnum;

use super::{
    BandView, BatchLine, DiffRow, EngineRunLine, FailureMark, GpuTimelineView, PhaseLine,
    SettingsForm, SubmissionLine,
};

pub fn when(at: DateTime<Utc>) -> String {
    at.format("%Y-%m-%d %H:%M:%S").to_string()
}

fn secs(ms: Option<i64>) -> String {
    ms.map_or_else(|| "—".into(), |ms| format!("{:.1} s", ms as f64 / 1000.0))
}

pub fn submission_line(line: &HistoryLine) -> SubmissionLine {
    let t = &line.timeline;
    let after = |at: Option<DateTime<Utc>>| at.map(|at| (at - t.queued_at).num_milliseconds());
    let steps = [
        ("STT start", t.stt_started_at),
        ("STT end", t.stt_ended_at),
        ("batch start", t.batch_started_at),
        ("evaluated", t.evaluated_at),
    ]
    .into_iter()
    .filter(|(_, at)| at.is_some())
    .map(|(name, at)| (name.to_owned(), secs(after(at))))
    .collect();
    let s = &line.submission;
    SubmissionLine {
        id: s.id,
        student: line.student.clone(),
        lab: line.lab_title.clone(),
        instructor: line.instructor.clone(),
        state: s.state.to_value(),
        batch: line.batch_seq,
        rerun: s.rerun_by.is_some(),
        queued_at: when(s.queued_at),
        steps,
        estimated_wait: secs(t.estimated_wait_ms),
        actual_wait: secs(t.actual_wait_ms()),
        estimated_results: secs(t.estimated_results_ms),
        actual_results: secs(t.actual_results_ms()),
        failure: s.failure_reason.clone(),
    }
}

pub fn engine_run_line(run: &engine_run::Model, batch_seq: i32) -> EngineRunLine {
    EngineRunLine {
        id: run.id,
        batch: batch_seq,
        phase: run.phase.to_value(),
        pid: run.pid.map_or_else(|| "—".into(), |p| p.to_string()),
        model: run.model.clone(),
        model_sha256: run.model_sha256.clone().unwrap_or_else(|| "—".into()),
        items: run.items,
        load_ms: run
            .load_ms
            .map_or_else(|| "—".into(), |ms| format!("{ms} ms")),
        outcome: run
            .outcome
            .map_or_else(|| "running".into(), |o| format!("{o:?}").to_lowercase()),
        detail: run.detail.clone().unwrap_or_default(),
    }
}

pub fn batch_line(line: &batches::BatchLine) -> BatchLine {
    let b = &line.batch;
    let phase = |name: &str, start: Option<DateTime<Utc>>, end: Option<DateTime<Utc>>| PhaseLine {
        phase: name.to_owned(),
        start: start.map_or_else(|| "—".into(), when),
        end: end.map_or_else(|| "—".into(), when),
        secs: match (start, end) {
            (Some(s), Some(e)) => secs(Some((e - s).num_milliseconds())),
            _ => "—".into(),
        },
    };
    BatchLine {
        seq: b.seq,
        formed_at: when(b.created_at),
        size: line.size,
        failed: line.failed,
        retries: line.retries(),
        phases: vec![
            phase("STT", b.stt_started_at, b.stt_ended_at),
            phase("Evaluation", b.eval_started_at, b.eval_ended_at),
        ],
        runs: line
            .runs
            .iter()
            .map(|r| engine_run_line(r, b.seq))
            .collect(),
    }
}

/// Lays the timeline out on 0–1000 up to `until`: from `since`, or from a little before the
/// first phase when the GPU did all its work later, so a quiet day's few batches fill the
/// width instead of a sliver at its end.
pub fn timeline(t: &GpuTimeline, since: DateTime<Utc>, until: DateTime<Utc>) -> GpuTimelineView {
    let first = t.bands.iter().map(|b| b.start).min().unwrap_or(since);
    let margin = ((until - first) / 20).max(chrono::Duration::seconds(5));
    let since = since.max(first - margin);
    let span = (until - since).num_milliseconds().max(1) as f64;
    let x = |at: DateTime<Utc>| {
        ((at - since).num_milliseconds() as f64 / span * 1000.0).clamp(0.0, 1000.0)
    };
    let bands = t
        .bands
        .iter()
        .map(|b| {
            let start = x(b.start);
            let end = x(b.end.unwrap_or(until));
            let phase = b.phase.to_value();
            BandView {
                title: format!("Batch {} · {} · {}", b.batch_seq, phase, when(b.start)),
                phase,
                batch: b.batch_seq,
                x: start,
                // A phase of a second still shows as a sliver.
                width: (end - start).max(1.5),
            }
        })
        .collect();
    let failures = t
        .failures
        .iter()
        .map(|f| FailureMark {
            x: x(f.at),
            title: format!(
                "{} engine {} at {}: {}",
                f.phase.to_value(),
                f.outcome
                    .map_or_else(String::new, |o| format!("{o:?}").to_lowercase()),
                when(f.at),
                f.detail.clone().unwrap_or_default()
            ),
        })
        .collect();
    GpuTimelineView {
        from: when(since),
        to: when(until),
        bands,
        failures,
    }
}

pub fn diff_row(d: &CriterionDiff) -> DiffRow {
    let points = |s: &Option<engine_protocol::Scored>| {
        s.as_ref()
            .map_or_else(|| "—".into(), |s| s.points.to_string())
    };
    let evidence = |s: &Option<engine_protocol::Scored>| {
        s.as_ref().map_or_else(String::new, |s| s.evidence.clone())
    };
    let comment = |s: &Option<engine_protocol::Scored>| {
        s.as_ref().map_or_else(String::new, |s| s.comment.clone())
    };
    DiffRow {
        criterion: d.criterion.clone(),
        left_points: points(&d.left),
        right_points: points(&d.right),
        left_evidence: evidence(&d.left),
        right_evidence: evidence(&d.right),
        left_comment: comment(&d.left),
        right_comment: comment(&d.right),
        points_changed: d.points_changed(),
        evidence_changed: d.evidence_changed(),
        comment_changed: d.comment_changed(),
    }
}

impl From<RuntimeSettings> for SettingsForm {
    fn from(s: RuntimeSettings) -> Self {
        Self {
            batch_size: s.batch_size,
            linger_secs: s.linger_secs,
            stt_model: s.stt_model,
            eval_model: s.eval_model,
            threads: s.threads,
            use_gpu: s.use_gpu,
            item_timeout_secs: s.item_timeout_secs,
            phase_timeout_secs: s.phase_timeout_secs,
        }
    }
}

impl From<SettingsForm> for RuntimeSettings {
    fn from(s: SettingsForm) -> Self {
        Self {
            batch_size: s.batch_size,
            linger_secs: s.linger_secs,
            stt_model: s.stt_model,
            eval_model: s.eval_model,
            threads: s.threads,
            use_gpu: s.use_gpu,
            item_timeout_secs: s.item_timeout_secs,
            phase_timeout_secs: s.phase_timeout_secs,
        }
    }
}
