//! What the estimates learn from phases that ran, live and again from history after a restart.

use std::time::Duration;

use domain::status::Estimates;
use scheduler::Scheduler;
use serde_json::json;

use crate::support::{all_finished, lab, wait_for};

const WITHIN: Duration = Duration::from_secs(120);

/// The STT cost of one second of audio, as the estimates tell it.
fn one_second_item_ms(e: &Estimates) -> f64 {
    e.stt_window_ms + e.stt_second_ms
}

#[tokio::test]
async fn an_item_costs_its_phase_and_answers_their_length_live_and_after_a_restart() {
    // Three batches of four: the third evaluation phase is measured against the fit of the
    // two before it.
    let lab = lab(12).await;
    let ids = lab.enqueue_silent(12).await;
    // The engine reports no time of its own for an item but 300 ms pass before each one, as
    // time passes between a real engine's items: the phase takes that long all the same.
    let script = json!({"load_ms": 10, "item_ms": 0, "between_ms": 300});
    let config = lab.fake_config(4, 0.0, script);
    let scheduler = Scheduler::start(lab.db.clone(), config.clone(), lab.dir.path());
    let live = wait_for(&scheduler.handle(), WITHIN, all_finished(&ids)).await;
    scheduler.stop().await;
    let live_ms = one_second_item_ms(&live.estimates);
    assert!((250.0..1_000.0).contains(&live_ms), "{:?}", live.estimates);

    // A restart learns from the stored history what the running scheduler had learned.
    let restarted = Scheduler::start(lab.db.clone(), config, lab.dir.path());
    // The first snapshot with estimates (the status before it holds none): its model loads
    // are learned from history too.
    let replayed = wait_for(&restarted.handle(), WITHIN, |s| {
        s.estimates.stt_load_ms > 0.0
    })
    .await;
    restarted.stop().await;
    let replayed_ms = one_second_item_ms(&replayed.estimates);
    assert!(
        (replayed_ms - live_ms).abs() < 100.0,
        "live {live_ms} ms, replayed {replayed_ms} ms"
    );
    // The answers' typical length, from what the engine wrote (evidence, comments, feedback).
    let answers = live.estimates.answer_chars;
    assert!(
        answers >= "fake gradefake feedback".len() as f64,
        "{answers}"
    );
    assert_eq!(replayed.estimates.answer_chars, answers);
    let (live_ratios, replayed_ratios) =
        (&live.estimates.eval_ratios, &replayed.estimates.eval_ratios);
    assert_eq!(live_ratios.len(), 1, "{live_ratios:?}");
    assert_eq!(replayed_ratios.len(), 1, "{replayed_ratios:?}");
    assert!(
        (live_ratios[0] - replayed_ratios[0]).abs() < 0.1,
        "live {live_ratios:?}, replayed {replayed_ratios:?}"
    );
}
