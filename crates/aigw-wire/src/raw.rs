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

impl<'a> Deserializer<'a> for RawText<'a> {
    type Error = serde_json::Error;

    forward! {
        deserialize_any, deserialize_bool, deserialize_i8, deserialize_i16, deserialize_i32,
        deserialize_i64, deserialize_i128, deserialize_u8, deserialize_u16, deserialize_u32,
        deserialize_u64, deserialize_u128, deserialize_f32, deserialize_f64, deserialize_char,
        deserialize_str, deserialize_string, deserialize_bytes, deserialize_byte_buf,
        deserialize_option, deserialize_unit, deserialize_seq, deserialize_map,
        deserialize_identifier, deserialize_ignored_any,
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

#[cfg(test)]
mod tests {
    use super::{Key, Raw};
    use serde::Deserialize;
    use std::borrow::Cow;

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
