//! Reading the model's answer back and checking it against the rubric before it counts.

use engine_protocol::{EvalItem, Evaluation, Scored};
use serde::Deserialize;

use crate::evidence;

#[derive(Deserialize)]
struct Answer {
    criteria: Vec<AnswerCriterion>,
    feedback: String,
}

#[derive(Deserialize)]
struct AnswerCriterion {
    criterion: String,
    points: u32,
    evidence: String,
    comment: String,
}

/// Facts about the run that every evaluation records.
pub struct Provenance<'a> {
    pub model: &'a str,
    pub seed: u32,
    pub parallel_sequences: u32,
}

pub fn validate(item: &EvalItem, text: &str, run: &Provenance) -> Result<Evaluation, String> {
    let answer: Answer = serde_json::from_str(text)
        .map_err(|e| format!("the model's answer is not the expected JSON ({e}): {text}"))?;
    let rubric = &item.rubric.criteria;
    if answer.criteria.len() != rubric.len() {
        return Err(format!(
            "the answer grades {} criteria, the rubric has {}",
            answer.criteria.len(),
            rubric.len()
        ));
    }
    let mut criteria = Vec::with_capacity(rubric.len());
    for (given, expected) in answer.criteria.into_iter().zip(rubric) {
        if given.criterion != expected.name {
            return Err(format!(
                "the answer grades {:?} where the rubric has {:?}",
                given.criterion, expected.name
            ));
        }
        if given.points > expected.max_points {
            return Err(format!(
                "{} points for {:?}, whose maximum is {}",
                given.points, expected.name, expected.max_points
            ));
        }
        criteria.push(Scored {
            evidence_verified: evidence::is_in(
                &crate::prompt::unescaped(&given.evidence),
                &item.transcript,
            ),
            criterion: given.criterion,
            points: given.points,
            evidence: given.evidence,
            comment: given.comment,
        });
    }
    Ok(Evaluation {
        total: criteria.iter().map(|c| c.points).sum(),
        criteria,
        feedback: answer.feedback,
        model: run.model.to_owned(),
        prompt_version: crate::prompt::PROMPT_VERSION.to_owned(),
        seed: run.seed,
        parallel_sequences: run.parallel_sequences,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use engine_protocol::{Criterion, Rubric};

    fn item() -> EvalItem {
        EvalItem {
            id: 1,
            transcript: "We timed ten swings of the pendulum.".into(),
            instructions: "Explain the pendulum lab.".into(),
            rubric: Rubric {
                criteria: vec![
                    Criterion {
                        name: "Method".into(),
                        description: "How".into(),
                        max_points: 5,
                    },
                    Criterion {
                        name: "Errors".into(),
                        description: "What".into(),
                        max_points: 3,
                    },
                ],
            },
        }
    }

    const RUN: Provenance = Provenance {
        model: "m.gguf",
        seed: 42,
        parallel_sequences: 2,
    };

    #[test]
    fn a_valid_answer_is_totalled_and_unfound_evidence_is_flagged() {
        let text = r#"{"criteria":[{"criterion":"Method","points":4,"evidence":"timed ten swings","comment":"ok"},
            {"criterion":"Errors","points":1,"evidence":"we measured errors","comment":"thin"}],"feedback":"Good."}"#;
        let e = validate(&item(), text, &RUN).unwrap();
        assert_eq!(e.total, 5);
        assert!(e.criteria[0].evidence_verified);
        assert!(!e.criteria[1].evidence_verified);
        assert_eq!(
            (e.seed, e.parallel_sequences, e.prompt_version.as_str()),
            (42, 2, "grade-v2")
        );
    }

    #[test]
    fn wrong_criteria_or_points_out_of_range_are_refused() {
        let missing = r#"{"criteria":[{"criterion":"Method","points":4,"evidence":"","comment":""}],"feedback":""}"#;
        assert!(
            validate(&item(), missing, &RUN)
                .unwrap_err()
                .contains("grades 1 criteria")
        );
        let too_many = r#"{"criteria":[{"criterion":"Method","points":6,"evidence":"","comment":""},
            {"criterion":"Errors","points":1,"evidence":"","comment":""}],"feedback":""}"#;
        assert!(
            validate(&item(), too_many, &RUN)
                .unwrap_err()
                .contains("maximum is 5")
        );
        assert!(validate(&item(), "{", &RUN).is_err());
    }
}
