// Server-side printing: meta.k8s.io/v1 Tables with the columns and cell logic of the real printers
// (pkg/printers/internalversion), so `kubectl get` prints what it prints against a real cluster.
import type { KObject } from '../store.ts';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Any = any;

export interface Column { name: string; type: string; format: string; description: string; priority: number }
interface Printer { columns: Column[]; cells(o: KObject, now: number): unknown[] }

const col = (name: string, type = 'string', priority = 0, format = '', description = ''): Column => ({ name, type, format, description: description || name, priority });
const NAME = col('Name', 'string', 0, 'name', 'Name must be unique within a namespace. More info: https://kubernetes.io/docs/concepts/overview/working-with-objects/names#names');
const AGE = col('Age', 'string', 0, '', 'CreationTimestamp is a timestamp representing the server time when this object was created.');

/** duration.HumanDuration from k8s.io/apimachinery. */
export function humanDuration(ms: number): string {
  const seconds = Math.floor(ms / 1000);
  if (seconds < -1) { return '<invalid>'; }
  if (seconds < 0) { return '0s'; }
  if (seconds < 120) { return `${seconds}s`; }
  const minutes = Math.floor(seconds / 60);
  if (minutes < 10) { const s = seconds % 60; return s === 0 ? `${minutes}m` : `${minutes}m${s}s`; }
  if (minutes < 180) { return `${minutes}m`; }
  const hours = Math.floor(seconds / 3600);
  if (hours < 8) { const m = minutes % 60; return m === 0 ? `${hours}h` : `${hours}h${m}m`; }
  if (hours < 48) { return `${hours}h`; }
  if (hours < 24 * 8) { const h = hours % 24; return h === 0 ? `${Math.floor(hours / 24)}d` : `${Math.floor(hours / 24)}d${h}h`; }
  if (hours < 24 * 365 * 2) { return `${Math.floor(hours / 24)}d`; }
  if (hours < 24 * 365 * 8) { const dy = Math.floor(hours / 24) % 365; const y = Math.floor(hours / 24 / 365); return dy === 0 ? `${y}y` : `${y}y${dy}d`; }
  return `${Math.floor(hours / 24 / 365)}y`;
}

const since = (ts: string | undefined, now: number) => (ts ? humanDuration(now - Date.parse(ts)) : '<unknown>');
const age = (o: KObject, now: number) => since(o.metadata.creationTimestamp, now);
const none = (v: unknown) => (v === undefined || v === null || v === '' ? '<none>' : v);

function formatLabelSelector(sel: Any): string {
  if (!sel) { return '<none>'; }
  const parts: string[] = [];
  for (const [k, v] of Object.entries(sel.matchLabels ?? {})) { parts.push(`${k}=${v}`); }
  for (const e of sel.matchExpressions ?? []) {
    const op = String(e.operator);
    if (op === 'In' || op === 'NotIn') { parts.push(`${e.key} ${op.toLowerCase()} (${[...(e.values ?? [])].sort().join(',')})`); }
    else if (op === 'Exists') { parts.push(e.key); }
    else if (op === 'DoesNotExist') { parts.push(`!${e.key}`); }
  }
  return parts.length ? parts.join(',') : '<none>';
}
const formatMap = (m: Record<string, string> | undefined) => {
  const e = Object.entries(m ?? {}).sort(([a], [b]) => a.localeCompare(b));
  return e.length ? e.map(([k, v]) => `${k}=${v}`).join(',') : '<none>';
};
const containersOf = (spec: Any) => (spec?.containers ?? []).map((c: Any) => c.name).join(',');
const imagesOf = (spec: Any) => (spec?.containers ?? []).map((c: Any) => c.image).join(',');

/** printPod's STATUS, READY and RESTARTS logic (kubectl 1.32). */
export function podSummary(pod: KObject, now: number): { ready: string; status: string; restarts: string } {
  const spec = pod.spec ?? {};
  const st = pod.status ?? {};
  const restartableInit = new Set<string>((spec.initContainers ?? []).filter((c: Any) => c.restartPolicy === 'Always').map((c: Any) => c.name));
  let total = (spec.containers ?? []).length + restartableInit.size;
  let ready = 0;
  let restarts = 0;
  let lastRestart = 0;
  let restartableRestarts = 0;
  let lastRestartableRestart = 0;
  let reason: string = st.phase ?? '';
  if (st.reason) { reason = st.reason; }
  for (const c of st.conditions ?? []) { if (c.type === 'PodScheduled' && c.status === 'False' && c.reason === 'SchedulingGated') { reason = 'SchedulingGated'; } }
  let initializing = false;
  const inits: Any[] = st.initContainerStatuses ?? [];
  for (let i = 0; i < inits.length; i++) {
    const c = inits[i];
    restarts += c.restartCount ?? 0;
    const fin = c.lastState?.terminated?.finishedAt ? Date.parse(c.lastState.terminated.finishedAt) : 0;
    if (fin > lastRestart) { lastRestart = fin; }
    if (restartableInit.has(c.name)) {
      restartableRestarts += c.restartCount ?? 0;
      if (fin > lastRestartableRestart) { lastRestartableRestart = fin; }
      if (c.started) { if (c.ready) { ready++; } continue; }
    }
    const term = c.state?.terminated;
    const wait = c.state?.waiting;
    if (term && term.exitCode === 0) { continue; }
    if (term) { reason = term.reason ? `Init:${term.reason}` : term.signal ? `Init:Signal:${term.signal}` : `Init:ExitCode:${term.exitCode}`; }
    else if (wait && wait.reason && wait.reason !== 'PodInitializing') { reason = `Init:${wait.reason}`; }
    else { reason = `Init:${i}/${(spec.initContainers ?? []).length}`; }
    initializing = true;
    break;
  }
  const initializedTrue = (st.conditions ?? []).some((c: Any) => c.type === 'Initialized' && c.status === 'True');
  if (!initializing || initializedTrue) {
    restarts = restartableRestarts;
    lastRestart = lastRestartableRestart;
    let hasRunning = false;
    const cs: Any[] = st.containerStatuses ?? [];
    for (let i = cs.length - 1; i >= 0; i--) {
      const c = cs[i];
      restarts += c.restartCount ?? 0;
      const fin = c.lastState?.terminated?.finishedAt ? Date.parse(c.lastState.terminated.finishedAt) : 0;
      if (fin > lastRestart) { lastRestart = fin; }
      const wait = c.state?.waiting;
      const term = c.state?.terminated;
      if (wait?.reason) { reason = wait.reason; }
      else if (term?.reason) { reason = term.reason; }
      else if (term) { reason = term.signal ? `Signal:${term.signal}` : `ExitCode:${term.exitCode}`; }
      else if (c.ready && c.state?.running) { hasRunning = true; ready++; }
    }
    if (reason === 'Completed' && hasRunning) {
      reason = (st.conditions ?? []).some((c: Any) => c.type === 'Ready' && c.status === 'True') ? 'Running' : 'NotReady';
    }
  }
  if (pod.metadata.deletionTimestamp) { reason = st.reason === 'NodeLost' ? 'Unknown' : 'Terminating'; }
  total = Math.max(total, 0);
  const restartsStr = lastRestart ? `${restarts} (${humanDuration(now - lastRestart)} ago)` : String(restarts);
  return { ready: `${ready}/${total}`, status: reason, restarts: restartsStr };
}

function formatEndpoints(ep: KObject): string {
  const out: string[] = [];
  let count = 0;
  for (const ss of ep.subsets ?? []) {
    const ports: Any[] = ss.ports?.length ? ss.ports : [undefined];
    for (const p of ports) {
      for (const a of ss.addresses ?? []) {
        count++;
        // The printer joins with net.JoinHostPort: an IPv6 endpoint reads [fd00:10:244:1::5]:4317.
        if (out.length < 3) { out.push(p ? (String(a.ip).includes(':') ? `[${a.ip}]:${p.port}` : `${a.ip}:${p.port}`) : a.ip); }
      }
    }
  }
  if (!count) { return '<none>'; }
  return out.join(',') + (count > 3 ? ` + ${count - 3} more...` : '');
}

function servicePorts(svc: KObject): string {
  const ports: Any[] = svc.spec?.ports ?? [];
  if (!ports.length) { return '<none>'; }
  return ports.map((p) => (p.nodePort ? `${p.port}:${p.nodePort}/${p.protocol ?? 'TCP'}` : `${p.port}/${p.protocol ?? 'TCP'}`)).join(',');
}

function externalIp(svc: KObject): string {
  const s = svc.spec ?? {};
  const ext: string[] = s.externalIPs ?? [];
  switch (s.type) {
    case 'ClusterIP': case 'NodePort': case undefined: return ext.length ? ext.join(',') : '<none>';
    case 'LoadBalancer': {
      const ing = (svc.status?.loadBalancer?.ingress ?? []).map((i: Any) => i.ip || i.hostname).filter(Boolean);
      const all = [...ing, ...ext];
      return all.length ? all.join(',') : '<pending>';
    }
    case 'ExternalName': return s.externalName ?? '<none>';
  }
  return '<unknown>';
}

const PRINTERS: Record<string, Printer> = {
  Pod: {
    columns: [NAME, col('Ready', 'string', 0, '', 'The aggregate readiness state of this pod for accepting traffic.'), col('Status', 'string', 0, '', 'The aggregate status of the containers in this pod.'),
      col('Restarts', 'string', 0, '', 'The number of times the containers in this pod have been restarted and when the last container in this pod has restarted.'), AGE,
      col('IP', 'string', 1, '', 'IP address allocated to the pod. Routable at least within the cluster. Empty if not yet allocated.'), col('Node', 'string', 1, '', 'Name of the Node this pod is assigned to'),
      col('Nominated Node', 'string', 1, '', 'Name of the Node this pod is nominated to'), col('Readiness Gates', 'string', 1, '', 'If specified, all readiness gates will be evaluated for pod readiness')],
    cells(o, now) {
      const s = podSummary(o, now);
      const gates: Any[] = o.spec?.readinessGates ?? [];
      const gatesStr = gates.length ? `${gates.filter((g) => (o.status?.conditions ?? []).some((c: Any) => c.type === g.conditionType && c.status === 'True')).length}/${gates.length}` : '<none>';
      return [o.metadata.name, s.ready, s.status, s.restarts, age(o, now), none(o.status?.podIP), none(o.spec?.nodeName), none(o.status?.nominatedNodeName), gatesStr];
    },
  },
  Service: {
    columns: [NAME, col('Type'), col('Cluster-IP'), col('External-IP'), col('Port(s)'), AGE, col('Selector', 'string', 1)],
    cells: (o, now) => [o.metadata.name, o.spec?.type ?? 'ClusterIP', none(o.spec?.clusterIP), externalIp(o), servicePorts(o), age(o, now), formatMap(o.spec?.selector)],
  },
  Endpoints: { columns: [NAME, col('Endpoints'), AGE], cells: (o, now) => [o.metadata.name, formatEndpoints(o), age(o, now)] },
  Deployment: {
    columns: [NAME, col('Ready'), col('Up-to-date', 'integer'), col('Available', 'integer'), AGE, col('Containers', 'string', 1), col('Images', 'string', 1), col('Selector', 'string', 1)],
    cells: (o, now) => [o.metadata.name, `${o.status?.readyReplicas ?? 0}/${o.spec?.replicas ?? 0}`, o.status?.updatedReplicas ?? 0, o.status?.availableReplicas ?? 0, age(o, now),
      containersOf(o.spec?.template?.spec), imagesOf(o.spec?.template?.spec), formatLabelSelector(o.spec?.selector)],
  },
  ReplicaSet: {
    columns: [NAME, col('Desired', 'integer'), col('Current', 'integer'), col('Ready', 'integer'), AGE, col('Containers', 'string', 1), col('Images', 'string', 1), col('Selector', 'string', 1)],
    cells: (o, now) => [o.metadata.name, o.spec?.replicas ?? 0, o.status?.replicas ?? 0, o.status?.readyReplicas ?? 0, age(o, now),
      containersOf(o.spec?.template?.spec), imagesOf(o.spec?.template?.spec), formatLabelSelector(o.spec?.selector)],
  },
  DaemonSet: {
    columns: [NAME, col('Desired', 'integer'), col('Current', 'integer'), col('Ready', 'integer'), col('Up-to-date', 'integer'), col('Available', 'integer'), col('Node Selector'), AGE,
      col('Containers', 'string', 1), col('Images', 'string', 1), col('Selector', 'string', 1)],
    cells: (o, now) => [o.metadata.name, o.status?.desiredNumberScheduled ?? 0, o.status?.currentNumberScheduled ?? 0, o.status?.numberReady ?? 0, o.status?.updatedNumberScheduled ?? 0,
      o.status?.numberAvailable ?? 0, formatMap(o.spec?.template?.spec?.nodeSelector), age(o, now), containersOf(o.spec?.template?.spec), imagesOf(o.spec?.template?.spec), formatLabelSelector(o.spec?.selector)],
  },
  StatefulSet: {
    columns: [NAME, col('Ready'), AGE, col('Containers', 'string', 1), col('Images', 'string', 1)],
    cells: (o, now) => [o.metadata.name, `${o.status?.readyReplicas ?? 0}/${o.spec?.replicas ?? 0}`, age(o, now), containersOf(o.spec?.template?.spec), imagesOf(o.spec?.template?.spec)],
  },
  Node: {
    columns: [NAME, col('Status'), col('Roles'), AGE, col('Version'), col('Internal-IP', 'string', 1), col('External-IP', 'string', 1), col('OS-Image', 'string', 1),
      col('Kernel-Version', 'string', 1), col('Container-Runtime', 'string', 1)],
    cells(o, now) {
      const ready = (o.status?.conditions ?? []).find((c: Any) => c.type === 'Ready');
      const status = [ready ? (ready.status === 'True' ? 'Ready' : 'NotReady') : 'Unknown'];
      if (o.spec?.unschedulable) { status.push('SchedulingDisabled'); }
      const roles = Object.keys(o.metadata.labels ?? {}).filter((l) => l.startsWith('node-role.kubernetes.io/')).map((l) => l.slice('node-role.kubernetes.io/'.length)).filter(Boolean);
      const addr = (t: string) => none((o.status?.addresses ?? []).find((a: Any) => a.type === t)?.address);
      const info = o.status?.nodeInfo ?? {};
      return [o.metadata.name, status.join(','), roles.length ? roles.sort().join(',') : '<none>', age(o, now), info.kubeletVersion ?? '', addr('InternalIP'), addr('ExternalIP'),
        info.osImage ?? '<unknown>', info.kernelVersion ?? '<unknown>', info.containerRuntimeVersion ?? '<unknown>'];
    },
  },
  Namespace: { columns: [NAME, col('Status'), AGE], cells: (o, now) => [o.metadata.name, o.status?.phase ?? '', age(o, now)] },
  ConfigMap: { columns: [NAME, col('Data', 'integer'), AGE], cells: (o, now) => [o.metadata.name, Object.keys(o.data ?? {}).length + Object.keys(o.binaryData ?? {}).length, age(o, now)] },
  Secret: { columns: [NAME, col('Type'), col('Data', 'integer'), AGE], cells: (o, now) => [o.metadata.name, o.type ?? 'Opaque', Object.keys(o.data ?? {}).length + Object.keys(o.stringData ?? {}).length, age(o, now)] },
  ServiceAccount: { columns: [NAME, col('Secrets', 'integer'), AGE], cells: (o, now) => [o.metadata.name, (o.secrets ?? []).length, age(o, now)] },
  Event: {
    columns: [col('Last Seen'), col('Type'), col('Reason'), col('Object'), col('Subobject', 'string', 1), col('Source', 'string', 1), col('Message'), col('First Seen', 'string', 1),
      col('Count', 'string', 1), col('Name', 'string', 1)],
    cells(o, now) {
      const first = o.firstTimestamp ?? o.eventTime ?? o.metadata.creationTimestamp;
      const last = o.series?.lastObservedTime ?? o.lastTimestamp ?? o.eventTime ?? first;
      const io = o.involvedObject ?? {};
      const src = o.source?.component ? (o.source.host ? `${o.source.component}, ${o.source.host}` : o.source.component) : (o.reportingComponent ?? '');
      return [since(last, now), o.type ?? '', o.reason ?? '', `${String(io.kind ?? '').toLowerCase()}/${io.name ?? ''}`, io.fieldPath ?? '', src, String(o.message ?? '').trim(),
        since(first, now), String(o.series?.count ?? o.count ?? 1), o.metadata.name];
    },
  },
  EndpointSlice: {
    columns: [NAME, col('AddressType'), col('Ports'), col('Endpoints'), AGE],
    cells(o, now) {
      const ports: Any[] = o.ports ?? [];
      const portStr = ports.length ? ports.map((p) => (p.port === undefined ? '<unset>' : String(p.port))).join(',') : '<unset>';
      const addrs: string[] = (o.endpoints ?? []).flatMap((e: Any) => e.addresses ?? []);
      const ep = addrs.length ? addrs.slice(0, 3).join(',') + (addrs.length > 3 ? ` + ${addrs.length - 3} more...` : '') : '<unset>';
      return [o.metadata.name, o.addressType ?? '', portStr, ep, age(o, now)];
    },
  },
  // printJob and printCronJob (kubernetes pkg/printers/internalversion/printers.go, 1.32).
  Job: {
    columns: [NAME, col('Status'), col('Completions'), col('Duration'), AGE, col('Containers', 'string', 1), col('Images', 'string', 1), col('Selector', 'string', 1)],
    cells(o, now) {
      const is = (type: string) => (o.status?.conditions ?? []).some((c: Any) => c.type === type && c.status === 'True');
      const status = is('Complete') ? 'Complete' : is('Failed') ? 'Failed' : o.metadata.deletionTimestamp ? 'Terminating' : is('Suspended') ? 'Suspended'
        : is('FailureTarget') ? 'FailureTarget' : is('SuccessCriteriaMet') ? 'SuccessCriteriaMet' : 'Running';
      const done = o.status?.succeeded ?? 0;
      const completions = o.spec?.completions !== undefined ? `${done}/${o.spec.completions}` : (o.spec?.parallelism ?? 0) > 1 ? `${done}/1 of ${o.spec.parallelism}` : `${done}/1`;
      const start = o.status?.startTime;
      const end = o.status?.completionTime;
      const took = !start ? '' : !end ? since(start, now) : humanDuration(Date.parse(end) - Date.parse(start));
      return [o.metadata.name, status, completions, took, age(o, now), containersOf(o.spec?.template?.spec), imagesOf(o.spec?.template?.spec), formatLabelSelector(o.spec?.selector)];
    },
  },
  CronJob: {
    columns: [NAME, col('Schedule'), col('Timezone'), col('Suspend', 'boolean'), col('Active', 'integer'), col('Last Schedule'), AGE, col('Containers', 'string', 1), col('Images', 'string', 1), col('Selector', 'string', 1)],
    cells: (o, now) => {
      const tpl = o.spec?.jobTemplate?.spec;
      const suspend = o.spec?.suspend === undefined ? '<unset>' : o.spec.suspend ? 'True' : 'False';
      return [o.metadata.name, o.spec?.schedule ?? '', o.spec?.timeZone ?? '<none>', suspend, (o.status?.active ?? []).length,
        o.status?.lastScheduleTime ? since(o.status.lastScheduleTime, now) : '<none>', age(o, now), containersOf(tpl?.template?.spec), imagesOf(tpl?.template?.spec), formatLabelSelector(tpl?.selector)];
    },
  },
  NetworkPolicy: { columns: [NAME, col('Pod-Selector'), AGE], cells: (o, now) => [o.metadata.name, formatLabelSelector(o.spec?.podSelector) === '<none>' ? '<none>' : formatLabelSelector(o.spec?.podSelector), age(o, now)] },
};

const FALLBACK: Printer = { columns: [NAME, AGE], cells: (o, now) => [o.metadata.name, age(o, now)] };

export type IncludeObject = 'None' | 'Metadata' | 'Object';

function partialMetadata(o: KObject): KObject {
  // No copy: the row is serialised at once, and the stored object is never changed.
  return { kind: 'PartialObjectMetadata', apiVersion: 'meta.k8s.io/v1', metadata: o.metadata };
}

export function toTable(kind: string, objects: KObject[], include: IncludeObject, listMeta: Record<string, unknown>): KObject {
  const p = PRINTERS[kind] ?? FALLBACK;
  const now = Date.now();
  return {
    kind: 'Table',
    apiVersion: 'meta.k8s.io/v1',
    metadata: listMeta as KObject['metadata'],
    columnDefinitions: p.columns,
    rows: objects.map((o) => {
      const row: Record<string, unknown> = { cells: p.cells(o, now) };
      if (include === 'Metadata') { row.object = partialMetadata(o); }
      else if (include === 'Object') { row.object = o; }
      return row;
    }),
  };
}
