//! The configuration of balancing: route targets that are groups, providers with several
//! keys, and the `[health]` settings. Each accepts the simple form too (a target as
//! `"provider/model"`, `key_env` as one name), so older files read unchanged.

use serde::de::{self, Deserializer, MapAccess, SeqAccess, Visitor};
use serde::{Deserialize, Serialize};
use std::fmt;

/// One entry of a route's `targets`: `"provider/model"`, or a group table.
#[derive(Clone, Debug, PartialEq)]
pub enum TargetConfig {
    One(String),
    Group(GroupConfig),
}

impl fmt::Display for TargetConfig {
    /// `provider/model`, or `strategy(a/x×3, b/y×1)`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TargetConfig::One(to) => f.write_str(to),
            TargetConfig::Group(g) => {
                let members: Vec<String> = g
                    .members
                    .iter()
                    .map(|m| format!("{}×{}", m.to, m.weight))
                    .collect();
                write!(f, "{}({})", g.strategy, members.join(", "))
            }
        }
    }
}

/// `{ strategy = "least-latency", members = [{ to = "openai/gpt-4o", weight = 3 }, …] }`.
#[derive(Clone, Debug, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct GroupConfig {
    /// `weighted` (random by weight, the default), `least-latency` (the lower cost of two
    /// picked by weight: decaying peak latency × requests in flight) or `ordered`.
    #[serde(default = "default_strategy")]
    pub strategy: String,
    pub members: Vec<MemberConfig>,
}

fn default_strategy() -> String {
    "weighted".into()
}

/// A group member: `"provider/model"` (weight 1) or `{ to = "provider/model", weight = 3 }`.
#[derive(Clone, Debug, PartialEq)]
pub struct MemberConfig {
    pub to: String,
    pub weight: f64,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct MemberTable {
    to: String,
    #[serde(default = "one")]
    weight: f64,
}

fn one() -> f64 {
    1.0
}

/// A provider's `key_env`: one variable, or a list of them (names or `{ env, weight }`).
#[derive(Clone, Debug, PartialEq)]
pub enum KeyEnvConfig {
    One(String),
    Many(Vec<KeyConfig>),
}

/// One key of a provider: the variable holding it, and its share of the provider's traffic.
#[derive(Clone, Debug, PartialEq)]
pub struct KeyConfig {
    pub env: String,
    pub weight: f64,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct KeyTable {
    env: String,
    #[serde(default = "one")]
    weight: f64,
}

impl KeyEnvConfig {
    /// The keys as a list (one name: weight 1).
    pub fn keys(&self) -> Vec<KeyConfig> {
        match self {
            KeyEnvConfig::One(env) => vec![KeyConfig {
                env: env.clone(),
                weight: 1.0,
            }],
            KeyEnvConfig::Many(keys) => keys.clone(),
        }
    }
}

impl From<&str> for KeyEnvConfig {
    fn from(env: &str) -> Self {
        KeyEnvConfig::One(env.to_owned())
    }
}

/// What happens when every member a request could use is open (or its key cooling down).
#[derive(Clone, Copy, Debug, Default, Deserialize, Serialize, PartialEq, Eq)]
#[serde(rename_all = "kebab-case")]
pub enum WhenAllOpen {
    /// Try the one whose cooldown ends first.
    #[default]
    Soonest,
    /// Answer 503 at once.
    Fail,
}

/// `[health]`: circuit breakers, key cooldowns and the latency average. The state is kept
/// per replica.
#[derive(Clone, Debug, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct HealthConfig {
    /// Failures (connect, timeout, 5xx, 429, a broken body) within `window_secs` that open
    /// a member's breaker.
    #[serde(default = "default_failures")]
    pub failures: u32,
    #[serde(default = "default_window")]
    pub window_secs: f64,
    /// How long an open breaker keeps its member out before one probe request.
    #[serde(default = "default_cooldown")]
    pub cooldown_secs: f64,
    #[serde(default)]
    pub when_all_open: WhenAllOpen,
    /// How fast the latency average forgets (its time constant, in seconds).
    #[serde(default = "default_decay")]
    pub ewma_decay_secs: f64,
    /// A key's cooldown after a 429 without `retry-after`.
    #[serde(default = "default_key_cooldown")]
    pub key_cooldown_secs: f64,
    /// How long a key refused with 401/403 stays out; 0: until restart.
    #[serde(default)]
    pub key_refused_secs: f64,
}

fn default_failures() -> u32 {
    5
}
fn default_window() -> f64 {
    30.0
}
fn default_cooldown() -> f64 {
    30.0
}
fn default_decay() -> f64 {
    10.0
}
fn default_key_cooldown() -> f64 {
    5.0
}

impl Default for HealthConfig {
    fn default() -> Self {
        HealthConfig {
            failures: default_failures(),
            window_secs: default_window(),
            cooldown_secs: default_cooldown(),
            when_all_open: WhenAllOpen::default(),
            ewma_decay_secs: default_decay(),
            key_cooldown_secs: default_key_cooldown(),
            key_refused_secs: 0.0,
        }
    }
}

impl HealthConfig {
    /// Every setting in range; `Err` names the bad one.
    pub fn validate(&self) -> Result<(), String> {
        if self.failures == 0 {
            return Err("health.failures: must be at least 1".into());
        }
        for (name, value, zero_ok) in [
            ("window_secs", self.window_secs, false),
            ("cooldown_secs", self.cooldown_secs, false),
            ("ewma_decay_secs", self.ewma_decay_secs, false),
            ("key_cooldown_secs", self.key_cooldown_secs, true),
            ("key_refused_secs", self.key_refused_secs, true),
        ] {
            let bad = !value.is_finite() || value < 0.0 || (value == 0.0 && !zero_ok);
            if bad {
                let want = if zero_ok { "0 or more" } else { "more than 0" };
                return Err(format!("health.{name}: must be {want}, got {value}"));
            }
        }
        Ok(())
    }
}

/// A value that is a string (`one`) or a table (`table`), with the table's own errors kept
/// (an untagged enum would only say "did not match any variant").
fn string_or_table<'de, D, T, M>(
    deserializer: D,
    expecting: &'static str,
    one: fn(String) -> T,
    table: fn(M) -> T,
) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    M: Deserialize<'de>,
{
    struct V<T, M> {
        expecting: &'static str,
        one: fn(String) -> T,
        table: fn(M) -> T,
    }
    impl<'de, T, M: Deserialize<'de>> Visitor<'de> for V<T, M> {
        type Value = T;
        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str(self.expecting)
        }
        fn visit_str<E: de::Error>(self, s: &str) -> Result<T, E> {
            Ok((self.one)(s.to_owned()))
        }
        fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<T, A::Error> {
            M::deserialize(de::value::MapAccessDeserializer::new(map)).map(self.table)
        }
    }
    deserializer.deserialize_any(V {
        expecting,
        one,
        table,
    })
}

impl<'de> Deserialize<'de> for TargetConfig {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        string_or_table(
            d,
            "\"provider/model\" or a group { strategy = \"…\", members = [ … ] }",
            TargetConfig::One,
            TargetConfig::Group,
        )
    }
}

impl<'de> Deserialize<'de> for MemberConfig {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        string_or_table(
            d,
            "\"provider/model\" or { to = \"provider/model\", weight = N }",
            |to| MemberConfig { to, weight: 1.0 },
            |t: MemberTable| MemberConfig {
                to: t.to,
                weight: t.weight,
            },
        )
    }
}

impl<'de> Deserialize<'de> for KeyConfig {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        string_or_table(
            d,
            "an environment variable name or { env = \"NAME\", weight = N }",
            |env| KeyConfig { env, weight: 1.0 },
            |t: KeyTable| KeyConfig {
                env: t.env,
                weight: t.weight,
            },
        )
    }
}

impl<'de> Deserialize<'de> for KeyEnvConfig {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = KeyEnvConfig;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an environment variable name or a list of them")
            }
            fn visit_str<E: de::Error>(self, s: &str) -> Result<KeyEnvConfig, E> {
                Ok(KeyEnvConfig::One(s.to_owned()))
            }
            fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<KeyEnvConfig, A::Error> {
                Vec::<KeyConfig>::deserialize(de::value::SeqAccessDeserializer::new(seq))
                    .map(KeyEnvConfig::Many)
            }
        }
        d.deserialize_any(V)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[derive(Deserialize)]
    struct Doc {
        targets: Vec<TargetConfig>,
        key_env: KeyEnvConfig,
    }

    #[test]
    fn strings_and_tables_both_read() {
        let doc: Doc = toml::from_str(
            r#"
targets = ["a/x", { strategy = "least-latency", members = [{ to = "b/y", weight = 3 }, "c/z"] }]
key_env = ["A", { env = "B", weight = 2.5 }]
"#,
        )
        .unwrap();
        assert_eq!(doc.targets[0], TargetConfig::One("a/x".into()));
        let TargetConfig::Group(group) = &doc.targets[1] else {
            panic!("not a group");
        };
        assert_eq!(group.strategy, "least-latency");
        assert_eq!(group.members[0].weight, 3.0);
        assert_eq!(group.members[1].to, "c/z");
        assert_eq!(group.members[1].weight, 1.0);
        assert_eq!(doc.key_env.keys()[1].weight, 2.5);
    }

    #[test]
    fn a_misspelt_field_is_named() {
        let e = toml::from_str::<Doc>(
            r#"
targets = [{ members = [{ to = "b/y", wieght = 3 }] }]
key_env = "A"
"#,
        )
        .err()
        .unwrap()
        .to_string();
        assert!(e.contains("wieght"), "{e}");
    }
}
