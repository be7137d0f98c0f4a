//! A GBNF grammar generated from one item, so the model can only answer with exactly its
//! rubric's criteria, in order, each with whole points from 0 to its maximum, evidence copied
//! word for word from one segment of its transcript (or none), and strings of bounded length.
//! The answer therefore always parses; it is still validated afterwards (`answer`).
//!
//! Evidence used to be any string, and a small model wrote fragments ("Metho") that were then
//! flagged as not found; a quote the grammar builds from the transcript's own words cannot be
//! invented. Only a transcript without segments (stored before they were sent) still gets
//! free-text evidence.

use engine_protocol::{EvalItem, Segment};

/// Longest free-text evidence (transcripts without segments), comment and feedback, in
/// characters. Short on purpose: they are read by students, and every character is a
/// decoding step.
pub const EVIDENCE_MAX: usize = 100;
pub const COMMENT_MAX: usize = 100;
pub const FEEDBACK_MAX: usize = 200;

/// Most words in one quote: about `EVIDENCE_MAX` characters of speech. A longer segment is
/// cut into even pieces of at most this many words, and a quote lies within one piece.
pub const QUOTE_WORDS_MAX: usize = 16;

/// Most words of a transcript that can be quoted: one rule per word, and at the opening quote
/// the grammar sampler tries every word as a start, so the grammar's cost grows with this.
/// 2,000 words is about 13 minutes of speech, far more than a lab video's few minutes; later
/// words can still be read by the model, only not quoted.
pub const QUOTABLE_WORDS_MAX: usize = 2000;

/// An item's grammar (root rule `root`), and the longest evidence string it allows in bytes:
/// a bound on that string's tokens, since no token is shorter than a byte.
pub struct Grammar {
    pub text: String,
    pub evidence_bytes: usize,
}

pub fn for_item(item: &EvalItem) -> Grammar {
    let rubric = &item.rubric;
    let mut g = String::new();
    let items: Vec<String> = (0..rubric.criteria.len())
        .map(|i| format!("c{i}"))
        .collect();
    g.push_str(&format!(
        "root ::= \"{{\" ws \"\\\"criteria\\\":\" ws \"[\" ws {} ws \"]\" ws \",\" ws \"\\\"feedback\\\":\" ws feedback ws \"}}\"\n",
        items.join(" ws \",\" ws ")
    ));
    for (i, c) in rubric.criteria.iter().enumerate() {
        let name = literal(&json_string(&c.name));
        g.push_str(&format!(
            "c{i} ::= \"{{\" ws \"\\\"criterion\\\":\" ws {name} ws \",\" ws \"\\\"points\\\":\" ws p{i} ws \",\" ws \
             \"\\\"evidence\\\":\" ws evidence ws \",\" ws \"\\\"comment\\\":\" ws comment ws \"}}\"\n"
        ));
        g.push_str(&format!("p{i} ::= {}\n", points(c.max_points)));
    }
    let pieces = quotable(&item.segments);
    let evidence_bytes = if pieces.is_empty() {
        g.push_str(&free_string("evidence", EVIDENCE_MAX));
        EVIDENCE_MAX
    } else {
        quotes(&mut g, &pieces)
    };
    g.push_str(&free_string("comment", COMMENT_MAX));
    g.push_str(&free_string("feedback", FEEDBACK_MAX));
    // Printable characters or JSON escapes; no raw control characters or bare quotes.
    g.push_str(
        "char ::= [^\"\\\\\\x00-\\x1f] | \"\\\\\" ([\"\\\\/bfnrt] | \"u\" [0-9a-fA-F]{4})\n",
    );
    g.push_str("ws ::= \" \"?\n");
    Grammar {
        text: g,
        evidence_bytes,
    }
}

fn free_string(rule: &str, max: usize) -> String {
    format!("{rule} ::= \"\\\"\" char{{0,{max}}} \"\\\"\"\n")
}

/// The transcript's words as they may be quoted: JSON-escaped (a quote is a JSON string), in
/// pieces of at most [`QUOTE_WORDS_MAX`] words, each piece within one segment.
fn quotable(segments: &[Segment]) -> Vec<Vec<String>> {
    let mut left = QUOTABLE_WORDS_MAX;
    let mut pieces = Vec::new();
    for segment in segments {
        let words: Vec<&str> = segment.text.split_whitespace().take(left).collect();
        if words.is_empty() {
            continue;
        }
        left -= words.len();
        let size = words.len().div_ceil(words.len().div_ceil(QUOTE_WORDS_MAX));
        for piece in words.chunks(size) {
            pieces.push(piece.iter().map(|w| json_content(w)).collect());
        }
    }
    pieces
}

/// Evidence as "" or a quote: a run of whole words of one piece, from any word to any later
/// one. Word `k` of piece `p` is rule `q{p}w{k}`: that word, then optionally the rest of the
/// run from word `k + 1`; the quote starts at any word. Returns the longest evidence in bytes.
fn quotes(g: &mut String, pieces: &[Vec<String>]) -> usize {
    let mut starts = Vec::new();
    let mut longest = 0;
    for (p, words) in pieces.iter().enumerate() {
        for (k, word) in words.iter().enumerate() {
            let rest = if k + 1 < words.len() {
                format!(" (\" \" q{p}w{})?", k + 1)
            } else {
                String::new()
            };
            g.push_str(&format!("q{p}w{k} ::= {}{rest}\n", literal(word)));
            starts.push(format!("q{p}w{k}"));
        }
        longest = longest.max(words.iter().map(|w| w.len() + 1).sum::<usize>());
    }
    g.push_str("evidence ::= \"\\\"\\\"\" | \"\\\"\" quote \"\\\"\"\n");
    g.push_str(&format!("quote ::= {}\n", starts.join(" | ")));
    // Both quotation marks, less the space after the last word.
    longest + 1
}

/// `0 | 1 | … | max`, longest first so that "10" is not cut short at "1".
fn points(max: u32) -> String {
    (0..=max)
        .rev()
        .map(|p| format!("\"{p}\""))
        .collect::<Vec<_>>()
        .join(" | ")
}

fn json_string(s: &str) -> String {
    serde_json::Value::String(s.to_owned()).to_string()
}

/// `s` as it is written inside a JSON string, without the quotation marks.
fn json_content(s: &str) -> String {
    let quoted = json_string(s);
    let inner = quoted.strip_prefix('"').and_then(|q| q.strip_suffix('"'));
    inner.unwrap_or(&quoted).to_owned()
}

/// `text` as a GBNF string literal. Backslashes and quotes are escaped; anything else,
/// unicode included, stands for itself. JSON escaping already removed control characters.
fn literal(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('"');
    for ch in text.chars() {
        match ch {
            '\\' => out.push_str("\\\\"),
            '"' => out.push_str("\\\""),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use engine_protocol::{Criterion, Rubric};

    fn item(names: &[(&str, u32)], lines: &[&str]) -> EvalItem {
        EvalItem {
            id: 1,
            transcript: lines.join(" "),
            segments: lines
                .iter()
                .zip(0..)
                .map(|(text, i)| Segment {
                    start_ms: i * 1000,
                    end_ms: i * 1000 + 1000,
                    text: (*text).into(),
                })
                .collect(),
            instructions: String::new(),
            rubric: Rubric {
                criteria: names
                    .iter()
                    .map(|(n, m)| Criterion {
                        name: (*n).into(),
                        description: String::new(),
                        max_points: *m,
                    })
                    .collect(),
            },
        }
    }

    #[test]
    fn each_criterion_is_a_fixed_name_and_enumerated_points() {
        let g = for_item(&item(&[("Method", 3), ("Results", 10)], &[])).text;
        assert!(
            g.contains("c0 ::= \"{\" ws \"\\\"criterion\\\":\" ws \"\\\"Method\\\"\""),
            "{g}"
        );
        assert!(g.contains("p0 ::= \"3\" | \"2\" | \"1\" | \"0\"\n"));
        assert!(g.contains("p1 ::= \"10\" | \"9\""));
        assert!(g.contains("ws c0 ws \",\" ws c1 ws"));
    }

    #[test]
    fn quotes_backslashes_and_unicode_in_names_are_escaped_for_json_then_gbnf() {
        let g = for_item(&item(&[("Say \"why\" \\ Ünïcødé ✓\n", 1)], &[])).text;
        // JSON: "Say \"why\" \\ Ünïcødé ✓\n"  then each \ and " escaped again for GBNF.
        assert!(
            g.contains(r#"ws "\"Say \\\"why\\\" \\\\ Ünïcødé ✓\\n\"" ws"#),
            "{g}"
        );
    }

    #[test]
    fn evidence_is_empty_or_a_run_of_words_of_one_segment() {
        let grammar = for_item(&item(
            &[("Method", 3)],
            &["We timed ten swings.", " It & <me>. "],
        ));
        let g = grammar.text;
        assert!(
            g.contains("evidence ::= \"\\\"\\\"\" | \"\\\"\" quote \"\\\"\"\n"),
            "{g}"
        );
        // Every word starts a quote; each goes on only to the next word of its own segment.
        assert!(
            g.contains("quote ::= q0w0 | q0w1 | q0w2 | q0w3 | q1w0 | q1w1 | q1w2\n"),
            "{g}"
        );
        assert!(g.contains("q0w0 ::= \"We\" (\" \" q0w1)?\n"), "{g}");
        assert!(g.contains("q0w3 ::= \"swings.\"\n"), "{g}");
        // The transcript's own words (not the prompt's &amp;), JSON- then GBNF-escaped.
        assert!(g.contains("q1w1 ::= \"&\" (\" \" q1w2)?\n"), "{g}");
        assert!(g.contains("q1w2 ::= \"<me>.\"\n"), "{g}");
        assert!(
            !g.contains("evidence ::= \"\\\"\" char"),
            "no free text: {g}"
        );
        assert_eq!(grammar.evidence_bytes, "\"We timed ten swings.\"".len());
    }

    #[test]
    fn quoted_words_are_escaped_for_json_then_gbnf() {
        let g = for_item(&item(&[("M", 1)], &[r#"He said "why" C:\dir"#])).text;
        assert!(g.contains(r#"q0w2 ::= "\\\"why\\\"" (" " q0w3)?"#), "{g}");
        assert!(g.contains(r#"q0w3 ::= "C:\\\\dir""#), "{g}");
    }

    #[test]
    fn long_segments_are_cut_into_even_pieces_and_long_transcripts_capped() {
        let long = vec!["word"; QUOTE_WORDS_MAX + 4].join(" ");
        let pieces = quotable(&item(&[("M", 1)], &[&long]).segments);
        let sizes: Vec<usize> = pieces.iter().map(Vec::len).collect();
        assert_eq!(sizes, [10, 10]);
        let many = vec![long.as_str(); QUOTABLE_WORDS_MAX];
        let words: usize = quotable(&item(&[("M", 1)], &many).segments)
            .iter()
            .map(Vec::len)
            .sum();
        assert_eq!(words, QUOTABLE_WORDS_MAX);
    }

    #[test]
    fn a_transcript_without_segments_keeps_free_text_evidence() {
        let grammar = for_item(&item(&[("Method", 3)], &[]));
        assert!(
            grammar
                .text
                .contains("evidence ::= \"\\\"\" char{0,100} \"\\\"\"\n")
        );
        assert!(!grammar.text.contains("quote"));
        assert_eq!(grammar.evidence_bytes, EVIDENCE_MAX);
    }
}
