// claimgraph: starts GraphiQL on /graphiql.
//
// Loaded by /graphiql/index.html after the React 18, ReactDOM and GraphiQL 4
// UMD builds, which put `React`, `ReactDOM` and `GraphiQL` on `window`, and
// operations.js (`ClaimgraphOperations`).
// It lives in its own file (not inline) so the page works under a
// Content-Security-Policy of `script-src 'self'`, and it only ever talks to
// the page's own origin (/graphql and /graphiql/examples.json).
(function () {
  'use strict';

  var ENDPOINT = '/graphql';

  // The example operations offered in the toolbar's Examples menu (claim page,
  // DOI walk, browsing claims, a search, a claim's history, a contribution). The first is
  // what a first-time visitor sees. The suite runs every one of them
  // (tests/suite/graphiql_examples.rs), so they stay valid against the schema.
  var EXAMPLES = '/graphiql/examples.json';

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

  // The examples as GraphiQL takes them: the query as one text, the variables
  // as JSON text. If they cannot be loaded, the menu is empty and GraphiQL
  // opens with its own default query.
  function loadExamples() {
    return window
      .fetch(EXAMPLES, { credentials: 'same-origin', headers: { Accept: 'application/json' } })
      .then(function (response) {
        if (!response.ok) throw new Error('HTTP ' + response.status);
        return response.json();
      })
      .then(function (list) {
        return list.map(function (example) {
          return {
            name: example.name,
            label: example.label,
            query: example.query.join('\n'),
            variables: JSON.stringify(example.variables, null, 2)
          };
        });
      })
      .catch(function (error) {
        console.error('Could not load the examples from ' + EXAMPLES + ': ' + error);
        return [];
      });
  }

  // A list icon for the menu's toolbar button, drawn like GraphiQL's own icons.
  function examplesIcon(h) {
    var line = function (y) {
      return h('path', { key: 'l' + y, d: 'M7 ' + y + 'h11', strokeLinecap: 'round' });
    };
    var dot = function (y) {
      return h('circle', { key: 'd' + y, cx: '3', cy: String(y), r: '1', fill: 'currentColor' });
    };
    return h(
      'svg',
      {
        className: 'graphiql-toolbar-icon',
        viewBox: '0 0 20 20',
        fill: 'none',
        stroke: 'currentColor',
        strokeWidth: '1.5',
        'aria-hidden': 'true'
      },
      [dot(4), line(4), dot(10), line(10), dot(16), line(16)]
    );
  }

  // The toolbar's Examples menu (GraphiQL's own keyboard-accessible menu).
  // Choosing an example opens it in a new tab with its variables.
  function makeExamplesMenu(React, ui, examples) {
    var h = React.createElement;
    return function ExamplesMenu() {
      var editor = ui.useEditorContext({ nonNull: true });
      var state = React.useState(null);
      var opening = state[0];
      var setOpening = state[1];
      // GraphiQL fills a new tab's editors with its default query when the tab
      // becomes active; write the example's text once that has happened.
      React.useEffect(
        function () {
          if (!opening || editor.activeTabIndex !== opening.tab || editor.tabs.length <= opening.tab) {
            return;
          }
          if (editor.queryEditor) editor.queryEditor.setValue(opening.example.query);
          if (editor.variableEditor) editor.variableEditor.setValue(opening.example.variables);
          setOpening(null);
        },
        [opening, editor.activeTabIndex, editor.tabs.length, editor.queryEditor, editor.variableEditor]
      );
      return h(
        ui.ToolbarMenu,
        // Not modal: a modal menu locks the page's scrolling with an inline
        // <style>, which the page's CSP (style-src 'self') refuses.
        { label: 'Examples', button: examplesIcon(h), modal: false },
        examples.map(function (example) {
          return h(
            ui.ToolbarMenu.Item,
            {
              key: example.name,
              onSelect: function () {
                setOpening({ example: example, tab: editor.tabs.length });
                editor.addTab();
              }
            },
            example.label
          );
        })
      );
    };
  }

  function render(examples) {
    var container = document.getElementById('graphiql');
    var React = window.React;
    var GraphiQL = window.GraphiQL;
    var h = React.createElement;
    var first = examples[0];

    var props = {
      fetcher: fetcher,
      // Used for the first tab when there is no saved tab state.
      defaultQuery: first ? first.query : undefined,
      // Open the tools pane on the Variables tab so the slug is visible.
      defaultEditorToolsVisibility: 'variables',
      // Never write typed headers (tokens) to localStorage.
      shouldPersistHeaders: false
    };
    // GraphiQL 4 has no `defaultVariables` prop; `variables` sets the variables
    // editor on mount (and would override the saved value), so pass it on a
    // fresh profile only.
    if (first && !hasSavedSession()) {
      props.variables = first.variables;
    }

    var ExamplesMenu = makeExamplesMenu(React, GraphiQL.React, examples);
    // GraphiQL 4 takes extra toolbar buttons as a render prop of GraphiQL.Toolbar.
    var toolbar = h(GraphiQL.Toolbar, null, function (buttons) {
      return h(React.Fragment, null, buttons.prettify, buttons.merge, buttons.copy, h(ExamplesMenu));
    });

    window.ReactDOM.createRoot(container).render(h(GraphiQL, props, toolbar));
  }

  function start() {
    var container = document.getElementById('graphiql');
    if (!window.React || !window.ReactDOM || !window.GraphiQL || !window.ClaimgraphOperations) {
      container.textContent = 'GraphiQL failed to load (missing React, ReactDOM, GraphiQL or operations script).';
      return;
    }
    loadExamples().then(render);
  }

  if (document.readyState === 'loading') {
    document.addEventListener('DOMContentLoaded', start);
  } else {
    start();
  }
})();
