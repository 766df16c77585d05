//! What the benchmark sends, and through which gateway.

use super::load::Target;

/// How a scenario reaches the mock.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Route {
    Direct,
    /// Through aigw, Chat client to an OpenAI upstream.
    Passthrough,
    /// Through aigw, Chat client to an Anthropic upstream (translated both ways).
    Cross,
    /// Through aigw, Chat client to a least-latency group of two OpenAI upstreams (two
    /// providers on the same mock): passthrough with the balancer's choice and bookkeeping.
    Group,
}

/// The client's key and the gateway's rate-limit counters.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Keys {
    /// No keys at all (direct, or a gateway that needs none).
    Off,
    /// A virtual key with limits, counted in the gateway's process.
    Memory,
    /// A virtual key with limits, counted in Redis.
    Redis,
}

impl Keys {
    /// What the report calls the gateway of these scenarios.
    pub fn label(self) -> &'static str {
        match self {
            Keys::Off => "no keys",
            Keys::Memory => "key + limits, in-process counters",
            Keys::Redis => "key + limits, Redis counters",
        }
    }
}

#[derive(Debug)]
pub struct Scenario {
    pub id: usize,
    pub name: &'static str,
    pub route: Route,
    pub stream: bool,
    pub keys: Keys,
}

const fn scenario(
    id: usize,
    name: &'static str,
    route: Route,
    stream: bool,
    keys: Keys,
) -> Scenario {
    Scenario {
        id,
        name,
        route,
        stream,
        keys,
    }
}

/// In the order they run at each rate: each form's direct baseline first.
pub const SCENARIOS: [Scenario; 16] = [
    scenario(1, "direct → mock (chat)", Route::Direct, false, Keys::Off),
    scenario(
        2,
        "aigw passthrough (chat → openai)",
        Route::Passthrough,
        false,
        Keys::Off,
    ),
    scenario(
        3,
        "aigw cross-protocol (chat → anthropic)",
        Route::Cross,
        false,
        Keys::Off,
    ),
    scenario(
        4,
        "aigw passthrough (chat → openai) + key, memory counters",
        Route::Passthrough,
        false,
        Keys::Memory,
    ),
    scenario(
        5,
        "aigw cross-protocol (chat → anthropic) + key, memory counters",
        Route::Cross,
        false,
        Keys::Memory,
    ),
    scenario(
        6,
        "aigw passthrough (chat → openai) + key, Redis counters",
        Route::Passthrough,
        false,
        Keys::Redis,
    ),
    scenario(
        7,
        "aigw cross-protocol (chat → anthropic) + key, Redis counters",
        Route::Cross,
        false,
        Keys::Redis,
    ),
    scenario(
        8,
        "aigw passthrough via a 2-member least-latency group + key, memory counters",
        Route::Group,
        false,
        Keys::Memory,
    ),
    scenario(
        9,
        "direct → mock (chat, stream)",
        Route::Direct,
        true,
        Keys::Off,
    ),
    scenario(
        10,
        "aigw passthrough (chat → openai, stream)",
        Route::Passthrough,
        true,
        Keys::Off,
    ),
    scenario(
        11,
        "aigw cross-protocol (chat → anthropic, stream)",
        Route::Cross,
        true,
        Keys::Off,
    ),
    scenario(
        12,
        "aigw passthrough (chat → openai, stream) + key, memory counters",
        Route::Passthrough,
        true,
        Keys::Memory,
    ),
    scenario(
        13,
        "aigw cross-protocol (chat → anthropic, stream) + key, memory counters",
        Route::Cross,
        true,
        Keys::Memory,
    ),
    scenario(
        14,
        "aigw passthrough (chat → openai, stream) + key, Redis counters",
        Route::Passthrough,
        true,
        Keys::Redis,
    ),
    scenario(
        15,
        "aigw cross-protocol (chat → anthropic, stream) + key, Redis counters",
        Route::Cross,
        true,
        Keys::Redis,
    ),
    scenario(
        16,
        "aigw passthrough via a 2-member least-latency group (stream) + key, memory counters",
        Route::Group,
        true,
        Keys::Memory,
    ),
];

/// The secret the client presents to the gateways with keys (`Authorization: Bearer`).
pub const BENCH_SECRET: &str = "sk-aigw-bench-0000000000000000000000000000000000000000";
/// The environment variable the gateways with keys read it from (`secret_env`).
pub const BENCH_SECRET_ENV: &str = "AIGW_BENCH_CLIENT_KEY";
/// The bench key's limits: far above anything a run sends (2,000 rps is 120,000 requests and
/// some 40 million reserved tokens a minute), so a refusal means the setup is wrong.
pub const BENCH_LIMITS: (u64, u64, u64) = (10_000_000, 10_000_000_000, 100_000);

impl Scenario {
    /// Its request: to the mock, or to `gateway` (the one for its `keys`).
    pub fn target(&self, mock: &str, gateway: &str) -> Target {
        let key = match self.keys {
            Keys::Off => "bench",
            Keys::Memory | Keys::Redis => BENCH_SECRET,
        };
        match self.route {
            Route::Direct => Target::chat(mock, "gpt-4o-mini", self.stream, key),
            Route::Passthrough => Target::chat(gateway, "bench-openai", self.stream, key),
            Route::Cross => Target::chat(gateway, "bench-anthropic", self.stream, key),
            Route::Group => Target::chat(gateway, "bench-group", self.stream, key),
        }
    }
}
