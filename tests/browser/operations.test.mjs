// The GraphiQL page's choice of operation name (api/assets/graphiql/operations.js), in Node:
//   node --test tests/browser/
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const { findOperationNames, chooseOperationName } = require('../../api/assets/graphiql/operations.js');

test('a name in a comment or a string is not an operation', () => {
  const source = [
    '# query Fake { x }',
    'query Real($q: String = "query Fake { x }") {',
    '  claims(filter: """',
    '    mutation Fake { x } \\""" query Fake',
    '  """) { totalCount }',
    '}',
  ].join('\n');
  assert.deepEqual(findOperationNames(source), ['Real']);
  assert.equal(chooseOperationName(source, 'Fake'), 'Real');
  assert.equal(chooseOperationName(source, 'Real'), 'Real');
});

test('an anonymous operation is sent without a name', () => {
  assert.deepEqual(findOperationNames('{ claims { totalCount } }'), [null]);
  assert.deepEqual(findOperationNames('query { claims { totalCount } }'), [null]);
  assert.deepEqual(findOperationNames('query ($n: Int = 1) @live { a }'), [null]);
  assert.equal(chooseOperationName('{ claims { totalCount } }', 'ClaimPage'), null);
  assert.equal(chooseOperationName('query { a }', null), null);
});

test('of several operations the named one is sent, and a name it lacks is not', () => {
  const source = 'query A { a } fragment F on Query { b } mutation B { c } subscription C { d }';
  assert.deepEqual(findOperationNames(source), ['A', 'B', 'C']);
  assert.equal(chooseOperationName(source, 'B'), 'B');
  assert.equal(chooseOperationName(source, 'F'), null);
  assert.equal(chooseOperationName(source, 'Gone'), null);
  assert.equal(chooseOperationName(source, null), null);
});

test("a stale name from the previous document gives way to the only operation's", () => {
  assert.equal(chooseOperationName('query FromDoi($doi: String!) { doi(value: $doi) { value } }', 'ClaimPage'), 'FromDoi');
  assert.equal(chooseOperationName('query FromDoi { a }', ''), 'FromDoi');
});

test('names inside selections, arguments and default values are not operations', () => {
  const source = [
    'query Outer($f: In = { query: 1, mutation: -1.5e+3 }) {',
    '  query: claim(slug: "x") { mutation subscription }',
    '}',
    'query query { query }',
  ].join('\n');
  assert.deepEqual(findOperationNames(source), ['Outer', 'query']);
});

test('a fragment alone, an empty document and an unfinished one define no operation', () => {
  assert.deepEqual(findOperationNames('fragment query on Query { a }'), []);
  assert.deepEqual(findOperationNames(''), []);
  assert.deepEqual(findOperationNames(null), []);
  assert.deepEqual(findOperationNames('query Half { claim(slug: "unterminated'), ['Half']);
  assert.equal(chooseOperationName('', 'ClaimPage'), null);
});
