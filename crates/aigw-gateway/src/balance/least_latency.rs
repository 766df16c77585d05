//! `least-latency`: the power of two choices — two members picked at random by weight, the
//! one with the lower cost (latency estimate × (requests in flight + 1)) goes first; the rest
//! follow by cost.

use super::weighted::shuffle;
use super::{Choice, Strategy, Uniform};
use std::time::Instant;

#[derive(Debug)]
pub struct LeastLatency;

impl Strategy for LeastLatency {
    fn name(&self) -> &'static str {
        "least-latency"
    }

    fn order(&self, choices: &[Choice<'_>], now: Instant, uniform: Uniform<'_>) -> Vec<usize> {
        let costs: Vec<f64> = choices.iter().map(|c| c.member.cost(now)).collect();
        let mut order = shuffle(choices.iter().map(|c| c.weight), uniform);
        if order.len() >= 2 && costs[order[1]] < costs[order[0]] {
            order.swap(0, 1);
        }
        if order.len() > 2 {
            order[1..].sort_by(|&a, &b| costs[a].total_cmp(&costs[b]));
        }
        order
    }
}
