use super::*;

#[test]
fn three_terms_are_recovered_and_one_far_off_sample_is_left_out() {
    let mut rows: Vec<([f64; 3], f64)> = [
        (2.0, 30.0),
        (5.0, 160.0),
        (10.0, 200.0),
        (3.0, 90.0),
        (8.0, 300.0),
    ]
    .iter()
    .map(|&(n, s)| ([1.0, n, s], 4_000.0 + 500.0 * n + 300.0 * s))
    .collect();
    for (n, s) in [(7.0, 50.0), (9.0, 250.0), (1.0, 20.0)] {
        rows.push(([1.0, n, s], 4_000.0 + 500.0 * n + 300.0 * s));
    }
    rows.push(([1.0, 6.0, 100.0], 400_000.0));
    rows.push(([1.0, 4.0, 120.0], 4_000.0 + 2_000.0 + 36_000.0));
    let [c, d, g] = robust(&rows).unwrap();
    assert!((c - 4_000.0).abs() < 1.0, "{c}");
    assert!((d - 500.0).abs() < 0.1, "{d}");
    assert!((g - 300.0).abs() < 0.01, "{g}");
}

#[test]
fn a_shrunk_fit_keeps_the_part_paid_once_when_one_large_sample_ran_slow() {
    // Five evaluation phases as one run measured them (fixed, items, seconds of speech,
    // characters written → ms): the first, ten items with long answers, ran slow. Plain
    // least squares needs a negative cost, so all of it went per item, and a lone item was
    // priced at a tenth of ten.
    let rows = [
        ([1.0, 10.0, 162.0, 1559.0], 62_200.0),
        ([1.0, 4.0, 205.0, 234.0], 20_600.0),
        ([1.0, 3.0, 80.0, 180.0], 22_000.0),
        ([1.0, 5.0, 118.0, 594.0], 24_100.0),
        ([1.0, 7.0, 204.0, 393.0], 27_700.0),
    ];
    let plain: Vec<Row<4>> = rows.iter().map(|&(x, y)| (x, y, 1.0)).collect();
    assert!(solve(&plain).unwrap().iter().any(|c| *c < 0.0));
    assert_eq!(robust(&rows), None);
    let costs = shrunk(&rows).unwrap();
    assert!(costs.iter().all(|c| *c >= 0.0), "{costs:?}");
    let one = dot(&costs, &[1.0, 1.0, 20.0, 60.0]);
    assert!(one > 62_200.0 / 10.0, "{one}: {costs:?}");
    // A term the fit would make negative is left out: more items in less time.
    let shrinking = [
        ([1.0, 10.0], 9_000.0),
        ([1.0, 20.0], 8_000.0),
        ([1.0, 30.0], 7_000.0),
    ];
    let [fixed, item] = shrunk(&shrinking).unwrap();
    assert_eq!(item, 0.0);
    assert!(near(fixed, 8_000.0, 0.01), "{fixed}");
}

fn near(got: f64, want: f64, share: f64) -> bool {
    (got - want).abs() <= share * want.abs()
}

#[test]
fn terms_the_samples_cannot_tell_apart_are_refused() {
    // Every batch of ten with the same speech: fixed, per item and per second are one.
    let same: Vec<([f64; 3], f64)> = (0..5)
        .map(|i| ([1.0, 10.0, 200.0], 60_000.0 + i as f64))
        .collect();
    assert_eq!(robust(&same), None);
    // Two sizes only, speech in proportion: per item and per second are one.
    let proportional: Vec<([f64; 2], f64)> = [(5.0, 100.0), (10.0, 200.0), (5.0, 100.0)]
        .iter()
        .map(|&(n, s)| ([n, s], 300.0 * s))
        .collect();
    assert_eq!(robust(&proportional), None);
}

#[test]
fn two_samples_split_the_cost_evenly_between_the_terms_they_allow() {
    // A phase of ten short recordings and one of four long ones: fixed, per item and per
    // second all explain part of it, and the split reproduces both.
    let rows = [
        ([1.0, 10.0, 162.0], 58_000.0),
        ([1.0, 4.0, 205.0], 38_400.0),
    ];
    let costs = even_split(&rows).unwrap();
    for (x, y) in rows {
        assert!((dot(&costs, &x) - y).abs() < 1e-6, "{costs:?}");
    }
    assert!(costs.iter().all(|c| *c > 0.0), "{costs:?}");
    // A term the split would make negative is left out, and the rest explain both: the
    // longer recordings took less per item, so their seconds cost nothing here.
    let negative = [
        ([1.0, 10.0, 100.0], 40_000.0),
        ([1.0, 4.0, 150.0], 18_000.0),
    ];
    assert!(even_split(&negative).unwrap().iter().any(|c| *c < 0.0));
    let kept = even_split_nonnegative(&negative).unwrap();
    assert!(kept.iter().all(|c| *c >= 0.0), "{kept:?}");
    assert_eq!(kept.iter().filter(|c| **c == 0.0).count(), 1, "{kept:?}");
    for (x, y) in negative {
        assert!((dot(&kept, &x) - y).abs() < 1e-6, "{kept:?}");
    }
    // More items in less time: the per-item cost would be negative, and the fixed one
    // left alone cannot be split from two samples.
    let shrinking = [([1.0, 10.0], 5_000.0), ([1.0, 20.0], 4_000.0)];
    assert_eq!(even_split_nonnegative(&shrinking), None);
    // Alike samples say nothing of a split; a term both lack costs nothing.
    assert_eq!(even_split(&[([1.0, 10.0], 5.0), ([2.0, 20.0], 10.0)]), None);
    let no_speech = even_split(&[([1.0, 10.0, 0.0], 60.0), ([1.0, 4.0, 0.0], 30.0)]).unwrap();
    assert_eq!(no_speech[2], 0.0);
    assert!((no_speech[0] + 10.0 * no_speech[1] - 60.0).abs() < 1e-9);
}

#[test]
fn a_negative_cost_is_refused_and_a_ratio_is_robust() {
    let rows = [([1.0, 2.0], 10.0), ([1.0, 4.0], 4.0), ([1.0, 6.0], 0.0)];
    assert_eq!(robust(&rows), None);
    let ratios = [(10.0, 100.0), (20.0, 200.0), (10.0, 5_000.0)];
    assert_eq!(ratio(&ratios), Some(10.0));
}
