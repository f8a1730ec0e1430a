// The GraphQL-over-HTTP audit (npm `graphql-http`, pinned in package-lock.json) against a running
// claimgraph server: https://graphql.github.io/graphql-over-http/draft/
//
//   node audit.mjs http://127.0.0.1:8080      (or CLAIMGRAPH_URL=http://127.0.0.1:8080 node audit.mjs)
//
// Prints every audit with its result, then one summary line, and exits with 1 if any audit is an
// error (a failed MUST) or a warning (a failed SHOULD). A failed MAY is a notice: printed and
// counted, but not a failure.
import { auditServer } from 'graphql-http';

const base = process.argv[2] || process.env.CLAIMGRAPH_URL;
if (!base) {
  console.error('usage: node audit.mjs BASE_URL   (or set CLAIMGRAPH_URL), e.g. http://127.0.0.1:8080');
  process.exit(2);
}
const url = new URL('/graphql', base).toString();

const results = await auditServer({ url });
const counts = { ok: 0, notice: 0, warn: 0, error: 0 };
for (const result of results) {
  counts[result.status] += 1;
  const reason = result.status === 'ok' ? '' : ` (${result.reason})`;
  console.log(`${result.status.padEnd(6)} ${result.id} ${result.name}${reason}`);
  if (result.status === 'warn' || result.status === 'error') {
    // The answer that failed, to see why without re-running by hand.
    const response = result.response;
    const body = await response.text().catch(() => '<unreadable>');
    console.log(`       got ${response.status} ${response.headers.get('content-type') ?? '<no content-type>'}: ${body.replace(/\s+/g, ' ').slice(0, 300)}`);
  }
}
const notices = counts.notice > 0 ? `, ${counts.notice} notices` : '';
console.log(`graphql-http audit: ${counts.ok} ok, ${counts.warn} warnings, ${counts.error} errors${notices}`);
process.exit(counts.warn + counts.error > 0 ? 1 : 0);
