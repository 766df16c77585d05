//! The request's row in the spend log (written in batches by `aigw_governance::spend`) and in
//! the in-memory list of recent requests (`GET /admin/requests`).

use super::Outcome;
use crate::state::State;
use aigw_governance::Caller;
use aigw_governance::cost::Money;
use aigw_governance::spend::SpendRecord;

fn count(v: Option<u64>) -> Option<i64> {
    v.map(|v| i64::try_from(v).unwrap_or(i64::MAX))
}

/// The spend record of `outcome`.
pub fn spend_record(outcome: &Outcome, cost: Option<Money>) -> SpendRecord {
    let key = outcome.caller.as_ref().and_then(Caller::key);
    let usage = outcome.spent.as_ref().map(|s| &s.usage);
    let u = |f: fn(&crate::usage::Usage) -> Option<u64>| count(usage.and_then(f));
    SpendRecord {
        time_ms: outcome.started_ms,
        request_id: outcome.request_id.clone(),
        key_id: key.map(|k| k.id.clone()),
        team: key.and_then(|k| k.metadata.team.clone()),
        api: outcome.label.to_owned(),
        requested_model: outcome.model.clone(),
        provider: outcome
            .spent
            .as_ref()
            .map(|s| s.provider.clone())
            .or_else(|| {
                outcome
                    .route
                    .as_deref()
                    .and_then(|r| r.split_once('/'))
                    .map(|(p, _)| p.to_owned())
            }),
        model: outcome.spent.as_ref().map(|s| s.model.clone()).or_else(|| {
            outcome
                .route
                .as_deref()
                .and_then(|r| r.split_once('/'))
                .map(|(_, m)| m.to_owned())
        }),
        status: outcome.status.as_u16(),
        latency_ms: outcome.latency.as_millis() as i64,
        ttfb_ms: outcome.first_byte.map(|(_, d)| d.as_millis() as i64),
        usage_source: usage.map_or("unknown", |u| u.source.name()).to_owned(),
        input_tokens: u(|u| u.input),
        output_tokens: u(|u| u.output),
        cache_read_tokens: u(|u| u.cache_read),
        cache_write_tokens: u(|u| u.cache_write),
        cache_write_1h_tokens: u(|u| u.cache_write_1h),
        reasoning_tokens: u(|u| u.reasoning),
        audio_input_tokens: u(|u| u.audio_input),
        audio_output_tokens: u(|u| u.audio_output),
        image_input_tokens: u(|u| u.image_input),
        usage_raw: usage.and_then(|u| u.raw.as_ref()).map(|v| v.to_string()),
        cost_pico: cost.map(Money::pico),
        losses: if outcome.losses.is_empty() {
            "none".to_owned()
        } else {
            outcome.losses.summary()
        },
        loss_count: outcome.losses.iter().count() as i64,
        fallbacks: i64::from(outcome.fallbacks),
    }
}

/// Records `outcome` in the spend log and the recent requests.
pub fn record(state: &State, outcome: &Outcome, cost: Option<Money>) {
    let record = std::sync::Arc::new(spend_record(outcome, cost));
    if let Some(log) = &state.spend {
        log.record(record.clone());
    }
    state.recent.push(record, outcome.losses.clone());
}
