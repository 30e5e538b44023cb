// What the controllers share: the resource types they work on, owner references, pod readiness and
// activity, the pod-template hash, node fit for scheduling, and create/delete that tolerate races.
import type { KObject, ResourceType, Store } from './store.ts';
import { matchesSelector, typeByKind } from './store.ts';

export const T = (kind: string): ResourceType => {
  const t = typeByKind(kind);
  if (!t) { throw new Error(`store serves no ${kind}`); }
  return t;
};
export const POD = T('Pod');
export const NODE = T('Node');
export const NS = T('Namespace');
export const SVC = T('Service');
export const EP = T('Endpoints');
export const EPS = T('EndpointSlice');
export const DEPLOY = T('Deployment');
export const RS = T('ReplicaSet');
export const DS = T('DaemonSet');
export const STS = T('StatefulSet');
export const SA = T('ServiceAccount');

// Kubernetes' rand.SafeEncodeString alphabet: no vowels, no look-alikes, so hashes never spell words.
const SAFE_ALPHABET = 'bcdfghjklmnpqrstvwxz2456789';

/**
 * The pod-template-hash as the Deployment controller derives it: FNV-32a of the template, printed in
 * decimal and mapped through the safe alphabet (so up to 10 characters such as `7d4b9c6f8d`).
 * Go hashes its own deep-printed form; JSON gives the same property (stable per template).
 */
export function podTemplateHash(template: unknown, collisionCount = 0): string {
  let h = 0x811c9dc5;
  const text = JSON.stringify(template) + (collisionCount ? String(collisionCount) : '');
  for (const byte of Buffer.from(text, 'utf8')) {
    h ^= byte;
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return [...String(h >>> 0)].map((c) => SAFE_ALPHABET[c.charCodeAt(0) % SAFE_ALPHABET.length]).join('');
}

export const now = () => new Date().toISOString().replace(/\.\d+Z$/, 'Z');
export const controllerRef = (o: KObject) => o.metadata.ownerReferences?.find((r) => r.controller);
export const ownerRefTo = (o: KObject) => ({ apiVersion: o.apiVersion, kind: o.kind, name: o.metadata.name, uid: o.metadata.uid as string, controller: true, blockOwnerDeletion: true });

export function isPodReady(p: KObject): boolean {
  return (p.status?.conditions ?? []).some((c: { type: string; status: string }) => c.type === 'Ready' && c.status === 'True');
}
export const isTerminal = (p: KObject) => p.status?.phase === 'Succeeded' || p.status?.phase === 'Failed';
export const isActive = (p: KObject) => !p.metadata.deletionTimestamp && !isTerminal(p);

export function nodeFits(node: KObject, spec: KObject['spec']): boolean {
  const labels = node.metadata.labels ?? {};
  for (const [k, v] of Object.entries((spec?.nodeSelector ?? {}) as Record<string, string>)) { if (labels[k] !== v) { return false; } }
  const terms = spec?.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms as Array<Record<string, Array<{ key: string; operator: string; values?: string[] }>>> | undefined;
  if (!terms?.length) { return true; }
  return terms.some((term) => {
    const fieldsOk = (term.matchFields ?? []).every((e) => e.key !== 'metadata.name' || matchesSelector({ n: node.metadata.name }, { matchExpressions: [{ ...e, key: 'n' }] }));
    const exprs = term.matchExpressions ?? [];
    return fieldsOk && (exprs.length === 0 || matchesSelector(labels, { matchExpressions: exprs }));
  });
}

export function podsOwnedBy(pods: KObject[], owner: KObject) {
  return pods.filter((p) => p.metadata.namespace === owner.metadata.namespace && controllerRef(p)?.uid === owner.metadata.uid);
}

/** Creates `o`, or leaves it when the name is taken (409), as the real controllers back off. */
export function tryCreate(store: Store, t: ResourceType, o: KObject): KObject | undefined {
  try {
    return store.create(t, o);
  } catch (e) {
    // A name taken by an object the controller does not own: the real controllers also back off.
    if ((e as { code?: number }).code === 409) { return undefined; }
    throw e;
  }
}
/** Deletes an object unless it is already gone. */
export function tryDelete(store: Store, t: ResourceType, ns: string | undefined, name: string) {
  try { store.delete(t, ns, name); } catch (e) { if ((e as { code?: number }).code !== 404) { throw e; } }
}
