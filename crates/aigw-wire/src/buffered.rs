//! The buffered path of union dispatch: an object whose tag is late or absent (and that
//! [`crate::speculate`] did not take) is captured as raw text, its variant chosen by its tag
//! or, without one, by ranking the candidates on the keys they know, then parsed from the
//! text.
//!
//! The captured entries are joined back into one object's text and parsed by serde_json's
//! own text parser, the deserializer every generated type is already compiled for. Handing
//! the entries over as a map of their own (serde's `MapDeserializer` over the raw values)
//! compiled every variant's deserialization once more for that map, for a slow path: 1.43 M
//! of aigw-openai's 7.39 M lines of debug LLVM IR (the gateway's features), a fifth.

use crate::raw::{CowStr, Key, Raw, without_position};
use crate::union::{
    Candidates, FallbackKind, UnionSpec, UnionVariants, candidates, first_that_parses, kind,
    log_fallback,
};
use serde::de::{self, DeserializeSeed, MapAccess};
use serde_json::Value;
use smallvec::SmallVec;
use std::borrow::Cow;

/// Orders object candidates: most known keys first; missing required keys cost more than
/// known keys gain; variants that know no keys at all (free-form maps) go last; ties keep the
/// spec's order.
pub(crate) fn rank(spec: &UnionSpec, candidates: &mut [usize], keys: &[&str]) {
    let score = |i: usize| -> i64 {
        let variant = &spec.variants[i];
        if variant.keys.is_empty() {
            return i64::MIN / 2;
        }
        let known = keys.iter().filter(|k| variant.keys.contains(k)).count() as i64;
        let unknown = keys.len() as i64 - known;
        let missing = variant
            .required
            .iter()
            .filter(|r| !keys.contains(r))
            .count() as i64;
        known * 4 - unknown - missing * 8
    };
    // Scored once each (a score compares key lists; sorting would recompute it per comparison),
    // on the stack: this runs for every buffered object.
    let mut scored: SmallVec<[(std::cmp::Reverse<i64>, usize); 16]> = candidates
        .iter()
        .map(|&i| (std::cmp::Reverse(score(i)), i))
        .collect();
    // Stable: ties keep the spec's order.
    scored.sort_by_key(|&(score, _)| score);
    for (slot, (_, i)) in candidates.iter_mut().zip(scored) {
        *slot = i;
    }
}

/// The candidate [`rank`] would put first when it scores the most any variant can: it knows
/// every key and misses no required one (ties keep the spec's order, so the first such
/// candidate is ranked first). Found without scoring the others.
pub(crate) fn perfect(spec: &UnionSpec, candidates: &[usize], keys: &[&str]) -> Option<usize> {
    if keys.is_empty() {
        return None;
    }
    candidates.iter().copied().find(|&i| {
        let variant = &spec.variants[i];
        keys.iter().all(|k| variant.keys.contains(k))
            && variant.required.iter().all(|r| keys.contains(r))
    })
}

/// The buffered path, for objects whose tag is not their first key (or that have none): the
/// rest of the object is captured as raw JSON text (a scan, no `Value` tree; borrowed from
/// the input when it can be, see [`crate::raw`]), the tag read from it, and the chosen variant
/// parsed from the text.
pub(crate) fn buffered<'de, T: UnionVariants, A: MapAccess<'de>>(
    mut entries: Vec<(Key<'de>, Raw<'de>)>,
    mut map: A,
) -> Result<T, A::Error> {
    let spec = T::spec();
    while let Some((key, value)) = map.next_entry::<Key<'de>, Raw<'de>>()? {
        entries.push((key, value));
    }
    let text = object_text(&entries).map_err(de::Error::custom)?;
    let parse = |i: usize| -> Result<T, serde_json::Error> {
        T::variant(i, &mut serde_json::Deserializer::from_str(&text)).map_err(without_position)
    };
    let unknown = || -> Result<T, A::Error> {
        serde_json::from_str::<Value>(&text)
            .map(T::unknown)
            .map_err(de::Error::custom)
    };

    let objects = || candidates(spec, kind::OBJECT);
    // Borrowed from the captured text unless the tag has escapes.
    let tag_value: Option<Cow<'_, str>> = spec.tag.and_then(|tag| {
        let (_, raw) = entries.iter().find(|(k, _)| k.0 == tag)?;
        CowStr
            .deserialize(&mut serde_json::Deserializer::from_str(&raw.0))
            .ok()
    });
    let mut ranked: Candidates = match tag_value.as_deref() {
        Some(tag_value) => {
            let tagged = || objects().filter(|&i| spec.variants[i].tags.contains(&tag_value));
            let mut first_two = tagged();
            match (first_two.next(), first_two.next()) {
                // The tag names one variant: it must parse as that variant.
                (Some(only), None) => return parse(only).map_err(de::Error::custom),
                (None, _) => {
                    let untagged: Candidates = objects()
                        .filter(|&i| spec.variants[i].tags.is_empty())
                        .collect();
                    if untagged.is_empty() {
                        log_fallback(spec.name, FallbackKind::UnknownTag(tag_value.to_owned()));
                        return unknown();
                    }
                    untagged
                }
                _ => tagged().collect(),
            }
        }
        None => objects().collect(),
    };
    let keys: SmallVec<[&str; 16]> = entries.iter().map(|(k, _)| &*k.0).collect();
    // The common case (a message without its `type`) has a variant that knows every key and
    // misses no required one: ranking would put it first, so it is tried before the others
    // are scored. Its error, if it fails, is the ranked list's first, kept for that turn.
    let mut first_failure = None;
    if let Some(best) = perfect(spec, &ranked, &keys) {
        match parse(best) {
            Ok(v) => return Ok(v),
            Err(e) => first_failure = Some((best, e)),
        }
    }
    rank(spec, &mut ranked, &keys);
    let parse = |i: usize| match first_failure.take() {
        Some((tried, e)) if tried == i => Err(e),
        _ => parse(i),
    };
    match first_that_parses(spec, ranked, parse) {
        Some(v) => Ok(v),
        None => unknown(),
    }
}

/// `{}`: the first object variant that accepts it, else `Unknown`.
pub(crate) fn buffered_empty<T: UnionVariants, E: de::Error>(spec: &UnionSpec) -> Result<T, E> {
    let mut ranked: Candidates = candidates(spec, kind::OBJECT).collect();
    rank(spec, &mut ranked, &[]);
    for i in ranked {
        if let Ok(v) = T::variant(i, &mut serde_json::Deserializer::from_str("{}")) {
            return Ok(v);
        }
    }
    log_fallback(spec.name, FallbackKind::NoCandidate);
    Ok(T::unknown(Value::Object(serde_json::Map::new())))
}

/// The JSON text of an object of these entries, in their order (values are captured JSON
/// text; keys were unescaped when read, so those that need it are escaped again).
fn object_text(entries: &[(Key<'_>, Raw<'_>)]) -> serde_json::Result<String> {
    let len: usize = entries.iter().map(|(k, v)| k.0.len() + v.0.len() + 4).sum();
    let mut text = String::with_capacity(len + 2);
    text.push('{');
    for (i, (key, value)) in entries.iter().enumerate() {
        if i > 0 {
            text.push(',');
        }
        if key.0.bytes().any(|b| b == b'"' || b == b'\\' || b < 0x20) {
            text.push_str(&serde_json::to_string(&*key.0)?);
        } else {
            text.push('"');
            text.push_str(&key.0);
            text.push('"');
        }
        text.push(':');
        text.push_str(&value.0);
    }
    text.push('}');
    Ok(text)
}
