//! Which provider a passthrough request goes to: `x-aigw-provider: NAME`, else the route of
//! the model it names (in its body or path), else the protocol's default provider
//! (`[passthrough]`, or the only provider of the protocol's kind). A file or batch id lives
//! at the provider that created it: requests naming one go where the default or the header
//! sends them.

use super::config::serves;
use crate::protocol::{GatewayError, Wire};
use crate::state::State;
use crate::upstream::Provider;
use aigw_governance::Caller;
use axum::http::{HeaderMap, StatusCode};
use std::sync::Arc;

/// The request header naming the provider.
pub const PROVIDER: &str = "x-aigw-provider";

/// Where a request goes.
#[derive(Debug)]
pub struct Chosen {
    pub provider: Arc<Provider>,
    /// Index into the provider's keys.
    pub key: usize,
    /// The upstream's model name when the request was routed by its model.
    pub model: Option<String>,
}

impl Chosen {
    /// `provider/model` or `provider/-` (the `x-aigw-route` header).
    pub fn route(&self) -> String {
        format!(
            "{}/{}",
            self.provider.name,
            self.model.as_deref().unwrap_or("-")
        )
    }
}

pub fn choose(
    state: &State,
    wire: Wire,
    headers: &HeaderMap,
    caller: &Caller,
    requested: Option<&str>,
) -> Result<Chosen, GatewayError> {
    let key = caller.key().filter(|k| !k.models.is_empty());
    let refused = |what: String| {
        GatewayError::new(
            StatusCode::FORBIDDEN,
            format!(
                "this gateway key ({}) may not use {what}; it may use: {}",
                key.map_or("-", |k| k.id.as_str()),
                key.map_or(String::new(), |k| k.models.join(", "))
            ),
        )
        .code("model_not_allowed")
    };
    if let Some(name) = headers.get(PROVIDER) {
        let name = name.to_str().unwrap_or_default();
        let provider = state.providers.get(name).ok_or_else(|| {
            GatewayError::bad_request(format!("{PROVIDER}: no provider named {name:?}"))
        })?;
        if !serves(provider.kind, wire) {
            return Err(GatewayError::bad_request(format!(
                "{PROVIDER}: provider {name:?} does not serve the {} API's paths",
                wire.name()
            )));
        }
        let target = format!("{name}/{}", requested.unwrap_or(""));
        if key.is_some_and(|k| !k.allows(requested.unwrap_or(""), &target)) {
            return Err(refused(format!("provider {name}")));
        }
        return Ok(Chosen {
            provider: provider.clone(),
            key: 0,
            model: None,
        });
    }
    if let Some(model) = requested {
        let Some(targets) = state.routes.plan(model) else {
            return Err(GatewayError::new(
                StatusCode::NOT_FOUND,
                format!("the gateway has no route for model {model:?}"),
            )
            .code("model_not_found"));
        };
        let speaking: Vec<_> = targets
            .into_iter()
            .filter(|t| serves(t.provider.kind, wire))
            .collect();
        if speaking.is_empty() {
            return Err(GatewayError::bad_request(format!(
                "no target of model {model:?} serves the {} API's paths (or every one is out of rotation)",
                wire.name()
            )));
        }
        let target = speaking
            .into_iter()
            .find(|t| {
                key.is_none_or(|k| k.allows(model, &format!("{}/{}", t.provider.name, t.model)))
            })
            .ok_or_else(|| refused(format!("model {model:?}")))?;
        return Ok(Chosen {
            provider: target.provider.clone(),
            key: target.key,
            model: Some(target.model.clone()),
        });
    }
    let provider = state.passthrough.default_for(wire).ok_or_else(|| {
        GatewayError::bad_request(format!(
            "this request names no model: say which provider serves it with `{PROVIDER}: NAME`, \
             or configure `[passthrough] {} = \"NAME\"`",
            wire.name()
        ))
    })?;
    // A key limited to some models may use a provider's model-less endpoints (files,
    // batches) when it may use the provider as a whole (`NAME/*`).
    if key.is_some_and(|k| !k.allows("", &format!("{}/", provider.name))) {
        return Err(refused(format!(
            "{}'s endpoints without a model (allow `{}/*`)",
            provider.name, provider.name
        )));
    }
    Ok(Chosen {
        provider: provider.clone(),
        key: 0,
        model: None,
    })
}
