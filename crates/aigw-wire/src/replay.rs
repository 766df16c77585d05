//! Feeding already-read JSON back into a deserializer.
//!
//! A union reads an object's keys until it finds the tag; the entries read so far must then be
//! handed to the chosen variant, followed by the rest of the object, still unread. serde has
//! no "push back" for a `MapAccess`, and no adapter that replays a `serde_json::Value` under
//! another error type, so both are written here (about what `serde::__private::de::Content`
//! does, which is not public API).

use serde::de::{self, DeserializeSeed, Deserializer, MapAccess, Visitor};
use serde_json::Value;
use std::marker::PhantomData;

/// A `Value` as a deserializer whose error type is `E` (serde_json's errors are converted).
pub(crate) struct ValueReplay<E> {
    value: Value,
    error: PhantomData<E>,
}

impl<E> ValueReplay<E> {
    pub(crate) fn new(value: Value) -> Self {
        ValueReplay {
            value,
            error: PhantomData,
        }
    }
}

fn convert<E: de::Error>(e: serde_json::Error) -> E {
    E::custom(e)
}

impl<'de, E: de::Error> Deserializer<'de> for ValueReplay<E> {
    type Error = E;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, E> {
        self.value.deserialize_any(visitor).map_err(convert)
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, E> {
        self.value.deserialize_option(visitor).map_err(convert)
    }

    fn deserialize_enum<V: Visitor<'de>>(
        self,
        name: &'static str,
        variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, E> {
        self.value
            .deserialize_enum(name, variants, visitor)
            .map_err(convert)
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        name: &'static str,
        visitor: V,
    ) -> Result<V::Value, E> {
        self.value
            .deserialize_newtype_struct(name, visitor)
            .map_err(convert)
    }

    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string
        bytes byte_buf unit unit_struct seq tuple tuple_struct map struct identifier ignored_any
    }
}

/// A map access that first yields `seen` (entries already read, in order; the last one may
/// have only its key read, `None`: its value is then the next one of `rest`), then the rest of
/// `rest`.
pub(crate) struct Prefixed<A> {
    seen: std::vec::IntoIter<(String, Option<Value>)>,
    pending: Option<Value>,
    rest: A,
}

impl<A> Prefixed<A> {
    pub(crate) fn new(seen: Vec<(String, Option<Value>)>, rest: A) -> Self {
        Prefixed {
            seen: seen.into_iter(),
            pending: None,
            rest,
        }
    }
}

impl<'de, A: MapAccess<'de>> MapAccess<'de> for Prefixed<A> {
    type Error = A::Error;

    fn next_key_seed<K: DeserializeSeed<'de>>(
        &mut self,
        seed: K,
    ) -> Result<Option<K::Value>, A::Error> {
        if let Some((key, value)) = self.seen.next() {
            self.pending = value;
            return seed
                .deserialize(de::value::StringDeserializer::<A::Error>::new(key))
                .map(Some);
        }
        self.rest.next_key_seed(seed)
    }

    fn next_value_seed<V: DeserializeSeed<'de>>(&mut self, seed: V) -> Result<V::Value, A::Error> {
        match self.pending.take() {
            Some(value) => seed.deserialize(ValueReplay::<A::Error>::new(value)),
            None => self.rest.next_value_seed(seed),
        }
    }

    fn size_hint(&self) -> Option<usize> {
        Some(self.seen.len() + self.rest.size_hint()?)
    }
}
