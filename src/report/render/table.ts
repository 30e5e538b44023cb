/** The default output: one row per root cause, readable at 100 columns. */
import Table from 'cli-table3';
import type { Finding, Report } from '../finding.ts';
import { clean, healthyText, summaryLine, type RenderOptions } from './common.ts';

const COLORS: Record<string, string> = { error: '\x1b[31m', warning: '\x1b[33m', info: '\x1b[36m' };
const RESET = '\x1b[0m';

function sev(f: Finding, color: boolean): string {
  const t = f.severity.toUpperCase();
  return color ? `${COLORS[f.severity]}${t}${RESET}` : t;
}

function evidenceCell(f: Finding, full: boolean): string {
  // The table shows one piece per source (config, exec, log, api) so the proof from each kind is visible.
  const ev = full ? f.evidence : (['config', 'exec', 'log', 'api'] as const).map((src) => f.evidence.find((e) => e.source === src)).filter((e) => e !== undefined).slice(0, 3);
  const lines = ev.map((e) => `[${e.source}] ${clean(full ? e.detail : shorten(e.detail, 110))}`);
  if (!full && f.evidence.length > ev.length) { lines.push(`(+${f.evidence.length - ev.length} more: -o wide)`); }
  if (f.affected?.length) { lines.push(`affects: ${f.affected.map((a) => clean(`${a.namespace}/${a.workload ?? a.pod}`)).join(', ')}`); }
  return lines.join('\n');
}

function shorten(s: string, n: number): string {
  return s.length > n ? `${s.slice(0, n - 1)}…` : s;
}

/** Word-wrap to a width, hard-splitting words longer than the width (names, URLs) instead of cutting them. */
export function wrap(text: string, width: number): string {
  const out: string[] = [];
  for (const para of text.split('\n')) {
    let line = '';
    for (let word of para.split(/ +/)) {
      while (word.length > width) {
        if (line) {
          out.push(line);
          line = '';
        }
        // Prefer to break after a separator inside the long word.
        const cut = Math.max(...['/', '.', ',', ':', '-', '='].map((c) => word.lastIndexOf(c, width - 1) + 1));
        const at = cut > width / 3 ? cut : width;
        out.push(word.slice(0, at));
        word = word.slice(at);
      }
      if (!line) { line = word; } else if (line.length + 1 + word.length <= width) { line += ` ${word}`; } else {
        out.push(line);
        line = word;
      }
    }
    out.push(line);
  }
  return out.join('\n');
}

export function widths(total: number, full: boolean): number[] {
  // 5 columns + 6 border characters; severity fixed, the rest shared.
  const avail = Math.max(94, total - 6) - 10;
  const p = full ? [0.18, 0.28, 0.32, 0.22] : [0.22, 0.34, 0.22, 0.22];
  const w = p.map((x) => Math.max(8, Math.floor(avail * x)));
  w[1] += avail - w.reduce((a, b) => a + b, 0);
  return [10, ...w];
}

export function renderTable(r: Report, opts: RenderOptions = {}, full = false): string {
  const color = opts.color === true;
  // Notes (objects declared twice, images without a version, ...) qualify a clean result too.
  if (r.findings.length === 0) { return `${[...healthyText(r), ...(r.notes ?? []).map((n) => `note: ${clean(n)}`)].join('\n')}\n`; }
  const w = widths(opts.width ?? 100, full);
  // One table row per visual line: cli-table3 measures a multi-line cell once per line it draws (quadratic,
  // and string-width is slow), so long evidence cells took seconds. Rows of one finding share no rule line.
  const t = new Table({
    head: ['SEVERITY', 'SUBJECT', 'ROOT CAUSE', 'EVIDENCE', 'FIX'],
    colWidths: w,
    wordWrap: false,
    chars: { mid: '', 'left-mid': '', 'mid-mid': '', 'right-mid': '' },
    style: color ? { head: ['bold'], border: ['grey'] } : { head: [], border: [] },
  });
  const inner = (i: number): number => w[i] - 2;
  r.findings.forEach((f, idx) => {
    const s = f.subject;
    const subject = [s.kind, s.namespace ? `${s.namespace}/` : '', s.name, s.container ? `(${s.container})` : ''].filter(Boolean).map(clean).join('\n');
    const cells = [
      [sev(f, color)],
      wrap(subject, inner(1)).split('\n'),
      wrap(`${f.rule}:\n${clean(full ? `${f.summary}. ${f.rootCause}` : f.summary)}`, inner(2)).split('\n'),
      wrap(evidenceCell(f, full), inner(3)).split('\n'),
      wrap(clean(f.fix.summary), inner(4)).split('\n'),
    ];
    if (idx > 0) { t.push(w.map((x) => '─'.repeat(x - 2))); }
    const n = Math.max(...cells.map((c) => c.length));
    for (let i = 0; i < n; i++) { t.push(cells.map((c) => c[i] ?? '')); }
  });
  const notes = (r.notes ?? []).map((n) => `note: ${clean(n)}`);
  const healthy = r.summary.errors + r.summary.warnings === 0 ? `${healthyText(r).join('\n')}\n` : '';
  return `${healthy}${t.toString()}\n${summaryLine(r)}${notes.length ? `\n${notes.join('\n')}` : ''}\n`;
}
