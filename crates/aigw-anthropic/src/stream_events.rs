//! Written by hand: the `ping` and `error` stream events. Anthropic sends both (`ping` in 28 of
//! 29 recorded streams; `error` is documented for overloads mid-stream) but its spec defines
//! neither. The generator knows them through stubs (`xtask/src/regen/anthropic.rs`) and wires
//! them into [`MessageStreamEvent`](crate::MessageStreamEvent); these types follow the same
//! conventions as the generated ones (`Maybe` fields, `extra`, closed tag).

use crate::ErrorResponseError;
use aigw_wire::{Maybe, Unknown, Unknowns};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

aigw_wire::tag_enum! {
    /// The tag of [`MessagePingEvent`].
    pub enum MessagePingEventType { Ping = "ping" }
}

aigw_wire::tag_enum! {
    /// The tag of [`MessageErrorEvent`].
    pub enum MessageErrorEventType { Error = "error" }
}

/// `event: ping` — a keep-alive with no content.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct MessagePingEvent {
    /// Always `ping`.
    #[serde(rename = "type", default, skip_serializing_if = "Maybe::is_absent")]
    pub r#type: Maybe<MessagePingEventType>,
    /// Fields the spec does not name, kept verbatim.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// `event: error` — the stream failed after it started (e.g. `overloaded_error`); the `error`
/// object has the same shape as the error body's.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct MessageErrorEvent {
    /// Always `error`.
    #[serde(rename = "type", default, skip_serializing_if = "Maybe::is_absent")]
    pub r#type: Maybe<MessageErrorEventType>,
    /// What went wrong.
    #[serde(default, skip_serializing_if = "Maybe::is_absent")]
    pub error: Maybe<ErrorResponseError>,
    /// Fields the spec does not name, kept verbatim.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

impl Unknowns for MessagePingEvent {
    fn visit_unknowns<'a>(&'a self, at: &mut String, f: &mut dyn FnMut(&str, Unknown<'a>)) {
        aigw_wire::unknowns::visit_extra(&self.extra, at, f);
    }
}

impl Unknowns for MessageErrorEvent {
    fn visit_unknowns<'a>(&'a self, at: &mut String, f: &mut dyn FnMut(&str, Unknown<'a>)) {
        aigw_wire::unknowns::visit_field(&self.error, "error", at, f);
        aigw_wire::unknowns::visit_extra(&self.extra, at, f);
    }
}
