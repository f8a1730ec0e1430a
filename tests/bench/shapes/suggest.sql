-- pgbench script for tests/bench/run --search: the suggest shape (shapes/suggest.graphql) as ONE SQL
-- statement building the same JSON (less each suggestion's highlight, which the server marks in
-- Rust), for prefix k of suggest_prefixes.txt. It runs the server's statements of
-- api/src/store/search.rs, each as a part of this one: the claims whose folded statement starts
-- with the folded prefix (an index range, ten at most), then as many studies by title as are still
-- wanted, then, only when those are fewer than ten, the claims and studies with a word in their
-- strongest texts that the prefix finds (the same to_tsquery, order and LIMIT 10 + those found);
-- the first ten of all, each once, with their rows.
-- A template: `search_reads sql shapes/suggest.sql shapes/suggest_prefixes.txt` renders @count@,
-- @folded@ (each prefix folded as entity::values::fold folds it) and @strongest@ (its tsquery over
-- the strongest texts as Query::tsquery_in("AB") writes it, NULL when it has no word to find;
-- colons as \x3a because pgbench reads `:name` in string literals too).
\set k random(1, @count@)
WITH typed AS MATERIALIZED (
  SELECT (@folded@)[:k] AS folded, (@folded@)[:k] || chr(1114111) AS upto, (@strongest@)[:k] AS strongest
),
by_start AS MATERIALIZED (
  SELECT 1 AS kind, id, row_number() OVER (ORDER BY statement_folded COLLATE "C", id) AS n
  FROM (SELECT id, statement_folded FROM claim
        WHERE statement_folded COLLATE "C" >= (SELECT folded FROM typed)
          AND statement_folded COLLATE "C" < (SELECT upto FROM typed)
        ORDER BY statement_folded COLLATE "C", id LIMIT 10) c
),
by_title AS MATERIALIZED (
  SELECT 4 AS kind, id, 10 + row_number() OVER (ORDER BY title_folded COLLATE "C", id) AS n
  FROM (SELECT id, title_folded FROM study
        WHERE title_folded COLLATE "C" >= (SELECT folded FROM typed)
          AND title_folded COLLATE "C" < (SELECT upto FROM typed)
        ORDER BY title_folded COLLATE "C", id LIMIT 10 - (SELECT count(*) FROM by_start)) t
),
started AS MATERIALIZED (SELECT * FROM by_start UNION ALL SELECT * FROM by_title),
by_word AS MATERIALIZED (
  SELECT kind, node_id AS id, 20 + row_number() OVER (ORDER BY kind, node_id) AS n
  FROM (SELECT e.kind::int4 AS kind, e.node_id FROM search_entry e
        WHERE e.document @@ to_tsquery('english'::regconfig, (SELECT strongest FROM typed)) AND e.kind IN (1, 4)
          AND (SELECT count(*) FROM started) < 10
        ORDER BY e.kind, e.node_id LIMIT 10 + (SELECT count(*) FROM started)) w
),
found AS (
  SELECT kind, id, min(n) AS n FROM (SELECT * FROM started UNION ALL SELECT * FROM by_word) a
  GROUP BY kind, id ORDER BY min(n) LIMIT 10
)
SELECT json_build_object('data', json_build_object('suggest', coalesce(json_agg(json_build_object('node',
  CASE f.kind
    WHEN 1 THEN (SELECT json_build_object('__typename', 'Claim', 'slug', c.slug, 'statement', c.statement)
                 FROM claim c WHERE c.id = f.id)
    ELSE (SELECT json_build_object('__typename', 'Study', 'title', t.title, 'year', t.year)
          FROM study t WHERE t.id = f.id)
  END) ORDER BY f.n), '[]')))
FROM found f;
