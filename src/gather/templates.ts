/**
 * Pods by template, for clusters too large to hold as JSON. Every pod of a ReplicaSet (one Deployment
 * revision), of a DaemonSet or StatefulSet revision, or of a Job was created from the same template, so one
 * pod stands for all of them: discovery reads one real pod per template (the webhooks' mutations included,
 * which a workload's own template would miss), and ownership comes from metadata-only lists read page by
 * page. Only collector workloads are read pod by pod, and then only the pods that can change a finding.
 */
import type { ClusterClient, KObject, ObjectMeta } from '../cluster/types.ts';
import { ApiError } from '../errors.ts';
import { controllerRef } from './discover.ts';
import { limiter } from './limit.ts';

/** Up to this many pods the cluster's pods are listed in full (one page): per-pod fidelity costs nothing there. */
export const FULL_POD_LIST_MAX = 500;
/**
 * Pods per metadata page. Their managedFields make them ~3.5 KB each on a real API server, and the client
 * reads one page ahead while parsing the last (ClusterClient.listPages): 1,000 keeps two pages in flight
 * under the memory one page of 2,000 took, with the round trips hidden by the read-ahead (150k pods:
 * 24.2 s and 286 MB against 24.8 s and 299 MB at 2,000, load 1.3-1.8).
 */
export const METADATA_PAGE = 1000;

export interface PodTemplateGroup {
  key: string;
  namespace: string;
  owner?: { kind: string; name: string };
  /**
   * The first running pods' names, in list order: a pod to exec into and a few to try after it
   * (TEMPLATE_NAMES_KEPT). Never all of them: at 150,000 pods the names alone were 20 MB.
   */
  running: string[];
  /** The first pod's name that is not running (a template with no running pod is read through it) */
  other: string[];
  runningCount: number;
  otherCount: number;
  /** labels and annotations of the pod that will stand for the template (the first running one) */
  meta?: Pick<ObjectMeta, 'labels' | 'annotations'>;
}

/** Running pods' names kept per template: READY_TRIES to read, and spares for a collector gone since the list. */
export const TEMPLATE_NAMES_KEPT = 4;

/**
 * The labels the controllers stamp to tell a template's revision apart (pod-template-hash: Deployment
 * controller; controller-revision-hash: DaemonSet and StatefulSet controllers, k8s.io/api apps/v1 types.go
 * DefaultDeploymentUniqueLabelKey / ControllerRevisionHashLabelKey). Two revisions are two templates.
 */
const REVISION_LABELS = ['pod-template-hash', 'controller-revision-hash'];
/** Labels that differ pod by pod within one template (StatefulSet pod name and index, DaemonSet generation). */
const PER_POD_LABELS = new Set(['statefulset.kubernetes.io/pod-name', 'apps.kubernetes.io/pod-index', 'pod-template-generation', ...REVISION_LABELS]);

export function templateKey(meta: ObjectMeta): string {
  const ns = meta.namespace ?? 'default';
  const ref = controllerRef({ metadata: meta });
  if (!ref) { return `Pod/${ns}/${meta.name}`; }
  const rev = REVISION_LABELS.map((l) => meta.labels?.[l]).find((v) => v !== undefined) ?? '';
  return `${ref.kind}/${ns}/${ref.name}/${rev}`;
}

/**
 * Ownership of every pod, by template, from metadata pages: counts and a few names per template, never a
 * per-pod object, so it grows with templates. The pods that are not running are listed first and kept by
 * name (few, as a rule); a pod that has started since is met again in the running list and moves over,
 * so no pod is counted twice. A pod that stopped between the two lists is in neither: the pods not running
 * are listed once more after the running ones (addStoppedSince) and the new ones counted. The phase only
 * moves forward (Pending, Running, then Succeeded or Failed for good: the pod lifecycle), so a pod new there
 * was running, or did not exist, when the first list was read; it is counted twice only when the running
 * list met it and it stopped after, during that last short list. Every pod that exists from the first
 * list to the last is counted, at most one over for each pod that stopped in that window.
 */
export class TemplateIndex {
  readonly groups = new Map<string, PodTemplateGroup>();
  /** `namespace/name` of the pods that were not running when listed -> their template */
  private readonly notRunning = new Map<string, string>();
  /** not-running pods met again in the running list */
  private readonly moved = new Set<string>();
  /** pods the last list found not running that the first did not, and their template */
  private readonly late = new Map<string, string>();

  get pods(): number {
    let n = 0;
    for (const g of this.groups.values()) { n += g.runningCount + g.otherCount; }
    return n;
  }

  private group(m: ObjectMeta): PodTemplateGroup {
    const k = templateKey(m);
    let g = this.groups.get(k);
    if (!g) {
      const ref = controllerRef({ metadata: m });
      g = { key: k, namespace: m.namespace ?? 'default', ...(ref ? { owner: { kind: ref.kind, name: ref.name } } : {}), running: [], other: [], runningCount: 0, otherCount: 0 };
      this.groups.set(k, g);
    }
    return g;
  }

  /** A page of the list of pods that are not running. */
  addNotRunning(items: KObject[]): void {
    for (const it of items) {
      const m = it.metadata;
      if (!m?.name) { continue; }
      const id = `${m.namespace ?? ''}/${m.name}`;
      if (this.notRunning.has(id)) { continue; }
      const g = this.group(m);
      this.notRunning.set(id, g.key);
      g.otherCount++;
      if (g.other.length === 0) { g.other.push(m.name); }
      g.meta ??= { labels: m.labels, annotations: m.annotations };
    }
  }

  /** A page of the list of running pods. */
  addRunning(items: KObject[]): void {
    for (const it of items) {
      const m = it.metadata;
      if (!m?.name) { continue; }
      const id = `${m.namespace ?? ''}/${m.name}`;
      const was = this.notRunning.get(id);
      if (was !== undefined && !this.moved.has(id)) {
        this.moved.add(id);
        this.unlistOther(was, m.name, -1);
      }
      const g = this.group(m);
      g.runningCount++;
      if (g.running.length < TEMPLATE_NAMES_KEPT) { g.running.push(m.name); }
      if (g.runningCount === 1) { g.meta = { labels: m.labels, annotations: m.annotations }; }
    }
  }

  /** A page of the second list of pods that are not running, read after the running one. */
  addStoppedSince(items: KObject[]): void {
    for (const it of items) {
      const m = it.metadata;
      if (!m?.name) { continue; }
      const id = `${m.namespace ?? ''}/${m.name}`;
      if (this.notRunning.has(id) || this.late.has(id)) { continue; }
      const g = this.group(m);
      this.late.set(id, g.key);
      this.unlistOther(g.key, m.name, 1);
      g.meta ??= { labels: m.labels, annotations: m.annotations };
    }
  }

  /** The last list starts over: the pods it added go back. */
  restartStoppedSince(): void {
    for (const [id, key] of this.late) { this.unlistOther(key, id.slice(id.indexOf('/') + 1), -1); }
    this.late.clear();
  }

  private unlistOther(key: string, name: string, by: 1 | -1): void {
    const g = this.groups.get(key);
    if (!g) { return; }
    g.otherCount += by;
    if (by < 0 && g.other[0] === name) { g.other.length = 0; }
    if (by > 0 && g.other.length === 0) { g.other.push(name); }
  }

  /** The not-running list starts over (a continue token expired): its pages come again. */
  restartNotRunning(): void {
    for (const g of this.groups.values()) {
      g.otherCount = 0;
      g.other.length = 0;
    }
    this.notRunning.clear();
    this.moved.clear();
  }

  /** The running list starts over: its pages come again, and the pods it moved go back. */
  restartRunning(): void {
    for (const g of this.groups.values()) {
      g.runningCount = 0;
      g.running.length = 0;
    }
    for (const id of this.moved) { this.unlistOther(this.notRunning.get(id)!, id.slice(id.indexOf('/') + 1), 1); }
    this.moved.clear();
  }

  /** Once both lists are read: templates left without a pod (a restarted list) are dropped, and the names of moved pods. */
  finish(): void {
    for (const [k, g] of this.groups) {
      if (g.runningCount + g.otherCount === 0) { this.groups.delete(k); }
    }
    this.notRunning.clear();
    this.moved.clear();
    this.late.clear();
  }

  podCount(key: string): number {
    const g = this.groups.get(key);
    return g ? g.runningCount + g.otherCount : 0;
  }
}

/**
 * After each full GC V8 lets the heap grow to up to 4x what survived before the next one. A cluster read
 * by template allocates far more than it keeps (150,000 pods' metadata pages parsed and dropped, then the
 * report), so at 150,000 pods that slack was 60-120 MB of the peak RSS for 60-80 MB live. Measured there
 * (-o table, launcher flags, load 2.5-10): V8's own growth 324-388 MB at 5.8-6.1 s CPU; 1.5x 271-320 MB at
 * 6.1-7.1 s; 1.25x 267-279 MB at 7.4-7.6 s. Since the API calls go over node:https (no undici buffers) the
 * whole process peaks lower, and with managedFields recorded (549 MB read): 1.5x 247 MB at 21.0 s CPU
 * against 1.25x 250 MB at 24.4 s (median of three alternated pairs, -o json, load 2.7-3.6); table 257 MB,
 * yaml 250 MB. So 1.5x: the same peak under 300 MB (issue 13) for less GC. Set only here, once the
 * cluster is known to be large: a small one keeps V8's defaults and pays no extra GC. V8 reads this flag at each full GC, so setting it at run time holds
 * however the plugin was started (kubectl wrapper, npm bin, standalone binary).
 */
export function boundHeapGrowth(): void {
  const v8 = process.getBuiltinModule('node:v8') as typeof import('node:v8');
  v8.setFlagsFromString('--heap-growing-percent=50');
}

export type PodList =
  | { mode: 'full'; pods: KObject[] }
  | { mode: 'templates'; index: TemplateIndex };

/**
 * The cluster's pods: in full when they fit one page, else by template. The first page is read in full
 * either way (its cost is one page), so a small cluster pays no extra request.
 */
export async function listClusterPods(client: ClusterClient, signal?: AbortSignal, onLarge?: () => void, onPods?: (pods: number) => void): Promise<PodList> {
  if (!client.listPages || !client.getObject) { return { mode: 'full', pods: await client.list('pods', { signal }) }; }
  const first: KObject[] = [];
  let more = false;
  await client.listPages('pods', { signal, pageSize: FULL_POD_LIST_MAX }, (items, m) => {
    first.push(...items);
    more = m;
    return false;
  });
  if (!more) { return { mode: 'full', pods: first }; }
  first.length = 0;
  boundHeapGrowth();
  // What runs beside the pod lists (the owners' templates) starts now, not after them.
  onLarge?.();
  const index = new TemplateIndex();
  // Two metadata lists split by phase (a field the API server selects pods on): Running pods are the ones
  // to exec into, without reading any pod's status. The others first: they are kept by name until the
  // running ones are read (a pod may start between the two lists), and again after (one may stop).
  await client.listPages('pods', { signal, metadataOnly: true, pageSize: METADATA_PAGE, fieldSelector: 'status.phase!=Running' }, (items) => {
    index.addNotRunning(items);
    onPods?.(index.pods);
    return true;
  }, () => index.restartNotRunning());
  await client.listPages('pods', { signal, metadataOnly: true, pageSize: METADATA_PAGE, fieldSelector: 'status.phase=Running' }, (items) => {
    index.addRunning(items);
    onPods?.(index.pods);
    return true;
  }, () => index.restartRunning());
  await client.listPages('pods', { signal, metadataOnly: true, pageSize: METADATA_PAGE, fieldSelector: 'status.phase!=Running' }, (items) => {
    index.addStoppedSince(items);
    onPods?.(index.pods);
    return true;
  }, () => index.restartStoppedSince());
  index.finish();
  return { mode: 'templates', index };
}

function podReady(p: KObject): boolean {
  const conds: any[] = Array.isArray(p.status?.conditions) ? p.status.conditions : [];
  return p.status?.phase === 'Running' && conds.some((c) => c?.type === 'Ready' && c.status === 'True');
}


/**
 * Domains of the admission webhooks known to edit pods on their way in (sidecars, init containers, env):
 * the OpenTelemetry operator, Istio, Linkerd, Kuma, Consul, App Mesh, Dapr, Vault agent, and the vendor
 * agents that inject env or libraries (Datadog, Dynatrace, New Relic). Each marks what it did, or is asked,
 * in a key of its own domain.
 */
const INJECTOR_DOMAINS = /(^|\.)(opentelemetry\.io|istio\.io|linkerd\.io|kuma\.io|consul\.hashicorp\.com|vault\.hashicorp\.com|appmesh\.k8s\.aws|dapr\.io|datadoghq\.com|dynatrace\.com|newrelic\.com)\//;

/** Keys of `a` that `b` lacks or holds another value for. */
function changed(a: Record<string, string> | undefined, b: Record<string, string> | undefined, skip: Set<string>): string[] {
  return Object.keys(a ?? {}).filter((k) => !skip.has(k) && b?.[k] !== a?.[k]);
}

/**
 * The pod a template makes, without reading one. Not where admission may have changed it: a key of a known
 * injector on the template, on the pod or on its namespace (`mutating`), or labels the pod has that the
 * template has not (webhooks and controllers that edit pods label them). Annotations added to pods alone
 * (eviction hints, a node simulator's marks) say nothing of the spec. Status is left unknown.
 */
export function podFromTemplate(g: PodTemplateGroup, owner: KObject | undefined, mutating?: (namespace: string) => boolean): KObject | undefined {
  const tpl = owner?.spec?.template;
  const name = g.running[0];
  if (!owner || !tpl?.spec || !name || !g.meta) { return undefined; }
  // Items of a list carry no kind: the pod's ownerReference names it.
  if (!ofCurrentTemplate(g.meta.labels, owner, String(owner.kind ?? g.owner?.kind ?? ''))) { return undefined; }
  const keys = [...Object.keys(g.meta.labels ?? {}), ...Object.keys(g.meta.annotations ?? {}), ...Object.keys(tpl.metadata?.annotations ?? {}), ...Object.keys(tpl.metadata?.labels ?? {})];
  if (keys.some((k) => INJECTOR_DOMAINS.test(k)) || mutating?.(g.namespace)) { return undefined; }
  if (changed(g.meta.labels, tpl.metadata?.labels, PER_POD_LABELS).length || changed(tpl.metadata?.labels, g.meta.labels, PER_POD_LABELS).length) { return undefined; }
  const ref = owner.metadata;
  const made: KObject = {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name,
      namespace: g.namespace,
      labels: g.meta.labels ?? {},
      ...(g.meta.annotations ? { annotations: g.meta.annotations } : {}),
      ownerReferences: [{ apiVersion: String(owner.apiVersion ?? 'apps/v1'), kind: String(owner.kind ?? g.owner?.kind ?? ''), name: ref.name, ...(ref.uid ? { uid: ref.uid } : {}), controller: true }],
    },
    spec: tpl.spec,
    status: { phase: 'Running' },
  };
  MADE.add(made);
  return made;
}

/** Pods podFromTemplate made: their status and IP are unknown, so none may stand for a collector. */
const MADE = new WeakSet<KObject>();
export function madeFromTemplate(p: KObject): boolean {
  return MADE.has(p);
}

/**
 * Whether pods labelled so were created from the owner's template as it is now, not from an older revision
 * still running (a rollout under way, OnDelete). A ReplicaSet's pods carry its own pod-template-hash. A
 * StatefulSet's spec.template is its status.updateRevision (apps/v1 StatefulSetStatus; pods of
 * currentRevision keep the old spec until replaced). A DaemonSet's pod is up to date when its
 * pod-template-generation equals the DaemonSet's deprecated.daemonset.template.generation annotation
 * (pkg/controller/daemon/util IsPodUpdated; its other test, the current ControllerRevision's hash, is not in
 * the DaemonSet). Where the owner does not say, the pod is read.
 */
export function ofCurrentTemplate(labels: Record<string, string> | undefined, owner: KObject, kind: string): boolean {
  const l = labels ?? {};
  switch (kind) {
    case 'ReplicaSet': {
      const hash = owner.spec?.template?.metadata?.labels?.['pod-template-hash'];
      return typeof hash === 'string' && l['pod-template-hash'] === hash;
    }
    case 'StatefulSet': {
      const rev = owner.status?.updateRevision;
      return typeof rev === 'string' && l['controller-revision-hash'] === rev;
    }
    case 'DaemonSet': {
      const gen = owner.metadata.annotations?.['deprecated.daemonset.template.generation'];
      return typeof gen === 'string' && l['pod-template-generation'] === gen;
    }
    default:
      return false;
  }
}

/** A namespace whose own labels or annotations ask a known injector to edit its pods. */
export function mutatingNamespace(ns: KObject): boolean {
  return [...Object.keys(ns.metadata.labels ?? {}), ...Object.keys(ns.metadata.annotations ?? {})].some((k) => INJECTOR_DOMAINS.test(k) || k === 'istio-injection');
}

/** How many more running pods of a template are tried when the first one read is not ready. */
const READY_TRIES = 3;

/**
 * One pod per template: made from its owner's template where admission changed nothing (podFromTemplate),
 * else read: a ready one where the first running pods offer one, else the first that could be read. Pods
 * deleted since the list (404) are skipped. `read` says which pods are real.
 */
export async function representatives(
  client: ClusterClient,
  index: TemplateIndex,
  concurrency: number,
  signal?: AbortSignal,
  onDone?: (done: number, total: number) => void,
  owners?: Map<string, KObject>,
  mutating?: (namespace: string) => boolean,
): Promise<{ pods: KObject[]; read: number }> {
  const run = limiter(concurrency);
  const groups = [...index.groups.values()];
  let done = 0;
  let read = 0;
  const out = await Promise.all(
    groups.map((g) => {
      const made = g.owner ? podFromTemplate(g, owners?.get(`${g.owner.kind}/${g.namespace}/${g.owner.name}`), mutating) : undefined;
      if (made) {
        onDone?.(++done, groups.length);
        return Promise.resolve(made);
      }
      return run(async () => {
        let best: KObject | undefined;
        const names = [...g.running.slice(0, READY_TRIES), ...(g.running.length ? [] : g.other.slice(0, 1))];
        for (const name of names) {
          let p: KObject;
          try {
            p = await client.getObject!('pods', g.namespace, name, { signal });
          } catch (e) {
            if (e instanceof ApiError && e.status === 404) { continue; }
            throw e;
          }
          best ??= p;
          if (podReady(p)) {
            best = p;
            break;
          }
        }
        if (best) { read++; }
        onDone?.(++done, groups.length);
        return best;
      });
    }),
  );
  return { pods: out.filter((p): p is KObject => p !== undefined), read };
}

/** What a collector workload's sampling kept, and of how many. */
export interface CollectorSample {
  namespace: string;
  workload: string;
  pods: number;
  sampled: number;
  notReady: number;
  restarting: number;
  nodePools?: number;
}

/** Sampled pods per collector template: enough to see a pattern, never one exec per node. */
export const COLLECTOR_SAMPLE = 5;
/** Pods not ready or restarting are all kept up to this bound (each can be its own finding). */
export const COLLECTOR_UNHEALTHY_MAX = 50;

/**
 * The node pool a node belongs to, from the labels the managed offerings set (GKE
 * cloud.google.com/gke-nodepool, EKS eks.amazonaws.com/nodegroup, AKS kubernetes.azure.com/agentpool,
 * Karpenter karpenter.sh/nodepool), else its instance type (node.kubernetes.io/instance-type, a well-known
 * label): nodes alike in those run the same host network setup.
 */
export function nodePool(labels: Record<string, string> | undefined): string {
  const l = labels ?? {};
  return l['cloud.google.com/gke-nodepool'] ?? l['eks.amazonaws.com/nodegroup'] ?? l['kubernetes.azure.com/agentpool'] ?? l['karpenter.sh/nodepool'] ?? l['node.kubernetes.io/instance-type'] ?? '';
}

function restarts(p: KObject): number {
  const st: any[] = Array.isArray(p.status?.containerStatuses) ? p.status.containerStatuses : [];
  return st.reduce((n, s) => n + (Number(s?.restartCount) || 0), 0);
}

/**
 * A collector template's pods worth checking, read in full page by page by the representative's own
 * labels (a superset selector of its template) and kept only when they can change a finding: the first
 * few, every pod not ready or restarting (bounded), and one per node pool where the host's network matters
 * (hostPort, hostNetwork).
 */
export async function sampleCollectorPods(
  client: ClusterClient,
  rep: KObject,
  opts: { hostMatters: boolean; poolOf?: (node: string) => string; signal?: AbortSignal },
): Promise<{ pods: KObject[]; sample: CollectorSample }> {
  const ns = rep.metadata.namespace ?? 'default';
  const key = templateKey(rep.metadata);
  const selector = Object.entries(rep.metadata.labels ?? {})
    .filter(([k]) => !PER_POD_LABELS.has(k))
    .map(([k, v]) => `${k}=${v}`)
    .join(',');
  let kept = new Map<string, KObject>();
  let pools = new Set<string>();
  let pods = 0;
  let healthyKept = 0;
  let notReady = 0;
  let restarting = 0;
  let unhealthyKept = 0;
  const restart = (): void => {
    kept = new Map();
    pools = new Set();
    pods = healthyKept = notReady = restarting = unhealthyKept = 0;
  };
  const owner = controllerRef(rep);
  await client.listPages!('pods', { namespace: ns, ...(selector ? { labelSelector: selector } : { fieldSelector: `metadata.name=${rep.metadata.name}` }), signal: opts.signal }, (items) => {
    for (const p of items) {
      if (templateKey(p.metadata) !== key && !(owner && controllerRef(p)?.name === owner.name && controllerRef(p)?.kind === owner.kind)) { continue; }
      pods++;
      const ready = podReady(p);
      const r = restarts(p);
      if (!ready) { notReady++; }
      if (r > 0) { restarting++; }
      const name = p.metadata.name;
      if ((!ready || r > 0) && unhealthyKept < COLLECTOR_UNHEALTHY_MAX) {
        unhealthyKept++;
        kept.set(name, p);
        continue;
      }
      const pool = opts.hostMatters && opts.poolOf ? opts.poolOf(String(p.spec?.nodeName ?? '')) : undefined;
      if (pool !== undefined && !pools.has(pool)) {
        pools.add(pool);
        kept.set(name, p);
        continue;
      }
      if (healthyKept < COLLECTOR_SAMPLE || name === rep.metadata.name) {
        healthyKept++;
        kept.set(name, p);
      }
    }
    return true;
  }, restart);
  if (!kept.has(rep.metadata.name) && kept.size === 0) { kept.set(rep.metadata.name, rep); }
  return {
    pods: [...kept.values()],
    sample: { namespace: ns, workload: owner ? `${owner.kind}/${owner.name}` : `Pod/${rep.metadata.name}`, pods: Math.max(pods, 1), sampled: kept.size, notReady, restarting, ...(opts.hostMatters ? { nodePools: pools.size } : {}) },
  };
}
