//! Reading the few members the gateway needs from a JSON body it forwards as bytes — a
//! request's `model`, `stream` and output budget, an answer's `usage` — without building a
//! `serde_json::Value` of the rest: everything else is skipped by serde's `IgnoredAny`, which
//! checks the syntax and allocates nothing.
//!
//! Written by hand rather than derived: a derived struct fails the whole body on a duplicate
//! member or on a member of an unexpected type, where the gateway must take the body as a
//! `Value` parse would (the last duplicate wins; a `stream: "yes"` is simply not a stream).

mod request;
mod usage;

pub use request::{Head, NotARequest};
pub use usage::Found;

use serde::Deserialize;
use serde::de::{self, IgnoredAny, MapAccess, SeqAccess, Visitor};
use std::borrow::Cow;
use std::fmt;
use std::marker::PhantomData;

/// An object's member name, borrowed from the input unless it has escapes.
struct Key<'de>(Cow<'de, str>);

impl<'de> Deserialize<'de> for Key<'de> {
    fn deserialize<D: de::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Key<'de>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a member name")
            }
            fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Key<'de>, E> {
                Ok(Key(Cow::Borrowed(v)))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Key<'de>, E> {
                Ok(Key(Cow::Owned(v.to_owned())))
            }
            fn visit_string<E: de::Error>(self, v: String) -> Result<Key<'de>, E> {
                Ok(Key(Cow::Owned(v)))
            }
        }
        d.deserialize_str(V)
    }
}

/// Reads any JSON value, keeping what `T` picks from it when it is an object: `T::pick` sees
/// each member name and reads the members it wants; non-objects are skipped whole.
struct Object<T>(Option<T>);

/// What to keep of an object's members.
trait Pick<'de>: Default {
    /// Reads the member `key` if it is wanted, else skips it.
    fn member<A: MapAccess<'de>>(&mut self, key: &str, map: &mut A) -> Result<(), A::Error>;
}

impl<'de, T: Pick<'de>> Deserialize<'de> for Object<T> {
    fn deserialize<D: de::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V<T>(PhantomData<T>);
        impl<'de, T: Pick<'de>> Visitor<'de> for V<T> {
            type Value = Object<T>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("any JSON value")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Object<T>, A::Error> {
                let mut picked = T::default();
                // With serde_json's `arbitrary_precision`, a number arrives as a one-member
                // map under a private name: not one any `Pick` wants, so it is skipped.
                while let Some(Key(key)) = map.next_key::<Key<'de>>()? {
                    picked.member(&key, &mut map)?;
                }
                Ok(Object(Some(picked)))
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Object<T>, A::Error> {
                while seq.next_element::<IgnoredAny>()?.is_some() {}
                Ok(Object(None))
            }
            fn visit_bool<E: de::Error>(self, _: bool) -> Result<Object<T>, E> {
                Ok(Object(None))
            }
            fn visit_i64<E: de::Error>(self, _: i64) -> Result<Object<T>, E> {
                Ok(Object(None))
            }
            fn visit_u64<E: de::Error>(self, _: u64) -> Result<Object<T>, E> {
                Ok(Object(None))
            }
            fn visit_f64<E: de::Error>(self, _: f64) -> Result<Object<T>, E> {
                Ok(Object(None))
            }
            fn visit_str<E: de::Error>(self, _: &str) -> Result<Object<T>, E> {
                Ok(Object(None))
            }
            fn visit_unit<E: de::Error>(self) -> Result<Object<T>, E> {
                Ok(Object(None))
            }
        }
        d.deserialize_any(V(PhantomData))
    }
}

/// A member's value read as `T` when it is one, else skipped (`None`): the leniency of
/// `Value::as_str` / `as_bool` / `as_u64`.
struct Lenient<T>(Option<T>);

impl<'de, T: Deserialize<'de>> Deserialize<'de> for Lenient<T> {
    fn deserialize<D: de::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        // The member's text, then `T` from it: a mismatch is not an error of the body.
        let raw = <&serde_json::value::RawValue>::deserialize(d)?;
        Ok(Lenient(serde_json::from_str(raw.get()).ok()))
    }
}

/// A member name as a type (stable Rust has no `&str` const parameters).
trait Name {
    const NAME: &'static str;
}

/// One member of an object, read as `T` when it is one (as [`Lenient`]); the rest skipped.
struct Member<N, T>(Option<T>, PhantomData<N>);

impl<N, T> Default for Member<N, T> {
    fn default() -> Self {
        Member(None, PhantomData)
    }
}

impl<'de, N: Name, T: Deserialize<'de>> Pick<'de> for Member<N, T> {
    fn member<A: MapAccess<'de>>(&mut self, key: &str, map: &mut A) -> Result<(), A::Error> {
        if key == N::NAME {
            self.0 = lenient(map)?;
        } else {
            map.next_value::<IgnoredAny>()?;
        }
        Ok(())
    }
}

/// The member `N` of the value being read, when that value is an object holding one of
/// type `T`.
fn member_of<'de, N: Name, T: Deserialize<'de>, A: MapAccess<'de>>(
    map: &mut A,
) -> Result<Option<T>, A::Error> {
    Ok(map
        .next_value::<Object<Member<N, T>>>()?
        .0
        .and_then(|m| m.0))
}

/// Reads the member's value as `T` (leniently), or skips it.
fn lenient<'de, T: Deserialize<'de>, A: MapAccess<'de>>(
    map: &mut A,
) -> Result<Option<T>, A::Error> {
    Ok(map.next_value::<Lenient<T>>()?.0)
}
