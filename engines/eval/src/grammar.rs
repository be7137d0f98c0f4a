//! A GBNF grammar generated from one rubric, so the model can only answer with exactly that
//! rubric's criteria, in order, each with whole points from 0 to its maximum, and strings of
//! bounded length. The answer therefore always parses; it is still validated afterwards.

use engine_protocol::Rubric;

/// Longest evidence quote, comment and feedback, in characters. Short on purpose: they are
/// read by students, and every character is a decoding step.
pub const EVIDENCE_MAX: usize = 100;
pub const COMMENT_MAX: usize = 100;
pub const FEEDBACK_MAX: usize = 200;

/// The grammar for answers to `rubric`; its root rule is `root`.
pub fn for_rubric(rubric: &Rubric) -> String {
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
    for (rule, max) in [
        ("evidence", EVIDENCE_MAX),
        ("comment", COMMENT_MAX),
        ("feedback", FEEDBACK_MAX),
    ] {
        g.push_str(&format!("{rule} ::= \"\\\"\" char{{0,{max}}} \"\\\"\"\n"));
    }
    // Printable characters or JSON escapes; no raw control characters or bare quotes.
    g.push_str(
        "char ::= [^\"\\\\\\x00-\\x1f] | \"\\\\\" ([\"\\\\/bfnrt] | \"u\" [0-9a-fA-F]{4})\n",
    );
    g.push_str("ws ::= \" \"?\n");
    g
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
    use engine_protocol::Criterion;

    fn rubric(names: &[(&str, u32)]) -> Rubric {
        Rubric {
            criteria: names
                .iter()
                .map(|(n, m)| Criterion {
                    name: (*n).into(),
                    description: String::new(),
                    max_points: *m,
                })
                .collect(),
        }
    }

    #[test]
    fn each_criterion_is_a_fixed_name_and_enumerated_points() {
        let g = for_rubric(&rubric(&[("Method", 3), ("Results", 10)]));
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
        let g = for_rubric(&rubric(&[("Say \"why\" \\ Ünïcødé ✓\n", 1)]));
        // JSON: "Say \"why\" \\ Ünïcødé ✓\n"  then each \ and " escaped again for GBNF.
        assert!(
            g.contains(r#"ws "\"Say \\\"why\\\" \\\\ Ünïcødé ✓\\n\"" ws"#),
            "{g}"
        );
    }
}
