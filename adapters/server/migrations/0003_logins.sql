-- Login tokens the replicas share (shared logins, on PostgreSQL): one row per org, with the
-- token sealed like a config (the platform key, associated data "<org>#login") and the claim of
-- the replica logging in for the org now, so N replicas log in once per token lifetime.
CREATE TABLE logins (
    org_id TEXT PRIMARY KEY,
    -- The config version the token was obtained with; a token of another version is never used.
    config_version BIGINT NOT NULL,
    -- The sealed token and its lifetime, NULL while a first login is only claimed.
    envelope TEXT,
    key_id TEXT,
    -- Until when the token may be adopted (its refresh point, ms since the epoch).
    refresh_at_ms BIGINT NOT NULL DEFAULT 0,
    -- The replica logging in now, and when its claim lapses (a replica that died mid-login
    -- holds nobody up for longer).
    claimed_by TEXT,
    claim_until_ms BIGINT NOT NULL DEFAULT 0
);
