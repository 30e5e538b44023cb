/**
 * `-o wide`: for those who want one table. Every piece of evidence in full, then per finding the patch,
 * the commands and the affected apps, all within the terminal width.
 */
import Table from 'cli-table3';
import { checkSubject, type Finding, type Report } from '../finding.ts';
import { sanitize } from '../sanitize.ts';
import { clean, healthyText, summaryLine, type RenderOptions } from './common.ts';
import { hanging, painter, wrapCommand, wrapLine, widthOf } from './text.ts';
import { notes, suppressedLines } from './table.ts';

/** Word-wrap a cell's text (paragraphs kept) to its inner width, nothing cut. */
export function wrap(text: string, width: number): string {
  return text.split('\n').flatMap((p) => wrapLine(p, width)).join('\n');
}

/** Five columns and six border characters; severity fixed, the rest shared by weight. */
export function widths(total: number): number[] {
  const avail = total - 6 - 10;
  const p = [0.2, 0.26, 0.32, 0.22];
  // A kind (`Deployment`, `StatefulSet`) stays whole in the SUBJECT column even at 80 columns.
  const min = [13, 12, 14, 10];
  const w = p.map((x, i) => Math.max(min[i], Math.floor(avail * x)));
  w[1] += avail - w.reduce((a, b) => a + b, 0);
  return [10, ...w];
}

function evidenceCell(f: Finding): string {
  const lines = f.evidence.map((e) => `[${e.source}] ${clean(e.detail)}`);
  if (f.affected?.length) { lines.push(`affects: ${f.affected.map((a) => clean(`${a.namespace}/${a.workload ?? a.pod}`)).join(', ')}`); }
  return lines.join('\n');
}

/** One line per app, its path hop by hop (apps[].hops): where the data stops, without reading the JSON. */
function pathLines(r: Report, width: number): string[] {
  const apps = r.apps.filter((a) => a.hops?.length);
  if (!apps.length) { return []; }
  const out = ['', ...hanging(0, '', 'Paths, hop by hop (each hop\'s proof: -o json, apps[].hops)', width)];
  for (const a of apps) {
    const hops = (a.hops ?? []).map((h) => `${h.hop} ${h.status}${h.findings?.length ? ` (${h.findings.join(', ')})` : ''}`).join(' > ');
    const [kind, name] = a.workload?.includes('/') ? a.workload.split('/', 2) : ['Pod', a.pod];
    out.push(...wrapLine(clean(`${kind} ${a.namespace}/${name} (${a.container}): ${hops}`), width - 4).map((l, i) => `${i ? '    ' : '  '}${l}`.trimEnd()));
  }
  return out;
}

export function renderWide(r: Report, opts: RenderOptions = {}): string {
  const width = widthOf(opts);
  const paint = painter(opts.color);
  if (r.findings.length === 0) { return `${[...healthyText(r).flatMap((l) => hanging(0, '', l, width)), ...pathLines(r, width), ...suppressedLines(r, width), ...notes(r, width)].join('\n')}\n`; }
  const w = widths(width);
  // One table row per visual line: cli-table3 measures a multi-line cell once per line it draws (quadratic,
  // and string-width is slow), so long evidence cells took seconds. Rows of one finding share no rule line.
  const t = new Table({
    head: ['SEVERITY', 'SUBJECT', 'ROOT CAUSE', 'EVIDENCE', 'FIX'],
    colWidths: w,
    wordWrap: false,
    chars: { mid: '', 'left-mid': '', 'mid-mid': '', 'right-mid': '' },
    style: opts.color ? { head: ['bold'], border: ['grey'] } : { head: [], border: [] },
  });
  const inner = (i: number): number => w[i] - 2;
  r.findings.forEach((f, idx) => {
    const s = f.subject;
    const subject = [s.kind, s.namespace ? `${s.namespace}/` : '', s.name, s.container ? `(${s.container})` : ''].filter(Boolean).map(clean).join('\n');
    const cells = [
      [paint(f.severity.toUpperCase(), f.severity)],
      wrap(subject, inner(1)).split('\n'),
      wrap(`${f.rule}:\n${clean(`${f.summary}. ${f.rootCause}`)}`, inner(2)).split('\n'),
      wrap(evidenceCell(f), inner(3)).split('\n'),
      wrap(clean(f.fix.summary), inner(4)).split('\n'),
    ];
    if (idx > 0) { t.push(w.map((x) => '─'.repeat(x - 2))); }
    const n = Math.max(...cells.map((c) => c.length));
    for (let i = 0; i < n; i++) { t.push(cells.map((c) => c[i] ?? '')); }
  });
  const healthy = r.summary.errors + r.summary.warnings === 0 ? healthyText(r).flatMap((l) => hanging(0, '', l, width)) : [];
  const out = [...healthy, t.toString(), summaryLine(r), ...suppressedLines(r, width)];
  r.findings.forEach((f, i) => {
    const c = f.fix.commands;
    if (!f.fix.patch && !c?.apply.length && !c?.restart && !f.affected?.length) { return; }
    out.push('', ...wrapLine(`${i + 1}. ${f.rule} ${clean(checkSubject(f.subject))}`, width));
    if (f.fix.patch) {
      out.push(...hanging(2, 'patch: ', clean(f.fix.target ?? f.fix.object?.name ?? ''), width));
      for (const l of sanitize(f.fix.patch, { keepNewlines: true }).split('\n')) { out.push(...wrapLine(l, width - 4).map((x) => `    ${x}`.trimEnd())); }
    }
    for (const a of c?.apply ?? []) { out.push(...wrapCommand(sanitize(a, { keepNewlines: true }), width, 2)); }
    if (c?.restart) { out.push(...wrapCommand(sanitize(c.restart), width, 2)); }
    if (c?.apply.length || c?.restart) { out.push(...wrapCommand(sanitize(c.verify), width, 2)); }
    for (const a of f.affected ?? []) { out.push(...hanging(2, 'affects ', clean(`${a.namespace}/${a.pod} (${a.container})${a.endpoint ? ` -> ${a.endpoint}` : ''}${a.symptoms.length ? `: ${a.symptoms.join('; ')}` : ''}`), width)); }
  });
  out.push(...pathLines(r, width));
  const noteLines = notes(r, width);
  if (noteLines.length) { out.push(...noteLines); }
  return `${out.join('\n')}\n`;
}
