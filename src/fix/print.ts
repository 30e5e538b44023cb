/**
 * Pure: what `fix` prints. Per change the findings it fixes, one line per edited value and the object's
 * diff as `kubectl diff` shows it; then the Helm commands and the findings with no automatic fix (with
 * their manual fix); after --apply, the findings before and after. Every cluster-sourced string is
 * sanitised (a ConfigMap's text is as hostile as any other input).
 */
import type { Finding } from '../report/finding.ts';
import { subjectText } from '../report/finding.ts';
import { sanitize } from '../report/sanitize.ts';
import { objectDiff } from './diff.ts';
import { findingKey, type Refusal, type ObjectChange, type Verdict } from './plan.ts';

const s = (t: string): string => sanitize(t);

function findingLine(f: Finding): string {
  return `${f.severity.toUpperCase()}  ${f.rule}  ${s(subjectText({ ...f.subject, managedBy: undefined }))}`;
}

export function printPlan(findings: Finding[], p: { changes: ObjectChange[]; helm: Extract<Verdict, { kind: 'helm' }>[]; manual: Refusal[] }, opts: { apply: boolean }): string {
  const out: string[] = [];
  if (!findings.length) {
    out.push('No findings: nothing to fix.');
    return `${out.join('\n')}\n`;
  }
  const fixable = new Set(p.changes.flatMap((c) => c.findings.map(findingKey)));
  out.push(`${findings.length} finding(s), ${fixable.size} with an automatic fix.`);
  for (const c of p.changes) {
    out.push('', `${c.id.kind} ${s(c.id.namespace ?? '')}/${s(c.id.name)}`);
    for (const f of c.findings) { out.push(`  fixes  ${findingLine(f)}`); }
    for (const l of c.changes) { out.push(`  change ${s(l)}`); }
    if (c.restart.length) { out.push(`  then   roll out ${c.restart.map((w) => `${w.kind.toLowerCase()}/${s(w.name)}`).join(', ')} (the collector reads its config at start; --restart does it)`); }
    out.push('', ...objectDiff(c.id, c.before, c.after).split('\n').map((l) => sanitize(l)));
  }
  for (const h of p.helm) {
    out.push('', `${findingLine(h.finding)}`, `  managed by Helm release ${s(h.finding.subject.managedBy?.release ?? '')}: fix writes nothing; change the release's values:`);
    for (const c of h.commands) { out.push(...c.split('\n').map((l) => `    ${s(l)}`)); }
    if (h.finding.fix.commands?.restart) { out.push(`    ${s(h.finding.fix.commands.restart)}`); }
  }
  for (const m of p.manual) {
    out.push('', findingLine(m.finding), `  no automatic fix: ${s(m.reason)}`, `  manual fix: ${s(m.finding.fix.summary)}`);
    for (const c of m.finding.fix.commands?.apply ?? []) { out.push(...c.split('\n').map((l) => `    ${s(l)}`)); }
  }
  out.push('');
  if (!p.changes.length) {
    out.push('Nothing was changed.');
  } else if (!opts.apply) {
    out.push(`Nothing was changed. Run again with --apply to make these changes${p.changes.some((c) => c.restart.length) ? ' (add --restart to roll out the collector)' : ''}.`);
  }
  return `${out.join('\n')}\n`;
}

export function printBeforeAfter(before: Finding[], after: Finding[], fixed: Set<string>): string {
  const afterKeys = new Set(after.map(findingKey));
  const beforeKeys = new Set(before.map(findingKey));
  const out = ['', `Findings: ${before.length} before, ${after.length} after.`];
  for (const f of before) {
    const k = findingKey(f);
    const state = afterKeys.has(k) ? (fixed.has(k) ? 'STILL THERE' : 'unchanged') : fixed.has(k) ? 'fixed' : 'gone';
    out.push(`  ${state.padEnd(11)} ${findingLine(f)}`);
  }
  for (const f of after) {
    if (!beforeKeys.has(findingKey(f))) { out.push(`  ${'new'.padEnd(11)} ${findingLine(f)}`); }
  }
  return `${out.join('\n')}\n`;
}
