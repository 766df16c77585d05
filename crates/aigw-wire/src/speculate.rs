//! One pass over a tagged union's object whose tag comes late.
//!
//! Recorded requests put keys in alphabetical order, so a tool's `type` comes after its
//! `parameters` schema. Buffering such an object (see [`crate::union`]) scans every value once
//! as raw text and parses it again as the chosen variant. Instead, once the keys read so far
//! leave one variant that knows them all, the rest of the object is parsed straight into it while [`Watch`] checks
//! every key before its value is read (a key it does not know goes to its `extra`, as a
//! `Value`). Should the object turn out to be something else (the tag names another variant,
//! a key repeats, or there is no tag and ranking would put another variant first), the watch
//! stops between two entries, or the object ends, and nothing is lost: the partial variant is
//! serialized back (the generated types are lossless), its entries put back in the order they
//! came, and the buffered path takes over from there with the same entries it would have read,
//! so the outcome is the one buffering gives.
//!
//! The one outcome that differs: a value of a key the guessed variant knows, of a type it
//! cannot hold, fails the variant's parse with the value already consumed. The error is then
//! returned (the whole body's lenient fallback parses it again), as buffering does when the
//! tag names that variant.

use crate::raw::{Key, Raw};
use crate::replay::{Replayed, Stop, Watch};
use crate::union::{self, UnionSpec, UnionVariants, kind};
use serde::de::value::MapAccessDeserializer;
use serde::de::{self, MapAccess};
use serde_json::Value;
use smallvec::SmallVec;

/// Parses the object whose first entries are `seen` (none of them the tag), followed by `key`
/// (its value unread) and the rest of `map`, as the variant `guess`: the only one that knows
/// all those keys (see the module documentation).
pub(crate) fn speculate<'de, T: UnionVariants, A: MapAccess<'de>>(
    seen: Vec<(Key<'de>, Raw<'de>)>,
    key: Key<'de>,
    guess: usize,
    mut map: A,
) -> Result<T, A::Error> {
    let spec = T::spec();
    let repeated = seen
        .iter()
        .enumerate()
        .any(|(i, (k, _))| k.0 == key.0 || seen[..i].iter().any(|(earlier, _)| earlier.0 == k.0));
    // The lenient fallback parse (rare) keeps to the buffered path.
    let (Some(tag), false, false) = (spec.tag, repeated, crate::lenient::active()) else {
        let mut seen = seen;
        let raw = map.next_value::<Raw<'de>>()?;
        seen.push((key, raw));
        return crate::buffered::buffered(seen, map);
    };
    let logged = union::fallbacks_logged();
    let mut entries = Replayed::new(seen, Some((key, None)), &mut map);
    entries.watch = Some(Watch {
        spec,
        guess,
        tag,
        keys: SmallVec::new(),
        tagged: false,
        stop: None,
    });
    let parsed = T::variant(guess, MapAccessDeserializer::new(&mut entries))?;
    let Some(Watch {
        keys, stop, tagged, ..
    }) = entries.watch
    else {
        return Err(de::Error::custom("a union's guess lost its watch"));
    };
    // What buffering would have chosen: the variant the tag names, or with no tag the variant
    // ranked first, tried first.
    if stop.is_none() && (tagged || ranked_first(spec, &keys) == Some(guess)) {
        return Ok(parsed);
    }
    // Not the guess: put the entries back and buffer the rest.
    union::truncate_fallbacks(logged);
    let mut entries = entries_of(&parsed, keys)?;
    match stop {
        Some(Stop::Repeated(key)) => {
            let raw = map.next_value::<Raw<'de>>()?;
            entries.push((key, raw));
        }
        Some(Stop::Tag(key, value)) => entries.push((key, Raw(value.to_string().into()))),
        None => {}
    }
    crate::buffered::buffered(entries, map)
}

/// The variant ranking would put first for an untagged object of these keys, if it is the one
/// tried before ranking.
fn ranked_first(spec: &UnionSpec, keys: &[Key<'_>]) -> Option<usize> {
    let keys: SmallVec<[&str; 16]> = keys.iter().map(|k| &*k.0).collect();
    let candidates: SmallVec<[usize; 16]> = union::candidates(spec, kind::OBJECT).collect();
    crate::buffered::perfect(spec, &candidates, &keys)
}

/// The entries of `parsed` (a variant parsed from the entries `keys` named, in that order) as
/// raw JSON text, in that order.
fn entries_of<'de, T: UnionVariants, E: de::Error>(
    parsed: &T,
    keys: SmallVec<[Key<'de>; 16]>,
) -> Result<Vec<(Key<'de>, Raw<'de>)>, E> {
    let Value::Object(mut object) = serde_json::to_value(parsed).map_err(E::custom)? else {
        return Err(E::custom("a union variant did not serialize as an object"));
    };
    let mut entries = Vec::with_capacity(keys.len());
    for key in keys {
        let Some(value) = object.remove(&*key.0) else {
            return Err(E::custom(format_args!(
                "`{}` was lost putting a union's entries back",
                key.0
            )));
        };
        entries.push((key, Raw(value.to_string().into())));
    }
    Ok(entries)
}

#[cfg(test)]
mod tests {
    use crate::Maybe;
    use crate::union::{self, FallbackKind, UnionSpec, UnionVariants, VariantSpec, kind};
    use serde::{Deserialize, Deserializer, Serialize};
    use serde_json::{Map, Value, json};

    #[derive(Debug, Default, PartialEq, Serialize, Deserialize)]
    struct Function {
        #[serde(default, rename = "type", skip_serializing_if = "Maybe::is_absent")]
        kind: Maybe<String>,
        #[serde(default, skip_serializing_if = "Maybe::is_absent")]
        description: Maybe<String>,
        #[serde(default, skip_serializing_if = "Maybe::is_absent")]
        name: Maybe<String>,
        #[serde(default, skip_serializing_if = "Maybe::is_absent")]
        parameters: Maybe<Value>,
        #[serde(default, skip_serializing_if = "Maybe::is_absent")]
        strict: Maybe<bool>,
        #[serde(flatten)]
        extra: Map<String, Value>,
    }

    #[derive(Debug, Default, PartialEq, Serialize, Deserialize)]
    struct Custom {
        #[serde(default, rename = "type", skip_serializing_if = "Maybe::is_absent")]
        kind: Maybe<String>,
        #[serde(default, skip_serializing_if = "Maybe::is_absent")]
        description: Maybe<String>,
        #[serde(default, skip_serializing_if = "Maybe::is_absent")]
        name: Maybe<String>,
        #[serde(default, skip_serializing_if = "Maybe::is_absent")]
        format: Maybe<Value>,
        #[serde(flatten)]
        extra: Map<String, Value>,
    }

    #[derive(Debug, PartialEq, Serialize)]
    #[serde(untagged)]
    enum Tool {
        Function(Function),
        Custom(Custom),
        Unknown(Value),
    }

    impl Tool {
        const UNION: UnionSpec = UnionSpec {
            name: "Tool",
            tag: Some("type"),
            variants: &[
                VariantSpec {
                    kinds: kind::OBJECT,
                    tags: &["function"],
                    keys: &["type", "description", "name", "parameters", "strict"],
                    required: &["type", "name"],
                },
                VariantSpec {
                    kinds: kind::OBJECT,
                    tags: &["custom"],
                    keys: &["type", "description", "name", "format"],
                    required: &["type", "name"],
                },
            ],
            knows: |key| match key {
                "type" | "description" | "name" => 0b11,
                "parameters" | "strict" => 0b01,
                "format" => 0b10,
                _ => 0,
            },
        };
    }

    impl UnionVariants for Tool {
        fn spec() -> &'static UnionSpec {
            &Self::UNION
        }
        fn variant<'de, D: Deserializer<'de>>(index: usize, d: D) -> Result<Self, D::Error> {
            match index {
                0 => Function::deserialize(d).map(Tool::Function),
                1 => Custom::deserialize(d).map(Tool::Custom),
                _ => Err(serde::de::Error::custom("no such variant")),
            }
        }
        fn unknown(value: Value) -> Self {
            Tool::Unknown(value)
        }
    }

    impl<'de> Deserialize<'de> for Tool {
        fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
            union::deserialize(d)
        }
    }

    /// The object parsed with its keys as given (the tag late: speculation), from text and
    /// from a `Value` (owned text), and with the tag moved first (no speculation): all three
    /// must agree, entry order of what is kept verbatim included.
    fn parse_three_ways(object: &Value) -> Tool {
        let text = object.to_string();
        let late: Tool = serde_json::from_str(&text).expect("tag late");
        let owned: Tool = serde_json::from_value(object.clone()).expect("from a value");
        let mut first = Map::new();
        let entries = object.as_object().expect("an object");
        if let Some(tag) = entries.get("type") {
            first.insert("type".into(), tag.clone());
        }
        for (k, v) in entries.iter().filter(|(k, _)| *k != "type") {
            first.insert(k.clone(), v.clone());
        }
        let tag_first: Tool = serde_json::from_value(Value::Object(first)).expect("tag first");
        assert_eq!(late, tag_first, "{text}");
        assert_eq!(late, owned, "{text}");
        let again = serde_json::to_string(&late).expect("serializes");
        // What is kept whole keeps its own order; a variant writes its fields in its order.
        let expected = match &late {
            Tool::Unknown(_) => text.clone(),
            _ => serde_json::to_string(&tag_first).expect("serializes"),
        };
        assert_eq!(again, expected, "{text}");
        late
    }

    #[test]
    fn a_right_guess_parses_in_one_pass() {
        let tool = parse_three_ways(&json!({
            "description": "d", "name": "f", "parameters": {"a": [1, 2.50]},
            "strict": true, "type": "function"
        }));
        let Tool::Function(f) = tool else {
            panic!("a function: {tool:?}")
        };
        assert_eq!(f.parameters, Maybe::Present(json!({"a": [1, 2.50]})));
        assert_eq!(f.strict, Maybe::Present(true));
        assert_eq!(f.kind, Maybe::Present("function".into()));
    }

    #[test]
    fn a_wrong_guess_is_put_back_and_buffered() {
        // `parameters` makes `Function` the guess; the tag says `custom`.
        let tool = parse_three_ways(&json!({
            "description": "d", "name": "c", "parameters": {"x": null}, "type": "custom"
        }));
        let Tool::Custom(c) = tool else {
            panic!("a custom tool: {tool:?}")
        };
        assert_eq!(c.extra.get("parameters"), Some(&json!({"x": null})));
        // A key the guess does not know, after the guess is made.
        let tool = parse_three_ways(&json!({
            "description": "d", "name": "f", "parameters": {}, "zzz": 1, "format": "f",
            "type": "function"
        }));
        let Tool::Function(f) = tool else {
            panic!("a function: {tool:?}")
        };
        let extra: Vec<&String> = f.extra.keys().collect();
        assert_eq!(extra, ["zzz", "format"]);
        // An unknown tag: the whole object is kept.
        let tool = parse_three_ways(&json!({
            "description": "d", "name": "f", "parameters": {}, "type": "video"
        }));
        assert!(matches!(tool, Tool::Unknown(_)), "{tool:?}");
    }

    #[test]
    fn without_a_tag_the_guess_stands_only_where_ranking_puts_it() {
        // Knows every key, has every required one but `type`: ranked again, same variant.
        union::take_fallbacks();
        let tool: Tool = serde_json::from_str(r#"{"description":"d","name":"f","strict":false}"#)
            .expect("parses");
        assert!(matches!(&tool, Tool::Function(f) if f.strict == Maybe::Present(false)));
        assert!(union::take_fallbacks().is_empty());
        // A value the guess cannot hold under a key it knows fails its parse, as it would
        // with the tag naming it.
        let e = serde_json::from_str::<Tool>(
            r#"{"description":"d","name":"f","parameters":{},"strict":"yes","type":"function"}"#,
        )
        .expect_err("strict is a bool");
        assert!(e.to_string().contains("invalid type"), "{e}");
    }

    #[test]
    fn a_repeated_key_stops_the_guess_and_fails_as_buffering_does() {
        let e = serde_json::from_str::<Tool>(
            r#"{"description":"d","name":"f","parameters":{},"name":"g","type":"function"}"#,
        )
        .expect_err("repeated");
        assert!(e.to_string().contains("duplicate field `name`"), "{e}");
        let e = serde_json::from_str::<Tool>(
            r#"{"name":"f","name":"g","parameters":{},"type":"function"}"#,
        )
        .expect_err("repeated before the guess");
        assert!(e.to_string().contains("duplicate field `name`"), "{e}");
    }

    #[test]
    fn what_a_thrown_away_guess_logged_is_forgotten() {
        union::take_fallbacks();
        let tool: Tool = serde_json::from_str(
            r#"{"description":"d","name":"f","parameters":{},"type":"other"}"#,
        )
        .expect("kept");
        assert!(matches!(tool, Tool::Unknown(_)));
        let logged = union::take_fallbacks();
        assert_eq!(logged.len(), 1, "{logged:?}");
        assert_eq!(logged[0].kind, FallbackKind::UnknownTag("other".into()));
    }
}
