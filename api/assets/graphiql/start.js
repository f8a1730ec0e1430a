// claimgraph: starts GraphiQL on /graphiql.
//
// Loaded by /graphiql/index.html after the React 18, ReactDOM and GraphiQL 4
// UMD builds, which put `React`, `ReactDOM` and `GraphiQL` on `window`, and
// operations.js (`ClaimgraphOperations`).
// It lives in its own file (not inline) so the page works under a
// Content-Security-Policy of `script-src 'self'`, and it only ever talks to
// /graphql on the page's own origin.
(function () {
  'use strict';

  var ENDPOINT = '/graphql';

  // The query a first-time visitor sees. Part of the product contract: keep in
  // step with the API docs. (\u25B6 is the "play" triangle, escaped so the
  // file's encoding never matters.)
  var DEFAULT_QUERY = [
    '# The whole claim page in one request. Press the \u25B6 button (or Ctrl+Enter).',
    'query ClaimPage($slug: String!) {',
    '  claim(slug: $slug) {',
    '    id slug statement population intervention comparator outcome',
    '    synthesis { text studyCount studies { title } }',
    '    mechanisms { id rank support summary',
    '      steps { id position text citations { value url study { title } } } }',
    '    evidenceCounts { supporting contradicting total }',
    '    evidence(first: 20) { totalCount edges { cursor node { stance study { title year design doi { value } } } } }',
    '    evidenceNeeds { rank design cebmLevel description metBy { title } }',
    '  }',
    '}'
  ].join('\n');

  var DEFAULT_VARIABLES = JSON.stringify({ slug: 'rest-pause-training' }, null, 2);

  // GraphiQL keeps its editors in localStorage under "graphiql:<key>". When any
  // of that exists the visitor has been here before: let GraphiQL restore their
  // own tabs and variables instead of forcing ours on every reload.
  function hasSavedSession() {
    try {
      var storage = window.localStorage;
      return (
        storage.getItem('graphiql:tabState') !== null ||
        storage.getItem('graphiql:query') !== null ||
        storage.getItem('graphiql:variables') !== null
      );
    } catch (e) {
      return false; // storage disabled: behave like a fresh profile
    }
  }

  function errorResult(message) {
    return { errors: [{ message: message }] };
  }

  // GraphQL-over-HTTP: POST a JSON body to /graphql on this origin.
  function fetcher(params, options) {
    var headers = new Headers();
    // Headers typed into GraphiQL's "Headers" tab (e.g. Authorization).
    var extra = options && options.headers;
    if (extra && typeof extra === 'object') {
      Object.keys(extra).forEach(function (name) {
        headers.set(name, String(extra[name]));
      });
    }
    headers.set('Content-Type', 'application/json');
    headers.set('Accept', 'application/graphql-response+json, application/json');

    var body = JSON.stringify({
      query: params.query,
      variables: params.variables == null ? {} : params.variables,
      // GraphiQL's name can be the previous document's (see operations.js).
      operationName: window.ClaimgraphOperations.chooseOperationName(params.query, params.operationName)
    });

    return window
      .fetch(ENDPOINT, {
        method: 'POST',
        headers: headers,
        body: body,
        credentials: 'same-origin'
      })
      .then(
        function (response) {
          return response.text().then(function (text) {
            try {
              return JSON.parse(text);
            } catch (e) {
              return errorResult(
                'HTTP ' + response.status + ' from ' + ENDPOINT + ' was not JSON: ' + text.slice(0, 500)
              );
            }
          });
        },
        function (error) {
          return errorResult('Could not reach ' + ENDPOINT + ': ' + error);
        }
      );
  }

  function start() {
    var container = document.getElementById('graphiql');
    if (!window.React || !window.ReactDOM || !window.GraphiQL || !window.ClaimgraphOperations) {
      container.textContent = 'GraphiQL failed to load (missing React, ReactDOM, GraphiQL or operations script).';
      return;
    }

    var props = {
      fetcher: fetcher,
      // Used for the first tab when there is no saved tab state.
      defaultQuery: DEFAULT_QUERY,
      // Open the tools pane on the Variables tab so the slug is visible.
      defaultEditorToolsVisibility: 'variables',
      // Never write typed headers (tokens) to localStorage.
      shouldPersistHeaders: false
    };
    // GraphiQL 4 has no `defaultVariables` prop; `variables` sets the variables
    // editor on mount (and would override the saved value), so pass it on a
    // fresh profile only.
    if (!hasSavedSession()) {
      props.variables = DEFAULT_VARIABLES;
    }

    var root = window.ReactDOM.createRoot(container);
    root.render(window.React.createElement(window.GraphiQL, props));
  }

  if (document.readyState === 'loading') {
    document.addEventListener('DOMContentLoaded', start);
  } else {
    start();
  }
})();
