//! The translation tests, one binary (see `Cargo.toml`): the corpus snapshot suites per
//! protocol pair, round trips and error bodies.

mod common;

mod anthropic_gemini;
mod chat_anthropic;
mod chat_gemini;
mod errors;
mod responses;
