//! Non-generic JSON entry points for a crate's top-level types.
//!
//! [`from_slice`](crate::from_slice) and `serde_json::to_vec` are generic: each crate that
//! calls them for a type compiles that type's whole (de)serializer again, since release builds
//! share no generic code between crates. The generated types are large, so a program that
//! parses them in several crates paid for it several times, at the end of its build where
//! nothing else runs beside. A type's [`Json`] methods are plain functions, compiled once in
//! the crate that implements them with [`json_entry_points!`](crate::json_entry_points);
//! every caller links to that copy.

/// JSON in and out for one type, compiled where the type lives.
pub trait Json: Sized {
    /// Parses `bytes` as [`from_slice`](crate::from_slice) does (strict, then lenient).
    fn from_json(bytes: &[u8]) -> Result<Self, serde_json::Error>;
    /// Serializes to JSON text.
    fn to_json(&self) -> Result<Vec<u8>, serde_json::Error>;
    /// Serializes to a `Value`.
    fn to_json_value(&self) -> Result<serde_json::Value, serde_json::Error>;
    /// Converts a `Value` as [`from_value`](crate::from_value) does (strict, then lenient).
    fn from_json_value(value: &serde_json::Value) -> Result<Self, serde_json::Error>;
}

/// Implements [`Json`] for each generated type listed (each with its own attributes, e.g.
/// `cfg`). An object's body is parsed in place ([`object::from_slice`](crate::object::from_slice));
/// a union, marked `union`, through [`from_slice`](crate::from_slice).
#[macro_export]
macro_rules! json_entry_points {
    (@impl [$(#[$attr:meta])*] $ty:ty, $parse:path) => {
        $(#[$attr])*
        impl $crate::Json for $ty {
            // Never inlined: the point is one compiled copy, in this crate.
            #[inline(never)]
            fn from_json(bytes: &[u8]) -> Result<Self, $crate::__private::serde_json::Error> {
                $parse(bytes)
            }
            #[inline(never)]
            fn to_json(&self) -> Result<Vec<u8>, $crate::__private::serde_json::Error> {
                $crate::__private::serde_json::to_vec(self)
            }
            #[inline(never)]
            fn to_json_value(
                &self,
            ) -> Result<$crate::__private::serde_json::Value, $crate::__private::serde_json::Error>
            {
                $crate::__private::serde_json::to_value(self)
            }
            #[inline(never)]
            fn from_json_value(
                value: &$crate::__private::serde_json::Value,
            ) -> Result<Self, $crate::__private::serde_json::Error> {
                $crate::from_value(value)
            }
        }
    };
    () => {};
    ($(#[$attr:meta])* union $ty:ty; $($rest:tt)*) => {
        $crate::json_entry_points!(@impl [$(#[$attr])*] $ty, $crate::from_slice);
        $crate::json_entry_points!($($rest)*);
    };
    ($(#[$attr:meta])* $ty:ty; $($rest:tt)*) => {
        $crate::json_entry_points!(@impl [$(#[$attr])*] $ty, $crate::object::from_slice);
        $crate::json_entry_points!($($rest)*);
    };
}

/// A boxed type's entry points are its own (nothing here is compiled per type).
impl<T: Json> Json for Box<T> {
    fn from_json(bytes: &[u8]) -> Result<Self, serde_json::Error> {
        T::from_json(bytes).map(Box::new)
    }
    fn to_json(&self) -> Result<Vec<u8>, serde_json::Error> {
        T::to_json(self)
    }
    fn to_json_value(&self) -> Result<serde_json::Value, serde_json::Error> {
        T::to_json_value(self)
    }
    fn from_json_value(value: &serde_json::Value) -> Result<Self, serde_json::Error> {
        T::from_json_value(value).map(Box::new)
    }
}

impl Json for serde_json::Value {
    #[inline(never)]
    fn from_json(bytes: &[u8]) -> Result<Self, serde_json::Error> {
        crate::from_slice(bytes)
    }
    #[inline(never)]
    fn to_json(&self) -> Result<Vec<u8>, serde_json::Error> {
        serde_json::to_vec(self)
    }
    #[inline(never)]
    fn to_json_value(&self) -> Result<serde_json::Value, serde_json::Error> {
        Ok(self.clone())
    }
    #[inline(never)]
    fn from_json_value(value: &serde_json::Value) -> Result<Self, serde_json::Error> {
        Ok(value.clone())
    }
}
