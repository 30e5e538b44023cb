// The OpenTelemetry Operator stand-in: its own Deployment in opentelemetry-operator-system, its webhooks
// (collector defaulting/validation, pod mutation: sidecar then instrumentation, the order
// internal/operator/webhooks.go registers them), and the collector reconciler
// (internal/controllers/opentelemetrycollector_controller.go): owned objects created, updated and pruned
// (keeping `configVersions` + 1 config ConfigMaps), status (version, scale, image) as
// internal/status/collector writes it. Level-triggered like controllers.ts: each pass works from the store.
import { Admission, addAdmissionHook } from '../api/admission.ts';
import type { Change, KObject, ResourceType, Store } from '../store.ts';
import { typeByKind } from '../store.ts';
import type { FieldActor } from '../managed-fields.ts';
import { collectorName, desiredObjects, imageOf, labels } from './collector.ts';
import { injectInstrumentation, type OperatorLogLine } from './instrumentation.ts';
import { logSink, type OperatorLogSink } from './logs.ts';
import { injectSidecar } from './sidecar.ts';
import { atLeast, behaviour, collectorVersionFor, operatorImage } from './versions.ts';
import { admitCollector, toV1beta1 } from './webhook.ts';
import { installedFlags, installedNginxSwitch } from './instrumentation-versions.ts';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Any = any;

const T = (kind: string): ResourceType => typeByKind(kind)!;
const OTELCOL = T('OpenTelemetryCollector');
const OWNED_KINDS = ['ConfigMap', 'ServiceAccount', 'Service', 'Deployment', 'DaemonSet', 'StatefulSet'];

export const OPERATOR_NAMESPACE = 'opentelemetry-operator-system';
export const OPERATOR_DEPLOYMENT = 'opentelemetry-operator-controller-manager';
export const OPERATOR_CONTAINER = 'manager';

export interface OperatorOptions {
  version: string;
  /** The runtime's state dir: the manager container's logs live under `<stateDir>/logs`. */
  stateDir?: string;
  /** How the operator's own objects are created (startCluster: through the API, for its defaulting). */
  create?: (o: KObject) => void;
  debounceMs?: number;
}

export interface Operator {
  version: string;
  logs: OperatorLogSink;
  reconcile(): void;
  flush(): Promise<void>;
  stop(): void;
}

/** config/manager/manager.yaml (+ the webhook patch) under kustomize's namePrefix and namespace. */
export function operatorObjects(version: string): KObject[] {
  const sel = { 'app.kubernetes.io/name': 'opentelemetry-operator', 'control-plane': 'controller-manager' };
  return [
    { apiVersion: 'v1', kind: 'Namespace', metadata: { name: OPERATOR_NAMESPACE } },
    { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: OPERATOR_DEPLOYMENT, namespace: OPERATOR_NAMESPACE } },
    {
      apiVersion: 'apps/v1', kind: 'Deployment',
      metadata: { name: OPERATOR_DEPLOYMENT, namespace: OPERATOR_NAMESPACE, labels: sel },
      spec: {
        replicas: 1, selector: { matchLabels: sel },
        template: {
          metadata: { labels: sel },
          spec: {
            serviceAccountName: OPERATOR_DEPLOYMENT,
            terminationGracePeriodSeconds: 10,
            // The /healthz and /readyz probes on :8081 are left out: the process playing the manager
            // serves only its declared ports (documented in README.md).
            containers: [{
              name: OPERATOR_CONTAINER, image: operatorImage(version),
              args: ['--zap-log-level=info', '--zap-time-encoding=rfc3339nano', ...installedNginxSwitch(version).args],
              ...(installedNginxSwitch(version).env.length ? { env: installedNginxSwitch(version).env } : {}),
              ports: [{ containerPort: 8443, name: 'https', protocol: 'TCP' }, { containerPort: 9443, name: 'webhook-server', protocol: 'TCP' }],
              resources: { limits: { cpu: '100m', memory: '128Mi' }, requests: { cpu: '100m', memory: '64Mi' } },
            }],
          },
        },
      },
    },
    {
      apiVersion: 'v1', kind: 'Service',
      metadata: { name: 'opentelemetry-operator-webhook-service', namespace: OPERATOR_NAMESPACE },
      spec: { selector: sel, ports: [{ port: 443, protocol: 'TCP', targetPort: 9443 }] },
    },
  ];
}

const ownedBy = (o: KObject, uid: string | undefined) => !!uid && (o.metadata.ownerReferences ?? []).some((r) => r.controller && r.uid === uid);

/** metav1.LabelSelectorAsSelector(...).String(): `k=v` pairs sorted by key. */
function selectorString(l: Record<string, string>): string {
  return Object.keys(l).sort().map((k) => `${k}=${l[k]}`).join(',');
}

const OPERATOR_MANAGER: FieldActor = { manager: 'manager', operation: 'Update' };

export function startOperator(store: Store, opts: OperatorOptions): Operator {
  const version = opts.version;
  const admission = new Admission(store);
  const podT = T('Pod');
  const logDir = () => {
    if (!opts.stateDir) { return undefined; }
    const pod = store.list(podT, OPERATOR_NAMESPACE).find((p) => p.metadata.name.startsWith(`${OPERATOR_DEPLOYMENT}-`) && !p.metadata.deletionTimestamp);
    if (!pod) { return undefined; }
    return `${opts.stateDir}/logs/${OPERATOR_NAMESPACE}_${pod.metadata.name}_${pod.metadata.uid}/${OPERATOR_CONTAINER}`;
  };
  const logs = logSink(version, logDir);
  const emit = (ls: OperatorLogLine[]) => { for (const l of ls) { logs.emit(l); } };

  const create = opts.create ?? ((o: KObject) => {
    const t = T(o.kind);
    admission.admit(t, o);
    store.create(t, o);
  });
  for (const o of operatorObjects(version)) {
    if (!store.get(T(o.kind), o.metadata.namespace, o.metadata.name)) { create(o); }
  }
  // The start-up lines at info level, in the order main.go (internal/operator/setup.go at HEAD) prints
  // them: "watching all namespaces" from v0.150 (no WATCH_NAMESPACE), "Native sidecar" with its `enabled`
  // field from v0.143 (before, an odd key/value list zapr reports separately: left out).
  const at = (v: string) => atLeast(version, v);
  emit([
    { level: 'info', msg: 'Starting the OpenTelemetry Operator', fields: { 'opentelemetry-operator': version, 'go-arch': 'amd64', 'go-os': 'linux' } },
    ...(at('0.150.0') ? [{ level: 'info' as const, logger: 'setup', msg: 'watching all namespaces' }] : []),
    ...(at('0.143.0') ? [{ level: 'info' as const, logger: 'setup', msg: 'Native sidecar', fields: { enabled: behaviour(version).nativeSidecar } }] : []),
    { level: 'info', logger: 'setup', msg: 'starting manager' },
  ]);

  const unhook = addAdmissionHook(store, (t, obj, old) => {
    if (t.kind === 'OpenTelemetryCollector') { admitCollector(obj, old, version); return; }
    if (t.kind === 'Pod' && !old) { mutatePod(obj); }
  });

  /** The pod webhook (failurePolicy=ignore): a mutator that fails leaves the pod as it came. */
  function mutatePod(obj: KObject): void {
    const ns = store.get(T('Namespace'), undefined, obj.metadata.namespace || 'default');
    const rsRef = (obj.metadata.ownerReferences ?? []).find((r) => r.kind === 'ReplicaSet');
    const rs = rsRef ? store.get(T('ReplicaSet'), obj.metadata.namespace, rsRef.name) : undefined;
    const dRef = rs ? (rs.metadata.ownerReferences ?? []).find((r) => r.kind === 'Deployment') : undefined;
    const deployment = dRef ? store.get(T('Deployment'), obj.metadata.namespace, dRef.name) : undefined;
    let pod = obj;
    try {
      const s = injectSidecar(pod, { namespace: ns, collectors: store.list(OTELCOL), replicaSet: rs, deployment, operatorVersion: version });
      emit(s.logs);
      if (s.error) { return; }
      pod = s.pod;
      const lookup = (kind: string, namespace: string, name: string) => store.get(T(kind), namespace, name);
      const i = injectInstrumentation(pod, { namespace: ns, instrumentations: store.list(T('Instrumentation')), operatorVersion: version, lookup, flags: installedFlags(version) });
      emit(i.logs);
      podEvents(obj, i.events ?? []);
      // webhookhandler.go: a mutator's error answers allowed with a 500, so the pod is stored as it was sent.
      if (i.error) { return; }
      pod = i.pod;
    } catch (e) {
      emit([{ level: 'error', logger: 'pod-webhook', msg: 'pod mutation failed', fields: { error: (e as Error).message } }]);
      return;
    }
    if (pod === obj) { return; }
    for (const k of Object.keys(obj)) { delete obj[k]; }
    Object.assign(obj, pod);
  }

  /**
   * Events the instrumentation mutator records regarding the pod (events/v1, reporting controller
   * opentelemetry-operator), stored as the core Events they read back as. A pod still without a name (a
   * controller's generateName) makes an Event name the API server refuses, so that one is lost, as it is there.
   */
  function podEvents(pod: KObject, events: Array<{ type: string; reason: string; action: string; note: string }>): void {
    if (!pod.metadata.name) { return; }
    const ts = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
    for (const e of events) {
      try {
        store.create(T('Event'), {
          apiVersion: 'v1', kind: 'Event',
          metadata: { name: `${pod.metadata.name}.${Date.now().toString(16)}${Math.floor(Math.random() * 0xffff).toString(16)}`, namespace: pod.metadata.namespace ?? 'default' },
          involvedObject: { apiVersion: 'v1', kind: 'Pod', name: pod.metadata.name, namespace: pod.metadata.namespace ?? 'default' },
          reason: e.reason, message: e.note, action: e.action, type: e.type, count: 1, firstTimestamp: ts, lastTimestamp: ts, eventTime: null,
          source: { component: 'opentelemetry-operator' }, reportingComponent: 'opentelemetry-operator', reportingInstance: '',
        });
      } catch { /* events are best effort */ }
    }
  }

  function apply(desired: KObject): void {
    const t = T(desired.kind);
    const cur = store.get(t, desired.metadata.namespace, desired.metadata.name);
    if (!cur) {
      const o = structuredClone(desired);
      admission.admit(t, o);
      try { store.create(t, o); } catch (e) { if ((e as { code?: number }).code !== 409) { throw e; } }
      return;
    }
    // manifests/mutate.go: labels and annotations merged, the spec (data) replaced; what the API server
    // filled in (ClusterIP, defaults) stays.
    store.mutate(t, cur.metadata.namespace, cur.metadata.name, (o) => {
      o.metadata.labels = { ...(o.metadata.labels ?? {}), ...(desired.metadata.labels ?? {}) };
      o.metadata.annotations = { ...(o.metadata.annotations ?? {}), ...(desired.metadata.annotations ?? {}) };
      o.metadata.ownerReferences = desired.metadata.ownerReferences;
      if (desired.kind === 'ConfigMap') { o.data = desired.data; return; }
      if (desired.kind === 'ServiceAccount') { return; }
      const next = structuredClone(desired);
      admission.admit(t, next, o);
      if (desired.kind === 'Service') {
        for (const k of Object.keys(next.spec)) { o.spec[k] = next.spec[k]; }
        return;
      }
      if (JSON.stringify(o.spec) !== JSON.stringify(next.spec)) { o.spec = next.spec; }
    });
  }

  const skipped = new Set<string>();
  function reconcileOne(stored: KObject): void {
    const cr = toV1beta1(stored);
    const ns = cr.metadata.namespace;
    if (cr.spec?.managementState === 'unmanaged') {
      // Once per change of the CR, as the real reconciler runs once per event on it.
      const key = `${cr.metadata.uid}/${cr.metadata.generation}`;
      if (skipped.has(key)) { return; }
      skipped.add(key);
      emit([{ level: 'info', logger: 'controllers.OpenTelemetryCollector', msg: 'Skipping reconciliation for unmanaged OpenTelemetryCollector resource', fields: { opentelemetrycollector: { name: cr.metadata.name, namespace: ns }, name: `${ns}/${cr.metadata.name}` } }]);
      return;
    }
    const desired = desiredObjects(cr, version);
    for (const d of desired) { apply(d); }
    // Prune what the CR owns and no longer wants; config ConfigMaps are kept configVersions + 1 deep.
    const keepCms = Math.max(Number(cr.spec?.configVersions ?? 3) || 3, 1) + 1;
    const want = new Set(desired.map((d) => `${d.kind}/${d.metadata.name}`));
    for (const kind of OWNED_KINDS) {
      const t = T(kind);
      let owned = store.list(t, ns).filter((o) => ownedBy(o, cr.metadata.uid) && !want.has(`${kind}/${o.metadata.name}`));
      if (kind === 'ConfigMap') {
        owned = owned.sort((a, b) => String(b.metadata.creationTimestamp).localeCompare(String(a.metadata.creationTimestamp)) || Number(b.metadata.resourceVersion) - Number(a.metadata.resourceVersion)).slice(keepCms - 1);
      }
      for (const o of owned) {
        emit([{ level: 'info', logger: 'controllers.OpenTelemetryCollector', msg: 'pruning unmanaged resource', fields: { opentelemetrycollector: { name: cr.metadata.name, namespace: ns }, object_name: o.metadata.name, object_kind: kindString(o) } }]);
        try { store.delete(t, ns, o.metadata.name); } catch { /* already gone */ }
      }
    }
    writeStatus(stored, cr);
  }

  function writeStatus(stored: KObject, cr: KObject): void {
    const mode = cr.spec?.mode ?? 'deployment';
    const status: Any = { ...(stored.status ?? {}) };
    status.version ||= collectorVersionFor(version);
    const scale: Any = { ...(status.scale ?? {}) };
    // ScaleSubresourceStatus's fields are all omitempty: replicas 0 and an empty selector are not written.
    if (mode === 'sidecar') {
      delete scale.replicas;
      delete scale.selector;
    } else {
      const name = collectorName(cr.metadata.name);
      scale.selector = selectorString(labels(cr, name, cr.spec?.image));
      const kind = mode === 'daemonset' ? 'DaemonSet' : mode === 'statefulset' ? 'StatefulSet' : 'Deployment';
      const w = store.get(T(kind), cr.metadata.namespace, name);
      const replicas = kind === 'DaemonSet' ? w?.status?.desiredNumberScheduled ?? 0 : w?.status?.replicas ?? 0;
      const ready = kind === 'DaemonSet' ? w?.status?.numberReady ?? 0 : w?.status?.readyReplicas ?? 0;
      if (replicas) { scale.replicas = replicas; } else { delete scale.replicas; }
      scale.statusReplicas = `${ready}/${replicas}`;
      status.image = w?.spec?.template?.spec?.containers?.[0]?.image ?? imageOf(cr, version);
    }
    status.scale = scale;
    if (behaviour(version).statusConditions) {
      status.observedGeneration = stored.metadata.generation;
      const prev = (status.conditions ?? []).find((c: Any) => c.type === 'Ready');
      // meta.SetStatusCondition moves lastTransitionTime only when the status flips.
      const ready = { type: 'Ready', status: 'True', observedGeneration: stored.metadata.generation, lastTransitionTime: prev?.status === 'True' ? prev.lastTransitionTime : new Date().toISOString().replace(/\.\d+Z$/, 'Z'), reason: 'Reconciled', message: 'Successfully reconciled' };
      status.conditions = [...(status.conditions ?? []).filter((c: Any) => c.type !== 'Ready'), ready];
    }
    const after = store.as({ ...OPERATOR_MANAGER, subresource: 'status' }, () => store.mutate(OTELCOL, stored.metadata.namespace, stored.metadata.name, (o) => { o.status = status; }));
    if (after && after.metadata.resourceVersion !== stored.metadata.resourceVersion) { statusEvent(after); }
  }

  /**
   * handle.go: `Recorder.Eventf(changed, nil, Normal, "Info", "Info", "applied status changes")` after each
   * status patch; one Event per CR, its count bumped (here once per status change, not per reconcile).
   */
  const eventNames = new Map<string, string>();
  function statusEvent(cr: KObject): void {
    const t = T('Event');
    const ns = cr.metadata.namespace;
    const ts = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
    const uid = String(cr.metadata.uid);
    const existing = eventNames.get(uid);
    if (existing && store.mutate(t, ns, existing, (e) => { e.count = (e.count ?? 1) + 1; e.lastTimestamp = ts; })) { return; }
    const name = `${cr.metadata.name}.${Date.now().toString(16)}${Math.floor(Math.random() * 0xffff).toString(16)}`;
    try {
      store.create(t, {
        apiVersion: 'v1', kind: 'Event', metadata: { name, namespace: ns },
        involvedObject: { apiVersion: cr.apiVersion, kind: cr.kind, name: cr.metadata.name, namespace: ns, uid, resourceVersion: cr.metadata.resourceVersion },
        reason: 'Info', message: 'applied status changes', type: 'Normal', count: 1, firstTimestamp: ts, lastTimestamp: ts, eventTime: null,
        source: { component: 'opentelemetry-operator' }, reportingComponent: 'opentelemetry-operator', reportingInstance: '',
      });
      eventNames.set(uid, name);
    } catch { /* events are best effort */ }
  }

  function reconcile(): void {
    for (const cr of store.list(OTELCOL)) {
      if (cr.metadata.deletionTimestamp) { continue; }
      reconcileOne(cr);
    }
    logs.flush();
  }

  // ---- the loop: debounced passes on the changes that can matter
  const deleted: KObject[] = [];
  let timer: NodeJS.Timeout | undefined;
  let running = false;
  let dirty = false;
  let stopped = false;
  let waiters: Array<() => void> = [];
  const debounceMs = opts.debounceMs ?? 20;
  const run = () => {
    timer = undefined;
    if (stopped) { return; }
    running = true;
    dirty = false;
    try {
      while (deleted.length) {
        const cr = deleted.shift()!;
        for (const kind of OWNED_KINDS) {
          for (const o of store.list(T(kind), cr.metadata.namespace)) {
            if (ownedBy(o, cr.metadata.uid)) { try { store.delete(T(kind), o.metadata.namespace, o.metadata.name); } catch { /* gone */ } }
          }
        }
      }
      // The operator's binary is /manager and controller-runtime names no field owner: its client's
      // User-Agent, manager/<version>, makes the field manager `manager`.
      store.as(OPERATOR_MANAGER, reconcile);
    } catch (e) {
      process.stderr.write(`sim operator: ${(e as Error).stack ?? e}\n`);
    } finally { running = false; }
    if (dirty) { schedule(); } else if (!timer) { const w = waiters; waiters = []; for (const f of w) { f(); } }
  };
  const schedule = () => { if (!stopped && !timer) { timer = setTimeout(run, debounceMs); } };
  const watched = new Set(['OpenTelemetryCollector', ...OWNED_KINDS]);
  const onChange = (c: Change) => {
    const k = c.resource.kind;
    if (k === 'Pod' && c.object.metadata.namespace === OPERATOR_NAMESPACE) { logs.flush(); return; }
    if (!watched.has(k)) { return; }
    if (k === 'OpenTelemetryCollector' && c.type === 'DELETED') { deleted.push(c.object); }
    // A CR's own status write also triggers a pass: it finds nothing to change, so the loop ends there.
    if (k !== 'OpenTelemetryCollector' && !(c.object.metadata.ownerReferences ?? []).some((r) => r.kind === 'OpenTelemetryCollector')) { return; }
    if (running) { dirty = true; } else { schedule(); }
  };
  store.on('change', onChange);
  schedule();

  return {
    version,
    logs,
    reconcile,
    flush() {
      if (stopped || (!timer && !running)) { return Promise.resolve(); }
      return new Promise<void>((r) => waiters.push(r));
    },
    stop() {
      stopped = true;
      if (timer) { clearTimeout(timer); }
      timer = undefined;
      store.off('change', onChange);
      unhook();
      for (const f of waiters) { f(); }
      waiters = [];
    },
  };
}

/** How zap prints a schema.GroupVersionKind value (its String()). */
function kindString(o: KObject): string {
  const [g, v] = o.apiVersion.includes('/') ? o.apiVersion.split('/') : ['', o.apiVersion];
  return `${g ? `${g}/` : '/'}${v}, Kind=${o.kind}`;
}
