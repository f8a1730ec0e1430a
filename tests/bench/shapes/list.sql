-- pgbench script for tests/bench/run: the 20-claim list page (shapes/list.graphql) as ONE
-- hand-written SQL statement building the same JSON, for the page after a random generated claim.
-- Run with `-D n=<claims>`. The list is claimgraph's default order, oldest first (created_at, then
-- id); the GraphQL query pages with the `after` cursor of claim gen-k, which holds that claim's
-- created_at and id, and this statement finds the same two values from the slug gen-k. k stays at or
-- below N - 20, so every page is full. IDs and cursors are encoded as claimgraph encodes them
-- (URL-safe base64 without padding: `Claim:id`, and `claim:created_at:id:<RFC 3339, nanoseconds>`).
-- A colon never starts a word inside a string here ('claim:' || 'created_at:'): pgbench takes
-- `:word` for a variable wherever it stands.
\set k random(1, :n - 20)
WITH page AS (
  -- `c.created_at >= a.created_at` adds nothing to the row comparison but lets the index on
  -- created_at start the scan at the cursor instead of at the oldest claim.
  SELECT p.*
  FROM (SELECT created_at, id FROM claim
        WHERE slug = 'gen-' || lpad(:k::text, greatest(6, length(:k::text)), '0')) AS a
  CROSS JOIN LATERAL (
    SELECT c.id, c.slug, c.statement, c.created_at
    FROM claim c
    WHERE c.created_at >= a.created_at AND (c.created_at, c.id) > (a.created_at, a.id)
    ORDER BY c.created_at, c.id
    LIMIT 21
  ) AS p
), shown AS (
  SELECT * FROM page ORDER BY created_at, id LIMIT 20
)
SELECT json_build_object('data', json_build_object('claims', json_build_object(
  'edges', coalesce((
    SELECT json_agg(json_build_object('node', json_build_object(
      'id', translate(encode(convert_to('Claim:' || p.id, 'UTF8'), 'base64'), E'+/=\n', '-_'),
      'slug', p.slug,
      'statement', p.statement,
      'evidenceCounts', (
        SELECT json_build_object('supporting', count(*) FILTER (WHERE e.stance = 'SUPPORTING'),
                                 'contradicting', count(*) FILTER (WHERE e.stance = 'CONTRADICTING'))
        FROM evidence e WHERE e.claim_id = p.id),
      'mechanisms', (
        SELECT coalesce(json_agg(json_build_object('rank', m.rank, 'support', m.support,
                                                   'label', m.label, 'summary', m.summary)
                                 ORDER BY m.rank), '[]')
        FROM mechanism m WHERE m.claim_id = p.id)
    )) ORDER BY p.created_at, p.id)
    FROM shown p), '[]'),
  'pageInfo', json_build_object(
    'endCursor', (
      SELECT translate(encode(convert_to('claim:' || 'created_at:' || p.id || ':'
               || to_char(p.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24' || ':' || 'MI' || ':' || 'SS.US') || '000Z',
               'UTF8'), 'base64'), E'+/=\n', '-_')
      FROM shown p ORDER BY p.created_at DESC, p.id DESC LIMIT 1),
    'hasNextPage', (SELECT count(*) > 20 FROM page))
)));
