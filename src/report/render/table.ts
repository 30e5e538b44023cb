/**
 * The default output, for a person at a terminal: a summary table of one line per root cause that fits
 * the width, then one block per finding with its proof uncut, the affected apps, and the fix with the
 * commands that apply it, make it take effect and check it.
 */
import Table from 'cli-table3';
import type { Finding, Report } from '../finding.ts';
import { sanitize } from '../sanitize.ts';
import { clean, healthyText, summaryLine, type RenderOptions } from './common.ts';
import { ellipsis, hanging, painter, wrapCommand, wrapLine, widthOf, type Paint } from './text.ts';

const GAP = 2;
/** The narrowest WHAT column worth showing; below it the SUBJECT gives way (see summaryTable). */
const MIN_WHAT = 20;
/** The proof's source labels line up in one column. */
const LABEL = 8;
const FIX_LABEL = 9;
/** How many collectors, and how many apps, a clean result lists by name. */
const MAX_LISTED = 6;

export function subjectCell(f: Finding): string {
  const s = f.subject;
  return clean(`${s.kind} ${s.namespace ? `${s.namespace}/` : ''}${s.name}`);
}

/** The subject in `n` columns: the namespace gives way first (the block below names it in full), then the middle. */
function shortSubject(f: Finding, n: number): string {
  const full = subjectCell(f);
  if (full.length <= n || !f.subject.namespace) { return middleEllipsis(full, n); }
  const kind = clean(f.subject.kind);
  const name = clean(f.subject.name);
  const nsRoom = n - kind.length - name.length - 2;
  return nsRoom >= 2 ? `${kind} ${ellipsis(clean(f.subject.namespace), nsRoom)}/${name}` : middleEllipsis(full, n);
}

/** `head…tail`: a name keeps both ends, which tell more than either alone. */
function middleEllipsis(s: string, n: number): string {
  if (s.length <= n) { return s; }
  if (n <= 1) { return '…'; }
  const head = Math.ceil((n - 1) / 2);
  return `${s.slice(0, head)}…${s.slice(s.length - (n - 1 - head))}`;
}

/**
 * SEVERITY, RULE, SUBJECT and WHAT on one line each. Only WHAT is cut (with an ellipsis) to fit, down to
 * MIN_WHAT columns; a terminal too narrow even for that shortens the SUBJECT in the middle, then the
 * RULE, since a line wider than the terminal wraps and breaks every column. Each block below repeats
 * the subject and rule in full.
 */
export function summaryTable(r: Report, width: number, paint: Paint): string[] {
  const sevW = 'SEVERITY'.length;
  let ruleW = Math.max('RULE'.length, ...r.findings.map((f) => f.rule.length));
  let subjW = Math.max('SUBJECT'.length, ...r.findings.map((f) => subjectCell(f).length));
  const fixed = (): number => sevW + ruleW + subjW + 3 * GAP;
  if (width - fixed() < MIN_WHAT) { subjW = Math.max('SUBJECT'.length, subjW - (MIN_WHAT - (width - fixed()))); }
  if (width - fixed() < MIN_WHAT) { ruleW = Math.max('RULE'.length, ruleW - (MIN_WHAT - (width - fixed()))); }
  const whatW = Math.max(1, width - fixed());
  const t = new Table({
    head: ['SEVERITY', 'RULE', 'SUBJECT', 'WHAT'].map((h) => paint(h, 'bold')),
    colWidths: [sevW + GAP, ruleW + GAP, subjW + GAP, whatW],
    wordWrap: false,
    // Borderless, like kubectl get: every column is the width of its longest cell.
    chars: { top: '', 'top-mid': '', 'top-left': '', 'top-right': '', bottom: '', 'bottom-mid': '', 'bottom-left': '', 'bottom-right': '', left: '', 'left-mid': '', mid: '', 'mid-mid': '', right: '', 'right-mid': '', middle: '' },
    style: { 'padding-left': 0, 'padding-right': 0, head: [], border: [] },
  });
  for (const f of r.findings) {
    t.push([paint(f.severity.toUpperCase(), f.severity), middleEllipsis(f.rule, ruleW), shortSubject(f, subjW), ellipsis(clean(f.summary), whatW)]);
  }
  return t.toString().split('\n').map((l) => l.trimEnd());
}

function proof(f: Finding, width: number, paint: Paint): string[] {
  const out = [paint('Proof', 'bold')];
  for (const e of f.evidence) { out.push(...hanging(2, e.source.padEnd(LABEL), clean(e.detail), width, (l) => paint(e.source, e.source) + l.slice(e.source.length))); }
  return out;
}

function affected(f: Finding, width: number, paint: Paint): string[] {
  if (!f.affected?.length) { return []; }
  const out = [paint('Affected apps', 'bold')];
  for (const a of f.affected) {
    const [first, ...more] = wrapLine(clean(`${a.namespace}/${a.workload ?? a.pod} (${a.container})${a.endpoint ? ` -> ${a.endpoint}` : ''}`), width - 6);
    out.push(`  ${first}`, ...more.map((m) => `      ${m}`));
    if (a.symptoms.length) { out.push(...hanging(6, '', clean(a.symptoms.join('; ')), width)); }
  }
  return out;
}

function fixBlock(f: Finding, width: number, paint: Paint): string[] {
  const out = [...hanging(0, 'Fix  ', clean(f.fix.summary), width, (l) => paint(l.trimEnd(), 'bold') + l.slice(l.trimEnd().length))];
  const o = f.fix.object;
  const row = (label: string, text: string): string[] => hanging(2, label.padEnd(FIX_LABEL), text, width, (l) => paint(l.trimEnd(), 'dim') + l.slice(l.trimEnd().length));
  if (o) {
    const key = o.key ? (o.kind === 'ConfigMap' ? `, key ${o.key}` : o.kind === 'Helm release' ? `, value ${o.key}` : `, ${o.key}`) : '';
    out.push(...row('change', clean(`${o.kind} ${o.namespace ? `${o.namespace}/` : ''}${o.name}${key}${o.container ? `, container ${o.container}` : ''}`)));
  } else if (f.fix.target) {
    out.push(...row('change', clean(f.fix.target)));
  }
  if (f.location) { out.push(...row('file', clean(`${f.location.file}${f.location.line ? `:${f.location.line}` : ''}${f.location.column ? `:${f.location.column}` : ''}`))); }
  if (f.fix.patch) {
    out.push(`  ${paint('patch', 'dim')}`);
    const indent = 2 + FIX_LABEL;
    for (const l of sanitize(f.fix.patch, { keepNewlines: true }).split('\n')) {
      // YAML keeps its own indentation: a continuation of an over-long line goes under the line's text,
      // where YAML folds it into the same plain scalar. A comment's continuation is a comment again, so the
      // pasted patch still parses.
      const lead = /^\s*/.exec(l)?.[0].length ?? 0;
      const comment = /^#\s?/.exec(l.slice(lead))?.[0];
      if (comment) {
        const [first, ...more] = wrapLine(l.slice(lead + comment.length), width - indent - lead - 2);
        out.push(`${' '.repeat(indent + lead)}# ${first}`.trimEnd(), ...more.map((m) => `${' '.repeat(indent + lead)}# ${m}`.trimEnd()));
        continue;
      }
      const [first, ...more] = wrapLine(l.slice(lead), width - indent - lead - 2);
      out.push(`${' '.repeat(indent + lead)}${first}`.trimEnd(), ...more.map((m) => `${' '.repeat(indent + lead + 2)}${m}`));
    }
  }
  const c = f.fix.commands;
  if (!c) { return out; }
  const cmd = (label: string, command: string): string[] => {
    // Newlines in a command are its here-document; everything else of the cluster's is stripped.
    const lines = wrapCommand(sanitize(command, { keepNewlines: true }), width, 2 + FIX_LABEL);
    return [`  ${paint(label, 'dim')}${' '.repeat(FIX_LABEL - label.length)}${lines[0].slice(2 + FIX_LABEL)}`, ...lines.slice(1)];
  };
  for (const a of c.apply) { out.push(...cmd('apply', a)); }
  if (c.restart) { out.push(...cmd('restart', c.restart)); } else if (c.restartNote) { out.push(...row('restart', `not needed: ${clean(c.restartNote)}`)); }
  out.push(...cmd('verify', c.verify));
  return out;
}

export function findingBlock(f: Finding, index: number, width: number, paint: Paint): string[] {
  const head = `${index + 1}. ${f.severity.toUpperCase()} ${f.rule}  ${clean(`${subjectCell(f)}${f.subject.container ? ` (${f.subject.container})` : ''}`)}`;
  const sevAt = `${index + 1}. `.length;
  const sev = f.severity.toUpperCase();
  const headLines = wrapLine(head, width).map((l, i) => (i === 0 ? `${l.slice(0, sevAt)}${paint(sev, f.severity)}${paint(l.slice(sevAt + sev.length), 'bold')}` : paint(l, 'bold')));
  return [...headLines, ...wrapLine(clean(f.rootCause), width), ...proof(f, width, paint), ...affected(f, width, paint), ...fixBlock(f, width, paint)];
}

/** A clean result in a few lines: what was checked, each collector's endpoints, each app's endpoint and probe. */
export function healthyBlock(r: Report, width: number): string[] {
  const [first, ...rest] = healthyText(r);
  // A big cluster would list hundreds of apps: the first few of each kind, then how many more.
  const shown: string[] = [];
  for (const kind of ['collector ', 'app ']) {
    const all = rest.filter((l) => l.trim().startsWith(kind));
    shown.push(...all.slice(0, MAX_LISTED));
    if (all.length > MAX_LISTED) { shown.push(`  ... and ${all.length - MAX_LISTED} more ${kind.trim()}s (-o wide lists every one)`); }
  }
  shown.push(...rest.filter((l) => !/^\s*(collector|app) /.test(l)));
  return [...wrapLine(first, width), ...shown.flatMap((l) => hanging(4, '', l.trim(), width).map((x, i) => (i === 0 ? `  ${x.trimStart()}` : x)))];
}

/** Findings an annotation, the config file or --ignore suppressed: never silently dropped, one line each. */
export function suppressedLines(r: Report, width: number): string[] {
  return (r.suppressed ?? []).flatMap((f) => hanging(0, 'suppressed: ', clean(`${f.rule} ${subjectCell(f)}${f.suppression ? `: ${f.suppression.reason} (${f.suppression.by} ${f.suppression.source})` : ''}`), width));
}

/** The report's notes, each wrapped under its `note: ` label. */
export function notes(r: Report, width: number): string[] {
  return (r.notes ?? []).flatMap((n) => hanging(0, 'note: ', clean(n), width));
}

export function renderTable(r: Report, opts: RenderOptions = {}): string {
  const width = widthOf(opts);
  const paint = painter(opts.color);
  // Notes (objects declared twice, images without a version, ...) qualify a clean result too.
  if (r.findings.length === 0) { return `${[...healthyBlock(r, width), ...suppressedLines(r, width), ...notes(r, width)].join('\n')}\n`; }
  const out: string[] = [];
  if (r.summary.errors + r.summary.warnings === 0) { out.push(...healthyBlock(r, width), ''); }
  out.push(...summaryTable(r, width, paint), '', summaryLine(r), ...suppressedLines(r, width));
  r.findings.forEach((f, i) => { out.push('', ...findingBlock(f, i, width, paint)); });
  const n = notes(r, width);
  if (n.length) { out.push('', ...n); }
  return `${out.join('\n')}\n`;
}

/**
 * A fleet (diagnose --context A --context B, --all-contexts): a heading per cluster with that cluster's
 * report as a single diagnosis prints it (summary table and blocks, or its clean summary), then one line
 * over all of them. `render` is this table or the wide one.
 */
export function renderFleetTable(sections: { cluster: string; report: Report }[], opts: RenderOptions = {}, render: (r: Report, o: RenderOptions) => string = renderTable): string {
  const width = widthOf(opts);
  const paint = painter(opts.color);
  const out: string[] = [];
  for (const s of sections) {
    const head = `Cluster ${clean(s.cluster)}: ${summaryLine(s.report)}`;
    out.push(...wrapLine(head, width).map((l) => paint(l, 'bold')), paint('='.repeat(Math.min(width, head.length)), 'dim'), render(s.report, opts).trimEnd(), '');
  }
  const total = { errors: 0, warnings: 0, infos: 0 };
  for (const s of sections) {
    total.errors += s.report.summary.errors;
    total.warnings += s.report.summary.warnings;
    total.infos += s.report.summary.infos;
  }
  out.push(`${sections.length} cluster${sections.length === 1 ? '' : 's'}: ${summaryLine({ summary: total } as Report)}`);
  return `${out.join('\n')}\n`;
}
