-- pgbench script for tests/bench/run --search: the search shape (shapes/search.graphql) as ONE SQL
-- statement building the same JSON (less each result's highlights, which the server marks in Rust),
-- for query k of search_queries.txt. Its core is the server's own statement, as
-- api/src/store/search.rs writes it for a first page of ten (the same to_tsquery, ts_rank_cd
-- weights and normalisation, the first 10,000 matches ranked (MAX_RANKED), order and LIMIT 11: a
-- row past the page says whether more follow);
-- around it, each hit's node, the claim it links to, its cursor (URL-safe base64, no padding, of
-- `search:<score as f64 bits, 16 hex digits>:<kind>:<node id>`) and the page info.
-- A template: `search_reads sql shapes/search.sql shapes/search_queries.txt` renders @count@ and
-- @tsqueries@ (each query's tsquery text as Query::tsquery() writes it, colons as \x3a because
-- pgbench reads `:name` in string literals too), and the run measures what it prints.
\set k random(1, @count@)
SELECT json_build_object('data', json_build_object('search', json_build_object(
  'edges', coalesce(json_agg(json_build_object(
    'cursor', h.cursor,
    'node', json_build_object(
      'type', CASE h.kind WHEN 1 THEN 'CLAIM' WHEN 2 THEN 'MECHANISM' WHEN 3 THEN 'STEP' ELSE 'STUDY' END,
      'score', h.score,
      'node', CASE h.kind
        WHEN 1 THEN (SELECT json_build_object('__typename', 'Claim', 'slug', c.slug, 'statement', c.statement)
                     FROM claim c WHERE c.id = h.node_id)
        WHEN 2 THEN (SELECT json_build_object('__typename', 'Mechanism', 'label', m.label, 'summary', m.summary)
                     FROM mechanism m WHERE m.id = h.node_id)
        WHEN 3 THEN (SELECT json_build_object('__typename', 'MechanismStep', 'position', s.position, 'text', s.text)
                     FROM mechanism_step s WHERE s.id = h.node_id)
        ELSE (SELECT json_build_object('__typename', 'Study', 'title', t.title, 'year', t.year)
              FROM study t WHERE t.id = h.node_id)
      END,
      'claim', (SELECT json_build_object('slug', c.slug) FROM claim c WHERE c.id = h.claim_id)
    )) ORDER BY h.n) FILTER (WHERE h.n <= 10), '[]'),
  'pageInfo', json_build_object(
    'hasNextPage', count(*) > 10,
    'endCursor', (array_agg(h.cursor ORDER BY h.n DESC) FILTER (WHERE h.n <= 10))[1])
)))
FROM (
  SELECT hits.*, row_number() OVER (ORDER BY score DESC, kind, node_id) AS n,
         translate(encode(convert_to('search:' || encode(float8send(score), 'hex') || ':' || kind || ':' || node_id,
                                     'UTF8'), 'base64'), E'+/=\n', '-_') AS cursor
  FROM (
    SELECT kind, node_id, claim_id, score FROM (
      SELECT c.kind::int4 AS kind, c.node_id, c.claim_id,
             ts_rank_cd('{0.1, 0.2, 0.4, 1.0}'::float4[], c.document, q, 1)::float8 AS score
      FROM to_tsquery('english'::regconfig, (@tsqueries@)[:k]) AS q, LATERAL
        (SELECT kind, node_id, claim_id, document FROM search_entry
         WHERE document @@ q LIMIT 10000) AS c
    ) hits ORDER BY score DESC, kind, node_id LIMIT 11
  ) hits
) h;
