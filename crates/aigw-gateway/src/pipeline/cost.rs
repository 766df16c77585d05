//! What a request costs: its usage priced by the dated price table (`aigw-governance`'s
//! built-in `prices.toml`, overridden by `[pricing] file`), looked up under the provider's
//! own name first, then under its kind or preset. No price, or no usage: unknown — never 0.

use super::Spent;
use crate::state::State;
use aigw_governance::cost::{Money, Price, Tokens};

fn price<'s>(
    state: &'s State,
    provider: &str,
    pricing: &str,
    model: &str,
    at: i64,
) -> Option<&'s Price> {
    state
        .prices
        .lookup(provider, model, at)
        .or_else(|| state.prices.lookup(pricing, model, at))
}

/// The exact cost of what `spent` reports.
pub fn of(state: &State, spent: &Spent, at: i64) -> Option<Money> {
    let tokens = spent.usage.priced()?;
    Some(price(state, &spent.provider, &spent.pricing, &spent.model, at)?.cost(&tokens))
}

/// An estimate before sending: `input` and `output` tokens at the target's prices (`None`:
/// no price).
pub fn estimate(
    state: &State,
    provider: &str,
    pricing: &str,
    model: &str,
    input: u64,
    output: u64,
    at: i64,
) -> Option<Money> {
    let tokens = Tokens {
        input,
        output,
        prompt_total: input,
        ..Tokens::default()
    };
    Some(price(state, provider, pricing, model, at)?.cost(&tokens))
}
