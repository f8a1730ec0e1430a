-- pgbench script for tests/bench/run: the DOI walk (shapes/doi_walk.graphql) as ONE hand-written SQL
-- statement building the same JSON, for a random generated DOI: the DOI, the study it identifies, and
-- the first 20 mechanism steps that cite it (by step id, as claimgraph pages them), each with its
-- mechanism and that mechanism's claim. Run with `-D dois=<DOIs>`: generated DOIs are 10.5555/cg.1 ..
-- 10.5555/cg.<2 N>, one per pool study; about a third of them are cited by no step (an empty page).
-- The cursor is claimgraph's (URL-safe base64 of `id:<step id>`, no padding).
\set k random(1, :dois)
SELECT json_build_object('data', json_build_object('doi', json_build_object(
  'value', d.value,
  'study', (SELECT json_build_object('title', s.title, 'year', s.year, 'design', s.design)
            FROM study s WHERE s.doi_id = d.id),
  'citedBy', json_build_object(
    'edges', coalesce(json_agg(json_build_object('node', json_build_object(
      'position', st.position,
      'text', st.text,
      'mechanism', json_build_object('rank', m.rank, 'label', m.label,
                                     'claim', json_build_object('slug', c.slug, 'statement', c.statement))
    )) ORDER BY st.id) FILTER (WHERE st.id IS NOT NULL), '[]'),
    'pageInfo', json_build_object(
      'endCursor', translate(encode(convert_to('id:' || max(st.id), 'UTF8'), 'base64'), E'+/=\n', '-_'),
      'hasNextPage', coalesce(bool_or(st.more), false))
  )
)))
FROM doi d
LEFT JOIN LATERAL (
  SELECT ms.id, ms.position, ms.text, ms.mechanism_id, count(*) OVER () > 20 AS more
  FROM (SELECT ms.* FROM citation ci JOIN mechanism_step ms ON ms.id = ci.mechanism_step_id
        WHERE ci.doi_id = d.id ORDER BY ms.id LIMIT 21) ms
  ORDER BY ms.id LIMIT 20
) st ON true
LEFT JOIN mechanism m ON m.id = st.mechanism_id
LEFT JOIN claim c ON c.id = m.claim_id
WHERE d.value = '10.5555/cg.' || :k
GROUP BY d.id, d.value;
