-- The spend log: one row per answered request (written in batches, off the request's path),
-- and each key's budget. Portable SQL, like 0001.
CREATE TABLE IF NOT EXISTS aigw_spend (
    time_ms BIGINT NOT NULL,
    request_id TEXT NOT NULL,
    key_id TEXT,
    team TEXT,
    api TEXT NOT NULL,
    requested_model TEXT NOT NULL,
    provider TEXT,
    model TEXT,
    status BIGINT NOT NULL,
    latency_ms BIGINT NOT NULL,
    ttfb_ms BIGINT,
    usage_source TEXT NOT NULL,
    input_tokens BIGINT,
    output_tokens BIGINT,
    cache_read_tokens BIGINT,
    cache_write_tokens BIGINT,
    cache_write_1h_tokens BIGINT,
    reasoning_tokens BIGINT,
    audio_input_tokens BIGINT,
    audio_output_tokens BIGINT,
    image_input_tokens BIGINT,
    usage_raw TEXT,
    -- Pico-USD (1e-12): exact for prices with up to 6 decimals per million tokens. NULL:
    -- unknown (no price, or no usage reported) — never 0.
    cost_pico BIGINT,
    losses TEXT NOT NULL,
    loss_count BIGINT NOT NULL,
    fallbacks BIGINT NOT NULL
);
CREATE INDEX IF NOT EXISTS aigw_spend_time ON aigw_spend (time_ms);
CREATE INDEX IF NOT EXISTS aigw_spend_key_time ON aigw_spend (key_id, time_ms);

ALTER TABLE aigw_keys ADD COLUMN budget_usd TEXT;
ALTER TABLE aigw_keys ADD COLUMN budget_period TEXT;
ALTER TABLE aigw_keys ADD COLUMN budget_soft_usd TEXT;
