INSERT INTO events (position, stream_id, version, event_id, event_type, schema_version, payload,
                    recorded_at, actor, command_id, correlation_id, causation_id, hash)
VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)
