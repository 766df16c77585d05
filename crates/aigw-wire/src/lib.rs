//! Runtime support for the generated wire types of the aigw provider crates.
//!
//! The generated code in `aigw-openai` (and later `aigw-anthropic`, `aigw-gemini`) relies on
//! three small building blocks that keep every payload lossless:
//!
//! * [`Maybe`]: a tri-state field (absent / explicit `null` / value), so that a round-trip
//!   never adds, drops or rewrites a key;
//! * [`open_enum!`] and [`tag_enum!`]: string enums that keep unknown values, and closed
//!   single-value discriminator tags;
//! * [`union`]: tag dispatch for unions (read the tag, parse the one variant it names) with a
//!   raw catch-all, instead of serde's trial-and-error `untagged`.
//!
//! ```
//! use aigw_wire::Maybe;
//!
//! #[derive(serde::Serialize, serde::Deserialize, Default, Debug, PartialEq)]
//! struct Usage {
//!     #[serde(default, skip_serializing_if = "Maybe::is_absent")]
//!     total_tokens: Maybe<u64>,
//! }
//!
//! let null: Usage = serde_json::from_str(r#"{"total_tokens":null}"#).unwrap();
//! assert_eq!(null.total_tokens, Maybe::Null);
//! assert_eq!(serde_json::to_string(&null).unwrap(), r#"{"total_tokens":null}"#);
//! let absent: Usage = serde_json::from_str("{}").unwrap();
//! assert_eq!(serde_json::to_string(&absent).unwrap(), "{}");
//! ```

mod buffered;
mod json;
mod lenient;
mod maybe;
pub mod object;
mod open_enum;
pub mod operations;
mod raw;
mod replay;
mod speculate;
pub mod union;
pub mod unknowns;
mod value_de;

pub use json::Json;
pub use lenient::{from_slice, from_str, from_value};
pub use maybe::{IntoNumber, Maybe};
pub use unknowns::{Unknown, Unknowns, unknowns};

#[doc(hidden)]
pub mod __private {
    pub use serde;
    pub use serde_json;

    use serde::de::{self, Deserializer, Visitor};
    use std::fmt;

    /// Deserializes a string and converts it with `convert` without allocating (serde's
    /// `Cow<str>` always allocates). `convert` returns `None` for a value it rejects.
    pub fn deserialize_str<'de, D, T, F>(
        deserializer: D,
        expecting: &'static str,
        convert: F,
    ) -> Result<T, D::Error>
    where
        D: Deserializer<'de>,
        F: FnOnce(&str) -> Option<T>,
    {
        struct StrVisitor<F> {
            expecting: &'static str,
            convert: F,
        }
        impl<'de, T, F: FnOnce(&str) -> Option<T>> Visitor<'de> for StrVisitor<F> {
            type Value = T;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.expecting)
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<T, E> {
                let expecting = self.expecting;
                (self.convert)(v)
                    .ok_or_else(|| E::invalid_value(de::Unexpected::Str(v), &expecting))
            }
        }
        deserializer.deserialize_str(StrVisitor { expecting, convert })
    }
}
