//! Turning wire names into Rust identifiers.

/// Words that cannot be identifiers even as raw identifiers (`r#self` is invalid).
const NOT_RAW: &[&str] = &["self", "Self", "super", "crate", "_"];

const KEYWORDS: &[&str] = &[
    "as", "async", "await", "break", "const", "continue", "dyn", "else", "enum", "extern", "false",
    "fn", "for", "gen", "if", "impl", "in", "let", "loop", "match", "mod", "move", "mut", "pub",
    "ref", "return", "static", "struct", "trait", "true", "type", "unsafe", "use", "where",
    "while", "abstract", "become", "box", "do", "final", "macro", "override", "priv", "try",
    "typeof", "unsized", "virtual", "yield",
];

/// Splits a name into lowercase words at non-alphanumerics and camel-case humps.
fn words(name: &str) -> Vec<String> {
    let mut words = Vec::new();
    let mut current = String::new();
    let chars: Vec<char> = name.chars().collect();
    for (i, &c) in chars.iter().enumerate() {
        if !c.is_ascii_alphanumeric() {
            if !current.is_empty() {
                words.push(std::mem::take(&mut current));
            }
            continue;
        }
        if c.is_ascii_uppercase() && !current.is_empty() {
            let prev = chars[i - 1];
            let next_lower = chars.get(i + 1).is_some_and(|n| n.is_ascii_lowercase());
            if prev.is_ascii_lowercase()
                || prev.is_ascii_digit()
                || (prev.is_ascii_uppercase() && next_lower)
            {
                words.push(std::mem::take(&mut current));
            }
        }
        current.push(c.to_ascii_lowercase());
    }
    if !current.is_empty() {
        words.push(current);
    }
    words
}

/// `snake_case` field name; keywords become raw identifiers.
pub fn field_name(wire: &str) -> String {
    let mut name = words(wire).join("_");
    if name.is_empty() {
        name = "field".into();
    }
    if name.starts_with(|c: char| c.is_ascii_digit()) {
        name.insert(0, '_');
    }
    if NOT_RAW.contains(&name.as_str()) {
        name.push('_');
    } else if KEYWORDS.contains(&name.as_str()) {
        name.insert_str(0, "r#");
    }
    name
}

/// `PascalCase` type or variant name.
pub fn type_name(wire: &str) -> String {
    let mut name: String = words(wire)
        .iter()
        .map(|w| {
            let mut cs = w.chars();
            match cs.next() {
                Some(first) => first.to_ascii_uppercase().to_string() + cs.as_str(),
                None => String::new(),
            }
        })
        .collect();
    if name.is_empty() {
        name = "Empty".into();
    }
    if name.starts_with(|c: char| c.is_ascii_digit()) {
        name.insert(0, 'V');
    }
    if name == "Self" {
        name.push_str("Value");
    }
    name
}

/// Makes `candidate` unique within `taken` by appending 2, 3, …; records the result.
pub fn unique(candidate: String, taken: &mut std::collections::BTreeSet<String>) -> String {
    if taken.insert(candidate.clone()) {
        return candidate;
    }
    for n in 2.. {
        let next = format!("{candidate}{n}");
        if taken.insert(next.clone()) {
            return next;
        }
    }
    unreachable!("an unbounded counter always finds a free name")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields() {
        assert_eq!(field_name("type"), "r#type");
        assert_eq!(field_name("responseMimeType"), "response_mime_type");
        assert_eq!(field_name("$ref"), "r#ref");
        assert_eq!(field_name("self"), "self_");
        assert_eq!(field_name("1h"), "_1h");
        assert_eq!(field_name("x-groq"), "x_groq");
    }

    #[test]
    fn types() {
        assert_eq!(
            type_name("response.output_text.delta"),
            "ResponseOutputTextDelta"
        );
        assert_eq!(type_name("gpt-4o-2024-08-06"), "Gpt4o20240806");
        assert_eq!(type_name("1024x1024"), "V1024x1024");
        assert_eq!(type_name("HTTPError"), "HttpError");
        assert_eq!(type_name(""), "Empty");
    }
}
