//! Macros for the string enums of the generated code.
//!
//! Written as `macro_rules!` rather than expanded by the generator so that each generated enum
//! is a few readable lines and the impls are compiled from one definition.

/// Declares an **open** string enum: the listed values get variants, any other string is kept in
/// `Other(String)` and serializes back unchanged.
///
/// ```
/// aigw_wire::open_enum! {
///     /// How hard the model thinks.
///     pub enum Effort { Low = "low", High = "high" }
/// }
/// let e: Effort = serde_json::from_str(r#""xhigh""#).unwrap();
/// assert_eq!(e, Effort::Other("xhigh".into()));
/// assert_eq!(serde_json::to_string(&e).unwrap(), r#""xhigh""#);
/// assert_eq!(Effort::from("low"), Effort::Low);
/// ```
#[macro_export]
macro_rules! open_enum {
    (
        $(#[$meta:meta])*
        $vis:vis enum $name:ident {
            $( $(#[$vmeta:meta])* $variant:ident = $value:literal ),* $(,)?
        }
    ) => {
        $(#[$meta])*
        #[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
        $vis enum $name {
            $( $(#[$vmeta])* #[doc = concat!("`", $value, "`")] $variant, )*
            /// A value the spec does not list, kept verbatim.
            Other(::std::string::String),
        }

        impl $name {
            /// The wire value.
            pub fn as_str(&self) -> &str {
                match self {
                    $( Self::$variant => $value, )*
                    Self::Other(other) => other.as_str(),
                }
            }
        }

        impl ::std::convert::From<&str> for $name {
            fn from(value: &str) -> Self {
                match value {
                    $( $value => Self::$variant, )*
                    other => Self::Other(other.to_owned()),
                }
            }
        }

        impl ::std::convert::From<::std::string::String> for $name {
            fn from(value: ::std::string::String) -> Self {
                match value.as_str() {
                    $( $value => Self::$variant, )*
                    _ => Self::Other(value),
                }
            }
        }

        impl ::std::fmt::Display for $name {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl $crate::Unknowns for $name {
            fn visit_unknowns<'a>(
                &'a self,
                at: &mut ::std::string::String,
                f: &mut dyn FnMut(&str, $crate::Unknown<'a>),
            ) {
                if let Self::Other(value) = self {
                    f(at, $crate::Unknown::EnumValue(value));
                }
            }
        }

        impl $crate::__private::serde::Serialize for $name {
            fn serialize<S: $crate::__private::serde::Serializer>(
                &self,
                serializer: S,
            ) -> ::std::result::Result<S::Ok, S::Error> {
                serializer.serialize_str(self.as_str())
            }
        }

        impl<'de> $crate::__private::serde::Deserialize<'de> for $name {
            fn deserialize<D: $crate::__private::serde::Deserializer<'de>>(
                deserializer: D,
            ) -> ::std::result::Result<Self, D::Error> {
                $crate::__private::deserialize_str(deserializer, "a string", |s| Some(Self::from(s)))
            }
        }
    };
}

/// Declares a **closed** single-value enum: a discriminator tag such as
/// `"type": "message"`. Any other value is an error, which is what lets a union dispatch on it.
///
/// ```
/// aigw_wire::tag_enum! { pub enum MessageType { Message = "message" } }
/// assert!(serde_json::from_str::<MessageType>(r#""message""#).is_ok());
/// assert!(serde_json::from_str::<MessageType>(r#""other""#).is_err());
/// ```
#[macro_export]
macro_rules! tag_enum {
    (
        $(#[$meta:meta])*
        $vis:vis enum $name:ident { $variant:ident = $value:literal $(,)? }
    ) => {
        $(#[$meta])*
        #[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
        $vis enum $name {
            #[doc = concat!("`", $value, "`")]
            #[default]
            $variant,
        }

        impl $name {
            /// The wire value.
            pub fn as_str(&self) -> &'static str {
                $value
            }
        }

        impl ::std::fmt::Display for $name {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.write_str($value)
            }
        }

        impl $crate::Unknowns for $name {
            fn visit_unknowns<'a>(
                &'a self,
                _: &mut ::std::string::String,
                _: &mut dyn FnMut(&str, $crate::Unknown<'a>),
            ) {
            }
        }

        impl $crate::__private::serde::Serialize for $name {
            fn serialize<S: $crate::__private::serde::Serializer>(
                &self,
                serializer: S,
            ) -> ::std::result::Result<S::Ok, S::Error> {
                serializer.serialize_str($value)
            }
        }

        impl<'de> $crate::__private::serde::Deserialize<'de> for $name {
            fn deserialize<D: $crate::__private::serde::Deserializer<'de>>(
                deserializer: D,
            ) -> ::std::result::Result<Self, D::Error> {
                $crate::__private::deserialize_str(deserializer, concat!("`", $value, "`"), |s| {
                    (s == $value).then_some(Self::$variant)
                })
            }
        }
    };
}

#[cfg(test)]
mod tests {
    crate::open_enum! { enum Role { User = "user", Assistant = "assistant" } }
    crate::tag_enum! { enum Kind { Text = "text" } }

    #[test]
    fn open_enum_keeps_unknown_values() {
        let known: Role = serde_json::from_str(r#""user""#).expect("known value");
        assert_eq!(known, Role::User);
        let unknown: Role = serde_json::from_str(r#""tool""#).expect("unknown value");
        assert_eq!(unknown, Role::Other("tool".into()));
        assert_eq!(serde_json::to_string(&unknown).expect("ser"), r#""tool""#);
        // Escaped strings arrive owned, not borrowed.
        let escaped: Role = serde_json::from_str(r#""us\u0065r""#).expect("escaped");
        assert_eq!(escaped, Role::User);
        assert_eq!(Role::Assistant.to_string(), "assistant");
        assert!(serde_json::from_str::<Role>("3").is_err());
    }

    #[test]
    fn tag_enum_is_closed() {
        assert_eq!(
            serde_json::from_str::<Kind>(r#""text""#).expect("tag"),
            Kind::Text
        );
        let err = serde_json::from_str::<Kind>(r#""image""#).expect_err("closed");
        assert!(err.to_string().contains("`text`"), "{err}");
        assert_eq!(
            serde_json::to_string(&Kind::Text).expect("ser"),
            r#""text""#
        );
        assert_eq!(Kind::Text.as_str(), "text");
        assert_eq!(Kind::default().to_string(), "text");
    }
}
