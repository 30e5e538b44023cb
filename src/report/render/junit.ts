/**
 * JUnit XML for GitLab / Jenkins test reports: one testsuite per rule that ran, one testcase per rule and
 * object (checks that passed are passing testcases, so the report shows what was covered), a <failure> for
 * error and warning findings, infos as passing cases with their text in system-out, and suppressed findings
 * as skipped cases that say who suppressed them and why.
 */
import { checkSubject, type Check, type Finding, type Report } from '../finding.ts';
import { publicReport, subjectLine } from './common.ts';

function esc(s: string): string {
  // XML 1.0 forbids most control characters even escaped; sanitised strings have none, this is belt and braces.
  return s
    .replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f]/g, '')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;');
}

function findingText(f: Finding): string {
  const lines = [`${f.summary}`, '', f.rootCause, '', ...f.evidence.map((e) => `[${e.source}] ${e.detail}`), '', `Fix: ${f.fix.summary}`];
  if (f.fix.patch) { lines.push('', f.fix.patch); }
  if (f.location) { lines.push('', `at ${f.location.file}${f.location.line ? `:${f.location.line}` : ''}${f.location.column ? `:${f.location.column}` : ''}`); }
  return lines.join('\n');
}

export function renderJunit(input: Report, opts: { inputErrors?: { file: string; line?: number; message: string }[] } = {}): string {
  const r = publicReport(input);
  const byRule = new Map<string, { cases: string[]; failures: number; tests: number; skipped: number }>();
  const suite = (rule: string): { cases: string[]; failures: number; tests: number; skipped: number } => byRule.get(rule) ?? byRule.set(rule, { cases: [], failures: 0, tests: 0, skipped: 0 }).get(rule)!;
  const failedSubjects = new Set<string>();
  for (const f of r.findings) {
    const s = suite(f.rule);
    const name = subjectLine(f);
    const file = f.location ? ` file="${esc(f.location.file)}"${f.location.line ? ` line="${f.location.line}"` : ''}` : '';
    s.tests++;
    failedSubjects.add(`${f.rule}\0${checkSubject(f.subject)}`);
    if (f.severity === 'info') {
      s.cases.push(`    <testcase classname="${esc(f.rule)}" name="${esc(name)}"${file}>\n      <system-out>${esc(findingText(f))}</system-out>\n    </testcase>`);
    } else {
      s.failures++;
      s.cases.push(`    <testcase classname="${esc(f.rule)}" name="${esc(name)}"${file}>\n      <failure type="${f.severity}" message="${esc(f.summary)}">${esc(findingText(f))}</failure>\n    </testcase>`);
    }
  }
  for (const f of r.suppressed ?? []) {
    const s = suite(f.rule);
    const file = f.location ? ` file="${esc(f.location.file)}"${f.location.line ? ` line="${f.location.line}"` : ''}` : '';
    s.tests++;
    s.skipped++;
    failedSubjects.add(`${f.rule}\0${checkSubject(f.subject)}`);
    const why = `suppressed: ${f.suppression?.reason ?? ''} (${f.suppression?.source ?? ''})`;
    s.cases.push(`    <testcase classname="${esc(f.rule)}" name="${esc(subjectLine(f))}"${file}>\n      <skipped message="${esc(why)}"/>\n      <system-out>${esc(findingText(f))}</system-out>\n    </testcase>`);
  }
  for (const c of r.checks as Check[]) {
    if (c.status === 'fail' || failedSubjects.has(`${c.name}\0${c.subject}`)) { continue; }
    const s = suite(c.name);
    s.tests++;
    if (c.status === 'skipped') { s.skipped++; }
    const body = c.status === 'skipped' ? `\n      <skipped${c.reason ? ` message="${esc(c.reason)}"` : ''}/>\n    ` : c.status === 'error' ? `\n      <error message="${esc(c.reason ?? 'check failed')}"/>\n    ` : '';
    s.cases.push(`    <testcase classname="${esc(c.name)}" name="${esc(c.subject)}">${body}</testcase>`);
  }
  const errors = opts.inputErrors ?? [];
  const suites = [...byRule.entries()].sort(([a], [b]) => a.localeCompare(b));
  const totalTests = suites.reduce((n, [, s]) => n + s.tests, 0) + errors.length;
  const totalFailures = suites.reduce((n, [, s]) => n + s.failures, 0);
  const out = ['<?xml version="1.0" encoding="UTF-8"?>', `<testsuites name="otel-doctor lint" tests="${totalTests}" failures="${totalFailures}" errors="${errors.length}">`];
  for (const [rule, s] of suites) {
    out.push(`  <testsuite name="${esc(rule)}" tests="${s.tests}" failures="${s.failures}" errors="0" skipped="${s.skipped}">`, ...s.cases, '  </testsuite>');
  }
  if (errors.length) {
    out.push(`  <testsuite name="input" tests="${errors.length}" failures="0" errors="${errors.length}">`);
    for (const e of errors) { out.push(`    <testcase classname="input" name="${esc(e.file)}"${e.line ? ` line="${e.line}"` : ''}>\n      <error message="${esc(e.message)}"/>\n    </testcase>`); }
    out.push('  </testsuite>');
  }
  out.push('</testsuites>');
  return `${out.join('\n')}\n`;
}
