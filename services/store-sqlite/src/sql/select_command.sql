SELECT command_id, fingerprint, stream_id, first_position, last_position, recorded_at
FROM commands WHERE command_id = ?1
