//! A submission's status card, as data: the product brief's card in words ("Your video uploaded
//! successfully · Waiting for the STT phase · …"), a phase timeline and the batch's progress.
//! The server's first paint and the browser build it from the same view, so both read alike;
//! only the browser adds times of day, since it knows the student's clock.

use super::text::{minutes, phase_name};
use super::{GpuNow, PhaseName, Stage};

/// The card's overall state, also its `data-stage` for styles and tests.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tone {
    Waiting,
    Processing,
    Done,
    Review,
    Failed,
}

impl Tone {
    pub fn key(self) -> &'static str {
        match self {
            Tone::Waiting => "waiting",
            Tone::Processing => "processing",
            Tone::Done => "done",
            Tone::Review => "review",
            Tone::Failed => "failed",
        }
    }

    /// Finished, one way or the other: what a student is told about when it happens.
    pub fn is_final(self) -> bool {
        matches!(self, Tone::Done | Tone::Review | Tone::Failed)
    }
}

/// The steps of the phase timeline, in order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    Upload,
    Stt,
    Evaluation,
    Results,
}

impl Step {
    pub fn label(self) -> &'static str {
        match self {
            Step::Upload => "Upload",
            Step::Stt => "Transcription (STT)",
            Step::Evaluation => "Evaluation",
            Step::Results => "Results",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StepState {
    Done,
    Current,
    Next,
    Failed,
}

impl StepState {
    pub fn key(self) -> &'static str {
        match self {
            StepState::Done => "done",
            StepState::Current => "current",
            StepState::Next => "next",
            StepState::Failed => "failed",
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Card {
    pub tone: Tone,
    pub headline: String,
    pub lines: Vec<String>,
    pub steps: Vec<(Step, StepState)>,
    /// The batch's progress in the running phase: (complete, of).
    pub progress: Option<(u32, u32)>,
}

/// Steps up to `current` are done, `current` is current, the rest come next.
fn timeline(current: Step) -> Vec<(Step, StepState)> {
    [Step::Upload, Step::Stt, Step::Evaluation, Step::Results]
        .into_iter()
        .map(|step| {
            let state = match (step as u8).cmp(&(current as u8)) {
                std::cmp::Ordering::Less => StepState::Done,
                std::cmp::Ordering::Equal => StepState::Current,
                std::cmp::Ordering::Greater => StepState::Next,
            };
            (step, state)
        })
        .collect()
}

/// Where a submission stands, in one word.
pub fn tone(stage: &Stage) -> Tone {
    match stage {
        Stage::Waiting { .. } => Tone::Waiting,
        Stage::Processing { .. } => Tone::Processing,
        Stage::Evaluated => Tone::Done,
        Stage::AwaitingReview => Tone::Review,
        Stage::Failed { .. } => Tone::Failed,
    }
}

/// The card for one of the viewer's submissions. `at_ms` is when the server made the view;
/// `time_of_day` turns a Unix ms into "14:32" where the clock is known (the browser).
pub fn card(
    stage: &Stage,
    gpu: &GpuNow,
    at_ms: u64,
    time_of_day: &dyn Fn(u64) -> Option<String>,
) -> Card {
    let when = |secs: u64| match time_of_day(at_ms + secs * 1000) {
        Some(clock) => format!("{} (around {clock})", minutes(secs)),
        None => minutes(secs),
    };
    match stage {
        Stage::Waiting {
            batch,
            slot,
            of,
            needs_stt,
            wait_secs,
            results_secs,
        } => {
            let (phase, step) = if *needs_stt {
                ("STT", Step::Stt)
            } else {
                ("evaluation", Step::Evaluation)
            };
            let current = match gpu {
                GpuNow::Idle => "Current: the GPU is free".to_string(),
                GpuNow::Busy { batch, phase, .. } => {
                    format!("Current: Batch {batch} in {} phase", phase_name(*phase))
                }
            };
            Card {
                tone: Tone::Waiting,
                headline: "Your video uploaded successfully".into(),
                lines: vec![
                    format!("Waiting for the {phase} phase"),
                    current,
                    format!(
                        "Estimated wait: {} until your batch starts",
                        when(*wait_secs)
                    ),
                    format!("Your position: Batch {batch}, student {slot}/{of}"),
                    format!("Results expected in {}", when(*results_secs)),
                ],
                steps: timeline(step),
                progress: None,
            }
        }
        Stage::Processing {
            phase,
            done,
            total,
            results_secs,
            ..
        } => {
            let (step, next) = match phase {
                PhaseName::Stt => (
                    Step::Stt,
                    format!("Next: evaluation phase, results in {}", when(*results_secs)),
                ),
                PhaseName::Evaluation => (
                    Step::Evaluation,
                    format!("Next: your results, in {}", when(*results_secs)),
                ),
            };
            Card {
                tone: Tone::Processing,
                headline: "Your video is being processed".into(),
                lines: vec![
                    format!(
                        "Current: {} phase ({done}/{total} students complete)",
                        phase_name(*phase)
                    ),
                    next,
                ],
                steps: timeline(step),
                progress: Some((*done, *total)),
            }
        }
        Stage::Evaluated => Card {
            tone: Tone::Done,
            headline: "Your result is ready".into(),
            lines: vec!["Open your submission to read your grade and feedback.".into()],
            steps: timeline(Step::Results),
            progress: None,
        },
        Stage::AwaitingReview => Card {
            tone: Tone::Review,
            headline: "Evaluated: awaiting your instructor's review".into(),
            lines: vec!["Your grade appears here once your instructor releases it.".into()],
            steps: timeline(Step::Results),
            progress: None,
        },
        Stage::Failed { reason, advice } => Card {
            tone: Tone::Failed,
            headline: "Your video could not be graded".into(),
            lines: vec![reason.clone(), format!("What to do: {advice}")],
            steps: vec![
                (Step::Upload, StepState::Done),
                (Step::Results, StepState::Failed),
            ],
            progress: None,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn no_clock(_: u64) -> Option<String> {
        None
    }

    #[test]
    fn a_waiting_card_reads_like_the_brief() {
        let gpu = GpuNow::Busy {
            batch: 1,
            phase: PhaseName::Evaluation,
            done: 2,
            total: 10,
        };
        let waiting = Stage::Waiting {
            batch: 2,
            slot: 3,
            of: 10,
            needs_stt: true,
            wait_secs: 290,
            results_secs: 600,
        };
        let card = card(&waiting, &gpu, 0, &no_clock);
        assert_eq!(card.tone, Tone::Waiting);
        assert_eq!(
            format!("{} · {}", card.headline, card.lines[..4].join(" · ")),
            "Your video uploaded successfully · Waiting for the STT phase · Current: Batch 1 in \
             evaluation phase · Estimated wait: 5 minutes until your batch starts · Your \
             position: Batch 2, student 3/10"
        );
        assert_eq!(
            card.steps,
            vec![
                (Step::Upload, StepState::Done),
                (Step::Stt, StepState::Current),
                (Step::Evaluation, StepState::Next),
                (Step::Results, StepState::Next),
            ]
        );
    }

    #[test]
    fn a_processing_card_shows_the_phase_progress_and_what_comes_next() {
        let processing = Stage::Processing {
            batch: 1,
            phase: PhaseName::Stt,
            done: 8,
            total: 10,
            results_secs: 170,
        };
        let card = card(&processing, &GpuNow::Idle, 0, &no_clock);
        assert_eq!(
            format!("{} · {}", card.headline, card.lines.join(" · ")),
            "Your video is being processed · Current: STT phase (8/10 students complete) · \
             Next: evaluation phase, results in 3 minutes"
        );
        assert_eq!(card.progress, Some((8, 10)));
        assert_eq!(card.steps[1], (Step::Stt, StepState::Current));
    }

    #[test]
    fn the_browser_adds_the_time_of_day_from_the_views_clock() {
        let processing = Stage::Processing {
            batch: 1,
            phase: PhaseName::Evaluation,
            done: 0,
            total: 4,
            results_secs: 120,
        };
        // A clock that names the instant it was asked about, in seconds.
        let clock = |ms: u64| Some(format!("t{}", ms / 1000));
        let card = card(&processing, &GpuNow::Idle, 1_000_000, &clock);
        assert_eq!(
            card.lines[1],
            "Next: your results, in 2 minutes (around t1120)"
        );
    }

    #[test]
    fn finished_cards_say_what_to_do() {
        let failed = Stage::Failed {
            reason: "Your recording has no sound.".into(),
            advice: "Check your microphone and record again.".into(),
        };
        let card = card(&failed, &GpuNow::Idle, 0, &no_clock);
        assert_eq!(card.tone, Tone::Failed);
        assert!(card.tone.is_final());
        assert_eq!(
            card.lines[1],
            "What to do: Check your microphone and record again."
        );
        let review = super::card(&Stage::AwaitingReview, &GpuNow::Idle, 0, &no_clock);
        assert_eq!(review.tone.key(), "review");
        assert!(review.headline.contains("review"));
        let done = super::card(&Stage::Evaluated, &GpuNow::Idle, 0, &no_clock);
        assert_eq!(
            done.steps.last(),
            Some(&(Step::Results, StepState::Current))
        );
    }
}
