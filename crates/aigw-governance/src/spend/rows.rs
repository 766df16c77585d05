//! Spend records to rows: one multi-row INSERT per batch, in a transaction.

use super::SpendRecord;
use crate::store::{Store, StoreError};

const COLUMNS: [&str; 26] = [
    "time_ms",
    "request_id",
    "key_id",
    "team",
    "api",
    "requested_model",
    "provider",
    "model",
    "status",
    "latency_ms",
    "ttfb_ms",
    "usage_source",
    "input_tokens",
    "output_tokens",
    "cache_read_tokens",
    "cache_write_tokens",
    "cache_write_1h_tokens",
    "reasoning_tokens",
    "audio_input_tokens",
    "audio_output_tokens",
    "image_input_tokens",
    "usage_raw",
    "cost_pico",
    "losses",
    "loss_count",
    "fallbacks",
];

pub async fn insert(store: &Store, records: &[SpendRecord]) -> Result<(), StoreError> {
    if records.is_empty() {
        return Ok(());
    }
    let mut sql = format!("INSERT INTO aigw_spend ({}) VALUES ", COLUMNS.join(", "));
    let mut n = 0;
    for (i, _) in records.iter().enumerate() {
        if i > 0 {
            sql.push_str(", ");
        }
        sql.push('(');
        for c in 0..COLUMNS.len() {
            if c > 0 {
                sql.push_str(", ");
            }
            n += 1;
            sql.push('$');
            sql.push_str(&n.to_string());
        }
        sql.push(')');
    }
    let mut query = sqlx::query(&sql);
    for r in records {
        query = query
            .bind(r.time_ms)
            .bind(r.request_id.clone())
            .bind(r.key_id.clone())
            .bind(r.team.clone())
            .bind(r.api.clone())
            .bind(r.requested_model.clone())
            .bind(r.provider.clone())
            .bind(r.model.clone())
            .bind(i64::from(r.status))
            .bind(r.latency_ms)
            .bind(r.ttfb_ms)
            .bind(r.usage_source.clone())
            .bind(r.input_tokens)
            .bind(r.output_tokens)
            .bind(r.cache_read_tokens)
            .bind(r.cache_write_tokens)
            .bind(r.cache_write_1h_tokens)
            .bind(r.reasoning_tokens)
            .bind(r.audio_input_tokens)
            .bind(r.audio_output_tokens)
            .bind(r.image_input_tokens)
            .bind(r.usage_raw.clone())
            .bind(r.cost_pico)
            .bind(r.losses.clone())
            .bind(r.loss_count)
            .bind(r.fallbacks);
    }
    let mut tx = store.pool().begin().await?;
    query.execute(&mut *tx).await?;
    tx.commit().await?;
    Ok(())
}
