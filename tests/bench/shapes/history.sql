-- pgbench script for tests/bench/run: a claim's history page (shapes/history.graphql) as ONE
-- hand-written SQL statement building the same JSON, for a random generated claim: its first 20
-- events in id order, each with its actor's name, with the rule claimgraph applies for an anonymous
-- caller (events of a contribution only once it is accepted). Run with `-D n=<claims>`; the events
-- are those shapes/history_events.sql writes. `before` and `after` are stored as JSON text and
-- returned as JSON; IDs and the cursor are encoded as claimgraph encodes them (URL-safe base64
-- without padding of `Event:id`, `<subject type>:id`, `id:<event id>`).
-- A colon never starts a word inside a string here ('HH24' || ':' || 'MI'): pgbench takes `:word`
-- for a variable wherever it stands.
\set k random(1, :n)
SELECT json_build_object('data', json_build_object('claim', json_build_object(
  'slug', c.slug,
  'history', json_build_object(
    'edges', coalesce(json_agg(json_build_object('node', json_build_object(
      'id', translate(encode(convert_to('Event:' || ev.id, 'UTF8'), 'base64'), E'+/=\n', '-_'),
      'action', ev.action,
      'subjectId', translate(encode(convert_to(ev.subject_type || ':' || ev.subject_id, 'UTF8'), 'base64'),
                             E'+/=\n', '-_'),
      'actor', CASE WHEN u.id IS NULL THEN NULL ELSE json_build_object('name', u.name) END,
      'before', ev.before::json,
      'after', ev.after::json,
      'createdAt', to_char(ev.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24' || ':' || 'MI' || ':' || 'SS') || '+00:00'
    )) ORDER BY ev.id) FILTER (WHERE ev.id IS NOT NULL), '[]'),
    'pageInfo', json_build_object(
      'endCursor', translate(encode(convert_to('id:' || max(ev.id), 'UTF8'), 'base64'), E'+/=\n', '-_'),
      'hasNextPage', coalesce(bool_or(ev.more), false))
  )
)))
FROM claim c
LEFT JOIN LATERAL (
  SELECT e.*, count(*) OVER () > 20 AS more
  FROM (SELECT * FROM event e
        WHERE e.claim_id = c.id
          AND ((e.contribution_id IS NULL AND e.subject_type <> 'Contribution')
               OR e.contribution_id IN (SELECT id FROM contribution WHERE status = 'ACCEPTED')
               OR (e.subject_type = 'Contribution'
                   AND e.subject_id IN (SELECT id FROM contribution WHERE status = 'ACCEPTED')))
        ORDER BY e.id LIMIT 21) e
  ORDER BY e.id LIMIT 20
) ev ON true
LEFT JOIN "user" u ON u.id = ev.actor_id
WHERE c.slug = 'gen-' || lpad(:k::text, greatest(6, length(:k::text)), '0')
GROUP BY c.id, c.slug;
