//! Keys to rows and back. Portable SQL only (`$n` parameters, `BIGINT`, `TEXT`).

use super::{Param, StoreError};
use crate::key::{KeyLimits, KeyMetadata, KeySource, VirtualKey};
use sqlx::any::AnyRow;
use sqlx::{Any, AnyConnection, Executor, Row, Transaction};

const COLUMNS: &str = "id, name, secret_hash, secret_hint, models, rpm, tpm, max_concurrency, \
     expires_at, team, owner, tags, created_at, updated_at, revoked_at, version, budget_usd, \
     budget_period, budget_soft_usd";

/// Takes the next keys version; holds the row's write lock until the transaction ends, so
/// versions commit in order.
pub async fn bump_version(tx: &mut Transaction<'static, Any>) -> Result<i64, StoreError> {
    let row = sqlx::query(
        "UPDATE aigw_meta SET value = value + 1 WHERE name = 'keys_version' RETURNING value",
    )
    .fetch_one(&mut **tx)
    .await?;
    Ok(row.try_get::<i64, _>(0)?)
}

fn limit(v: Option<u64>) -> Option<i64> {
    v.map(|v| i64::try_from(v).unwrap_or(i64::MAX))
}

fn json_list(v: &[String]) -> String {
    serde_json::to_string(v).unwrap_or_else(|_| "[]".into())
}

pub async fn insert(
    tx: &mut Transaction<'static, Any>,
    key: &VirtualKey,
    version: i64,
) -> Result<(), StoreError> {
    let sql = format!(
        "INSERT INTO aigw_keys ({COLUMNS}) VALUES \
         ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19)"
    );
    sqlx::query(&sql)
        .bind(&key.id)
        .bind(&key.name)
        .bind(&key.secret_hash)
        .bind(&key.secret_hint)
        .bind(json_list(&key.models))
        .bind(limit(key.limits.rpm))
        .bind(limit(key.limits.tpm))
        .bind(limit(key.limits.max_concurrency))
        .bind(key.expires_at)
        .bind(key.metadata.team.clone())
        .bind(key.metadata.user.clone())
        .bind(json_list(&key.metadata.tags))
        .bind(key.created_at)
        .bind(key.updated_at)
        .bind(key.revoked_at)
        .bind(version)
        .bind(budget_usd(key))
        .bind(key.budget.as_ref().map(|b| b.period.name().to_owned()))
        .bind(budget_soft(key))
        .execute(&mut **tx)
        .await?;
    Ok(())
}

fn budget_usd(key: &VirtualKey) -> Option<String> {
    key.budget.as_ref().map(|b| crate::spend::usd(b.max))
}

fn budget_soft(key: &VirtualKey) -> Option<String> {
    key.budget.as_ref()?.soft.map(crate::spend::usd)
}

pub async fn replace(
    tx: &mut Transaction<'static, Any>,
    key: &VirtualKey,
    version: i64,
) -> Result<(), StoreError> {
    sqlx::query(
        "UPDATE aigw_keys SET name = $2, models = $3, rpm = $4, tpm = $5, max_concurrency = $6, \
         expires_at = $7, team = $8, owner = $9, tags = $10, updated_at = $11, revoked_at = $12, \
         version = $13, budget_usd = $14, budget_period = $15, budget_soft_usd = $16 WHERE id = $1",
    )
    .bind(&key.id)
    .bind(&key.name)
    .bind(json_list(&key.models))
    .bind(limit(key.limits.rpm))
    .bind(limit(key.limits.tpm))
    .bind(limit(key.limits.max_concurrency))
    .bind(key.expires_at)
    .bind(key.metadata.team.clone())
    .bind(key.metadata.user.clone())
    .bind(json_list(&key.metadata.tags))
    .bind(key.updated_at)
    .bind(key.revoked_at)
    .bind(version)
    .bind(budget_usd(key))
    .bind(key.budget.as_ref().map(|b| b.period.name().to_owned()))
    .bind(budget_soft(key))
    .execute(&mut **tx)
    .await?;
    Ok(())
}

pub async fn get(conn: &mut AnyConnection, id: &str) -> Result<Option<VirtualKey>, StoreError> {
    let sql = format!("SELECT {COLUMNS} FROM aigw_keys WHERE id = $1");
    match sqlx::query(&sql).bind(id).fetch_optional(conn).await? {
        Some(row) => Ok(Some(key(&row)?)),
        None => Ok(None),
    }
}

pub async fn select<'e, E: Executor<'e, Database = Any>>(
    executor: E,
    clause: &str,
    param: Option<Param<'_>>,
) -> Result<Vec<VirtualKey>, StoreError> {
    let sql = format!("SELECT {COLUMNS} FROM aigw_keys {clause}");
    let mut query = sqlx::query(&sql);
    if let Some(Param::Text(text)) = param {
        query = query.bind(text);
    }
    let rows = query.fetch_all(executor).await?;
    rows.iter().map(key).collect()
}

pub async fn select_versioned<'e, E: Executor<'e, Database = Any>>(
    executor: E,
    after: i64,
) -> Result<Vec<(VirtualKey, i64)>, StoreError> {
    let sql = format!("SELECT {COLUMNS} FROM aigw_keys WHERE version > $1 ORDER BY version");
    let rows = sqlx::query(&sql).bind(after).fetch_all(executor).await?;
    rows.iter()
        .map(|row| Ok((key(row)?, row.try_get::<i64, _>("version")?)))
        .collect()
}

fn key(row: &AnyRow) -> Result<VirtualKey, StoreError> {
    let id: String = row.try_get("id")?;
    let malformed = |message: String| StoreError::Malformed {
        id: id.clone(),
        message,
    };
    let list = |column: &str| -> Result<Vec<String>, StoreError> {
        let text: String = row.try_get(column)?;
        serde_json::from_str(&text).map_err(|e| malformed(format!("{column}: {e}")))
    };
    let count = |column: &str| -> Result<Option<u64>, StoreError> {
        let v: Option<i64> = row.try_get(column)?;
        v.map(|v| u64::try_from(v).map_err(|_| malformed(format!("{column}: negative"))))
            .transpose()
    };
    Ok(VirtualKey {
        name: row.try_get("name")?,
        secret_hash: row.try_get("secret_hash")?,
        secret_hint: row.try_get("secret_hint")?,
        models: list("models")?,
        limits: KeyLimits {
            rpm: count("rpm")?,
            tpm: count("tpm")?,
            max_concurrency: count("max_concurrency")?,
        },
        budget: {
            let usd: Option<String> = row.try_get("budget_usd")?;
            let period: Option<String> = row.try_get("budget_period")?;
            let soft: Option<String> = row.try_get("budget_soft_usd")?;
            match (usd, period) {
                (Some(max_usd), Some(period)) => Some(
                    crate::budget::BudgetSpec {
                        max_usd,
                        period,
                        soft_usd: soft,
                    }
                    .validate()
                    .map_err(malformed)?,
                ),
                _ => None,
            }
        },
        expires_at: row.try_get("expires_at")?,
        metadata: KeyMetadata {
            team: row.try_get("team")?,
            user: row.try_get("owner")?,
            tags: list("tags")?,
        },
        created_at: row.try_get("created_at")?,
        updated_at: row.try_get("updated_at")?,
        revoked_at: row.try_get("revoked_at")?,
        source: KeySource::Store,
        id,
    })
}
