//! Feeding already-read JSON back into a deserializer.
//!
//! A union reads an object's keys until it finds the tag; the entries read so far must then be
//! handed to the chosen variant, followed by the rest of the object, still unread. serde has
//! no "push back" for a `MapAccess`, and no adapter that replays a `serde_json::Value` under
//! another error type, so both are written here (about what `serde::__private::de::Content`
//! does, which is not public API).

use crate::raw::{Key, Raw, RawText, without_position};
use crate::union::{self, UnionSpec, kind};
use crate::value_de::{ValueDe, number_methods};
use serde::de::value::{BorrowedStrDeserializer, StrDeserializer};
use serde::de::{self, DeserializeSeed, Deserializer, MapAccess, Visitor};
use serde_json::Value;
use smallvec::SmallVec;
use std::borrow::Cow;
use std::marker::PhantomData;

/// A `Value` as a deserializer whose error type is `E` (serde_json's errors are converted),
/// read through [`ValueDe`], the one `Value` deserializer the generated types are compiled for.
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

/// Methods that hand their arguments and the visitor to `ValueDe`'s method of the same name,
/// converting its error; a method with arguments besides the visitor names them:
/// `deserialize_tuple(len: usize)`.
macro_rules! replay {
    ($($method:ident $(($($arg:ident: $ty:ty),*))?),* $(,)?) => {$(
        fn $method<V: Visitor<'de>>(self, $($($arg: $ty,)*)? visitor: V) -> Result<V::Value, E> {
            ValueDe(&self.value).$method($($($arg,)*)? visitor).map_err(convert)
        }
    )*};
}

impl<'de, E: de::Error> Deserializer<'de> for ValueReplay<E> {
    type Error = E;

    number_methods!(replay);
    // Each method reaches `ValueDe`'s own (not `deserialize_any`), so a visitor is compiled
    // only for the kinds it asks for (see `value_de.rs`).
    replay!(
        deserialize_any,
        deserialize_option,
        deserialize_bool,
        deserialize_char,
        deserialize_str,
        deserialize_string,
        deserialize_bytes,
        deserialize_byte_buf,
        deserialize_unit,
        deserialize_seq,
        deserialize_map,
        deserialize_identifier,
        deserialize_ignored_any,
        deserialize_enum(name: &'static str, variants: &'static [&'static str]),
        deserialize_newtype_struct(name: &'static str),
        deserialize_unit_struct(name: &'static str),
        deserialize_tuple(len: usize),
        deserialize_tuple_struct(name: &'static str, len: usize),
        deserialize_struct(name: &'static str, fields: &'static [&'static str]),
    );
}

/// A map access that first yields `seen` (entries already read, their values as raw text),
/// then `held` (an entry read after them: its key, and its value when it was read, else its
/// value is `rest`'s next), then the rest of `rest`.
///
/// With a [`Watch`], the variant being filled is a guess (see `speculate.rs`): every key of
/// `rest` is checked before its value is read, and the entries end early, between two
/// entries, where the guess proves wrong.
pub(crate) struct Replayed<'a, 'de, A> {
    seen: std::vec::IntoIter<(Key<'de>, Raw<'de>)>,
    held: Option<(Key<'de>, Option<Value>)>,
    /// The value of the key last handed over, when it is not `rest`'s to read.
    value: Option<Pending<'de>>,
    rest: &'a mut A,
    pub(crate) watch: Option<Watch<'de>>,
}

enum Pending<'de> {
    Raw(Raw<'de>),
    Value(Value),
}

impl<'a, 'de, A> Replayed<'a, 'de, A> {
    pub(crate) fn new(
        seen: Vec<(Key<'de>, Raw<'de>)>,
        held: Option<(Key<'de>, Option<Value>)>,
        rest: &'a mut A,
    ) -> Self {
        Replayed {
            seen: seen.into_iter(),
            held,
            value: None,
            rest,
            watch: None,
        }
    }
}

/// What a guess must hold to: the variant `guess` of `spec`, which the tag (when it comes) must
/// name alone, and no key twice.
pub(crate) struct Watch<'de> {
    pub(crate) spec: &'static UnionSpec,
    pub(crate) guess: usize,
    pub(crate) tag: &'static str,
    /// Every key handed over, in order.
    pub(crate) keys: SmallVec<[Key<'de>; 16]>,
    /// The tag came and named the guess.
    pub(crate) tagged: bool,
    /// Why the entries ended early, with the entry not handed over.
    pub(crate) stop: Option<Stop<'de>>,
}

/// Why a [`Watch`] ended the entries early.
pub(crate) enum Stop<'de> {
    /// A key seen before (its value is still unread).
    Repeated(Key<'de>),
    /// The tag, naming something else than the guess (or a second time).
    Tag(Key<'de>, Value),
}

impl Watch<'_> {
    /// Whether the tag value `value` names the guess and no other variant.
    fn selects_guess(&self, value: &Value) -> bool {
        let (Value::String(value), spec) = (value, self.spec) else {
            return false;
        };
        let mut tagged = union::candidates(spec, kind::OBJECT)
            .filter(|&i| spec.variants[i].tags.contains(&value.as_str()));
        tagged.next() == Some(self.guess) && tagged.next().is_none()
    }
}

impl<'de, A: MapAccess<'de>> Replayed<'_, 'de, A> {
    /// The next key and where its value comes from (`self.value`), or `None` at the end (or
    /// where a watch stops). Generic over the map access only: `next_key_seed` is compiled
    /// once per seed type (every object's field visitor), so what does not depend on the seed
    /// is kept out of it.
    fn next_key(&mut self) -> Result<Option<Key<'de>>, A::Error> {
        let replayed = if let Some((key, raw)) = self.seen.next() {
            self.value = Some(Pending::Raw(raw));
            Some(key)
        } else if let Some((key, value)) = self.held.take() {
            self.value = value.map(Pending::Value);
            Some(key)
        } else {
            None
        };
        if let Some(key) = replayed {
            if let Some(watch) = &mut self.watch {
                watch.keys.push(Key(key.0.clone()));
            }
            return Ok(Some(key));
        }
        let Some(key) = self.rest.next_key::<Key<'de>>()? else {
            return Ok(None);
        };
        let Some(watch) = &mut self.watch else {
            return Ok(Some(key));
        };
        if key.0 == watch.tag {
            let value: Value = self.rest.next_value()?;
            if watch.tagged || !watch.selects_guess(&value) {
                watch.stop = Some(Stop::Tag(key, value));
                return Ok(None);
            }
            watch.tagged = true;
            self.value = Some(Pending::Value(value));
        } else if watch.keys.iter().any(|k| k.0 == key.0) {
            // A key the guess does not know goes to its `extra` as a `Value`, which puts back
            // exactly; only a repeated key could fail where buffering may not.
            watch.stop = Some(Stop::Repeated(key));
            return Ok(None);
        }
        watch.keys.push(Key(key.0.clone()));
        Ok(Some(key))
    }

    /// The value of the key last handed over when it is not the map's to read: borrowed
    /// text to read in place, else a `Value` (text the input could not lend does not live
    /// for `'de`).
    fn held_value(&mut self) -> Result<Option<Result<&'de str, Value>>, A::Error> {
        Ok(match self.value.take() {
            None => None,
            Some(Pending::Raw(Raw(Cow::Borrowed(text)))) => Some(Ok(text)),
            Some(Pending::Raw(Raw(Cow::Owned(text)))) => {
                Some(Err(serde_json::from_str(&text).map_err(convert)?))
            }
            Some(Pending::Value(value)) => Some(Err(value)),
        })
    }
}

impl<'de, A: MapAccess<'de>> MapAccess<'de> for Replayed<'_, 'de, A> {
    type Error = A::Error;

    fn next_key_seed<K: DeserializeSeed<'de>>(
        &mut self,
        seed: K,
    ) -> Result<Option<K::Value>, A::Error> {
        if self.seen.len() == 0 && self.held.is_none() && self.watch.is_none() {
            return self.rest.next_key_seed(seed);
        }
        let Some(key) = self.next_key()? else {
            return Ok(None);
        };
        match key.0 {
            Cow::Borrowed(k) => seed.deserialize(BorrowedStrDeserializer::<A::Error>::new(k)),
            Cow::Owned(k) => seed.deserialize(StrDeserializer::<A::Error>::new(&k)),
        }
        .map(Some)
    }

    fn next_value_seed<V: DeserializeSeed<'de>>(&mut self, seed: V) -> Result<V::Value, A::Error> {
        match self.held_value()? {
            None => self.rest.next_value_seed(seed),
            Some(Ok(text)) => seed
                .deserialize(RawText(text))
                .map_err(|e| convert(without_position(e))),
            Some(Err(value)) => seed.deserialize(ValueReplay::<A::Error>::new(value)),
        }
    }
}
