//! Dispatch for the unions (`oneOf`/`anyOf`) of the generated code.
//!
//! serde's `#[serde(untagged)]` buffers the input and tries every variant in turn (11–21 µs
//! per Responses stream event against 0.3–1 µs for tag dispatch, measured in
//! `shared/notes/codegen-findings.md`) and reports "data did not match any variant"; its
//! internally tagged enums cannot keep an unknown tag. Neither fits wire types that must stay
//! lossless, so every generated union describes itself with a [`UnionSpec`] and deserializes
//! through [`deserialize`]:
//!
//! 1. the JSON kind (object, string, array, …) narrows the candidate variants;
//! 2. for objects with a discriminator property (`type`, `role`, `object`, …), keys are read
//!    until the tag; when the tag names one variant, that variant parses the entries read so
//!    far followed by the rest of the object, **in the same pass** (providers put the tag
//!    first or early). Such a value must parse as that variant, or deserialization fails with
//!    serde's error. When the tag comes later (key-sorted bodies), the object is parsed in one
//!    pass as soon as its keys leave one variant that knows them all, a guess checked key by
//!    key and put back when the tag says otherwise (`speculate.rs`);
//! 3. an unknown tag goes to the `Unknown(Value)` catch-all;
//! 4. otherwise the object is buffered (`buffered.rs`): the variant its tag names, or
//!    with no tag (or one that several variants share) the candidates ranked by how many of
//!    its keys they know, tried in that order;
//! 5. whatever fits no variant is kept whole in `Unknown(Value)`.
//!
//! Values that end in `Unknown` are logged per thread for [`take_fallbacks`], which the
//! conformance harness checks.

use crate::buffered::{buffered, buffered_empty};
use crate::raw::{Key, Raw};
use crate::replay::{Replayed, ValueReplay};
use serde::de::value::{
    BoolDeserializer, F64Deserializer, I64Deserializer, MapAccessDeserializer,
    SeqAccessDeserializer, StrDeserializer, U64Deserializer,
};
use serde::de::{self, Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_json::Value;
use smallvec::SmallVec;
use std::cell::RefCell;
use std::fmt;
use std::marker::PhantomData;

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
    /// The object variants that name `key` among their [`VariantSpec::keys`], as a bit set of
    /// variant indexes (bit `i`: `variants[i]`): generated as one `match`, so that an object
    /// whose tag comes late is narrowed key by key without searching every variant's list.
    /// Always empty for a union without a tag, or of more than 64 variants.
    pub knows: fn(&str) -> u64,
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

/// Implemented by every generated union (through [`union_serde!`](crate::union_serde)).
///
/// `Serialize`: a variant guessed while parsing is serialized back when the guess was wrong
/// (see `speculate.rs`).
pub trait UnionVariants: Sized + serde::Serialize {
    /// How the union picks its variant.
    fn spec() -> &'static UnionSpec;
    /// Deserializes variant `index` from `deserializer`.
    fn variant<'de, D: Deserializer<'de>>(index: usize, deserializer: D) -> Result<Self, D::Error>;
    /// The catch-all.
    fn unknown(value: Value) -> Self;
}

/// Why a value ended in a union's catch-all variant.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum FallbackKind {
    /// The discriminator named no known variant (a new event or block type).
    UnknownTag(String),
    /// The value's kind matched no variant.
    NoCandidate,
    /// Several variants could take the value and none parsed it; the message is the first
    /// candidate's error.
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

pub(crate) fn log_fallback(union: &'static str, kind: FallbackKind) {
    FALLBACKS.with(|log| {
        let mut log = log.borrow_mut();
        if log.len() < MAX_LOGGED_FALLBACKS {
            log.push(Fallback { union, kind });
        }
    });
}

/// How many fallbacks this thread has logged and not yet handed out.
pub(crate) fn fallbacks_logged() -> usize {
    FALLBACKS.with(|log| log.borrow().len())
}

/// Forgets the fallbacks logged after the first `len` (those of a parse whose result was
/// thrown away, see `speculate.rs`).
pub(crate) fn truncate_fallbacks(len: usize) {
    FALLBACKS.with(|log| log.borrow_mut().truncate(len));
}

/// Returns and clears the fallbacks recorded on this thread since the last call.
pub fn take_fallbacks() -> Vec<Fallback> {
    FALLBACKS.with(|log| std::mem::take(&mut *log.borrow_mut()))
}

/// The key under which serde_json's `arbitrary_precision` passes a number through serde.
const NUMBER_TOKEN: &str = "$serde_json::private::Number";

/// Deserializes a generated union (see the module documentation).
pub fn deserialize<'de, T: UnionVariants, D: Deserializer<'de>>(
    deserializer: D,
) -> Result<T, D::Error> {
    deserializer.deserialize_any(UnionVisitor(PhantomData))
}

struct UnionVisitor<T>(PhantomData<T>);

/// Variant indexes, on the stack for any union of a real spec.
pub(crate) type Candidates = SmallVec<[usize; 16]>;

pub(crate) fn candidates(spec: &UnionSpec, kind: u8) -> impl Iterator<Item = usize> + '_ {
    (0..spec.variants.len()).filter(move |&i| spec.variants[i].kinds & kind != 0)
}

/// Tries the candidates for a scalar in order; `make` builds a fresh deserializer over the
/// value for each try (cheap: borrowed strings, plain numbers), `whole` the catch-all value.
fn scalar<'de, T, D, E>(
    kind: u8,
    make: impl Fn() -> D,
    whole: impl FnOnce() -> Value,
) -> Result<T, E>
where
    T: UnionVariants,
    D: Deserializer<'de, Error = E>,
    E: de::Error,
{
    let spec = T::spec();
    match first_that_parses(spec, candidates(spec, kind), |i| T::variant(i, make())) {
        Some(v) => Ok(v),
        None => Ok(T::unknown(whole())),
    }
}

/// Tries `parse` on each candidate in order; the first success wins. When none parses, the
/// first candidate is tried once more leniently (a field whose type changed between spec
/// versions is kept as [`Maybe::Mistyped`](crate::Maybe::Mistyped) instead of sending the
/// whole value to the catch-all). When that fails too, the reason (no candidate, or the first
/// candidate's error) is logged and `None` returned.
pub(crate) fn first_that_parses<T, E: fmt::Display>(
    spec: &UnionSpec,
    candidates: impl IntoIterator<Item = usize>,
    mut parse: impl FnMut(usize) -> Result<T, E>,
) -> Option<T> {
    let mut first = None;
    for i in candidates {
        match parse(i) {
            Ok(v) => return Some(v),
            Err(e) => {
                first.get_or_insert((i, e.to_string()));
            }
        }
    }
    if let Some((i, _)) = first
        && !crate::lenient::active()
        && let Ok(v) = crate::lenient::lenient(|| parse(i))
    {
        return Some(v);
    }
    let first_error = first.map(|(_, e)| e);
    log_fallback(
        spec.name,
        first_error.map_or(FallbackKind::NoCandidate, FallbackKind::ParseFailed),
    );
    None
}

/// [`scalar`] for a value already held as a `Value`.
fn scalar_value<T: UnionVariants, E: de::Error>(kind: u8, value: Value) -> Result<T, E> {
    let copy = value.clone();
    scalar(kind, || ValueReplay::<E>::new(value.clone()), move || copy)
}

/// Parses variant `index` from the entries read so far (`seen`, then `held`, see
/// [`Replayed`]) followed by the unread rest.
fn resume<'de, T: UnionVariants, A: MapAccess<'de>>(
    index: usize,
    seen: Vec<(Key<'de>, Raw<'de>)>,
    held: (Key<'de>, Option<Value>),
    mut rest: A,
) -> Result<T, A::Error> {
    let mut entries = Replayed::new(seen, Some(held), &mut rest);
    T::variant(index, MapAccessDeserializer::new(&mut entries))
}

impl<'de, T: UnionVariants> Visitor<'de> for UnionVisitor<T> {
    type Value = T;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "a {} value", T::spec().name)
    }

    fn visit_bool<E: de::Error>(self, v: bool) -> Result<T, E> {
        scalar(kind::BOOL, || BoolDeserializer::new(v), || Value::Bool(v))
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<T, E> {
        scalar(kind::NUMBER, || I64Deserializer::new(v), || Value::from(v))
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<T, E> {
        scalar(kind::NUMBER, || U64Deserializer::new(v), || Value::from(v))
    }

    fn visit_f64<E: de::Error>(self, v: f64) -> Result<T, E> {
        scalar(kind::NUMBER, || F64Deserializer::new(v), || Value::from(v))
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<T, E> {
        scalar(
            kind::STRING,
            || StrDeserializer::new(v),
            || Value::String(v.to_owned()),
        )
    }

    fn visit_unit<E: de::Error>(self) -> Result<T, E> {
        scalar_value(kind::NULL, Value::Null)
    }

    fn visit_none<E: de::Error>(self) -> Result<T, E> {
        scalar_value(kind::NULL, Value::Null)
    }

    fn visit_some<D: Deserializer<'de>>(self, deserializer: D) -> Result<T, D::Error> {
        deserialize(deserializer)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<T, A::Error> {
        let spec = T::spec();
        let arrays: Vec<usize> = candidates(spec, kind::ARRAY).collect();
        if let [only] = arrays.as_slice()
            && spec.variants[*only].kinds != kind::ANY
        {
            return T::variant(*only, SeqAccessDeserializer::new(seq));
        }
        let mut items = Vec::new();
        while let Some(item) = seq.next_element::<Value>()? {
            items.push(item);
        }
        scalar_value(kind::ARRAY, Value::Array(items))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<T, A::Error> {
        let spec = T::spec();
        let Some(first) = map.next_key::<Key<'de>>()? else {
            return buffered_empty(spec);
        };
        if first.0 == NUMBER_TOKEN {
            // A number, as serde_json's `arbitrary_precision` passes it.
            let text: String = map.next_value()?;
            let number: serde_json::Number = text.parse().map_err(de::Error::custom)?;
            return scalar_value(kind::NUMBER, Value::Number(number));
        }
        let Some(tag) = spec.tag else {
            let mut objects = candidates(spec, kind::OBJECT);
            return match (objects.next(), objects.next()) {
                (Some(only), None) if spec.variants[only].kinds != kind::ANY => {
                    resume(only, Vec::new(), (first, None), map)
                }
                _ => {
                    let raw = map.next_value::<Raw<'de>>()?;
                    buffered(vec![(first, raw)], map)
                }
            };
        };
        // Providers send the tag first or right after an `id`: keys before it are kept raw (a
        // scan, borrowing the text when the input allows) and, once the tag names one variant,
        // replayed in front of the unread rest, so the object is parsed in one pass. Objects
        // whose tag comes later (e.g. with sorted keys) are parsed as the one variant that
        // knows their keys once there is one, checked as the rest comes (`speculate.rs`).
        const KEYS_BEFORE_TAG: usize = 2;
        let mut seen: Vec<(Key<'de>, Raw<'de>)> = Vec::new();
        // From the third key on, the object variants that know every key so far.
        let mut knowing: Option<u64> = None;
        let mut key = first;
        loop {
            if key.0 != tag {
                if seen.len() >= KEYS_BEFORE_TAG {
                    let mask = knowing.get_or_insert_with(|| {
                        seen.iter().fold(!0, |m, (k, _)| m & (spec.knows)(&k.0))
                    });
                    *mask &= (spec.knows)(&key.0);
                    if mask.count_ones() == 1 {
                        let guess = mask.trailing_zeros() as usize;
                        return crate::speculate::speculate(seen, key, guess, map);
                    }
                }
                let raw = map.next_value::<Raw<'de>>()?;
                seen.push((key, raw));
                if knowing == Some(0) {
                    return buffered(seen, map);
                }
                match map.next_key::<Key<'de>>()? {
                    Some(next) => key = next,
                    None => return buffered(seen, map),
                }
                continue;
            }
            let value: Value = map.next_value()?;
            if let Value::String(tag_value) = &value {
                let selects = |i: &usize| spec.variants[*i].tags.contains(&tag_value.as_str());
                let mut tagged = candidates(spec, kind::OBJECT).filter(selects);
                let only = match (tagged.next(), tagged.next()) {
                    (Some(only), None) => Some(only),
                    _ => None,
                };
                let unknown_tag = only.is_none()
                    && candidates(spec, kind::OBJECT)
                        .all(|i| !spec.variants[i].tags.contains(&tag_value.as_str()))
                    && candidates(spec, kind::OBJECT).all(|i| !spec.variants[i].tags.is_empty());
                if let Some(only) = only {
                    return resume(only, seen, (key, Some(value)), map);
                }
                if unknown_tag {
                    log_fallback(spec.name, FallbackKind::UnknownTag(tag_value.clone()));
                    let mut rest = map;
                    let mut entries = Replayed::new(seen, Some((key, Some(value))), &mut rest);
                    return Value::deserialize(MapAccessDeserializer::new(&mut entries))
                        .map(T::unknown);
                }
            }
            seen.push((key, Raw(value.to_string().into())));
            return buffered(seen, map);
        }
    }
}

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

        impl $crate::union::UnionVariants for $name {
            fn spec() -> &'static $crate::union::UnionSpec {
                &Self::UNION
            }

            fn variant<'de, D: $crate::__private::serde::Deserializer<'de>>(
                index: usize,
                deserializer: D,
            ) -> ::std::result::Result<Self, D::Error> {
                match index {
                    $( $index => $crate::__private::serde::Deserialize::deserialize(deserializer).map(Self::$variant), )*
                    _ => ::std::result::Result::Err(<D::Error as $crate::__private::serde::de::Error>::custom(
                        ::std::format_args!("{} has no variant number {}", stringify!($name), index),
                    )),
                }
            }

            fn unknown(value: ::serde_json::Value) -> Self {
                Self::Unknown(value)
            }
        }

        impl<'de> $crate::__private::serde::Deserialize<'de> for $name {
            fn deserialize<D: $crate::__private::serde::Deserializer<'de>>(
                deserializer: D,
            ) -> ::std::result::Result<Self, D::Error> {
                $crate::union::deserialize(deserializer)
            }
        }
    };
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::buffered::{perfect, rank};
    use serde::Serialize;

    /// A hand-written union shaped like a generated one.
    #[derive(Debug, PartialEq, Serialize, serde::Deserialize)]
    struct Text {
        #[serde(rename = "type")]
        kind: String,
        text: String,
    }
    #[derive(Debug, PartialEq, Serialize, serde::Deserialize)]
    struct Image {
        #[serde(rename = "type")]
        kind: String,
        #[serde(default)]
        url: Option<String>,
    }
    #[derive(Debug, PartialEq, Serialize, serde::Deserialize)]
    struct Message {
        role: String,
        #[serde(default)]
        content: Option<String>,
    }

    #[derive(Debug, PartialEq, Serialize)]
    #[serde(untagged)]
    enum Part {
        Plain(String),
        Text(Text),
        Image(Image),
        Message(Message),
        Unknown(Value),
    }

    impl Part {
        const UNION: UnionSpec = UnionSpec {
            name: "Part",
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
            knows: |key| match key {
                "type" => 0b0110,
                "text" => 0b0010,
                "url" => 0b0100,
                "role" | "content" => 0b1000,
                _ => 0,
            },
        };
    }

    impl UnionVariants for Part {
        fn spec() -> &'static UnionSpec {
            &Self::UNION
        }
        fn variant<'de, D: Deserializer<'de>>(index: usize, d: D) -> Result<Self, D::Error> {
            match index {
                0 => String::deserialize(d).map(Part::Plain),
                1 => Text::deserialize(d).map(Part::Text),
                2 => Image::deserialize(d).map(Part::Image),
                3 => Message::deserialize(d).map(Part::Message),
                _ => Err(de::Error::custom("no such variant")),
            }
        }
        fn unknown(value: Value) -> Self {
            Part::Unknown(value)
        }
    }

    impl<'de> Deserialize<'de> for Part {
        fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
            deserialize(d)
        }
    }

    fn parse(json: &str) -> Result<Part, serde_json::Error> {
        take_fallbacks();
        serde_json::from_str(json)
    }

    #[test]
    fn kind_and_tag_select_the_variant() {
        assert_eq!(
            parse(r#""hello""#).expect("string"),
            Part::Plain("hello".into())
        );
        assert_eq!(
            parse(r#"{"text":"a","type":"text"}"#).expect("tag after a key"),
            Part::Text(Text {
                kind: "text".into(),
                text: "a".into()
            })
        );
        assert_eq!(
            parse(r#"{"type":"image","url":"u"}"#).expect("tag first"),
            Part::Image(Image {
                kind: "image".into(),
                url: Some("u".into())
            })
        );
        // Escaped tag values are compared after unescaping.
        assert!(matches!(
            parse(r#"{"type":"im\u0061ge"}"#).expect("escaped"),
            Part::Image(_)
        ));
        // Through `serde_json::Value` as well.
        let value = serde_json::json!({"url": "u", "type": "image"});
        assert!(matches!(
            serde_json::from_value::<Part>(value).expect("from value"),
            Part::Image(_)
        ));
    }

    #[test]
    fn untagged_objects_are_ranked_by_keys() {
        assert!(matches!(
            parse(r#"{"role":"user","content":"x"}"#).expect("ranked"),
            Part::Message(_)
        ));
        // No tag: the text variant ranks first (it knows `text`) but needs `type`; nothing else
        // fits either, so the object is kept, and the first candidate's error is logged.
        let kept = parse(r#"{"text":"no tag"}"#).expect("kept");
        assert_eq!(kept, Part::Unknown(serde_json::json!({"text": "no tag"})));
        assert!(
            matches!(&take_fallbacks()[0].kind, FallbackKind::ParseFailed(m) if m.contains("`type`"))
        );
    }

    #[test]
    fn buffered_objects_keep_escaped_keys_and_report_no_position_of_their_own() {
        // Parsed again from the captured entries: escaped keys must be written escaped.
        assert!(matches!(
            parse(r#"{"r\u006fle":"user","content":"x"}"#).expect("escaped key"),
            Part::Message(_)
        ));
        let text = r#"{"x\"y":1,"z\\":[2.50],"w":{}}"#;
        let kept = parse(text).expect("kept");
        assert!(matches!(kept, Part::Unknown(_)), "{kept:?}");
        assert_eq!(serde_json::to_string(&kept).expect("serializes"), text);
        // A variant's error carries no position in the rebuilt text; the input's
        // deserializer adds its own.
        take_fallbacks();
        parse(r#"{"text":"no tag"}"#).expect("kept");
        let logged = take_fallbacks();
        assert!(
            matches!(&logged[0].kind, FallbackKind::ParseFailed(m) if m == "missing field `type`"),
            "{logged:?}"
        );
        // Keys no variant knows before a late tag: buffered, then parsed as the tag's variant.
        let text = r#"{"a":1,"b":2,"c":3,"text":3,"type":"text"}"#;
        let err = parse(text).expect_err("text must be a string");
        let message = err.to_string();
        assert!(
            message.starts_with("invalid type: integer `3`, expected a string at line 1 column "),
            "{message}"
        );
        assert_eq!(message.matches(" at line ").count(), 1, "{message}");
        assert_ne!(err.column(), 1, "{message}");
        // The same for a value read before the tag and replayed in front of the rest.
        let err = parse(r#"{"text":3,"type":"text"}"#).expect_err("replayed");
        assert_eq!((err.line(), err.column()), (1, 24), "{err}");
    }

    #[test]
    fn the_perfect_candidate_is_the_one_ranking_puts_first() {
        let spec = Part::spec();
        let objects: Vec<usize> = candidates(spec, kind::OBJECT).collect();
        let key_sets: [&[&str]; 8] = [
            &["role"],
            &["content", "role"],
            &["type", "text"],
            &["type"],
            &["text"],
            &["url", "type", "url"],
            &["role", "x"],
            &[],
        ];
        for keys in key_sets {
            let mut ranked = objects.clone();
            rank(spec, &mut ranked, keys);
            match perfect(spec, &objects, keys) {
                Some(best) => assert_eq!(best, ranked[0], "{keys:?}"),
                // None: no variant knows every key and has every required one.
                None => assert!(
                    keys.is_empty()
                        || !objects.iter().any(|&i| {
                            let v = &spec.variants[i];
                            keys.iter().all(|k| v.keys.contains(k))
                                && v.required.iter().all(|r| keys.contains(r))
                        }),
                    "{keys:?}"
                ),
            }
        }
        assert_eq!(perfect(spec, &objects, &["type"]), Some(2));
        assert_eq!(perfect(spec, &objects, &["role", "x"]), None);
    }

    #[test]
    fn a_perfect_candidate_that_fails_is_tried_once_and_logged_once() {
        // `Message` knows every key but `role` is not a string: nothing else fits either.
        let kept = parse(r#"{"role":5}"#).expect("kept");
        assert_eq!(kept, Part::Unknown(serde_json::json!({"role": 5})));
        let fallbacks = take_fallbacks();
        assert_eq!(fallbacks.len(), 1, "{fallbacks:?}");
        assert!(
            matches!(&fallbacks[0].kind, FallbackKind::ParseFailed(m) if m.contains("integer `5`")),
            "{fallbacks:?}"
        );
    }

    #[test]
    fn unknown_tags_and_kinds_fall_back_and_are_logged() {
        // The untagged variant 3 may take an unknown tag if it parses.
        assert!(matches!(
            parse(r#"{"type":"video","role":"r"}"#).expect("untagged takes it"),
            Part::Message(_)
        ));
        let value = parse("[1,2.50]").expect("array");
        assert_eq!(
            value,
            Part::Unknown(serde_json::from_str("[1,2.50]").expect("json"))
        );
        assert_eq!(
            take_fallbacks(),
            vec![Fallback {
                union: "Part",
                kind: FallbackKind::NoCandidate
            }]
        );
        let number = parse("1.0").expect("number");
        assert_eq!(
            serde_json::to_string(&match number {
                Part::Unknown(v) => v,
                _ => Value::Null,
            })
            .expect("ser"),
            "1.0"
        );
    }

    #[test]
    fn a_tag_naming_one_variant_must_parse_as_it() {
        let err = parse(r#"{"type":"text","text":3}"#).expect_err("text must be a string");
        assert!(err.to_string().contains("invalid type"), "{err}");
    }

    #[test]
    fn ambiguous_objects_that_fit_nothing_are_kept() {
        let kept = parse(r#"{"type":"video","x":1}"#).expect("kept");
        assert_eq!(
            kept,
            Part::Unknown(serde_json::json!({"type": "video", "x": 1}))
        );
        assert!(
            matches!(&take_fallbacks()[0].kind, FallbackKind::ParseFailed(m) if m.contains("role"))
        );
    }
}
