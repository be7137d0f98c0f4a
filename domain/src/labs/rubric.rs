//! A rubric: the criteria a transcript is graded on. Parsed once, then trusted; stored as JSON
//! in the shape the evaluation engine reads.

use serde::{Deserialize, Serialize};

use crate::FieldError;

pub const MAX_CRITERIA: usize = 12;
pub const MAX_POINTS: u32 = 100;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Criterion {
    pub name: String,
    pub description: String,
    pub max_points: u32,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Rubric {
    pub criteria: Vec<Criterion>,
}

impl Rubric {
    /// Checks every rule and reports each broken one at its field (`criteria[2].name`).
    pub fn parse(criteria: Vec<Criterion>) -> Result<Self, Vec<FieldError>> {
        let mut errors = Vec::new();
        if criteria.is_empty() || criteria.len() > MAX_CRITERIA {
            errors.push(FieldError::new(
                "criteria",
                format!("a rubric needs 1 to {MAX_CRITERIA} criteria"),
            ));
        }
        let mut seen = std::collections::HashSet::new();
        let criteria: Vec<Criterion> = criteria
            .into_iter()
            .enumerate()
            .map(|(i, c)| {
                let name = c.name.trim().to_owned();
                if name.is_empty() {
                    errors.push(FieldError::new(
                        format!("criteria[{i}].name"),
                        "a criterion needs a name",
                    ));
                } else if !seen.insert(name.to_lowercase()) {
                    errors.push(FieldError::new(
                        format!("criteria[{i}].name"),
                        format!("\"{name}\" is already a criterion of this rubric"),
                    ));
                }
                if !(1..=MAX_POINTS).contains(&c.max_points) {
                    errors.push(FieldError::new(
                        format!("criteria[{i}].max_points"),
                        format!("points must be from 1 to {MAX_POINTS}"),
                    ));
                }
                Criterion {
                    name,
                    description: c.description.trim().to_owned(),
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

    pub fn max_total(&self) -> u32 {
        self.criteria.iter().map(|c| c.max_points).sum()
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
        ])
        .unwrap_err();
        let fields: Vec<_> = errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(
            fields,
            [
                "criteria[1].name",
                "criteria[1].max_points",
                "criteria[2].name",
                "criteria[2].max_points"
            ]
        );
        assert!(Rubric::parse(vec![]).is_err());
        assert!(Rubric::parse((0..13).map(|i| criterion(&format!("c{i}"), 1)).collect()).is_err());
    }

    #[test]
    fn a_valid_rubric_is_trimmed_and_totalled() {
        let rubric =
            Rubric::parse(vec![criterion(" Method ", 10), criterion("Result", 5)]).unwrap();
        assert_eq!(rubric.criteria[0].name, "Method");
        assert_eq!(rubric.max_total(), 15);
    }
}
