//! JSON text captured without copying when the input allows it.
//!
//! A union whose tag is not among an object's first keys captures the object's entries as raw
//! JSON text, then parses the chosen variant from that text (see [`crate::union`]).
//! `Box<RawValue>` and `String` keys copy every entry to the heap; [`Raw`] and [`Key`] borrow
//! from the input instead (parsing from `&str`/`&[u8]`, as the provider crates do), and own
//! only when the deserializer cannot lend (a reader, a `Value`, an escaped key). serde_json
//! has no public "borrowed if possible" raw value, so [`Raw`] speaks its raw-value protocol —
//! the same private newtype name the union module already relies on for numbers.

use serde::de::{self, DeserializeSeed, Deserializer, IgnoredAny, IntoDeserializer, Visitor};
use std::borrow::Cow;
use std::fmt;

/// The newtype name under which serde_json hands out a value's raw text.
const RAW_TOKEN: &str = "$serde_json::private::RawValue";

/// A string borrowed from the input when possible.
pub(crate) struct CowStr;

impl<'de> Visitor<'de> for CowStr {
    type Value = Cow<'de, str>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a string")
    }

    fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Self::Value, E> {
        Ok(Cow::Borrowed(v))
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
        Ok(Cow::Owned(v.to_owned()))
    }

    fn visit_string<E: de::Error>(self, v: String) -> Result<Self::Value, E> {
        Ok(Cow::Owned(v))
    }
}

impl<'de> DeserializeSeed<'de> for CowStr {
    type Value = Cow<'de, str>;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Self::Value, D::Error> {
        deserializer.deserialize_str(self)
    }
}

/// An object key.
pub(crate) struct Key<'de>(pub(crate) Cow<'de, str>);

impl<'de> de::Deserialize<'de> for Key<'de> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        CowStr.deserialize(deserializer).map(Key)
    }
}

/// The JSON text of one value.
pub(crate) struct Raw<'de>(pub(crate) Cow<'de, str>);

impl<'de> de::Deserialize<'de> for Raw<'de> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_newtype_struct(RAW_TOKEN, RawVisitor)
    }
}

struct RawVisitor;

impl<'de> Visitor<'de> for RawVisitor {
    type Value = Raw<'de>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any valid JSON value")
    }

    /// serde_json answers the raw-value name with a one-entry map: the name, then the text.
    fn visit_map<A: de::MapAccess<'de>>(self, mut map: A) -> Result<Raw<'de>, A::Error> {
        if map.next_key::<IgnoredAny>()?.is_none() {
            return Err(de::Error::invalid_type(de::Unexpected::Map, &self));
        }
        map.next_value_seed(CowStr).map(Raw)
    }
}

/// A deserializer over captured JSON text (what `&RawValue` is, for text not known to be a
/// `RawValue`: making one from a `&str` would validate it again).
#[derive(Clone, Copy)]
pub(crate) struct RawText<'a>(pub(crate) &'a str);

impl<'a> IntoDeserializer<'a, serde_json::Error> for RawText<'a> {
    type Deserializer = Self;

    fn into_deserializer(self) -> Self {
        self
    }
}

macro_rules! forward {
    ($($method:ident),* $(,)?) => {
        $(
            fn $method<V: Visitor<'a>>(self, visitor: V) -> Result<V::Value, serde_json::Error> {
                serde_json::Deserializer::from_str(self.0).$method(visitor)
            }
        )*
    };
}

impl<'a> RawText<'a> {
    /// The string this text is, when it is a string without escapes: its text between the
    /// quotes, read without a second parse (the capture already checked it as JSON).
    pub(crate) fn plain_str(self) -> Option<&'a str> {
        let inner = self.0.strip_prefix('"')?.strip_suffix('"')?;
        (!inner.contains('\\')).then_some(inner)
    }
}

/// For strings without escapes (most captured values: ids, names, roles, text), the string
/// is handed over without starting a parser; every other value is parsed from its text.
macro_rules! string_or_forward {
    ($($method:ident),* $(,)?) => {
        $(
            fn $method<V: Visitor<'a>>(self, visitor: V) -> Result<V::Value, serde_json::Error> {
                match self.plain_str() {
                    Some(s) => visitor.visit_borrowed_str(s),
                    None => serde_json::Deserializer::from_str(self.0).$method(visitor),
                }
            }
        )*
    };
}

impl<'a> Deserializer<'a> for RawText<'a> {
    type Error = serde_json::Error;

    forward! {
        deserialize_bool, deserialize_i8, deserialize_i16, deserialize_i32,
        deserialize_i64, deserialize_i128, deserialize_u8, deserialize_u16, deserialize_u32,
        deserialize_u64, deserialize_u128, deserialize_f32, deserialize_f64, deserialize_char,
        deserialize_bytes, deserialize_byte_buf, deserialize_unit, deserialize_seq,
        deserialize_map, deserialize_identifier, deserialize_ignored_any,
    }

    string_or_forward! { deserialize_any, deserialize_str, deserialize_string }

    /// Captured text has no whitespace around it, so anything that does not start as `null`
    /// does is some value (serde_json decides the same way, after a parser is started).
    fn deserialize_option<V: Visitor<'a>>(self, visitor: V) -> Result<V::Value, serde_json::Error> {
        if self.0.starts_with('n') {
            serde_json::Deserializer::from_str(self.0).deserialize_option(visitor)
        } else {
            visitor.visit_some(self)
        }
    }

    fn deserialize_unit_struct<V: Visitor<'a>>(
        self,
        name: &'static str,
        visitor: V,
    ) -> Result<V::Value, serde_json::Error> {
        serde_json::Deserializer::from_str(self.0).deserialize_unit_struct(name, visitor)
    }

    fn deserialize_newtype_struct<V: Visitor<'a>>(
        self,
        name: &'static str,
        visitor: V,
    ) -> Result<V::Value, serde_json::Error> {
        serde_json::Deserializer::from_str(self.0).deserialize_newtype_struct(name, visitor)
    }

    fn deserialize_tuple<V: Visitor<'a>>(
        self,
        len: usize,
        visitor: V,
    ) -> Result<V::Value, serde_json::Error> {
        serde_json::Deserializer::from_str(self.0).deserialize_tuple(len, visitor)
    }

    fn deserialize_tuple_struct<V: Visitor<'a>>(
        self,
        name: &'static str,
        len: usize,
        visitor: V,
    ) -> Result<V::Value, serde_json::Error> {
        serde_json::Deserializer::from_str(self.0).deserialize_tuple_struct(name, len, visitor)
    }

    fn deserialize_struct<V: Visitor<'a>>(
        self,
        name: &'static str,
        fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, serde_json::Error> {
        serde_json::Deserializer::from_str(self.0).deserialize_struct(name, fields, visitor)
    }

    fn deserialize_enum<V: Visitor<'a>>(
        self,
        name: &'static str,
        variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, serde_json::Error> {
        serde_json::Deserializer::from_str(self.0).deserialize_enum(name, variants, visitor)
    }
}

/// An error of a parse of captured text without serde_json's position in that text, which is
/// not the input's: the deserializer of the input adds its own when the error reaches it
/// (serde_json reads a position back out of a message that ends with one, so it must go).
pub(crate) fn without_position(e: serde_json::Error) -> serde_json::Error {
    if e.line() == 0 || !e.is_data() {
        return e;
    }
    let message = e.to_string();
    let position = format!(" at line {} column {}", e.line(), e.column());
    match message.strip_suffix(&position) {
        Some(bare) => de::Error::custom(bare),
        None => e,
    }
}

#[cfg(test)]
mod tests {
    use super::{Key, Raw, RawText};
    use serde::Deserialize;
    use serde_json::Value;
    use std::borrow::Cow;

    #[test]
    fn captured_text_reads_as_its_own_parse_would() {
        for text in [
            r#""plain""#,
            r#""""#,
            r#""with \"quotes\" and \u00e9""#,
            r#""\\""#,
            "null",
            "12.50",
            "[1,null]",
            r#"{"a":"b"}"#,
            "true",
        ] {
            let direct: Value = serde_json::from_str(text).expect("json");
            assert_eq!(
                Value::deserialize(RawText(text)).expect("any"),
                direct,
                "{text}"
            );
            let option = Option::<Value>::deserialize(RawText(text)).expect("option");
            assert_eq!(
                option,
                serde_json::from_str::<Option<Value>>(text).expect("json")
            );
            let string = String::deserialize(RawText(text));
            match serde_json::from_str::<String>(text) {
                Ok(s) => assert_eq!(string.expect("string"), s, "{text}"),
                Err(_) => assert!(string.is_err(), "{text}"),
            }
        }
        // Borrowed when there is nothing to unescape.
        assert_eq!(RawText(r#""id_1""#).plain_str(), Some("id_1"));
        assert_eq!(RawText(r#""a\"b""#).plain_str(), None);
        assert_eq!(RawText("1").plain_str(), None);
        assert_eq!(RawText(r#"""#).plain_str(), None);
        let borrowed: &str = <&str>::deserialize(RawText(r#""id_1""#)).expect("borrowed");
        assert_eq!(borrowed, "id_1");
    }

    #[test]
    fn borrowed_from_text_owned_from_a_value_or_an_escape() {
        let keys: Vec<Key<'_>> = serde_json::from_str(r#"["plain","esc\u0061ped"]"#).expect("keys");
        assert!(matches!(keys[0].0, Cow::Borrowed("plain")));
        assert!(matches!(&keys[1].0, Cow::Owned(s) if s == "escaped"));
        let text = r#"{"a": [1, 2.50]}"#;
        let raw: Raw<'_> = serde_json::from_str(text).expect("raw");
        assert!(matches!(raw.0, Cow::Borrowed(t) if t == text));
        let value: serde_json::Value = serde_json::from_str(text).expect("value");
        let raw = Raw::deserialize(value.clone()).expect("raw from a value");
        assert!(matches!(&raw.0, Cow::Owned(s) if s == r#"{"a":[1,2.50]}"#));
        let key = Key::deserialize(serde_json::Value::String("k".into())).expect("key");
        assert!(matches!(&key.0, Cow::Owned(s) if s == "k"));
    }
}
