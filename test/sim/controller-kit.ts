// What the controllers share: the resource types they work on, owner references, pod readiness and
// activity, the pod-template hash, node fit for scheduling, and create/delete that tolerate races.
import type { KObject, ResourceType, Store } from './store.ts';
import { KCM } from './managed-fields.ts';

export { KCM };
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
  // Stored objects are never changed in place, so a template object's hash is computed once per version.
  const cached = !collisionCount && template && typeof template === 'object' ? hashCache.get(template) : undefined;
  if (cached) { return cached; }
  let h = 0x811c9dc5;
  const bytes = Buffer.from(JSON.stringify(template) + (collisionCount ? String(collisionCount) : ''), 'utf8');
  for (let i = 0; i < bytes.length; i++) {
    h ^= bytes[i];
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  const out = [...String(h >>> 0)].map((c) => SAFE_ALPHABET[c.charCodeAt(0) % SAFE_ALPHABET.length]).join('');
  if (!collisionCount && template && typeof template === 'object') { hashCache.set(template, out); }
  return out;
}
const hashCache = new WeakMap<object, string>();

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

/**
 * What `owner` controls, from the store's owner index (as the controllers' informers index by owner):
 * the stored objects, read-only. Not a scan of every pod per workload, which is quadratic at scale.
 */
export function ownedBy(store: Store, t: ResourceType, owner: KObject): KObject[] {
  return store.select(t, { ownerUid: owner.metadata.uid ?? '', namespace: owner.metadata.namespace, unordered: true });
}

/**
 * Writes `o.status = status` unless the stored status already equals it: comparing the status alone
 * is cheaper than Store.mutate's copy and two serialisations of the whole object, on every pass.
 */
export function writeStatus(store: Store, t: ResourceType, o: Readonly<KObject>, status: unknown): void {
  const cur = store.peek(t, o.metadata.namespace, o.metadata.name);
  if (!cur || JSON.stringify(cur.status) === JSON.stringify(status)) { return; }
  // Through the status subresource, under whichever controller writes it (the controller manager's by default).
  store.as({ ...(store.currentActor ?? KCM), subresource: 'status' }, () => store.mutate(t, o.metadata.namespace, o.metadata.name, (x) => { x.status = status; }));
}

/**
 * Creates `o`, or leaves it when the name is taken (409), as the real controllers back off. The store
 * adopts `o` (callers build it fresh and drop it) and the stored object comes back: read it, never change it.
 */
export function tryCreate(store: Store, t: ResourceType, o: KObject): KObject | undefined {
  try {
    return store.create(t, o, { adopt: true });
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
