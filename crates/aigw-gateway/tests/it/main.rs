//! The gateway's integration tests, one binary: each test binary links the gateway and all
//! its dependencies again (stores, telemetry, the provider crates), and each compiled the
//! shared helpers in `common` again.

mod common;
mod webdriver;

mod azure;
mod balance;
mod behaviour;
mod keys;
mod logs;
mod matrix;
mod operations;
mod passthrough;
mod replicas;
mod spend;
mod telemetry;
mod ui;
