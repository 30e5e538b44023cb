import type { Report } from '../finding.ts';
import type { RenderOptions } from './common.ts';
import { renderTable } from './table.ts';
import { clean } from './common.ts';
import { sanitize } from '../sanitize.ts';

/** The table with every piece of evidence and the patch, then the affected apps per finding. */
export function renderWide(r: Report, opts: RenderOptions = {}): string {
  let out = renderTable(r, { ...opts, width: Math.max(opts.width ?? 140, 140) }, true);
  for (const f of r.findings) {
    if (f.fix.patch) { out += `\n${f.rule} ${clean(`${f.subject.kind} ${f.subject.namespace ?? ''}/${f.subject.name}`)} patch (${clean(f.fix.target ?? '')}):\n${sanitize(f.fix.patch, { keepNewlines: true }).replace(/^/gm, '  ')}\n`; }
    for (const a of f.affected ?? []) { out += `  affects ${clean(`${a.namespace}/${a.pod} (${a.container})`)}${a.endpoint ? ` -> ${clean(a.endpoint)}` : ''}${a.symptoms.length ? `: ${clean(a.symptoms.join('; '))}` : ''}\n`; }
  }
  return out;
}
