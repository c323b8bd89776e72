SELECT position, stream_id, version, event_id, event_type, schema_version, payload,
       recorded_at, actor, command_id, correlation_id, causation_id, hash
FROM events WHERE stream_id = $1 AND version <= $2 ORDER BY version DESC LIMIT $3
