-- The alert outbox (fundtrail_app::alerts::outbox). One file beside the
-- ledger; WAL, synchronous=FULL: an alert acknowledged here survives a crash.

-- Every alert ever raised, once (`id` is the alert's identity: roadmap,
-- kind, record and date). `baseline` rows were on the list when alerting
-- first started: known, never announced.
CREATE TABLE IF NOT EXISTS alerts (
    seq        INTEGER PRIMARY KEY AUTOINCREMENT,
    id         TEXT NOT NULL UNIQUE,
    roadmap_id TEXT NOT NULL,
    kind       TEXT NOT NULL,
    raised_at  TEXT NOT NULL,
    body       TEXT NOT NULL,
    baseline   INTEGER NOT NULL DEFAULT 0
);

-- One webhook delivery per alert raised while a webhook was set.
-- status: PENDING (next_attempt_at says when), DELIVERED, FAILED (gave up).
CREATE TABLE IF NOT EXISTS deliveries (
    alert_seq        INTEGER PRIMARY KEY REFERENCES alerts (seq),
    status           TEXT NOT NULL,
    attempts         INTEGER NOT NULL DEFAULT 0,
    next_attempt_at  TEXT NOT NULL,
    last_http_status INTEGER,
    last_error       TEXT,
    delivered_at     TEXT
);

CREATE INDEX IF NOT EXISTS deliveries_due ON deliveries (status, next_attempt_at);

CREATE TABLE IF NOT EXISTS outbox_meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
