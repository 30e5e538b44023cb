import type { Finding, Report } from '../finding.ts';
import { sanitize, sanitizeDeep } from '../sanitize.ts';
import { subjectText } from '../finding.ts';

export interface RenderOptions {
  /** the caller decides: a TTY and no NO_COLOR */
  color?: boolean;
  /** terminal columns; tables fit at least 100 */
  width?: number;
}

function strip(f: Finding): Finding {
  const { explains: _e, symptomOf: _s, ...rest } = f;
  return rest as Finding;
}

/** The public JSON shape: internal correlation keys dropped, every string sanitised. */
export function publicReport(r: Report): Report {
  return sanitizeDeep({ ...r, findings: r.findings.map(strip), ...(r.suppressed ? { suppressed: r.suppressed.map(strip) } : {}) });
}

/**
 * publicReport() one piece at a time, for the streamed formats (stream.ts): `value` is a top-level entry's
 * value, or one element of a top-level array (a finding, an app...).
 */
export function publicPiece(key: string, value: unknown): unknown {
  const stripped = (key === 'findings' || key === 'suppressed') && value && typeof value === 'object' && !Array.isArray(value) ? strip(value as Finding) : value;
  return sanitizeDeep(stripped);
}

export function clean(s: string): string {
  return sanitize(s);
}

export function subjectLine(f: Finding): string {
  return clean(subjectText(f.subject));
}

export function summaryLine(r: Report): string {
  const s = r.summary;
  const plural = (n: number, w: string): string => `${n} ${w}${n === 1 ? '' : 's'}`;
  return `${plural(s.errors, 'error')}, ${plural(s.warnings, 'warning')}, ${plural(s.infos, 'info')}`;
}

/** A clean bill of health that says what was looked at, so "nothing found" is not mistaken for "nothing checked". */
export function healthyText(r: Report): string[] {
  const passed = r.checks.filter((c) => c.status === 'pass').length;
  const skipped = r.checks.filter((c) => c.status === 'skipped');
  const lines = [
    `No problems found: ${r.collectors.length} collector pod(s) and ${r.apps.length} app container(s) checked, ${passed} check(s) passed.`,
  ];
  for (const c of r.collectors) { lines.push(`  collector ${clean(`${c.namespace}/${c.name}`)} ${clean(c.image)}${c.endpoints.length ? `: ${clean(c.endpoints.join(', '))}` : ''}`); }
  for (const a of r.apps) { lines.push(`  app ${clean(`${a.namespace}/${a.pod} (${a.container})`)}${a.endpoint ? ` -> ${clean(a.endpoint)}` : ''}${a.probe ? ` [probe: ${a.probe}]` : ''}`); }
  if (skipped.length) { lines.push(`  skipped: ${skipped.map((c) => `${c.name}${c.reason ? ` (${clean(c.reason)})` : ''}`).join('; ')}`); }
  return lines;
}
