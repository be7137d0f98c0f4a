//! Noticing that the model has started to loop, so that the string it is writing can end.
//!
//! A small model decoding greedily can fall into a loop inside a free-text string
//! ("1.0000000…", "m'un d'un cri, m'un d'un cri, …") and write it to the grammar's limit for
//! that string. The student then reads 100 characters of noise, and that one answer holds its
//! whole batch's evaluation phase until it ends, which makes the phase as long as the batch's
//! worst loop and the wait behind it impossible to foresee. llama.cpp's repetition samplers
//! (penalties, DRY) only steer away from the repeated token, into other noise; a loop has
//! nothing more to say, so the decoder closes the string instead (`decode`).

/// The longest repeated unit looked for, in bytes: half the longest string, the feedback, as
/// no longer unit can be said twice in one. (32 missed "The length o of the string was 50. ",
/// 35 bytes, written to a comment's limit.)
const LONGEST_UNIT: usize = crate::grammar::FEEDBACK_MAX / 2;

/// How many bytes of repetition make a loop: sixteen of one character, or a phrase of eight
/// or more bytes said twice in a row. Shorter echoes ("very, very") are left to the model.
const LOOP_BYTES: usize = 16;

/// Whether `text` ends in a loop: some unit repeated back to back at least twice, covering
/// at least [`LOOP_BYTES`].
pub fn ends_in_loop(text: &[u8]) -> bool {
    (1..=LONGEST_UNIT.min(text.len() / 2)).any(|unit| {
        let needed = LOOP_BYTES.div_ceil(unit).max(2);
        repeats_at_end(text, unit) >= needed
    })
}

/// How many times the last `unit` bytes of `text` occur back to back at its end.
fn repeats_at_end(text: &[u8], unit: usize) -> usize {
    let last = &text[text.len() - unit..];
    text.rchunks_exact(unit)
        .take_while(|chunk| *chunk == last)
        .count()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn loops(text: &str) -> bool {
        ends_in_loop(text.as_bytes())
    }

    #[test]
    fn a_run_of_one_character_is_a_loop_from_sixteen_on() {
        assert!(!loops(r#"{"comment": "1.000000000000000"#), "fifteen zeros");
        assert!(loops(r#"{"comment": "1.0000000000000000"#), "sixteen zeros");
    }

    #[test]
    fn a_phrase_said_twice_in_a_row_is_a_loop() {
        assert!(loops("Metho d'un cri, m'un d'un cri, m'un d'un cri, "));
        assert!(loops("The result is good. The result is good. "));
        assert!(!loops("The result is good. The method is sound. "));
    }

    #[test]
    fn short_echoes_and_ordinary_text_are_not_loops() {
        assert!(!loops("very, very"));
        assert!(!loops("ha ha ha"));
        assert!(!loops("The period was 2.000 s, measured 10 times."));
        assert!(!loops(""));
        assert!(!loops("0"));
    }

    #[test]
    fn only_the_end_counts() {
        assert!(!loops(
            "0000000000000000000 and then the student explained the method"
        ));
    }

    #[test]
    fn a_sentence_said_twice_is_a_loop() {
        let sentence = "The length o of the string was 50. ";
        assert!(sentence.len() > 32, "longer than the unit first looked for");
        assert!(loops(&format!(
            "The length o of the string was changed. {}",
            sentence.repeat(2)
        )));
    }

    #[test]
    fn a_unit_longer_than_the_longest_looked_for_is_not_seen() {
        let phrase = "This sentence is longer than half of the feedback, the longest string, so \
                      saying it twice would not fit in any string the answer has. ";
        assert!(phrase.len() > LONGEST_UNIT);
        assert!(!loops(&phrase.repeat(3)));
    }
}
