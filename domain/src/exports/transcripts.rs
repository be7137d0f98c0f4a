//! A transcript's segments as text files: TXT (one timed line each), SubRip and WebVTT
//! (rendered by `subtp`, so cue syntax and timestamps follow the formats).

use std::time::Duration;

use engine_protocol::Segment;
use subtp::srt::{SrtSubtitle, SubRip};
use subtp::vtt::{VttBlock, VttCue, VttTimings, WebVtt};

/// One line of cue text: no line breaks, and no "-->" that a reader would take for timings.
fn cue_text(text: &str) -> String {
    text.split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .replace("-->", "→")
}

fn spoken(segments: &[Segment]) -> impl Iterator<Item = (&Segment, String)> {
    segments
        .iter()
        .map(|s| (s, cue_text(&s.text)))
        .filter(|(_, text)| !text.is_empty())
}

/// `[m:ss] text`, a line per segment.
pub fn to_txt(segments: &[Segment]) -> String {
    spoken(segments)
        .map(|(s, text)| {
            let secs = s.start_ms / 1000;
            format!("[{}:{:02}] {text}\n", secs / 60, secs % 60)
        })
        .collect()
}

pub fn to_srt(segments: &[Segment]) -> String {
    SubRip {
        subtitles: spoken(segments)
            .zip(1..)
            .map(|((s, text), sequence)| SrtSubtitle {
                sequence,
                start: Duration::from_millis(s.start_ms).into(),
                end: Duration::from_millis(s.end_ms.max(s.start_ms)).into(),
                text: vec![text],
                line_position: None,
            })
            .collect(),
    }
    .render()
}

/// WebVTT cue text is markup: `&`, `<` and `>` must be escaped to be read as themselves.
fn vtt_text(text: String) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

pub fn to_vtt(segments: &[Segment]) -> String {
    WebVtt {
        header: Default::default(),
        blocks: spoken(segments)
            .map(|(s, text)| {
                VttBlock::Que(VttCue {
                    identifier: None,
                    timings: VttTimings {
                        start: Duration::from_millis(s.start_ms).into(),
                        end: Duration::from_millis(s.end_ms.max(s.start_ms)).into(),
                    },
                    settings: None,
                    payload: vec![vtt_text(text)],
                })
            })
            .collect(),
    }
    .render()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn segments() -> Vec<Segment> {
        vec![
            Segment {
                start_ms: 0,
                end_ms: 2500,
                text: " We timed the pendulum.".into(),
            },
            Segment {
                start_ms: 2500,
                end_ms: 3_725_040,
                text: "Then -->\n\nwe plotted it.".into(),
            },
            Segment {
                start_ms: 3_725_040,
                end_ms: 3_725_100,
                text: "  ".into(),
            },
        ]
    }

    #[test]
    fn vtt_escapes_markup_characters() {
        let text = to_vtt(&[Segment {
            start_ms: 0,
            end_ms: 1000,
            text: "pH < 7 & acid <b>".into(),
        }]);
        assert!(text.contains("pH &lt; 7 &amp; acid &lt;b&gt;"), "{text}");
    }

    #[test]
    fn srt_parses_back_to_the_same_cues() {
        let parsed = SubRip::parse(&to_srt(&segments())).unwrap_or_default();
        let cues: Vec<_> = parsed.subtitles.iter().collect();
        assert_eq!(cues.len(), 2, "the silent segment has no cue");
        assert_eq!(cues[1].text, vec!["Then → we plotted it.".to_string()]);
        let end: Duration = cues[1].end.into();
        assert_eq!(end, Duration::from_millis(3_725_040));
    }

    #[test]
    fn vtt_parses_back_to_the_same_cues() {
        let text = to_vtt(&segments());
        assert!(text.starts_with("WEBVTT\n"), "{text}");
        let parsed = WebVtt::parse(&text).unwrap_or_default();
        let cues: Vec<&VttCue> = parsed
            .blocks
            .iter()
            .filter_map(|b| match b {
                VttBlock::Que(c) => Some(c),
                _ => None,
            })
            .collect();
        assert_eq!(cues.len(), 2);
        assert_eq!(cues[0].payload, vec!["We timed the pendulum.".to_string()]);
        let start: Duration = cues[1].timings.start.into();
        assert_eq!(start, Duration::from_millis(2500));
    }

    #[test]
    fn txt_has_a_timed_line_per_segment() {
        assert_eq!(
            to_txt(&segments()),
            "[0:00] We timed the pendulum.\n[0:02] Then → we plotted it.\n"
        );
    }
}
