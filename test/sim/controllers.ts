// The controller manager and scheduler of the simulated cluster, in one process: workload controllers
// (Deployment -> ReplicaSet -> Pod, DaemonSet, StatefulSet), a scheduler, the garbage collector for
// what they own, the service-account controller, and the Endpoints / EndpointSlice controllers.
// Each pass reconciles everything from the store's current state (level-triggered like the real ones),
// so a missed or coalesced change event never leaves the cluster wrong.
// Pods are written to the store directly, so they get the API server's defaulting here, as a real
// controller's POST would.
import { defaultPodSpec, podQosClass } from './api/admission.ts';
import { matchesSelector, typeByKind, type Change, type KObject, type ResourceType, type Store } from './store.ts';

const T = (kind: string): ResourceType => {
  const t = typeByKind(kind);
  if (!t) throw new Error(`store serves no ${kind}`);
  return t;
};
const POD = T('Pod');
const NODE = T('Node');
const NS = T('Namespace');
const SVC = T('Service');
const EP = T('Endpoints');
const EPS = T('EndpointSlice');
const DEPLOY = T('Deployment');
const RS = T('ReplicaSet');
const DS = T('DaemonSet');
const STS = T('StatefulSet');
const SA = T('ServiceAccount');

/** Kinds whose changes can alter what the controllers want; everything else (Events, ConfigMaps) is ignored. */
const WATCHED = new Set(['Pod', 'Node', 'Namespace', 'Service', 'Endpoints', 'Deployment', 'ReplicaSet', 'DaemonSet', 'StatefulSet']);
const WORKLOAD_KINDS = new Set(['ReplicaSet', 'Deployment', 'DaemonSet', 'StatefulSet']);

export const SLICE_MANAGED_BY = 'endpointslice-controller.k8s.io';
export const SLICE_MIRROR_MANAGED_BY = 'endpointslicemirroring-controller.k8s.io';

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

const now = () => new Date().toISOString().replace(/\.\d+Z$/, 'Z');
const controllerRef = (o: KObject) => o.metadata.ownerReferences?.find((r) => r.controller);
const ownerRefTo = (o: KObject) => ({ apiVersion: o.apiVersion, kind: o.kind, name: o.metadata.name, uid: o.metadata.uid as string, controller: true, blockOwnerDeletion: true });

export function isPodReady(p: KObject): boolean {
  return (p.status?.conditions ?? []).some((c: { type: string; status: string }) => c.type === 'Ready' && c.status === 'True');
}
const isTerminal = (p: KObject) => p.status?.phase === 'Succeeded' || p.status?.phase === 'Failed';
const isActive = (p: KObject) => !p.metadata.deletionTimestamp && !isTerminal(p);

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
  if (extra.generateName) metadata.generateName = extra.generateName;
  if (tm.annotations && Object.keys(tm.annotations).length) metadata.annotations = { ...tm.annotations };
  return { apiVersion: 'v1', kind: 'Pod', metadata, spec, status: { phase: 'Pending', qosClass: podQosClass(spec) } };
}

/** Required node affinity as the scheduler evaluates it: any term matches, all expressions of a term match. */
function nodeFits(node: KObject, spec: KObject['spec']): boolean {
  const labels = node.metadata.labels ?? {};
  for (const [k, v] of Object.entries((spec?.nodeSelector ?? {}) as Record<string, string>)) if (labels[k] !== v) return false;
  const terms = spec?.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms as Array<Record<string, Array<{ key: string; operator: string; values?: string[] }>>> | undefined;
  if (!terms?.length) return true;
  return terms.some((term) => {
    const fieldsOk = (term.matchFields ?? []).every((e) => e.key !== 'metadata.name' || matchesSelector({ n: node.metadata.name }, { matchExpressions: [{ ...e, key: 'n' }] }));
    const exprs = term.matchExpressions ?? [];
    return fieldsOk && (exprs.length === 0 || matchesSelector(labels, { matchExpressions: exprs }));
  });
}

interface Cond { type: string; status: string; reason?: string; message?: string; lastTransitionTime?: string; lastUpdateTime?: string }
/** Keeps a condition's timestamps when nothing about it changed, so a status write is a no-op (and wakes no one). */
function mergeConditions(old: Cond[] | undefined, next: Cond[], withUpdateTime: boolean): Cond[] {
  return next.map((c) => {
    const prev = old?.find((o) => o.type === c.type);
    const same = prev && prev.status === c.status && prev.reason === c.reason && prev.message === c.message;
    const t = now();
    const out: Cond = { type: c.type, status: c.status };
    if (withUpdateTime) out.lastUpdateTime = same ? prev.lastUpdateTime : t;
    out.lastTransitionTime = prev && prev.status === c.status ? prev.lastTransitionTime : t;
    if (c.reason) out.reason = c.reason;
    if (c.message) out.message = c.message;
    return out;
  });
}

/** Go's `omitempty`: real status objects leave zero counters out, and clients must cope. */
function omitZero(o: Record<string, unknown>, keep: string[] = []): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(o)) if (keep.includes(k) || (v !== 0 && v !== undefined)) out[k] = v;
  return out;
}

interface EndpointEntry { ip: string; ready: boolean; nodeName?: string; hostname?: string; targetRef?: Record<string, string>; ports: Array<{ name?: string; port: number; protocol: string; appProtocol?: string }> }

/** A Service port's targetPort on one pod: numbers as given, names looked up among the pod's containerPorts. */
export function resolveTargetPort(svcPort: { port: number; targetPort?: number | string; protocol?: string }, pod: KObject): number | undefined {
  const tp = svcPort.targetPort ?? svcPort.port;
  if (typeof tp === 'number') return tp;
  if (/^\d+$/.test(tp)) return Number(tp);
  const proto = svcPort.protocol ?? 'TCP';
  for (const c of pod.spec?.containers ?? []) {
    for (const p of c.ports ?? []) if (p.name === tp && (p.protocol ?? 'TCP') === proto) return p.containerPort;
  }
  return undefined;
}

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
    if (stopped || timer) return;
    timer = setTimeout(run, debounceMs);
  };
  // What each object looked like to the controllers last time: a MODIFIED event that leaves it unchanged
  // (the kubelet bumping a probe timestamp, our own status writes) needs no pass. At 100+ pods this is the
  // difference between a few passes per pod and dozens.
  const seen = new Map<string, string>();
  const onChange = (c: Change) => {
    if (!WATCHED.has(c.resource.kind)) return;
    const k = `${c.resource.kind}/${c.object.metadata.namespace ?? ''}/${c.object.metadata.name}`;
    if (c.type === 'DELETED') seen.delete(k);
    else {
      const fp = fingerprint(c.object);
      if (c.type === 'MODIFIED' && seen.get(k) === fp) return;
      seen.set(k, fp);
    }
    if (c.type === 'DELETED') {
      if (WORKLOAD_KINDS.has(c.resource.kind) && c.object.metadata.uid) deletedOwners.add(c.object.metadata.uid);
      if (c.resource.kind === 'Service') deletedServices.push(c.object);
    }
    if (!running) schedule();
    else dirty = true;
  };
  let dirty = false;

  function run() {
    timer = undefined;
    if (stopped) return;
    running = true;
    dirty = false;
    try {
      reconcile();
    } catch (e) {
      process.stderr.write(`sim controllers: ${(e as Error).stack ?? e}\n`);
    } finally {
      running = false;
    }
    if (dirty) schedule();
    else if (!timer) {
      const w = idleWaiters;
      idleWaiters = [];
      for (const f of w) f();
    }
  }

  function tryCreate(t: ResourceType, o: KObject): KObject | undefined {
    try {
      return store.create(t, o);
    } catch (e) {
      // A name taken by an object the controller does not own: the real controllers also back off.
      if ((e as { code?: number }).code === 409) return undefined;
      throw e;
    }
  }
  function tryDelete(t: ResourceType, ns: string | undefined, name: string) {
    try { store.delete(t, ns, name); } catch (e) { if ((e as { code?: number }).code !== 404) throw e; }
  }

  function nodeList(): KObject[] {
    const nodes = store.list(NODE);
    if (nodes.length) return nodes;
    return (opts.nodes ?? []).map((name) => ({ apiVersion: 'v1', kind: 'Node', metadata: { name, labels: { 'kubernetes.io/hostname': name, 'kubernetes.io/os': 'linux' } } }));
  }

  function serviceAccounts() {
    const existing = new Set(store.list(SA).filter((s) => s.metadata.name === 'default').map((s) => s.metadata.namespace));
    for (const ns of store.list(NS)) {
      if (ns.metadata.deletionTimestamp || existing.has(ns.metadata.name)) continue;
      tryCreate(SA, { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'default', namespace: ns.metadata.name } });
    }
  }

  function deployments() {
    const allRs = store.list(RS);
    for (const d of store.list(DEPLOY)) {
      if (d.metadata.deletionTimestamp) continue;
      const ns = d.metadata.namespace;
      const replicas: number = d.spec?.replicas ?? 1;
      const hash = podTemplateHash(d.spec?.template);
      const rsName = `${d.metadata.name}-${hash}`;
      const owned = allRs.filter((r) => r.metadata.namespace === ns && controllerRef(r)?.uid === d.metadata.uid);
      const revisions = owned.map((r) => Number(r.metadata.annotations?.['deployment.kubernetes.io/revision'] ?? 0));
      let current = owned.find((r) => r.metadata.name === rsName);
      if (!current) {
        const revision = String(Math.max(0, ...revisions) + 1);
        const tpl = structuredClone(d.spec?.template ?? {});
        tpl.metadata = { ...(tpl.metadata ?? {}), labels: { ...(tpl.metadata?.labels ?? {}), 'pod-template-hash': hash } };
        const sel = structuredClone(d.spec?.selector ?? {});
        sel.matchLabels = { ...(sel.matchLabels ?? {}), 'pod-template-hash': hash };
        current = tryCreate(RS, {
          apiVersion: 'apps/v1', kind: 'ReplicaSet',
          metadata: {
            name: rsName, namespace: ns,
            labels: tpl.metadata.labels,
            annotations: {
              'deployment.kubernetes.io/desired-replicas': String(replicas),
              'deployment.kubernetes.io/max-replicas': String(replicas + Math.ceil(replicas * 0.25)),
              'deployment.kubernetes.io/revision': revision,
            },
            ownerReferences: [ownerRefTo(d)],
          },
          spec: { replicas, ...(d.spec?.minReadySeconds ? { minReadySeconds: d.spec.minReadySeconds } : {}), selector: sel, template: tpl },
        });
        if (!current) continue;
      }
      const rev = current.metadata.annotations?.['deployment.kubernetes.io/revision'];
      store.mutate(RS, ns, current.metadata.name, (r) => {
        r.spec.replicas = replicas;
        r.metadata.annotations = { ...(r.metadata.annotations ?? {}), 'deployment.kubernetes.io/desired-replicas': String(replicas) };
      });
      // Rollouts are a Recreate in effect: the old ReplicaSets drop to zero at once (documented simplification).
      for (const r of owned) if (r.metadata.name !== current.metadata.name) store.mutate(RS, ns, r.metadata.name, (o) => { o.spec.replicas = 0; });
      if (rev) store.mutate(DEPLOY, ns, d.metadata.name, (o) => { o.metadata.annotations = { ...(o.metadata.annotations ?? {}), 'deployment.kubernetes.io/revision': rev }; });
    }
  }

  function podsOwnedBy(pods: KObject[], owner: KObject) {
    return pods.filter((p) => p.metadata.namespace === owner.metadata.namespace && controllerRef(p)?.uid === owner.metadata.uid);
  }

  function replicaSets(pods: KObject[]) {
    for (const r of store.list(RS)) {
      if (r.metadata.deletionTimestamp) continue;
      const want: number = r.spec?.replicas ?? 1;
      const active = podsOwnedBy(pods, r).filter(isActive);
      for (let i = active.length; i < want; i++) {
        tryCreate(POD, podFromTemplate(r, r.spec?.template, { generateName: `${r.metadata.name}-` }));
      }
      if (active.length > want) {
        // Same preference as the real controller: unscheduled, then not ready, then the youngest go first.
        const victims = [...active].sort((a, b) =>
          Number(!!a.spec?.nodeName) - Number(!!b.spec?.nodeName) ||
          Number(isPodReady(a)) - Number(isPodReady(b)) ||
          String(b.metadata.creationTimestamp).localeCompare(String(a.metadata.creationTimestamp)));
        for (const p of victims.slice(0, active.length - want)) tryDelete(POD, p.metadata.namespace, p.metadata.name);
      }
    }
  }

  function daemonSets(pods: KObject[], nodes: KObject[]) {
    for (const ds of store.list(DS)) {
      if (ds.metadata.deletionTimestamp) continue;
      const owned = podsOwnedBy(pods, ds);
      const hash = podTemplateHash(ds.spec?.template);
      const eligible = nodes.filter((n) => nodeFits(n, ds.spec?.template?.spec));
      for (const n of eligible) {
        if (owned.some((p) => p.spec?.nodeName === n.metadata.name && isActive(p))) continue;
        const pod = podFromTemplate(ds, ds.spec?.template, {
          generateName: `${ds.metadata.name}-`,
          labels: { 'controller-revision-hash': hash, 'pod-template-generation': String(ds.metadata.generation ?? 1) },
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
        tryCreate(POD, pod);
      }
      const names = new Set(eligible.map((n) => n.metadata.name));
      for (const p of owned) if (!names.has(p.spec?.nodeName)) tryDelete(POD, p.metadata.namespace, p.metadata.name);
    }
  }

  function statefulSets(pods: KObject[]) {
    for (const s of store.list(STS)) {
      if (s.metadata.deletionTimestamp) continue;
      const want: number = s.spec?.replicas ?? 1;
      const owned = podsOwnedBy(pods, s);
      const revision = `${s.metadata.name}-${podTemplateHash(s.spec?.template)}`;
      // All ordinals at once (Parallel policy) even for OrderedReady: same end state, faster bring-up.
      for (let i = 0; i < want; i++) {
        const name = `${s.metadata.name}-${i}`;
        if (owned.some((p) => p.metadata.name === name)) continue;
        const spec: Record<string, unknown> = { hostname: name };
        if (s.spec?.serviceName) spec.subdomain = s.spec.serviceName;
        tryCreate(POD, podFromTemplate(s, s.spec?.template, {
          name,
          labels: { 'controller-revision-hash': revision, 'statefulset.kubernetes.io/pod-name': name, 'apps.kubernetes.io/pod-index': String(i) },
          spec,
        }));
      }
      for (const p of owned) {
        const ordinal = Number(p.metadata.name.slice(s.metadata.name.length + 1));
        if (!(ordinal < want)) tryDelete(POD, p.metadata.namespace, p.metadata.name);
      }
    }
  }

  function schedule_pods(pods: KObject[], nodes: KObject[]) {
    if (!nodes.length) return;
    const load = new Map<string, number>(nodes.map((n) => [n.metadata.name, 0]));
    for (const p of pods) if (p.spec?.nodeName && isActive(p)) load.set(p.spec.nodeName, (load.get(p.spec.nodeName) ?? 0) + 1);
    for (const p of pods) {
      if (p.spec?.nodeName || !isActive(p)) continue;
      // Least-loaded fitting node, ties by name: spreads replicas the way the default scorer tends to.
      const fit = nodes.filter((n) => nodeFits(n, p.spec)).sort((a, b) => (load.get(a.metadata.name)! - load.get(b.metadata.name)!) || a.metadata.name.localeCompare(b.metadata.name));
      if (!fit.length) continue;
      const node = fit[0].metadata.name;
      load.set(node, load.get(node)! + 1);
      store.mutate(POD, p.metadata.namespace, p.metadata.name, (o) => { o.spec.nodeName ??= node; });
    }
  }

  function garbageCollect() {
    if (deletedOwners.size) {
      for (const t of [RS, POD]) {
        for (const o of store.list(t)) {
          const ref = controllerRef(o);
          if (ref && deletedOwners.has(ref.uid)) tryDelete(t, o.metadata.namespace, o.metadata.name);
        }
      }
    }
    while (deletedServices.length) {
      const svc = deletedServices.shift()!;
      if (svc.spec?.selector && Object.keys(svc.spec.selector).length) tryDelete(EP, svc.metadata.namespace, svc.metadata.name);
      for (const sl of store.list(EPS, svc.metadata.namespace)) {
        if (sl.metadata.labels?.['kubernetes.io/service-name'] === svc.metadata.name && isOurSlice(sl)) tryDelete(EPS, sl.metadata.namespace, sl.metadata.name);
      }
    }
  }

  function workloadStatus(pods: KObject[]) {
    const rsList = store.list(RS);
    for (const r of rsList) {
      const owned = podsOwnedBy(pods, r).filter(isActive);
      const ready = owned.filter(isPodReady).length;
      const status = omitZero({
        replicas: owned.length,
        fullyLabeledReplicas: owned.length,
        readyReplicas: ready,
        availableReplicas: ready,
        observedGeneration: r.metadata.generation,
      }, ['replicas']);
      store.mutate(RS, r.metadata.namespace, r.metadata.name, (o) => { o.status = status; });
    }
    for (const d of store.list(DEPLOY)) {
      const owned = rsList.filter((r) => r.metadata.namespace === d.metadata.namespace && controllerRef(r)?.uid === d.metadata.uid);
      const newRs = owned.find((r) => r.metadata.name === `${d.metadata.name}-${podTemplateHash(d.spec?.template)}`);
      const podsOf = (r: KObject) => podsOwnedBy(pods, r).filter(isActive);
      const all = owned.flatMap(podsOf);
      const updated = newRs ? podsOf(newRs) : [];
      const want: number = d.spec?.replicas ?? 1;
      const ready = all.filter(isPodReady).length;
      const available = ready;
      const maxUnavailable = maxUnavailableOf(d, want);
      const isAvailable = available >= want - maxUnavailable;
      const complete = newRs && updated.length === want && all.length === want && updated.filter(isPodReady).length === want;
      const conditions = mergeConditions(d.status?.conditions, [
        isAvailable
          ? { type: 'Available', status: 'True', reason: 'MinimumReplicasAvailable', message: 'Deployment has minimum availability.' }
          : { type: 'Available', status: 'False', reason: 'MinimumReplicasUnavailable', message: 'Deployment does not have minimum availability.' },
        complete
          ? { type: 'Progressing', status: 'True', reason: 'NewReplicaSetAvailable', message: `ReplicaSet "${newRs.metadata.name}" has successfully progressed.` }
          : { type: 'Progressing', status: 'True', reason: 'ReplicaSetUpdated', message: `ReplicaSet "${newRs?.metadata.name ?? `${d.metadata.name}-${podTemplateHash(d.spec?.template)}`}" is progressing.` },
      ], true);
      const status = {
        ...omitZero({
          observedGeneration: d.metadata.generation,
          replicas: all.length,
          updatedReplicas: updated.length,
          readyReplicas: ready,
          availableReplicas: available,
          unavailableReplicas: Math.max(0, want - available),
        }),
        conditions,
      };
      store.mutate(DEPLOY, d.metadata.namespace, d.metadata.name, (o) => { o.status = status; });
    }
    const nodes = nodeList();
    for (const ds of store.list(DS)) {
      const owned = podsOwnedBy(pods, ds).filter(isActive);
      const desired = nodes.filter((n) => nodeFits(n, ds.spec?.template?.spec)).length;
      const ready = owned.filter(isPodReady).length;
      const hash = podTemplateHash(ds.spec?.template);
      const status = omitZero({
        currentNumberScheduled: owned.length,
        desiredNumberScheduled: desired,
        numberMisscheduled: 0,
        numberReady: ready,
        observedGeneration: ds.metadata.generation,
        updatedNumberScheduled: owned.filter((p) => p.metadata.labels?.['controller-revision-hash'] === hash).length,
        numberAvailable: ready,
        numberUnavailable: Math.max(0, desired - ready),
      }, ['currentNumberScheduled', 'desiredNumberScheduled', 'numberMisscheduled', 'numberReady']);
      store.mutate(DS, ds.metadata.namespace, ds.metadata.name, (o) => { o.status = status; });
    }
    for (const s of store.list(STS)) {
      const owned = podsOwnedBy(pods, s).filter(isActive);
      const ready = owned.filter(isPodReady).length;
      const revision = `${s.metadata.name}-${podTemplateHash(s.spec?.template)}`;
      const status = {
        ...omitZero({
          observedGeneration: s.metadata.generation,
          replicas: owned.length,
          readyReplicas: ready,
          currentReplicas: owned.length,
          updatedReplicas: owned.length,
          availableReplicas: ready,
        }, ['replicas', 'availableReplicas']),
        currentRevision: revision,
        updateRevision: revision,
        collisionCount: 0,
      };
      store.mutate(STS, s.metadata.namespace, s.metadata.name, (o) => { o.status = status; });
    }
  }

  function isOurSlice(sl: KObject) {
    const m = sl.metadata.labels?.['endpointslice.kubernetes.io/managed-by'];
    return m === SLICE_MANAGED_BY || m === SLICE_MIRROR_MANAGED_BY;
  }

  function endpoints(pods: KObject[]) {
    const allEndpoints = store.list(EP);
    const allSlices = store.list(EPS);
    for (const svc of store.list(SVC)) {
      if (svc.spec?.type === 'ExternalName') continue;
      const ns = svc.metadata.namespace as string;
      const hasSelector = svc.spec?.selector && Object.keys(svc.spec.selector).length > 0;
      const headless = svc.spec?.clusterIP === 'None';
      const svcPorts: Array<{ name?: string; port: number; targetPort?: number | string; protocol?: string; appProtocol?: string }> = svc.spec?.ports ?? [];
      let entries: EndpointEntry[];
      if (hasSelector) {
        entries = [];
        for (const p of pods) {
          if (p.metadata.namespace !== ns || !isActive(p) || !p.status?.podIP) continue;
          if (!matchesSelector(p.metadata.labels, svc.spec.selector)) continue;
          const ports: EndpointEntry['ports'] = [];
          for (const sp of svcPorts) {
            const port = resolveTargetPort(sp, p);
            // Like the real controller: a named targetPort the pod does not declare drops that port for that pod.
            if (port === undefined) continue;
            ports.push({ ...(sp.name ? { name: sp.name } : {}), port, protocol: sp.protocol ?? 'TCP', ...(sp.appProtocol ? { appProtocol: sp.appProtocol } : {}) });
          }
          if (svcPorts.length && !ports.length) continue;
          const e: EndpointEntry = {
            ip: p.status.podIP,
            ready: isPodReady(p) || !!svc.spec?.publishNotReadyAddresses,
            nodeName: p.spec?.nodeName,
            targetRef: { kind: 'Pod', namespace: ns, name: p.metadata.name, uid: p.metadata.uid as string },
            ports,
          };
          if (p.spec?.hostname && p.spec?.subdomain === svc.metadata.name) e.hostname = p.spec.hostname;
          entries.push(e);
        }
        writeEndpoints(svc, entries, allEndpoints.find((e) => e.metadata.namespace === ns && e.metadata.name === svc.metadata.name), headless);
      } else {
        // Selector-less Service: its Endpoints are the user's; only mirror them into slices, as the mirroring controller does.
        const ep = allEndpoints.find((e) => e.metadata.namespace === ns && e.metadata.name === svc.metadata.name);
        // The API server writes the `kubernetes` slice itself and marks its Endpoints so nobody mirrors them.
        if (ep?.metadata.labels?.['endpointslice.kubernetes.io/skip-mirror'] === 'true') continue;
        entries = [];
        for (const sub of ep?.subsets ?? []) {
          const ports = (sub.ports ?? []).map((p: { name?: string; port: number; protocol?: string }) => ({ ...(p.name ? { name: p.name } : {}), port: p.port, protocol: p.protocol ?? 'TCP' }));
          for (const a of sub.addresses ?? []) entries.push({ ip: a.ip, ready: true, nodeName: a.nodeName, targetRef: a.targetRef, ports });
          for (const a of sub.notReadyAddresses ?? []) entries.push({ ip: a.ip, ready: false, nodeName: a.nodeName, targetRef: a.targetRef, ports });
        }
        if (!ep) {
          for (const sl of allSlices) if (sl.metadata.namespace === ns && sl.metadata.labels?.['kubernetes.io/service-name'] === svc.metadata.name && isOurSlice(sl)) tryDelete(EPS, ns, sl.metadata.name);
          continue;
        }
      }
      writeSlices(svc, entries, allSlices.filter((sl) => sl.metadata.namespace === ns && sl.metadata.labels?.['kubernetes.io/service-name'] === svc.metadata.name && isOurSlice(sl)), hasSelector ? SLICE_MANAGED_BY : SLICE_MIRROR_MANAGED_BY, headless);
    }
  }

  const portsKey = (ports: EndpointEntry['ports']) => JSON.stringify(ports);
  function groupByPorts(entries: EndpointEntry[]): Map<string, EndpointEntry[]> {
    const groups = new Map<string, EndpointEntry[]>();
    for (const e of [...entries].sort((a, b) => ipNum(a.ip) - ipNum(b.ip))) {
      const k = portsKey(e.ports);
      groups.set(k, [...(groups.get(k) ?? []), e]);
    }
    return groups;
  }

  function writeEndpoints(svc: KObject, entries: EndpointEntry[], existing: KObject | undefined, headless: boolean) {
    const subsets = [...groupByPorts(entries).values()].map((group) => {
      const addr = (e: EndpointEntry) => ({ ip: e.ip, ...(e.hostname ? { hostname: e.hostname } : {}), ...(e.nodeName ? { nodeName: e.nodeName } : {}), ...(e.targetRef ? { targetRef: e.targetRef } : {}) });
      const sub: Record<string, unknown> = {};
      const ready = group.filter((e) => e.ready).map(addr);
      const notReady = group.filter((e) => !e.ready).map(addr);
      if (ready.length) sub.addresses = ready;
      if (notReady.length) sub.notReadyAddresses = notReady;
      if (group[0].ports.length) sub.ports = group[0].ports;
      return sub;
    });
    const labels: Record<string, string> = { ...(svc.metadata.labels ?? {}) };
    if (headless) labels['service.kubernetes.io/headless'] = '';
    const ns = svc.metadata.namespace;
    if (!existing) {
      const ep: KObject = { apiVersion: 'v1', kind: 'Endpoints', metadata: { name: svc.metadata.name, namespace: ns, labels } };
      if (subsets.length) ep.subsets = subsets;
      tryCreate(EP, ep);
      return;
    }
    store.mutate(EP, ns, svc.metadata.name, (o) => {
      o.metadata.labels = labels;
      if (subsets.length) o.subsets = subsets;
      else delete o.subsets;
    });
  }

  function writeSlices(svc: KObject, entries: EndpointEntry[], existing: KObject[], managedBy: string, headless: boolean) {
    const ns = svc.metadata.namespace as string;
    const labels: Record<string, string> = { ...(svc.metadata.labels ?? {}), 'endpointslice.kubernetes.io/managed-by': managedBy, 'kubernetes.io/service-name': svc.metadata.name };
    if (headless) labels['service.kubernetes.io/headless'] = '';
    const groups = groupByPorts(entries);
    const desired: Array<{ endpoints: unknown; ports: unknown; key: string }> = [];
    for (const [k, group] of groups) {
      desired.push({
        key: k,
        ports: group[0].ports.map((p) => ({ name: p.name ?? '', port: p.port, protocol: p.protocol, ...(p.appProtocol ? { appProtocol: p.appProtocol } : {}) })),
        endpoints: group.map((e) => ({
          addresses: [e.ip],
          conditions: { ready: e.ready, serving: e.ready, terminating: false },
          ...(e.hostname ? { hostname: e.hostname } : {}),
          ...(e.nodeName ? { nodeName: e.nodeName } : {}),
          ...(e.targetRef ? { targetRef: e.targetRef } : {}),
        })),
      });
    }
    // A Service without endpoints still gets one placeholder slice, with null lists as the API returns them.
    if (!desired.length) desired.push({ key: 'placeholder', ports: null, endpoints: null });
    const sliceKey = (sl: KObject) => (sl.endpoints === null && sl.ports === null ? 'placeholder' : portsKey((sl.ports ?? []).map((p: { name: string; port: number; protocol: string; appProtocol?: string }) => ({ ...(p.name ? { name: p.name } : {}), port: p.port, protocol: p.protocol, ...(p.appProtocol ? { appProtocol: p.appProtocol } : {}) }))));
    const unused = [...existing];
    for (const d of desired) {
      let idx = unused.findIndex((sl) => sliceKey(sl) === d.key);
      if (idx < 0 && unused.length) idx = 0; // reuse a slice rather than churn names, as the controller does
      if (idx >= 0) {
        const sl = unused.splice(idx, 1)[0];
        store.mutate(EPS, ns, sl.metadata.name, (o) => {
          o.metadata.labels = labels;
          o.metadata.ownerReferences = [svcOwnerRef(svc)];
          o.addressType = 'IPv4';
          o.endpoints = d.endpoints;
          o.ports = d.ports;
        });
      } else {
        tryCreate(EPS, {
          apiVersion: 'discovery.k8s.io/v1', kind: 'EndpointSlice',
          metadata: { name: '', generateName: `${svc.metadata.name}-`, namespace: ns, labels, ownerReferences: [svcOwnerRef(svc)] },
          addressType: 'IPv4', endpoints: d.endpoints, ports: d.ports,
        });
      }
    }
    for (const sl of unused) tryDelete(EPS, ns, sl.metadata.name);
  }

  const svcOwnerRef = (svc: KObject) => ({ apiVersion: 'v1', kind: 'Service', name: svc.metadata.name, uid: svc.metadata.uid as string, controller: true, blockOwnerDeletion: true });

  function reconcile() {
    const nodes = nodeList();
    serviceAccounts();
    garbageCollect();
    deployments();
    replicaSets(store.list(POD));
    daemonSets(store.list(POD), nodes);
    statefulSets(store.list(POD));
    schedule_pods(store.list(POD), nodes);
    const pods = store.list(POD);
    workloadStatus(pods);
    endpoints(pods);
  }

  store.on('change', onChange);
  schedule();

  return {
    stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
      timer = undefined;
      store.off('change', onChange);
      for (const f of idleWaiters) f();
      idleWaiters = [];
    },
    flush() {
      if (stopped || (!timer && !running)) return Promise.resolve();
      return new Promise<void>((resolve) => idleWaiters.push(resolve));
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

function maxUnavailableOf(d: KObject, replicas: number): number {
  if (d.spec?.strategy?.type === 'Recreate') return 0;
  const v = d.spec?.strategy?.rollingUpdate?.maxUnavailable ?? '25%';
  if (typeof v === 'number') return v;
  const m = /^(\d+)%$/.exec(String(v));
  return m ? Math.floor((replicas * Number(m[1])) / 100) : Number(v) || 0;
}

function ipNum(ip: string): number {
  return ip.split('.').reduce((n, part) => n * 256 + (Number(part) || 0), 0);
}
