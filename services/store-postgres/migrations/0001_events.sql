-- fundtrail PostgreSQL store, schema version 1 (tables live in the schema named by the store options).
CREATE TABLE events (
    position       BIGINT  PRIMARY KEY,
    stream_id      TEXT    NOT NULL,
    version        BIGINT  NOT NULL,
    event_id       UUID    NOT NULL UNIQUE,
    event_type     TEXT    NOT NULL,
    schema_version INTEGER NOT NULL,
    payload        TEXT    NOT NULL, -- kept byte for byte: the hash covers it
    recorded_at    BIGINT  NOT NULL, -- microseconds since the Unix epoch
    actor          TEXT    NOT NULL,
    command_id     TEXT,
    correlation_id UUID,
    causation_id   UUID,
    hash           BYTEA   NOT NULL,
    UNIQUE (stream_id, version)
);

CREATE TABLE commands (
    command_id     TEXT    PRIMARY KEY,
    fingerprint    TEXT    NOT NULL,
    stream_id      TEXT    NOT NULL,
    first_position BIGINT  NOT NULL,
    last_position  BIGINT  NOT NULL,
    recorded_at    BIGINT  NOT NULL
);

-- The end of the log. Every append moves it with a compare-and-set in the same
-- statement that inserts the events: appends are serialised on this one row,
-- so positions have no gaps and become visible in position order.
CREATE TABLE ledger_head (
    singleton   BOOLEAN PRIMARY KEY DEFAULT TRUE CHECK (singleton),
    position    BIGINT  NOT NULL,
    hash        BYTEA   NOT NULL,
    recorded_at BIGINT  NOT NULL
);
INSERT INTO ledger_head (singleton, position, hash, recorded_at)
VALUES (TRUE, 0, decode(repeat('00', 32), 'hex'), 0);
