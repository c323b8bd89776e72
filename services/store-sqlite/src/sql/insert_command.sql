INSERT INTO commands (command_id, fingerprint, stream_id, first_position, last_position, recorded_at)
VALUES (?1, ?2, ?3, ?4, ?5, ?6)
