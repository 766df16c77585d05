#![allow(clippy::unwrap_used)]

use super::config::{GroupConfig, HealthConfig, KeyEnvConfig, MemberConfig};
use super::*;
use crate::config::{ProviderConfig, ProviderKind};
use rand::{RngExt, SeedableRng};

fn provider(name: &str, keys: &[(&str, f64)]) -> Arc<Provider> {
    let config = ProviderConfig {
        kind: ProviderKind::Openai,
        preset: None,
        base_url: Some("http://127.0.0.1:9/v1".into()),
        key_env: Some(KeyEnvConfig::Many(
            keys.iter()
                .map(|(env, weight)| config::KeyConfig {
                    env: (*env).to_owned(),
                    weight: *weight,
                })
                .collect(),
        )),
        api_version: None,
    };
    Arc::new(Provider::new(name, &config, &|_: &str| Some("sk-test".to_owned())).unwrap())
}

fn group(strategy: &str, members: &[(&Arc<Provider>, f64)], all: &mut Members) -> Group {
    let config = GroupConfig {
        strategy: strategy.into(),
        members: members
            .iter()
            .map(|(p, w)| MemberConfig {
                to: format!("{}/m", p.name),
                weight: *w,
            })
            .collect(),
    };
    let providers: Vec<Arc<Provider>> = members.iter().map(|(p, _)| (*p).clone()).collect();
    Group::new(
        "g",
        &config,
        |_, to| {
            let name = to.split('/').next().unwrap_or_default();
            let p = providers.iter().find(|p| p.name == name).unwrap();
            Ok((p.clone(), "m".to_owned()))
        },
        all,
    )
    .unwrap()
}

fn settings() -> Settings {
    Settings::new(&HealthConfig::default()).unwrap()
}

fn first_picks(group: &Group, n: usize, seed: u64) -> BTreeMap<String, usize> {
    let mut rng = rand::rngs::StdRng::seed_from_u64(seed);
    let mut uniform = || rng.random::<f64>();
    let now = Instant::now();
    let mut counts = BTreeMap::new();
    for _ in 0..n {
        let order = group.order(now, &mut uniform);
        *counts.entry(order[0].name()).or_insert(0) += 1;
    }
    counts
}

#[test]
fn weighted_3_to_1_over_10000_requests() {
    let (a, b) = (provider("a", &[("A", 1.0)]), provider("b", &[("B", 1.0)]));
    let mut members = Members::new(settings());
    let g = group("weighted", &[(&a, 3.0), (&b, 1.0)], &mut members);
    let counts = first_picks(&g, 10_000, 17);
    let share = counts["a/m"] as f64 / 10_000.0;
    eprintln!(
        "weighted 3:1 over 10000 (unit, seeded): a {} ({:.2} %), b {} ({:.2} %)",
        counts["a/m"],
        share * 100.0,
        counts["b/m"],
        (1.0 - share) * 100.0
    );
    assert!((share - 0.75).abs() <= 0.03, "{counts:?}");
}

#[test]
fn a_members_keys_follow_it_and_share_its_weight() {
    let a = provider("a", &[("A1", 2.0), ("A2", 1.0)]);
    let b = provider("b", &[("B", 1.0)]);
    let mut members = Members::new(settings());
    let g = group("weighted", &[(&a, 1.0), (&b, 1.0)], &mut members);
    let mut rng = rand::rngs::StdRng::seed_from_u64(3);
    let mut uniform = || rng.random::<f64>();
    let now = Instant::now();
    let mut firsts: BTreeMap<String, usize> = BTreeMap::new();
    for _ in 0..10_000 {
        let order: Vec<String> = g
            .order(now, &mut uniform)
            .iter()
            .map(|m| m.name())
            .collect();
        assert_eq!(order.len(), 3);
        // The other key of `a` comes right after the first.
        if order[0].starts_with("a/") {
            assert!(order[1].starts_with("a/"), "{order:?}");
        } else {
            assert!(order[2].starts_with("a/"), "{order:?}");
        }
        *firsts.entry(order[0].clone()).or_insert(0) += 1;
    }
    eprintln!("keys 2:1 of a member weighted 1:1 with another, first picks: {firsts:?}");
    let a1 = firsts["a/m#A1"] as f64 / 10_000.0;
    assert!((a1 - 1.0 / 3.0).abs() < 0.03, "{firsts:?}");
}

#[test]
fn ordered_keeps_configuration_order() {
    let (a, b) = (provider("a", &[("A", 1.0)]), provider("b", &[("B", 1.0)]));
    let mut members = Members::new(settings());
    let g = group("ordered", &[(&a, 1.0), (&b, 5.0)], &mut members);
    let counts = first_picks(&g, 1000, 1);
    assert_eq!(counts.get("a/m"), Some(&1000));
}

#[test]
fn least_latency_prefers_the_lower_cost() {
    let (a, b) = (provider("a", &[("A", 1.0)]), provider("b", &[("B", 1.0)]));
    let mut members = Members::new(settings());
    let g = group("least-latency", &[(&a, 1.0), (&b, 1.0)], &mut members);
    let now = Instant::now();
    for (slot, ms) in g.slots.iter().zip([50, 10]) {
        let pass = slot.member.admit(now, false).unwrap();
        slot.member
            .finish(pass, Verdict::Answered(Duration::from_millis(ms)), now);
    }
    let counts = first_picks(&g, 1000, 5);
    assert_eq!(counts.get("b/m"), Some(&1000), "{counts:?}");
}

#[test]
fn open_members_are_left_out_and_the_soonest_is_forced_when_all_are() {
    let (a, b) = (provider("a", &[("A", 1.0)]), provider("b", &[("B", 1.0)]));
    let mut members = Members::new(
        Settings::new(&HealthConfig {
            failures: 1,
            ..HealthConfig::default()
        })
        .unwrap(),
    );
    let g = group("ordered", &[(&a, 1.0), (&b, 1.0)], &mut members);
    let s = members.settings.clone();
    let mut uniform = || 0.5;
    let now = Instant::now();
    let fail = |slot: &Slot, at: Instant| {
        let pass = slot.member.admit(at, false).unwrap();
        slot.member
            .finish(pass, Verdict::Failed(Duration::from_millis(1)), at);
    };
    fail(&g.slots[0], now);
    let plan = plan_with(std::slice::from_ref(&g), "m", &s, now, &mut uniform);
    let names: Vec<String> = plan.iter().map(|t| t.member.name()).collect();
    assert_eq!(names, ["b/m"]);
    fail(&g.slots[1], now + Duration::from_secs(1));
    let plan = plan_with(std::slice::from_ref(&g), "m", &s, now, &mut uniform);
    assert_eq!(plan.len(), 1);
    assert_eq!(plan[0].member.name(), "a/m", "a's cooldown ends first");
    assert!(plan[0].forced);
    let fail_settings = Settings {
        when_all_open: WhenAllOpen::Fail,
        ..(*s).clone()
    };
    assert!(
        plan_with(
            std::slice::from_ref(&g),
            "m",
            &fail_settings,
            now,
            &mut uniform
        )
        .is_empty()
    );
}

#[test]
fn bad_groups_are_named() {
    let a = provider("a", &[("A", 1.0)]);
    let mut members = Members::new(settings());
    let target = |_: &str, _: &str| Ok((a.clone(), "m".to_owned()));
    let bad = |strategy: &str, members_: Vec<MemberConfig>, members: &mut Members| {
        let config = GroupConfig {
            strategy: strategy.into(),
            members: members_,
        };
        Group::new("routes[0].targets[1]", &config, target, members)
            .err()
            .unwrap()
    };
    let m = |weight| MemberConfig {
        to: "a/m".into(),
        weight,
    };
    let e = bad("fastest", vec![m(1.0)], &mut members);
    assert!(
        e.contains("routes[0].targets[1].strategy") && e.contains("fastest"),
        "{e}"
    );
    let e = bad("weighted", vec![], &mut members);
    assert!(
        e.contains("routes[0].targets[1].members: the group is empty"),
        "{e}"
    );
    for w in [0.0, -1.0, f64::NAN] {
        let e = bad("weighted", vec![m(1.0), m(w)], &mut members);
        assert!(e.contains("routes[0].targets[1].members[1].weight"), "{e}");
    }
}
