-- fundtrail embedded store, schema version 1.
-- position is the rowid: appends write the table in key order, never at random.
CREATE TABLE IF NOT EXISTS events (
    position       INTEGER PRIMARY KEY,
    stream_id      TEXT    NOT NULL,
    version        INTEGER NOT NULL,
    event_id       BLOB    NOT NULL,
    event_type     TEXT    NOT NULL,
    schema_version INTEGER NOT NULL,
    payload        TEXT    NOT NULL,
    recorded_at    INTEGER NOT NULL, -- microseconds since the Unix epoch
    actor          TEXT    NOT NULL,
    command_id     TEXT,
    correlation_id BLOB,
    causation_id   BLOB,
    hash           BLOB    NOT NULL
);
CREATE UNIQUE INDEX IF NOT EXISTS events_stream_version ON events (stream_id, version);
-- event ids are UUIDv7 (time-ordered) when fundtrail makes them: this index grows at its end.
CREATE UNIQUE INDEX IF NOT EXISTS events_event_id ON events (event_id);

CREATE TABLE IF NOT EXISTS commands (
    command_id     TEXT    PRIMARY KEY,
    fingerprint    TEXT    NOT NULL,
    stream_id      TEXT    NOT NULL,
    first_position INTEGER NOT NULL,
    last_position  INTEGER NOT NULL,
    recorded_at    INTEGER NOT NULL
) WITHOUT ROWID;

PRAGMA user_version = 1;
