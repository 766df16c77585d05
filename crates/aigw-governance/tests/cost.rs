//! Costs from the built-in price table, each figure worked out by hand in the comment above
//! it (token count × USD per million tokens), not by the code under test.

use aigw_governance::cost::{Date, Money, PriceTable, Tokens};

/// Unix ms at 00:00 UTC of `day`.
fn at(day: &str) -> i64 {
    match Date::parse(day) {
        Some(d) => d.unix_ms(),
        None => panic!("not a date: {day}"),
    }
}

fn usd(text: &str) -> Money {
    match text.parse() {
        Ok(m) => m,
        Err(e) => panic!("{e}"),
    }
}

/// The cost of `tokens` of `provider`/`model` on `day`, which must be priced.
fn cost(provider: &str, model: &str, day: &str, tokens: Tokens) -> Money {
    let table = PriceTable::builtin();
    match table.cost(provider, model, at(day), &tokens) {
        Some(m) => m,
        None => panic!("{provider}/{model} has no price on {day}"),
    }
}

#[test]
fn the_builtin_table_parses_and_covers_the_three_native_providers() {
    let parsed = PriceTable::parse(aigw_governance::cost::PriceTable::builtin_text());
    let table = match parsed {
        Ok(t) => t,
        Err(e) => panic!("{e}"),
    };
    assert_eq!(table, PriceTable::builtin());
    for provider in ["openai", "anthropic", "gemini"] {
        let n = table
            .prices()
            .iter()
            .filter(|p| p.provider == provider)
            .count();
        assert!(n >= 5, "{provider}: {n} entries");
    }
    let known = [
        "openai",
        "anthropic",
        "gemini",
        "groq",
        "together",
        "fireworks",
        "mistral",
        "deepseek",
        "perplexity",
        "openrouter",
    ];
    for p in table.prices() {
        assert!(
            known.contains(&p.provider.as_str()),
            "{p}: unknown provider"
        );
        assert!(
            p.source.starts_with("http") || p.source.contains("https://"),
            "{p}: source"
        );
        assert!(p.source.contains("20"), "{p}: the source names no date");
        assert!(p.rates.input.pico() > 0, "{p}: free input");
        assert!(
            p.since.unix_ms() <= at("2026-12-06"),
            "{p}: since in the future"
        );
    }
}

#[test]
fn openai_cached_input_and_reasoning() {
    // gpt-4o from 2024-10-02: $2.50 input, $1.25 cached, $10 output.
    // 1,234 × 2.50 = $0.003085; 766 × 1.25 = $0.0009575; 321 × 10 = $0.00321
    // total $0.0072525 (shown rounded half up: 0.007253).
    let t = Tokens {
        input: 1_234,
        cache_read: 766,
        output: 321,
        prompt_total: 2_000,
        ..Tokens::default()
    };
    let c = cost("openai", "gpt-4o", "2024-11-01", t);
    assert_eq!(c, usd("0.0072525"));
    assert_eq!(c.to_string(), "0.007253");

    // gpt-5: $1.25 input, $0.125 cached, $10 output (reasoning at the output price).
    // 3,000 × 1.25 = $0.00375; 2,048 × 0.125 = $0.000256; (400 + 1,600) × 10 = $0.02
    // total $0.024006.
    let t = Tokens {
        input: 3_000,
        cache_read: 2_048,
        output: 400,
        reasoning: 1_600,
        prompt_total: 5_048,
        ..Tokens::default()
    };
    assert_eq!(cost("openai", "gpt-5", "2025-09-01", t), usd("0.024006"));
    assert_eq!(
        cost("openai", "gpt-5-2025-08-07", "2025-09-01", t),
        usd("0.024006")
    );

    // gpt-5.5 above 272K prompt tokens: $10 input, $1 cached, $45 output for the request.
    // 250,000 × 10 = $2.50; 30,000 × 1 = $0.03; 2,000 × 45 = $0.09 → $2.62.
    let long = Tokens {
        input: 250_000,
        cache_read: 30_000,
        output: 2_000,
        prompt_total: 280_000,
        ..Tokens::default()
    };
    assert_eq!(cost("openai", "gpt-5.5", "2026-11-01", long), usd("2.62"));
    // At 272,000 exactly: base prices. 242,000 × 5 = $1.21; 30,000 × 0.5 = $0.015;
    // 2,000 × 30 = $0.06 → $1.285.
    let edge = Tokens {
        input: 242_000,
        prompt_total: 272_000,
        ..long
    };
    assert_eq!(cost("openai", "gpt-5.5", "2026-11-01", edge), usd("1.285"));

    // Embeddings: 1,000,000 × $0.02 = $0.02.
    let emb = Tokens {
        input: 1_000_000,
        ..Tokens::default()
    };
    assert_eq!(
        cost("openai", "text-embedding-3-small", "2026-01-01", emb),
        usd("0.02")
    );
}

#[test]
fn a_price_change_applies_from_its_date() {
    // o3: $10 in / $40 out until 2025-06-09, $2 / $8 from 2025-06-10.
    // Before: 10,000 × 10 + 5,000 × 40 = $0.10 + $0.20 = $0.30.
    // After: 10,000 × 2 + 5,000 × 8 = $0.02 + $0.04 = $0.06.
    let t = Tokens {
        input: 10_000,
        output: 5_000,
        prompt_total: 10_000,
        ..Tokens::default()
    };
    let table = PriceTable::builtin();
    let before = table.cost("openai", "o3", at("2025-06-10") - 1, &t);
    let after = table.cost("openai", "o3", at("2025-06-10"), &t);
    assert_eq!(before, Some(usd("0.30")));
    assert_eq!(after, Some(usd("0.06")));
    // Before the model existed: unknown, not 0.
    assert_eq!(table.cost("openai", "o3", at("2025-04-15"), &t), None);

    // gpt-4o pointed at the $5 / $15 snapshot until 2024-10-01.
    // 1,234 × 5 = $0.00617; 321 × 15 = $0.004815 → $0.010985.
    let t = Tokens {
        input: 1_234,
        output: 321,
        ..Tokens::default()
    };
    assert_eq!(cost("openai", "gpt-4o", "2024-10-01", t), usd("0.010985"));

    // Claude Sonnet 5.5 cache hits: $0.20 until 2026-10-06, $0.10 from 2026-10-07.
    // 1,000,000 × 0.20 = $0.20; × 0.10 = $0.10.
    let t = Tokens {
        cache_read: 1_000_000,
        ..Tokens::default()
    };
    assert_eq!(
        cost("anthropic", "claude-sonnet-5-5", "2026-10-06", t),
        usd("0.20")
    );
    assert_eq!(
        cost("anthropic", "claude-sonnet-5-5", "2026-10-07", t),
        usd("0.10")
    );
}

#[test]
fn anthropic_cache_writes_and_reads() {
    // Claude Sonnet 4.5 (a dated ID, priced by the `claude-sonnet-4-5*` prefix):
    // $3 input, $3.75 5-minute writes, $6 1-hour writes, $0.30 reads, $15 output.
    // 1,500 × 3 = $0.0045; 10,000 × 3.75 = $0.0375; 20,000 × 6 = $0.12;
    // 50,000 × 0.30 = $0.015; 2,000 × 15 = $0.03 → $0.207.
    let t = Tokens {
        input: 1_500,
        cache_write_5m: 10_000,
        cache_write_1h: 20_000,
        cache_read: 50_000,
        output: 2_000,
        prompt_total: 81_500,
        ..Tokens::default()
    };
    assert_eq!(
        cost("anthropic", "claude-sonnet-4-5-20250929", "2025-10-01", t),
        usd("0.207")
    );

    // Above 200K prompt tokens (1M beta): $6 input, $0.60 reads, $22.50 output.
    // 150,000 × 6 = $0.90; 60,000 × 0.60 = $0.036; 1,000 × 22.50 = $0.0225 → $0.9585.
    // prompt_total left 0: the input categories (210,000) choose the tier.
    let long = Tokens {
        input: 150_000,
        cache_read: 60_000,
        output: 1_000,
        ..Tokens::default()
    };
    assert_eq!(
        cost("anthropic", "claude-sonnet-4-5", "2025-10-01", long),
        usd("0.9585")
    );

    // Claude Haiku 4.5: $1 input, $2 1-hour writes, $0.10 reads, $5 output.
    // 12,345 × 1 = $0.012345; 1,000 × 2 = $0.002; 7,000 × 0.10 = $0.0007;
    // 678 × 5 = $0.00339 → $0.018435.
    let t = Tokens {
        input: 12_345,
        cache_write_1h: 1_000,
        cache_read: 7_000,
        output: 678,
        ..Tokens::default()
    };
    assert_eq!(
        cost("anthropic", "claude-haiku-4-5", "2026-01-01", t),
        usd("0.018435")
    );

    // Claude Haiku 5.5, prompt over 100K tokens (input + cache): 5x for the whole request.
    // 90,000 × 0.50 = $0.045; 20,000 × 0.05 = $0.001; 1,000 × 2.50 = $0.0025 → $0.0485.
    let over = Tokens {
        input: 90_000,
        cache_read: 20_000,
        output: 1_000,
        ..Tokens::default()
    };
    assert_eq!(
        cost("anthropic", "claude-haiku-5-5", "2026-11-01", over),
        usd("0.0485")
    );
    // 95,000 prompt tokens: 90,000 × 0.10 = $0.009; 5,000 × 0.01 = $0.00005;
    // 1,000 × 0.50 = $0.0005 → $0.00955.
    let under = Tokens {
        cache_read: 5_000,
        ..over
    };
    assert_eq!(
        cost("anthropic", "claude-haiku-5-5", "2026-11-01", under),
        usd("0.00955")
    );
}

#[test]
fn gemini_2_5_pro_below_and_above_200k() {
    // From 2026-01-08: ≤200K: $1.25 input, $0.125 cached, $10 output (thinking included).
    // 100,000 × 1.25 = $0.125; 50,000 × 0.125 = $0.00625; (10,000 + 5,000) × 10 = $0.15
    // → $0.28125.
    let below = Tokens {
        input: 100_000,
        cache_read: 50_000,
        output: 10_000,
        reasoning: 5_000,
        prompt_total: 150_000,
        ..Tokens::default()
    };
    assert_eq!(
        cost("gemini", "gemini-2.5-pro", "2026-06-01", below),
        usd("0.28125")
    );
    // >200K: $2.50 input, $0.25 cached, $15 output.
    // 180,000 × 2.50 = $0.45; 70,000 × 0.25 = $0.0175; (2,000 + 3,000) × 15 = $0.075
    // → $0.5425.
    let above = Tokens {
        input: 180_000,
        cache_read: 70_000,
        output: 2_000,
        reasoning: 3_000,
        prompt_total: 250_000,
        ..Tokens::default()
    };
    assert_eq!(
        cost("gemini", "gemini-2.5-pro", "2026-06-01", above),
        usd("0.5425")
    );
    // Exactly 200,000 is not above: 150,000 × 1.25 = $0.1875; 50,000 × 0.125 = $0.00625;
    // 15,000 × 10 = $0.15 → $0.34375.
    let edge = Tokens {
        input: 150_000,
        prompt_total: 200_000,
        ..below
    };
    assert_eq!(
        cost("gemini", "gemini-2.5-pro", "2026-06-01", edge),
        usd("0.34375")
    );
    // Before 2026-01-08 cached input was $0.31: 100,000 × 1.25 = $0.125;
    // 50,000 × 0.31 = $0.0155; 15,000 × 10 = $0.15 → $0.2905.
    assert_eq!(
        cost("gemini", "gemini-2.5-pro", "2025-07-01", below),
        usd("0.2905")
    );
}

#[test]
fn presets() {
    // Groq Llama 3.3 70B: 2,000 × 0.59 = $0.00118; 500 × 0.79 = $0.000395 → $0.001575.
    let t = Tokens {
        input: 2_000,
        output: 500,
        ..Tokens::default()
    };
    assert_eq!(
        cost("groq", "llama-3.3-70b-versatile", "2026-01-01", t),
        usd("0.001575")
    );
    // Fireworks gpt-oss-120b: 10,000 × 0.15 = $0.0015; 90,000 × 0.015 = $0.00135;
    // 3,000 × 0.60 = $0.0018 → $0.00465.
    let t = Tokens {
        input: 10_000,
        cache_read: 90_000,
        output: 3_000,
        ..Tokens::default()
    };
    assert_eq!(
        cost(
            "fireworks",
            "accounts/fireworks/models/gpt-oss-120b",
            "2026-12-07",
            t
        ),
        usd("0.00465")
    );
    // OpenRouter passes OpenAI's gpt-4o-mini price through:
    // 1,000,000 × 0.15 = $0.15; 1,000,000 × 0.60 = $0.60 → $0.75.
    let t = Tokens {
        input: 1_000_000,
        output: 1_000_000,
        ..Tokens::default()
    };
    assert_eq!(
        cost("openrouter", "openai/gpt-4o-mini", "2026-01-01", t),
        usd("0.75")
    );
}

#[test]
fn unpriced_is_unknown_not_free() {
    let table = PriceTable::builtin();
    let now = at("2026-12-06");
    let t = Tokens {
        input: 1,
        ..Tokens::default()
    };
    assert_eq!(table.cost("openai", "gpt-4o-mini-realtime", now, &t), None);
    assert_eq!(table.cost("vllm", "llama-3.3-70b", now, &t), None);
    assert_eq!(table.cost("deepseek", "deepseek-chat", now, &t), None);
    // A provider's price does not leak to another provider.
    assert_eq!(table.cost("groq", "gpt-4o", now, &t), None);
}

#[test]
fn configured_prices_override_builtin_ones() {
    let user = match PriceTable::parse(
        r#"
        [[price]]
        provider = "openai"
        model = "gpt-4o"
        since = "2020-01-01"
        input = 1
        output = 2

        [[price]]
        provider = "vllm"
        model = "*"
        since = "2020-01-01"
        input = 0.01
        output = 0.02
        "#,
    ) {
        Ok(t) => t,
        Err(e) => panic!("{e}"),
    };
    let table = PriceTable::builtin().with_overrides(user);
    let t = Tokens {
        input: 1_000_000,
        output: 1_000_000,
        ..Tokens::default()
    };
    // 1,000,000 × 1 + 1,000,000 × 2 = $3 (instead of the built-in $12.50).
    assert_eq!(
        table.cost("openai", "gpt-4o", at("2026-01-01"), &t),
        Some(usd("3"))
    );
    // Other models keep the built-in price: $0.15 + $0.60.
    assert_eq!(
        table.cost("openai", "gpt-4o-mini", at("2026-01-01"), &t),
        Some(usd("0.75"))
    );
    // A self-hosted provider priced by the configuration: $0.01 + $0.02.
    assert_eq!(
        table.cost("vllm", "any-model", at("2026-01-01"), &t),
        Some(usd("0.03"))
    );
}
