//! Checking that an evidence quote really is in the transcript. Models paraphrase and
//! invent; a quote that is not there is flagged, not silently kept.

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

#[cfg(test)]
mod tests {
    use super::*;

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
