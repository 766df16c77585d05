//! `weighted`: members in a random order where each one's chance to come first is its share
//! of the weights (and so on for the rest: a weighted shuffle).

use super::{Choice, Strategy, Uniform};
use std::time::Instant;

#[derive(Debug)]
pub struct Weighted;

impl Strategy for Weighted {
    fn name(&self) -> &'static str {
        "weighted"
    }

    fn order(&self, choices: &[Choice<'_>], _now: Instant, uniform: Uniform<'_>) -> Vec<usize> {
        shuffle(choices.iter().map(|c| c.weight), uniform)
    }
}

/// A weighted random order of `weights`' indices: each index's exponential clock (rate =
/// its weight) rings at `-ln(u) / w`; sorted by when they ring, the first is index `i` with
/// probability `w_i / Σw` (Efraimidis–Spirakis).
pub fn shuffle(weights: impl Iterator<Item = f64>, uniform: Uniform<'_>) -> Vec<usize> {
    let mut keyed: Vec<(f64, usize)> = weights
        .enumerate()
        .map(|(i, w)| {
            // `1 - u` is in (0, 1]: its logarithm is finite.
            let u = 1.0 - uniform();
            (-u.ln() / w, i)
        })
        .collect();
    keyed.sort_by(|a, b| a.0.total_cmp(&b.0));
    keyed.into_iter().map(|(_, i)| i).collect()
}
