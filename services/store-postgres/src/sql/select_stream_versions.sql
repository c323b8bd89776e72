-- The current version of each of the streams $1 that has events.
SELECT stream_id, max(version) FROM events WHERE stream_id = ANY($1) GROUP BY stream_id
