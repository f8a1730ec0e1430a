-- A history for every generated claim, written by tests/bench/run into the PostgreSQL database after
-- `claimgraph generate` (which writes no events) and copied from there into the SQLite file, so that
-- both hold the same rows with the same ids.
--
-- Each claim gets the events its curation would have left, in this order, one second apart from the
-- claim's own creation time (generated claims are a minute apart): `claim.created` (with an empty
-- synthesis), `mechanism.added` for each mechanism by rank, each followed by `step.added` for its
-- steps by position, `evidence.added` for each evidence row, and a `claim.updated` that writes the
-- synthesis: 1 + 3 + 15 + (1 to 8) + 1 = 21 to 28 events, so the first page of 20 is always full and
-- has a next page. Each event's `before` and `after` hold the fields the write path records for that
-- action. The actors are three moderators, `curator-1` .. `curator-3`, one per claim in turn; no
-- event comes from a contribution.
BEGIN;

INSERT INTO "user" (id, name, role, created_at)
SELECT n, 'curator-' || n, 'MODERATOR', timestamptz '2026-01-01 00:00:00+00'
FROM generate_series(1, 3) AS n;

INSERT INTO event (id, actor_id, action, subject_type, subject_id, claim_id, contribution_id, before, after, created_at)
SELECT row_number() OVER (ORDER BY x.claim_id, x.part, x.k1, x.k2),
       1 + x.claim_id % 3,
       x.action, x.subject_type, x.subject_id, x.claim_id, NULL, x.before, x.after,
       c.created_at + make_interval(secs => row_number() OVER (PARTITION BY x.claim_id ORDER BY x.part, x.k1, x.k2) - 1)
FROM (
  SELECT c.id AS claim_id, 0 AS part, 0 AS k1, 0 AS k2, 'claim.created' AS action, 'Claim' AS subject_type,
         c.id AS subject_id, NULL AS before,
         json_build_object('slug', c.slug, 'statement', c.statement, 'population', c.population,
                           'intervention', c.intervention, 'comparator', c.comparator, 'outcome', c.outcome,
                           'effectDirection', c.effect_direction, 'synthesis', '')::text AS after
  FROM claim c
  UNION ALL
  SELECT m.claim_id, 1, m.rank, 0, 'mechanism.added', 'Mechanism', m.id, NULL,
         json_build_object('rank', m.rank, 'support', m.support, 'label', m.label, 'summary', m.summary)::text
  FROM mechanism m
  UNION ALL
  SELECT m.claim_id, 1, m.rank, ms.position, 'step.added', 'MechanismStep', ms.id, NULL,
         json_build_object('position', ms.position, 'text', ms.text, 'citations', (
           SELECT coalesce(json_agg(d.value ORDER BY ci.position), '[]')
           FROM citation ci JOIN doi d ON d.id = ci.doi_id
           WHERE ci.mechanism_step_id = ms.id))::text
  FROM mechanism_step ms JOIN mechanism m ON m.id = ms.mechanism_id
  UNION ALL
  SELECT e.claim_id, 2, e.id, 0, 'evidence.added', 'Evidence', e.id, NULL,
         json_build_object('doi', coalesce(d.value, ''), 'stance', e.stance, 'note', e.note)::text
  FROM evidence e JOIN study s ON s.id = e.study_id LEFT JOIN doi d ON d.id = s.doi_id
  UNION ALL
  SELECT c.id, 3, 0, 0, 'claim.updated', 'Claim', c.id,
         json_build_object('synthesis', '')::text, json_build_object('synthesis', c.synthesis)::text
  FROM claim c
) x
JOIN claim c ON c.id = x.claim_id;

SELECT setval(pg_get_serial_sequence('"user"', 'id'), (SELECT max(id) FROM "user"));
SELECT setval(pg_get_serial_sequence('event', 'id'), (SELECT max(id) FROM event));

COMMIT;
