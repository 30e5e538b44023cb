/**
 * Skipped files in the machine formats that carry no report notes: SARIF gets one tool-execution
 * notification per skipped file at level `note` (it does not make the run unsuccessful, unlike an input
 * error), JUnit a `skipped` testcase per file in a suite of its own. Added to the renderers' output, whose
 * shape (2-space JSON, one testsuite per block) they keep.
 */
import { artifactUri } from '../report/render/sarif.ts';
import type { Skipped } from './source.ts';

export function sarifWithSkipped(sarif: string, skipped: Skipped[]): string {
  if (!skipped.length) { return sarif; }
  const log = JSON.parse(sarif) as { runs: { invocations?: { toolExecutionNotifications?: unknown[] }[] }[] };
  const run = log.runs[0];
  const inv = (run.invocations ??= [{ executionSuccessful: true } as { toolExecutionNotifications?: unknown[] }])[0];
  const notes = skipped.map((s) => ({
    level: 'note',
    message: { text: `skipped: ${s.reason}` },
    locations: [{ physicalLocation: { artifactLocation: { uri: artifactUri(s.file) }, ...(s.line ? { region: { startLine: s.line, ...(s.column ? { startColumn: s.column } : {}) } } : {}) } }],
  }));
  inv.toolExecutionNotifications = [...(inv.toolExecutionNotifications ?? []), ...notes];
  return `${JSON.stringify(log, null, 2)}\n`;
}

function esc(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&apos;');
}

export function junitWithSkipped(junit: string, skipped: Skipped[]): string {
  if (!skipped.length) { return junit; }
  const suite = [
    `  <testsuite name="skipped files" tests="${skipped.length}" failures="0" errors="0" skipped="${skipped.length}">`,
    ...skipped.map((s) => `    <testcase classname="skipped" name="${esc(s.file)}"${s.line ? ` line="${s.line}"` : ''}>\n      <skipped message="${esc(s.reason)}"/>\n    </testcase>`),
    '  </testsuite>',
  ].join('\n');
  const withTotals = junit.replace(/<testsuites ([^>]*)tests="(\d+)"/, (_m, pre: string, n: string) => `<testsuites ${pre}tests="${Number(n) + skipped.length}"`);
  return withTotals.replace(/<\/testsuites>\s*$/, `${suite}\n</testsuites>\n`);
}
