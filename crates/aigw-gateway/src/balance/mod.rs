//! Load balancing and health. A route's `targets` are groups (a single `provider/model` is a
//! group of one); each group's [`Strategy`] orders its members — one per provider, model and
//! key — for each request: the first pick, then the rest as fallbacks, a member's other keys
//! right after it. Members whose breaker is open or whose key is cooling down are left out;
//! when that leaves none, the one back soonest is tried (`[health] when_all_open`).
//!
//! The pipeline asks for the plan ([`plan`]), then [`admit`]s each target as it comes to it
//! (taking the half-open probe if one is due) and records how the attempt went.
//!
//! All of it is per replica: nothing is shared between gateway processes.

pub mod config;
mod health;
mod keys;
mod latency;
mod least_latency;
mod member;
mod ordered;
mod record;
mod report;
mod weighted;

pub use aigw_http::retry_after;
pub use keys::Key;
pub use member::{Member, Verdict};
pub use record::{admit, labels};
pub use report::group_json;

use crate::route::Target;
use crate::upstream::Provider;
use config::{GroupConfig, HealthConfig, WhenAllOpen};
use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// `[health]` as the balancer uses it.
#[derive(Clone, Debug)]
pub struct Settings {
    pub breaker: health::BreakerSettings,
    pub decay: Duration,
    pub key_cooldown: Duration,
    /// Zero: until restart.
    pub key_refused: Duration,
    pub when_all_open: WhenAllOpen,
}

impl Settings {
    pub fn new(config: &HealthConfig) -> Result<Settings, String> {
        config.validate()?;
        Ok(Settings {
            breaker: health::BreakerSettings {
                failures: config.failures,
                window: Duration::from_secs_f64(config.window_secs),
                cooldown: Duration::from_secs_f64(config.cooldown_secs),
            },
            decay: Duration::from_secs_f64(config.ewma_decay_secs),
            key_cooldown: Duration::from_secs_f64(config.key_cooldown_secs),
            key_refused: Duration::from_secs_f64(config.key_refused_secs),
            when_all_open: config.when_all_open,
        })
    }
}

/// A uniform random number in `[0, 1)` (seeded in tests).
pub type Uniform<'a> = &'a mut dyn FnMut() -> f64;

/// A member as a strategy sees it.
#[derive(Debug)]
pub struct Choice<'a> {
    pub member: &'a Member,
    /// The member's weight times its key's share of the provider's key weights.
    pub weight: f64,
    /// Which of the group's configured members it is.
    pub position: usize,
}

/// How a group orders its members for one request.
pub trait Strategy: Send + Sync + std::fmt::Debug {
    fn name(&self) -> &'static str;
    /// Indices into `choices` (all usable now), best first.
    fn order(&self, choices: &[Choice<'_>], now: Instant, uniform: Uniform<'_>) -> Vec<usize>;
}

/// The strategy named `name`.
pub fn strategy(name: &str) -> Option<Box<dyn Strategy>> {
    Some(match name {
        "weighted" => Box::new(weighted::Weighted),
        "least-latency" => Box::new(least_latency::LeastLatency),
        "ordered" => Box::new(ordered::Ordered),
        _ => return None,
    })
}

pub const STRATEGIES: &str = "weighted, least-latency, ordered";

/// The members of every route, one per provider, model and key, shared between routes.
#[derive(Debug)]
pub struct Members {
    pub settings: Arc<Settings>,
    by_id: BTreeMap<(String, String, usize), Arc<Member>>,
}

impl Members {
    pub fn new(settings: Settings) -> Members {
        Members {
            settings: Arc::new(settings),
            by_id: BTreeMap::new(),
        }
    }

    fn get_or_add(&mut self, provider: &Arc<Provider>, model: &str, key: usize) -> Arc<Member> {
        let id = (provider.name.clone(), model.to_owned(), key);
        self.by_id
            .entry(id)
            .or_insert_with(|| {
                Arc::new(Member::new(
                    provider.clone(),
                    model.to_owned(),
                    key,
                    self.settings.clone(),
                ))
            })
            .clone()
    }

    /// The member for `provider`, `model`, `key` of a route, or a fresh one for a
    /// `provider/model` no route names (its key's state still counts).
    fn find(&self, provider: &Arc<Provider>, model: &str, key: usize) -> Arc<Member> {
        let id = (provider.name.clone(), model.to_owned(), key);
        self.by_id.get(&id).cloned().unwrap_or_else(|| {
            Arc::new(Member::new(
                provider.clone(),
                model.to_owned(),
                key,
                self.settings.clone(),
            ))
        })
    }

    /// Every member routes name.
    pub fn all(&self) -> impl Iterator<Item = &Arc<Member>> {
        self.by_id.values()
    }
}

/// One member of a group with one of its provider's keys.
#[derive(Debug)]
pub struct Slot {
    pub member: Arc<Member>,
    pub weight: f64,
    pub position: usize,
}

/// A group of a route's targets and how it orders them.
#[derive(Debug)]
pub struct Group {
    pub strategy: Box<dyn Strategy>,
    pub slots: Vec<Slot>,
}

impl Group {
    /// A group from its configuration (`what` names it in errors, e.g. `routes[0].targets[1]`);
    /// `provider` finds a `provider/model` target's provider and model.
    pub fn new(
        what: &str,
        config: &GroupConfig,
        target: impl Fn(&str, &str) -> Result<(Arc<Provider>, String), String>,
        members: &mut Members,
    ) -> Result<Group, String> {
        let strategy = strategy(&config.strategy).ok_or_else(|| {
            format!(
                "{what}.strategy: unknown strategy {:?} (known: {STRATEGIES})",
                config.strategy
            )
        })?;
        if config.members.is_empty() {
            return Err(format!("{what}.members: the group is empty"));
        }
        let mut group = Group {
            strategy,
            slots: Vec::new(),
        };
        for (position, m) in config.members.iter().enumerate() {
            let here = format!("{what}.members[{position}]");
            if !(m.weight.is_finite() && m.weight > 0.0) {
                return Err(format!(
                    "{here}.weight: must be a number above 0, got {}",
                    m.weight
                ));
            }
            let (provider, model) = target(&here, &m.to)?;
            group.add(provider, &model, m.weight, position, members);
        }
        Ok(group)
    }

    /// A group of one `provider/model` (its keys in a weighted random order).
    pub fn single(provider: Arc<Provider>, model: &str, members: &mut Members) -> Group {
        let mut group = Group {
            strategy: Box::new(ordered::Ordered),
            slots: Vec::new(),
        };
        group.add(provider, model, 1.0, 0, members);
        group
    }

    fn add(
        &mut self,
        provider: Arc<Provider>,
        model: &str,
        weight: f64,
        position: usize,
        members: &mut Members,
    ) {
        let total: f64 = provider.keys.iter().map(|k| k.weight).sum();
        for (key, k) in provider.keys.iter().enumerate() {
            self.slots.push(Slot {
                member: members.get_or_add(&provider, model, key),
                weight: weight * k.weight / total,
                position,
            });
        }
    }

    /// The members usable now in the strategy's order, each member's other keys right after
    /// it.
    pub fn order(&self, now: Instant, uniform: Uniform<'_>) -> Vec<&Arc<Member>> {
        let usable: Vec<&Slot> = self
            .slots
            .iter()
            .filter(|s| s.member.blocked_until(now).is_none())
            .collect();
        let choices: Vec<Choice<'_>> = usable
            .iter()
            .map(|s| Choice {
                member: &s.member,
                weight: s.weight,
                position: s.position,
            })
            .collect();
        let order = self.strategy.order(&choices, now, uniform);
        let mut out = Vec::with_capacity(order.len());
        let mut done: Vec<usize> = Vec::new();
        for &i in &order {
            let position = usable[i].position;
            if done.contains(&position) {
                continue;
            }
            done.push(position);
            out.extend(
                order
                    .iter()
                    .filter(|&&j| usable[j].position == position)
                    .map(|&j| &usable[j].member),
            );
        }
        out
    }
}

/// The targets of a request to `requested` over `groups`, in the order to try them. Empty
/// when every member is out and `when_all_open = "fail"`.
pub fn plan(groups: &[Group], requested: &str, settings: &Settings) -> Vec<Target> {
    use rand::RngExt;
    let mut rng = rand::rng();
    plan_with(groups, requested, settings, Instant::now(), &mut || {
        rng.random::<f64>()
    })
}

pub fn plan_with(
    groups: &[Group],
    requested: &str,
    settings: &Settings,
    now: Instant,
    uniform: Uniform<'_>,
) -> Vec<Target> {
    let mut targets: Vec<Target> = Vec::new();
    for group in groups {
        for member in group.order(now, uniform) {
            if !targets.iter().any(|t| Arc::ptr_eq(&t.member, member)) {
                targets.push(Target::new(member.clone(), requested, false));
            }
        }
    }
    if targets.is_empty() && settings.when_all_open == WhenAllOpen::Soonest {
        // Back soonest: the earliest end of a cooldown; a key out until restart last.
        let soonest = groups.iter().flat_map(|g| &g.slots).min_by_key(|s| {
            match s.member.blocked_until(now) {
                Some(Some(until)) => (0, Some(until)),
                None => (0, None),
                Some(None) => (1, None),
            }
        });
        if let Some(slot) = soonest {
            targets.push(Target::new(slot.member.clone(), requested, true));
        }
    }
    targets
}

/// The targets for `provider/model` when no route names it.
pub fn direct(provider: &Arc<Provider>, model: &str, members: &Members) -> Vec<Target> {
    let mut scratch = Members {
        settings: members.settings.clone(),
        by_id: BTreeMap::new(),
    };
    let mut group = Group::single(provider.clone(), model, &mut scratch);
    for slot in &mut group.slots {
        slot.member = members.find(provider, model, slot.member.key);
    }
    plan(std::slice::from_ref(&group), model, &members.settings)
}

#[cfg(test)]
mod tests;
