-- Everything a group of appends depends on, in one round trip:
-- $1 stream ids, $2 event ids, $3 command ids.
SELECT json_build_object(
    'head', (SELECT json_build_object('position', position, 'hash', encode(hash, 'hex'), 'recordedAt', recorded_at)
             FROM ledger_head),
    'streams', COALESCE((SELECT json_agg(json_build_object('streamId', stream_id, 'version', version))
                         FROM (SELECT stream_id, max(version) AS version FROM events
                               WHERE stream_id = ANY($1) GROUP BY stream_id) s), '[]'::json),
    'events', COALESCE((SELECT json_agg(json_build_object('eventId', event_id, 'streamId', stream_id, 'version', version,
                                                          'position', position, 'recordedAt', recorded_at))
                        FROM events WHERE event_id = ANY($2)), '[]'::json),
    'commands', COALESCE((SELECT json_agg(json_build_object('commandId', command_id, 'fingerprint', fingerprint,
                                                            'streamId', stream_id, 'firstPosition', first_position,
                                                            'lastPosition', last_position, 'recordedAt', recorded_at))
                          FROM commands WHERE command_id = ANY($3)), '[]'::json)
)::text
