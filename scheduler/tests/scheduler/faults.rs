//! Crashed, killed and stuck engines: real processes, really killed.

use std::time::Duration;

use domain::entities::engine_run::{EngineOutcome, Phase};
use domain::entities::submission::SubmissionState;
use domain::status::SchedulerHandle;
use scheduler::{ManualClock, Scheduler};
use serde_json::json;

use crate::support::{all_finished, kill_9, lab, wait_for};

const WITHIN: Duration = Duration::from_secs(120);

/// Waits until an engine process not among `seen` is transcribing `submission`; its pid.
async fn next_engine_transcribing(handle: &SchedulerHandle, submission: i32, seen: &[u32]) -> u32 {
    let snapshot = wait_for(handle, WITHIN, |s| {
        s.current.as_ref().is_some_and(|c| {
            let transcribing = c.items.iter().any(|i| {
                i.owner.submission_id == submission && i.state == SubmissionState::Transcribing
            });
            let pid = c.engine.as_ref().and_then(|e| e.pid);
            transcribing && pid.is_some_and(|p| !seen.contains(&p))
        })
    })
    .await;
    let engine = snapshot.current.as_ref().unwrap().engine.as_ref().unwrap();
    engine.pid.unwrap()
}

#[tokio::test]
async fn an_engine_killed_mid_item_is_retried_once_then_the_item_fails_and_the_batch_goes_on() {
    let lab = lab(3).await;
    let ids = lab.enqueue_silent(3).await;
    let victim = ids[0];
    let config = lab.fake_config(10, 0.0, json!({"load_ms": 10, "item_ms": 1500}));
    let scheduler = Scheduler::start(lab.db.clone(), config, lab.dir.path());
    let handle = scheduler.handle();
    let mut killed = Vec::new();
    for _ in 0..2 {
        let pid = next_engine_transcribing(&handle, victim, &killed).await;
        kill_9(pid);
        killed.push(pid);
    }
    wait_for(&handle, WITHIN, all_finished(&ids)).await;
    scheduler.stop().await;

    let failed = lab.submission(victim).await;
    assert_eq!(failed.state, SubmissionState::Failed);
    assert_eq!(failed.stt_crashes, 2);
    let reason = failed.failure_reason.unwrap();
    assert!(
        reason.contains("failed twice") && reason.contains("signal: 9"),
        "{reason}"
    );
    for id in &ids[1..] {
        assert_eq!(lab.submission(*id).await.state, SubmissionState::Evaluated);
    }
    let outcomes: Vec<(Phase, Option<EngineOutcome>, i32)> = lab
        .runs()
        .await
        .into_iter()
        .map(|(_, r)| (r.phase, r.outcome, r.items))
        .collect();
    assert_eq!(
        outcomes,
        [
            (Phase::Stt, Some(EngineOutcome::Crashed), 3),
            (Phase::Stt, Some(EngineOutcome::Crashed), 3),
            (Phase::Stt, Some(EngineOutcome::Finished), 2),
            (Phase::Evaluation, Some(EngineOutcome::Finished), 2),
        ]
    );
}

#[tokio::test]
async fn an_engine_that_crashes_by_itself_is_handled_like_a_kill() {
    let lab = lab(2).await;
    let a = lab.enqueue(0, &lab.silent_wav("a", 1, "x")).await;
    let b = lab.enqueue(1, &lab.silent_wav("b", 1, "y")).await;
    let config = lab.fake_config(10, 0.0, json!({"item_ms": 5, "crash": [b]}));
    let scheduler = Scheduler::start(lab.db.clone(), config, lab.dir.path());
    wait_for(&scheduler.handle(), WITHIN, all_finished(&[a, b])).await;
    scheduler.stop().await;
    assert_eq!(lab.submission(a).await.state, SubmissionState::Evaluated);
    let crashed = lab.submission(b).await;
    assert_eq!(crashed.state, SubmissionState::Failed);
    let reason = crashed.failure_reason.unwrap();
    assert!(
        reason.contains("speech-to-text engine failed twice"),
        "{reason}"
    );
    // The admin reads the exit status and the end of what the engine wrote to stderr.
    assert!(reason.contains("signal: 6"), "{reason}");
    assert!(
        reason.contains(&format!("crashing on item {b} as scripted")),
        "{reason}"
    );
}

#[tokio::test]
async fn an_engine_that_hangs_is_killed_at_the_item_timeout() {
    let lab = lab(2).await;
    let a = lab.enqueue(0, &lab.silent_wav("a", 1, "x")).await;
    let b = lab.enqueue(1, &lab.silent_wav("b", 1, "y")).await;
    let mut config = lab.fake_config(10, 0.0, json!({"item_ms": 5, "hang": [a]}));
    config.stt.item_timeout_secs = 60;
    // The minute without progress passes on the scheduler's clock, not in real time.
    let time = ManualClock::starting_now();
    let scheduler =
        Scheduler::start_with_clock(lab.db.clone(), config, lab.dir.path(), time.clock());
    let handle = scheduler.handle();
    let mut hung_in = Vec::new();
    for _ in 0..2 {
        let pid = next_engine_transcribing(&handle, a, &hung_in).await;
        hung_in.push(pid);
        time.advance(Duration::from_secs(61));
    }
    wait_for(&handle, WITHIN, all_finished(&[a, b])).await;
    scheduler.stop().await;

    let hung = lab.submission(a).await;
    assert_eq!(hung.state, SubmissionState::Failed);
    let reason = hung.failure_reason.unwrap();
    assert!(reason.contains("no progress for 60 s"), "{reason}");
    assert_eq!(lab.submission(b).await.state, SubmissionState::Evaluated);
    let runs = lab.runs().await;
    assert_eq!(runs[0].1.outcome, Some(EngineOutcome::TimedOut));
    assert_eq!(runs[1].1.outcome, Some(EngineOutcome::TimedOut));
}

#[tokio::test]
async fn a_missing_engine_binary_fails_the_items_with_the_reason() {
    let lab = lab(1).await;
    let id = lab.enqueue(0, &lab.silent_wav("a", 1, "x")).await;
    let mut config = lab.fake_config(10, 0.0, json!({}));
    config.stt.program = "/nonexistent/viva-stt".into();
    let scheduler = Scheduler::start(lab.db.clone(), config, lab.dir.path());
    wait_for(&scheduler.handle(), WITHIN, all_finished(&[id])).await;
    scheduler.stop().await;
    let failed = lab.submission(id).await;
    assert_eq!(failed.state, SubmissionState::Failed);
    let reason = failed.failure_reason.unwrap();
    assert!(
        reason.contains("cannot start /nonexistent/viva-stt"),
        "{reason}"
    );
}

#[tokio::test]
async fn stopping_the_scheduler_mid_item_leaves_the_item_to_resume() {
    let lab = lab(2).await;
    let a = lab.enqueue(0, &lab.silent_wav("a", 1, "x")).await;
    let b = lab.enqueue(1, &lab.silent_wav("b", 1, "y")).await;
    let slow = lab.fake_config(10, 0.0, json!({"item_ms": 60000}));
    let scheduler = Scheduler::start(lab.db.clone(), slow, lab.dir.path());
    wait_for(&scheduler.handle(), WITHIN, |s| {
        s.current.as_ref().is_some_and(|c| {
            c.items
                .iter()
                .any(|i| i.state == SubmissionState::Transcribing)
        })
    })
    .await;
    scheduler.stop().await;
    assert_eq!(lab.submission(a).await.state, SubmissionState::InBatch);
    assert_eq!(
        lab.submission(a).await.stt_crashes,
        0,
        "a shutdown is not a crash"
    );
    assert_eq!(
        lab.runs().await[0].1.outcome,
        Some(EngineOutcome::Interrupted)
    );

    let quick = lab.fake_config(10, 0.0, json!({"item_ms": 5}));
    let scheduler = Scheduler::start(lab.db.clone(), quick, lab.dir.path());
    wait_for(&scheduler.handle(), WITHIN, all_finished(&[a, b])).await;
    scheduler.stop().await;
    assert_eq!(lab.submission(a).await.state, SubmissionState::Evaluated);
    assert_eq!(lab.submission(b).await.state, SubmissionState::Evaluated);
    let seqs: Vec<i32> = lab.runs().await.iter().map(|(seq, _)| *seq).collect();
    assert_eq!(seqs, [1, 1, 1], "the same batch resumed");
}
