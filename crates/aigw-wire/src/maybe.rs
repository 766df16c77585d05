//! The tri-state field type used for every property of a generated object.

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::Value;

/// A field that can be absent, explicitly `null`, or present.
///
/// Real traffic does not respect the specs' `required` and `nullable` markers (see
/// `shared/notes/spec-vs-traffic.md`): required fields go missing and non-nullable ones arrive
/// as `null`. Every generated field therefore uses `Maybe`, with
/// `#[serde(default, skip_serializing_if = "Maybe::is_absent")]`, so that what was received is
/// exactly what is sent back.
///
/// A fourth state, [`Maybe::Mistyped`], holds a value whose JSON type is not the one the spec
/// gives (an older spec's string where today's traffic sends an object). Only the lenient
/// fallback of [`crate::from_slice`] and its siblings produces it; a strict `serde_json` parse
/// still fails on such a value.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub enum Maybe<T> {
    /// The key was not in the object.
    #[default]
    Absent,
    /// The key was present with the value `null`.
    Null,
    /// The key was present with a value.
    Present(T),
    /// The key was present with a value the type `T` cannot hold, kept exactly as received.
    Mistyped(Value),
}

impl<T> Maybe<T> {
    /// `true` when the key was not in the object (used by `skip_serializing_if`).
    pub fn is_absent(&self) -> bool {
        matches!(self, Maybe::Absent)
    }

    /// `true` when the key was present as `null`.
    pub fn is_null(&self) -> bool {
        matches!(self, Maybe::Null)
    }

    /// `true` when the key held a value of a type the spec does not give (see
    /// [`Maybe::Mistyped`]).
    pub fn is_mistyped(&self) -> bool {
        matches!(self, Maybe::Mistyped(_))
    }

    /// `true` when a value is present.
    pub fn is_present(&self) -> bool {
        matches!(self, Maybe::Present(_))
    }

    /// The value, if present.
    pub fn as_ref(&self) -> Option<&T> {
        match self {
            Maybe::Present(v) => Some(v),
            _ => None,
        }
    }

    /// The value, mutably, if present.
    pub fn as_mut(&mut self) -> Option<&mut T> {
        match self {
            Maybe::Present(v) => Some(v),
            _ => None,
        }
    }

    /// The value, if present (absent and `null` both give `None`).
    pub fn into_option(self) -> Option<T> {
        match self {
            Maybe::Present(v) => Some(v),
            _ => None,
        }
    }

    /// `Some` becomes [`Maybe::Present`], `None` becomes [`Maybe::Absent`] (the key is left out).
    pub fn from_option(value: Option<T>) -> Self {
        value.map_or(Maybe::Absent, Maybe::Present)
    }

    /// Takes the value out, leaving the field absent.
    pub fn take(&mut self) -> Maybe<T> {
        std::mem::take(self)
    }

    /// Maps the present value.
    pub fn map<U>(self, f: impl FnOnce(T) -> U) -> Maybe<U> {
        match self {
            Maybe::Absent => Maybe::Absent,
            Maybe::Null => Maybe::Null,
            Maybe::Present(v) => Maybe::Present(f(v)),
            Maybe::Mistyped(v) => Maybe::Mistyped(v),
        }
    }
}

impl<T> From<T> for Maybe<T> {
    fn from(value: T) -> Self {
        Maybe::Present(value)
    }
}

impl<T: Serialize> Serialize for Maybe<T> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            // Only reached when a caller serializes a bare `Maybe` (fields skip `Absent`).
            Maybe::Absent | Maybe::Null => serializer.serialize_none(),
            Maybe::Present(v) => v.serialize(serializer),
            Maybe::Mistyped(v) => v.serialize(serializer),
        }
    }
}

impl<'de, T: Deserialize<'de>> Deserialize<'de> for Maybe<T> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        // Called only when the key is present (absent keys take `#[serde(default)]`).
        if crate::lenient::active() {
            // The fallback parse: keep what `T` cannot hold instead of failing the whole body.
            // The clone is paid only on this path (a strict parse has already failed).
            let value = Value::deserialize(deserializer)?;
            if value.is_null() {
                return Ok(Maybe::Null);
            }
            return Ok(match T::deserialize(value.clone()) {
                Ok(typed) => Maybe::Present(typed),
                Err(_) => Maybe::Mistyped(value),
            });
        }
        Ok(Option::<T>::deserialize(deserializer)?.map_or(Maybe::Null, Maybe::Present))
    }
}

#[cfg(test)]
mod tests {
    use super::Maybe;
    use serde::{Deserialize, Serialize};

    #[derive(Serialize, Deserialize, Default, Debug, PartialEq)]
    struct Probe {
        #[serde(default, skip_serializing_if = "Maybe::is_absent")]
        list: Maybe<Vec<u8>>,
    }

    fn round_trip(text: &str) -> (Probe, String) {
        let parsed: Probe = serde_json::from_str(text).expect("probe parses");
        let back = serde_json::to_string(&parsed).expect("probe serializes");
        (parsed, back)
    }

    #[test]
    fn absent_null_empty_and_value_are_distinct() {
        assert_eq!(
            round_trip("{}"),
            (
                Probe {
                    list: Maybe::Absent
                },
                "{}".into()
            )
        );
        assert_eq!(
            round_trip(r#"{"list":null}"#),
            (Probe { list: Maybe::Null }, r#"{"list":null}"#.into())
        );
        assert_eq!(
            round_trip(r#"{"list":[]}"#),
            (
                Probe {
                    list: Maybe::Present(vec![])
                },
                r#"{"list":[]}"#.into()
            )
        );
        assert_eq!(round_trip(r#"{"list":[1]}"#).1, r#"{"list":[1]}"#);
    }

    #[test]
    fn accessors() {
        let mut m = Maybe::Present(3);
        assert_eq!(m.as_ref(), Some(&3));
        assert_eq!(m.take(), Maybe::Present(3));
        assert!(m.is_absent());
        assert_eq!(Maybe::<u8>::Null.into_option(), None);
        assert_eq!(
            Maybe::from_option(Some(1)).map(|v| v + 1),
            Maybe::Present(2)
        );
    }
}
