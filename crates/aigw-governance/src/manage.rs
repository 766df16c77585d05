//! Creating, changing and showing keys: the request bodies of the admin API (and of
//! `aigw keys`), their validation, and the JSON a key is shown as. Shared by both, so the
//! HTTP API and the CLI accept and print the same things.

use crate::budget::BudgetSpec;
use crate::key::{KeyLimits, KeyMetadata, KeySource, VirtualKey, validate_models};
use crate::secret;
use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Deserializer, Serialize};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// Parses a JSON body; the error names the field (`limits.rpm: invalid value: integer
/// `-5`, expected u64`).
pub fn parse_json<T: for<'de> Deserialize<'de>>(body: &[u8]) -> Result<T, String> {
    let mut de = serde_json::Deserializer::from_slice(body);
    let value = serde_path_to_error::deserialize(&mut de).map_err(|e| {
        let path = e.path().to_string();
        let inner = e.into_inner();
        if inner.is_syntax() || inner.is_eof() {
            format!("the body is not valid JSON: {inner}")
        } else if path == "." || path == "?" {
            inner.to_string()
        } else {
            format!("{path}: {inner}")
        }
    })?;
    de.end()
        .map_err(|e| format!("the body is not valid JSON: {e}"))?;
    Ok(value)
}

/// Unix milliseconds now.
pub fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as i64)
}

/// RFC 3339 (UTC, milliseconds) for Unix milliseconds.
pub fn rfc3339(ms: i64) -> String {
    let t = UNIX_EPOCH + Duration::from_millis(ms.max(0) as u64);
    humantime::format_rfc3339_millis(t).to_string()
}

/// Unix milliseconds from RFC 3339 (`2027-01-01T00:00:00Z`).
pub fn parse_time(field: &str, text: &str) -> Result<i64, String> {
    let t = humantime::parse_rfc3339_weak(text).map_err(|e| {
        format!("{field}: {text:?} is not an RFC 3339 UTC time like 2027-01-01T00:00:00Z ({e})")
    })?;
    Ok(t.duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as i64))
}

/// Unix milliseconds `text` (`30d`, `12h`, `90m`) from `now`.
pub fn parse_expires_in(text: &str, now: i64) -> Result<i64, String> {
    let d = humantime::parse_duration(text)
        .map_err(|e| format!("expires_in: {text:?} is not a duration like 30d or 12h ({e})"))?;
    Ok(now.saturating_add(d.as_millis() as i64))
}

/// The body of `POST /admin/keys`.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewKey {
    pub name: String,
    #[serde(default)]
    pub models: Vec<String>,
    #[serde(default)]
    pub limits: KeyLimits,
    /// A spend cap per period.
    #[serde(default)]
    pub budget: Option<BudgetSpec>,
    /// RFC 3339 UTC.
    #[serde(default)]
    pub expires_at: Option<String>,
    /// A duration from now (`30d`); instead of `expires_at`.
    #[serde(default)]
    pub expires_in: Option<String>,
    #[serde(default)]
    pub metadata: KeyMetadata,
}

fn validate_name(name: &str) -> Result<(), String> {
    if name.trim().is_empty() || name.len() > 200 {
        return Err("name: must be 1 to 200 characters".into());
    }
    Ok(())
}

impl NewKey {
    /// The key to store and its secret (to show once).
    pub fn build(self, now: i64) -> Result<(VirtualKey, SecretString), String> {
        validate_name(&self.name)?;
        validate_models(&self.models)?;
        self.limits.validate()?;
        let budget = self.budget.as_ref().map(BudgetSpec::validate).transpose()?;
        let expires_at = match (&self.expires_at, &self.expires_in) {
            (Some(_), Some(_)) => {
                return Err("expires_at and expires_in: give one of them, not both".into());
            }
            (Some(at), None) => Some(parse_time("expires_at", at)?),
            (None, Some(inn)) => Some(parse_expires_in(inn, now)?),
            (None, None) => None,
        };
        let secret = secret::generate().map_err(|e| format!("no randomness: {e}"))?;
        let id = secret::new_id().map_err(|e| format!("no randomness: {e}"))?;
        let key = VirtualKey {
            id,
            name: self.name,
            secret_hash: secret::hash(secret.expose_secret()),
            secret_hint: secret::hint(&secret),
            models: self.models,
            limits: self.limits,
            budget,
            expires_at,
            metadata: self.metadata,
            created_at: now,
            updated_at: now,
            revoked_at: None,
            source: KeySource::Store,
        };
        Ok((key, secret))
    }
}

/// `Some(value)` for a present field, `null` included (so `null` can clear a field).
fn present<'de, D: Deserializer<'de>, T: Deserialize<'de>>(
    d: D,
) -> Result<Option<Option<T>>, D::Error> {
    Option::<T>::deserialize(d).map(Some)
}

/// The body of `PATCH /admin/keys/{id}`: the fields given replace the key's; `expires_at:
/// null` removes the expiry.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct KeyUpdate {
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub models: Option<Vec<String>>,
    #[serde(default)]
    pub limits: Option<KeyLimits>,
    /// `null` removes the budget.
    #[serde(default, deserialize_with = "present")]
    pub budget: Option<Option<BudgetSpec>>,
    #[serde(default, deserialize_with = "present")]
    pub expires_at: Option<Option<String>>,
    #[serde(default)]
    pub expires_in: Option<String>,
    #[serde(default)]
    pub metadata: Option<KeyMetadata>,
}

/// Validated changes to a key.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct KeyChanges {
    pub name: Option<String>,
    pub models: Option<Vec<String>>,
    pub limits: Option<KeyLimits>,
    pub budget: Option<Option<crate::budget::Budget>>,
    pub expires_at: Option<Option<i64>>,
    pub metadata: Option<KeyMetadata>,
}

impl KeyUpdate {
    pub fn validate(self, now: i64) -> Result<KeyChanges, String> {
        if let Some(name) = &self.name {
            validate_name(name)?;
        }
        if let Some(models) = &self.models {
            validate_models(models)?;
        }
        if let Some(limits) = &self.limits {
            limits.validate()?;
        }
        let budget = match &self.budget {
            Some(Some(spec)) => Some(Some(spec.validate()?)),
            Some(None) => Some(None),
            None => None,
        };
        let expires_at = match (self.expires_at, self.expires_in) {
            (Some(_), Some(_)) => {
                return Err("expires_at and expires_in: give one of them, not both".into());
            }
            (Some(Some(at)), None) => Some(Some(parse_time("expires_at", &at)?)),
            (Some(None), None) => Some(None),
            (None, Some(inn)) => Some(Some(parse_expires_in(&inn, now)?)),
            (None, None) => None,
        };
        let changes = KeyChanges {
            name: self.name,
            models: self.models,
            limits: self.limits,
            budget,
            expires_at,
            metadata: self.metadata,
        };
        if changes == KeyChanges::default() {
            return Err(
                "nothing to change: give name, models, limits, budget, expires_at, \
                        expires_in or metadata"
                    .into(),
            );
        }
        Ok(changes)
    }
}

impl KeyChanges {
    pub fn apply(&self, key: &mut VirtualKey) {
        if let Some(name) = &self.name {
            key.name = name.clone();
        }
        if let Some(models) = &self.models {
            key.models = models.clone();
        }
        if let Some(limits) = &self.limits {
            key.limits = limits.clone();
        }
        if let Some(budget) = &self.budget {
            key.budget = budget.clone();
        }
        if let Some(expires_at) = self.expires_at {
            key.expires_at = expires_at;
        }
        if let Some(metadata) = &self.metadata {
            key.metadata = metadata.clone();
        }
    }
}

/// A key as the admin API and `aigw keys --json` show it (never its secret or hash).
#[derive(Clone, Debug, Serialize)]
pub struct KeyView {
    pub id: String,
    pub name: String,
    pub secret_hint: String,
    pub status: &'static str,
    pub models: Vec<String>,
    pub limits: KeyLimits,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub budget: Option<BudgetSpec>,
    pub expires_at: Option<String>,
    pub metadata: KeyMetadata,
    pub created_at: String,
    pub updated_at: String,
    pub revoked_at: Option<String>,
    pub source: KeySource,
}

impl KeyView {
    pub fn of(key: &VirtualKey, now: i64) -> KeyView {
        KeyView {
            id: key.id.clone(),
            name: key.name.clone(),
            secret_hint: key.secret_hint.clone(),
            status: key.status(now),
            models: key.models.clone(),
            limits: key.limits.clone(),
            budget: key.budget.as_ref().map(crate::budget::Budget::spec),
            expires_at: key.expires_at.map(rfc3339),
            metadata: key.metadata.clone(),
            created_at: rfc3339(key.created_at),
            updated_at: rfc3339(key.updated_at),
            revoked_at: key.revoked_at.map(rfc3339),
            source: key.source,
        }
    }
}

/// The answer to a create: the key, and its secret — the only time it is shown.
pub fn created_json(key: &VirtualKey, secret: &SecretString, now: i64) -> serde_json::Value {
    let mut value = serde_json::to_value(KeyView::of(key, now)).unwrap_or_default();
    value["secret"] = secret.expose_secret().into();
    value
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bad_bodies_name_the_field() {
        let err = |body: &str| {
            parse_json::<NewKey>(body.as_bytes())
                .err()
                .unwrap_or_default()
        };
        assert!(err(r#"{"name":"a","limits":{"rpm":-5}}"#).starts_with("limits.rpm:"));
        assert!(err(r#"{"name":"a","colour":"red"}"#).contains("unknown field `colour`"));
        assert!(
            err(r#"{"name":"a","limits":{"rpn":1}}"#)
                .starts_with("limits.rpn: unknown field `rpn`")
        );
        assert!(err(r#"{"name":"a""#).contains("EOF"));
        assert!(err(r#"{"models":[]}"#).contains("missing field `name`"));
        let zero = parse_json::<NewKey>(br#"{"name":"a","limits":{"tpm":0}}"#)
            .map(|k| k.build(0).err().unwrap_or_default());
        assert!(zero.is_ok_and(|e| e.contains("limits.tpm")));
    }

    #[test]
    fn updates_tell_null_from_absent() {
        let clear: KeyUpdate = parse_json(br#"{"expires_at":null}"#).unwrap_or_default();
        assert_eq!(clear.validate(0).map(|c| c.expires_at), Ok(Some(None)));
        let keep: KeyUpdate = parse_json(br#"{"name":"n"}"#).unwrap_or_default();
        assert_eq!(keep.validate(0).map(|c| c.expires_at), Ok(None));
        let empty: KeyUpdate = parse_json(b"{}").unwrap_or_default();
        assert!(
            empty
                .validate(0)
                .is_err_and(|e| e.starts_with("nothing to change"))
        );
    }

    #[test]
    fn a_created_key_shows_its_secret_once_and_never_its_hash() {
        let new: NewKey = parse_json(br#"{"name":"ci","expires_in":"1h","limits":{"rpm":10}}"#)
            .unwrap_or_default();
        let (key, secret) = new.build(1_000).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(key.expires_at, Some(1_000 + 3_600_000));
        let created = created_json(&key, &secret, 1_000);
        assert_eq!(created["secret"], secret.expose_secret());
        let view = serde_json::to_string(&KeyView::of(&key, 1_000)).unwrap_or_default();
        assert!(!view.contains(secret.expose_secret()) && !view.contains(&key.secret_hash));
        assert!(view.contains(r#""rpm":10"#) && view.contains(r#""status":"active""#));
    }
}
