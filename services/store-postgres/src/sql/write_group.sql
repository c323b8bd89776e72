-- One statement, one transaction: move the head from $4 (compare-and-set),
-- insert the group's events and commands, notify subscribers. When the head
-- has moved since the facts were read (another process appended), nothing is
-- written and no row is returned.
WITH head AS (
    UPDATE ledger_head SET position = $1, hash = $2, recorded_at = $3
    WHERE singleton AND position = $4
    RETURNING position
), new_events AS (
    INSERT INTO events (position, stream_id, version, event_id, event_type, schema_version, payload,
                        recorded_at, actor, command_id, correlation_id, causation_id, hash)
    SELECT * FROM UNNEST($5::bigint[], $6::text[], $7::bigint[], $8::uuid[], $9::text[], $10::integer[],
                         $11::text[], $12::bigint[], $13::text[], $14::text[], $15::uuid[], $16::uuid[],
                         $17::bytea[])
    WHERE EXISTS (SELECT 1 FROM head)
), new_commands AS (
    INSERT INTO commands (command_id, fingerprint, stream_id, first_position, last_position, recorded_at)
    SELECT * FROM UNNEST($18::text[], $19::text[], $20::text[], $21::bigint[], $22::bigint[], $23::bigint[])
    WHERE EXISTS (SELECT 1 FROM head)
)
SELECT position, pg_notify($24, position::text) FROM head
