/**
 * The `otel-doctor.io/ignore` annotations on the objects a diagnosis or a lint read, for src/suppress.ts.
 * Pure: the same Discovery in both modes.
 *
 * A finding's subject is usually a workload, while people often annotate the pod template (it is where
 * their other per-app annotations live): a pod's annotation therefore also counts for the workload that
 * owns it, said as `via: pod template`.
 */
import type { IgnoreAnnotation } from '../snapshot.ts';
import { IGNORE_ANNOTATION, parseIgnoreAnnotation } from '../suppress.ts';
import type { Discovery, Workload } from './discover.ts';
import type { KObject } from '../cluster/types.ts';

export interface Ignores {
  ignores: IgnoreAnnotation[];
  /** annotations that could not be read (no reason, a malformed id): said, never applied by guessing */
  notes: string[];
}

export function ignoreAnnotations(disc: Pick<Discovery, 'pods' | 'services' | 'networkPolicies' | 'configMaps' | 'collectorCRs' | 'instrumentations' | 'workloads' | 'collectors' | 'apps'>): Ignores {
  const ignores: IgnoreAnnotation[] = [];
  const notes: string[] = [];
  const seen = new Set<string>();
  const add = (o: { kind: string; namespace?: string; name: string }, value: unknown, via?: string) => {
    if (typeof value !== 'string') { return; }
    const where = `${o.kind} ${o.namespace ? `${o.namespace}/` : ''}${o.name}${via ? ` (${via})` : ''}`;
    const parsed = parseIgnoreAnnotation(value);
    if ('error' in parsed) {
      if (!seen.has(`note ${where}`)) { notes.push(`${IGNORE_ANNOTATION} on ${where} is not applied: ${parsed.error}`); }
      seen.add(`note ${where}`);
      return;
    }
    const key = `${o.kind}/${o.namespace ?? ''}/${o.name}/${parsed.rules.join(',')}`;
    if (seen.has(key)) { return; }
    seen.add(key);
    ignores.push({ kind: o.kind, ...(o.namespace ? { namespace: o.namespace } : {}), name: o.name, rules: parsed.rules, reason: parsed.reason, ...(via ? { via } : {}) });
  };
  const own = (o: KObject, kind = o.kind ?? '') => add({ kind, namespace: o.metadata?.namespace, name: o.metadata?.name ?? '' }, o.metadata?.annotations?.[IGNORE_ANNOTATION]);

  for (const o of [...disc.workloads, ...disc.services, ...disc.networkPolicies, ...disc.configMaps.values(), ...disc.collectorCRs, ...disc.instrumentations]) { own(o); }
  for (const w of disc.workloads) {
    add({ kind: w.kind ?? '', namespace: w.metadata?.namespace, name: w.metadata?.name ?? '' }, w.spec?.template?.metadata?.annotations?.[IGNORE_ANNOTATION], 'pod template');
  }
  for (const p of disc.pods) { own(p, 'Pod'); }
  // Pods whose owner the discovery resolved: their annotation also speaks for that workload.
  const owners = new Map<string, Workload>();
  for (const d of [...disc.collectors, ...disc.apps]) {
    owners.set(`${d.pod.metadata?.namespace}/${d.pod.metadata?.name}`, d.workload);
  }
  for (const p of disc.pods) {
    const w = owners.get(`${p.metadata?.namespace}/${p.metadata?.name}`);
    if (w && w.kind !== 'Pod') { add(w, p.metadata?.annotations?.[IGNORE_ANNOTATION], 'pod template'); }
  }
  return { ignores, notes };
}
