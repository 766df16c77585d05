//! Groups as `GET /admin/health` shows them.

use super::Group;
use serde_json::{Value, json};
use std::time::Instant;

/// A group's strategy and each member's health (with its weight in the group).
pub fn group_json(group: &Group, now: Instant) -> Value {
    let members: Vec<Value> = group
        .slots
        .iter()
        .map(|slot| {
            let mut v = serde_json::to_value(slot.member.snapshot(now)).unwrap_or_default();
            v["weight"] = json!(slot.weight);
            v
        })
        .collect();
    json!({"strategy": group.strategy.name(), "members": members})
}
