//! Fitting an OpenAI Chat Completions request to a provider's [`Quirks`], reporting every
//! change.

use crate::quirks::{MaxTokensField, Params, Quirks};
use serde::Serialize;
use serde_json::{Map, Value, json};
use std::fmt;

/// What was done to one field.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "action", rename_all = "snake_case")]
pub enum Action {
    /// Removed: the provider does not take it. A loss: strict mode refuses it.
    Stripped,
    /// Removed, but it only restated what the provider does anyway (`logprobs: false`,
    /// `tool_choice: "auto"` where the provider has no such parameter): nothing is lost.
    RemovedDefault,
    /// Sent under another name, same value.
    Renamed { to: String },
    /// Replaced by a value the provider takes that means the same (`developer` → `system`).
    Mapped { to: Value },
    /// Replaced by a weaker value (`json_schema` → `json_object`). A loss: strict mode
    /// refuses it.
    Approximated { to: Value },
}

/// One change, at a JSON pointer into the request as the caller built it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Adjustment {
    pub pointer: String,
    #[serde(flatten)]
    pub action: Action,
    pub reason: String,
}

impl Adjustment {
    /// Whether something the caller asked for does not reach the provider.
    pub fn is_loss(&self) -> bool {
        matches!(self.action, Action::Stripped | Action::Approximated { .. })
    }
}

impl fmt::Display for Adjustment {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.action {
            Action::Stripped => write!(f, "stripped {}", self.pointer)?,
            Action::RemovedDefault => write!(f, "removed default {}", self.pointer)?,
            Action::Renamed { to } => write!(f, "renamed {} to {to}", self.pointer)?,
            Action::Mapped { to } => write!(f, "mapped {} to {to}", self.pointer)?,
            Action::Approximated { to } => write!(f, "approximated {} by {to}", self.pointer)?,
        }
        write!(f, " ({})", self.reason)
    }
}

/// Every change made to a request, in the order made. Returned with every response.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
#[serde(transparent)]
pub struct Adjustments(pub Vec<Adjustment>);

impl Adjustments {
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn iter(&self) -> std::slice::Iter<'_, Adjustment> {
        self.0.iter()
    }

    /// The changes that lose something the caller asked for.
    pub fn losses(&self) -> impl Iterator<Item = &Adjustment> {
        self.0.iter().filter(|a| a.is_loss())
    }
}

impl fmt::Display for Adjustments {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, adjustment) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str("; ")?;
            }
            write!(f, "{adjustment}")?;
        }
        Ok(())
    }
}

/// `key` as a JSON pointer segment (RFC 6901).
fn pointer(key: &str) -> String {
    format!("/{}", key.replace('~', "~0").replace('/', "~1"))
}

struct Fitter<'a> {
    provider: &'a str,
    log: Vec<Adjustment>,
}

impl Fitter<'_> {
    fn push(&mut self, pointer: String, action: Action, reason: String) {
        self.log.push(Adjustment {
            pointer,
            action,
            reason,
        });
    }

    /// Removes `key`; `Stripped`, or `RemovedDefault` when its value is `default`.
    fn strip(
        &mut self,
        object: &mut Map<String, Value>,
        key: &str,
        default: Option<&Value>,
        why: &str,
    ) {
        // `shift_remove` keeps the order of the other keys as the caller wrote them.
        if let Some(value) = object.shift_remove(key) {
            let action = match default {
                Some(default) if &value == default => Action::RemovedDefault,
                _ => Action::Stripped,
            };
            let reason = format!("{} {why}", self.provider);
            self.push(pointer(key), action, reason);
        }
    }

    fn rename(&mut self, object: &mut Map<String, Value>, from: &str, to: &str) {
        if object.contains_key(to) {
            // Both given: the provider's own name wins, the other cannot be sent.
            let why = format!("does not accept {from}, and {to} is already set");
            self.strip(object, from, None, &why);
        } else if let Some(index) = object.keys().position(|k| k == from)
            && let Some(value) = object.shift_remove(from)
        {
            // In the same place, under the new name.
            object.shift_insert(index, to.to_owned(), value);
            let reason = format!("{} calls this parameter {to}", self.provider);
            self.push(pointer(from), Action::Renamed { to: to.to_owned() }, reason);
        }
    }
}

/// Fits a Chat Completions request body (the JSON of a `CreateChatCompletionRequest`) to
/// `quirks`, in place, and returns what changed. Fields the provider takes are never
/// touched; unknown fields the caller added are kept unless the provider's parameter list is
/// exact ([`Params::Only`]).
pub fn adjust_chat(provider: &str, quirks: &Quirks, body: &mut Value) -> Adjustments {
    let Some(object) = body.as_object_mut() else {
        return Adjustments::default();
    };
    let mut fit = Fitter {
        provider,
        log: Vec::new(),
    };
    if !quirks.supports_stream_usage {
        fit.strip(
            object,
            "stream_options",
            None,
            "does not accept stream_options (usage may be missing from the last chunk)",
        );
    }
    if quirks.max_tokens_field == MaxTokensField::MaxTokens {
        fit.rename(object, "max_completion_tokens", "max_tokens");
    }
    match quirks.seed_field {
        Some("seed") => {}
        Some(name) => fit.rename(object, "seed", name),
        None => fit.strip(object, "seed", None, "has no sampling seed"),
    }
    if !quirks.supports_logprobs {
        fit.strip(
            object,
            "logprobs",
            Some(&json!(false)),
            "does not return logprobs",
        );
        fit.strip(object, "top_logprobs", None, "does not return logprobs");
    }
    // `n: 1` asks for what every provider returns and is accepted where `n` > 1 is not (Groq
    // documents "n must equal 1"; its recordings send `n: 1` and are answered): it stays.
    if !quirks.supports_n && object.get("n").is_some_and(|n| n != &json!(1)) {
        fit.strip(object, "n", None, "returns one choice only");
    }
    if !quirks.supports_tools {
        for key in [
            "tools",
            "tool_choice",
            "parallel_tool_calls",
            "functions",
            "function_call",
        ] {
            fit.strip(object, key, None, "has no tool calling");
        }
    } else {
        if !quirks.supports_tool_choice {
            fit.strip(
                object,
                "tool_choice",
                Some(&json!("auto")),
                "does not accept tool_choice",
            );
        }
        if !quirks.supports_parallel_tool_calls {
            fit.strip(
                object,
                "parallel_tool_calls",
                Some(&json!(true)),
                "does not accept parallel_tool_calls",
            );
        }
    }
    adjust_response_format(&mut fit, quirks, object);
    if let Some(Value::Array(messages)) = object.get_mut("messages") {
        for (i, message) in messages.iter_mut().enumerate() {
            adjust_message(&mut fit, quirks, i, message);
        }
    }
    let disallowed: Vec<String> = object
        .keys()
        .filter(|key| match quirks.params {
            Params::Only(allowed) => !allowed.contains(&key.as_str()),
            Params::AllExcept(denied) => denied.contains(&key.as_str()),
        })
        .cloned()
        .collect();
    for key in disallowed {
        let why = match quirks.params {
            Params::Only(_) => "has no such parameter",
            Params::AllExcept(_) => "does not support this parameter",
        };
        fit.strip(object, &key, None, why);
    }
    Adjustments(fit.log)
}

fn adjust_response_format(fit: &mut Fitter<'_>, quirks: &Quirks, object: &mut Map<String, Value>) {
    let kind = object
        .get("response_format")
        .and_then(|f| f.get("type"))
        .and_then(Value::as_str)
        .map(str::to_owned);
    match kind.as_deref() {
        Some("json_schema") if !quirks.supports_json_schema => {
            if quirks.supports_json_object {
                let to = json!({"type": "json_object"});
                object.insert("response_format".to_owned(), to.clone());
                let reason = format!(
                    "{} has JSON mode but no schema-constrained output: the schema is not enforced",
                    fit.provider
                );
                fit.push(
                    "/response_format".to_owned(),
                    Action::Approximated { to },
                    reason,
                );
            } else {
                fit.strip(object, "response_format", None, "has no structured output");
            }
        }
        Some("json_object") if !quirks.supports_json_object => {
            fit.strip(object, "response_format", None, "has no JSON mode");
        }
        _ => {}
    }
}

fn adjust_message(fit: &mut Fitter<'_>, quirks: &Quirks, index: usize, message: &mut Value) {
    let Some(message) = message.as_object_mut() else {
        return;
    };
    if !quirks.supports_developer_role
        && message.get("role").and_then(Value::as_str) == Some("developer")
    {
        let to = json!("system");
        message.insert("role".to_owned(), to.clone());
        let reason = format!(
            "{} has no developer role; system carries the same instructions",
            fit.provider
        );
        fit.push(
            format!("/messages/{index}/role"),
            Action::Mapped { to },
            reason,
        );
    }
    if !quirks.supports_vision
        && let Some(Value::Array(parts)) = message.get_mut("content")
    {
        let mut j = 0;
        let mut original = 0;
        while j < parts.len() {
            if parts[j].get("type").and_then(Value::as_str) == Some("image_url") {
                parts.remove(j);
                let reason = format!("{} does not accept images", fit.provider);
                fit.push(
                    format!("/messages/{index}/content/{original}"),
                    Action::Stripped,
                    reason,
                );
            } else {
                j += 1;
            }
            original += 1;
        }
    }
}
