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
    // A term the fit would make negative is left out: many more items in less time. (A
    // gentler slope is not negative any more: the prior keeps a small cost per item.)
    let shrinking = [
        ([1.0, 10.0], 9_000.0),
        ([1.0, 20.0], 5_000.0),
        ([1.0, 30.0], 1_000.0),
    ];
    let [fixed, item] = shrunk(&shrinking).unwrap();
    assert_eq!(item, 0.0);
    // Alone, the fixed cost is the samples' weighted mean (newer ones weigh more).
    assert!(near(fixed, 4_806.6, 0.001), "{fixed}");
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
fn two_samples_move_the_even_split_only_as_far_as_their_noise_allows() {
    // A phase of ten short recordings and one of four long ones: fixed, per item and per
    // second each explain part of both, within what one sample's noise leaves in doubt.
    let rows = [
        ([1.0, 10.0, 162.0], 58_000.0),
        ([1.0, 4.0, 205.0], 38_400.0),
    ];
    let costs = shrunk(&rows).unwrap();
    assert!(costs.iter().all(|c| *c > 0.0), "{costs:?}");
    // Nearer both than the even split alone (which misses them by 9 % and 12 %).
    let missed: f64 = rows
        .iter()
        .map(|(x, y)| (dot(&costs, x) - y).abs() / y)
        .sum();
    assert!(missed < 0.12, "{missed}: {costs:?}");
    // Alike samples still split, and a term both lack costs nothing.
    let alike = shrunk(&[([1.0, 10.0], 5.0), ([2.0, 20.0], 10.0)]).unwrap();
    assert!(alike.iter().all(|c| *c > 0.0), "{alike:?}");
    let no_speech = shrunk(&[([1.0, 10.0, 0.0], 60.0), ([1.0, 4.0, 0.0], 30.0)]).unwrap();
    assert_eq!(no_speech[2], 0.0);
}

#[test]
fn many_samples_outweigh_the_even_split() {
    // Twelve phases (as many as are kept) of 20 s plus 1 s an item: the prior that each term
    // carries half of a phase fades, and the costs come out close to what was measured.
    let rows: Vec<([f64; 2], f64)> = [3.0, 10.0, 6.0, 1.0, 8.0, 4.0, 10.0, 2.0, 7.0, 5.0, 9.0, 6.0]
        .iter()
        .map(|&n| ([1.0, n], 20_000.0 + 1_000.0 * n))
        .collect();
    let [fixed, item] = shrunk(&rows).unwrap();
    assert!(near(fixed, 20_000.0, 0.1), "{fixed}");
    for n in [1.0, 5.0, 10.0] {
        assert!(
            near(fixed + item * n, 20_000.0 + 1_000.0 * n, 0.05),
            "{fixed} {item}"
        );
    }
    // Two of them leave the split in doubt: it is drawn towards the even one.
    let [fixed_two, item_two] = shrunk(&rows[..2]).unwrap();
    assert!(fixed_two < 0.95 * 20_000.0, "{fixed_two}");
    assert!(item_two > 1.1 * 1_000.0, "{item_two}");
}

#[test]
fn a_negative_cost_is_refused_and_a_ratio_is_robust() {
    let rows = [([1.0, 2.0], 10.0), ([1.0, 4.0], 4.0), ([1.0, 6.0], 0.0)];
    assert_eq!(robust(&rows), None);
    let ratios = [(10.0, 100.0), (20.0, 200.0), (10.0, 5_000.0)];
    assert_eq!(ratio(&ratios), Some(10.0));
}
