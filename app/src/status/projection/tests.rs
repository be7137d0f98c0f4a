//! The projection is the privacy boundary of live status: one snapshot holds every student's
//! name, and each role may see only its share. Two lab sessions of two instructors share the
//! GPU here, with three students, so every test has someone it must not see.

use std::collections::BTreeSet;

use domain::entities::engine_run::Phase;
use domain::entities::submission::SubmissionState;
use domain::status::{
    BatchItem, CurrentBatch, EngineInfo, Estimates, FinishedItem, Owner, QueuedItem, Snapshot,
};

use super::project;
use crate::dto::Role;
use crate::status::{GpuNow, PhaseName, Stage, StatusView};

const ADA: i32 = 1;
const BEA: i32 = 2;
const CAI: i32 = 3;
/// Teaches lab session 10 (Ada and Cai).
const TEACHER_10: i32 = 100;
/// Teaches lab session 20 (Bea).
const TEACHER_20: i32 = 200;
const ADMIN: i32 = 300;
const ENGINE_PID: u32 = 4242;

fn owner(submission_id: i32, student_id: i32) -> Owner {
    let (student_name, lab_session_id, instructor_id) = match student_id {
        ADA => ("Ada Lovelace", 10, TEACHER_10),
        BEA => ("Bea Other", 20, TEACHER_20),
        _ => ("Cai Third", 10, TEACHER_10),
    };
    Owner {
        submission_id,
        student_id,
        student_name: student_name.into(),
        lab_session_id,
        instructor_id,
        review_first: false,
    }
}

fn running(submission_id: i32, student_id: i32, state: SubmissionState) -> BatchItem {
    BatchItem {
        owner: owner(submission_id, student_id),
        state,
        needs_stt: true,
        duration_ms: 20_000,
        percent: 50,
        failure: None,
        results_ms: 30_000,
    }
}

fn queued(submission_id: i32, student_id: i32, batch_seq: i32, slot: u32) -> QueuedItem {
    QueuedItem {
        owner: owner(submission_id, student_id),
        needs_stt: true,
        duration_ms: 20_000,
        queued_ms: 1_000,
        batch_seq,
        slot,
        batch_items: 3,
        wait_ms: 60_000,
        results_ms: 120_000,
    }
}

fn finished(submission_id: i32, student_id: i32, failure: Option<&str>) -> FinishedItem {
    FinishedItem {
        owner: owner(submission_id, student_id),
        state: match failure {
            Some(_) => SubmissionState::Failed,
            None => SubmissionState::Evaluated,
        },
        failure: failure.map(str::to_owned),
        batch_seq: 0,
        finished_ms: 500,
    }
}

/// Batch 1 in its STT phase (Ada's and Bea's submissions), batches 2 and 3 waiting, and one
/// earlier result each for Ada (evaluated) and Bea (failed).
fn snapshot() -> Snapshot {
    Snapshot {
        at_ms: 5_000,
        batch_size: 3,
        paused: false,
        current: Some(CurrentBatch {
            batch_id: 1,
            seq: 1,
            phase: Phase::Stt,
            phase_started_ms: 2_000,
            items: vec![
                running(7101, ADA, SubmissionState::Transcribed),
                running(7201, BEA, SubmissionState::Transcribing),
            ],
            engine: Some(EngineInfo {
                run_id: 1,
                pid: Some(ENGINE_PID),
                model: "ggml-tiny.en.bin".into(),
                started_ms: 2_000,
                load_ms: Some(300),
            }),
            remaining_ms: 30_000,
        }),
        queue: vec![
            queued(7102, ADA, 2, 1),
            queued(7202, BEA, 2, 2),
            queued(7301, CAI, 2, 3),
            queued(7302, CAI, 3, 1),
        ],
        recent: vec![
            finished(7103, ADA, None),
            finished(7203, BEA, Some("Bea's recording could not be read")),
        ],
        estimates: Estimates::default(),
    }
}

fn json(view: &StatusView) -> String {
    serde_json::to_string(view).unwrap()
}

fn my_ids(view: &StatusView) -> BTreeSet<i32> {
    view.mine.iter().map(|i| i.submission_id).collect()
}

fn row_ids(view: &StatusView) -> BTreeSet<i32> {
    view.batches
        .iter()
        .flat_map(|b| &b.rows)
        .map(|r| r.submission_id)
        .collect()
}

#[test]
fn a_student_sees_only_their_own_submissions_and_no_one_elses_name_or_id() {
    let view = project(&snapshot(), ADA, Role::Student);
    assert_eq!(my_ids(&view), BTreeSet::from([7101, 7102, 7103]));
    assert!(view.batches.is_empty());
    assert!(view.admin.is_none());
    let sent = json(&view);
    for secret in [
        "Bea",
        "Cai",
        "7201",
        "7202",
        "7203",
        "7301",
        "7302",
        "could not be read",
    ] {
        assert!(!sent.contains(secret), "{secret:?} sent to Ada: {sent}");
    }
    for engine_detail in [ENGINE_PID.to_string(), "ggml".to_owned()] {
        assert!(!sent.contains(&engine_detail), "{sent}");
    }
}

#[test]
fn a_student_sees_where_each_of_their_submissions_is() {
    let view = project(&snapshot(), ADA, Role::Student);
    let stage = |id: i32| {
        &view
            .mine
            .iter()
            .find(|i| i.submission_id == id)
            .unwrap()
            .stage
    };
    // Batch progress is a count over the whole batch: nothing about whose items they are.
    assert_eq!(
        *stage(7101),
        Stage::Processing {
            batch: 1,
            phase: PhaseName::Stt,
            done: 1,
            total: 2,
            results_secs: 30,
        }
    );
    assert!(matches!(
        stage(7102),
        Stage::Waiting {
            batch: 2,
            slot: 1,
            of: 3,
            ..
        }
    ));
    assert_eq!(*stage(7103), Stage::Evaluated);
    assert!(matches!(
        view.gpu,
        GpuNow::Busy {
            batch: 1,
            phase: PhaseName::Stt,
            ..
        }
    ));
}

#[test]
fn a_graded_item_of_a_lab_that_reviews_first_awaits_review() {
    let mut held = snapshot();
    for r in held.recent.iter_mut() {
        r.owner.review_first = true;
    }
    let ada = project(&held, ADA, Role::Student);
    let stage = |id| {
        ada.mine
            .iter()
            .find(|i| i.submission_id == id)
            .map(|i| &i.stage)
    };
    assert_eq!(stage(7103), Some(&Stage::AwaitingReview));
}

#[test]
fn a_students_failure_goes_to_that_student_only_in_words_for_students() {
    let bea = project(&snapshot(), BEA, Role::Student);
    assert_eq!(my_ids(&bea), BTreeSet::from([7201, 7202, 7203]));
    assert!(bea.mine.iter().any(|i| matches!(
        &i.stage,
        Stage::Failed { reason, advice }
            if reason == "We could not process your recording." && !advice.is_empty()
    )));
    // The raw reason (engine output, paths) is for admins.
    assert!(!json(&bea).contains("could not be read"));
    assert!(!json(&bea).contains("Ada"));
}

#[test]
fn a_student_with_nothing_queued_sees_only_what_the_gpu_does() {
    let view = project(&snapshot(), 99, Role::Student);
    assert!(view.mine.is_empty() && view.batches.is_empty() && view.admin.is_none());
    assert!(matches!(view.gpu, GpuNow::Busy { batch: 1, .. }));
}

#[test]
fn an_instructor_sees_only_rows_of_their_own_lab_sessions() {
    let view = project(&snapshot(), TEACHER_10, Role::Instructor);
    assert_eq!(row_ids(&view), BTreeSet::from([7101, 7102, 7301, 7302]));
    assert!(
        view.batches
            .iter()
            .flat_map(|b| &b.rows)
            .all(|r| r.lab_session_id == 10)
    );
    let batches: Vec<(i32, Option<PhaseName>)> =
        view.batches.iter().map(|b| (b.batch, b.running)).collect();
    assert_eq!(
        batches,
        [(1, Some(PhaseName::Stt)), (2, None), (3, None)],
        "every batch holding one of their students, in order"
    );
    assert!(view.mine.is_empty());
    assert!(view.admin.is_none());
    let sent = json(&view);
    for secret in ["Bea", "7201", "7202", "7203", "could not be read", "ggml"] {
        assert!(
            !sent.contains(secret),
            "{secret:?} sent to teacher 10: {sent}"
        );
    }
}

#[test]
fn an_instructor_whose_lab_sessions_have_nothing_queued_sees_no_batches() {
    let view = project(&snapshot(), 999, Role::Instructor);
    assert!(view.batches.is_empty() && view.mine.is_empty() && view.admin.is_none());
    let other = project(&snapshot(), TEACHER_20, Role::Instructor);
    assert_eq!(row_ids(&other), BTreeSet::from([7201, 7202]));
    assert!(!json(&other).contains("Ada") && !json(&other).contains("Cai"));
}

#[test]
fn an_admin_sees_every_batch_the_engine_and_the_failures() {
    let view = project(&snapshot(), ADMIN, Role::Admin);
    assert_eq!(
        row_ids(&view),
        BTreeSet::from([7101, 7201, 7102, 7202, 7301, 7302])
    );
    let admin = view.admin.as_ref().unwrap();
    let engine = admin.engine.as_ref().unwrap();
    assert_eq!(engine.pid, Some(ENGINE_PID));
    assert_eq!(engine.phase, PhaseName::Stt);
    assert_eq!(engine.running_secs, 3);
    assert_eq!(admin.queued, 4);
    let failures: Vec<(i32, &str)> = admin
        .recent_failures
        .iter()
        .map(|f| (f.submission_id, f.student.as_str()))
        .collect();
    assert_eq!(failures, [(7203, "Bea Other")]);
    assert!(
        view.mine.is_empty(),
        "an admin has no submissions of their own"
    );
}

#[test]
fn an_idle_gpu_is_shown_as_idle_to_everyone() {
    let idle = Snapshot::default();
    for role in [Role::Student, Role::Instructor, Role::Admin] {
        let view = project(&idle, 1, role);
        assert_eq!(view.gpu, GpuNow::Idle);
        assert!(view.mine.is_empty() && view.batches.is_empty());
    }
}
