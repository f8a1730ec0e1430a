-- pgbench script for tests/bench/run: the whole ClaimPage as ONE hand-written SQL statement, built
-- as JSON by PostgreSQL itself (json_build_object / json_agg), for a random generated claim.
-- Run with `-D n=<claims>`. It returns what the GraphQL page returns except `evidenceNeeds`, which
-- claimgraph computes in Rust from the claim's PICO and the designs and titles of its evidence
-- studies (all of which are in the `evidence` part below): the database work is the same.
-- IDs and cursors are encoded as claimgraph encodes them (URL-safe base64 of `Type:id`, no padding).
\set id random(1, :n)
SELECT json_build_object('data', json_build_object('claim', json_build_object(
  'id', translate(rtrim(encode(convert_to('Claim:' || c.id, 'UTF8'), 'base64'), '='), '+/', '-_'),
  'slug', c.slug,
  'statement', c.statement,
  'population', c.population,
  'intervention', c.intervention,
  'comparator', c.comparator,
  'outcome', c.outcome,
  'synthesis', json_build_object('text', c.synthesis, 'studyCount', syn.study_count, 'studies', syn.studies),
  'mechanisms', mech.list,
  'evidenceCounts', json_build_object('supporting', ev.supporting, 'contradicting', ev.contradicting,
                                      'total', ev.total),
  'evidence', json_build_object('totalCount', ev.total, 'edges', ev.edges)
)))
FROM claim c
CROSS JOIN LATERAL (
  SELECT count(*) AS study_count,
         coalesce(json_agg(json_build_object('title', s.title) ORDER BY s.id), '[]') AS studies
  FROM study s
  WHERE s.id IN (SELECT s2.id
                 FROM mechanism m
                 JOIN mechanism_step ms ON ms.mechanism_id = m.id
                 JOIN citation ci ON ci.mechanism_step_id = ms.id
                 JOIN study s2 ON s2.doi_id = ci.doi_id
                 WHERE m.claim_id = c.id)
) syn
CROSS JOIN LATERAL (
  SELECT coalesce(json_agg(json_build_object(
    'id', translate(rtrim(encode(convert_to('Mechanism:' || m.id, 'UTF8'), 'base64'), '='), '+/', '-_'),
    'rank', m.rank,
    'support', m.support,
    'summary', m.summary,
    'steps', (
      SELECT coalesce(json_agg(json_build_object(
        'id', translate(rtrim(encode(convert_to('MechanismStep:' || ms.id, 'UTF8'), 'base64'), '='), '+/', '-_'),
        'position', ms.position,
        'text', ms.text,
        'citations', (
          SELECT coalesce(json_agg(json_build_object(
            'value', d.value,
            'url', 'https://doi.org/' || d.value,
            'study', CASE WHEN s.id IS NULL THEN NULL ELSE json_build_object('title', s.title) END
          ) ORDER BY ci.position), '[]')
          FROM citation ci
          JOIN doi d ON d.id = ci.doi_id
          LEFT JOIN study s ON s.doi_id = d.id
          WHERE ci.mechanism_step_id = ms.id)
      ) ORDER BY ms.position), '[]')
      FROM mechanism_step ms
      WHERE ms.mechanism_id = m.id)
  ) ORDER BY m.rank), '[]') AS list
  FROM mechanism m
  WHERE m.claim_id = c.id
) mech
CROSS JOIN LATERAL (
  SELECT count(*) FILTER (WHERE e.stance = 'SUPPORTING') AS supporting,
         count(*) FILTER (WHERE e.stance = 'CONTRADICTING') AS contradicting,
         count(*) AS total,
         coalesce(json_agg(json_build_object(
           'cursor', translate(rtrim(encode(convert_to('id:' || e.id, 'UTF8'), 'base64'), '='), '+/', '-_'),
           'node', json_build_object(
             'stance', e.stance,
             'study', json_build_object(
               'title', s.title, 'year', s.year, 'design', s.design,
               'doi', CASE WHEN d.id IS NULL THEN NULL ELSE json_build_object('value', d.value) END))
         ) ORDER BY e.id) FILTER (WHERE e.row_number <= 20), '[]') AS edges
  FROM (SELECT evidence.*, row_number() OVER (ORDER BY evidence.id) AS row_number
        FROM evidence WHERE evidence.claim_id = c.id) e
  JOIN study s ON s.id = e.study_id
  LEFT JOIN doi d ON d.id = s.doi_id
) ev
WHERE c.slug = 'gen-' || lpad(:id::text, greatest(6, length(:id::text)), '0');
