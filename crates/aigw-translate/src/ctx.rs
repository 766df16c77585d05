//! The bookkeeping every translation shares: source fields are *taken* out of their JSON
//! object as they are translated, and whatever is left at the end is reported as dropped, so
//! a field no translation knows (a vendor extension in `extra`, a new parameter) can never
//! vanish silently.

use crate::loss::{Loss, LossKind, LossReport, Options, TranslateError, Translated};
use aigw_wire::Json;
use serde_json::{Map, Value};

/// `base` + `/key`, escaped (RFC 6901).
pub(crate) fn ptr(base: &str, key: &str) -> String {
    format!("{base}/{}", key.replace('~', "~0").replace('/', "~1"))
}

/// A source value as JSON (through the serializer compiled in the type's own crate, see
/// [`Json`]).
pub(crate) fn to_json<T: Json>(value: &T) -> Result<Value, TranslateError> {
    value.to_json_value().map_err(|e| TranslateError::Source {
        pointer: String::new(),
        problem: format!("does not serialize: {e}"),
    })
}

/// `value` as an object, or a source error at `pointer`.
pub(crate) fn object(value: Value, pointer: &str) -> Result<Map<String, Value>, TranslateError> {
    match value {
        Value::Object(map) => Ok(map),
        other => Err(TranslateError::Source {
            pointer: pointer.to_owned(),
            problem: format!("expected an object, found {}", kind(&other)),
        }),
    }
}

pub(crate) fn kind(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// Takes `key` out of `map`; an explicit `null` counts as absent.
pub(crate) fn take(map: &mut Map<String, Value>, key: &str) -> Option<Value> {
    match map.shift_remove(key) {
        None | Some(Value::Null) => None,
        Some(value) => Some(value),
    }
}

/// Takes a string field.
pub(crate) fn take_str(map: &mut Map<String, Value>, key: &str) -> Option<String> {
    match take(map, key) {
        Some(Value::String(s)) => Some(s),
        Some(other) => {
            // Not a string: put it back so it is reported with the leftovers.
            map.insert(key.to_owned(), other);
            None
        }
        None => None,
    }
}

/// Takes an array field (a single value becomes a one-element array).
pub(crate) fn take_array(map: &mut Map<String, Value>, key: &str) -> Vec<Value> {
    match take(map, key) {
        Some(Value::Array(items)) => items,
        Some(other) => vec![other],
        None => Vec::new(),
    }
}

/// The losses of one translation in progress.
#[derive(Debug)]
pub(crate) struct Ctx<'o> {
    pub opts: &'o Options,
    /// The target protocol, for reasons ("Anthropic Messages has no equivalent").
    pub target: &'static str,
    losses: Vec<Loss>,
}

impl<'o> Ctx<'o> {
    pub fn new(opts: &'o Options, target: &'static str) -> Self {
        Ctx {
            opts,
            target,
            losses: Vec::new(),
        }
    }

    fn push(&mut self, pointer: String, kind: LossKind, reason: String) {
        self.losses.push(Loss {
            pointer,
            kind,
            reason,
        });
    }

    pub fn dropped(&mut self, pointer: impl Into<String>, reason: impl Into<String>) {
        self.push(pointer.into(), LossKind::Dropped, reason.into());
    }

    pub fn approximated(&mut self, pointer: impl Into<String>, reason: impl Into<String>) {
        self.push(pointer.into(), LossKind::Approximated, reason.into());
    }

    pub fn defaulted(&mut self, pointer: impl Into<String>, reason: impl Into<String>) {
        self.push(pointer.into(), LossKind::Defaulted, reason.into());
    }

    /// Reports every non-null field left in `map` (at `pointer`) as dropped.
    pub fn rest(&mut self, pointer: &str, map: Map<String, Value>) {
        for (key, value) in map {
            if !value.is_null() {
                let reason = format!("{} has no equivalent", self.target);
                self.dropped(ptr(pointer, &key), reason);
            }
        }
    }

    /// Merges the losses of a nested translation.
    pub fn absorb(&mut self, report: LossReport) {
        self.losses.extend(report.0);
    }

    pub fn report(self) -> LossReport {
        LossReport(self.losses)
    }

    /// The result: `value` as `T`, or the strict-mode refusal.
    pub fn finish<T: Json>(self, value: Value) -> Result<Translated<T>, TranslateError> {
        let strict = self.opts.strict;
        let losses = self.report();
        if strict && !losses.is_empty() {
            return Err(TranslateError::Strict { losses });
        }
        let value = T::from_json_value(&value).map_err(TranslateError::Target)?;
        Ok(Translated { value, losses })
    }
}

/// A `data:` URL split into media type and base64 data.
pub(crate) fn parse_data_url(url: &str) -> Option<(&str, &str)> {
    let rest = url.strip_prefix("data:")?;
    let (meta, data) = rest.split_once(',')?;
    let media = meta.strip_suffix(";base64")?;
    Some((media, data))
}
