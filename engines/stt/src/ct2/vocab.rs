//! Whisper's vocabulary file lists byte-level BPE tokens in GPT-2's printable encoding
//! (a space is `Ġ`, and so on); whisper.cpp wants each token's raw bytes.

use super::ConvertError;

/// whisper.cpp reads this many ordinary tokens and adds the special ones itself.
pub const ORDINARY_TOKENS: usize = 50_256;

/// GPT-2's map from each byte to the printable character that stands for it.
fn byte_for_char() -> std::collections::HashMap<char, u8> {
    let printable = |b: u8| matches!(b, b'!'..=b'~' | 0xA1..=0xAC | 0xAE..=0xFF);
    let mut map = std::collections::HashMap::with_capacity(256);
    let mut next_unprintable = 0u32;
    for b in 0..=255u8 {
        let c = if printable(b) {
            char::from(b)
        } else {
            let c = char::from_u32(256 + next_unprintable).unwrap_or(char::REPLACEMENT_CHARACTER);
            next_unprintable += 1;
            c
        };
        map.insert(c, b);
    }
    map
}

pub fn decode(vocabulary: &str) -> Result<Vec<Vec<u8>>, ConvertError> {
    let map = byte_for_char();
    let tokens: Vec<&str> = vocabulary.lines().take(ORDINARY_TOKENS).collect();
    if tokens.len() < ORDINARY_TOKENS {
        return Err(ConvertError::Unsupported(format!(
            "the vocabulary has {} tokens; a Whisper vocabulary has at least {ORDINARY_TOKENS}",
            tokens.len()
        )));
    }
    tokens
        .iter()
        .map(|token| {
            token
                .chars()
                .map(|c| map.get(&c).copied())
                .collect::<Option<Vec<u8>>>()
                .ok_or_else(|| {
                    ConvertError::Unsupported(format!("the token {token:?} is not byte-level BPE"))
                })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn printable_stand_ins_map_back_to_bytes() {
        let map = byte_for_char();
        assert_eq!(map.len(), 256);
        assert_eq!(map[&'Ġ'], b' ');
        assert_eq!(map[&'Ċ'], b'\n');
        assert_eq!(map[&'a'], b'a');
    }
}
