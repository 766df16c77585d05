//! What a request cost: a dated price table ([`PriceTable`], built in from the crate's
//! `prices.toml`, overridable from the configuration) and exact cost computation
//! ([`Price::cost`] over [`Tokens`], in [`Money`]: integer pico-USD, no floats).
//!
//! A model without a price is *unknown* ([`PriceTable::lookup`] answers `None`), never free:
//! callers report the cost as unknown rather than as 0.
//!
//! How the providers' usage maps onto [`Tokens`] (the caller's job; this module knows no
//! protocol):
//! - OpenAI: `prompt_tokens` includes `prompt_tokens_details.cached_tokens` → `input` =
//!   prompt − cached, `cache_read` = cached; `completion_tokens` includes
//!   `completion_tokens_details.reasoning_tokens` → `output` = completion − reasoning,
//!   `reasoning` = reasoning (OpenAI bills reasoning at the output price, the default).
//! - Anthropic: `input_tokens` already excludes the cache; `cache_creation.
//!   ephemeral_5m_input_tokens` / `ephemeral_1h_input_tokens` → `cache_write_5m` /
//!   `cache_write_1h` (a bare `cache_creation_input_tokens` is 5-minute writes);
//!   `cache_read_input_tokens` → `cache_read`; `output_tokens` → `output`.
//! - Gemini: `promptTokenCount` includes `cachedContentTokenCount` → `input` = prompt −
//!   cached, `cache_read` = cached; `candidatesTokenCount` → `output`,
//!   `thoughtsTokenCount` → `reasoning`.
//!
//! `prompt_total` is every input token of the request (for Anthropic: input + cache reads +
//! cache writes), the number long-context tiers are chosen by.

mod money;
mod prices;

pub use money::{Money, PICO_PER_USD, ParseMoneyError};
pub use prices::{Date, Price, PriceError, PriceTable, Rates, Tier};

use serde::{Deserialize, Serialize};

/// The tokens of one request, by pricing category. Each token is in exactly one of
/// `input`, `cache_read`, `cache_write_5m`, `cache_write_1h`, `output`, `reasoning`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Tokens {
    /// Input tokens neither read from nor written to a cache.
    pub input: u64,
    /// Input tokens read from a cache (cache hits).
    pub cache_read: u64,
    /// Input tokens written to a 5-minute cache (Anthropic).
    pub cache_write_5m: u64,
    /// Input tokens written to a 1-hour cache (Anthropic).
    pub cache_write_1h: u64,
    /// Output tokens not counted as reasoning.
    pub output: u64,
    /// Reasoning (thinking) output tokens.
    pub reasoning: u64,
    /// All input tokens of the request, for choosing a long-context tier. Never taken as
    /// less than the sum of the four input categories.
    pub prompt_total: u64,
}

impl Tokens {
    /// The input categories added up: `input` + `cache_read` + both cache writes.
    pub fn input_parts(&self) -> u64 {
        self.input
            .saturating_add(self.cache_read)
            .saturating_add(self.cache_write_5m)
            .saturating_add(self.cache_write_1h)
    }

    /// The number a long-context tier is chosen by: `prompt_total`, or the input categories
    /// added up if that is more.
    pub fn prompt_size(&self) -> u64 {
        self.prompt_total.max(self.input_parts())
    }
}
