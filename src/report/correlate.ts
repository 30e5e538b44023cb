/**
 * One root cause, one row. A finding that is a symptom of another (its `symptomOf` meets the other's
 * `explains`) is folded into the root cause: its evidence and affected apps move over, labelled with the
 * symptom's rule, and the symptom row disappears. Only error/warning root causes absorb symptoms, so an
 * info finding never hides an error.
 */
import type { Finding } from './finding.ts';

export function correlate(findings: Finding[]): Finding[] {
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
