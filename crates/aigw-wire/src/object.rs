//! Deserialization of the generated objects: one pass over the keys, each known key read
//! straight into its field, every other key kept in the object's `extra` map.
//!
//! Written by hand instead of `#[derive(Deserialize)]` with `#[serde(flatten)] extra`: for a
//! flattened map serde keeps each field in an `Option` local (the struct's size again on the
//! stack, moved into place at the end), buffers every key in its private `Content` type and
//! rebuilds the unknown entries through a second deserializer. The generated objects are large
//! (every field is a [`Maybe`]), so those moves and buffers cost more than the parse. Here the
//! object starts as its `Default` (all fields absent) and each value is written in place.
//!
//! A generated type implements [`Object`] (a `match` from wire name to field index, and one
//! from index to field) and forwards `Deserialize` to [`deserialize`].

use crate::Maybe;
use serde::Deserialize;
use serde::de::{self, DeserializeSeed, Deserializer, MapAccess, Visitor};
use serde_json::{Map, Value};
use std::fmt;
use std::marker::PhantomData;

/// A generated object, as [`deserialize`] fills it.
pub trait Object: Default {
    /// The Rust type name (for error messages).
    const NAME: &'static str;

    /// The index of the field whose wire name is `key` (`None`: the key goes to `extra`).
    fn field(key: &str) -> Option<u16>;

    /// Reads the value of field `index` (from [`Object::field`]) from `map`.
    fn read_field<'de, A: MapAccess<'de>>(
        &mut self,
        index: u16,
        map: &mut A,
    ) -> Result<(), A::Error>;

    /// The keys the spec does not name.
    fn extra_mut(&mut self) -> &mut Map<String, Value>;
}

/// Deserializes an [`Object`] from a JSON object.
pub fn deserialize<'de, T: Object, D: Deserializer<'de>>(deserializer: D) -> Result<T, D::Error> {
    deserializer.deserialize_map(ObjectVisitor(PhantomData))
}

/// Reads one field's value into its slot; a key that appears twice is an error, as it is for
/// serde's derived objects.
pub fn read<'de, T: Deserialize<'de>, A: MapAccess<'de>>(
    slot: &mut Maybe<T>,
    name: &'static str,
    map: &mut A,
) -> Result<(), A::Error> {
    if !slot.is_absent() {
        return Err(de::Error::duplicate_field(name));
    }
    *slot = map.next_value()?;
    Ok(())
}

/// An index that [`Object::field`] never returns reached [`Object::read_field`].
pub fn no_such_field<E: de::Error>(name: &'static str, index: u16) -> E {
    E::custom(format_args!("{name} has no field number {index}"))
}

struct ObjectVisitor<T>(PhantomData<T>);

impl<'de, T: Object> Visitor<'de> for ObjectVisitor<T> {
    type Value = T;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "a {} object", T::NAME)
    }

    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<T, A::Error> {
        let mut out = T::default();
        read_entries(&mut out, map)?;
        Ok(out)
    }
}

/// Reads every entry of `map` into `out`.
fn read_entries<'de, T: Object, A: MapAccess<'de>>(
    out: &mut T,
    mut map: A,
) -> Result<(), A::Error> {
    while let Some(key) = map.next_key_seed(KeySeed(T::field))? {
        match key {
            Key::Field(index) => out.read_field(index, &mut map)?,
            Key::Other(name) => {
                let value: Value = map.next_value()?;
                out.extra_mut().insert(name, value);
            }
        }
    }
    Ok(())
}

/// Fills `out` (a fresh `Default`) from a JSON object, in place.
///
/// A top-level parse through `Deserialize` returns the object by value through each of
/// serde_json's layers, and the generated objects are large (a `CreateResponse` is over 2 KB
/// of `Maybe`s): those moves cost more than parsing a small body. The entry points for whole
/// bodies ([`from_str`]) fill one place instead.
fn fill<'de, T: Object, D: Deserializer<'de>>(
    deserializer: D,
    out: &mut T,
) -> Result<(), D::Error> {
    deserializer.deserialize_map(InPlace(out))
}

struct InPlace<'a, T>(&'a mut T);

impl<'de, T: Object> Visitor<'de> for InPlace<'_, T> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "a {} object", T::NAME)
    }

    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<(), A::Error> {
        read_entries(self.0, map)
    }
}

/// Parses a whole JSON text as the object `T`, as [`crate::from_str`] does (strictly, then
/// leniently), filling one place instead of moving the object out of serde_json.
pub fn from_str<T: Object>(text: &str) -> serde_json::Result<T> {
    let mut out = T::default();
    let strict = {
        let mut de = serde_json::Deserializer::from_str(text);
        match fill(&mut de, &mut out).and_then(|()| de.end()) {
            Ok(()) => return Ok(out),
            Err(strict) => strict,
        }
    };
    let Ok(value) = serde_json::from_str::<Value>(text) else {
        return Err(strict);
    };
    out = T::default();
    match crate::lenient::lenient(|| fill(crate::value_de::ValueDe(&value), &mut out)) {
        Ok(()) => Ok(out),
        Err(_) => Err(strict),
    }
}

/// [`from_str`] for bytes, as [`crate::from_slice`].
pub fn from_slice<T: Object>(bytes: &[u8]) -> serde_json::Result<T> {
    from_str(crate::lenient::utf8(bytes)?)
}

enum Key {
    Field(u16),
    Other(String),
}

/// Reads a key without allocating unless it is one the object does not know.
struct KeySeed(fn(&str) -> Option<u16>);

impl<'de> DeserializeSeed<'de> for KeySeed {
    type Value = Key;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Key, D::Error> {
        deserializer.deserialize_identifier(self)
    }
}

impl<'de> Visitor<'de> for KeySeed {
    type Value = Key;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an object key")
    }

    fn visit_str<E: de::Error>(self, key: &str) -> Result<Key, E> {
        Ok((self.0)(key).map_or_else(|| Key::Other(key.to_owned()), Key::Field))
    }

    fn visit_string<E: de::Error>(self, key: String) -> Result<Key, E> {
        Ok((self.0)(&key).map_or(Key::Other(key), Key::Field))
    }
}

#[cfg(test)]
mod tests {
    use super::{Object, deserialize, from_slice, from_str, no_such_field, read};
    use crate::Maybe;
    use serde::de::MapAccess;
    use serde_json::{Map, Value};

    #[derive(Debug, Default, PartialEq)]
    struct Probe {
        name: Maybe<String>,
        count: Maybe<u64>,
        extra: Map<String, Value>,
    }

    impl Object for Probe {
        const NAME: &'static str = "Probe";
        fn field(key: &str) -> Option<u16> {
            match key {
                "name" => Some(0),
                "count" => Some(1),
                _ => None,
            }
        }
        fn read_field<'de, A: MapAccess<'de>>(
            &mut self,
            index: u16,
            map: &mut A,
        ) -> Result<(), A::Error> {
            match index {
                0 => read(&mut self.name, "name", map),
                1 => read(&mut self.count, "count", map),
                _ => Err(no_such_field(Self::NAME, index)),
            }
        }
        fn extra_mut(&mut self) -> &mut Map<String, Value> {
            &mut self.extra
        }
    }

    impl<'de> serde::Deserialize<'de> for Probe {
        fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
            deserialize(d)
        }
    }

    #[test]
    fn known_keys_fill_fields_null_and_absent_differ_and_the_rest_is_kept() {
        let p: Probe = serde_json::from_str(r#"{"x":[1],"name":null,"y":"z"}"#).expect("parses");
        assert_eq!(p.name, Maybe::Null);
        assert_eq!(p.count, Maybe::Absent);
        assert_eq!(Value::Object(p.extra), serde_json::json!({"x":[1],"y":"z"}));
    }

    #[test]
    fn the_same_from_a_value_and_from_an_escaped_key() {
        // Owned keys (a `Value`) and keys with escapes (not borrowable) take `visit_string`.
        let v = serde_json::json!({"count": 3, "other": true});
        let p: Probe = serde_json::from_value(v).expect("parses");
        assert_eq!(p.count, Maybe::Present(3));
        assert_eq!(p.extra.get("other"), Some(&Value::Bool(true)));
        let p: Probe = serde_json::from_str(r#"{"n\u0061me":"a","\u0078":1}"#).expect("parses");
        assert_eq!(p.name, Maybe::Present("a".into()));
        assert!(p.extra.contains_key("x"));
    }

    #[test]
    fn numbers_in_extra_stay_exact_from_a_value_too() {
        // serde's flatten buffered `extra` through a type without such integers, so this
        // failed with `from_value` before objects were read here.
        let text = r#"{"big":123456789012345678901234567890,"f":1.10}"#;
        let value: Value = serde_json::from_str(text).expect("parses");
        let p: Probe = serde_json::from_value(value).expect("parses");
        assert_eq!(Value::Object(p.extra).to_string(), text);
    }

    #[test]
    fn in_place_entry_points_parse_as_deserialize_does_and_fall_back_leniently() {
        for text in [
            r#"{"x":[1],"name":null,"count":7}"#,
            "{}",
            r#"{"n\u0061me":"a"}"#,
        ] {
            let in_place: Probe = from_str(text).expect("parses");
            let derived: Probe = serde_json::from_str(text).expect("parses");
            assert_eq!(in_place, derived, "{text}");
            assert_eq!(
                from_slice::<Probe>(text.as_bytes()).expect("parses"),
                derived
            );
        }
        // A field of an unexpected type is kept as it came (strict fails, lenient keeps it).
        let p: Probe = from_str(r#"{"count":"7","name":"a"}"#).expect("parses leniently");
        assert_eq!(p.count, Maybe::Mistyped(Box::new(Value::from("7"))));
        assert_eq!(p.name, Maybe::Present("a".into()));
        // What is not a `Probe` at all fails with the strict parse's error.
        let e = from_str::<Probe>("[1]").expect_err("an error");
        assert!(e.to_string().contains("a Probe object"), "{e}");
        let e = from_str::<Probe>(r#"{"count":1} x"#).expect_err("an error");
        assert!(e.to_string().contains("trailing characters"), "{e}");
        // A repeated key fails the strict parse; the fallback reads it as a `Value` does
        // (the last one wins), as `crate::from_str` always has.
        let p: Probe = from_str(r#"{"count":1,"count":2}"#).expect("parses leniently");
        assert_eq!(p.count, Maybe::Present(2));
        let e = from_slice::<Probe>(b"{\"name\":\"\xff\"}").expect_err("an error");
        assert!(e.to_string().contains("invalid unicode code point"), "{e}");
    }

    #[test]
    fn a_repeated_key_a_wrong_type_and_a_non_object_are_errors() {
        let e = serde_json::from_str::<Probe>(r#"{"count":1,"count":2}"#).expect_err("an error");
        assert!(e.to_string().contains("duplicate field `count`"), "{e}");
        let e = serde_json::from_str::<Probe>(r#"{"count":"1"}"#).expect_err("an error");
        assert!(e.to_string().contains("invalid type: string"), "{e}");
        let e = serde_json::from_str::<Probe>("[1]").expect_err("an error");
        assert!(e.to_string().contains("a Probe object"), "{e}");
    }
}
