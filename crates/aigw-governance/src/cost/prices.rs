//! The price table: entries read from TOML (the format is documented at the top of the
//! crate's `prices.toml`), validated whole, and looked up by provider, model and time.

use super::Tokens;
use super::money::{Money, saturate};
use serde::Deserialize;
use std::collections::{HashMap, HashSet};
use std::fmt;
use std::sync::OnceLock;

/// The built-in table: the crate's `prices.toml`.
pub const BUILTIN_PRICES: &str = include_str!("../../prices.toml");

/// The highest price accepted, per million tokens, in USD: a sanity bound that also keeps
/// every float conversion exact.
const MAX_USD_PER_MILLION: i64 = 1_000_000;

/// A calendar day (UTC), as `since` is written: `2024-10-01`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Date {
    year: u16,
    month: u8,
    day: u8,
}

impl Date {
    /// `YYYY-MM-DD`, a day that exists (`2024-02-29` yes, `2025-02-29` no).
    pub fn parse(text: &str) -> Option<Date> {
        let b = text.as_bytes();
        let digits = |r: std::ops::Range<usize>| b[r].iter().all(u8::is_ascii_digit);
        if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
            return None;
        }
        if !digits(0..4) || !digits(5..7) || !digits(8..10) {
            return None;
        }
        let year: u16 = text[0..4].parse().ok()?;
        let month: u8 = text[5..7].parse().ok()?;
        let day: u8 = text[8..10].parse().ok()?;
        Date::new(year, month, day)
    }

    pub fn new(year: u16, month: u8, day: u8) -> Option<Date> {
        let leap =
            (year.is_multiple_of(4) && !year.is_multiple_of(100)) || year.is_multiple_of(400);
        let days = match month {
            1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
            4 | 6 | 9 | 11 => 30,
            2 if leap => 29,
            2 => 28,
            _ => return None,
        };
        (year >= 1 && (1..=days).contains(&day)).then_some(Date { year, month, day })
    }

    /// Unix milliseconds at the start of the day (00:00 UTC).
    pub fn unix_ms(self) -> i64 {
        // Days from civil (H. Hinnant), with the year starting in March.
        let (m, d) = (i64::from(self.month), i64::from(self.day));
        let y = i64::from(self.year) - i64::from(m <= 2);
        let era = y.div_euclid(400);
        let yoe = y - era * 400;
        let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + d - 1;
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
        (era * 146_097 + doe - 719_468) * 86_400_000
    }
}

impl fmt::Display for Date {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-{:02}-{:02}", self.year, self.month, self.day)
    }
}

/// The price of one token in each category (a [`Money`] per token).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Rates {
    pub input: Money,
    pub output: Money,
    pub cache_read: Money,
    pub cache_write_5m: Money,
    pub cache_write_1h: Money,
    pub reasoning: Money,
}

impl Rates {
    /// Every category's tokens at its rate, added up (exact; saturating at the `i64` bound).
    pub fn cost(&self, t: &Tokens) -> Money {
        let total = [
            (self.input, t.input),
            (self.cache_read, t.cache_read),
            (self.cache_write_5m, t.cache_write_5m),
            (self.cache_write_1h, t.cache_write_1h),
            (self.output, t.output),
            (self.reasoning, t.reasoning),
        ]
        .into_iter()
        // |rate| < 2^63 and n < 2^64: each product fits an i128.
        .fold(0i128, |sum, (rate, n)| {
            sum.saturating_add(i128::from(rate.pico()) * i128::from(n))
        });
        saturate(total)
    }
}

/// A long-context tier: when a request's prompt has more than `above_input_tokens` tokens,
/// its `rates` replace the entry's base rates for the whole request.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Tier {
    pub above_input_tokens: u64,
    pub rates: Rates,
}

/// One entry of the table: the prices of a model (or a model-name prefix) of one provider
/// from a day on.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Price {
    /// The provider kind or preset (`openai`, `anthropic`, `gemini`, `groq`, …).
    pub provider: String,
    /// An exact model name, or a prefix ending in `*`.
    pub model: String,
    /// The day (UTC) from which this price applies, until a later entry.
    pub since: Date,
    /// Where the price was read (empty if the entry names none).
    pub source: String,
    pub rates: Rates,
    /// Long-context tiers, by ascending threshold.
    pub tiers: Vec<Tier>,
}

impl Price {
    /// Whether this entry's `model` (exact, or `prefix*`) covers `model`.
    pub fn matches(&self, model: &str) -> bool {
        match self.model.strip_suffix('*') {
            Some(prefix) => model.starts_with(prefix),
            None => self.model == model,
        }
    }

    /// The rates a request with a `prompt_size`-token prompt pays: those of the highest tier
    /// it is above, or the base rates.
    pub fn rates_for(&self, prompt_size: u64) -> &Rates {
        self.tiers
            .iter()
            .rfind(|t| prompt_size > t.above_input_tokens)
            .map_or(&self.rates, |t| &t.rates)
    }

    /// What `tokens` cost at this price (the tier chosen by [`Tokens::prompt_size`]).
    pub fn cost(&self, tokens: &Tokens) -> Money {
        self.rates_for(tokens.prompt_size()).cost(tokens)
    }

    /// (exact, length): an exact name beats any prefix, a longer prefix a shorter one.
    fn specificity(&self) -> (bool, usize) {
        match self.model.strip_suffix('*') {
            Some(prefix) => (false, prefix.len()),
            None => (true, self.model.len()),
        }
    }
}

/// A table that does not parse, or an entry that is not valid; names the entry and field.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum PriceError {
    /// Not TOML, or not a list of `[[price]]` tables.
    #[error("price table: {0}")]
    Table(String),
    /// `price[12] (openai/gpt-4o): input: must not be negative`.
    #[error("price[{index}] ({provider}/{model}): {message}")]
    Entry {
        /// Position in the file's `[[price]]` list, from 0.
        index: usize,
        provider: String,
        model: String,
        message: String,
    },
}

/// Prices by provider and model, each dated. Cheap to clone.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PriceTable {
    prices: Vec<Price>,
}

impl PriceTable {
    /// The table in `text` (the `prices.toml` format), validated whole: the first invalid
    /// entry is the error.
    pub fn parse(text: &str) -> Result<PriceTable, PriceError> {
        let file: RawFile = toml::from_str(text).map_err(|e| {
            let at = e.span().map(|s| text[..s.start].matches('\n').count() + 1);
            PriceError::Table(match at {
                Some(line) => format!("line {line}: {}", e.message().trim_end()),
                None => e.message().trim_end().to_owned(),
            })
        })?;
        let mut prices = Vec::with_capacity(file.price.len());
        let mut seen: HashMap<(String, String, Date), usize> = HashMap::new();
        for (index, value) in file.price.into_iter().enumerate() {
            let name = |key: &str| {
                value
                    .get(key)
                    .and_then(toml::Value::as_str)
                    .unwrap_or("?")
                    .to_owned()
            };
            let (provider, model) = (name("provider"), name("model"));
            let entry_error = |message: String| PriceError::Entry {
                index,
                provider: provider.clone(),
                model: model.clone(),
                message,
            };
            let price = entry(value.clone()).map_err(entry_error)?;
            let key = (price.provider.clone(), price.model.clone(), price.since);
            if let Some(first) = seen.insert(key, index) {
                return Err(entry_error(format!(
                    "duplicate of price[{first}]: same provider, model and since"
                )));
            }
            prices.push(price);
        }
        Ok(PriceTable { prices })
    }

    /// The built-in table (the crate's `prices.toml`).
    pub fn builtin() -> PriceTable {
        static BUILTIN: OnceLock<PriceTable> = OnceLock::new();
        BUILTIN
            .get_or_init(|| {
                // The file is embedded at build time and parsed by this crate's tests.
                PriceTable::parse(BUILTIN_PRICES).expect("the built-in prices.toml is valid")
            })
            .clone()
    }

    /// The text of the built-in table (the crate's `prices.toml`).
    pub fn builtin_text() -> &'static str {
        BUILTIN_PRICES
    }

    /// This table with `other`'s entries (the configuration's) in place of this table's for
    /// each provider + `model` (the same string) that `other` prices: those replace every
    /// dated entry of this table for it.
    pub fn with_overrides(mut self, other: PriceTable) -> PriceTable {
        let replaced: HashSet<(&str, &str)> = other
            .prices
            .iter()
            .map(|p| (p.provider.as_str(), p.model.as_str()))
            .collect();
        self.prices
            .retain(|p| !replaced.contains(&(p.provider.as_str(), p.model.as_str())));
        self.prices.extend(other.prices.iter().cloned());
        self
    }

    /// The price of `model` at `provider` at `at_unix_ms`: among the entries whose model
    /// covers it and whose `since` is not after `at`, the most specific model (an exact name,
    /// else the longest prefix), and of its entries the latest. `None`: unknown.
    pub fn lookup(&self, provider: &str, model: &str, at_unix_ms: i64) -> Option<&Price> {
        self.prices
            .iter()
            .filter(|p| p.provider == provider && p.matches(model))
            .filter(|p| p.since.unix_ms() <= at_unix_ms)
            .max_by_key(|p| (p.specificity(), p.since))
    }

    /// What `tokens` of `model` at `provider` cost at `at_unix_ms`; `None`: unknown.
    pub fn cost(
        &self,
        provider: &str,
        model: &str,
        at_unix_ms: i64,
        tokens: &Tokens,
    ) -> Option<Money> {
        self.lookup(provider, model, at_unix_ms)
            .map(|p| p.cost(tokens))
    }

    pub fn prices(&self) -> &[Price] {
        &self.prices
    }

    pub fn len(&self) -> usize {
        self.prices.len()
    }

    pub fn is_empty(&self) -> bool {
        self.prices.is_empty()
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFile {
    #[serde(default)]
    price: Vec<toml::Value>,
}

// `deny_unknown_fields` does not combine with `flatten`: the rate fields are repeated.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawPrice {
    provider: String,
    model: String,
    since: toml::Value,
    source: Option<String>,
    input: toml::Value,
    output: toml::Value,
    cache_read: Option<toml::Value>,
    cache_write_5m: Option<toml::Value>,
    cache_write_1h: Option<toml::Value>,
    reasoning: Option<toml::Value>,
    #[serde(default)]
    tiers: Vec<RawTier>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawTier {
    above_input_tokens: u64,
    input: toml::Value,
    output: toml::Value,
    cache_read: Option<toml::Value>,
    cache_write_5m: Option<toml::Value>,
    cache_write_1h: Option<toml::Value>,
    reasoning: Option<toml::Value>,
}

/// The rate fields of an entry or a tier.
struct RawRates<'a> {
    input: &'a toml::Value,
    output: &'a toml::Value,
    cache_read: &'a Option<toml::Value>,
    cache_write_5m: &'a Option<toml::Value>,
    cache_write_1h: &'a Option<toml::Value>,
    reasoning: &'a Option<toml::Value>,
}

macro_rules! raw_rates {
    ($raw:expr) => {
        RawRates {
            input: &$raw.input,
            output: &$raw.output,
            cache_read: &$raw.cache_read,
            cache_write_5m: &$raw.cache_write_5m,
            cache_write_1h: &$raw.cache_write_1h,
            reasoning: &$raw.reasoning,
        }
    };
}

/// One `[[price]]` table, validated; the error is `field: problem`.
fn entry(value: toml::Value) -> Result<Price, String> {
    let raw: RawPrice = serde_path_to_error::deserialize(value).map_err(|e| {
        let message = e.inner().message().trim_end().to_owned();
        let mut segments: Vec<_> = e.path().iter().collect();
        if message.starts_with("unknown field") {
            // The path ends at the unknown field itself, which the message names.
            segments.pop();
        }
        let mut path = String::new();
        for segment in segments {
            match segment {
                serde_path_to_error::Segment::Seq { index } => path += &format!("[{index}]"),
                serde_path_to_error::Segment::Map { key } => {
                    if !path.is_empty() {
                        path.push('.');
                    }
                    path += key;
                }
                _ => path.push('?'),
            }
        }
        if path.is_empty() {
            message
        } else {
            format!("{path}: {message}")
        }
    })?;
    if raw.provider.is_empty() || raw.provider.contains(char::is_whitespace) {
        return Err("provider: must be a name without spaces".into());
    }
    let stars = raw.model.matches('*').count();
    if raw.model.is_empty() || stars > 1 || (stars == 1 && !raw.model.ends_with('*')) {
        return Err("model: must be a model name, or a prefix ending in `*`".into());
    }
    let since = since(&raw.since)?;
    let base = rates(&raw_rates!(raw), "")?;
    let mut tiers = Vec::with_capacity(raw.tiers.len());
    for (i, tier) in raw.tiers.iter().enumerate() {
        let above = tier.above_input_tokens;
        if tiers.iter().any(|t: &Tier| t.above_input_tokens == above) {
            return Err(format!(
                "tiers[{i}].above_input_tokens: another tier is above {above} too"
            ));
        }
        tiers.push(Tier {
            above_input_tokens: above,
            rates: rates(&raw_rates!(tier), &format!("tiers[{i}]."))?,
        });
    }
    tiers.sort_by_key(|t| t.above_input_tokens);
    Ok(Price {
        provider: raw.provider,
        model: raw.model,
        since,
        source: raw.source.unwrap_or_default(),
        rates: base,
        tiers,
    })
}

fn since(value: &toml::Value) -> Result<Date, String> {
    let date = match value {
        toml::Value::String(s) => Date::parse(s),
        toml::Value::Datetime(dt) if dt.time.is_none() && dt.offset.is_none() => {
            dt.date.and_then(|d| Date::new(d.year, d.month, d.day))
        }
        _ => None,
    };
    date.ok_or_else(|| format!("since: {} is not a date (YYYY-MM-DD)", show(value)))
}

/// The rates of an entry or tier; absent ones take their defaults: `cache_read` and
/// `cache_write_5m` the input price, `cache_write_1h` the 5-minute one, `reasoning` the
/// output price.
fn rates(raw: &RawRates<'_>, path: &str) -> Result<Rates, String> {
    let rate = |field: &str, v: &toml::Value| rate(v).map_err(|e| format!("{path}{field}: {e}"));
    let optional = |field: &str, v: &Option<toml::Value>, default: Money| {
        v.as_ref().map_or(Ok(default), |v| rate(field, v))
    };
    let input = rate("input", raw.input)?;
    let output = rate("output", raw.output)?;
    let cache_write_5m = optional("cache_write_5m", raw.cache_write_5m, input)?;
    Ok(Rates {
        input,
        output,
        cache_read: optional("cache_read", raw.cache_read, input)?,
        cache_write_5m,
        cache_write_1h: optional("cache_write_1h", raw.cache_write_1h, cache_write_5m)?,
        reasoning: optional("reasoning", raw.reasoning, output)?,
    })
}

/// USD per million tokens (a TOML integer or float) → pico-USD per token, exactly.
fn rate(value: &toml::Value) -> Result<Money, String> {
    const TOO_LARGE: &str = "must be at most 1000000 (USD per million tokens)";
    let pico = match *value {
        toml::Value::Integer(i) => {
            if i < 0 {
                return Err("must not be negative".into());
            }
            if i > MAX_USD_PER_MILLION {
                return Err(TOO_LARGE.into());
            }
            i * 1_000_000
        }
        toml::Value::Float(f) => {
            if !f.is_finite() {
                return Err("must be a finite number".into());
            }
            if f < 0.0 {
                return Err("must not be negative".into());
            }
            if f > MAX_USD_PER_MILLION as f64 {
                return Err(TOO_LARGE.into());
            }
            let scaled = f * 1e6;
            let whole = scaled.round();
            // At most 1e12 here, where an f64 is exact to far better than 1e-3.
            if (scaled - whole).abs() > 1e-3 {
                return Err(format!("{f} has more than 6 decimals"));
            }
            whole as i64
        }
        _ => {
            return Err(format!(
                "expected a number (USD per million tokens), found {}",
                show(value)
            ));
        }
    };
    Ok(Money::from_pico(pico))
}

/// A TOML value as written, for error messages.
fn show(value: &toml::Value) -> String {
    match value {
        toml::Value::String(s) => format!("{s:?}"),
        toml::Value::Integer(i) => i.to_string(),
        toml::Value::Float(f) => f.to_string(),
        toml::Value::Boolean(b) => b.to_string(),
        toml::Value::Datetime(d) => d.to_string(),
        toml::Value::Array(_) => "an array".to_owned(),
        toml::Value::Table(_) => "a table".to_owned(),
    }
}

impl fmt::Display for Price {
    /// `openai/gpt-4o since 2024-10-01`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{} since {}", self.provider, self.model, self.since)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn table(text: &str) -> PriceTable {
        match PriceTable::parse(text) {
            Ok(t) => t,
            Err(e) => panic!("{e}"),
        }
    }

    fn err(text: &str) -> String {
        match PriceTable::parse(text) {
            Ok(_) => panic!("parsed: {text}"),
            Err(e) => e.to_string(),
        }
    }

    const ONE: &str = r#"
        [[price]]
        provider = "openai"
        model = "gpt-4o"
        since = "2024-10-01"
        input = 2.50
        output = 10
    "#;

    #[test]
    fn dates() {
        assert_eq!(Date::parse("1970-01-01").map(Date::unix_ms), Some(0));
        assert_eq!(
            Date::parse("2024-10-01").map(Date::unix_ms),
            Some(1_727_740_800_000)
        );
        assert_eq!(
            Date::parse("2000-03-01").map(Date::unix_ms),
            Some(951_868_800_000)
        );
        assert!(Date::parse("2024-02-29").is_some());
        for bad in [
            "2025-02-29",
            "2024-13-01",
            "2024-00-10",
            "2024-1-01",
            "24-01-01",
            "2024/01/01",
            "",
        ] {
            assert_eq!(Date::parse(bad), None, "{bad}");
        }
        assert_eq!(
            Date::parse("2024-03-05").map(|d| d.to_string()).as_deref(),
            Some("2024-03-05")
        );
    }

    #[test]
    fn rates_are_exact_pico_per_token_with_defaults() {
        let t = table(ONE);
        let r = t.prices()[0].rates;
        assert_eq!(r.input, Money::from_pico(2_500_000));
        assert_eq!(r.output, Money::from_pico(10_000_000));
        assert_eq!(r.cache_read, r.input);
        assert_eq!(r.cache_write_5m, r.input);
        assert_eq!(r.cache_write_1h, r.input);
        assert_eq!(r.reasoning, r.output);
        let t = table(&format!(
            "{ONE}cache_write_5m = 3.75\nreasoning = 0.000001\n"
        ));
        let r = t.prices()[0].rates;
        assert_eq!(r.cache_write_1h, Money::from_pico(3_750_000));
        assert_eq!(r.reasoning, Money::from_pico(1));
        assert_eq!(
            table(&format!("{ONE}cache_read = 0.075\n")).prices()[0]
                .rates
                .cache_read,
            Money::from_pico(75_000)
        );
    }

    #[test]
    fn a_toml_date_is_accepted_for_since() {
        let t = table(&ONE.replace("\"2024-10-01\"", "2024-10-01"));
        assert_eq!(t.prices()[0].since.to_string(), "2024-10-01");
    }

    #[test]
    fn errors_name_the_entry_and_field() {
        let two = format!("{ONE}{}", ONE.replace("gpt-4o\"", "gpt-4o-mini\""));
        assert_eq!(
            err(&two.replacen("input = 2.50", "input = -2.50", 2)),
            "price[0] (openai/gpt-4o): input: must not be negative"
        );
        let second_bad = format!(
            "{ONE}{}",
            ONE.replace("gpt-4o\"", "gpt-4o-mini\"")
                .replace("output = 10", "output = -1")
        );
        assert_eq!(
            err(&second_bad),
            "price[1] (openai/gpt-4o-mini): output: must not be negative"
        );
        assert_eq!(
            err(&ONE.replace("input = 2.50", "")),
            "price[0] (openai/gpt-4o): missing field `input`"
        );
        assert_eq!(
            err(&ONE.replace("2024-10-01", "2024-13-01")),
            "price[0] (openai/gpt-4o): since: \"2024-13-01\" is not a date (YYYY-MM-DD)"
        );
        let unknown = err(&format!("{ONE}inputt = 1\n"));
        assert!(
            unknown.starts_with("price[0] (openai/gpt-4o): unknown field `inputt`"),
            "{unknown}"
        );
        assert_eq!(
            err(&ONE.replace("input = 2.50", "input = 2.5000001")),
            "price[0] (openai/gpt-4o): input: 2.5000001 has more than 6 decimals"
        );
        assert_eq!(
            err(&ONE.replace("input = 2.50", "input = nan")),
            "price[0] (openai/gpt-4o): input: must be a finite number"
        );
        assert_eq!(
            err(&ONE.replace("input = 2.50", "input = \"2.50\"")),
            "price[0] (openai/gpt-4o): input: expected a number (USD per million tokens), found \"2.50\""
        );
        assert_eq!(
            err(&ONE.replace("gpt-4o", "gpt-*4o")),
            "price[0] (openai/gpt-*4o): model: must be a model name, or a prefix ending in `*`"
        );
        assert_eq!(
            err(&format!("{ONE}{ONE}")),
            "price[1] (openai/gpt-4o): duplicate of price[0]: same provider, model and since"
        );
        let tier_bad = err(&format!(
            "{ONE}tiers = [{{ above_input_tokens = 200000, input = 5, output = 1, cache_read = -1 }}]\n"
        ));
        assert_eq!(
            tier_bad,
            "price[0] (openai/gpt-4o): tiers[0].cache_read: must not be negative"
        );
        let tier_unknown = err(&format!(
            "{ONE}tiers = [{{ above_input_tokens = 1, input = 5, output = 1, outptu = 2 }}]\n"
        ));
        assert!(
            tier_unknown.starts_with("price[0] (openai/gpt-4o): tiers[0]: unknown field `outptu`"),
            "{tier_unknown}"
        );
        let top = err("[[prices]]\nprovider = \"openai\"\n");
        assert!(
            top.starts_with("price table: line 1: unknown field `prices`"),
            "{top}"
        );
        let syntax = err("[[price]]\nprovider = \n");
        assert!(syntax.starts_with("price table: line 2:"), "{syntax}");
    }

    #[test]
    fn tiers_pick_the_highest_one_exceeded() {
        let t = table(&format!(
            "{ONE}tiers = [{{ above_input_tokens = 400000, input = 9, output = 9 }}, \
             {{ above_input_tokens = 200000, input = 5, output = 15 }}]\n"
        ));
        let p = &t.prices()[0];
        assert_eq!(p.rates_for(200_000).input, Money::from_pico(2_500_000));
        assert_eq!(p.rates_for(200_001).input, Money::from_pico(5_000_000));
        assert_eq!(p.rates_for(400_000).input, Money::from_pico(5_000_000));
        assert_eq!(p.rates_for(400_001).input, Money::from_pico(9_000_000));
        // The tier's absent cache price defaults to the tier's input price.
        assert_eq!(p.rates_for(200_001).cache_read, Money::from_pico(5_000_000));
    }

    #[test]
    fn exact_beats_prefix_and_longer_prefix_beats_shorter() {
        let t = table(
            r#"
            [[price]]
            provider = "p"
            model = "m*"
            since = "2020-01-01"
            input = 1
            output = 1
            [[price]]
            provider = "p"
            model = "m-large*"
            since = "2020-01-01"
            input = 2
            output = 2
            [[price]]
            provider = "p"
            model = "m-large-2"
            since = "2020-01-01"
            input = 3
            output = 3
            [[price]]
            provider = "p"
            model = "m-large-2"
            since = "2030-01-01"
            input = 4
            output = 4
            "#,
        );
        let at = |model: &str, day: &str| {
            let ms = Date::parse(day).map_or(0, Date::unix_ms);
            t.lookup("p", model, ms)
                .map(|p| p.rates.input.pico() / 1_000_000)
        };
        assert_eq!(at("m-small", "2025-01-01"), Some(1));
        assert_eq!(at("m-large-1", "2025-01-01"), Some(2));
        assert_eq!(at("m-large-2", "2025-01-01"), Some(3));
        assert_eq!(at("m-large-2", "2030-01-01"), Some(4));
        assert_eq!(at("x", "2025-01-01"), None);
        assert_eq!(at("m-small", "2019-12-31"), None);
        assert_eq!(t.lookup("q", "m-small", i64::MAX), None);
    }

    #[test]
    fn a_more_specific_entry_not_yet_in_force_falls_back_to_a_broader_one() {
        let t = table(
            r#"
            [[price]]
            provider = "p"
            model = "m*"
            since = "2020-01-01"
            input = 1
            output = 1
            [[price]]
            provider = "p"
            model = "m-2"
            since = "2025-01-01"
            input = 2
            output = 2
            "#,
        );
        let before = Date::parse("2024-12-31").map_or(0, Date::unix_ms);
        let after = Date::parse("2025-01-01").map_or(0, Date::unix_ms);
        assert_eq!(
            t.lookup("p", "m-2", before).map(|p| p.model.as_str()),
            Some("m*")
        );
        assert_eq!(
            t.lookup("p", "m-2", after).map(|p| p.model.as_str()),
            Some("m-2")
        );
    }

    #[test]
    fn overrides_replace_every_entry_of_the_same_provider_and_model() {
        let base = table(&format!(
            "{ONE}{}",
            ONE.replace("2024-10-01", "2025-01-01")
                .replace("output = 10", "output = 11")
        ));
        let user = table(
            &ONE.replace("2024-10-01", "2024-12-01")
                .replace("input = 2.50", "input = 1"),
        );
        let merged = base.with_overrides(user);
        assert_eq!(merged.len(), 1);
        let ms = Date::parse("2025-06-01").map_or(0, Date::unix_ms);
        let p = merged.lookup("openai", "gpt-4o", ms);
        assert_eq!(p.map(|p| p.rates.input), Some(Money::from_pico(1_000_000)));
        // Before the override's `since`, nothing: the built-in history is gone too.
        let early = Date::parse("2024-11-01").map_or(0, Date::unix_ms);
        assert_eq!(merged.lookup("openai", "gpt-4o", early), None);
    }
}
