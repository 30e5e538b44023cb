/**
 * Kubernetes label selectors (metav1.LabelSelector), as the API server and NetworkPolicy implementations
 * evaluate them: every matchLabels pair and every matchExpressions requirement must hold; an absent selector
 * selects everything.
 */
import type { LabelSelector } from './snapshot.ts';

export function selectorMatches(sel: LabelSelector | null | undefined, labels: Record<string, string>): boolean {
  if (!sel) { return true; }
  for (const [k, v] of Object.entries(sel.matchLabels ?? {})) { if (labels[k] !== v) { return false; } }
  for (const e of sel.matchExpressions ?? []) {
    const has = Object.prototype.hasOwnProperty.call(labels, e.key);
    const val = labels[e.key];
    const vals = e.values ?? [];
    if (e.operator === 'In' && !(has && vals.includes(val))) { return false; }
    if (e.operator === 'NotIn' && has && vals.includes(val)) { return false; }
    if (e.operator === 'Exists' && !has) { return false; }
    if (e.operator === 'DoesNotExist' && has) { return false; }
  }
  return true;
}

/** A namespace's labels with the one the API server sets on every namespace since 1.21 (NamespaceDefaultLabelName). */
export function namespaceLabels(name: string, labels: Record<string, string> | undefined): Record<string, string> {
  return { 'kubernetes.io/metadata.name': name, ...(labels ?? {}) };
}
