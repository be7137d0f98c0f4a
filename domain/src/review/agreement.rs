//! How far the AI's draft is from the instructor's decision, per criterion: the numbers a lab
//! reads to decide whether its model is good enough.

use serde::{Deserialize, Serialize};

/// One criterion of one reviewed submission: the AI's points and the instructor's.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Pair {
    pub ai: u32,
    pub instructor: u32,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Agreement {
    pub criterion: String,
    pub max_points: u32,
    /// Reviewed submissions counted.
    pub reviewed: u32,
    /// Share with the very same points, 0..=100.
    pub exact_percent: f64,
    /// Mean of instructor − AI: negative when the AI is too generous, positive when too harsh.
    pub mean_adjustment: f64,
    /// Quadratic weighted kappa; none when it is undefined (fewer than two submissions, or
    /// both graders gave one and the same score throughout, so chance explains everything).
    pub kappa: Option<f64>,
}

pub fn agreement(criterion: &str, max_points: u32, pairs: &[Pair]) -> Agreement {
    let n = pairs.len() as f64;
    let exact = pairs.iter().filter(|p| p.ai == p.instructor).count() as f64;
    let adjustment: f64 = pairs
        .iter()
        .map(|p| f64::from(p.instructor) - f64::from(p.ai))
        .sum();
    Agreement {
        criterion: criterion.to_owned(),
        max_points,
        reviewed: u32::try_from(pairs.len()).unwrap_or(u32::MAX),
        exact_percent: if pairs.is_empty() {
            0.0
        } else {
            100.0 * exact / n
        },
        mean_adjustment: if pairs.is_empty() {
            0.0
        } else {
            adjustment / n
        },
        kappa: quadratic_weighted_kappa(max_points, pairs),
    }
}

/// Cohen's kappa with quadratic weights over the scores 0..=max_points:
/// 1 − Σ w·observed / Σ w·expected, where w = (i − j)² and expected comes from the two
/// graders' own score distributions.
pub fn quadratic_weighted_kappa(max_points: u32, pairs: &[Pair]) -> Option<f64> {
    if pairs.len() < 2 {
        return None;
    }
    let k = max_points as usize + 1;
    let mut observed = vec![vec![0.0; k]; k];
    let (mut ai, mut instructor) = (vec![0.0; k], vec![0.0; k]);
    for p in pairs {
        let (a, b) = (
            p.ai.min(max_points) as usize,
            p.instructor.min(max_points) as usize,
        );
        observed[a][b] += 1.0;
        ai[a] += 1.0;
        instructor[b] += 1.0;
    }
    let n = pairs.len() as f64;
    let (mut disagreement, mut by_chance) = (0.0, 0.0);
    for i in 0..k {
        for j in 0..k {
            let w = ((i as f64) - (j as f64)).powi(2);
            disagreement += w * observed[i][j];
            by_chance += w * ai[i] * instructor[j] / n;
        }
    }
    (by_chance > 0.0).then(|| 1.0 - disagreement / by_chance)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pairs(list: &[(u32, u32)]) -> Vec<Pair> {
        list.iter()
            .map(|&(ai, instructor)| Pair { ai, instructor })
            .collect()
    }

    #[test]
    fn perfect_agreement_is_kappa_one() {
        let a = agreement("Method", 4, &pairs(&[(0, 0), (2, 2), (4, 4), (3, 3)]));
        assert_eq!(a.exact_percent, 100.0);
        assert_eq!(a.mean_adjustment, 0.0);
        assert_eq!(a.kappa, Some(1.0));
    }

    #[test]
    fn kappa_matches_a_hand_computed_case() {
        // AI: 0,1,2 ; instructor: 0,2,2 over 0..=2. Observed w·O: (1−2)² = 1.
        // Marginals AI [1,1,1], instructor [1,0,2]; expected w·E = Σ w_ij a_i b_j / 3
        // = (0·1·1 + 4·1·2 + 1·1·1 + 1·1·2 + 4·1·1 + 0) / 3 = 15/3 = 5 → κ = 1 − 1/5.
        let k = quadratic_weighted_kappa(2, &pairs(&[(0, 0), (1, 2), (2, 2)]));
        assert!((k.unwrap_or(f64::NAN) - 0.8).abs() < 1e-9, "{k:?}");
    }

    #[test]
    fn a_generous_ai_shows_as_a_negative_adjustment() {
        let a = agreement("Results", 5, &pairs(&[(5, 3), (4, 3), (5, 5), (2, 2)]));
        assert_eq!(a.exact_percent, 50.0);
        assert_eq!(a.mean_adjustment, -0.75);
        assert!(a.kappa.is_some_and(|k| k < 1.0));
    }

    #[test]
    fn kappa_is_undefined_without_variation_or_data() {
        assert_eq!(quadratic_weighted_kappa(3, &pairs(&[(2, 2), (2, 2)])), None);
        assert_eq!(quadratic_weighted_kappa(3, &pairs(&[(1, 2)])), None);
        assert_eq!(agreement("x", 3, &[]).exact_percent, 0.0);
    }
}
