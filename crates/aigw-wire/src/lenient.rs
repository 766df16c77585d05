//! Parsing that survives a field whose type changed between spec versions.
//!
//! A generated type follows the spec it was generated from. When upstream changes a field's
//! type (an older OpenAI spec types an MCP tool field as a string; today's traffic sends an
//! object), a strict parse of the whole body fails on that one field. These entry points parse
//! strictly first — the fast path, identical to `serde_json` — and only when that fails parse
//! again leniently: every [`Maybe`](crate::Maybe) field whose value `T` cannot hold keeps it
//! as [`Maybe::Mistyped`](crate::Maybe::Mistyped), exactly as received, and the
//! [`Unknowns`](crate::Unknowns) visitor reports it as [`Unknown::Mistyped`](crate::Unknown).
//! A body that is not JSON, or whose top level does not fit at all, still fails with the
//! strict parse's error.
//!
//! Why a thread-local flag: `Maybe<T>`'s `Deserialize` impl is generic over the deserializer
//! and is reached through serde's derived code, so it cannot be handed a mode; wrapping every
//! deserializer to carry one would cost the strict path a layer on every call. Deserialization
//! is synchronous, so the flag set around one call is seen by exactly the `Maybe`s that call
//! reaches (a guard clears it, panics included).

use crate::value_de::ValueDe;
use serde::de::DeserializeOwned;
use serde_json::Value;
use std::cell::Cell;

thread_local! {
    static LENIENT: Cell<bool> = const { Cell::new(false) };
}

/// `true` inside [`lenient`] (read by `Maybe`'s `Deserialize`). Inlined: every field read
/// asks, from the provider crates' code.
#[inline]
pub(crate) fn active() -> bool {
    LENIENT.with(Cell::get)
}

struct Guard(bool);

impl Drop for Guard {
    fn drop(&mut self) {
        LENIENT.with(|flag| flag.set(self.0));
    }
}

/// Runs `parse` with lenient `Maybe` fields.
pub(crate) fn lenient<R>(parse: impl FnOnce() -> R) -> R {
    let _restore = Guard(LENIENT.with(|flag| flag.replace(true)));
    parse()
}

/// Parses `bytes` as `T`: strictly, then leniently if the strict parse fails (see the module
/// docs). The error is the strict parse's.
///
/// The bytes are checked as UTF-8 once and parsed as text: serde_json's byte reader checks
/// each string (and each raw value a union captures) again.
pub fn from_slice<T: DeserializeOwned>(bytes: &[u8]) -> serde_json::Result<T> {
    from_str(utf8(bytes)?)
}

/// `bytes` as text, or serde_json's error naming the position of the bad byte (or of the first
/// syntax error before it). The error comes from parsing a `Value` rather than `T`: a byte
/// reader's parser of `T` would compile all of `T`'s deserialization once more, for bodies
/// that fail anyway.
pub(crate) fn utf8(bytes: &[u8]) -> serde_json::Result<&str> {
    std::str::from_utf8(bytes).map_err(|_| match serde_json::from_slice::<Value>(bytes) {
        Err(e) => e,
        // Not reached: serde_json checks every string it reads as a `Value`.
        Ok(_) => serde::de::Error::custom("the body is not valid UTF-8"),
    })
}

/// [`from_slice`] for text.
pub fn from_str<T: DeserializeOwned>(text: &str) -> serde_json::Result<T> {
    serde_json::from_str(text).or_else(|strict| match serde_json::from_str::<Value>(text) {
        Ok(value) => lenient(|| T::deserialize(ValueDe(&value))).map_err(|_| strict),
        Err(_) => Err(strict),
    })
}

/// Converts a JSON value to `T`: strictly, then leniently (see the module docs).
pub fn from_value<T: DeserializeOwned>(value: &Value) -> serde_json::Result<T> {
    T::deserialize(ValueDe(value))
        .or_else(|strict| lenient(|| T::deserialize(ValueDe(value))).map_err(|_| strict))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Maybe, Unknown, unknowns};

    #[derive(serde::Serialize, serde::Deserialize, Debug, Default, PartialEq)]
    struct Tool {
        #[serde(default, skip_serializing_if = "Maybe::is_absent")]
        name: Maybe<String>,
        #[serde(default, skip_serializing_if = "Maybe::is_absent")]
        allowed: Maybe<Vec<String>>,
        #[serde(default, skip_serializing_if = "Maybe::is_absent")]
        inner: Maybe<Box<Tool>>,
    }

    impl crate::Unknowns for Tool {
        fn visit_unknowns<'a>(&'a self, at: &mut String, f: &mut dyn FnMut(&str, Unknown<'a>)) {
            crate::unknowns::visit_field(&self.name, "name", at, f);
            crate::unknowns::visit_field(&self.allowed, "allowed", at, f);
            crate::unknowns::visit_field(&self.inner, "inner", at, f);
        }
    }

    #[test]
    fn a_mistyped_field_is_kept_exactly_and_reported_where_it_is() {
        let text = r#"{"name":"t","inner":{"name":"u","allowed":{"tool_names":["a"],"n":1.50}}}"#;
        assert!(
            serde_json::from_str::<Tool>(text).is_err(),
            "strict parse fails"
        );
        let tool: Tool = from_str(text).expect("lenient parse");
        assert_eq!(tool.name, Maybe::Present("t".into()));
        let inner = tool.inner.as_ref().expect("inner typed");
        assert_eq!(inner.name, Maybe::Present("u".into()));
        assert!(inner.allowed.is_mistyped());
        assert_eq!(
            serde_json::to_string(&tool).expect("ok"),
            text,
            "kept byte for byte"
        );
        let found = unknowns(&tool);
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].0, "/inner/allowed");
        assert!(matches!(found[0].1, Unknown::Mistyped(Value::Object(_))));
    }

    #[test]
    fn strict_success_and_hopeless_input_are_unchanged() {
        let tool: Tool = from_str(r#"{"allowed":["a"],"name":null}"#).expect("ok");
        assert_eq!(tool.allowed, Maybe::Present(vec!["a".into()]));
        assert_eq!(tool.name, Maybe::Null);
        let strict = serde_json::from_str::<Tool>("true")
            .expect_err("fails")
            .to_string();
        assert_eq!(
            from_str::<Tool>("true").expect_err("fails").to_string(),
            strict
        );
        assert!(from_str::<Tool>("{not json").is_err());
        // The flag does not leak: a strict parse after a lenient one still fails.
        assert!(serde_json::from_str::<Tool>(r#"{"name":1}"#).is_err());
    }

    #[test]
    fn from_value_falls_back_too() {
        let value: Value = serde_json::from_str(r#"{"name":["x"]}"#).expect("ok");
        let tool: Tool = from_value(&value).expect("ok");
        assert!(tool.name.is_mistyped());
        assert_eq!(serde_json::to_value(&tool).expect("ok"), value);
    }
}
