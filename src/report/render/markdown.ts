/** For pasting into an incident ticket: a summary table, then each finding with evidence and fix. */
import type { Report } from '../finding.ts';
import { sanitize } from '../sanitize.ts';
import { clean, healthyText, subjectLine, summaryLine } from './common.ts';

function cell(s: string): string {
  return clean(s).replace(/\|/g, '\\|');
}

function code(s: string): string {
  const t = sanitize(s, { keepNewlines: true });
  const fence = t.includes('```') ? '~~~~' : '```';
  return `${fence}yaml\n${t}\n${fence}`;
}

export function renderMarkdown(r: Report): string {
  const out: string[] = ['# otel-doctor report', ''];
  if (r.generatedAt) { out.push(`Generated ${cell(r.generatedAt)}. ${summaryLine(r)}.`, ''); }
  if (r.summary.errors + r.summary.warnings === 0) {
    out.push('**Healthy.**', '', ...healthyText(r).map((l) => `- ${l.trim()}`), '');
    if (r.findings.length === 0) {
      if (r.notes?.length) { out.push('**Notes**', '', ...r.notes.map((n) => `- ${cell(n)}`), ''); }
      return out.join('\n');
    }
  }
  // A fleet report names each finding's cluster; a single cluster's keeps its columns as they were.
  const fleet = r.findings.some((f) => f.cluster !== undefined);
  const where = (f: (typeof r.findings)[number]): string => `${f.cluster !== undefined ? `${cell(f.cluster)}: ` : ''}${cell(subjectLine(f))}`;
  out.push(fleet ? '| Severity | Rule | Cluster | Subject | Summary |' : '| Severity | Rule | Subject | Summary |', fleet ? '|---|---|---|---|---|' : '|---|---|---|---|');
  for (const f of r.findings) { out.push(`| ${f.severity} | \`${f.rule}\` | ${fleet ? `${cell(f.cluster ?? '')} | ` : ''}${cell(subjectLine(f))} | ${cell(f.summary)} |`); }
  out.push('');
  for (const f of r.findings) {
    out.push(`## ${f.severity.toUpperCase()}: ${f.rule} on ${where(f)}`, '', cell(f.rootCause), '', '**Evidence**', '');
    for (const e of f.evidence) { out.push(`- _${e.source}_: \`${clean(e.detail).replace(/`/g, "'")}\``); }
    if (f.affected?.length) {
      out.push('', '**Affected apps**', '');
      for (const a of f.affected) { out.push(`- ${cell(`${a.namespace}/${a.pod} (${a.container})`)}${a.endpoint ? ` -> \`${clean(a.endpoint)}\`` : ''}${a.symptoms.length ? `: ${cell(a.symptoms.join('; '))}` : ''}`); }
    }
    out.push('', `**Fix**: ${cell(f.fix.summary)}`, '');
    if (f.fix.patch) { out.push(code(f.fix.patch), ''); }
    const c = f.fix.commands;
    const cmds = c ? [...c.apply, ...(c.restart ? [c.restart] : []), ...(c.apply.length || c.restart ? [c.verify] : [])] : [];
    if (cmds.length) {
      const body = sanitize(cmds.join('\n'), { keepNewlines: true });
      const fence = body.includes('```') ? '~~~~' : '```';
      out.push(`${fence}sh\n${body}\n${fence}`, '');
    }
    if (c?.restartNote && !c.restart && c.apply.length) { out.push(`No restart needed: ${cell(c.restartNote)}.`, ''); }
  }
  if (r.notes?.length) { out.push('**Notes**', '', ...r.notes.map((n) => `- ${cell(n)}`), ''); }
  return out.join('\n');
}
