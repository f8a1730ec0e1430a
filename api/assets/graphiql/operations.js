// claimgraph: which operation name the GraphiQL page sends with a document.
//
// GraphiQL 4 works out the operation name from the query editor 100 ms after
// the last edit, so a query run sooner goes out with the previous document's
// name, and the server answers "Unknown operation named ..." (upstream graphiql
// issue 1807). The page's fetcher therefore checks the name against the
// document it actually sends, using the small tokenizer below: a name in a
// comment or a string is not an operation, and neither is a fragment.
//
// Loaded by /graphiql/index.html before start.js (it sets
// `window.ClaimgraphOperations`); tests/browser/operations.test.mjs loads it in
// Node (`module.exports`).
(function (root, build) {
  'use strict';
  if (typeof module === 'object' && module.exports) {
    module.exports = build();
  } else {
    root.ClaimgraphOperations = build();
  }
})(this, function () {
  'use strict';

  var NAME_START = /[_A-Za-z]/;
  var NAME_CONTINUE = /[_0-9A-Za-z]/;
  var NUMBER_CONTINUE = /[0-9A-Za-z_.+-]/;

  // The tokens that shape a document's top level: names, "@" and the four
  // brackets. Strings, block strings, comments, numbers and other punctuation
  // are skipped (https://spec.graphql.org/October2021/#sec-Language.Source-Text).
  function findTokens(source) {
    var tokens = [];
    var i = 0;
    var n = source.length;
    while (i < n) {
      var c = source.charAt(i);
      if (c === '#') {
        while (i < n && source.charAt(i) !== '\n' && source.charAt(i) !== '\r') i++;
      } else if (source.startsWith('"""', i)) {
        i += 3;
        while (i < n && !source.startsWith('"""', i)) {
          i += source.startsWith('\\"""', i) ? 4 : 1;
        }
        i += 3;
      } else if (c === '"') {
        i++;
        while (i < n) {
          var d = source.charAt(i);
          if (d === '\\') {
            i += 2;
          } else if (d === '"' || d === '\n' || d === '\r') {
            i++;
            break;
          } else {
            i++;
          }
        }
      } else if (NAME_START.test(c)) {
        var start = i;
        while (i < n && NAME_CONTINUE.test(source.charAt(i))) i++;
        tokens.push({ kind: 'name', value: source.slice(start, i) });
      } else if (c === '-' || (c >= '0' && c <= '9')) {
        // A number (or a stray "-"): its letters (an exponent) are not names.
        i++;
        while (i < n && NUMBER_CONTINUE.test(source.charAt(i))) i++;
      } else if (c === '{' || c === '}' || c === '(' || c === ')') {
        tokens.push({ kind: c });
        i++;
      } else {
        // "@" matters: `query @live { ... }` is anonymous, `live` is a directive.
        if (c === '@') tokens.push({ kind: '@' });
        i++; // whitespace, commas, a BOM, "$", "...", ":" and the rest
      }
    }
    return tokens;
  }

  var OPERATION_KEYWORDS = { query: true, mutation: true, subscription: true };

  // The operations a document defines, in order: each one's name, or null for
  // an anonymous operation (`{ ... }` or `query { ... }`).
  function findOperationNames(source) {
    var tokens = findTokens(String(source == null ? '' : source));
    var operations = [];
    var braces = 0;
    var parens = 0;
    var atDefinitionStart = true;
    for (var k = 0; k < tokens.length; k++) {
      var token = tokens[k];
      if (token.kind === '(') {
        parens++;
      } else if (token.kind === ')') {
        parens = Math.max(0, parens - 1);
      } else if (token.kind === '{') {
        if (braces === 0 && parens === 0 && atDefinitionStart) {
          operations.push(null); // the query shorthand
        }
        if (parens === 0) atDefinitionStart = false;
        braces++;
      } else if (token.kind === '}') {
        braces = Math.max(0, braces - 1);
        if (braces === 0 && parens === 0) atDefinitionStart = true;
      } else if (token.kind === 'name' && braces === 0 && parens === 0 && atDefinitionStart) {
        atDefinitionStart = false;
        if (OPERATION_KEYWORDS[token.value] === true) {
          var next = tokens[k + 1];
          operations.push(next && next.kind === 'name' ? next.value : null);
        }
      }
    }
    return operations;
  }

  // The operation name to send with `source`: the requested one if the
  // document defines it; else the only operation's name (null if anonymous);
  // else null, and the server says which name is missing.
  function chooseOperationName(source, requested) {
    var operations = findOperationNames(source);
    if (requested != null && requested !== '' && operations.indexOf(requested) !== -1) {
      return requested;
    }
    return operations.length === 1 ? operations[0] : null;
  }

  return { findOperationNames: findOperationNames, chooseOperationName: chooseOperationName };
});
