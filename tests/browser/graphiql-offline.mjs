#!/usr/bin/env node
// Checks that the GraphiQL page at <base>/graphiql works with no internet:
// it loads, shows the default ClaimPage query, runs it against <base>/graphql,
// runs a renamed query straight after the edit (no stale operation name), opens
// the DOI walk from the Examples menu by keyboard and runs it, and never asks
// for anything outside the base URL's origin.
//
// Usage:  node graphiql-offline.mjs [BASE_URL]
//   BASE_URL    default: $CLAIMGRAPH_URL, else http://127.0.0.1:8080
//   SCREENSHOT  env, where to save a PNG (default /tmp/graphiql.png)
//   CHROMIUM    env, browser binary (default /usr/bin/chromium, Debian's package)
//
// Exits 0 and prints "graphiql offline check: passed" on success; otherwise
// prints every problem found and exits 1.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';

const STEP_TIMEOUT_MS = 30_000;
const SETTLE_MS = 1_000; // watch a little longer for late requests / errors

const baseArg = process.argv[2] || process.env.CLAIMGRAPH_URL || 'http://127.0.0.1:8080';
const screenshotPath = process.env.SCREENSHOT || '/tmp/graphiql.png';
const executablePath = process.env.CHROMIUM || '/usr/bin/chromium';

let base;
try {
  base = new URL(baseArg);
} catch {
  console.error(`graphiql offline check: FAILED: not a URL: ${baseArg}`);
  process.exit(2);
}
const pageUrl = new URL('/graphiql', base).href;

/** Requests that left (or tried to leave) the page's origin. */
const offOrigin = [];
/** console.error messages and uncaught page errors. */
const consoleErrors = [];
/** Same-origin requests that failed or answered with an HTTP error. */
const failedRequests = [];
const problems = [];

function isOffOrigin(rawUrl) {
  let u;
  try {
    u = new URL(rawUrl);
  } catch {
    return true;
  }
  // Inline data (fonts/images in graphiql.min.css) never touches the network.
  if (u.protocol === 'data:' || u.protocol === 'blob:' || u.protocol === 'about:') return false;
  return u.origin !== base.origin;
}

/** Squeeze a message onto one line and cap its length (data: URLs get long). */
function oneLine(text, max = 400) {
  const flat = String(text).replace(/\s+/g, ' ').trim();
  return flat.length > max ? `${flat.slice(0, max)}…` : flat;
}

function recordOffOrigin(kind, url) {
  const line = `${kind} ${url}`;
  if (!offOrigin.includes(line)) offOrigin.push(line);
}

const userDataDir = mkdtempSync(join(tmpdir(), 'claimgraph-graphiql-'));
let context;
let exitCode = 1;

try {
  context = await chromium.launchPersistentContext(userDataDir, {
    executablePath,
    headless: true,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
    viewport: { width: 1440, height: 900 },
    serviceWorkers: 'block',
  });
  context.setDefaultTimeout(STEP_TIMEOUT_MS);

  // Block and record everything that is not on the base origin.
  await context.route('**/*', async (route) => {
    const request = route.request();
    if (isOffOrigin(request.url())) {
      recordOffOrigin(`${request.method()} (${request.resourceType()})`, request.url());
      await route.abort('blockedbyclient');
    } else {
      await route.continue();
    }
  });
  // Second net: anything the router did not see (e.g. websockets).
  context.on('request', (request) => {
    if (isOffOrigin(request.url())) {
      recordOffOrigin(`${request.method()} (${request.resourceType()})`, request.url());
    }
  });

  const page = context.pages()[0] ?? (await context.newPage());
  page.on('websocket', (ws) => {
    if (isOffOrigin(ws.url())) recordOffOrigin('WEBSOCKET', ws.url());
  });
  page.on('console', (msg) => {
    if (msg.type() === 'error') {
      const loc = msg.location();
      const where = loc && loc.url ? ` (${loc.url}:${loc.lineNumber})` : '';
      consoleErrors.push(oneLine(`console.error: ${msg.text()}${where}`));
    }
  });
  page.on('pageerror', (err) => consoleErrors.push(oneLine(`uncaught: ${err.stack || err.message || err}`, 1000)));
  page.on('requestfailed', (request) => {
    if (!isOffOrigin(request.url())) {
      failedRequests.push(`${request.method()} ${request.url()}: ${request.failure()?.errorText}`);
    }
  });
  page.on('response', (response) => {
    if (response.status() >= 400 && !isOffOrigin(response.url())) {
      failedRequests.push(`${response.request().method()} ${response.url()}: HTTP ${response.status()}`);
    }
  });

  const resultText = () =>
    page
      .evaluate(() => document.querySelector('.result-window .CodeMirror')?.CodeMirror?.getValue() ?? '(no result pane)')
      .catch(() => '(page gone)');

  /** Waits until the result pane contains `text` (and no "errors"). */
  const waitForResult = async (text, what) => {
    await page
      .waitForFunction((wanted) => {
        const value = document.querySelector('.result-window .CodeMirror')?.CodeMirror?.getValue() ?? '';
        return value.includes(wanted) && !value.includes('"errors"');
      }, text)
      .catch(async () => {
        throw new Error(`${what}: the result pane never showed ${text} without errors; it shows: ${(await resultText()).slice(0, 500)}`);
      });
  };

  /** Types `query` over the whole query editor, as one edit, and runs it with Ctrl+Enter at once. */
  const replaceQueryAndRun = async (query) => {
    await page.locator('.graphiql-query-editor .CodeMirror').first().click();
    await page.keyboard.press('ControlOrMeta+A');
    await page.keyboard.insertText(query);
    await page.keyboard.press('ControlOrMeta+Enter');
  };

  const steps = async () => {
    const response = await page.goto(pageUrl, { waitUntil: 'load' });
    if (!response || !response.ok()) {
      throw new Error(`GET ${pageUrl} answered HTTP ${response ? response.status() : '(no response)'}`);
    }

    // The query editor is up and shows the default ClaimPage query.
    const queryEditor = page.locator('.graphiql-query-editor .CodeMirror').first();
    await queryEditor.waitFor({ state: 'visible' });
    await page.waitForFunction(() => {
      const cm = document.querySelector('.graphiql-query-editor .CodeMirror')?.CodeMirror;
      return !!cm && cm.getValue().includes('query ClaimPage($slug: String!)');
    }).catch(() => {
      throw new Error('the query editor never showed the default "query ClaimPage($slug: String!)"');
    });
    // The variables editor holds the default slug.
    await page.waitForFunction(() => {
      const cm = document.querySelector('.graphiql-editor-tool .CodeMirror')?.CodeMirror;
      return !!cm && /"slug"\s*:\s*"rest-pause-training"/.test(cm.getValue());
    }).catch(() => {
      throw new Error('the variables editor never showed {"slug": "rest-pause-training"}');
    });

    // Run it.
    await page.locator('.graphiql-execute-button').first().click();

    // The result pane gets the answer from /graphql.
    await page.waitForFunction(() => {
      const cm = document.querySelector('.result-window .CodeMirror')?.CodeMirror;
      return !!cm && cm.getValue().includes('"statement"');
    }).catch(async () => {
      const shown = await page
        .evaluate(() => document.querySelector('.result-window .CodeMirror')?.CodeMirror?.getValue() ?? '(no result pane)')
        .catch(() => '(page gone)');
      throw new Error(`the result pane never contained "statement"; it shows: ${shown.slice(0, 500)}`);
    });

    // A query whose operation name differs from the last one, run at once: GraphiQL still holds the
    // old name for 100 ms after an edit, and the page's fetcher must not send it.
    await replaceQueryAndRun(
      'query Headline($slug: String!) { claim(slug: $slug) { headline: statement } }',
    );
    await waitForResult('"headline"', 'the query run straight after an edit');

    // The toolbar's Examples menu, by keyboard: open it, go down to the DOI walk, choose it. It
    // opens in a new tab with its variables; run it.
    const tabs = await page.locator('.graphiql-tab').count();
    await page.getByRole('button', { name: 'Examples' }).focus();
    await page.keyboard.press('Enter');
    const doiWalk = page.getByRole('menuitem', { name: /DOI walk/ });
    await doiWalk.waitFor({ state: 'visible' });
    await page.waitForFunction(() => document.activeElement?.getAttribute('role') === 'menuitem').catch(() => {
      throw new Error('the Examples menu opened by keyboard did not focus its first item');
    });
    for (let i = 0; i < 10 && !(await doiWalk.evaluate((item) => item === document.activeElement)); i++) {
      await page.keyboard.press('ArrowDown');
    }
    await page.keyboard.press('Enter');
    await page.waitForFunction(() => {
      const query = document.querySelector('.graphiql-query-editor .CodeMirror')?.CodeMirror?.getValue() ?? '';
      const variables = document.querySelector('.graphiql-editor-tool .CodeMirror')?.CodeMirror?.getValue() ?? '';
      return query.includes('query FromDoi($doi: String!)') && variables.includes('"doi"');
    }).catch(() => {
      throw new Error('choosing "DOI walk" in the Examples menu did not open the FromDoi query with its variables');
    });
    const tabsNow = await page.locator('.graphiql-tab').count();
    if (tabsNow <= tabs) throw new Error(`the example did not open in a new tab (${tabs} tabs before, ${tabsNow} after)`);
    await page.locator('.graphiql-execute-button').first().click();
    await waitForResult('"citedBy"', 'the DOI walk example');

    await page.waitForTimeout(SETTLE_MS);
  };

  try {
    await steps();
  } catch (err) {
    problems.push(oneLine(err && err.message ? err.message : String(err)));
  }

  try {
    await page.screenshot({ path: screenshotPath });
  } catch (err) {
    problems.push(`could not save screenshot to ${screenshotPath}: ${err.message}`);
  }

  if (offOrigin.length) {
    problems.push(
      `${offOrigin.length} off-origin request(s) attempted (origin is ${base.origin}):\n` +
        offOrigin.map((r) => `    ${r}`).join('\n'),
    );
  }
  if (consoleErrors.length) {
    problems.push(`${consoleErrors.length} console error(s):\n` + consoleErrors.map((e) => `    ${e}`).join('\n'));
  }
  if (failedRequests.length) {
    problems.push(
      `${failedRequests.length} same-origin request(s) failed:\n` + failedRequests.map((e) => `    ${e}`).join('\n'),
    );
  }

  if (problems.length) {
    console.error(`graphiql offline check: FAILED for ${pageUrl}`);
    for (const p of problems) console.error(`  - ${p}`);
    console.error(`  screenshot: ${screenshotPath}`);
  } else {
    console.log('graphiql offline check: passed');
    exitCode = 0;
  }
} catch (err) {
  console.error(`graphiql offline check: FAILED: ${err && err.stack ? err.stack : err}`);
} finally {
  if (context) await context.close().catch(() => {});
  rmSync(userDataDir, { recursive: true, force: true });
}

process.exit(exitCode);
