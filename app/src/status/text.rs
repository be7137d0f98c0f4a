//! Words for the status, the same on the server's first paint and in the browser.

use super::{GpuNow, PhaseName};

pub fn phase_name(phase: PhaseName) -> &'static str {
    match phase {
        PhaseName::Stt => "STT",
        PhaseName::Evaluation => "evaluation",
    }
}

/// "about 3 min", "about 40 s", "any moment now": short, for the instructor's board.
pub fn about(secs: u64) -> String {
    match secs {
        0..=4 => "any moment now".into(),
        5..=59 => format!("about {} s", secs.div_ceil(5) * 5),
        _ => format!("about {} min", secs.div_ceil(60)),
    }
}

/// "5 minutes", "1 minute", "less than a minute": in a sentence for students.
pub fn minutes(secs: u64) -> String {
    match secs.div_ceil(60) {
        0 => "less than a minute".into(),
        1 if secs < 45 => "less than a minute".into(),
        1 => "1 minute".into(),
        n => format!("{n} minutes"),
    }
}

/// "4:05": a length or a position in a recording.
pub fn mm_ss(secs: u64) -> String {
    format!("{}:{:02}", secs / 60, secs % 60)
}

/// A submission's stored state in words.
pub fn state_words(state: &str) -> &'static str {
    match state {
        "queued" => "waiting",
        "in_batch" => "in the batch",
        "transcribing" => "transcribing",
        "transcribed" => "transcribed",
        "evaluating" => "evaluating",
        "evaluated" => "evaluated",
        "failed" => "failed",
        _ => "in progress",
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn waits_read_as_minutes_rounded_up() {
        assert_eq!(minutes(0), "less than a minute");
        assert_eq!(minutes(30), "less than a minute");
        assert_eq!(minutes(50), "1 minute");
        assert_eq!(minutes(61), "2 minutes");
        assert_eq!(minutes(300), "5 minutes");
        assert_eq!(about(3), "any moment now");
        assert_eq!(about(41), "about 45 s");
        assert_eq!(about(170), "about 3 min");
        assert_eq!(mm_ss(245), "4:05");
        assert_eq!(state_words("in_batch"), "in the batch");
    }
}
