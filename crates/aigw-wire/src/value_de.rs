//! One deserializer over a `Value` for every place that reads the generated types from one.
//!
//! Every deserializer a generated type is read through compiles that type's whole
//! deserialization again (each object's visitor, each field's, each union's dispatch), and the
//! generated crates are large: a release build spent most of its time compiling the same
//! types for serde_json's text parser, its owned `Value`, its borrowed `&Value`, and the map
//! accesses that wrap each. The text parser is the fast path and stays. For the rest — a
//! conversion from a `Value` ([`crate::from_value`]), the lenient fallback, a union's held tag
//! or array, a `Maybe` that keeps a mistyped value — this one deserializer stands in for
//! both of serde_json's. Written here because neither fits both uses: the owned `Value`
//! needs a copy of a value only read, and `&'de Value` lends its strings for `'de`, so it
//! cannot replay a value the parse of another input (with its own `'de`) holds. [`ValueDe`]
//! reads a borrowed `Value` for any `'de`, handing strings over as `visit_str` (the visitor
//! copies what it keeps, as it does with `&Value`).
//!
//! What it hands out matches serde_json's `Value` deserializers: numbers through `Number`'s
//! own deserializer (so `arbitrary_precision` keeps their text), `null` as `None` to
//! options, and a value's raw JSON text to `RawValue`'s protocol.

use serde::de::value::{MapAccessDeserializer, MapDeserializer, StrDeserializer};
use serde::de::{
    self, DeserializeSeed, Deserializer, IntoDeserializer, MapAccess, SeqAccess, Visitor,
};
use serde_json::{Error, Value};

/// The newtype name under which serde_json hands out a value's raw text.
const RAW_TOKEN: &str = "$serde_json::private::RawValue";

/// A deserializer over a borrowed `Value`, for any `'de` (see the module docs).
#[derive(Clone, Copy)]
pub(crate) struct ValueDe<'a>(pub(crate) &'a Value);

/// Calls the macro `$m` with the names of serde's `deserialize_*` methods for numbers (which
/// must reach `Number`'s own deserializer, never `deserialize_any`, to keep their text).
macro_rules! number_methods {
    ($m:ident) => {
        $m!(
            deserialize_i8,
            deserialize_i16,
            deserialize_i32,
            deserialize_i64,
            deserialize_i128,
            deserialize_u8,
            deserialize_u16,
            deserialize_u32,
            deserialize_u64,
            deserialize_u128,
            deserialize_f32,
            deserialize_f64,
        );
    };
}
pub(crate) use number_methods;

macro_rules! number {
    ($($method:ident),* $(,)?) => {$(
        fn $method<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
            match self.0 {
                Value::Number(n) => n.$method(visitor),
                _ => self.deserialize_any(visitor),
            }
        }
    )*};
}

impl<'de> Deserializer<'de> for ValueDe<'_> {
    type Error = Error;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        match self.0 {
            Value::Null => visitor.visit_unit(),
            Value::Bool(b) => visitor.visit_bool(*b),
            Value::Number(n) => n.deserialize_any(visitor),
            Value::String(s) => visitor.visit_str(s),
            Value::Array(items) => array(items, visitor),
            Value::Object(map) => object(map, visitor),
        }
    }

    number_methods!(number);

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        match self.0 {
            Value::Null => visitor.visit_none(),
            _ => visitor.visit_some(self),
        }
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        name: &'static str,
        visitor: V,
    ) -> Result<V::Value, Error> {
        if name == RAW_TOKEN {
            // serde_json's protocol: a one-entry map, the name then the text.
            let text = self.0.to_string();
            return visitor.visit_map(MapDeserializer::new(std::iter::once((RAW_TOKEN, text))));
        }
        visitor.visit_newtype_struct(self)
    }

    fn deserialize_enum<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, Error> {
        match self.0 {
            Value::String(s) => visitor.visit_enum(StrDeserializer::<Error>::new(s)),
            Value::Object(map) if map.len() == 1 => {
                visitor.visit_enum(MapAccessDeserializer::new(Entries {
                    iter: map.iter(),
                    value: None,
                }))
            }
            other => Err(de::Error::invalid_type(
                unexpected(other),
                &"a string or a map of one entry",
            )),
        }
    }

    // Each method below hands the visitor only the kind it asks for, as serde_json's `&Value`
    // does, instead of forwarding to `deserialize_any`: a visitor that can only take a map (a
    // generated object's) would otherwise be compiled for every kind `deserialize_any` may
    // call it with — a number's map among them, which compiled each object's field reading
    // once more for serde_json's number deserializer.

    fn deserialize_bool<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        match self.0 {
            Value::Bool(b) => visitor.visit_bool(*b),
            _ => Err(self.invalid_type(&visitor)),
        }
    }

    fn deserialize_str<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        match self.0 {
            Value::String(s) => visitor.visit_str(s),
            _ => Err(self.invalid_type(&visitor)),
        }
    }

    fn deserialize_bytes<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        match self.0 {
            Value::String(s) => visitor.visit_str(s),
            Value::Array(items) => array(items, visitor),
            _ => Err(self.invalid_type(&visitor)),
        }
    }

    fn deserialize_unit<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        match self.0 {
            Value::Null => visitor.visit_unit(),
            _ => Err(self.invalid_type(&visitor)),
        }
    }

    fn deserialize_unit_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        visitor: V,
    ) -> Result<V::Value, Error> {
        self.deserialize_unit(visitor)
    }

    fn deserialize_seq<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        match self.0 {
            Value::Array(items) => array(items, visitor),
            _ => Err(self.invalid_type(&visitor)),
        }
    }

    fn deserialize_tuple<V: Visitor<'de>>(
        self,
        _len: usize,
        visitor: V,
    ) -> Result<V::Value, Error> {
        self.deserialize_seq(visitor)
    }

    fn deserialize_tuple_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _len: usize,
        visitor: V,
    ) -> Result<V::Value, Error> {
        self.deserialize_seq(visitor)
    }

    fn deserialize_map<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        match self.0 {
            Value::Object(map) => object(map, visitor),
            _ => Err(self.invalid_type(&visitor)),
        }
    }

    fn deserialize_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, Error> {
        match self.0 {
            Value::Array(items) => array(items, visitor),
            Value::Object(map) => object(map, visitor),
            _ => Err(self.invalid_type(&visitor)),
        }
    }

    fn deserialize_ignored_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        visitor.visit_unit()
    }

    fn deserialize_char<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        self.deserialize_str(visitor)
    }

    fn deserialize_string<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        self.deserialize_str(visitor)
    }

    fn deserialize_identifier<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        self.deserialize_str(visitor)
    }

    fn deserialize_byte_buf<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        self.deserialize_bytes(visitor)
    }
}

impl ValueDe<'_> {
    fn invalid_type(self, expected: &dyn de::Expected) -> Error {
        de::Error::invalid_type(unexpected(self.0), expected)
    }
}

fn array<'de, V: Visitor<'de>>(items: &[Value], visitor: V) -> Result<V::Value, Error> {
    let mut seq = Seq(items.iter());
    let value = visitor.visit_seq(&mut seq)?;
    match seq.0.len() {
        0 => Ok(value),
        _ => Err(de::Error::invalid_length(
            items.len(),
            &"fewer elements in array",
        )),
    }
}

fn object<'de, V: Visitor<'de>>(
    map: &serde_json::Map<String, Value>,
    visitor: V,
) -> Result<V::Value, Error> {
    let mut entries = Entries {
        iter: map.iter(),
        value: None,
    };
    let value = visitor.visit_map(&mut entries)?;
    match entries.iter.len() {
        0 => Ok(value),
        _ => Err(de::Error::invalid_length(
            map.len(),
            &"fewer elements in map",
        )),
    }
}

fn unexpected(value: &Value) -> de::Unexpected<'_> {
    match value {
        Value::Null => de::Unexpected::Unit,
        Value::Bool(b) => de::Unexpected::Bool(*b),
        Value::Number(_) => de::Unexpected::Other("a number"),
        Value::String(s) => de::Unexpected::Str(s),
        Value::Array(_) => de::Unexpected::Seq,
        Value::Object(_) => de::Unexpected::Map,
    }
}

impl<'de> IntoDeserializer<'de, Error> for ValueDe<'_> {
    type Deserializer = Self;

    fn into_deserializer(self) -> Self {
        self
    }
}

struct Seq<'a>(std::slice::Iter<'a, Value>);

impl<'de> SeqAccess<'de> for Seq<'_> {
    type Error = Error;

    fn next_element_seed<T: DeserializeSeed<'de>>(
        &mut self,
        seed: T,
    ) -> Result<Option<T::Value>, Error> {
        self.0
            .next()
            .map(|item| seed.deserialize(ValueDe(item)))
            .transpose()
    }

    fn size_hint(&self) -> Option<usize> {
        Some(self.0.len())
    }
}

struct Entries<'a> {
    iter: serde_json::map::Iter<'a>,
    value: Option<&'a Value>,
}

impl<'de> MapAccess<'de> for Entries<'_> {
    type Error = Error;

    fn next_key_seed<K: DeserializeSeed<'de>>(
        &mut self,
        seed: K,
    ) -> Result<Option<K::Value>, Error> {
        let Some((key, value)) = self.iter.next() else {
            return Ok(None);
        };
        self.value = Some(value);
        seed.deserialize(StrDeserializer::<Error>::new(key))
            .map(Some)
    }

    fn next_value_seed<V: DeserializeSeed<'de>>(&mut self, seed: V) -> Result<V::Value, Error> {
        match self.value.take() {
            Some(value) => seed.deserialize(ValueDe(value)),
            None => Err(de::Error::custom("a map value was read before its key")),
        }
    }

    fn size_hint(&self) -> Option<usize> {
        Some(self.iter.len())
    }
}

#[cfg(test)]
mod tests {
    use super::ValueDe;
    use crate::Maybe;
    use serde::Deserialize;
    use serde_json::{Map, Number, Value, json};
    use std::collections::BTreeMap;

    /// What `ValueDe` gives is what serde_json's own `&Value` deserializer gives.
    fn same<T>(value: &Value)
    where
        T: for<'de> Deserialize<'de> + PartialEq + std::fmt::Debug,
    {
        let ours = T::deserialize(ValueDe(value)).map_err(|e| e.to_string());
        let theirs = T::deserialize(value).map_err(|e| e.to_string());
        match (&ours, &theirs) {
            (Ok(a), Ok(b)) => assert_eq!(a, b, "{value}"),
            (Err(_), Err(_)) => {}
            _ => panic!("{value}: ours {ours:?}, serde_json's {theirs:?}"),
        }
    }

    #[test]
    fn reads_what_serde_jsons_value_deserializer_reads() {
        let doc = json!({"a": [1, "two", null, {"b": true}], "n": 1.50, "big": 123456789012345678901234567890u128, "s": "x"});
        same::<Value>(&doc);
        same::<Map<String, Value>>(&doc);
        same::<BTreeMap<String, Value>>(&doc);
        same::<Vec<Value>>(&doc["a"]);
        same::<Number>(&doc["n"]);
        same::<Number>(&doc["big"]);
        same::<u64>(&json!(7));
        same::<u64>(&json!("7"));
        same::<i8>(&json!(300));
        same::<f64>(&json!(0.5));
        same::<String>(&doc["s"]);
        same::<String>(&json!(1));
        same::<bool>(&json!(true));
        same::<Option<String>>(&Value::Null);
        same::<Option<String>>(&doc["s"]);
        same::<(u8, String)>(&json!([1, "a"]));
        same::<(u8,)>(&json!([1, "a"]));
        same::<Maybe<Vec<u8>>>(&json!([1, 2]));
    }

    #[test]
    fn a_method_for_one_kind_takes_that_kind_and_rejects_the_others() {
        #[derive(Deserialize, Debug, PartialEq)]
        struct Point {
            x: u8,
            y: Option<String>,
        }
        let kinds = [
            Value::Null,
            json!(true),
            json!(1),
            json!(-2.5),
            json!("s"),
            json!([1, "a"]),
            json!({"x": 1, "y": "a"}),
        ];
        for value in &kinds {
            same::<bool>(value);
            same::<char>(value);
            same::<String>(value);
            same::<()>(value);
            same::<Vec<Value>>(value);
            same::<(u8, String)>(value);
            same::<Map<String, Value>>(value);
            same::<Point>(value);
            same::<serde_bytes_like::Bytes>(value);
            assert!(serde::de::IgnoredAny::deserialize(ValueDe(value)).is_ok());
        }
    }

    /// A type that asks for bytes (serde_json hands a string or an array of numbers).
    mod serde_bytes_like {
        use serde::de::{self, Deserializer, SeqAccess, Visitor};

        #[derive(Debug, PartialEq)]
        pub(super) struct Bytes(pub(super) Vec<u8>);

        impl<'de> serde::Deserialize<'de> for Bytes {
            fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                struct V;
                impl<'de> Visitor<'de> for V {
                    type Value = Bytes;
                    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                        f.write_str("bytes")
                    }
                    fn visit_str<E: de::Error>(self, v: &str) -> Result<Bytes, E> {
                        Ok(Bytes(v.as_bytes().to_vec()))
                    }
                    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Bytes, A::Error> {
                        let mut out = Vec::new();
                        while let Some(b) = seq.next_element()? {
                            out.push(b);
                        }
                        Ok(Bytes(out))
                    }
                }
                d.deserialize_byte_buf(V)
            }
        }
    }

    #[test]
    fn numbers_keep_their_text_and_a_raw_value_is_the_values_json() {
        let value: Value = serde_json::from_str(r#"{"n":1.50,"e":1E3}"#).expect("JSON");
        let back = Value::deserialize(ValueDe(&value)).expect("reads");
        assert_eq!(back.to_string(), value.to_string());
        assert!(back.to_string().starts_with(r#"{"n":1.50,"#), "{back}");
        let raw = Box::<serde_json::value::RawValue>::deserialize(ValueDe(&value)).expect("raw");
        assert_eq!(raw.get(), value.to_string());
    }

    #[test]
    fn enums_from_a_string_or_a_one_entry_map() {
        #[derive(Deserialize, Debug, PartialEq)]
        enum E {
            Unit,
            Wraps(u8),
        }
        same::<E>(&json!("Unit"));
        same::<E>(&json!({"Wraps": 3}));
        same::<E>(&json!({"Wraps": 3, "x": 1}));
        same::<E>(&json!(3));
        same::<E>(&json!("Other"));
    }

    #[test]
    fn strings_are_handed_over_for_any_lifetime() {
        // A `&'static str` cannot be borrowed from a local value: only `visit_str` works, so a
        // type that needs a borrow fails, and one that copies succeeds.
        let value = json!("text");
        assert!(<&str>::deserialize(ValueDe(&value)).is_err());
        assert_eq!(
            String::deserialize(ValueDe(&value)).expect("copied"),
            "text"
        );
    }
}
