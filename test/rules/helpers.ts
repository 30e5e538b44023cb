import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { normalizeSnapshot, type Snapshot } from '../../src/snapshot.ts';
import type { Finding } from '../../src/report/finding.ts';

const DIR = new URL('../fixtures/snapshots/', import.meta.url);

export function loadSnapshot(name: string): Snapshot {
  return normalizeSnapshot(parse(readFileSync(new URL(name.endsWith('.yaml') ? name : `${name}.yaml`, DIR), 'utf8')));
}

/** Compare rule, severity and subject exactly. */
export function keyOf(f: Finding): string {
  const s = f.subject;
  return `${f.rule} ${f.severity} ${s.kind} ${s.namespace ?? ''}/${s.name}${s.container ? `:${s.container}` : ''}`;
}

export function findingsOf(r: { findings: Finding[] } | Finding[]): Finding[] {
  return Array.isArray(r) ? r : r.findings;
}

/** Deep clone + patch of a snapshot (tests derive variants from one fixture). */
export function variant(s: Snapshot, patch: (s: Snapshot) => void): Snapshot {
  const c = structuredClone(s);
  patch(c);
  return c;
}

import { judge } from '../../src/engine.ts';

/** Keys of findings at error/warning (and info when asked), through the whole engine (correlation included). */
export function judged(s: Snapshot, withInfo = false): string[] {
  return judge(s).findings.filter((f) => withInfo || f.severity !== 'info').map(keyOf);
}

/** Keys of findings of one rule run alone (no correlation). */
export function ruleKeys(check: (s: Snapshot) => unknown, s: Snapshot): string[] {
  const r = check(s) as Finding[] | { findings: Finding[] };
  return (Array.isArray(r) ? r : r.findings).map(keyOf);
}
