//! The rubric lab sessions get by default.

use domain::labs::{Criterion, Rubric};

/// What the standard lab session asks students to explain.
pub const STANDARD_INSTRUCTIONS: &str = "Explain in two to five minutes what you measured, how \
    you measured it, what result you got, and how much you trust it.";

/// The CLI's standard rubric (`viva lab add`, the demo): Method 4, Result 4, Reasoning 2.
// TODO: `domain::labs::Rubric::standard()` once it exists, so there is one definition.
pub fn standard_rubric() -> Rubric {
    let criterion = |name: &str, description: &str, max_points| Criterion {
        name: name.into(),
        description: description.into(),
        max_points,
    };
    Rubric::parse(vec![
        criterion(
            "Method",
            "Explains how the measurement was set up and taken",
            4,
        ),
        criterion(
            "Result",
            "States the measured value with its unit and uncertainty",
            4,
        ),
        criterion(
            "Reasoning",
            "Explains why the result is plausible or where errors come from",
            2,
        ),
    ])
    .unwrap()
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_standard_rubric_is_worth_ten_points() {
        assert_eq!(super::standard_rubric().max_total(), 10);
    }
}
