//! The status in words, the same on the server's first paint and in the browser.

use super::{GpuNow, PhaseName, Stage};

fn phase_name(phase: PhaseName) -> &'static str {
    match phase {
        PhaseName::Stt => "STT",
        PhaseName::Evaluation => "evaluation",
    }
}

/// "about 3 min", "about 40 s", "any moment now".
pub fn about(secs: u64) -> String {
    match secs {
        0..=4 => "any moment now".into(),
        5..=59 => format!("about {} s", secs.div_ceil(5) * 5),
        _ => format!("about {} min", secs.div_ceil(60)),
    }
}

/// "batch 1 in evaluation (8/10 complete)", or "idle".
pub fn describe_gpu(gpu: &GpuNow) -> String {
    match gpu {
        GpuNow::Idle => "idle".into(),
        GpuNow::Busy {
            batch,
            phase,
            done,
            total,
        } => format!(
            "batch {batch} in {} ({done}/{total} complete)",
            phase_name(*phase)
        ),
    }
}

/// One line for a submission: the two views of the lab's status page.
pub fn describe_stage(stage: &Stage, gpu: &GpuNow) -> String {
    match stage {
        Stage::Processing {
            phase,
            done,
            total,
            results_secs,
            ..
        } => {
            let next = match phase {
                PhaseName::Stt => "next: evaluation, ",
                PhaseName::Evaluation => "",
            };
            format!(
                "{} phase ({done}/{total} complete), {next}{}",
                phase_name(*phase),
                about(*results_secs)
            )
        }
        Stage::Waiting {
            batch,
            slot,
            of,
            needs_stt,
            results_secs,
            ..
        } => {
            let waiting_for = if *needs_stt { "STT" } else { "evaluation" };
            let current = match gpu {
                GpuNow::Idle => "current: GPU idle".to_string(),
                GpuNow::Busy { batch, phase, .. } => {
                    format!("current: batch {batch} in {}", phase_name(*phase))
                }
            };
            format!(
                "uploaded; waiting for {waiting_for}; {current}; your position: batch {batch}, student {slot}/{of}; {}",
                about(*results_secs)
            )
        }
        Stage::Evaluated => "done: evaluated".into(),
        Stage::Failed { reason } => format!("failed: {reason}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_two_views_read_as_the_lab_expects() {
        let gpu = GpuNow::Busy {
            batch: 1,
            phase: PhaseName::Evaluation,
            done: 0,
            total: 10,
        };
        let processing = Stage::Processing {
            batch: 1,
            phase: PhaseName::Stt,
            done: 8,
            total: 10,
            results_secs: 170,
        };
        assert_eq!(
            describe_stage(&processing, &gpu),
            "STT phase (8/10 complete), next: evaluation, about 3 min"
        );
        let waiting = Stage::Waiting {
            batch: 2,
            slot: 3,
            of: 10,
            needs_stt: true,
            wait_secs: 100,
            results_secs: 290,
        };
        assert_eq!(
            describe_stage(&waiting, &gpu),
            "uploaded; waiting for STT; current: batch 1 in evaluation; your position: batch 2, student 3/10; about 5 min"
        );
    }
}
