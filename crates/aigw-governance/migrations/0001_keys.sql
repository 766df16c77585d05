-- Virtual keys. Portable SQL: the same text runs on SQLite and PostgreSQL (sqlx's Any
-- driver). Times are Unix milliseconds; lists are JSON text; the secret is only its SHA-256.
CREATE TABLE IF NOT EXISTS aigw_keys (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    secret_hash TEXT NOT NULL UNIQUE,
    secret_hint TEXT NOT NULL,
    models TEXT NOT NULL,
    rpm BIGINT,
    tpm BIGINT,
    max_concurrency BIGINT,
    expires_at BIGINT,
    team TEXT,
    owner TEXT,
    tags TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    revoked_at BIGINT,
    -- From aigw_meta.keys_version, taken in the writing transaction: replicas read the rows
    -- changed since the last version they saw.
    version BIGINT NOT NULL
);
CREATE INDEX IF NOT EXISTS aigw_keys_version ON aigw_keys (version);

CREATE TABLE IF NOT EXISTS aigw_meta (
    name TEXT PRIMARY KEY,
    value BIGINT NOT NULL
);
INSERT INTO aigw_meta (name, value) VALUES ('keys_version', 0) ON CONFLICT (name) DO NOTHING;
