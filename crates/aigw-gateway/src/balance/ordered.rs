//! `ordered`: members in configuration order (today's fallback chain); a provider's keys in
//! a weighted random order within their member.

use super::weighted::shuffle;
use super::{Choice, Strategy, Uniform};
use std::time::Instant;

#[derive(Debug)]
pub struct Ordered;

impl Strategy for Ordered {
    fn name(&self) -> &'static str {
        "ordered"
    }

    fn order(&self, choices: &[Choice<'_>], _now: Instant, uniform: Uniform<'_>) -> Vec<usize> {
        let mut order = shuffle(choices.iter().map(|c| c.weight), uniform);
        // Stable: keys keep their shuffled order within a member.
        order.sort_by_key(|&i| choices[i].position);
        order
    }
}
