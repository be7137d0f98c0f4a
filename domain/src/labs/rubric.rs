//! The rules of a rubric, and the standard one. The type itself is `engine_protocol::Rubric`
//! (the engine reads it, the database stores it); this module decides what a valid one is.

use engine_protocol::{Criterion, Rubric};

use crate::FieldError;

pub const MAX_CRITERIA: usize = 20;
pub const MAX_POINTS: u32 = 100;
pub const MAX_NAME_CHARS: usize = 100;
pub const MAX_DESCRIPTION_BYTES: usize = 1024;

/// Domain rules for [`Rubric`], which lives in the engine protocol and so cannot carry them
/// as inherent methods: `use domain::labs::RubricRules` to write `Rubric::parse(…)`.
pub trait RubricRules: Sized {
    /// Checks every rule and reports each broken one at its field (`criteria[2].name`).
    fn parse(criteria: Vec<Criterion>) -> Result<Self, Vec<FieldError>>;
    /// What a new lab session starts with: method, result, and reasoning (10 points).
    fn standard() -> Self;
}

impl RubricRules for Rubric {
    fn parse(criteria: Vec<Criterion>) -> Result<Self, Vec<FieldError>> {
        let mut errors = Vec::new();
        if criteria.is_empty() || criteria.len() > MAX_CRITERIA {
            errors.push(FieldError::new(
                "criteria",
                format!("A rubric needs 1 to {MAX_CRITERIA} criteria."),
            ));
        }
        let mut seen = std::collections::HashSet::new();
        let criteria: Vec<Criterion> = criteria
            .into_iter()
            .enumerate()
            .map(|(i, c)| {
                let name = c.name.trim().to_owned();
                let description = c.description.trim().to_owned();
                if name.is_empty() {
                    errors.push(FieldError::new(
                        format!("criteria[{i}].name"),
                        "A criterion needs a name.",
                    ));
                } else if name.chars().count() > MAX_NAME_CHARS {
                    errors.push(FieldError::new(
                        format!("criteria[{i}].name"),
                        format!("A criterion's name has at most {MAX_NAME_CHARS} characters."),
                    ));
                } else if !seen.insert(name.to_lowercase()) {
                    errors.push(FieldError::new(
                        format!("criteria[{i}].name"),
                        format!("\"{name}\" is already a criterion of this rubric."),
                    ));
                }
                if description.len() > MAX_DESCRIPTION_BYTES {
                    errors.push(FieldError::new(
                        format!("criteria[{i}].description"),
                        format!("A description has at most {MAX_DESCRIPTION_BYTES} bytes (1 KiB)."),
                    ));
                }
                if !(1..=MAX_POINTS).contains(&c.max_points) {
                    errors.push(FieldError::new(
                        format!("criteria[{i}].max_points"),
                        format!("Points must be from 1 to {MAX_POINTS}."),
                    ));
                }
                Criterion {
                    name,
                    description,
                    max_points: c.max_points,
                }
            })
            .collect();
        if errors.is_empty() {
            Ok(Self { criteria })
        } else {
            Err(errors)
        }
    }

    fn standard() -> Self {
        let criterion = |name: &str, description: &str, max_points| Criterion {
            name: name.into(),
            description: description.into(),
            max_points,
        };
        Self {
            criteria: vec![
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
            ],
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn criterion(name: &str, max_points: u32) -> Criterion {
        Criterion {
            name: name.into(),
            description: String::new(),
            max_points,
        }
    }

    #[test]
    fn each_broken_rule_is_reported_at_its_field() {
        let errors = Rubric::parse(vec![
            criterion("Method", 10),
            criterion(" method ", 0),
            criterion("", 101),
            criterion(&"n".repeat(101), 5),
            Criterion {
                description: "d".repeat(1025),
                ..criterion("Long", 5)
            },
        ])
        .unwrap_err();
        let fields: Vec<_> = errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(
            fields,
            [
                "criteria[1].name",
                "criteria[1].max_points",
                "criteria[2].name",
                "criteria[2].max_points",
                "criteria[3].name",
                "criteria[4].description",
            ]
        );
        assert!(Rubric::parse(vec![]).is_err());
        let twenty: Vec<_> = (0..20).map(|i| criterion(&format!("c{i}"), 1)).collect();
        assert!(Rubric::parse(twenty.clone()).is_ok());
        let mut twenty_one = twenty;
        twenty_one.push(criterion("c20", 1));
        assert_eq!(Rubric::parse(twenty_one).unwrap_err()[0].field, "criteria");
    }

    #[test]
    fn a_valid_rubric_is_trimmed_and_totalled() {
        let rubric =
            Rubric::parse(vec![criterion(" Method ", 10), criterion("Result", 5)]).unwrap();
        assert_eq!(rubric.criteria[0].name, "Method");
        assert_eq!(rubric.max_total(), 15);
    }

    #[test]
    fn the_standard_rubric_keeps_its_own_rules() {
        let standard = Rubric::standard();
        assert_eq!(
            Rubric::parse(standard.criteria.clone()),
            Ok(standard.clone())
        );
        assert_eq!(standard.max_total(), 10);
    }
}
