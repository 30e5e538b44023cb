// The simulated cluster's object store: every API object lives here, keyed by resource type.
// Controllers, the runtime and the API server all read and write through it, and learn of changes
// through its 'change' event (the in-process equivalent of a watch).
import { EventEmitter } from 'node:events';
import { randomUUID } from 'node:crypto';
import { INSTALLED_CRDS } from './crds.ts';
import { defaultCronJob, defaultJob } from './job-strategy.ts';
import { prepareDaemonSetCreate, prepareDaemonSetUpdate } from './daemonset-strategy.ts';
import { type FieldActor, recordManagedFields } from './managed-fields.ts';

export interface ResourceType {
  group: string; // '' for core
  versions: string[]; // served versions; the first is the preferred one
  kind: string;
  listKind: string;
  plural: string;
  singular: string;
  namespaced: boolean;
  shortNames?: string[];
  categories?: string[];
  verbs: string[];
  /** Subresources served under this type, e.g. ['status', 'exec', 'log']. */
  subresources?: string[];
}

const RW = ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'];

export const RESOURCE_TYPES: ResourceType[] = [
  { group: '', versions: ['v1'], kind: 'Namespace', listKind: 'NamespaceList', plural: 'namespaces', singular: 'namespace', namespaced: false, shortNames: ['ns'], verbs: RW, subresources: ['status'] },
  { group: '', versions: ['v1'], kind: 'Node', listKind: 'NodeList', plural: 'nodes', singular: 'node', namespaced: false, shortNames: ['no'], verbs: RW, subresources: ['status'] },
  { group: '', versions: ['v1'], kind: 'Pod', listKind: 'PodList', plural: 'pods', singular: 'pod', namespaced: true, shortNames: ['po'], categories: ['all'], verbs: RW, subresources: ['status', 'exec', 'log', 'ephemeralcontainers'] },
  { group: '', versions: ['v1'], kind: 'Service', listKind: 'ServiceList', plural: 'services', singular: 'service', namespaced: true, shortNames: ['svc'], categories: ['all'], verbs: RW, subresources: ['status'] },
  { group: '', versions: ['v1'], kind: 'Endpoints', listKind: 'EndpointsList', plural: 'endpoints', singular: 'endpoints', namespaced: true, shortNames: ['ep'], verbs: RW },
  { group: '', versions: ['v1'], kind: 'ConfigMap', listKind: 'ConfigMapList', plural: 'configmaps', singular: 'configmap', namespaced: true, shortNames: ['cm'], verbs: RW },
  { group: '', versions: ['v1'], kind: 'Secret', listKind: 'SecretList', plural: 'secrets', singular: 'secret', namespaced: true, verbs: RW },
  { group: '', versions: ['v1'], kind: 'ServiceAccount', listKind: 'ServiceAccountList', plural: 'serviceaccounts', singular: 'serviceaccount', namespaced: true, shortNames: ['sa'], verbs: RW },
  { group: '', versions: ['v1'], kind: 'Event', listKind: 'EventList', plural: 'events', singular: 'event', namespaced: true, shortNames: ['ev'], verbs: RW },
  { group: 'discovery.k8s.io', versions: ['v1'], kind: 'EndpointSlice', listKind: 'EndpointSliceList', plural: 'endpointslices', singular: 'endpointslice', namespaced: true, verbs: RW },
  { group: 'apps', versions: ['v1'], kind: 'Deployment', listKind: 'DeploymentList', plural: 'deployments', singular: 'deployment', namespaced: true, shortNames: ['deploy'], categories: ['all'], verbs: RW, subresources: ['status'] },
  { group: 'apps', versions: ['v1'], kind: 'ReplicaSet', listKind: 'ReplicaSetList', plural: 'replicasets', singular: 'replicaset', namespaced: true, shortNames: ['rs'], categories: ['all'], verbs: RW, subresources: ['status'] },
  { group: 'apps', versions: ['v1'], kind: 'DaemonSet', listKind: 'DaemonSetList', plural: 'daemonsets', singular: 'daemonset', namespaced: true, shortNames: ['ds'], categories: ['all'], verbs: RW, subresources: ['status'] },
  { group: 'apps', versions: ['v1'], kind: 'StatefulSet', listKind: 'StatefulSetList', plural: 'statefulsets', singular: 'statefulset', namespaced: true, shortNames: ['sts'], categories: ['all'], verbs: RW, subresources: ['status'] },
  { group: 'batch', versions: ['v1'], kind: 'Job', listKind: 'JobList', plural: 'jobs', singular: 'job', namespaced: true, categories: ['all'], verbs: RW, subresources: ['status'] },
  { group: 'batch', versions: ['v1'], kind: 'CronJob', listKind: 'CronJobList', plural: 'cronjobs', singular: 'cronjob', namespaced: true, shortNames: ['cj'], categories: ['all'], verbs: RW, subresources: ['status'] },
  { group: 'policy', versions: ['v1'], kind: 'PodDisruptionBudget', listKind: 'PodDisruptionBudgetList', plural: 'poddisruptionbudgets', singular: 'poddisruptionbudget', namespaced: true, shortNames: ['pdb'], verbs: RW, subresources: ['status'] },
  { group: 'autoscaling', versions: ['v2'], kind: 'HorizontalPodAutoscaler', listKind: 'HorizontalPodAutoscalerList', plural: 'horizontalpodautoscalers', singular: 'horizontalpodautoscaler', namespaced: true, shortNames: ['hpa'], categories: ['all'], verbs: RW, subresources: ['status'] },
  { group: 'networking.k8s.io', versions: ['v1'], kind: 'Ingress', listKind: 'IngressList', plural: 'ingresses', singular: 'ingress', namespaced: true, shortNames: ['ing'], verbs: RW, subresources: ['status'] },
  { group: 'networking.k8s.io', versions: ['v1'], kind: 'NetworkPolicy', listKind: 'NetworkPolicyList', plural: 'networkpolicies', singular: 'networkpolicy', namespaced: true, shortNames: ['netpol'], verbs: RW },
  { group: 'rbac.authorization.k8s.io', versions: ['v1'], kind: 'ClusterRole', listKind: 'ClusterRoleList', plural: 'clusterroles', singular: 'clusterrole', namespaced: false, verbs: RW },
  { group: 'rbac.authorization.k8s.io', versions: ['v1'], kind: 'ClusterRoleBinding', listKind: 'ClusterRoleBindingList', plural: 'clusterrolebindings', singular: 'clusterrolebinding', namespaced: false, verbs: RW },
  { group: 'rbac.authorization.k8s.io', versions: ['v1'], kind: 'Role', listKind: 'RoleList', plural: 'roles', singular: 'role', namespaced: true, verbs: RW },
  { group: 'rbac.authorization.k8s.io', versions: ['v1'], kind: 'RoleBinding', listKind: 'RoleBindingList', plural: 'rolebindings', singular: 'rolebinding', namespaced: true, verbs: RW },
  { group: 'authorization.k8s.io', versions: ['v1'], kind: 'SelfSubjectAccessReview', listKind: 'SelfSubjectAccessReviewList', plural: 'selfsubjectaccessreviews', singular: 'selfsubjectaccessreview', namespaced: false, verbs: ['create'] },
  { group: 'opentelemetry.io', versions: ['v1beta1', 'v1alpha1'], kind: 'OpenTelemetryCollector', listKind: 'OpenTelemetryCollectorList', plural: 'opentelemetrycollectors', singular: 'opentelemetrycollector', namespaced: true, shortNames: ['otelcol', 'otelcols'], verbs: RW, subresources: ['status'] },
  { group: 'opentelemetry.io', versions: ['v1alpha1'], kind: 'Instrumentation', listKind: 'InstrumentationList', plural: 'instrumentations', singular: 'instrumentation', namespaced: true, shortNames: ['otelinst', 'otelinsts'], verbs: RW },
  ...INSTALLED_CRDS,
];

/** The type serving a kind at any version of its group (manifests.ts checks the version). */
export function findType(apiVersionOrGroup: string, kindOrPlural: string): ResourceType | undefined {
  const group = apiVersionOrGroup.includes('/') ? apiVersionOrGroup.split('/')[0] : apiVersionOrGroup === 'v1' ? '' : apiVersionOrGroup;
  return RESOURCE_TYPES.find((t) => t.group === group && (t.kind === kindOrPlural || t.plural === kindOrPlural));
}

export function typeByKind(kind: string): ResourceType | undefined {
  return RESOURCE_TYPES.find((t) => t.kind === kind);
}

export function apiVersionOf(t: ResourceType, version = t.versions[0]): string {
  return t.group ? `${t.group}/${version}` : version;
}

export interface ObjectMeta {
  name: string;
  generateName?: string;
  namespace?: string;
  uid?: string;
  resourceVersion?: string;
  generation?: number;
  creationTimestamp?: string;
  deletionTimestamp?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  ownerReferences?: Array<{ apiVersion: string; kind: string; name: string; uid: string; controller?: boolean; blockOwnerDeletion?: boolean }>;
  [k: string]: unknown;
}

// Kubernetes objects are open-ended JSON; `any` for the body keeps controller code readable.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export interface KObject { apiVersion: string; kind: string; metadata: ObjectMeta; [k: string]: any }

export type ChangeType = 'ADDED' | 'MODIFIED' | 'DELETED';
export interface Change {
  type: ChangeType;
  resource: ResourceType;
  object: KObject;
  /** The stored object this change replaced or removed (read-only; never the listener's to change). */
  prev?: Readonly<KObject>;
}

export class ConflictError extends Error {
  readonly code = 409;
  constructor(message: string) { super(message); }
}
export class NotFoundError extends Error {
  readonly code = 404;
  constructor(message: string) { super(message); }
}

// Kinds whose registry strategy sets metadata.generation = 1 on create (every custom resource does too).
const GENERATION_KINDS = new Set(['Deployment', 'ReplicaSet', 'DaemonSet', 'StatefulSet', 'Job', 'CronJob', 'PodDisruptionBudget', 'HorizontalPodAutoscaler', 'Ingress', 'OpenTelemetryCollector', 'Instrumentation']);

// Objects here are API JSON (from manifests and the wire); a JSON round trip copies them faster than
// structuredClone, and drops only what the wire would drop (undefined members).
const clone = <T>(v: T): T => (v === undefined ? v : JSON.parse(JSON.stringify(v)));
const key = (t: ResourceType) => `${t.group}/${t.plural}`;
const nsKey = (ns: string | undefined, name: string) => `${ns ?? ''}/${name}`;
/** etcd orders keys by their bytes; code-unit order is the same for the ASCII names Kubernetes allows. */
const byteOrder = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/**
 * The fields the store indexes besides namespace and labels, as the real API server's watch cache
 * indexes pods by spec.nodeName (pkg/registry/core/pod/strategy.go NodeNameIndexFunc) and the
 * controllers' informers index by owner: each answers an equality query without a scan.
 */
export const INDEXED_FIELDS: Record<string, string[]> = {
  '*': ['metadata.name', 'metadata.ownerReferences.controller.uid'],
  Pod: ['spec.nodeName', 'status.phase'],
};
const indexedFields = (t: ResourceType) => [...INDEXED_FIELDS['*'], ...(INDEXED_FIELDS[t.kind] ?? [])];

function indexValue(o: KObject, field: string): string | undefined {
  switch (field) {
    case 'metadata.name': return o.metadata.name;
    case 'metadata.ownerReferences.controller.uid': return o.metadata.ownerReferences?.find((r) => r.controller)?.uid;
    case 'spec.nodeName': return o.spec?.nodeName ?? '';
    case 'status.phase': return o.status?.phase ?? '';
  }
  return undefined;
}

/** A label requirement as selectors.ts parses it. */
export interface LabelRequirement { key: string; op: 'eq' | 'neq' | 'in' | 'notin' | 'exists' | '!exists'; values: string[] }
/** A field requirement (`field=value` or `field!=value`) and how to read the field from an object. */
export interface FieldRequirement { field: string; neg: boolean; value: string; read: (o: KObject) => string }
export interface Query {
  namespace?: string;
  labels?: LabelRequirement[];
  fields?: FieldRequirement[];
  /** Objects whose controller ownerReference has this uid. */
  ownerUid?: string;
  /** The caller needs no order (a count, a check of each): skips sorting the keys. */
  unordered?: boolean;
}

export function labelsMatch(reqs: LabelRequirement[], labels: Record<string, string> | undefined): boolean {
  const l = labels ?? {};
  for (const r of reqs) {
    const has = Object.hasOwn(l, r.key);
    let ok: boolean;
    switch (r.op) {
      case 'eq': ok = has && l[r.key] === r.values[0]; break;
      case 'neq': ok = !has || l[r.key] !== r.values[0]; break;
      case 'in': ok = has && r.values.includes(l[r.key]); break;
      case 'notin': ok = !has || !r.values.includes(l[r.key]); break;
      case 'exists': ok = has; break;
      case '!exists': ok = !has; break;
    }
    if (!ok) { return false; }
  }
  return true;
}

interface Bucket {
  objects: Map<string, KObject>;
  /** Keys in etcd order; rebuilt on the first read after a create or delete. */
  sorted?: string[];
  byNs: Map<string, Set<string>>;
  /** label key -> value -> object keys */
  byLabel: Map<string, Map<string, Set<string>>>;
  /** indexed field -> value -> object keys */
  byField: Map<string, Map<string, Set<string>>>;
}

const addTo = <K>(m: Map<K, Set<string>>, k: K, v: string) => { let s = m.get(k); if (!s) { m.set(k, s = new Set()); } s.add(v); };
const removeFrom = <K>(m: Map<K, Set<string>>, k: K, v: string) => { const s = m.get(k); if (s) { s.delete(v); if (!s.size) { m.delete(k); } } };

/** How much work queries did: tests read it to prove an indexed query did not scan. */
export interface QueryStats { queries: number; examined: number; fullScans: number }

/**
 * Holds objects by type. Every write bumps the cluster-wide resourceVersion (as etcd's revision does)
 * and emits a 'change' event carrying the stored object: listeners read it and never change it (a
 * copy per event per listener was a third of a 20,000-pod bring-up).
 * A stored object is never changed in place (a write stores a new one), so select() and
 * the watch cache's snapshots may hold the stored objects themselves, read-only, without copying.
 */
export class Store extends EventEmitter<{ change: [Change] }> {
  private readonly data = new Map<string, Bucket>();
  private rv = 1;
  private nameSeq = 0;
  readonly stats: QueryStats = { queries: 0, examined: 0, fullScans: 0 };

  constructor() {
    super();
    this.setMaxListeners(100);
    for (const t of RESOURCE_TYPES) { this.data.set(key(t), { objects: new Map(), byNs: new Map(), byLabel: new Map(), byField: new Map() }); }
  }

  get resourceVersion(): string { return String(this.rv); }

  /** Who writes now: the field manager every create and update records (managed-fields.ts). */
  private actor: FieldActor | undefined;
  /**
   * Runs `f` with its writes recorded in metadata.managedFields under `actor`. Writes outside any actor
   * are storage writes, as the pod binding's is: they keep the entries the object has (a create, none).
   */
  as<R>(actor: FieldActor | undefined, f: () => R): R {
    const prev = this.actor;
    this.actor = actor;
    try { return f(); } finally { this.actor = prev; }
  }
  /** The current actor (a status write keeps its manager and adds the subresource). */
  get currentActor(): FieldActor | undefined { return this.actor; }

  /** Listeners are other components (kubelet, controllers): none of them writes as the current actor. */
  private notify(c: Change): void {
    const prev = this.actor;
    this.actor = undefined;
    try { this.emit('change', c); } finally { this.actor = prev; }
  }

  private track(t: ResourceType, live: KObject | undefined, next: KObject): void {
    if (!this.actor) {
      if (live?.metadata.managedFields && next.metadata.managedFields === undefined) { next.metadata.managedFields = live.metadata.managedFields; }
      return;
    }
    // An unchanged list of entries (every read-modify-write copies it) is the live one, shared.
    const sent = next.metadata.managedFields;
    if (live && sent !== live.metadata.managedFields && Array.isArray(sent) && sent.length && JSON.stringify(sent) === JSON.stringify(live.metadata.managedFields)) { next.metadata.managedFields = live.metadata.managedFields; }
    recordManagedFields(t.kind, INSTALLED_CRDS.includes(t) || t.group === 'opentelemetry.io', apiVersionOf(t), live, next, this.actor);
  }

  private bucketOf(t: ResourceType): Bucket {
    const b = this.data.get(key(t));
    if (!b) { throw new Error(`unknown resource type ${key(t)}`); }
    return b;
  }

  private bucket(t: ResourceType): Map<string, KObject> { return this.bucketOf(t).objects; }

  private index(t: ResourceType, b: Bucket, k: string, o: KObject): void {
    addTo(b.byNs, o.metadata.namespace ?? '', k);
    for (const [lk, lv] of Object.entries(o.metadata.labels ?? {})) {
      let vals = b.byLabel.get(lk);
      if (!vals) { b.byLabel.set(lk, vals = new Map()); }
      addTo(vals, lv, k);
    }
    for (const f of indexedFields(t)) {
      const v = indexValue(o, f);
      if (v === undefined) { continue; }
      let vals = b.byField.get(f);
      if (!vals) { b.byField.set(f, vals = new Map()); }
      addTo(vals, v, k);
    }
  }

  private unindex(t: ResourceType, b: Bucket, k: string, o: KObject): void {
    removeFrom(b.byNs, o.metadata.namespace ?? '', k);
    for (const [lk, lv] of Object.entries(o.metadata.labels ?? {})) {
      const vals = b.byLabel.get(lk);
      if (vals) { removeFrom(vals, lv, k); if (!vals.size) { b.byLabel.delete(lk); } }
    }
    for (const f of indexedFields(t)) {
      const v = indexValue(o, f);
      const vals = v === undefined ? undefined : b.byField.get(f);
      if (vals) { removeFrom(vals, v!, k); }
    }
  }

  private put(t: ResourceType, k: string, o: KObject, prev: KObject | undefined): void {
    const b = this.bucketOf(t);
    b.objects.set(k, o);
    if (!prev) { b.sorted = undefined; this.index(t, b, k, o); return; }
    // Most writes are status writes: only the index entries whose value changed move.
    const pl = prev.metadata.labels ?? {};
    const nl = o.metadata.labels ?? {};
    for (const [lk, lv] of Object.entries(pl)) {
      if (nl[lk] === lv && Object.hasOwn(nl, lk)) { continue; }
      const vals = b.byLabel.get(lk);
      if (vals) { removeFrom(vals, lv, k); if (!vals.size) { b.byLabel.delete(lk); } }
    }
    for (const [lk, lv] of Object.entries(nl)) {
      if (pl[lk] === lv && Object.hasOwn(pl, lk)) { continue; }
      let vals = b.byLabel.get(lk);
      if (!vals) { b.byLabel.set(lk, vals = new Map()); }
      addTo(vals, lv, k);
    }
    for (const f of indexedFields(t)) {
      const pv = indexValue(prev, f);
      const nv = indexValue(o, f);
      if (pv === nv) { continue; }
      let vals = b.byField.get(f);
      if (pv !== undefined && vals) { removeFrom(vals, pv, k); }
      if (nv !== undefined) {
        if (!vals) { b.byField.set(f, vals = new Map()); }
        addTo(vals, nv, k);
      }
    }
  }

  private drop(t: ResourceType, k: string, prev: KObject): void {
    const b = this.bucketOf(t);
    this.unindex(t, b, k, prev);
    b.objects.delete(k);
    b.sorted = undefined;
  }

  private sortedKeys(b: Bucket): string[] {
    b.sorted ??= [...b.objects.keys()].sort(byteOrder);
    return b.sorted;
  }

  get(t: ResourceType, namespace: string | undefined, name: string): KObject | undefined {
    const o = this.bucket(t).get(nsKey(t.namespaced ? namespace : undefined, name));
    return o ? clone(o) : undefined;
  }

  /** The stored object itself, not a copy: read it, never change it. */
  peek(t: ResourceType, namespace: string | undefined, name: string): Readonly<KObject> | undefined {
    return this.bucket(t).get(nsKey(t.namespaced ? namespace : undefined, name));
  }

  /** How many objects of a type there are (optionally in one namespace), without reading them. */
  count(t: ResourceType, namespace?: string): number {
    const b = this.bucketOf(t);
    return namespace && t.namespaced ? (b.byNs.get(namespace)?.size ?? 0) : b.objects.size;
  }

  /** All objects of a type, optionally in one namespace, sorted by namespace then name (as etcd keys sort). */
  list(t: ResourceType, namespace?: string): KObject[] {
    return this.select(t, { namespace: t.namespaced ? namespace || undefined : undefined }).map((o) => clone(o));
  }

  /**
   * The stored objects (not copies: read them, never change them) that match `q`, in etcd key order.
   * The equality requirements (namespace, label `=`/`in`, indexed fields, owner) each name a set from
   * the indexes; the smallest is the candidate set and only its members are examined. Only a query
   * with no indexed requirement reads every object of the type.
   */
  select(t: ResourceType, q: Query = {}): KObject[] {
    const b = this.bucketOf(t);
    this.stats.queries++;
    const sets: Array<Set<string> | string[]> = [];
    const none: string[] = [];
    if (q.namespace !== undefined && t.namespaced) { sets.push(b.byNs.get(q.namespace) ?? none); }
    if (q.ownerUid !== undefined) { sets.push(b.byField.get('metadata.ownerReferences.controller.uid')?.get(q.ownerUid) ?? none); }
    for (const r of q.labels ?? []) {
      if (r.op === 'eq') { sets.push(b.byLabel.get(r.key)?.get(r.values[0]) ?? none); }
      else if (r.op === 'in') {
        const vals = b.byLabel.get(r.key);
        const u = new Set<string>();
        for (const v of r.values) { for (const k of vals?.get(v) ?? []) { u.add(k); } }
        sets.push(u);
      } else if (r.op === 'exists') {
        const u = new Set<string>();
        for (const s of b.byLabel.get(r.key)?.values() ?? []) { for (const k of s) { u.add(k); } }
        sets.push(u);
      }
    }
    const fields = indexedFields(t);
    for (const r of q.fields ?? []) {
      if (!r.neg && fields.includes(r.field)) { sets.push(b.byField.get(r.field)?.get(r.value) ?? none); }
    }
    let keys: string[];
    if (sets.length) {
      const size = (s: Set<string> | string[]) => (Array.isArray(s) ? s.length : s.size);
      const smallest = sets.reduce((a, c) => (size(c) < size(a) ? c : a));
      keys = q.unordered ? [...smallest] : [...smallest].sort(byteOrder);
    } else {
      this.stats.fullScans++;
      keys = q.unordered && !b.sorted ? [...b.objects.keys()] : this.sortedKeys(b);
    }
    this.stats.examined += keys.length;
    const out: KObject[] = [];
    for (const k of keys) {
      const o = b.objects.get(k)!;
      if (q.namespace !== undefined && t.namespaced && o.metadata.namespace !== q.namespace) { continue; }
      if (q.ownerUid !== undefined && indexValue(o, 'metadata.ownerReferences.controller.uid') !== q.ownerUid) { continue; }
      if (q.labels && !labelsMatch(q.labels, o.metadata.labels)) { continue; }
      if (q.fields && !q.fields.every((r) => (r.read(o) === r.value) !== r.neg)) { continue; }
      out.push(o);
    }
    return out;
  }

  /** Generates a name from generateName the way the API server does: prefix + 5 random-looking chars. */
  generateName(prefix: string): string {
    const alphabet = 'bcdfghjklmnpqrstvwxz2456789';
    let n = Math.floor(Math.random() * 1e9) + ++this.nameSeq * 7919;
    let s = '';
    for (let i = 0; i < 5; i++) { s += alphabet[n % alphabet.length]; n = Math.floor(n / alphabet.length) + i * 31; }
    return prefix + s;
  }

  /**
   * Stores a new object and returns a copy. With `adopt`, `obj` itself becomes the stored object (the
   * caller built it and lets go of it) and the stored object is returned, read-only: no copies.
   */
  create(t: ResourceType, obj: KObject, opts: { adopt?: boolean } = {}): KObject {
    const o = opts.adopt ? obj : clone(obj);
    o.apiVersion = o.apiVersion ?? apiVersionOf(t);
    o.kind = t.kind;
    o.metadata = o.metadata ?? ({} as ObjectMeta);
    if (!o.metadata.name && o.metadata.generateName) {
      do { o.metadata.name = this.generateName(o.metadata.generateName); } while (this.bucket(t).has(nsKey(o.metadata.namespace, o.metadata.name)));
    }
    if (!o.metadata.name) { throw new Error(`${t.kind} has no metadata.name`); }
    if (!t.namespaced) { delete o.metadata.namespace; }
    else { o.metadata.namespace = o.metadata.namespace || 'default'; }
    const k = nsKey(o.metadata.namespace, o.metadata.name);
    if (this.bucket(t).has(k)) { throw new ConflictError(`${t.plural}${t.group ? '.' + t.group : ''} "${o.metadata.name}" already exists`); }
    o.metadata.uid = randomUUID();
    o.metadata.creationTimestamp = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
    o.metadata.resourceVersion = String(++this.rv);
    if (t.kind === 'Job' && t.group === 'batch') { defaultJob(o); }
    if (t.kind === 'CronJob' && t.group === 'batch') { defaultCronJob(o); }
    if (t.kind === 'DaemonSet' && t.group === 'apps') { prepareDaemonSetCreate(o); }
    if (o.spec !== undefined && (GENERATION_KINDS.has(t.kind) || INSTALLED_CRDS.includes(t))) { o.metadata.generation = 1; }
    this.track(t, undefined, o);
    this.put(t, k, o, undefined);
    this.notify({ type: 'ADDED', resource: t, object: o });
    return opts.adopt ? o : clone(o);
  }

  /** Replaces an object. With expectRV set, a stale resourceVersion is a 409 as on a real server. */
  update(t: ResourceType, obj: KObject, expectRV?: string): KObject {
    return clone(this.write(t, clone(obj), expectRV));
  }

  /** Stores `o` (which the store now owns) over the current object; returns the stored object. */
  private write(t: ResourceType, o: KObject, expectRV?: string): KObject {
    const obj = o;
    const k = nsKey(t.namespaced ? obj.metadata.namespace : undefined, obj.metadata.name);
    const cur = this.bucket(t).get(k);
    if (!cur) { throw new NotFoundError(`${t.plural}${t.group ? '.' + t.group : ''} "${obj.metadata.name}" not found`); }
    if (expectRV && expectRV !== cur.metadata.resourceVersion) {
      throw new ConflictError(`Operation cannot be fulfilled on ${t.plural}${t.group ? '.' + t.group : ''} "${obj.metadata.name}": the object has been modified; please apply your changes to the latest version and try again`);
    }
    o.apiVersion = cur.apiVersion;
    o.kind = t.kind;
    o.metadata.uid = cur.metadata.uid;
    o.metadata.creationTimestamp = cur.metadata.creationTimestamp;
    o.metadata.resourceVersion = String(++this.rv);
    if (t.kind === 'DaemonSet' && t.group === 'apps') { prepareDaemonSetUpdate(o, cur); }
    if (cur.metadata.generation !== undefined && JSON.stringify(cur.spec) !== JSON.stringify(o.spec)) { o.metadata.generation = cur.metadata.generation + 1; }
    this.track(t, cur, o);
    this.put(t, k, o, cur);
    this.notify({ type: 'MODIFIED', resource: t, object: o, prev: cur });
    return o;
  }

  /**
   * Read-modify-write in one step; `mutate` edits a copy. Returns the stored object (read it, never
   * change it), or undefined when the object is gone. One JSON round trip makes the copy and the
   * no-op check both, and the copy becomes the stored object: a status write costs one copy.
   */
  mutate(t: ResourceType, namespace: string | undefined, name: string, mutate: (o: KObject) => void): KObject | undefined {
    const stored = this.peek(t, namespace, name);
    if (!stored) { return undefined; }
    const before = JSON.stringify(stored);
    const cur = JSON.parse(before) as KObject;
    const copied = cur.metadata.managedFields;
    mutate(cur);
    if (JSON.stringify(cur) === before) {
      return stored as KObject; // no-op writes would wake every listener for nothing
    }
    // Entries the mutator did not replace are the stored ones (no mutator here edits them in place):
    // shared, not a copy per write.
    if (copied !== undefined && cur.metadata.managedFields === copied) { cur.metadata.managedFields = stored.metadata.managedFields; }
    return this.write(t, cur);
  }

  delete(t: ResourceType, namespace: string | undefined, name: string): KObject {
    const k = nsKey(t.namespaced ? namespace : undefined, name);
    const cur = this.bucket(t).get(k);
    if (!cur) { throw new NotFoundError(`${t.plural}${t.group ? '.' + t.group : ''} "${name}" not found`); }
    this.drop(t, k, cur);
    // A copy: snapshots of earlier lists may still hold the stored object, which must stay as it was.
    const gone = clone(cur);
    gone.metadata.resourceVersion = String(++this.rv);
    this.notify({ type: 'DELETED', resource: t, object: gone, prev: cur });
    return clone(gone);
  }
}

/** Label selector matching for both `matchLabels`/`matchExpressions` objects and plain maps (Service selectors). */
export function matchesSelector(
  labels: Record<string, string> | undefined,
  sel: { matchLabels?: Record<string, string>; matchExpressions?: Array<{ key: string; operator: string; values?: string[] }> } | Record<string, string> | undefined,
): boolean {
  if (!sel) { return false; }
  const l = labels ?? {};
  const isLabelSelector = 'matchLabels' in sel || 'matchExpressions' in sel;
  const matchLabels = (isLabelSelector ? (sel as { matchLabels?: Record<string, string> }).matchLabels : sel) as Record<string, string> | undefined;
  for (const [k, v] of Object.entries(matchLabels ?? {})) { if (l[k] !== v) { return false; } }
  const exprs = isLabelSelector ? (sel as { matchExpressions?: Array<{ key: string; operator: string; values?: string[] }> }).matchExpressions ?? [] : [];
  for (const e of exprs) {
    const has = Object.hasOwn(l, e.key);
    switch (e.operator) {
      case 'In': if (!has || !(e.values ?? []).includes(l[e.key])) { return false; } break;
      case 'NotIn': if (has && (e.values ?? []).includes(l[e.key])) { return false; } break;
      case 'Exists': if (!has) { return false; } break;
      case 'DoesNotExist': if (has) { return false; } break;
      default: return false;
    }
  }
  return true;
}
