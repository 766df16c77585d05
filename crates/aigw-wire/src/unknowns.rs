//! Finding what the spec does not describe inside a typed value: fields kept in `extra`,
//! union values kept as `Unknown`, and enum values kept as `Other`.
//!
//! Every generated type implements [`Unknowns`]. Translation uses it to report what it cannot
//! carry across protocols; tests use it to show reviewers which fields a spec update made
//! typed.

use crate::Maybe;
use serde_json::{Map, Number, Value};
use std::collections::BTreeMap;

/// One thing the spec does not describe.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Unknown<'a> {
    /// A field the spec does not name (held in a struct's `extra`).
    Field(&'a Value),
    /// A union value that fits no variant of the spec (held in `Unknown(Value)`).
    Variant(&'a Value),
    /// A string enum value the spec does not list (held in `Other(String)`).
    EnumValue(&'a str),
    /// A field's value of a JSON type the spec does not give it (held in
    /// [`Maybe::Mistyped`] by the lenient parse, see [`crate::from_slice`]).
    Mistyped(&'a Value),
}

/// Visits the unknown parts of a value. `at` is the JSON pointer of `self`.
pub trait Unknowns {
    /// Calls `f(pointer, unknown)` for every unknown part, depth first.
    fn visit_unknowns<'a>(&'a self, at: &mut String, f: &mut dyn FnMut(&str, Unknown<'a>));
}

/// Every unknown part of `value`, as `(JSON pointer, unknown)`.
pub fn unknowns<T: Unknowns + ?Sized>(value: &T) -> Vec<(String, Unknown<'_>)> {
    let mut found = Vec::new();
    value.visit_unknowns(&mut String::new(), &mut |pointer, unknown| {
        found.push((pointer.to_owned(), unknown));
    });
    found
}

/// Appends `/key` (JSON-pointer escaped) to `at`.
pub fn push_pointer(at: &mut String, key: &str) {
    at.push('/');
    for c in key.chars() {
        match c {
            '~' => at.push_str("~0"),
            '/' => at.push_str("~1"),
            c => at.push(c),
        }
    }
}

/// Visits one field of a generated struct.
pub fn visit_field<'a, T: Unknowns + ?Sized>(
    value: &'a T,
    key: &str,
    at: &mut String,
    f: &mut dyn FnMut(&str, Unknown<'a>),
) {
    let len = at.len();
    push_pointer(at, key);
    value.visit_unknowns(at, f);
    at.truncate(len);
}

/// Visits a struct's `extra` map: every entry is an unknown field.
pub fn visit_extra<'a>(
    extra: &'a Map<String, Value>,
    at: &mut String,
    f: &mut dyn FnMut(&str, Unknown<'a>),
) {
    for (key, value) in extra {
        let len = at.len();
        push_pointer(at, key);
        f(at, Unknown::Field(value));
        at.truncate(len);
    }
}

macro_rules! known_leaf {
    ($($t:ty),*) => {$(
        impl Unknowns for $t {
            fn visit_unknowns<'a>(&'a self, _: &mut String, _: &mut dyn FnMut(&str, Unknown<'a>)) {}
        }
    )*};
}

// Free-form values are typed as "any JSON" by the spec, so nothing in them is unknown.
known_leaf!(String, bool, Number, Value, Map<String, Value>);

impl<T: Unknowns> Unknowns for Maybe<T> {
    fn visit_unknowns<'a>(&'a self, at: &mut String, f: &mut dyn FnMut(&str, Unknown<'a>)) {
        match self {
            Maybe::Present(value) => value.visit_unknowns(at, f),
            Maybe::Mistyped(value) => f(at, Unknown::Mistyped(value)),
            Maybe::Absent | Maybe::Null => {}
        }
    }
}

impl<T: Unknowns + ?Sized> Unknowns for Box<T> {
    fn visit_unknowns<'a>(&'a self, at: &mut String, f: &mut dyn FnMut(&str, Unknown<'a>)) {
        (**self).visit_unknowns(at, f);
    }
}

impl<T: Unknowns> Unknowns for Vec<T> {
    fn visit_unknowns<'a>(&'a self, at: &mut String, f: &mut dyn FnMut(&str, Unknown<'a>)) {
        for (i, item) in self.iter().enumerate() {
            visit_field(item, &i.to_string(), at, f);
        }
    }
}

impl<T: Unknowns> Unknowns for BTreeMap<String, T> {
    fn visit_unknowns<'a>(&'a self, at: &mut String, f: &mut dyn FnMut(&str, Unknown<'a>)) {
        for (key, item) in self {
            visit_field(item, key, at, f);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pointers_are_escaped_and_nested() {
        let mut extra = Map::new();
        extra.insert("a/b".into(), Value::Bool(true));
        let items = vec![Maybe::Present(extra.clone()), Maybe::Null];
        // Free-form maps are known; only `visit_extra` reports entries.
        assert!(unknowns(&items).is_empty());
        let mut found = Vec::new();
        visit_extra(&extra, &mut "/x~".to_owned(), &mut |p, u| {
            found.push((p.to_owned(), u))
        });
        assert_eq!(
            found,
            vec![("/x~/a~1b".to_owned(), Unknown::Field(&Value::Bool(true)))]
        );
    }
}
