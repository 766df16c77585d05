//! Which of a route's targets the caller's key may use: a key's `models` list names routes,
//! model names and `provider/model` patterns. Targets the key may not use are left out of the
//! fallback chain; none left is 403 in the client's shape, before anything goes upstream.

use crate::protocol::GatewayError;
use crate::route::Target;
use aigw_governance::Caller;
use axum::http::StatusCode;

/// The targets of `model` that `caller` may use.
pub fn allowed(
    caller: &Caller,
    model: &str,
    targets: Vec<Target>,
) -> Result<Vec<Target>, GatewayError> {
    let Some(key) = caller.key() else {
        return Ok(targets);
    };
    if key.models.is_empty() {
        return Ok(targets);
    }
    let allowed: Vec<Target> = targets
        .into_iter()
        .filter(|t| key.allows(model, &format!("{}/{}", t.provider.name, t.model)))
        .collect();
    if allowed.is_empty() {
        return Err(GatewayError::new(
            StatusCode::FORBIDDEN,
            format!(
                "this gateway key ({}) may not use model {model:?}; it may use: {}",
                key.id,
                key.models.join(", ")
            ),
        )
        .code("model_not_allowed"));
    }
    Ok(allowed)
}
