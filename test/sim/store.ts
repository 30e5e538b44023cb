// The simulated cluster's object store: every API object lives here, keyed by resource type.
// Controllers, the runtime and the API server all read and write through it, and learn of changes
// through its 'change' event (the in-process equivalent of a watch).
import { EventEmitter } from 'node:events';
import { randomUUID } from 'node:crypto';
import { INSTALLED_CRDS } from './crds.ts';
import { defaultCronJob, defaultJob } from './job-strategy.ts';

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
export interface Change { type: ChangeType; resource: ResourceType; object: KObject }

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

const clone = <T>(v: T): T => structuredClone(v);
const key = (t: ResourceType) => `${t.group}/${t.plural}`;
const nsKey = (ns: string | undefined, name: string) => `${ns ?? ''}/${name}`;

/**
 * Holds objects by type. Every write bumps the cluster-wide resourceVersion (as etcd's revision does)
 * and emits a 'change' event with a deep copy, so listeners never alias stored state.
 */
export class Store extends EventEmitter<{ change: [Change] }> {
  private readonly data = new Map<string, Map<string, KObject>>();
  private rv = 1;
  private nameSeq = 0;

  constructor() {
    super();
    this.setMaxListeners(100);
    for (const t of RESOURCE_TYPES) { this.data.set(key(t), new Map()); }
  }

  get resourceVersion(): string { return String(this.rv); }

  private bucket(t: ResourceType): Map<string, KObject> {
    const b = this.data.get(key(t));
    if (!b) { throw new Error(`unknown resource type ${key(t)}`); }
    return b;
  }

  get(t: ResourceType, namespace: string | undefined, name: string): KObject | undefined {
    const o = this.bucket(t).get(nsKey(t.namespaced ? namespace : undefined, name));
    return o ? clone(o) : undefined;
  }

  /** All objects of a type, optionally in one namespace, sorted by namespace then name (as etcd keys sort). */
  list(t: ResourceType, namespace?: string): KObject[] {
    const out: KObject[] = [];
    for (const o of this.bucket(t).values()) {
      if (namespace && t.namespaced && o.metadata.namespace !== namespace) { continue; }
      out.push(clone(o));
    }
    return out.sort((a, b) => nsKey(a.metadata.namespace, a.metadata.name).localeCompare(nsKey(b.metadata.namespace, b.metadata.name)));
  }

  /** Generates a name from generateName the way the API server does: prefix + 5 random-looking chars. */
  generateName(prefix: string): string {
    const alphabet = 'bcdfghjklmnpqrstvwxz2456789';
    let n = Math.floor(Math.random() * 1e9) + ++this.nameSeq * 7919;
    let s = '';
    for (let i = 0; i < 5; i++) { s += alphabet[n % alphabet.length]; n = Math.floor(n / alphabet.length) + i * 31; }
    return prefix + s;
  }

  create(t: ResourceType, obj: KObject): KObject {
    const o = clone(obj);
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
    if (o.spec !== undefined && (GENERATION_KINDS.has(t.kind) || INSTALLED_CRDS.includes(t))) { o.metadata.generation = 1; }
    this.bucket(t).set(k, o);
    this.emit('change', { type: 'ADDED', resource: t, object: clone(o) });
    return clone(o);
  }

  /** Replaces an object. With expectRV set, a stale resourceVersion is a 409 as on a real server. */
  update(t: ResourceType, obj: KObject, expectRV?: string): KObject {
    const k = nsKey(t.namespaced ? obj.metadata.namespace : undefined, obj.metadata.name);
    const cur = this.bucket(t).get(k);
    if (!cur) { throw new NotFoundError(`${t.plural}${t.group ? '.' + t.group : ''} "${obj.metadata.name}" not found`); }
    if (expectRV && expectRV !== cur.metadata.resourceVersion) {
      throw new ConflictError(`Operation cannot be fulfilled on ${t.plural}${t.group ? '.' + t.group : ''} "${obj.metadata.name}": the object has been modified; please apply your changes to the latest version and try again`);
    }
    const o = clone(obj);
    o.apiVersion = cur.apiVersion;
    o.kind = t.kind;
    o.metadata.uid = cur.metadata.uid;
    o.metadata.creationTimestamp = cur.metadata.creationTimestamp;
    o.metadata.resourceVersion = String(++this.rv);
    if (cur.metadata.generation !== undefined && JSON.stringify(cur.spec) !== JSON.stringify(o.spec)) { o.metadata.generation = cur.metadata.generation + 1; }
    this.bucket(t).set(k, o);
    this.emit('change', { type: 'MODIFIED', resource: t, object: clone(o) });
    return clone(o);
  }

  /** Read-modify-write in one step; `mutate` edits a copy. Returns undefined when the object is gone. */
  mutate(t: ResourceType, namespace: string | undefined, name: string, mutate: (o: KObject) => void): KObject | undefined {
    const cur = this.get(t, namespace, name);
    if (!cur) { return undefined; }
    const before = JSON.stringify(cur);
    mutate(cur);
    if (JSON.stringify(cur) === before) {
      return cur; // no-op writes would wake every listener for nothing
    }
    return this.update(t, cur);
  }

  delete(t: ResourceType, namespace: string | undefined, name: string): KObject {
    const k = nsKey(t.namespaced ? namespace : undefined, name);
    const cur = this.bucket(t).get(k);
    if (!cur) { throw new NotFoundError(`${t.plural}${t.group ? '.' + t.group : ''} "${name}" not found`); }
    this.bucket(t).delete(k);
    cur.metadata.resourceVersion = String(++this.rv);
    this.emit('change', { type: 'DELETED', resource: t, object: clone(cur) });
    return clone(cur);
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
