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
        let (evidence_verified, evidence_ms) = locate(&given.evidence, item);
        criteria.push(Scored {
            evidence_verified,
            evidence_ms,
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

/// Whether `quote` is in the item's transcript, and the start of the segment it was spoken
/// in. With segments, the grammar built the quote from one of them: it must be found in one,
/// and then in the transcript's text too (the second guard, should the two ever disagree).
/// Without segments it was free text, copied from the prompt's escaped transcript.
fn locate(quote: &str, item: &EvalItem) -> (bool, Option<u64>) {
    if item.segments.is_empty() {
        let unescaped = crate::prompt::unescaped(quote);
        return (evidence::is_in(&unescaped, &item.transcript), None);
    }
    match evidence::segment_of(quote, &item.segments) {
        Some(segment) if evidence::is_in(quote, &item.transcript) => (true, Some(segment.start_ms)),
        _ => (false, None),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use engine_protocol::{Criterion, Rubric, Segment};

    /// Two segments, spoken from 0 s and from 3 s.
    fn item() -> EvalItem {
        let lines = [
            (0, "We timed ten swings."),
            (3000, "Then the pendulum & the clock."),
        ];
        EvalItem {
            id: 1,
            transcript: "We timed ten swings. Then the pendulum & the clock.".into(),
            segments: lines
                .iter()
                .map(|&(start_ms, text)| Segment {
                    start_ms,
                    end_ms: start_ms + 3000,
                    text: text.into(),
                })
                .collect(),
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

    /// An answer whose two criteria quote `method` and `errors`.
    fn answer(method: &str, errors: &str) -> String {
        format!(
            r#"{{"criteria":[{{"criterion":"Method","points":4,"evidence":{method:?},"comment":"ok"}},
            {{"criterion":"Errors","points":1,"evidence":{errors:?},"comment":"thin"}}],"feedback":"Good."}}"#
        )
    }

    /// Each criterion's (evidence_verified, evidence_ms).
    fn located(item: &EvalItem, method: &str, errors: &str) -> Vec<(bool, Option<u64>)> {
        let e = validate(item, &answer(method, errors), &RUN).unwrap();
        e.criteria
            .iter()
            .map(|c| (c.evidence_verified, c.evidence_ms))
            .collect()
    }

    #[test]
    fn a_valid_answer_is_totalled_and_unfound_evidence_is_flagged() {
        let e = validate(
            &item(),
            &answer("timed ten swings", "we measured errors"),
            &RUN,
        )
        .unwrap();
        assert_eq!(e.total, 5);
        assert!(e.criteria[0].evidence_verified);
        assert!(!e.criteria[1].evidence_verified);
        assert_eq!(
            (e.seed, e.parallel_sequences, e.prompt_version.as_str()),
            (42, 2, "grade-v3")
        );
    }

    #[test]
    fn a_quote_is_timed_at_the_start_of_the_segment_it_was_spoken_in() {
        assert_eq!(
            located(&item(), "timed ten swings.", "the pendulum & the clock."),
            [(true, Some(0)), (true, Some(3000))]
        );
    }

    #[test]
    fn a_quote_across_two_segments_or_an_empty_one_is_not_evidence() {
        assert_eq!(
            located(&item(), "ten swings. Then the", ""),
            [(false, None), (false, None)]
        );
    }

    #[test]
    fn without_segments_free_text_is_checked_against_the_transcript_untimed() {
        let mut old = item();
        old.segments.clear();
        assert_eq!(
            located(
                &old,
                "Then the pendulum &amp; the clock",
                "ten swings. Then the"
            ),
            [(true, None), (true, None)]
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
