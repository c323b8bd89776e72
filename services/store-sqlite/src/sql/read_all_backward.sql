SELECT position, stream_id, version, event_id, event_type, schema_version, payload,
       recorded_at, actor, command_id, correlation_id, causation_id, hash
FROM events WHERE position <= ?1 ORDER BY position DESC LIMIT ?2
