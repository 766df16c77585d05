//! Between the client's protocol and the upstream's: request bodies, response bodies, error
//! bodies and streams, by `aigw-translate` — or untouched when both speak the same protocol.

use crate::peek::Head;
use crate::protocol::{Api, Wire, error_body};
use crate::upstream::Provider;
use aigw_translate::{
    LossKind, LossReport, Options, StreamTranslator, TranslateError, Translated,
    anthropic_gemini as ag, chat_anthropic as ca, chat_gemini as cg, errors, responses as rs,
};
use aigw_wire::Json;
use axum::http::StatusCode;
use bytes::Bytes;
use serde::Serialize;
use serde_json::Value;

/// Why a request could not be made into the upstream's.
#[derive(Debug, thiserror::Error)]
pub enum ConvertError {
    /// The client's body is not its protocol's request.
    #[error("{0}")]
    Invalid(String),
    /// Strict mode, and the request would lose something.
    #[error("strict mode: the request cannot be sent to {provider} without losing: {losses}")]
    Strict {
        provider: String,
        losses: LossReport,
    },
    /// The upstream has no such API (e.g. embeddings on Anthropic).
    #[error("{0}")]
    Unsupported(String),
}

/// The upstream request body, and what it lost on the way.
#[derive(Debug)]
pub struct Prepared {
    pub body: Bytes,
    pub losses: LossReport,
    /// Sent as the client sent it (the model name aside).
    pub passthrough: bool,
}

fn to_bytes(value: &impl Serialize) -> Result<Bytes, ConvertError> {
    serde_json::to_vec(value)
        .map(Bytes::from)
        .map_err(|e| ConvertError::Invalid(format!("cannot serialize the request: {e}")))
}

// The typed parses and serializations go through each type's `Json` entry points, compiled
// in its provider crate: generic `from_slice::<T>`/`to_vec::<T>` calls here compiled every
// type's (de)serializer again in this crate, at the end of the build.
fn typed<T: Json>(raw: &[u8], what: &str) -> Result<T, ConvertError> {
    T::from_json(raw).map_err(|e| ConvertError::Invalid(format!("not a valid {what}: {e}")))
}

/// A client's request body: its bytes, the model it names, and its tree, built on demand.
pub struct ClientBody<'a> {
    pub raw: &'a Bytes,
    /// What the gateway read of it: the model it names, and where.
    pub head: &'a Head,
    /// The whole body as a `Value` (built once, only when a change needs it).
    pub tree: &'a dyn Fn() -> Result<&'a Value, &'a str>,
}

impl<'a> ClientBody<'a> {
    pub fn value(&self) -> Result<&'a Value, ConvertError> {
        (self.tree)().map_err(|e| ConvertError::Invalid(e.to_owned()))
    }
}

fn translated<T: Json>(
    result: Result<Translated<T>, TranslateError>,
) -> Result<(Value, LossReport), ConvertError> {
    let t = result.map_err(|e| ConvertError::Invalid(e.to_string()))?;
    let value = t
        .value
        .to_json_value()
        .map_err(|e| ConvertError::Invalid(format!("cannot serialize the translation: {e}")))?;
    Ok((value, t.losses))
}

/// The compat quirks' changes that lose something, as losses.
fn adjustment_losses(adjustments: &aigw_openai_compat::Adjustments) -> LossReport {
    LossReport(
        adjustments
            .losses()
            .map(|a| aigw_translate::Loss {
                pointer: a.pointer.clone(),
                kind: match a.action {
                    aigw_openai_compat::Action::Approximated { .. } => LossKind::Approximated,
                    _ => LossKind::Dropped,
                },
                reason: a.reason.clone(),
            })
            .collect(),
    )
}

/// Makes the request for `provider` (which speaks `upstream`) from the client's body.
pub fn prepare_request(
    client: Api,
    upstream: Api,
    provider: &Provider,
    model: &str,
    request: &ClientBody<'_>,
    stream: bool,
    opts: &Options,
) -> Result<Prepared, ConvertError> {
    let raw = request.raw;
    let lenient = Options {
        strict: false,
        ..opts.clone()
    };
    let (mut body, mut losses) = if client == upstream {
        (None, LossReport::default())
    } else {
        let (body, losses) = match (client, upstream) {
            (Api::Chat, Api::Messages) => {
                translated(ca::chat_to_messages(&typed(raw, "chat request")?, &lenient))?
            }
            (Api::Chat, Api::Gemini) => {
                translated(cg::chat_to_gemini(&typed(raw, "chat request")?, &lenient))?
            }
            (Api::Chat, Api::Responses) => translated(rs::chat_to_responses(
                &typed(raw, "chat request")?,
                &lenient,
            ))?,
            (Api::Responses, Api::Chat) => translated(rs::responses_to_chat(
                &typed(raw, "Responses request")?,
                &lenient,
            ))?,
            (Api::Responses, Api::Messages) => translated(rs::responses_to_messages(
                &typed(raw, "Responses request")?,
                &lenient,
            ))?,
            (Api::Responses, Api::Gemini) => translated(rs::responses_to_gemini(
                &typed(raw, "Responses request")?,
                &lenient,
            ))?,
            (Api::Messages, Api::Chat) => translated(ca::messages_to_chat(
                &typed(raw, "Messages request")?,
                &lenient,
            ))?,
            (Api::Messages, Api::Gemini) => translated(ag::messages_to_gemini(
                &typed(raw, "Messages request")?,
                &lenient,
            ))?,
            (Api::Messages, Api::Responses) => translated(rs::messages_to_responses(
                &typed(raw, "Messages request")?,
                &lenient,
            ))?,
            (Api::Gemini, Api::Chat) => translated(cg::gemini_to_chat(
                &typed(raw, "generateContent request")?,
                model,
                &lenient,
            ))?,
            (Api::Gemini, Api::Messages) => translated(ag::gemini_to_messages(
                &typed(raw, "generateContent request")?,
                model,
                &lenient,
            ))?,
            (Api::Gemini, Api::Responses) => translated(rs::gemini_to_responses(
                &typed(raw, "generateContent request")?,
                model,
                &lenient,
            ))?,
            (from, to) => {
                return Err(ConvertError::Unsupported(format!(
                    "no translation from {} to {}",
                    from.name(),
                    to.name()
                )));
            }
        };
        (Some(body), losses)
    };

    // What every upstream body needs whatever its origin: the target's model name and the
    // stream flag (Gemini takes both in the URL).
    let edit = |body: &mut Option<Value>,
                f: &mut dyn FnMut(&mut serde_json::Map<String, Value>)|
     -> Result<(), ConvertError> {
        let value = match body {
            Some(value) => value,
            None => body.insert(request.value()?.clone()),
        };
        if let Some(object) = value.as_object_mut() {
            f(object);
        }
        Ok(())
    };
    // A compat preset reads the whole body anyway; elsewhere a body sent as it came gets the
    // target's model name in place, every other byte unchanged.
    let compat =
        upstream == Api::Chat && provider.kind == crate::config::ProviderKind::OpenaiCompat;
    let mut renamed = None;
    if upstream != Api::Gemini {
        let same_model = request.head.model.as_deref() == Some(model);
        if body.is_none() && !same_model && !compat {
            renamed = request.head.with_model(raw, model).map(Bytes::from);
        }
        if body.is_some() || (!same_model && renamed.is_none()) {
            edit(&mut body, &mut |o| {
                o.insert("model".into(), Value::String(model.to_owned()));
            })?;
        }
        if body.is_some() && client != upstream {
            edit(&mut body, &mut |o| {
                if stream {
                    o.insert("stream".into(), Value::Bool(true));
                } else {
                    o.shift_remove("stream");
                }
                // A translated stream needs the usage chunk (clients of other protocols
                // always get usage).
                if stream && upstream == Api::Chat && provider.quirks.supports_stream_usage {
                    o.insert(
                        "stream_options".into(),
                        serde_json::json!({"include_usage": true}),
                    );
                } else if upstream == Api::Chat {
                    o.shift_remove("stream_options");
                }
            })?;
        }
    } else if let Some(Value::Object(o)) = &mut body {
        o.shift_remove("model");
    }

    // An OpenAI-compatible provider gets what it accepts, and every change is reported.
    if compat {
        let mut fitted = match &body {
            Some(body) => body.clone(),
            None => request.value()?.clone(),
        };
        let adjustments =
            aigw_openai_compat::adjust_chat(&provider.name, &provider.quirks, &mut fitted);
        if !adjustments.is_empty() {
            losses.0.extend(adjustment_losses(&adjustments).0);
            body = Some(fitted);
        }
    }

    if opts.strict && !losses.is_empty() {
        return Err(ConvertError::Strict {
            provider: provider.name.clone(),
            losses,
        });
    }
    Ok(match body {
        None => Prepared {
            body: renamed.unwrap_or_else(|| raw.clone()),
            losses,
            passthrough: true,
        },
        Some(body) => Prepared {
            body: to_bytes(&body)?,
            losses,
            passthrough: client == upstream,
        },
    })
}

fn parse<T: Json>(bytes: &[u8], what: &str) -> Result<T, String> {
    T::from_json(bytes).map_err(|e| format!("the upstream's {what} does not parse: {e}"))
}

fn finish<T: Json>(
    result: Result<Translated<T>, TranslateError>,
) -> Result<(Bytes, LossReport), String> {
    let t = result.map_err(|e| format!("the upstream's response cannot be translated: {e}"))?;
    let body = t.value.to_json().map_err(|e| e.to_string())?;
    Ok((Bytes::from(body), t.losses))
}

/// Translates a successful upstream response body (`upstream` → `client`).
pub fn response(
    upstream: Api,
    client: Api,
    body: &[u8],
    model: &str,
    opts: &Options,
) -> Result<(Bytes, LossReport), String> {
    let opts = &Options {
        strict: false,
        ..opts.clone()
    };
    match (upstream, client) {
        (Api::Messages, Api::Chat) => {
            finish(ca::message_to_chat_response(&parse(body, "message")?, opts))
        }
        (Api::Gemini, Api::Chat) => finish(cg::gemini_response_to_chat(
            &parse(body, "response")?,
            model,
            opts,
        )),
        (Api::Responses, Api::Chat) => finish(rs::responses_response_to_chat(
            &parse(body, "response")?,
            opts,
        )),
        (Api::Chat, Api::Responses) => finish(rs::chat_response_to_responses(
            &parse(body, "completion")?,
            opts,
        )),
        (Api::Messages, Api::Responses) => {
            finish(rs::message_to_responses(&parse(body, "message")?, opts))
        }
        (Api::Gemini, Api::Responses) => finish(rs::gemini_response_to_responses(
            &parse(body, "response")?,
            model,
            opts,
        )),
        (Api::Chat, Api::Messages) => finish(ca::chat_response_to_message(
            &parse(body, "completion")?,
            opts,
        )),
        (Api::Gemini, Api::Messages) => finish(ag::gemini_response_to_message(
            &parse(body, "response")?,
            model,
            opts,
        )),
        (Api::Responses, Api::Messages) => {
            finish(rs::response_to_message(&parse(body, "response")?, opts))
        }
        (Api::Chat, Api::Gemini) => finish(cg::chat_response_to_gemini(
            &parse(body, "completion")?,
            opts,
        )),
        (Api::Messages, Api::Gemini) => finish(ag::message_to_gemini_response(
            &parse(body, "message")?,
            opts,
        )),
        (Api::Responses, Api::Gemini) => {
            finish(rs::response_to_gemini(&parse(body, "response")?, opts))
        }
        (a, b) => Err(format!("no translation from {} to {}", a.name(), b.name())),
    }
}

/// An upstream error (`status`, `body` in `from`'s shape) for a client of `to`, with the
/// status that client's protocol uses. A body that is not the upstream's error shape becomes a
/// gateway error naming the provider and status.
pub fn error(
    from: Wire,
    to: Wire,
    status: StatusCode,
    body: &[u8],
    provider: &str,
) -> (StatusCode, Bytes) {
    if from == to && serde_json::from_slice::<Value>(body).is_ok() {
        return (status, Bytes::copy_from_slice(body));
    }
    let opts = Options::default();
    let code = status.as_u16();
    let translated: Result<(u16, Value), String> = (|| {
        let t = match (from, to) {
            (Wire::Anthropic, Wire::Openai) => {
                let e = errors::anthropic_to_openai(code, &parse(body, "error")?, &opts);
                e.map(|e| (e.status, e.body.value.to_json_value()))
            }
            (Wire::Gemini, Wire::Openai) => {
                let e = errors::gemini_to_openai(code, &parse(body, "error")?, &opts);
                e.map(|e| (e.status, e.body.value.to_json_value()))
            }
            (Wire::Openai, Wire::Anthropic) => {
                let e = errors::openai_to_anthropic(code, &parse(body, "error")?, &opts);
                e.map(|e| (e.status, e.body.value.to_json_value()))
            }
            (Wire::Gemini, Wire::Anthropic) => {
                let e = errors::gemini_to_anthropic(code, &parse(body, "error")?, &opts);
                e.map(|e| (e.status, e.body.value.to_json_value()))
            }
            (Wire::Openai, Wire::Gemini) => {
                let e = errors::openai_to_gemini(code, &parse(body, "error")?, &opts);
                e.map(|e| (e.status, e.body.value.to_json_value()))
            }
            (Wire::Anthropic, Wire::Gemini) => {
                let e = errors::anthropic_to_gemini(code, &parse(body, "error")?, &opts);
                e.map(|e| (e.status, e.body.value.to_json_value()))
            }
            _ => return Err("not an error body".into()),
        }
        .map_err(|e| e.to_string())?;
        Ok((t.0, t.1.map_err(|e| e.to_string())?))
    })();
    match translated {
        Ok((status, value)) if value.pointer("/error/message").is_some_and(|m| m != "") => (
            StatusCode::from_u16(status).unwrap_or(StatusCode::BAD_GATEWAY),
            Bytes::from(value.to_string()),
        ),
        _ => {
            let text = String::from_utf8_lossy(&body[..body.len().min(500)]);
            let message = format!("upstream {provider} answered {status}: {text}");
            (
                status,
                Bytes::from(error_body(to, status, &message, None).to_string()),
            )
        }
    }
}

/// A stream translation as the gateway runs it: upstream SSE events in, client SSE events
/// out.
pub trait Pipe: Send {
    fn push(&mut self, event: &aigw_sse::Event) -> Result<Vec<aigw_sse::Event>, String>;
    fn finish(&mut self) -> Result<Vec<aigw_sse::Event>, String>;
    fn losses(&self) -> &LossReport;
}

struct Translating<T: StreamTranslator> {
    inner: T,
    parse: fn(&aigw_sse::Event) -> Result<T::In, String>,
    encode: fn(&T::Out) -> Result<aigw_sse::Event, String>,
}

impl<T> Pipe for Translating<T>
where
    T: StreamTranslator + Send,
{
    fn push(&mut self, event: &aigw_sse::Event) -> Result<Vec<aigw_sse::Event>, String> {
        let event = (self.parse)(event)?;
        let out = self.inner.push(&event).map_err(|e| e.to_string())?;
        out.iter().map(self.encode).collect()
    }

    fn finish(&mut self) -> Result<Vec<aigw_sse::Event>, String> {
        let out = self.inner.finish().map_err(|e| e.to_string())?;
        out.iter().map(self.encode).collect()
    }

    fn losses(&self) -> &LossReport {
        self.inner.losses()
    }
}

fn data_event(name: Option<String>, data: String) -> aigw_sse::Event {
    aigw_sse::Event {
        event: name,
        data,
        ..Default::default()
    }
}

fn chat_in(event: &aigw_sse::Event) -> Result<aigw_openai::stream::ChatStreamEvent, String> {
    aigw_openai::stream::ChatStreamEvent::from_sse(event).map_err(|e| e.to_string())
}

fn responses_in(event: &aigw_sse::Event) -> Result<aigw_openai::ResponseStreamEvent, String> {
    aigw_openai::stream::responses_event(event).map_err(|e| e.to_string())
}

fn messages_in(event: &aigw_sse::Event) -> Result<aigw_anthropic::MessageStreamEvent, String> {
    aigw_anthropic::stream::message_event(event).map_err(|e| e.to_string())
}

fn gemini_in(event: &aigw_sse::Event) -> Result<aigw_gemini::GenerateContentResponse, String> {
    aigw_gemini::stream::chunk(event).map_err(|e| e.to_string())
}

fn chat_out(event: &aigw_openai::stream::ChatStreamEvent) -> Result<aigw_sse::Event, String> {
    Ok(data_event(
        None,
        event.sse_data().map_err(|e| e.to_string())?,
    ))
}

/// An event whose SSE `event:` name is its JSON `type` (Responses, Anthropic).
fn typed_out<T: Json>(event: &T) -> Result<aigw_sse::Event, String> {
    let value = event.to_json_value().map_err(|e| e.to_string())?;
    let name = value.get("type").and_then(Value::as_str).map(str::to_owned);
    Ok(data_event(name, value.to_string()))
}

fn gemini_out(event: &aigw_gemini::GenerateContentResponse) -> Result<aigw_sse::Event, String> {
    let json = event.to_json().map_err(|e| e.to_string())?;
    Ok(data_event(
        None,
        String::from_utf8(json).map_err(|e| e.to_string())?,
    ))
}

fn pipe<T: StreamTranslator + Send + 'static>(
    inner: T,
    parse: fn(&aigw_sse::Event) -> Result<T::In, String>,
    encode: fn(&T::Out) -> Result<aigw_sse::Event, String>,
) -> Box<dyn Pipe> {
    Box::new(Translating {
        inner,
        parse,
        encode,
    })
}

/// The stream translation from `upstream` to `client`; `None` for the same protocol.
pub fn stream_pipe(
    upstream: Api,
    client: Api,
    model: &str,
    include_usage: bool,
    opts: &Options,
) -> Option<Box<dyn Pipe>> {
    let opts = &Options {
        strict: false,
        ..opts.clone()
    };
    Some(match (upstream, client) {
        (Api::Messages, Api::Chat) => pipe(
            ca::MessagesToChatStream::new(opts, include_usage),
            messages_in,
            chat_out,
        ),
        (Api::Gemini, Api::Chat) => pipe(
            cg::GeminiToChatStream::new(model, opts, include_usage),
            gemini_in,
            chat_out,
        ),
        (Api::Responses, Api::Chat) => pipe(
            rs::ResponsesToChatStream::new(opts, include_usage),
            responses_in,
            chat_out,
        ),
        (Api::Chat, Api::Responses) => {
            pipe(rs::ChatToResponsesStream::new(opts), chat_in, typed_out)
        }
        (Api::Messages, Api::Responses) => pipe(
            rs::messages_to_responses_stream(opts),
            messages_in,
            typed_out,
        ),
        (Api::Gemini, Api::Responses) => pipe(
            rs::gemini_to_responses_stream(model, opts),
            gemini_in,
            typed_out,
        ),
        (Api::Chat, Api::Messages) => pipe(ca::ChatToMessagesStream::new(opts), chat_in, typed_out),
        (Api::Gemini, Api::Messages) => pipe(
            ag::GeminiToMessagesStream::new(model, opts),
            gemini_in,
            typed_out,
        ),
        (Api::Responses, Api::Messages) => pipe(
            rs::responses_to_messages_stream(opts),
            responses_in,
            typed_out,
        ),
        (Api::Chat, Api::Gemini) => pipe(cg::ChatToGeminiStream::new(opts), chat_in, gemini_out),
        (Api::Messages, Api::Gemini) => pipe(
            ag::MessagesToGeminiStream::new(opts),
            messages_in,
            gemini_out,
        ),
        _ => return None,
    })
}
