/**
 * One root cause, one row. A finding that is a symptom of another (its `symptomOf` meets the other's
 * `explains`) is folded into the root cause: its evidence and affected apps move over, labelled with the
 * symptom's rule, and the symptom row disappears. Only error/warning root causes absorb symptoms, so an
 * info finding never hides an error.
 */
import type { Finding } from './finding.ts';

/**
 * Twins first: a rule that judges each pod of a workload reports the same finding once per replica (same
 * rule, subject and words). One workload, one row: the twins become one finding with the evidence and
 * the affected apps of all of them.
 */
export function mergeTwins(findings: Finding[]): Finding[] {
  const byKey = new Map<string, Finding>();
  const out: Finding[] = [];
  for (const f of findings) {
    const s = f.subject;
    const key = JSON.stringify([f.rule, f.severity, s.kind, s.namespace ?? '', s.name, s.container ?? '', f.summary, f.rootCause, f.fix.summary, f.fix.patch ?? '']);
    const first = byKey.get(key);
    if (!first) {
      const copy = { ...f, evidence: [...f.evidence], ...(f.affected ? { affected: f.affected.map((a) => ({ ...a, symptoms: [...a.symptoms] })) } : {}) };
      byKey.set(key, copy);
      out.push(copy);
      continue;
    }
    for (const e of f.evidence) {
      if (!first.evidence.some((x) => x.source === e.source && x.detail === e.detail)) { first.evidence.push(e); }
    }
    for (const a of f.affected ?? []) {
      const cur = (first.affected ??= []);
      const same = cur.find((x) => x.namespace === a.namespace && x.pod === a.pod && x.container === a.container);
      if (!same) { cur.push({ ...a, symptoms: [...a.symptoms] }); continue; }
      for (const sy of a.symptoms) { if (!same.symptoms.includes(sy)) { same.symptoms.push(sy); } }
    }
    for (const k of ['explains', 'symptomOf'] as const) {
      const more = f[k]?.filter((x) => !first[k]?.includes(x)) ?? [];
      if (more.length) { first[k] = [...(first[k] ?? []), ...more]; }
    }
  }
  return out;
}

export function correlate(input: Finding[]): Finding[] {
  const findings = mergeTwins(input);
  const roots = findings.filter((f) => f.explains?.length && f.severity !== 'info');
  const folded = new Set<Finding>();
  const out = findings.map((f) => ({ ...f, evidence: [...f.evidence], affected: f.affected ? [...f.affected] : undefined }));
  const byOrig = new Map(findings.map((f, i) => [f, out[i]]));
  for (const f of findings) {
    if (!f.symptomOf?.length) {
      continue;
    }
    const root = roots.find((r) => r !== f && r.explains?.some((k) => f.symptomOf?.includes(k)) && !folded.has(r));
    if (!root) {
      continue;
    }
    const target = byOrig.get(root) as Finding;
    // From the symptom's copy, which may already hold what its own symptoms brought (a chain folds whole).
    const from = byOrig.get(f) as Finding;
    for (const e of from.evidence) {
      const detail = `[${f.rule}] ${e.detail}`;
      if (!target.evidence.some((x) => x.detail === e.detail || x.detail === detail)) {
        target.evidence.push({ source: e.source, detail });
      }
    }
    for (const a of from.affected ?? []) {
      const cur = (target.affected ??= []);
      const same = cur.find((x) => x.namespace === a.namespace && x.pod === a.pod && x.container === a.container);
      if (!same) {
        cur.push({ ...a, symptoms: [...a.symptoms] });
        continue;
      }
      // An app already listed gains the symptoms it did not have; one it had is not repeated.
      for (const sy of a.symptoms) {
        if (!same.symptoms.includes(sy)) {
          same.symptoms.push(sy);
        }
      }
    }
    folded.add(f);
  }
  return out.filter((_f, i) => !folded.has(findings[i]));
}
