use std::collections::HashMap;

use chrono::{TimeZone, Utc};
use domain::status::Owner;

use super::*;
use crate::estimates::defaults;

const START: u64 = 1_000_000_000;

fn item(state: SubmissionState, needs_stt: bool) -> BatchItem {
    BatchItem {
        owner: Owner {
            submission_id: 1,
            student_id: 1,
            student_name: String::new(),
            lab_session_id: 1,
            instructor_id: 1,
            review_first: false,
        },
        state,
        needs_stt,
        duration_ms: 30_000,
        percent: 0,
        failure: None,
        results_ms: 0,
    }
}

fn batch(phase: Phase) -> LiveBatch {
    LiveBatch {
        batch_id: 1,
        seq: 1,
        phase,
        phase_started_ms: START,
        engine: None,
        percent: HashMap::new(),
        item_started_ms: None,
    }
}

fn estimates() -> Estimates {
    Estimates {
        stt_load_ms: 1_000.0,
        stt_window_ms: 2_000.0,
        stt_second_ms: 100.0,
        eval_load_ms: 500.0,
        eval_fixed_ms: 3_000.0,
        eval_item_ms: 1_000.0,
        eval_second_ms: 20.0,
        eval_char_ms: 10.0,
        answer_chars: 50.0,
        eval_ratios: Vec::new(),
        finish_fraction: 0.75,
        arrivals_per_min: 0.0,
        stream_ms: 0.0,
        mean_audio_ms: 30_000.0,
    }
}

/// The queue cut into batches of `batch_size`, each waiting `linger_ms` to fill.
fn shape(batch_size: u32, linger_ms: u64) -> QueueShape {
    QueueShape {
        batch_size,
        linger_ms,
    }
}

fn queued(id: i32, queued_ms: u64, audio_ms: i64) -> submission::Model {
    let at = Utc.timestamp_millis_opt(queued_ms as i64).single().unwrap();
    submission::Model {
        id,
        student_id: id,
        lab_session_id: 1,
        original_name: String::new(),
        media_path: None,
        media_sha256: None,
        audio_path: String::new(),
        duration_ms: audio_ms,
        attempt: 1,
        state: SubmissionState::Queued,
        batch_id: None,
        stt_crashes: 0,
        eval_crashes: 0,
        failure_reason: None,
        rerun_by: None,
        rerun_reason: None,
        rerun_rubric_version: None,
        rerun_model: None,
        retranscribe: None,
        failure_before_rerun: None,
        estimated_wait_ms: None,
        estimated_results_ms: None,
        queued_at: at,
        created_at: at,
        updated_at: at,
    }
}

#[test]
fn a_batch_in_its_stt_phase_costs_both_phases_and_counts_down_while_loading() {
    let e = estimates();
    let items = [
        item(SubmissionState::InBatch, true),
        item(SubmissionState::InBatch, true),
    ];
    // Load, two 30 s items (a window and 30 s each), then the evaluation of two (60 s of
    // speech, and two answers of the typical 50 characters).
    let stt = 1_000.0 + 2.0 * (2_000.0 + 3_000.0);
    let work = 3_000.0 + 2.0 * 1_000.0 + 60.0 * 20.0 + 2.0 * 50.0 * 10.0;
    let whole = stt + 500.0 + work;
    let b = batch(Phase::Stt);
    assert_eq!(time_left(&b, &items, &e, START).end_ms(&e), whole as u64);
    assert_eq!(
        time_left(&b, &items, &e, START + 500).end_ms(&e),
        whole as u64 - 500
    );
    // A result comes three quarters into the evaluation work, not at the batch's end.
    let result = stt + 500.0 + 0.75 * work;
    assert_eq!(
        time_left(&b, &items, &e, START).result_ms(&e),
        result as u64
    );
}

#[test]
fn the_running_evaluation_phase_is_told_as_the_phases_ahead_then_as_late_phases_ran_on() {
    let mut e = estimates();
    let items = [item(SubmissionState::Transcribed, false)];
    let b = batch(Phase::Evaluation);
    // One item of 30 s: 500 ms load, then 3 000 + 1 000 + 600 + 500 ms of work by the fit.
    let at = |into_work: f64| START + (500.0 + into_work) as u64;
    let left = |e: &Estimates, into_work: f64| time_left(&b, &items, e, at(into_work));
    let end = |e: &Estimates, into_work: f64| left(e, into_work).end_ms(e);
    assert_eq!(end(&e, 0.0), 5_100, "no history: the fit");
    assert_eq!(
        end(&e, 5_110.0),
        0,
        "no history, past the fit: it may end at any moment"
    );
    // Three phases of 1.5 scale the fit as the phases ahead are scaled: it counts down from
    // 7 650 ms, not from the fit's 5 100.
    e.eval_ratios = vec![1.5; 3];
    assert_eq!((end(&e, 0.0), end(&e, 6_000.0)), (7_650, 1_650));
    // Two phases, too few to scale the fit. At its end they ran on for 1 275 and 10 200 ms
    // more; weighed by their inverse, the nearer decides.
    e.eval_ratios = vec![1.25, 3.0];
    assert_eq!(end(&e, 5_100.0), 1_275);
    assert_eq!(
        end(&e, 15_400.0),
        0,
        "later than both: it may end at any moment"
    );
    // Five phases on time and three late (scale 1), 6 370 ms in: the late ones would end in
    // 5, 1 280 and 2 555 ms. The first weighs as a second (not 256 times the second's), so
    // it is not told 5 ms.
    e.eval_ratios = vec![1.0, 1.0, 1.0, 1.0, 1.0, 1.25, 1.5, 1.75];
    assert_eq!(
        end(&e, 4_000.0),
        1_100,
        "before the estimate's end, the estimate"
    );
    assert_eq!(end(&e, 6_370.0), 1_280);
    // Results come three quarters into the work; once even late phases' would have come,
    // by the end.
    e.eval_ratios = vec![1.25];
    let running = left(&e, 6_000.0);
    assert_eq!((running.result_ms(&e), running.end_ms(&e)), (375, 375));
}

#[test]
fn the_phases_ahead_are_scaled_by_how_recent_phases_ran_against_their_fit() {
    let shape = shape(2, 0);
    let mut e = estimates();
    let queue = [
        queued(1, START, 30_000),
        queued(2, START, 30_000),
        queued(3, START, 30_000),
    ];
    let stt = 1_000.0 + 2.0 * 5_000.0;
    let fit = 3_000.0 + 2.0 * 1_000.0 + 60.0 * 20.0 + 2.0 * 50.0 * 10.0;
    let next_waits = |e: &Estimates| plan_queue(&queue, &shape, e, 0.0, START, |_| true)[2].wait_ms;
    // Two phases that ran long are too few to scale every estimate by.
    e.eval_ratios = vec![1.25, 1.25];
    assert_eq!(next_waits(&e), (stt + 500.0 + fit) as u64);
    // From three, their median with the newer weighing more: the two newest decide.
    e.eval_ratios = vec![1.25, 1.25, 2.0, 2.0];
    assert_eq!(next_waits(&e), (stt + 500.0 + 2.0 * fit) as u64);
}

#[test]
fn a_batch_in_its_evaluation_phase_counts_down_to_zero() {
    let e = defaults();
    let items = [
        item(SubmissionState::Transcribed, false),
        item(SubmissionState::Failed, true),
    ];
    let eval = e.eval_load_ms + e.eval_item_ms;
    let b = batch(Phase::Evaluation);
    assert_eq!(
        time_left(&b, &items, &e, START + 3_000).end_ms(&e),
        eval as u64 - 3_000
    );
    assert_eq!(
        time_left(&b, &items, &e, START + eval as u64 + 1).end_ms(&e),
        0
    );
}

#[test]
fn a_batch_that_is_not_full_starts_when_students_arriving_fill_it_and_holds_them() {
    let shape = shape(6, 60_000);
    let mut e = estimates();
    // One student queued just now on an idle GPU.
    let queue = [queued(1, START, 30_000)];
    let alone = plan_queue(&queue, &shape, &e, 0.0, START, |_| true);
    assert_eq!(
        alone[0].wait_ms, 60_000,
        "nobody else comes: the linger ends"
    );

    // Five more are expected at one every 6 s (from a stream that has gone on for a minute):
    // the batch fills in 30 s, with six in it, each with a recording of the mean length.
    e.arrivals_per_min = 10.0;
    e.stream_ms = 60_000.0;
    let filling = plan_queue(&queue, &shape, &e, 0.0, START, |_| true);
    assert_eq!(filling[0].wait_ms, 30_000);
    let stt = 1_000.0 + 6.0 * 5_000.0;
    let eval = 500.0 + 0.75 * (3_000.0 + 6.0 * 1_000.0 + 180.0 * 20.0 + 6.0 * 50.0 * 10.0);
    assert_eq!(filling[0].results_ms, (30_000.0 + stt + eval) as u64);

    // Behind a busy GPU, the batch starts when the GPU is free.
    let busy = plan_queue(&queue, &shape, &e, 90_000.0, START, |_| true);
    assert_eq!(busy[0].wait_ms, 90_000);
}

#[test]
fn a_burst_of_uploads_is_not_expected_to_go_on_for_minutes() {
    let shape = shape(6, 0);
    let mut e = estimates();
    // Two items for a batch of six, behind 5 minutes of GPU work.
    let queue = [queued(1, START, 30_000), queued(2, START, 30_000)];
    let (own_stt, _) = batch_ms(&e, &[30_000, 30_000], EvalLoad::of([30_000, 30_000]));
    let results = |e: &Estimates| {
        plan_queue(&queue, &shape, e, 300_000.0, START, |_| true)[0].results_ms as f64
    };
    let costs = e.clone();
    let with = |joining: f64| {
        let graded = EvalLoad {
            items: 2.0 + joining,
            speech_s: 60.0 + joining * 30.0,
        };
        300_000.0 + own_stt + joining * 5_000.0 + result_in_eval_ms(&costs, graded)
    };
    // 24 a minute, but the uploads came within the last second: the stream is expected to
    // bring 0.4 students more, not to fill the batch over 5 minutes.
    e.arrivals_per_min = 24.0;
    e.stream_ms = 1_000.0;
    assert!((results(&e) - with(0.4)).abs() <= 1.0, "{}", results(&e));
    // The same rate from a class that has been uploading for two minutes fills it.
    e.stream_ms = 120_000.0;
    assert!((results(&e) - with(4.0)).abs() <= 1.0, "{}", results(&e));
    // As the stream is measured: 30 uploads within a second, seen at once, half a minute and
    // nearly two minutes later, never fill the batch.
    let burst: Vec<u64> = (0..30).rev().map(|i| START + i * 34).collect();
    for silence in [0, 30_000, 100_000] {
        let stream = crate::arrivals::current(&burst, START + 29 * 34 + silence);
        e.arrivals_per_min = stream.per_minute;
        e.stream_ms = stream.lasted_ms as f64;
        assert!(
            results(&e) < with(1.0),
            "{silence} ms after: {}",
            results(&e)
        );
    }
}

#[test]
fn full_batches_follow_each_other_without_waiting_for_arrivals() {
    let shape = shape(2, 60_000);
    let mut e = estimates();
    e.arrivals_per_min = 10.0;
    let queue = [
        queued(1, START, 30_000),
        queued(2, START, 30_000),
        queued(3, START, 30_000),
        queued(4, START, 30_000),
    ];
    let plans = plan_queue(&queue, &shape, &e, 0.0, START, |_| true);
    let eval = 3_000.0 + 2.0 * 1_000.0 + 60.0 * 20.0 + 2.0 * 50.0 * 10.0;
    let batch = 1_000.0 + 2.0 * 5_000.0 + 500.0 + eval;
    assert_eq!(plans[0].wait_ms, 0);
    assert_eq!(plans[2].wait_ms, batch as u64);
    assert_eq!((plans[3].batch, plans[3].slot), (1, 2));
}

#[test]
fn re_runs_with_another_llm_are_planned_in_a_batch_of_their_own() {
    let shape = shape(3, 0);
    let e = estimates();
    let mut other = queued(2, START, 30_000);
    other.rerun_model = Some("other.gguf".into());
    let queue = [
        queued(1, START, 30_000),
        other,
        queued(3, START, 30_000),
        queued(4, START, 30_000),
    ];
    let plans = plan_queue(&queue, &shape, &e, 0.0, START, |_| true);
    let cut: Vec<(i32, u32)> = plans.iter().map(|p| (p.batch, p.slot)).collect();
    assert_eq!(
        cut,
        [(0, 1), (1, 1), (0, 2), (0, 3)],
        "as Store::form_batch cuts it"
    );
    assert_eq!(plans[1].batch_items, 1);
    assert!(plans[1].wait_ms > plans[0].wait_ms);
}
