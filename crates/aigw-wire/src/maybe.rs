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
/// gives (an older spec's string where today's traffic sends an object). The lenient fallback
/// of [`crate::from_slice`] and its siblings produces it, and so does a union whose candidate
/// variants all fail (it retries the first one leniently); outside unions a plain
/// `serde_json` parse still fails on such a value.
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
    /// Boxed: it is rare, and every field of every generated type pays a `Maybe`'s size (a
    /// `Value` inline made `Maybe<String>` 72 bytes instead of 32, and the moves of the large
    /// generated structs cost more than the parse itself).
    Mistyped(Box<Value>),
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

    /// The value, if present (absent and `null` both give `None`): the usual way to read a
    /// field.
    ///
    /// ```
    /// use aigw_wire::Maybe;
    /// assert_eq!(Maybe::Present(3).get(), Some(&3));
    /// assert_eq!(Maybe::<u8>::Null.get(), None);
    /// ```
    pub fn get(&self) -> Option<&T> {
        self.as_ref()
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

impl Maybe<String> {
    /// The string, if present.
    pub fn as_str(&self) -> Option<&str> {
        self.get().map(String::as_str)
    }
}

impl Maybe<serde_json::Number> {
    /// A number field from a Rust number: [`Maybe::Present`], or [`Maybe::Null`] for a float
    /// JSON cannot write (NaN, infinities).
    pub fn from_number(value: impl IntoNumber) -> Self {
        value.into_number().map_or(Maybe::Null, Maybe::Present)
    }

    /// The number as a `u64`, if present and a non-negative integer (token counts).
    ///
    /// ```
    /// use aigw_wire::Maybe;
    /// let tokens: Maybe<serde_json::Number> = Maybe::from_number(42u32);
    /// assert_eq!(tokens.as_u64(), Some(42));
    /// ```
    pub fn as_u64(&self) -> Option<u64> {
        self.get().and_then(serde_json::Number::as_u64)
    }

    /// The number as an `f64`, if present.
    pub fn as_f64(&self) -> Option<f64> {
        self.get().and_then(serde_json::Number::as_f64)
    }
}

/// A Rust number that becomes a JSON number: what the generated constructors and setters take
/// for number fields (`with_temperature(0.2)`, `with_max_tokens(1024)`).
pub trait IntoNumber {
    /// `None` for a float JSON cannot write (NaN, infinities).
    fn into_number(self) -> Option<serde_json::Number>;
}

impl IntoNumber for serde_json::Number {
    fn into_number(self) -> Option<serde_json::Number> {
        Some(self)
    }
}

macro_rules! into_number_int {
    ($($t:ty),*) => {$(
        impl IntoNumber for $t {
            fn into_number(self) -> Option<serde_json::Number> {
                Some(self.into())
            }
        }
    )*};
}
into_number_int!(u8, u16, u32, u64, usize, i8, i16, i32, i64, isize);

impl IntoNumber for f64 {
    fn into_number(self) -> Option<serde_json::Number> {
        serde_json::Number::from_f64(self)
    }
}

impl IntoNumber for f32 {
    /// Through the shortest decimal text of the `f32` (`0.7f32` is `0.7`, not
    /// `0.699999988079071`).
    fn into_number(self) -> Option<serde_json::Number> {
        if !self.is_finite() {
            return None;
        }
        self.to_string().parse().ok()
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
            return lenient(deserializer);
        }
        Ok(Option::<T>::deserialize(deserializer)?.map_or(Maybe::Null, Maybe::Present))
    }
}

/// The fallback parse of a field: keeps what `T` cannot hold instead of failing the whole
/// body. Out of line and cold: every field's read compiles it, and the strict path that runs
/// first must not carry it in its code.
#[cold]
#[inline(never)]
fn lenient<'de, T: Deserialize<'de>, D: Deserializer<'de>>(
    deserializer: D,
) -> Result<Maybe<T>, D::Error> {
    let value = Value::deserialize(deserializer)?;
    if value.is_null() {
        return Ok(Maybe::Null);
    }
    Ok(match T::deserialize(crate::value_de::ValueDe(&value)) {
        Ok(typed) => Maybe::Present(typed),
        Err(_) => Maybe::Mistyped(Box::new(value)),
    })
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
