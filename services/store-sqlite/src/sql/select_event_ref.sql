SELECT stream_id, version, position, recorded_at FROM events WHERE event_id = ?1
