// metadata.managedFields as the API server's field manager records them on every create and update
// (k8s.io/apimachinery pkg/util/managedfields/internal; the sets from sigs.k8s.io/structured-merge-diff):
// - an Update (create, PUT, non-apply PATCH, a controller's or kubelet's write) gives its manager the fields
//   it added or changed: typed.Compare(live, new) Added ∪ Modified, merged into the manager's earlier set
//   (managedfieldsupdater.go Update: "current-operation", then the union and a new time); fields it
//   removed leave every set, and fields it took leave the other managers' sets (merge/update.go, force);
//   a write that changes nothing keeps the entries and their times;
// - an Apply gives its manager exactly the fields of the applied object (typed ToFieldSet, tofieldset.go);
// - apiVersion, kind and the identity fields of metadata are never recorded (stripmeta.go);
// - entries sorted by operation, time, manager, apiVersion, subresource (managedfields.go
//   sortEncodedManagedFields); an entry whose set is empty is dropped.
// Compare marks a non-leaf node itself (the `.` of FieldsV1) when it is new, i.e. absent from the live
// object; a create compares with the Go type's zero value, whose non-pointer structs (metadata, spec,
// status, spec.template...) are present, so those never get a `.` (ZERO below). Leaves are scalars, atomic
// lists and maps, and empty maps and lists. Lists are associative by the merge keys of the built-in types'
// schema, `set` (finalizers), or atomic (the default for any list without a merge key, CRs included).
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Any = any;

export interface FieldActor {
  /** The manager name: a request's fieldManager, else its User-Agent up to the first '/'. */
  manager: string;
  operation: 'Update' | 'Apply';
  subresource?: string;
  /** The version the writer spoke (a request's group/version); the type's preferred one otherwise. */
  apiVersion?: string;
  /** Apply: the applied configuration (its fields are the manager's set). */
  applied?: Any;
  /** A create's request as sent, before admission: what the server allocated or admission added is not the sender's. */
  sent?: Any;
}

/** The controller manager's writes: its clients' User-Agent is kube-controller-manager/<version> (...). */
export const KCM: FieldActor = { manager: 'kube-controller-manager', operation: 'Update' };
/** The kubelet's pod status writes: pods/status as kubelet/<version> (pkg/kubelet/status). */
export const KUBELET_STATUS: FieldActor = { manager: 'kubelet', operation: 'Update', subresource: 'status' };

/** The manager the API server names for a request (handlers/rest.go managerOrUserAgent, prefixFromUserAgent). */
export function managerOf(fieldManager: string | null | undefined, userAgent: string | undefined): string {
  if (fieldManager) { return fieldManager; }
  const p = (userAgent ?? '').split('/')[0];
  return p || 'unknown';
}

/** A field set: `self` is the node's own membership (FieldsV1 `.` when it has children). */
interface FNode { self: boolean; kids: Map<string, FNode>; /** In a removal: the whole subtree went. */ all?: boolean }
const node = (): FNode => ({ self: false, kids: new Map() });
const child = (n: FNode, k: string): FNode => { let c = n.kids.get(k); if (!c) { c = node(); n.kids.set(k, c); } return c; };
const isEmpty = (n: FNode): boolean => !n.self && n.kids.size === 0;

function decode(f: Any): FNode {
  const n = node();
  for (const [k, v] of Object.entries((f ?? {}) as Record<string, Any>)) {
    if (k === '.') { n.self = true; continue; }
    const c = decode(v);
    if (c.kids.size === 0) { c.self = true; }
    n.kids.set(k, c);
  }
  return n;
}
const decodeCached = decode;
/** Whether a stored FieldsV1 shares a member with `n`, read in place (most entries are never decoded). */
function intersectsRaw(f: Any, n: FNode): boolean {
  if (!f || typeof f !== 'object') { return false; }
  const keys = Object.keys(f);
  const member = keys.length === 0 || Object.hasOwn(f, '.');
  if (member && n.self) { return true; }
  for (const [k, c] of n.kids) { if (Object.hasOwn(f, k) && intersectsRaw(f[k], c)) { return true; } }
  return false;
}

/** PathElement order (fieldpath Compare): field names, then keys, then values, each sorted. */
function peOrder(a: string, b: string): number {
  const rank = (s: string) => ('fkvi'.indexOf(s[0]) + 1) || 9;
  const ra = rank(a);
  const rb = rank(b);
  if (ra !== rb) { return ra - rb; }
  if (a[0] === 'k' || a[0] === 'v') { return compareJsonValues(JSON.parse(a.slice(2)), JSON.parse(b.slice(2))); }
  return a < b ? -1 : a > b ? 1 : 0;
}
function compareJsonValues(a: Any, b: Any): number {
  if (a && typeof a === 'object' && b && typeof b === 'object') {
    const ka = Object.keys(a);
    const kb = Object.keys(b);
    for (let i = 0; i < Math.min(ka.length, kb.length); i++) {
      if (ka[i] !== kb[i]) { return ka[i] < kb[i] ? -1 : 1; }
      const c = compareJsonValues(a[ka[i]], b[kb[i]]);
      if (c) { return c; }
    }
    return ka.length - kb.length;
  }
  if (typeof a === 'number' && typeof b === 'number') { return a - b; }
  const sa = String(a);
  const sb = String(b);
  return sa < sb ? -1 : sa > sb ? 1 : 0;
}

function encode(n: FNode): Record<string, Any> {
  const out: Record<string, Any> = {};
  if (n.self && n.kids.size) { out['.'] = {}; }
  for (const k of [...n.kids.keys()].sort(peOrder)) { out[k] = encode(n.kids.get(k)!); }
  return out;
}

// Many objects (every pod of a template, every kubelet status of the same shape) have the same set: one
// FieldsV1 object serves them all (stored objects are read-only; a JSON copy of one is its own).
const interned = new Map<string, Record<string, Any>>();
function intern(n: FNode): Record<string, Any> {
  const f = encode(n);
  const k = JSON.stringify(f);
  let hit = interned.get(k);
  if (!hit) {
    // Sets unique to one object (a pod's podIPs) churn through; shared ones are found again after a clear.
    if (interned.size >= 20_000) { interned.clear(); }
    interned.set(k, hit = f);
  }
  return hit;
}

function union(a: FNode, b: FNode): FNode {
  const n: FNode = { self: a.self || b.self, kids: new Map(a.kids) };
  for (const [k, c] of b.kids) { const x = n.kids.get(k); n.kids.set(k, x ? union(x, c) : c); }
  return n;
}
/** a without b's members (a member of b removes that node's membership, not its children's). */
function difference(a: FNode, b: FNode): FNode {
  const n: FNode = { self: a.self && !b.self, kids: new Map() };
  for (const [k, c] of a.kids) {
    const d = b.kids.get(k);
    if (d?.all) { continue; }
    const r = d ? difference(c, d) : c;
    if (!isEmpty(r)) { n.kids.set(k, r); }
  }
  return n;
}

// ---------- the schema: which lists are associative (and by what), sets, or atomic; which maps are atomic ----------

/** List-map keys by field name, from the built-in types' patchMergeKey / listMapKey markers (k8s.io/api). */
const LIST_KEYS: Record<string, string[]> = {
  containers: ['name'], initContainers: ['name'], ephemeralContainers: ['name'], volumes: ['name'], env: ['name'],
  volumeMounts: ['mountPath'], volumeDevices: ['devicePath'], imagePullSecrets: ['name'], hostAliases: ['ip'],
  ownerReferences: ['uid'], topologySpreadConstraints: ['topologyKey', 'whenUnsatisfiable'], podIPs: ['ip'],
  resourceClaims: ['name'], schedulingGates: ['name'], claims: ['name'],
};
/** Lists whose items are atomic structs: OwnerReference is +structType=atomic (k8s.io/apimachinery meta/v1). */
const ATOMIC_ITEMS = new Set(['ownerReferences']);
/** Atomic maps and structs: LabelSelector (+structType=atomic), Service and pod nodeSelector (+mapType=atomic). */
const ATOMIC_MAPS = new Set(['selector', 'nodeSelector', 'labelSelector', 'namespaceSelector', 'podSelector']);

type ListType = { keys: string[] } | 'set' | 'atomic';
function listType(kind: string, names: string[]): ListType {
  const f = names[names.length - 1];
  const parent = names[names.length - 2];
  if (f === 'ports') {
    if (kind === 'Service' && names.length === 2) { return { keys: ['port', 'protocol'] }; }
    return LIST_KEYS_CONTAINER_PORTS(names);
  }
  if (f === 'conditions') { return kind === 'Job' ? 'atomic' : { keys: ['type'] }; }
  if (f === 'addresses' && kind === 'Node') { return { keys: ['type'] }; }
  if (f === 'finalizers' && parent === 'metadata') { return 'set'; }
  if (f === 'podCIDRs' && kind === 'Node') { return 'set'; }
  if (Object.hasOwn(LIST_KEYS, f) && isCustomKind(kind) === false) { return { keys: LIST_KEYS[f] }; }
  return 'atomic';
}
/** A container's ports merge on (containerPort, protocol); any other `ports` (an EndpointSlice's, a CR's) is atomic. */
function LIST_KEYS_CONTAINER_PORTS(names: string[]): ListType {
  const p = names[names.length - 2];
  return p === 'containers' || p === 'initContainers' || p === 'ephemeralContainers' ? { keys: ['containerPort', 'protocol'] } : 'atomic';
}
/**
 * Whether the object being recorded is a custom resource: no merge keys (every list atomic, as a CRD
 * without list-type markers; ours have none) and an empty zero value. Set per call (the walk is synchronous).
 */
let customNow = false;
const isCustomKind = (_kind: string) => customNow;

function isAtomicMap(kind: string, names: string[]): boolean {
  const f = names[names.length - 1];
  if (!ATOMIC_MAPS.has(f) || isCustomKind(kind)) { return false; }
  return f !== 'selector' || names[names.length - 2] === 'spec';
}

/** What the Go zero value of each built-in kind holds: its non-pointer structs (present, so never new). */
const TEMPLATE = { metadata: {}, spec: { containers: null } };
const ZERO: Record<string, Any> = {
  Pod: { spec: { containers: null }, status: {} },
  Deployment: { spec: { template: TEMPLATE, strategy: {} }, status: {} },
  ReplicaSet: { spec: { template: TEMPLATE }, status: {} },
  DaemonSet: { spec: { template: TEMPLATE, updateStrategy: {} }, status: {} },
  StatefulSet: { spec: { template: TEMPLATE, updateStrategy: {} }, status: {} },
  Job: { spec: { template: TEMPLATE }, status: {} },
  CronJob: { spec: { jobTemplate: { metadata: {}, spec: { template: TEMPLATE } } }, status: {} },
  Service: { spec: {}, status: { loadBalancer: {} } },
  Namespace: { spec: {}, status: {} },
  Node: { spec: {}, status: { daemonEndpoints: { kubeletEndpoint: {} }, nodeInfo: {} } },
  EndpointSlice: { endpoints: null, ports: null },
  Event: { involvedObject: {}, source: {} },
  Ingress: { spec: {}, status: { loadBalancer: {} } },
  HorizontalPodAutoscaler: { spec: { scaleTargetRef: {} }, status: {} },
  PodDisruptionBudget: { spec: {}, status: {} },
  NetworkPolicy: { spec: { podSelector: {} } },
};
export function zeroOf(kind: string): Any {
  return isCustomKind(kind) ? {} : { metadata: {}, ...(ZERO[kind] ?? {}) };
}

// apiVersion, kind and metadata's identity never belong to a manager (stripmeta.go).
const STRIP_TOP = new Set(['apiVersion', 'kind']);
const STRIP_META = new Set(['name', 'namespace', 'creationTimestamp', 'selfLink', 'uid', 'clusterName', 'generation', 'managedFields', 'resourceVersion']);

const isMap = (v: Any): boolean => v !== null && typeof v === 'object' && !Array.isArray(v);
const keyOf = (item: Any, keys: string[]): string => {
  const k: Record<string, Any> = {};
  for (const name of [...keys].sort()) { if (isMap(item) && item[name] !== undefined) { k[name] = item[name]; } }
  return `k:${JSON.stringify(k)}`;
};
/** Defaults a merge key as the schema does (a container port's protocol is TCP when unset). */
function keyed(item: Any, keys: string[]): Any {
  if (keys.includes('protocol') && isMap(item) && item.protocol === undefined) { return { ...item, protocol: 'TCP' }; }
  return item;
}
function itemsOf(list: Any[], lt: ListType): Map<string, Any> {
  const m = new Map<string, Any>();
  for (const it of list) {
    const k = lt === 'set' ? `v:${JSON.stringify(it)}` : keyOf(keyed(it, (lt as { keys: string[] }).keys), (lt as { keys: string[] }).keys);
    if (!m.has(k)) { m.set(k, it); }
  }
  return m;
}

/** Compare(live, new): leaves added or changed and new non-leaf nodes into `changed`; what went into `removed`. */
function compare(kind: string, names: string[], lhs: Any, rhs: Any, changed: FNode, removed: FNode, top: boolean): void {
  const both = (l: Any, r: Any, k: string, n: string | undefined) => {
    const c = node();
    const rm = node();
    compare(kind, n === undefined ? names : [...names, n], l, r, c, rm, false);
    if (!isEmpty(c)) { changed.kids.set(k, c); }
    if (!isEmpty(rm)) { removed.kids.set(k, rm); }
  };
  if (rhs === undefined) { removed.self = true; removed.all = true; return; }
  if (isMap(rhs) && !(names.length && isAtomicMap(kind, names))) {
    const l = isMap(lhs) ? lhs : undefined;
    const empty = Object.keys(rhs).length === 0 && (!l || Object.keys(l).length === 0);
    if (empty) { if (lhs === undefined) { changed.self = true; } return; }
    if (lhs === undefined && !top) { changed.self = true; }
    for (const k of Object.keys(rhs)) {
      if (names.length === 0 && STRIP_TOP.has(k)) { continue; }
      if (names.length === 1 && names[0] === 'metadata' && STRIP_META.has(k)) { continue; }
      both(l?.[k], rhs[k], `f:${k}`, k);
    }
    for (const k of Object.keys(l ?? {})) {
      if (rhs[k] !== undefined) { continue; }
      if (names.length === 0 && STRIP_TOP.has(k)) { continue; }
      if (names.length === 1 && names[0] === 'metadata' && STRIP_META.has(k)) { continue; }
      removed.kids.set(`f:${k}`, { self: true, kids: new Map(), all: true });
    }
    return;
  }
  if (Array.isArray(rhs)) {
    const lt = listType(kind, names);
    const l = Array.isArray(lhs) ? lhs : undefined;
    if (lt === 'atomic' || (rhs.length === 0 && !l?.length)) {
      if (lhs === undefined || JSON.stringify(lhs) !== JSON.stringify(rhs)) { changed.self = true; }
      return;
    }
    if (lhs === undefined) { changed.self = true; }
    const li = itemsOf(l ?? [], lt);
    const ri = itemsOf(rhs, lt);
    for (const [k, it] of ri) {
      if (lt === 'set') { if (!li.has(k)) { child(changed, k).self = true; } continue; }
      const prev = li.get(k);
      const c = node();
      const rm = node();
      if (ATOMIC_ITEMS.has(names[names.length - 1])) {
        if (prev === undefined || JSON.stringify(prev) !== JSON.stringify(it)) { c.self = true; }
      } else {
        compare(kind, names, prev, it, c, rm, false);
      }
      if (prev === undefined) { c.self = true; }
      if (!isEmpty(c)) { changed.kids.set(k, c); }
      if (!isEmpty(rm)) { removed.kids.set(k, rm); }
    }
    for (const k of li.keys()) { if (!ri.has(k)) { removed.kids.set(k, { self: true, kids: new Map(), all: true }); } }
    return;
  }
  if (lhs === undefined || JSON.stringify(lhs) !== JSON.stringify(rhs)) { changed.self = true; }
}

/** ToFieldSet of an applied configuration: every leaf, every list item, never a struct or map itself. */
function toFieldSet(kind: string, names: string[], v: Any, out: FNode): void {
  if (isMap(v) && !(names.length && isAtomicMap(kind, names))) {
    for (const [k, x] of Object.entries(v)) {
      if (names.length === 0 && STRIP_TOP.has(k)) { continue; }
      if (names.length === 1 && names[0] === 'metadata' && STRIP_META.has(k)) { continue; }
      const c = node();
      toFieldSet(kind, [...names, k], x, c);
      if (!isEmpty(c)) { out.kids.set(`f:${k}`, c); }
    }
    return;
  }
  if (Array.isArray(v)) {
    const lt = listType(kind, names);
    if (lt === 'atomic') { out.self = true; return; }
    for (const [k, it] of itemsOf(v, lt)) {
      const c = child(out, k);
      c.self = true;
      if (lt !== 'set' && !ATOMIC_ITEMS.has(names[names.length - 1])) { toFieldSet(kind, names, it, c); }
    }
    return;
  }
  out.self = true;
}

interface Entry { manager: string; operation: string; apiVersion: string; time?: string; fieldsType: 'FieldsV1'; fieldsV1: Record<string, Any>; subresource?: string }
const identity = (e: { manager: string; operation: string; apiVersion?: string; subresource?: string }) =>
  JSON.stringify([e.manager, e.operation, e.operation === 'Apply' ? '' : e.apiVersion, e.subresource ?? '']);
const nowSeconds = () => new Date().toISOString().replace(/\.\d+Z$/, 'Z');

/**
 * Sets `next.metadata.managedFields` for a write by `actor` over `live` (undefined: a create). The entries
 * start from what the writer sent (an empty list resets them), else the live object's (fieldmanager.go
 * decodeLiveOrNew: a client that does not know managedFields cannot drop them).
 */
export function recordManagedFields(kind: string, custom: boolean, defaultApiVersion: string, live: Any, next: Any, actor: FieldActor): void {
  customNow = custom;
  const sent = next.metadata?.managedFields;
  const start: Entry[] = Array.isArray(sent) && sent.length === 0 ? [] : Array.isArray(sent) ? sent : (live?.metadata?.managedFields ?? []);
  const apiVersion = actor.apiVersion ?? defaultApiVersion;
  const me = { manager: actor.manager, operation: actor.operation, apiVersion, subresource: actor.subresource };
  const myId = identity(me);
  const changed = node();
  const removed = node();
  compare(kind, [], withZero(zeroOf(kind), live ?? {}), next, changed, removed, true);
  if (!live) { dropServerSet(kind, next, changed, actor.sent); }
  let mine: FNode | undefined;
  if (actor.operation === 'Apply') {
    mine = node();
    toFieldSet(kind, [], actor.applied ?? {}, mine);
  } else if (!isEmpty(changed)) {
    mine = changed;
  }
  const taken = mine && actor.operation === 'Apply' ? intersectNodes(mine, changed) : changed;
  const out: Entry[] = [];
  let prevMine: FNode | undefined;
  for (const e of start) {
    if (identity(e) === myId) { prevMine = difference(decodeCached(e.fieldsV1), removed); continue; }
    if (!intersectsRaw(e.fieldsV1, taken) && !intersectsRaw(e.fieldsV1, removed)) { out.push(e); continue; }
    const set = decodeCached(e.fieldsV1);
    const left = difference(difference(set, taken), removed);
    if (!isEmpty(left)) { out.push({ ...e, fieldsV1: intern(left) }); }
  }
  if (mine) {
    const set = actor.operation === 'Update' && prevMine ? union(prevMine, mine) : mine;
    if (!isEmpty(set)) { out.push({ manager: me.manager, operation: me.operation, apiVersion, time: nowSeconds(), fieldsType: 'FieldsV1', fieldsV1: intern(set), ...(me.subresource ? { subresource: me.subresource } : {}) }); }
  } else if (prevMine && !isEmpty(prevMine)) {
    const e = start.find((x) => identity(x) === myId)!;
    out.push(isEmpty(difference(decodeCached(e.fieldsV1), prevMine)) ? e : { ...e, fieldsV1: intern(prevMine) });
  }
  out.sort((p, q) => (p.operation !== q.operation ? (p.operation < q.operation ? -1 : 1)
    : (p.time ?? '') !== (q.time ?? '') ? ((p.time ?? '') < (q.time ?? '') ? -1 : 1)
      : p.manager !== q.manager ? (p.manager < q.manager ? -1 : 1)
        : p.apiVersion !== q.apiVersion ? (p.apiVersion < q.apiVersion ? -1 : 1)
          : (p.subresource ?? '') < (q.subresource ?? '') ? -1 : (p.subresource ?? '') > (q.subresource ?? '') ? 1 : 0));
  if (out.length) { next.metadata.managedFields = out; } else { delete next.metadata.managedFields; }
}

/** The live object as the Go type decodes it: its non-pointer structs present even when the JSON lacks them. */
function withZero(zero: Any, live: Any): Any {
  if (!isMap(zero) || !isMap(live)) { return live === undefined ? zero : live; }
  const out: Record<string, Any> = { ...live };
  for (const [k, z] of Object.entries(zero)) { out[k] = live[k] === undefined ? z : withZero(z, live[k]); }
  return out;
}

const DEFAULT_TOLERATION_SECONDS = JSON.stringify(['not-ready', 'unreachable'].map((k) => ({ key: `node.kubernetes.io/${k}`, operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 300 })));
/**
 * What a create's request did not carry: the field manager runs on the decoded, defaulted request before
 * admission and the registry's PrepareForCreate (apiserver endpoints/handlers/create.go), so status (which
 * PrepareForCreate resets: a pod's phase and qosClass), the ServiceAccount and Priority admission plugins'
 * fields, DefaultTolerationSeconds' tolerations and a Namespace's metadata.name label and finalizers belong
 * to no manager. The simulator's admission mixes these with defaulting; they are taken out here.
 */
function dropServerSet(kind: string, obj: Any, changed: FNode, sent: Any): void {
  if (isCustomKind(kind)) { return; }
  changed.kids.delete('f:status');
  const spec = changed.kids.get('f:spec');
  const meta = changed.kids.get('f:metadata');
  // With the request at hand (the API's creates), a field it did not carry is not its sender's; the
  // controllers' pods carry the template's defaults, so there the admission plugins' values tell.
  const unsent = (f: string) => (sent ? sent.spec?.[f] === undefined : undefined);
  if (kind === 'Pod' && spec) {
    for (const f of ['priority', 'preemptionPolicy']) { if (unsent(f) ?? true) { spec.kids.delete(`f:${f}`); } }
    for (const f of ['serviceAccountName', 'serviceAccount']) { if (unsent(f) ?? obj.spec?.serviceAccountName === 'default') { spec.kids.delete(`f:${f}`); } }
    if (unsent('tolerations') ?? JSON.stringify(obj.spec?.tolerations) === DEFAULT_TOLERATION_SECONDS) { spec.kids.delete('f:tolerations'); }
  }
  // The Service registry allocates these after the field manager ran (pkg/registry/core/service/storage).
  if (kind === 'Service' && spec && sent) {
    for (const f of ['clusterIP', 'clusterIPs', 'ipFamilies', 'ipFamilyPolicy']) { if (unsent(f)) { spec.kids.delete(`f:${f}`); } }
    const ports = spec.kids.get('f:ports');
    for (const [k, item] of ports?.kids ?? []) {
      const key = JSON.parse(k.slice(2));
      const p = (sent.spec?.ports ?? []).find((x: Any) => x?.port === key.port && (x.protocol ?? 'TCP') === key.protocol);
      if (p?.nodePort === undefined) { item.kids.delete('f:nodePort'); }
    }
  }
  if (kind === 'Namespace') {
    changed.kids.delete('f:spec');
    const labels = meta?.kids.get('f:labels');
    labels?.kids.delete('f:kubernetes.io/metadata.name');
    if (labels && labels.kids.size === 0) { meta!.kids.delete('f:labels'); }
  }
  for (const [k, n] of [...changed.kids]) { if (isEmpty(n) || (n.kids.size === 0 && !n.self)) { changed.kids.delete(k); } }
}

function intersectNodes(a: FNode, b: FNode): FNode {
  const n: FNode = { self: a.self && b.self, kids: new Map() };
  for (const [k, c] of a.kids) { const d = b.kids.get(k); if (d) { const x = intersectNodes(c, d); if (!isEmpty(x)) { n.kids.set(k, x); } } }
  return n;
}
