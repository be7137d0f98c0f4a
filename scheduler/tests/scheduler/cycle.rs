//! The cycle's rules, with the scripted fake engine.

use std::time::Duration;

use domain::admin::reruns::{RerunMode, RerunRequest, RerunService, RerunTarget, RubricChoice};
use domain::entities::engine_run::{EngineOutcome, Phase};
use domain::entities::evaluation;
use domain::entities::submission::SubmissionState;
use domain::entities::transcript;
use domain::labs::{LabSessionService, NewLabSession};
use scheduler::{ManualClock, Scheduler, default_estimates};
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
use serde_json::json;

use crate::support::{all_finished, assert_phase_locked, lab, states, wait_for};

const WITHIN: Duration = Duration::from_secs(120);

#[tokio::test]
async fn phases_never_overlap_and_run_batch_by_batch() {
    let lab = lab(30).await;
    let mut ids = Vec::new();
    for i in 0..30 {
        let wav = lab.silent_wav(&format!("s{i}"), 1, &format!("talk {i}"));
        ids.push(lab.enqueue(i, &wav).await);
    }
    let config = lab.fake_config(10, 0.0, json!({"load_ms": 30, "item_ms": 5}));
    let scheduler = Scheduler::start(lab.db.clone(), config, lab.dir.path());
    wait_for(&scheduler.handle(), WITHIN, all_finished(&ids)).await;
    scheduler.stop().await;

    let runs = lab.runs().await;
    assert_phase_locked(&runs, 3);
    assert!(
        runs.iter()
            .all(|(_, r)| r.outcome == Some(EngineOutcome::Finished))
    );
    assert!(runs.iter().all(|(_, r)| r.items == 10 && r.pid.is_some()));
    let subs = lab.submissions().await;
    assert!(
        states(&subs)
            .iter()
            .all(|s| *s == SubmissionState::Evaluated)
    );
    // FIFO: the first ten queued made batch 1, and so on.
    let mut batch_of: Vec<i32> = subs.iter().map(|s| s.batch_id.unwrap()).collect();
    let sorted = {
        let mut b = batch_of.clone();
        b.sort();
        b
    };
    assert_eq!(batch_of, sorted);
    batch_of.dedup();
    assert_eq!(batch_of.len(), 3);
    assert_eq!(transcript::Entity::find().count(&lab.db).await.unwrap(), 30);
    assert_eq!(evaluation::Entity::find().count(&lab.db).await.unwrap(), 30);
}

#[tokio::test]
async fn waiting_students_see_their_batch_and_slot_and_later_batches_wait_longer() {
    let lab = lab(25).await;
    let mut ids = Vec::new();
    for i in 0..25 {
        let wav = lab.silent_wav(&format!("s{i}"), 1 + (i as u32 % 3), "talk");
        ids.push(lab.enqueue(i, &wav).await);
    }
    let config = lab.fake_config(10, 0.0, json!({"load_ms": 20, "item_ms": 100}));
    let scheduler = Scheduler::start(lab.db.clone(), config, lab.dir.path());
    let snapshot = wait_for(&scheduler.handle(), WITHIN, |s| {
        s.current.as_ref().is_some_and(|c| c.seq == 1) && s.queue.len() == 15
    })
    .await;
    let q = &snapshot.queue;
    assert_eq!((q[0].batch_seq, q[0].slot, q[0].batch_items), (2, 1, 10));
    assert_eq!((q[9].batch_seq, q[9].slot, q[9].batch_items), (2, 10, 10));
    assert_eq!((q[14].batch_seq, q[14].slot, q[14].batch_items), (3, 5, 5));
    assert!(
        q[10].wait_ms > q[9].wait_ms,
        "batch 3 starts after batch 2 ends"
    );
    assert!(q[10].wait_ms >= q[9].results_ms);
    assert!(q.iter().all(|i| i.results_ms > i.wait_ms));
    assert_eq!(q[0].owner.submission_id, ids[10]);
    wait_for(&scheduler.handle(), WITHIN, all_finished(&ids)).await;
    scheduler.stop().await;
}

#[tokio::test]
async fn a_batch_waits_for_the_linger_then_starts_with_what_it_has() {
    let lab = lab(2).await;
    let first = lab.enqueue(0, &lab.silent_wav("a", 1, "a")).await;
    let second = lab.enqueue(1, &lab.silent_wav("b", 1, "b")).await;
    let queued_at = lab.submission(first).await.queued_at;
    // The scheduler's clock starts when the oldest item was queued and moves only when told.
    let time = ManualClock::starting_at(queued_at);
    let config = lab.fake_config(10, 60.0, json!({"load_ms": 10, "item_ms": 5}));
    let scheduler =
        Scheduler::start_with_clock(lab.db.clone(), config, lab.dir.path(), time.clock());
    let handle = scheduler.handle();

    // The wait shown is the linger left (two students in a moment is no rate that fills ten
    // places within it), and the results come at least one batch's cost after it: later
    // still for the students expected to join meanwhile.
    let e = default_estimates();
    let batch_cost =
        (e.stt_load_ms + 2.0 * e.stt_window_ms + e.eval_load_ms + 2.0 * e.eval_item_ms) as u64;
    let snapshot = wait_for(&handle, WITHIN, |s| s.queue.len() == 2).await;
    assert_eq!(snapshot.queue[0].wait_ms, 60_000);
    assert!(snapshot.queue[0].results_ms >= 60_000 + batch_cost);

    time.advance(Duration::from_secs(59));
    handle.notify_queued();
    let snapshot = wait_for(&handle, WITHIN, |s| {
        s.queue.first().is_some_and(|q| q.wait_ms == 1_000)
    })
    .await;
    assert!(snapshot.current.is_none());
    assert!(
        lab.runs().await.is_empty(),
        "59 s into a 60 s linger, no engine has started"
    );

    time.advance(Duration::from_secs(1));
    wait_for(&handle, WITHIN, all_finished(&[first, second])).await;
    scheduler.stop().await;

    let runs = lab.runs().await;
    assert_eq!(runs.len(), 2, "one batch of two");
    assert_eq!(
        runs[0].1.started_at - queued_at,
        chrono::Duration::seconds(60),
        "the batch started when the linger ended, on the scheduler's clock"
    );
}

#[tokio::test]
async fn a_full_batch_starts_at_once_without_waiting_for_the_linger() {
    let lab = lab(3).await;
    let config = lab.fake_config(3, 3600.0, json!({"load_ms": 10, "item_ms": 5}));
    let scheduler = Scheduler::start(lab.db.clone(), config, lab.dir.path());
    let handle = scheduler.handle();
    let first = lab.enqueue(0, &lab.silent_wav("a", 1, "a")).await;
    handle.notify_queued();
    // The lone item is seen waiting (an hour's linger), not started.
    wait_for(&handle, WITHIN, |s| {
        s.queue.len() == 1 && s.current.is_none() && s.queue[0].owner.submission_id == first
    })
    .await;
    let mut ids = vec![first];
    for i in 1..3 {
        ids.push(
            lab.enqueue(i, &lab.silent_wav(&format!("s{i}"), 1, "x"))
                .await,
        );
        handle.notify_queued();
    }
    wait_for(&handle, WITHIN, all_finished(&ids)).await;
    scheduler.stop().await;
    let runs = lab.runs().await;
    assert_eq!(runs.len(), 2);
    assert!(runs.iter().all(|(seq, r)| *seq == 1 && r.items == 3));
}

#[tokio::test]
async fn a_rerun_is_evaluated_again_without_a_stt_phase() {
    let lab = lab(1).await;
    let id = lab.enqueue(0, &lab.silent_wav("a", 1, "my talk")).await;
    let config = lab.fake_config(10, 0.0, json!({"load_ms": 10, "item_ms": 5}));
    let scheduler = Scheduler::start(lab.db.clone(), config, lab.dir.path());
    let handle = scheduler.handle();
    wait_for(&handle, WITHIN, all_finished(&[id])).await;
    let transcript_before = transcript::Entity::find()
        .one(&lab.db)
        .await
        .unwrap()
        .unwrap();

    // The instructor changes the rubric before the re-run: the re-run is graded against
    // version 2, and the first evaluation keeps naming version 1.
    let current = LabSessionService::get(&lab.db, lab.lab_session)
        .await
        .unwrap();
    let mut rubric = current.rubric.clone();
    rubric.criteria[0].max_points = 5;
    let changed = NewLabSession {
        title: current.title.clone(),
        instructions: current.instructions.clone(),
        rubric,
        language: current.language.clone(),
        release_mode: current.release_mode,
        join_code: None,
        deadline: None,
    };
    LabSessionService::update(&lab.db, current.owner_id, current.id, changed)
        .await
        .unwrap();
    let rerun = |rubric| RerunRequest {
        target: RerunTarget::Submission(id),
        mode: RerunMode::EvaluationOnly,
        rubric,
        model: None,
        reason: "check".into(),
    };
    let outcome = RerunService::request(&lab.db, lab.students[0], &rerun(RubricChoice::Current))
        .await
        .unwrap();
    assert_eq!(outcome.queued, [id]);
    handle.notify_queued();
    wait_for(&handle, WITHIN, |s| {
        s.queue.is_empty() && s.current.is_none() && s.recent.iter().any(|r| r.batch_seq == 2)
    })
    .await;
    // Graded again against the rubric its first evaluation used.
    RerunService::request(&lab.db, lab.students[0], &rerun(RubricChoice::Original))
        .await
        .unwrap();
    handle.notify_queued();
    wait_for(&handle, WITHIN, |s| {
        s.queue.is_empty() && s.current.is_none() && s.recent.iter().any(|r| r.batch_seq == 3)
    })
    .await;
    scheduler.stop().await;

    let runs = lab.runs().await;
    let phases: Vec<(i32, Phase)> = runs.iter().map(|(seq, r)| (*seq, r.phase)).collect();
    assert_eq!(
        phases,
        [
            (1, Phase::Stt),
            (1, Phase::Evaluation),
            (2, Phase::Evaluation),
            (3, Phase::Evaluation)
        ]
    );
    let transcripts = transcript::Entity::find().all(&lab.db).await.unwrap();
    assert_eq!(
        transcripts,
        [transcript_before],
        "the transcript is not redone"
    );
    let evaluations = evaluation::Entity::find()
        .filter(evaluation::Column::SubmissionId.eq(id))
        .all(&lab.db)
        .await
        .unwrap();
    assert_eq!(
        evaluations.len(),
        3,
        "each re-run adds an evaluation beside the first"
    );
    assert_eq!(evaluations[1].reason.as_deref(), Some("check"));
    let versions: Vec<i32> = evaluations.iter().map(|e| e.rubric_version).collect();
    assert_eq!(
        versions,
        [1, 2, 1],
        "each evaluation names the rubric it was graded against"
    );
    assert_eq!(
        evaluations[2].result.criteria[0].points, evaluations[0].result.criteria[0].points,
        "graded against version 1 again, the first criterion has its old maximum"
    );
    // Each run names the engine process that made it, in the batch it ran in.
    for (evaluation, (seq, run)) in evaluations
        .iter()
        .zip(runs.iter().filter(|(_, r)| r.phase == Phase::Evaluation))
    {
        assert_eq!(evaluation.engine_run_id, Some(run.id), "batch {seq}");
        assert_eq!(evaluation.batch_size, Some(1));
        assert_eq!(
            evaluation.decoding.as_deref(),
            Some("greedy, grammar-constrained, a looping string closed")
        );
    }
    assert_eq!(lab.submission(id).await.state, SubmissionState::Evaluated);
}

#[tokio::test]
async fn a_submission_without_a_transcript_never_reaches_evaluation() {
    let lab = lab(3).await;
    let ids = lab.enqueue_silent(3).await;
    let script = json!({"item_ms": 5, "fail": {ids[1].to_string(): "no speech found"}});
    let config = lab.fake_config(10, 0.0, script);
    let scheduler = Scheduler::start(lab.db.clone(), config, lab.dir.path());
    wait_for(&scheduler.handle(), WITHIN, all_finished(&ids)).await;
    scheduler.stop().await;

    let failed = lab.submission(ids[1]).await;
    assert_eq!(failed.state, SubmissionState::Failed);
    assert_eq!(failed.failure_reason.as_deref(), Some("no speech found"));
    let runs = lab.runs().await;
    assert_eq!(runs[1].1.phase, Phase::Evaluation);
    assert_eq!(
        runs[1].1.items, 2,
        "only the two transcribed items are evaluated"
    );
    let graded = evaluation::Entity::find()
        .filter(evaluation::Column::SubmissionId.eq(ids[1]))
        .count(&lab.db)
        .await
        .unwrap();
    assert_eq!(graded, 0);
}
