// The controller manager and scheduler of the simulated cluster, in one process: workload controllers
// (Deployment -> ReplicaSet -> Pod, DaemonSet, StatefulSet), a scheduler, the garbage collector for
// what they own, the service-account controller, and the Endpoints / EndpointSlice controllers.
// Each pass reconciles everything from the store's current state (level-triggered like the real ones),
// so a missed or coalesced change event never leaves the cluster wrong.
// Pods are written to the store directly, so they get the API server's defaulting here, as a real
// controller's POST would. Parts: controller-kit.ts (shared helpers), workload-status.ts,
// endpoints-controller.ts.
import { defaultPodSpec, podQosClass, runAdmissionHooks } from './api/admission.ts';
import type { Change, KObject, ResourceType, Store } from './store.ts';
import {
  DEPLOY, DS, EP, EPS, KCM, NODE, NS, POD, RS, SA, STS, controllerRef, isActive, isPodReady, nodeFits, ownedBy, ownerRefTo, podTemplateHash,
  tryCreate, tryDelete,
} from './controller-kit.ts';
import { VIRTUAL_ANNOTATION, isVirtualNode, isVirtualObject } from './virtual.ts';
import { workloadStatus } from './workload-status.ts';
import { templateGeneration } from './daemonset-strategy.ts';
import { startJobControllers } from './job-controller.ts';
import { SLICE_MANAGED_BY, SLICE_MIRROR_MANAGED_BY, isOurSlice, reconcileEndpoints, resolveTargetPort } from './endpoints-controller.ts';

// Re-exported: the CLI and tests know these by the controllers.
export { isPodReady, podTemplateHash, resolveTargetPort, SLICE_MANAGED_BY, SLICE_MIRROR_MANAGED_BY };

/** Kinds whose changes can alter what the controllers want; everything else (Events, ConfigMaps) is ignored. */
const WATCHED = new Set(['Pod', 'Node', 'Namespace', 'Service', 'Endpoints', 'Deployment', 'ReplicaSet', 'DaemonSet', 'StatefulSet']);
const WORKLOAD_KINDS = new Set(['ReplicaSet', 'Deployment', 'DaemonSet', 'StatefulSet']);
/**
 * Pods created (or bound) between two turns of the event loop: about 0.2-0.6 ms each with admission and
 * the store's listeners, so a batch holds the loop well under a second even on a loaded machine.
 */
export const POD_BATCH = 1000;

function podFromTemplate(owner: KObject, template: KObject['spec']['template'], extra: { name?: string; generateName?: string; labels?: Record<string, string>; spec?: Record<string, unknown> }): KObject {
  const tm = template?.metadata ?? {};
  const spec = structuredClone(template?.spec ?? {});
  defaultPodSpec(spec);
  Object.assign(spec, extra.spec ?? {});
  const metadata: KObject['metadata'] = {
    name: extra.name ?? '',
    namespace: owner.metadata.namespace,
    labels: { ...(tm.labels ?? {}), ...(extra.labels ?? {}) },
    ownerReferences: [ownerRefTo(owner)],
  };
  if (extra.generateName) { metadata.generateName = extra.generateName; }
  if (tm.annotations && Object.keys(tm.annotations).length) { metadata.annotations = { ...tm.annotations }; }
  // A virtual workload's pods are virtual too (virtual.ts): the mark rides on metadata, not the template.
  if (isVirtualObject(owner)) { metadata.annotations = { ...(metadata.annotations ?? {}), [VIRTUAL_ANNOTATION]: 'true' }; }
  return { apiVersion: 'v1', kind: 'Pod', metadata, spec, status: { phase: 'Pending', qosClass: podQosClass(spec) } };
}

/** Required node affinity as the scheduler evaluates it: any term matches, all expressions of a term match. */
export interface ControllerOptions {
  /** Node names to schedule onto when the store holds no Node objects (unit tests). */
  nodes?: string[];
  /** Coalesces bursts of changes (a pod's status moving through several states) into one pass. */
  debounceMs?: number;
}
export interface Controllers {
  stop(): void;
  /** Resolves once no pass is pending or running: the controllers have caught up with the store. */
  flush(): Promise<void>;
  /** Runs one reconcile pass now (tests). */
  reconcile(): void;
}

export function startControllers(store: Store, opts: ControllerOptions = {}): Controllers {
  const debounceMs = opts.debounceMs ?? 20;
  let timer: NodeJS.Timeout | undefined;
  let running = false;
  let stopped = false;
  let idleWaiters: Array<() => void> = [];
  // Owners seen deleted: their dependents go (the garbage collector's foreground of background deletion).
  const deletedOwners = new Set<string>();
  const deletedServices: KObject[] = [];

  const schedule = () => {
    if (stopped || timer) { return; }
    timer = setTimeout(() => { void run(); }, debounceMs);
  };
  // What each object looked like to the controllers last time: a MODIFIED event that leaves it unchanged
  // (the kubelet bumping a probe timestamp, our own status writes) needs no pass. At 100+ pods this is the
  // difference between a few passes per pod and dozens.
  const seen = new Map<string, string>();
  const onChange = (c: Change) => {
    if (!WATCHED.has(c.resource.kind)) { return; }
    const k = `${c.resource.kind}/${c.object.metadata.namespace ?? ''}/${c.object.metadata.name}`;
    if (c.type === 'DELETED') { seen.delete(k); } else {
      const fp = fingerprint(c.object);
      if (c.type === 'MODIFIED' && seen.get(k) === fp) { return; }
      seen.set(k, fp);
    }
    if (c.type === 'DELETED') {
      if (WORKLOAD_KINDS.has(c.resource.kind) && c.object.metadata.uid) { deletedOwners.add(c.object.metadata.uid); }
      if (c.resource.kind === 'Service') { deletedServices.push(c.object); }
    }
    if (!running) { schedule(); } else { dirty = true; }
  };
  let dirty = false;

  async function run() {
    timer = undefined;
    if (stopped) { return; }
    running = true;
    dirty = false;
    try {
      await reconcileInBatches();
    } catch (e) {
      process.stderr.write(`sim controllers: ${(e as Error).stack ?? e}\n`);
    } finally {
      running = false;
    }
    if (stopped) { return; }
    if (dirty) { schedule(); } else if (!timer) {
      const w = idleWaiters;
      idleWaiters = [];
      for (const f of w) { f(); }
    }
  }

  function nodeList(): KObject[] {
    const nodes = store.select(NODE);
    if (nodes.length) { return nodes; }
    return (opts.nodes ?? []).map((name) => ({ apiVersion: 'v1', kind: 'Node', metadata: { name, labels: { 'kubernetes.io/hostname': name, 'kubernetes.io/os': 'linux' } } }));
  }

  /**
   * A pod the workload controllers create goes through the cluster's mutating webhooks as a POST would
   * (the operator's pod webhook, failurePolicy=ignore: a failing hook admits the pod unchanged), then the
   * API server's defaulting again for what the webhooks added.
   */
  function createPod(build: () => KObject): void {
    if (deferred) { deferred.push(build); } else { createPodNow(build()); }
  }
  /** While a pass runs in batches, the pods it decides to create (built when their batch comes). */
  let deferred: Array<() => KObject> | undefined;

  function createPodNow(pod: KObject): KObject | undefined {
    let out = pod;
    try {
      const m = structuredClone(pod);
      runAdmissionHooks(store, POD, m);
      out = m;
    } catch { /* failurePolicy=ignore */ }
    defaultPodSpec(out.spec);
    out.status = { ...(out.status ?? {}), qosClass: podQosClass(out.spec) };
    return store.as(KCM, () => tryCreate(store, POD, out));
  }

  function serviceAccounts() {
    const existing = new Set(store.select(SA, { fields: [{ field: 'metadata.name', neg: false, value: 'default', read: (o) => o.metadata.name }] }).map((s) => s.metadata.namespace));
    for (const ns of store.select(NS)) {
      if (ns.metadata.deletionTimestamp || existing.has(ns.metadata.name)) { continue; }
      tryCreate(store, SA, { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'default', namespace: ns.metadata.name } });
    }
  }

  function deployments() {
    for (const d of store.select(DEPLOY)) {
      if (d.metadata.deletionTimestamp) { continue; }
      const ns = d.metadata.namespace;
      const replicas: number = d.spec?.replicas ?? 1;
      const hash = podTemplateHash(d.spec?.template);
      const rsName = `${d.metadata.name}-${hash}`;
      const owned = ownedBy(store, RS, d);
      const revisions = owned.map((r) => Number(r.metadata.annotations?.['deployment.kubernetes.io/revision'] ?? 0));
      let current = owned.find((r) => r.metadata.name === rsName);
      if (!current) {
        const revision = String(Math.max(0, ...revisions) + 1);
        const tpl = structuredClone(d.spec?.template ?? {});
        tpl.metadata = { ...(tpl.metadata ?? {}), labels: { ...(tpl.metadata?.labels ?? {}), 'pod-template-hash': hash } };
        const sel = structuredClone(d.spec?.selector ?? {});
        sel.matchLabels = { ...(sel.matchLabels ?? {}), 'pod-template-hash': hash };
        current = tryCreate(store, RS, {
          apiVersion: 'apps/v1', kind: 'ReplicaSet',
          metadata: {
            name: rsName, namespace: ns,
            labels: tpl.metadata.labels,
            annotations: {
              ...(isVirtualObject(d) ? { [VIRTUAL_ANNOTATION]: 'true' } : {}),
              'deployment.kubernetes.io/desired-replicas': String(replicas),
              'deployment.kubernetes.io/max-replicas': String(replicas + Math.ceil(replicas * 0.25)),
              'deployment.kubernetes.io/revision': revision,
            },
            ownerReferences: [ownerRefTo(d)],
          },
          spec: { replicas, ...(d.spec?.minReadySeconds ? { minReadySeconds: d.spec.minReadySeconds } : {}), selector: sel, template: tpl },
        });
        if (!current) { continue; }
      }
      const rev = current.metadata.annotations?.['deployment.kubernetes.io/revision'];
      // Each write is checked against the stored object first: at 10,000 Deployments a pass that writes
      // nothing must cost nothing.
      if (current.spec?.replicas !== replicas || current.metadata.annotations?.['deployment.kubernetes.io/desired-replicas'] !== String(replicas)) {
        store.mutate(RS, ns, current.metadata.name, (r) => {
          r.spec.replicas = replicas;
          r.metadata.annotations = { ...(r.metadata.annotations ?? {}), 'deployment.kubernetes.io/desired-replicas': String(replicas) };
        });
      }
      // Rollouts are a Recreate in effect: the old ReplicaSets drop to zero at once (documented simplification).
      for (const r of owned) { if (r.metadata.name !== current.metadata.name && r.spec?.replicas !== 0) { store.mutate(RS, ns, r.metadata.name, (o) => { o.spec.replicas = 0; }); } }
      if (rev && d.metadata.annotations?.['deployment.kubernetes.io/revision'] !== rev) { store.mutate(DEPLOY, ns, d.metadata.name, (o) => { o.metadata.annotations = { ...(o.metadata.annotations ?? {}), 'deployment.kubernetes.io/revision': rev }; }); }
    }
  }

  function replicaSets() {
    for (const r of store.select(RS)) {
      if (r.metadata.deletionTimestamp) { continue; }
      const want: number = r.spec?.replicas ?? 1;
      const active = ownedBy(store, POD, r).filter(isActive);
      for (let i = active.length; i < want; i++) {
        createPod(() => podFromTemplate(r, r.spec?.template, { generateName: `${r.metadata.name}-` }));
      }
      if (active.length > want) {
        // Same preference as the real controller: unscheduled, then not ready, then the youngest go first.
        const victims = [...active].sort((a, b) =>
          Number(!!a.spec?.nodeName) - Number(!!b.spec?.nodeName) ||
          Number(isPodReady(a)) - Number(isPodReady(b)) ||
          String(b.metadata.creationTimestamp).localeCompare(String(a.metadata.creationTimestamp)));
        for (const p of victims.slice(0, active.length - want)) { tryDelete(store, POD, p.metadata.namespace, p.metadata.name); }
      }
    }
  }

  function daemonSets(nodes: KObject[]) {
    for (const ds of store.select(DS)) {
      if (ds.metadata.deletionTimestamp) { continue; }
      const hash = podTemplateHash(ds.spec?.template);
      const generation = templateGeneration(ds);
      let owned = ownedBy(store, POD, ds);
      // RollingUpdate (the default) replaces every pod not of the current template, all at once here
      // (as Deployments' rollouts, a documented simplification); OnDelete leaves them until deleted.
      // Up to date as pkg/controller/daemon/util IsPodUpdated says: the generation label or the hash.
      if (ds.spec?.updateStrategy?.type !== 'OnDelete') {
        const stale = owned.filter((p) => isActive(p) && !(
          (generation !== undefined && p.metadata.labels?.['pod-template-generation'] === String(generation)) ||
          p.metadata.labels?.['controller-revision-hash'] === hash));
        for (const p of stale) { tryDelete(store, POD, p.metadata.namespace, p.metadata.name); }
        if (stale.length) { owned = ownedBy(store, POD, ds); }
      }
      const eligible = daemonNodes(ds, nodes);
      const covered = new Set(owned.filter(isActive).map((p) => p.spec?.nodeName));
      for (const n of eligible) {
        if (covered.has(n.metadata.name)) { continue; }
        createPod(() => daemonPod(ds, n, hash, generation));
      }
      const names = new Set(eligible.map((n) => n.metadata.name));
      for (const p of owned) { if (!names.has(p.spec?.nodeName)) { tryDelete(store, POD, p.metadata.namespace, p.metadata.name); } }
    }
  }

  /** A DaemonSet's pod for node `n`, as the DaemonSet controller makes it. */
  function daemonPod(ds: KObject, n: KObject, hash: string, generation: number | undefined): KObject {
    // pkg/controller/daemon/util CreatePodTemplate: the generation label only where the annotation is.
    const pod = podFromTemplate(ds, ds.spec?.template, {
      generateName: `${ds.metadata.name}-`,
      labels: { 'controller-revision-hash': hash, ...(generation === undefined ? {} : { 'pod-template-generation': String(generation) }) },
    });
    // What the DaemonSet controller adds so the pod lands on exactly this node and survives its conditions.
    const affinity = structuredClone(pod.spec.affinity ?? {});
    affinity.nodeAffinity = {
      ...(affinity.nodeAffinity ?? {}),
      requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchFields: [{ key: 'metadata.name', operator: 'In', values: [n.metadata.name] }] }] },
    };
    pod.spec.affinity = affinity;
    pod.spec.tolerations = [
      ...(ds.spec?.template?.spec?.tolerations ?? []),
      ...['not-ready', 'unreachable'].map((k) => ({ key: `node.kubernetes.io/${k}`, operator: 'Exists', effect: 'NoExecute' })),
      ...['disk-pressure', 'memory-pressure', 'pid-pressure', 'unschedulable'].map((k) => ({ key: `node.kubernetes.io/${k}`, operator: 'Exists', effect: 'NoSchedule' })),
    ];
    pod.spec.nodeName = n.metadata.name;
    return pod;
  }

  function statefulSets() {
    for (const s of store.select(STS)) {
      if (s.metadata.deletionTimestamp) { continue; }
      const want: number = s.spec?.replicas ?? 1;
      const owned = ownedBy(store, POD, s);
      const revision = `${s.metadata.name}-${podTemplateHash(s.spec?.template)}`;
      // All ordinals at once (Parallel policy) even for OrderedReady: same end state, faster bring-up.
      for (let i = 0; i < want; i++) {
        const name = `${s.metadata.name}-${i}`;
        if (owned.some((p) => p.metadata.name === name)) { continue; }
        const spec: Record<string, unknown> = { hostname: name };
        if (s.spec?.serviceName) { spec.subdomain = s.spec.serviceName; }
        createPod(() => podFromTemplate(s, s.spec?.template, {
          name,
          labels: { 'controller-revision-hash': revision, 'statefulset.kubernetes.io/pod-name': name, 'apps.kubernetes.io/pod-index': String(i) },
          spec,
        }));
      }
      for (const p of owned) {
        const ordinal = Number(p.metadata.name.slice(s.metadata.name.length + 1));
        if (!(ordinal < want)) { tryDelete(store, POD, p.metadata.namespace, p.metadata.name); }
      }
    }
  }

  /**
   * The scheduler: each pending pod to the least-loaded fitting node, ties by name, which spreads
   * replicas the way the default scorer tends to. Pods of virtual workloads go to virtual nodes and the
   * rest to real ones (virtual.ts). Pods that fit the same nodes share one node list and one heap of
   * (load, name), so placing 150,000 pods on 5,000 nodes is not a sort of every node per pod.
   */
  function placements(nodes: KObject[]): Array<[KObject, string]> {
    const out: Array<[KObject, string]> = [];
    if (!nodes.length) { return out; }
    const pending = store.select(POD, { fields: [{ field: 'spec.nodeName', neg: false, value: '', read: (o) => o.spec?.nodeName ?? '' }] }).filter(isActive);
    if (!pending.length) { return out; }
    const load = new Map<string, number>(nodes.map((n) => [n.metadata.name, 0]));
    for (const n of nodes) {
      const on = store.select(POD, { fields: [{ field: 'spec.nodeName', neg: false, value: n.metadata.name, read: (o) => o.spec?.nodeName ?? '' }] });
      load.set(n.metadata.name, on.filter(isActive).length);
    }
    const heaps = new Map<string, NodeHeap>();
    for (const p of pending) {
      const virtual = isVirtualObject(p);
      const sig = JSON.stringify([virtual, p.spec?.nodeSelector, p.spec?.affinity?.nodeAffinity]);
      let heap = heaps.get(sig);
      if (!heap) {
        heap = new NodeHeap(nodes.filter((n) => isVirtualNode(n) === virtual && nodeFits(n, p.spec)).map((n) => n.metadata.name), load);
        heaps.set(sig, heap);
      }
      const node = heap.take();
      if (node) { out.push([p, node]); }
    }
    return out;
  }
  /** Binds a pod to its node unless it is gone or was bound meanwhile (a batch may run after other writes). */
  const bind = ([p, node]: [KObject, string]) => {
    if (store.peek(POD, p.metadata.namespace, p.metadata.name)?.metadata.uid !== p.metadata.uid) { return; }
    store.mutate(POD, p.metadata.namespace, p.metadata.name, (o) => { o.spec.nodeName ??= node; });
  };

  /** The nodes a DaemonSet runs on: those its template fits; a virtual DaemonSet only the virtual ones. */
  function daemonNodes(ds: KObject, nodes: KObject[]): KObject[] {
    const virtualOnly = isVirtualObject(ds);
    return nodes.filter((n) => (!virtualOnly || isVirtualNode(n)) && nodeFits(n, ds.spec?.template?.spec));
  }

  function garbageCollect() {
    if (deletedOwners.size) {
      for (const t of [RS, POD]) {
        for (const o of store.select(t)) {
          const ref = controllerRef(o);
          if (ref && deletedOwners.has(ref.uid)) { tryDelete(store, t, o.metadata.namespace, o.metadata.name); }
        }
      }
    }
    while (deletedServices.length) {
      const svc = deletedServices.shift()!;
      if (svc.spec?.selector && Object.keys(svc.spec.selector).length) { tryDelete(store, EP, svc.metadata.namespace, svc.metadata.name); }
      for (const sl of store.select(EPS, { namespace: svc.metadata.namespace })) {
        if (sl.metadata.labels?.['kubernetes.io/service-name'] === svc.metadata.name && isOurSlice(sl)) { tryDelete(store, EPS, sl.metadata.namespace, sl.metadata.name); }
      }
    }
  }

  function workloads(nodes: KObject[]) {
    serviceAccounts();
    garbageCollect();
    deployments();
    replicaSets();
    daemonSets(nodes);
    statefulSets();
  }

  /** One pass, all at once (tests). */
  function reconcile() {
    const nodes = nodeList();
    store.as(KCM, () => workloads(nodes));
    // The binding subresource writes spec.nodeName straight to storage: no managedFields entry (BindingREST).
    for (const b of placements(nodes)) { bind(b); }
    store.as(KCM, () => { workloadStatus(store, nodeList); reconcileEndpoints(store); });
  }

  /**
   * One pass as run() does it: the pods to create and to bind go in batches of POD_BATCH, with a turn of
   * the event loop between them, so the API server answers during a large bring-up. Creating 150,000
   * pods in one synchronous pass held the event loop for 302 s (README "Measured at scale"). Changes
   * arriving between batches mark the controllers dirty, and the next pass sees them (level-triggered).
   */
  async function reconcileInBatches() {
    const builds: Array<() => KObject> = [];
    deferred = builds;
    try { store.as(KCM, () => workloads(nodeList())); } finally { deferred = undefined; }
    const owners = new Map<string, ResourceType>([['ReplicaSet', RS], ['DaemonSet', DS], ['StatefulSet', STS]]);
    // An owner deleted between two batches gets no more pods (the garbage collector would remove them).
    const ownerLives = (p: KObject) => {
      const ref = controllerRef(p);
      const t = ref && owners.get(ref.kind);
      return !t || store.peek(t, p.metadata.namespace, ref.name)?.metadata.uid === ref.uid;
    };
    if (!(await inBatches(builds, (b) => { const p = b(); if (ownerLives(p)) { createPodNow(p); } }))) { return; }
    if (!(await inBatches(placements(nodeList()), bind))) { return; }
    store.as(KCM, () => { workloadStatus(store, nodeList); reconcileEndpoints(store); });
  }

  /** Runs `f` over `items`, POD_BATCH at a time, yielding to the event loop between batches; false once stopped. */
  async function inBatches<X>(items: X[], f: (x: X) => void): Promise<boolean> {
    for (let i = 0; i < items.length; i += POD_BATCH) {
      if (i > 0) {
        await new Promise<void>((r) => setImmediate(r));
        if (stopped) { return false; }
      }
      for (const x of items.slice(i, i + POD_BATCH)) { f(x); }
    }
    return !stopped;
  }

  store.on('change', onChange);
  schedule();
  // Jobs and CronJobs reconcile in their own loop (job-controller.ts); the pods they create are scheduled here.
  const jobs = startJobControllers(store);

  return {
    stop() {
      jobs.stop();
      stopped = true;
      if (timer) { clearTimeout(timer); }
      timer = undefined;
      store.off('change', onChange);
      for (const f of idleWaiters) { f(); }
      idleWaiters = [];
    },
    async flush() {
      await jobs.flush();
      if (stopped || (!timer && !running)) { return; }
      await new Promise<void>((resolve) => idleWaiters.push(resolve));
    },
    reconcile,
  };
}

/** The parts of an object any controller here reads; everything else may change without a pass. */
export function fingerprint(o: KObject): string {
  const m = o.metadata;
  const owner = controllerRef(o)?.uid;
  switch (o.kind) {
    case 'Pod':
      return JSON.stringify([m.labels, owner, m.deletionTimestamp, o.spec?.nodeName, o.spec?.hostname, o.spec?.subdomain,
        (o.spec?.containers ?? []).map((c: { ports?: unknown }) => c.ports), o.status?.phase, o.status?.podIP, isPodReady(o)]);
    case 'Deployment': case 'ReplicaSet': case 'DaemonSet': case 'StatefulSet':
      return JSON.stringify([m.labels, owner, m.generation, m.deletionTimestamp, o.spec]);
    case 'Service':
      return JSON.stringify([m.labels, m.uid, o.spec]);
    case 'Endpoints':
      return JSON.stringify([m.labels, o.subsets]);
    case 'Node':
      return JSON.stringify([m.labels]);
    default:
      return JSON.stringify([m.labels, m.deletionTimestamp]);
  }
}

/** A min-heap of node names by (load, name); `take` places one pod on the top node. Loads are shared across heaps. */
class NodeHeap {
  private readonly h: string[];
  private readonly load: Map<string, number>;
  private readonly seen = new Map<string, number>();
  constructor(names: string[], load: Map<string, number>) {
    this.load = load;
    this.h = [];
    for (const n of names) { this.push(n); }
  }
  private less(a: string, b: string): boolean {
    const la = this.seen.get(a)!;
    const lb = this.seen.get(b)!;
    return la < lb || (la === lb && a < b);
  }
  private push(n: string): void {
    this.seen.set(n, this.load.get(n) ?? 0);
    const h = this.h;
    h.push(n);
    let i = h.length - 1;
    while (i > 0) { const p = (i - 1) >> 1; if (!this.less(h[i], h[p])) { break; } [h[i], h[p]] = [h[p], h[i]]; i = p; }
  }
  private pop(): string | undefined {
    const h = this.h;
    if (!h.length) { return undefined; }
    const top = h[0];
    const last = h.pop()!;
    if (h.length) {
      h[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < h.length && this.less(h[l], h[m])) { m = l; }
        if (r < h.length && this.less(h[r], h[m])) { m = r; }
        if (m === i) { break; }
        [h[i], h[m]] = [h[m], h[i]];
        i = m;
      }
    }
    return top;
  }
  /** The least-loaded node (its load as the shared map has it now, another heap may have raised it), charged one pod. */
  take(): string | undefined {
    for (;;) {
      const n = this.pop();
      if (n === undefined) { return undefined; }
      if (this.seen.get(n) !== (this.load.get(n) ?? 0)) { this.push(n); continue; }
      this.load.set(n, (this.load.get(n) ?? 0) + 1);
      this.push(n);
      return n;
    }
  }
}
