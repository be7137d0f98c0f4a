//! Checking that an evidence quote really is in the transcript. Models paraphrase and
//! invent; a quote that is not there is flagged, not silently kept.

use engine_protocol::Segment;

/// Lower-case words, with punctuation and runs of whitespace reduced to single spaces.
fn normalise(text: &str) -> String {
    text.chars()
        .map(|c| {
            if c.is_alphanumeric() {
                c.to_lowercase().next().unwrap_or(c)
            } else {
                ' '
            }
        })
        .collect::<String>()
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

/// True if `quote` (ignoring case, punctuation and spacing) occurs in `transcript`.
/// An empty quote is not evidence.
pub fn is_in(quote: &str, transcript: &str) -> bool {
    let quote = normalise(quote);
    !quote.is_empty() && format!(" {} ", normalise(transcript)).contains(&format!(" {quote} "))
}

/// The first segment that holds `quote` in the sense of [`is_in`]. A quote that runs across
/// two segments is in none of them: the grammar lets the model quote only within one.
pub fn segment_of<'a>(quote: &str, segments: &'a [Segment]) -> Option<&'a Segment> {
    segments.iter().find(|s| is_in(quote, &s.text))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn segment(start_ms: u64, text: &str) -> Segment {
        Segment {
            start_ms,
            end_ms: start_ms + 1000,
            text: text.into(),
        }
    }

    #[test]
    fn a_quote_is_placed_in_the_one_segment_that_holds_all_of_it() {
        let segments = [
            segment(0, "We timed ten swings."),
            segment(4000, " Then we measured the length. "),
        ];
        let at = |quote| segment_of(quote, &segments).map(|s| s.start_ms);
        assert_eq!(at("timed ten"), Some(0));
        assert_eq!(at("THEN we measured the length"), Some(4000));
        assert_eq!(at("swings. Then we"), None, "a quote across two segments");
        assert_eq!(at("ten swing"), None, "only whole words count");
        assert_eq!(at(""), None);
    }

    #[test]
    fn quotes_match_across_case_spacing_and_punctuation() {
        let t = "We measured the period -- five times,\n  for each   length.";
        assert!(is_in("we measured the PERIOD five times", t));
        assert!(is_in("for each length", t));
        assert!(!is_in("we measured the frequency", t));
        assert!(!is_in("", t));
        assert!(!is_in("easure", t), "only whole words count");
    }
}
