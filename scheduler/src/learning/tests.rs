use super::*;
use crate::estimates::fit_work_ms;

fn key() -> Key {
    ("m.bin".into(), 2)
}

fn answered(after_ms: f64, chars: f64) -> Answered {
    Answered { after_ms, chars }
}

/// Whether `got` is within `share` of `want`.
fn near(got: f64, want: f64, share: f64) -> bool {
    (got - want).abs() <= share * want.abs()
}

/// How far off `e` prices phases of (items, seconds of speech, characters written, work ms),
/// as a mean share of their work. The evaluation fit weighs a prior (an even split) against
/// the phases' noise (`fit::shrunk`), so even exact phases are priced only nearly.
fn mean_miss(e: &Estimates, phases: &[(f64, f64, f64, f64)]) -> f64 {
    let misses = phases.iter().map(|&(items, speech_s, written, work)| {
        let told = e.eval_fixed_ms
            + e.eval_item_ms * items
            + e.eval_second_ms * speech_s
            + e.eval_char_ms * written;
        (told - work).abs() / work
    });
    misses.sum::<f64>() / phases.len().max(1) as f64
}

/// `phases` of (items, seconds of speech) with nothing written, their work by `work`.
fn priced(phases: &[(u32, f64)], work: impl Fn(f64, f64) -> f64) -> Vec<(f64, f64, f64, f64)> {
    phases
        .iter()
        .map(|&(n, s)| (f64::from(n), s, 0.0, work(f64::from(n), s)))
        .collect()
}

/// Learns one evaluation phase per (items, seconds of speech, work ms), with nothing written.
fn learned_from_works(phases: &[(f64, f64, f64)]) -> Estimates {
    let mut learning = Learning::default();
    for &(items, speech_s, work) in phases {
        let load = EvalLoad { items, speech_s };
        learning.eval_phase(&key(), load, work, &[answered(1.0, 0.0)]);
    }
    learning.estimates(&key(), &key())
}

/// Learns one evaluation phase per (items, seconds of speech), its work given by `work`.
fn learned_from(phases: &[(u32, f64)], work: impl Fn(f64, f64) -> f64) -> Estimates {
    let phases: Vec<(f64, f64, f64)> = phases
        .iter()
        .map(|&(n, s)| (f64::from(n), s, work(f64::from(n), s)))
        .collect();
    learned_from_works(&phases)
}

#[test]
fn stt_cost_is_split_into_windows_and_seconds_and_one_slow_item_barely_moves_it() {
    let mut learning = Learning::default();
    // 800 ms a window and 40 ms a second of audio, 10 s to 60 s clips.
    for i in 0..20 {
        let audio_ms = 10_000 + (i * 2_500) as i64;
        let ms = 800.0 * windows(audio_ms) + 40.0 * audio_ms as f64 / 1000.0;
        learning.stt_item(&key(), audio_ms, ms);
    }
    learning.stt_item(&key(), 20_000, 50_000.0);
    let e = learning.estimates(&key(), &key());
    assert!((e.stt_window_ms - 800.0).abs() < 40.0, "{e:?}");
    assert!((e.stt_second_ms - 40.0).abs() < 3.0, "{e:?}");
}

/// Learns STT items of these lengths (ms of audio), each costing `cost(windows, seconds)`.
fn stt_learned(lengths: &[i64], cost: impl Fn(f64, f64) -> f64) -> Estimates {
    let mut learning = Learning::default();
    for &audio_ms in lengths {
        learning.stt_item(
            &key(),
            audio_ms,
            cost(windows(audio_ms), audio_ms as f64 / 1e3),
        );
    }
    learning.estimates(&key(), &key())
}

#[test]
fn stt_cost_that_follows_the_seconds_alone_is_charged_per_second() {
    // As beside a CPU-bound process: 260 ms a second, less 400 ms a window (so a fit of
    // both makes windows cost less than nothing), clips of 10-30 s and 45-60 s.
    let lengths = [10, 12, 14, 16, 18, 20, 24, 26, 28, 30, 45, 50, 55, 60].map(|s| s * 1_000);
    let cost = |w: f64, s: f64| 260.0 * s - 400.0 * w;
    let e = stt_learned(&lengths, cost);
    assert_eq!(e.stt_window_ms, 0.0, "{e:?}");
    for audio_ms in [10_000, 30_000, 60_000] {
        let want = cost(windows(audio_ms), audio_ms as f64 / 1e3);
        let told = crate::estimates::stt_item_ms(&e, audio_ms);
        assert!(
            near(told, want, 0.15),
            "{audio_ms} ms: told {told}, cost {want}"
        );
    }
}

#[test]
fn stt_samples_of_one_length_are_charged_per_window() {
    let e = stt_learned(&[20_000; 8], |_, _| 3_000.0);
    assert_eq!((e.stt_window_ms, e.stt_second_ms), (3_000.0, 0.0));
}

#[test]
fn the_first_measurement_replaces_the_default_and_a_load_outlier_is_ignored() {
    let mut learning = Learning::default();
    for ms in [900.0, 950.0, 20_000.0, 920.0] {
        learning.load(Phase::Evaluation, &key(), ms);
    }
    let four = EvalLoad {
        items: 4.0,
        speech_s: 100.0,
    };
    let after = [30_000.0, 30_000.0, 35_000.0, 40_000.0].map(|ms| answered(ms, 50.0));
    learning.eval_phase(&key(), four, 40_000.0, &after);
    let e = learning.estimates(&key(), &key());
    assert_eq!(e.eval_load_ms, 920.0);
    assert_eq!(
        (e.eval_fixed_ms, e.eval_item_ms, e.eval_second_ms),
        (0.0, 10_000.0, 0.0),
        "one batch: all of it per item"
    );
    assert_eq!(e.finish_fraction, 0.875);
    let other = learning.estimates(&key(), &("other.gguf".into(), 2));
    assert_eq!(
        other.eval_item_ms,
        defaults().eval_item_ms,
        "learned per model"
    );
}

#[test]
fn two_phases_that_differ_share_the_cost_among_fixed_per_item_and_per_second() {
    // A batch of ten and one of four long recordings, as a lab's first two batches (the
    // benchmark's warm-up, measured).
    let phases = [(10.0, 162.0, 58_000.0), (4.0, 205.0, 38_400.0)];
    let e = learned_from_works(&phases);
    let seen: Vec<_> = phases.iter().map(|&(n, s, w)| (n, s, 0.0, w)).collect();
    // The even split alone misses them by a tenth.
    assert!(
        mean_miss(&e, &seen) < 0.07,
        "both phases explained nearly: {e:?}"
    );
    assert!(e.eval_fixed_ms > 0.0 && e.eval_item_ms > 0.0 && e.eval_second_ms > 0.0);
    let one = fit_work_ms(&e, EvalLoad::of([20_000]));
    assert!(
        one > 10_000.0,
        "a lone item costs more than a tenth of ten: {one}"
    );
    let longer = EvalLoad {
        items: 10.0,
        speech_s: 280.0,
    };
    let ten_longer = fit_work_ms(&e, longer);
    assert!(
        ten_longer > 60_000.0,
        "longer transcripts cost more: {ten_longer}"
    );
    // Two alike cannot tell a split: each term carries a share, and the phase is explained.
    let alike = learned_from(&[(10, 162.0), (10, 162.0)], |n, s| 1_000.0 * n + 10.0 * s);
    assert!(
        alike.eval_fixed_ms > 0.0 && alike.eval_item_ms > 0.0,
        "{alike:?}"
    );
    let seen = priced(&[(10, 162.0)], |n, s| 1_000.0 * n + 10.0 * s);
    assert!(mean_miss(&alike, &seen) < 0.01, "{alike:?}");
}

#[test]
fn three_phases_tell_a_fixed_and_a_per_item_cost() {
    let phases = [(10, 162.0), (4, 205.0), (3, 60.0)];
    let work = |n: f64, _: f64| 20_000.0 + 4_000.0 * n;
    let e = learned_from(&phases, work);
    // Three phases move the even split most of the way to what they tell.
    assert!(mean_miss(&e, &priced(&phases, work)) < 0.1, "{e:?}");
    assert!(e.eval_fixed_ms > 0.25 * 60_000.0, "{e:?}");
    // Speech carries little (the even split alone would give it two thirds of the items').
    assert!(
        e.eval_second_ms * 162.0 < 0.4 * e.eval_item_ms * 10.0,
        "{e:?}"
    );
}

#[test]
fn batches_that_differ_price_their_work_and_charge_speech_its_cost() {
    let phases = [
        (2, 30.0),
        (5, 160.0),
        (10, 200.0),
        (3, 90.0),
        (8, 300.0),
        (6, 60.0),
    ];
    let work = |n: f64, s: f64| 4_000.0 + 1_500.0 * n + 300.0 * s;
    let e = learned_from(&phases, work);
    assert!(mean_miss(&e, &priced(&phases, work)) < 0.1, "{e:?}");
    // Speech carries most of it, as it did.
    assert!(near(e.eval_second_ms, 300.0, 0.2), "{e:?}");
}

#[test]
fn work_that_does_not_grow_with_speech_is_not_charged_to_it() {
    // Long answers decoded together: fixed plus per item, whatever the transcripts' length.
    let phases = [
        (10, 162.0),
        (4, 205.0),
        (3, 80.0),
        (9, 242.0),
        (10, 251.0),
        (8, 232.0),
    ];
    let work = |n: f64, _: f64| 18_000.0 + 6_000.0 * n;
    let e = learned_from(&phases, work);
    assert!(mean_miss(&e, &priced(&phases, work)) < 0.1, "{e:?}");
    // Speech (which goes with the items in most of these phases) carries well under half of
    // what they do (the even split alone would give it nearly as much).
    assert!(
        e.eval_second_ms * 251.0 < 0.6 * e.eval_item_ms * 10.0,
        "{e:?}"
    );
}

#[test]
fn without_recorded_lengths_evaluation_work_is_fixed_plus_per_item() {
    let phases = [(2, 0.0), (5, 0.0), (10, 0.0), (3, 0.0), (8, 0.0)];
    let work = |n: f64, _: f64| 4_000.0 + 1_500.0 * n;
    let e = learned_from(&phases, work);
    assert!(mean_miss(&e, &priced(&phases, work)) < 0.05, "{e:?}");
    assert_eq!(e.eval_second_ms, 0.0);
}

/// Learns an evaluation phase whose items' answers ran `answers` characters each.
fn learn_phase(learning: &mut Learning, speech_s: f64, answers: &[f64], work_ms: f64) {
    let load = EvalLoad {
        items: answers.len() as f64,
        speech_s,
    };
    let results: Vec<Answered> = answers.iter().map(|&c| answered(work_ms, c)).collect();
    learning.eval_phase(&key(), load, work_ms, &results);
}

#[test]
fn two_phases_whose_answers_differ_charge_the_long_answers_to_their_characters() {
    // The benchmark's warm-ups as one run measured them: ten short recordings whose answers
    // ran long (one to every field's limit), then four long recordings answered briefly.
    // Fixed, per item and per second alone would need a negative cost to explain both.
    let mut learning = Learning::default();
    let first: Vec<f64> = std::iter::once(508.0).chain([117.0; 9]).collect();
    let second = [58.0, 58.0, 59.0, 59.0];
    learn_phase(&mut learning, 162.0, &first, 51_200.0);
    learn_phase(&mut learning, 205.0, &second, 16_200.0);
    let e = learning.estimates(&key(), &key());
    assert!(e.eval_char_ms > 0.0 && e.eval_fixed_ms > 0.0, "{e:?}");
    assert!(e.eval_item_ms >= 0.0 && e.eval_second_ms >= 0.0, "{e:?}");
    let seen: Vec<_> = [(&first[..], 162.0, 51_200.0), (&second, 205.0, 16_200.0)]
        .iter()
        .map(|(answers, speech_s, work)| {
            let written: f64 = answers.iter().sum();
            (answers.len() as f64, *speech_s, written, *work)
        })
        .collect();
    // Within what two phases' noise leaves in doubt.
    assert!(mean_miss(&e, &seen) < 0.2, "{e:?}");
    assert!(
        (58.0..=117.0).contains(&e.answer_chars),
        "a typical answer: {e:?}"
    );
    // Ten items answered at the typical length cost less than the first phase did, and a
    // lone item more than a tenth of that: the shared prompt is paid once a phase.
    let ten = fit_work_ms(&e, EvalLoad::of([16_200; 10]));
    assert!(ten < 51_200.0, "{ten}");
    let one = fit_work_ms(&e, EvalLoad::of([16_200]));
    assert!(one > ten / 10.0, "{one} vs {ten}");
}

#[test]
fn the_characters_written_are_learned_apart_from_the_items_once_phases_differ() {
    // 8 s a phase and 20 ms a character, batches of 3 to 10 with answers of every length.
    let mut learning = Learning::default();
    let phases = [
        (10, 60.0),
        (4, 150.0),
        (3, 55.0),
        (6, 40.0),
        (5, 300.0),
        (8, 70.0),
        (6, 110.0),
    ];
    let mut seen = Vec::new();
    for (n, chars) in phases {
        let answers = vec![chars; n];
        let work = 8_000.0 + 20.0 * chars * n as f64;
        learn_phase(&mut learning, 30.0 * n as f64, &answers, work);
        seen.push((n as f64, 30.0 * n as f64, chars * n as f64, work));
    }
    let e = learning.estimates(&key(), &key());
    assert!(mean_miss(&e, &seen) < 0.1, "{e:?}");
    assert!(near(e.eval_char_ms, 20.0, 0.15), "{e:?}");
    // Items and speech carry less than the characters of a phase of six typical answers.
    let others = 6.0 * e.eval_item_ms + 180.0 * e.eval_second_ms;
    assert!(others < 6.0 * 110.0 * e.eval_char_ms, "{e:?}");
}

#[test]
fn one_answer_that_runs_to_every_limit_does_not_move_the_typical_length() {
    let mut learning = Learning::default();
    learn_phase(
        &mut learning,
        100.0,
        &[54.0, 60.0, 48.0, 508.0, 57.0],
        20_000.0,
    );
    let e = learning.estimates(&key(), &key());
    assert!((48.0..=60.0).contains(&e.answer_chars), "{e:?}");
}

#[test]
fn each_phase_is_measured_against_what_the_fit_estimated_before_it() {
    let mut learning = Learning::default();
    learn_phase(&mut learning, 100.0, &[50.0; 4], 20_000.0);
    learn_phase(&mut learning, 100.0, &[50.0; 4], 20_000.0);
    let two = learning.estimates(&key(), &key());
    assert!(
        two.eval_ratios.is_empty(),
        "a fit of one phase (all per item) says nothing of how the fit runs"
    );
    learn_phase(&mut learning, 100.0, &[50.0; 4], 20_000.0);
    learn_phase(&mut learning, 100.0, &[50.0; 4], 30_000.0);
    let e = learning.estimates(&key(), &key());
    // The same phase again ran as the fit of two estimated; the next took 30 s where the fit
    // of three estimated 20 s.
    assert_eq!(e.eval_ratios.len(), 2, "{e:?}");
    assert!((e.eval_ratios[0] - 1.0).abs() < 1e-6, "{e:?}");
    assert!((e.eval_ratios[1] - 1.5).abs() < 1e-6, "{e:?}");
}
