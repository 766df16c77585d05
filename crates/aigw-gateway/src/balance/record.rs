//! An admitted attempt: the member's request in flight until its verdict is recorded — the
//! breaker and key moved, `/metrics` counted, a refused key logged loudly. An attempt
//! dropped without a verdict (the client went away) gives its probe back.

use super::health::{Pass, Transition};
use super::keys::KeyChange;
use super::member::{Member, Verdict};
use crate::metrics::{KeyCooldownLabels, MemberLabels, Metrics};
use crate::route::Target;
use std::time::Instant;

/// An attempt let through by its member's health.
#[derive(Debug)]
pub struct Admitted<'a> {
    target: &'a Target,
    metrics: &'a Metrics,
    pass: Pass,
    done: bool,
}

/// Lets `target` take the request if its member may now (its key ready, its breaker closed
/// or due a probe), or if it was forced (every member out).
pub fn admit<'a>(target: &'a Target, metrics: &'a Metrics) -> Option<Admitted<'a>> {
    let member = &target.member;
    let pass = member.admit(Instant::now(), target.forced)?;
    if pass != Pass::Normal {
        let labels = labels(member);
        metrics.balance_probes.get_or_create(&labels).inc();
        metrics
            .balance_member_state
            .get_or_create(&labels)
            .set(member.breaker_state() as i64);
        tracing::info!(
            member = %member.name(),
            forced = pass == Pass::Forced,
            "probing a member whose breaker was open"
        );
    }
    Some(Admitted {
        target,
        metrics,
        pass,
        done: false,
    })
}

impl Admitted<'_> {
    /// Records how the attempt went.
    pub fn finish(mut self, verdict: Verdict) {
        self.done = true;
        record(self.target, self.metrics, self.pass, verdict);
    }
}

impl Drop for Admitted<'_> {
    fn drop(&mut self) {
        if !self.done {
            record(self.target, self.metrics, self.pass, Verdict::Released);
        }
    }
}

pub fn labels(member: &Member) -> MemberLabels {
    MemberLabels {
        provider: member.provider.name.clone(),
        model: member.model.clone(),
        key: member.key().env.clone(),
    }
}

fn record(target: &Target, metrics: &Metrics, pass: Pass, verdict: Verdict) {
    let member = &target.member;
    let changes = member.finish(pass, verdict, Instant::now());
    if let Some(transition) = changes.breaker {
        let labels = labels(member);
        metrics
            .balance_member_state
            .get_or_create(&labels)
            .set(member.breaker_state() as i64);
        match transition {
            Transition::Opened => {
                metrics.balance_breaker_opens.get_or_create(&labels).inc();
                tracing::warn!(
                    member = %member.name(),
                    cooldown_secs = member_cooldown(member),
                    "circuit breaker opened: the member is out of rotation"
                );
            }
            Transition::Closed => {
                tracing::info!(member = %member.name(), "circuit breaker closed: the member is back");
            }
        }
    }
    let key = member.key();
    match changes.key {
        Some(KeyChange::Cooled(wait)) => {
            count_key(metrics, member, "rate_limited");
            tracing::warn!(
                provider = %member.provider.name,
                key_env = %key.env,
                cooldown_secs = wait.as_secs_f64(),
                "upstream key rate-limited (429): cooling it down"
            );
        }
        Some(KeyChange::TakenOut) => {
            count_key(metrics, member, "refused");
            tracing::error!(
                provider = %member.provider.name,
                key_env = %key.env,
                "upstream refused the key in {} (401/403): it is out of rotation{}",
                key.env,
                if member_refused_secs(member) > 0.0 {
                    " for key_refused_secs"
                } else {
                    " until restart"
                }
            );
        }
        None => {}
    }
}

fn count_key(metrics: &Metrics, member: &Member, reason: &'static str) {
    metrics
        .balance_key_cooldowns
        .get_or_create(&KeyCooldownLabels {
            provider: member.provider.name.clone(),
            key: member.key().env.clone(),
            reason,
        })
        .inc();
}

fn member_cooldown(member: &Member) -> f64 {
    member.settings().breaker.cooldown.as_secs_f64()
}

fn member_refused_secs(member: &Member) -> f64 {
    member.settings().key_refused.as_secs_f64()
}
