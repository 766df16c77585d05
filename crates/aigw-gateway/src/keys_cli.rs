//! `aigw keys create|list|show|update|revoke`: the store, directly (works with the gateway
//! stopped; a running gateway sees the change within its key refresh interval). A table for
//! people, `--json` for scripts — the same JSON as the admin API.

use aigw_governance::budget::BudgetSpec;
use aigw_governance::key::{KeyLimits, KeyMetadata, VirtualKey};
use aigw_governance::manage::{KeyUpdate, KeyView, NewKey, created_json, now_ms};
use aigw_governance::store::Store;
use anyhow::Context;
use clap::{Args, Subcommand};
use secrecy::ExposeSecret;

#[derive(Subcommand)]
pub enum KeysCommand {
    /// Create a key; its secret is printed once.
    Create {
        #[arg(long)]
        name: String,
        #[command(flatten)]
        fields: KeyFields,
    },
    /// List every key.
    List,
    /// Show one key.
    Show { id: String },
    /// Change a key: the options given replace the key's values.
    Update {
        id: String,
        #[arg(long)]
        name: Option<String>,
        #[command(flatten)]
        fields: KeyFields,
        /// Remove the expiry.
        #[arg(long, conflicts_with_all = ["expires_at", "expires_in"])]
        no_expiry: bool,
        /// Remove the budget.
        #[arg(long, conflicts_with = "budget_usd")]
        no_budget: bool,
    },
    /// Revoke a key (refused by every replica within the refresh interval).
    Revoke { id: String },
}

/// The options `create` and `update` share.
#[derive(Args, Default)]
pub struct KeyFields {
    /// Allowed models: route names, model names, `provider/model` patterns (`openai/*`),
    /// comma-separated; none: every model.
    #[arg(long, value_delimiter = ',')]
    models: Option<Vec<String>>,
    /// Requests per minute.
    #[arg(long)]
    rpm: Option<u64>,
    /// Tokens (input + output) per minute.
    #[arg(long)]
    tpm: Option<u64>,
    /// Requests at once.
    #[arg(long)]
    max_concurrency: Option<u64>,
    /// A budget in USD per `--budget-period` (requests past it get 429 budget_exceeded).
    #[arg(long)]
    budget_usd: Option<String>,
    /// `daily`, `weekly`, `monthly` or `total` (default: monthly).
    #[arg(long, requires = "budget_usd")]
    budget_period: Option<String>,
    /// Spend in USD from which the key is logged and counted as near its budget.
    #[arg(long, requires = "budget_usd")]
    budget_soft_usd: Option<String>,
    /// Expiry, RFC 3339 UTC (`2027-01-01T00:00:00Z`).
    #[arg(long)]
    expires_at: Option<String>,
    /// Expiry from now (`30d`, `12h`).
    #[arg(long)]
    expires_in: Option<String>,
    #[arg(long)]
    team: Option<String>,
    #[arg(long)]
    user: Option<String>,
    /// A tag (repeat for more).
    #[arg(long = "tag")]
    tags: Vec<String>,
}

impl KeyFields {
    fn limits(&self) -> Option<KeyLimits> {
        let limits = KeyLimits {
            rpm: self.rpm,
            tpm: self.tpm,
            max_concurrency: self.max_concurrency,
        };
        (!limits.is_unlimited()).then_some(limits)
    }

    fn budget(&self) -> Option<BudgetSpec> {
        Some(BudgetSpec {
            max_usd: self.budget_usd.clone()?,
            period: self
                .budget_period
                .clone()
                .unwrap_or_else(|| "monthly".into()),
            soft_usd: self.budget_soft_usd.clone(),
        })
    }

    fn metadata(&self) -> Option<KeyMetadata> {
        (self.team.is_some() || self.user.is_some() || !self.tags.is_empty()).then(|| KeyMetadata {
            team: self.team.clone(),
            user: self.user.clone(),
            tags: self.tags.clone(),
        })
    }
}

/// Runs `command` on the store at `url`.
pub async fn run(url: &str, command: KeysCommand, json: bool) -> anyhow::Result<()> {
    let store = Store::connect(url).await?;
    let now = now_ms();
    match command {
        KeysCommand::Create { name, fields } => {
            let new = NewKey {
                name,
                models: fields.models.clone().unwrap_or_default(),
                limits: fields.limits().unwrap_or_default(),
                budget: fields.budget(),
                expires_at: fields.expires_at.clone(),
                expires_in: fields.expires_in.clone(),
                metadata: fields.metadata().unwrap_or_default(),
            };
            let (key, secret) = new.build(now).map_err(anyhow::Error::msg)?;
            store.insert(&key).await?;
            if json {
                println!("{}", created_json(&key, &secret, now));
            } else {
                print_table(&[key], now);
                println!(
                    "\nsecret (shown once, store it now): {}",
                    secret.expose_secret()
                );
            }
        }
        KeysCommand::List => {
            let keys = store.list().await?;
            if json {
                let views: Vec<KeyView> = keys.iter().map(|k| KeyView::of(k, now)).collect();
                println!("{}", serde_json::to_string_pretty(&views)?);
            } else {
                print_table(&keys, now);
            }
        }
        KeysCommand::Show { id } => {
            let key = store
                .get(&id)
                .await?
                .with_context(|| format!("no key with id {id:?} in {}", store.url()))?;
            print_one(&key, now, json)?;
        }
        KeysCommand::Update {
            id,
            name,
            fields,
            no_expiry,
            no_budget,
        } => {
            let update = KeyUpdate {
                name,
                models: fields.models.clone(),
                limits: fields.limits(),
                budget: if no_budget {
                    Some(None)
                } else {
                    fields.budget().map(Some)
                },
                expires_at: if no_expiry {
                    Some(None)
                } else {
                    fields.expires_at.clone().map(Some)
                },
                expires_in: fields.expires_in.clone(),
                metadata: fields.metadata(),
            };
            let changes = update.validate(now).map_err(anyhow::Error::msg)?;
            let key = store.update(&id, &changes, now).await?;
            print_one(&key, now, json)?;
        }
        KeysCommand::Revoke { id } => {
            let key = store.revoke(&id, now).await?;
            print_one(&key, now, json)?;
        }
    }
    Ok(())
}

fn print_one(key: &VirtualKey, now: i64, json: bool) -> anyhow::Result<()> {
    if json {
        println!("{}", serde_json::to_string_pretty(&KeyView::of(key, now))?);
    } else {
        print_table(std::slice::from_ref(key), now);
    }
    Ok(())
}

fn print_table(keys: &[VirtualKey], now: i64) {
    let dash = || "-".to_owned();
    let num = |v: Option<u64>| v.map_or_else(dash, |v| v.to_string());
    let rows: Vec<[String; 9]> = keys
        .iter()
        .map(|k| {
            let v = KeyView::of(k, now);
            [
                v.id,
                v.name,
                v.status.to_owned(),
                if v.models.is_empty() {
                    "*".to_owned()
                } else {
                    v.models.join(",")
                },
                num(v.limits.rpm),
                num(v.limits.tpm),
                num(v.limits.max_concurrency),
                v.expires_at.unwrap_or_else(dash),
                v.secret_hint,
            ]
        })
        .collect();
    let header = [
        "ID", "NAME", "STATUS", "MODELS", "RPM", "TPM", "CONC", "EXPIRES", "SECRET",
    ];
    let mut widths: Vec<usize> = header.iter().map(|h| h.len()).collect();
    for row in &rows {
        for (w, cell) in widths.iter_mut().zip(row) {
            *w = (*w).max(cell.chars().count());
        }
    }
    let line = |cells: Vec<&str>| {
        let mut out = String::new();
        for (cell, w) in cells.iter().zip(&widths) {
            out.push_str(&format!("{cell:<w$}  "));
        }
        println!("{}", out.trim_end());
    };
    line(header.to_vec());
    for row in &rows {
        line(row.iter().map(String::as_str).collect());
    }
    if rows.is_empty() {
        println!("(no keys)");
    }
}
