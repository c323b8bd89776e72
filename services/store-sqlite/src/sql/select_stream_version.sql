SELECT version FROM events WHERE stream_id = ?1 ORDER BY version DESC LIMIT 1
