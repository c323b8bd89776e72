SELECT COALESCE(max(version), 0) FROM events WHERE stream_id = $1
