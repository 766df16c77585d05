//! Dispatch for the unions (`oneOf`/`anyOf`) of the generated code.
//!
//! serde's `#[serde(untagged)]` tries every variant in turn, buffers the input, and reports
//! "data did not match any variant". Its internally tagged enums cannot keep an unknown tag.
//! Neither fits wire types that must stay lossless, so each generated union describes itself
//! with a [`UnionSpec`] and deserializes through [`dispatch`]:
//!
//! 1. the value is captured once as a [`RawValue`] (no `Value` tree is built);
//! 2. its JSON kind (object, string, array, …) narrows the candidate variants;
//! 3. for objects with a discriminator property (`type`, `role`, `object`, …) the tag is read
//!    and names the variant directly; an unknown tag goes straight to the catch-all;
//! 4. only when the tag is absent or shared by several variants are the candidates ranked by
//!    how many of the object's keys they know, and parsed in that order;
//! 5. if nothing fits, the generated `Unknown(Value)` variant keeps the raw value.
//!
//! A value that *was* assigned to a variant but failed to parse also lands in `Unknown` (the
//! data is kept), and is logged for [`take_fallbacks`], which the conformance harness checks
//! to be empty.

use serde::de::{self, DeserializeOwned, Deserializer, IgnoredAny, MapAccess, Visitor};
use serde_json::value::RawValue;
use std::borrow::Cow;
use std::cell::RefCell;
use std::fmt;

/// JSON kinds as a bit set, used to narrow candidate variants.
pub mod kind {
    /// `true` / `false`.
    pub const BOOL: u8 = 1;
    /// Any number.
    pub const NUMBER: u8 = 1 << 1;
    /// A string.
    pub const STRING: u8 = 1 << 2;
    /// An array.
    pub const ARRAY: u8 = 1 << 3;
    /// An object.
    pub const OBJECT: u8 = 1 << 4;
    /// `null`.
    pub const NULL: u8 = 1 << 5;
    /// Any kind (a variant typed as `serde_json::Value`).
    pub const ANY: u8 = 0xff;
}

/// Describes one generated union.
#[derive(Debug)]
pub struct UnionSpec {
    /// The Rust type name (for diagnostics).
    pub name: &'static str,
    /// The discriminator property of its object variants, if it has one.
    pub tag: Option<&'static str>,
    /// The variants, in declaration order (the order of the spec's `oneOf`).
    pub variants: &'static [VariantSpec],
}

/// Describes one variant of a [`UnionSpec`].
#[derive(Debug)]
pub struct VariantSpec {
    /// Bit set of the JSON kinds ([`kind`]) this variant accepts.
    pub kinds: u8,
    /// Tag values that select this variant (empty: the variant has no fixed tag).
    pub tags: &'static [&'static str],
    /// Property names the variant knows (object variants), used to rank candidates.
    pub keys: &'static [&'static str],
    /// Property names the spec marks required (object variants), used to rank candidates.
    pub required: &'static [&'static str],
}

/// Why a value ended in a union's catch-all variant.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum FallbackKind {
    /// The discriminator named no known variant (a new event or block type).
    UnknownTag(String),
    /// The value's kind or keys matched no variant.
    NoCandidate,
    /// A variant was chosen but did not parse; the message is serde's error.
    ParseFailed(String),
}

/// One value that ended in a union's catch-all variant.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Fallback {
    /// The union's Rust type name.
    pub union: &'static str,
    /// Why.
    pub kind: FallbackKind,
}

thread_local! {
    static FALLBACKS: RefCell<Vec<Fallback>> = const { RefCell::new(Vec::new()) };
}

/// Largest number of fallbacks remembered per thread between two [`take_fallbacks`] calls, so
/// that a long-running process that never reads them keeps bounded memory.
const MAX_LOGGED_FALLBACKS: usize = 256;

fn log_fallback(fallback: Fallback) {
    FALLBACKS.with(|log| {
        let mut log = log.borrow_mut();
        if log.len() < MAX_LOGGED_FALLBACKS {
            log.push(fallback);
        }
    });
}

/// Returns and clears the fallbacks recorded on this thread since the last call.
pub fn take_fallbacks() -> Vec<Fallback> {
    FALLBACKS.with(|log| std::mem::take(&mut *log.borrow_mut()))
}

/// Captures the value to dispatch on.
pub fn capture<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Box<RawValue>, D::Error> {
    serde::Deserialize::deserialize(deserializer)
}

/// Parses a captured value into a variant type.
pub fn parse<T: DeserializeOwned>(raw: &str) -> Result<T, serde_json::Error> {
    serde_json::from_str(raw)
}

/// Turns a captured value into the catch-all `Value`.
pub fn to_value<E: de::Error>(raw: &RawValue) -> Result<serde_json::Value, E> {
    serde_json::from_str(raw.get()).map_err(E::custom)
}

/// The error for a variant index the generated code does not know (cannot happen unless a
/// [`UnionSpec`] and its parse function disagree).
pub fn bad_variant(index: usize) -> serde_json::Error {
    de::Error::custom(format_args!("no variant number {index}"))
}

/// The JSON kind of a captured value, from its first byte.
pub fn kind_of(raw: &str) -> u8 {
    match raw.trim_start().as_bytes().first() {
        Some(b'{') => kind::OBJECT,
        Some(b'[') => kind::ARRAY,
        Some(b'"') => kind::STRING,
        Some(b't' | b'f') => kind::BOOL,
        Some(b'n') => kind::NULL,
        _ => kind::NUMBER,
    }
}

/// Picks and parses the variant of `spec` for `raw`. `parse_variant(i, text)` parses variant
/// `i`. Returns `None` when the value belongs in the catch-all (the reason is logged).
pub fn dispatch<T>(
    spec: &UnionSpec,
    raw: &RawValue,
    parse_variant: impl Fn(usize, &str) -> Result<T, serde_json::Error>,
) -> Option<T> {
    let text = raw.get();
    let kind = kind_of(text);
    let mut candidates: Vec<usize> = (0..spec.variants.len())
        .filter(|&i| spec.variants[i].kinds & kind != 0)
        .collect();

    if kind == kind::OBJECT {
        if let Some(tag_name) = spec.tag {
            // A malformed tag cannot happen (the raw value is valid JSON); no tag means rank.
            if let Ok(Some(tag)) = peek_string_field(text, tag_name) {
                let tagged: Vec<usize> = candidates
                    .iter()
                    .copied()
                    .filter(|&i| spec.variants[i].tags.contains(&tag.as_ref()))
                    .collect();
                if tagged.is_empty() {
                    // Only variants without a fixed tag (free-form objects) may take it.
                    candidates.retain(|&i| spec.variants[i].tags.is_empty());
                    if candidates.is_empty() {
                        log_fallback(Fallback {
                            union: spec.name,
                            kind: FallbackKind::UnknownTag(tag.into_owned()),
                        });
                        return None;
                    }
                } else {
                    candidates = tagged;
                }
            }
        }
        if candidates.len() > 1 {
            let object_keys = object_keys(text).unwrap_or_default();
            rank(spec, &mut candidates, &object_keys);
        }
    }
    if candidates.is_empty() {
        log_fallback(Fallback {
            union: spec.name,
            kind: FallbackKind::NoCandidate,
        });
        return None;
    }
    let mut first_error = None;
    for &i in &candidates {
        match parse_variant(i, text) {
            Ok(value) => return Some(value),
            Err(e) => {
                first_error.get_or_insert(e);
            }
        }
    }
    log_fallback(Fallback {
        union: spec.name,
        kind: FallbackKind::ParseFailed(first_error.map(|e| e.to_string()).unwrap_or_default()),
    });
    None
}

/// Orders object candidates: most known keys first, missing required keys cost more than
/// known keys gain; ties keep the spec's order.
fn rank(spec: &UnionSpec, candidates: &mut [usize], keys: &[String]) {
    let score = |i: usize| -> i64 {
        let variant = &spec.variants[i];
        let known = keys
            .iter()
            .filter(|k| variant.keys.contains(&k.as_str()))
            .count() as i64;
        let unknown = keys.len() as i64 - known;
        let missing = variant
            .required
            .iter()
            .filter(|r| !keys.iter().any(|k| k == *r))
            .count() as i64;
        // A variant that knows no keys at all (free-form map) accepts anything but proves
        // nothing: rank it after any variant that recognises some key.
        if variant.keys.is_empty() {
            return -1_000;
        }
        known * 4 - unknown - missing * 8
    };
    candidates.sort_by_key(|&i| std::cmp::Reverse(score(i)));
}

/// Reads the string value of a top-level field of a JSON object without building a `Value`.
/// Returns `Ok(None)` if the field is absent or not a string.
pub fn peek_string_field<'a>(
    object: &'a str,
    field: &str,
) -> Result<Option<Cow<'a, str>>, serde_json::Error> {
    struct PeekVisitor<'f> {
        field: &'f str,
    }
    impl<'de> Visitor<'de> for PeekVisitor<'_> {
        type Value = Option<Cow<'de, str>>;
        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("a JSON object")
        }
        fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
            let mut found = None;
            while let Some(key) = map.next_key::<Cow<'de, str>>()? {
                if found.is_none() && key == self.field {
                    found = map.next_value::<MaybeStr<'de>>()?.0;
                } else {
                    map.next_value::<IgnoredAny>()?;
                }
            }
            Ok(found)
        }
    }
    let mut de = serde_json::Deserializer::from_str(object);
    de.deserialize_map(PeekVisitor { field })
}

/// The keys of a JSON object, in order.
pub fn object_keys(object: &str) -> Result<Vec<String>, serde_json::Error> {
    struct KeysVisitor;
    impl<'de> Visitor<'de> for KeysVisitor {
        type Value = Vec<String>;
        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("a JSON object")
        }
        fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
            let mut keys = Vec::new();
            while let Some(key) = map.next_key::<Cow<'de, str>>()? {
                keys.push(key.into_owned());
                map.next_value::<IgnoredAny>()?;
            }
            Ok(keys)
        }
    }
    let mut de = serde_json::Deserializer::from_str(object);
    de.deserialize_map(KeysVisitor)
}

/// A string value (borrowed where possible), or `None` for any other JSON value.
struct MaybeStr<'de>(Option<Cow<'de, str>>);

impl<'de> serde::Deserialize<'de> for MaybeStr<'de> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = MaybeStr<'de>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("any JSON value")
            }
            fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Self::Value, E> {
                Ok(MaybeStr(Some(Cow::Borrowed(v))))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
                Ok(MaybeStr(Some(Cow::Owned(v.to_owned()))))
            }
            fn visit_bool<E: de::Error>(self, _: bool) -> Result<Self::Value, E> {
                Ok(MaybeStr(None))
            }
            fn visit_i64<E: de::Error>(self, _: i64) -> Result<Self::Value, E> {
                Ok(MaybeStr(None))
            }
            fn visit_u64<E: de::Error>(self, _: u64) -> Result<Self::Value, E> {
                Ok(MaybeStr(None))
            }
            fn visit_f64<E: de::Error>(self, _: f64) -> Result<Self::Value, E> {
                Ok(MaybeStr(None))
            }
            fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
                Ok(MaybeStr(None))
            }
            fn visit_seq<A: de::SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
                while seq.next_element::<IgnoredAny>()?.is_some() {}
                Ok(MaybeStr(None))
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
                // With `arbitrary_precision`, numbers arrive as a one-entry map.
                while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
                Ok(MaybeStr(None))
            }
        }
        deserializer.deserialize_any(V)
    }
}

/// Implements `Serialize` and `Deserialize` for a generated union: serialization writes the
/// variant's value as is; deserialization goes through [`dispatch`] with the union's
/// associated `UNION` spec, and anything that fits no variant lands in `Unknown(Value)`.
#[macro_export]
macro_rules! union_serde {
    ($name:ident { $($index:literal => $variant:ident),* $(,)? }) => {
        impl $crate::__private::serde::Serialize for $name {
            fn serialize<S: $crate::__private::serde::Serializer>(
                &self,
                serializer: S,
            ) -> ::std::result::Result<S::Ok, S::Error> {
                match self {
                    $( Self::$variant(value) => $crate::__private::serde::Serialize::serialize(value, serializer), )*
                    Self::Unknown(value) => $crate::__private::serde::Serialize::serialize(value, serializer),
                }
            }
        }

        impl $crate::Unknowns for $name {
            fn visit_unknowns<'a>(
                &'a self,
                at: &mut ::std::string::String,
                f: &mut dyn FnMut(&str, $crate::Unknown<'a>),
            ) {
                match self {
                    $( Self::$variant(value) => $crate::Unknowns::visit_unknowns(value, at, f), )*
                    Self::Unknown(value) => f(at, $crate::Unknown::Variant(value)),
                }
            }
        }

        impl<'de> $crate::__private::serde::Deserialize<'de> for $name {
            fn deserialize<D: $crate::__private::serde::Deserializer<'de>>(
                deserializer: D,
            ) -> ::std::result::Result<Self, D::Error> {
                let raw = $crate::union::capture(deserializer)?;
                let parsed = $crate::union::dispatch(&Self::UNION, &raw, |index, text| {
                    ::std::result::Result::Ok(match index {
                        $( $index => Self::$variant($crate::union::parse(text)?), )*
                        _ => return ::std::result::Result::Err($crate::union::bad_variant(index)),
                    })
                });
                match parsed {
                    ::std::option::Option::Some(value) => ::std::result::Result::Ok(value),
                    ::std::option::Option::None => $crate::union::to_value(&raw).map(Self::Unknown),
                }
            }
        }
    };
}

#[cfg(test)]
mod tests {
    use super::*;

    static SPEC: UnionSpec = UnionSpec {
        name: "Probe",
        tag: Some("type"),
        variants: &[
            VariantSpec {
                kinds: kind::STRING,
                tags: &[],
                keys: &[],
                required: &[],
            },
            VariantSpec {
                kinds: kind::OBJECT,
                tags: &["text"],
                keys: &["type", "text"],
                required: &["type", "text"],
            },
            VariantSpec {
                kinds: kind::OBJECT,
                tags: &["image"],
                keys: &["type", "url"],
                required: &["type"],
            },
            VariantSpec {
                kinds: kind::OBJECT,
                tags: &[],
                keys: &["role", "content"],
                required: &["role"],
            },
        ],
    };

    fn pick(json: &str) -> Option<usize> {
        let raw: Box<RawValue> = serde_json::from_str(json).expect("valid json");
        dispatch(&SPEC, &raw, |i, _| Ok(i))
    }

    #[test]
    fn kind_and_tag_select_the_variant() {
        assert_eq!(pick(r#""hello""#), Some(0));
        assert_eq!(pick(r#"{"text":"a","type":"text"}"#), Some(1));
        assert_eq!(pick(r#"{"type":"image","url":"u"}"#), Some(2));
        // Escaped tag values are compared after unescaping.
        assert_eq!(pick(r#"{"type":"im\u0061ge"}"#), Some(2));
    }

    #[test]
    fn untagged_objects_are_ranked_by_keys() {
        assert_eq!(pick(r#"{"role":"user","content":"x"}"#), Some(3));
        assert_eq!(pick(r#"{"text":"no tag"}"#), Some(1));
    }

    #[test]
    fn unknown_tags_and_kinds_fall_back() {
        take_fallbacks();
        // The untagged variant 3 has no fixed tag, so it may take an unknown tag.
        assert_eq!(pick(r#"{"type":"video"}"#), Some(3));
        assert_eq!(pick("[1]"), None);
        assert_eq!(
            take_fallbacks(),
            vec![Fallback {
                union: "Probe",
                kind: FallbackKind::NoCandidate
            }]
        );
    }

    #[test]
    fn failed_parse_is_logged() {
        take_fallbacks();
        let raw: Box<RawValue> = serde_json::from_str(r#"{"type":"text"}"#).expect("json");
        let got: Option<()> = dispatch(&SPEC, &raw, |_, s| parse::<u8>(s).map(|_| ()));
        assert_eq!(got, None);
        let log = take_fallbacks();
        assert!(matches!(&log[0].kind, FallbackKind::ParseFailed(m) if m.contains("u8")));
    }

    #[test]
    fn peek_ignores_nested_and_non_string_tags() {
        let text = r#"{"a":{"type":"inner"},"n":1.50,"type":"outer"}"#;
        assert_eq!(
            peek_string_field(text, "type").expect("ok").as_deref(),
            Some("outer")
        );
        assert_eq!(
            peek_string_field(r#"{"type":3}"#, "type").expect("ok"),
            None
        );
        assert_eq!(object_keys(text).expect("ok"), vec!["a", "n", "type"]);
    }
}
