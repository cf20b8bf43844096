-- vaultcred-server schema, version 1 (SQLite). Times are milliseconds since the Unix epoch.

-- One Vault config per org, sealed (AES-256-GCM, the org id as associated data). `key_id` names
-- the platform key that sealed it, so a rekey can run while the service serves.
CREATE TABLE credentials (
    org_id        TEXT    PRIMARY KEY,
    provider_type TEXT    NOT NULL CHECK (provider_type = 'vault'),
    envelope      TEXT    NOT NULL,
    key_id        TEXT    NOT NULL,
    version       BIGINT  NOT NULL,
    created_at    BIGINT  NOT NULL,
    updated_at    BIGINT  NOT NULL,
    updated_by    TEXT    NOT NULL
);

-- API keys: only a SHA-256 of each key is stored; `id` is the key's public part.
CREATE TABLE api_keys (
    id         TEXT    PRIMARY KEY,
    org_id     TEXT    NOT NULL,
    scope      TEXT    NOT NULL CHECK (scope IN ('admin', 'dispatch')),
    name       TEXT    NOT NULL,
    hash       TEXT    NOT NULL,
    created_at BIGINT  NOT NULL,
    revoked_at BIGINT
);
CREATE INDEX api_keys_org ON api_keys (org_id);

-- Config changes: who (an API key id), when, what (field names; secrets only as "changed").
CREATE TABLE audit (
    id      INTEGER PRIMARY KEY AUTOINCREMENT,
    org_id  TEXT    NOT NULL,
    at      BIGINT  NOT NULL,
    actor   TEXT    NOT NULL,
    action  TEXT    NOT NULL,
    version BIGINT,
    changes TEXT    NOT NULL
);
CREATE INDEX audit_org ON audit (org_id, id);
