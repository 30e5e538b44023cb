/**
 * Objects from files -> the same Snapshot a diagnosis gathers, through the same pure functions
 * (gather/discover.ts findCollectorPods + assembleDiscovery, gather/models.ts build*), so `lint` and
 * `diagnose` share one implementation. What a cluster would add (pods, status, endpoints, sockets, logs)
 * is absent, which rules read as "not known". Afterwards each finding gets the file, line and column of
 * the key it is about.
 */
import type { KObject } from '../cluster/types.ts';
import { agentNotes, assembleDiscovery, findCollectorPods, INJECT_ANNOTATION, SIDECAR_ANNOTATION, type Discovery } from '../gather/discover.ts';
import { injectionNotes } from '../gather/instrumentation.ts';
import { injectionRequests } from '../gather/injection.ts';
import { buildApp, buildCollector, buildCRs, buildPolicies, buildServices } from '../gather/models.ts';
import type { Finding } from '../report/finding.ts';
import { SNAPSHOT_VERSION, type CollectorPod, type Snapshot, type SourceLocation } from '../snapshot.ts';
import { agentForImage } from '../otel/distributions.ts';
import { applyOperatorVersion } from './operator.ts';
import { injectSidecars, podOf, type LintObject, type Origin } from './shapes.ts';
import { locate, locateEmbedded, type PathSeg } from './source.ts';
import { ignoreAnnotations } from '../gather/ignores.ts';

export const CLUSTER_SCOPED = new Set(['Namespace', 'ClusterRole', 'ClusterRoleBinding', 'CustomResourceDefinition', 'Node', 'PersistentVolume', 'StorageClass', 'PriorityClass', 'MutatingWebhookConfiguration', 'ValidatingWebhookConfiguration', 'APIService']);

interface Declared {
  origin: Origin;
  obj: KObject;
}

export interface LocationIndex {
  /** `Kind/namespace/name` -> where it is declared (synthesised objects: their CR or values file) */
  objects: Map<string, Declared>;
  /** collector subject key -> the config sources' locations */
  collectors: Map<string, { c: CollectorPod; configs: { origin: Origin; path: PathSeg[]; embedded: boolean }[] }>;
}

export interface BuildOptions {
  collectorVersion?: string;
  /** --operator-version: the OpenTelemetry operator release the CRs and inject annotations are judged for */
  operatorVersion?: string;
  files: string[];
  pluginVersion?: string;
}

/**
 * Lint has no nodes, but `status.hostIP` (the agent pattern's `$(HOST_IP)`) must still lead somewhere, or an
 * app exporting to its node looks malformed instead of reaching (or missing) the node's DaemonSet collector.
 * The static model is one node on which every DaemonSet runs: apps and DaemonSet pods get its address (a
 * documentation address, RFC 5737), while a Deployment's or StatefulSet's collector is not assumed to be there.
 */
export const LINT_NODE_IP = '192.0.2.10';

function placeOnNode(pods: KObject[], collectors: Set<KObject>): void {
  for (const pod of pods) {
    if (pod.status?.hostIP) { continue; }
    const owner = pod.metadata.ownerReferences?.[0]?.kind;
    if (collectors.has(pod) && owner !== 'DaemonSet') { continue; }
    pod.status = { ...(pod.status ?? {}), hostIP: LINT_NODE_IP };
  }
}

const objKey = (kind: string, ns: string | undefined, name: string): string => `${kind}/${ns ?? ''}/${name}`;

export function buildLintSnapshot(objects: LintObject[], opts: BuildOptions): { snapshot: Snapshot; index: LocationIndex } {
  const index: LocationIndex = { objects: new Map(), collectors: new Map() };
  applyOperatorVersion(objects, opts.operatorVersion);
  const byKind = new Map<string, LintObject[]>();
  for (const o of objects) {
    const kind = o.obj.kind ?? '';
    if (!CLUSTER_SCOPED.has(kind) && typeof o.obj.metadata.namespace !== 'string') { o.obj.metadata.namespace = 'default'; }
    (byKind.get(kind) ?? byKind.set(kind, []).get(kind)!).push(o);
    const k = objKey(kind, o.obj.metadata.namespace, o.obj.metadata.name);
    // The first declaration wins, as `kubectl apply` of the same object twice keeps one.
    if (!index.objects.has(k)) { index.objects.set(k, { origin: o.origin, obj: o.obj }); }
  }
  const list = (kind: string): KObject[] => (byKind.get(kind) ?? []).map((o) => o.obj);
  const podOrigin = new Map<KObject, Origin>();
  const pods: KObject[] = [];
  for (const kind of ['Pod', 'Deployment', 'DaemonSet', 'StatefulSet', 'ReplicaSet', 'Job', 'CronJob']) {
    for (const o of byKind.get(kind) ?? []) {
      // A ReplicaSet owned by a Deployment is the Deployment's (rendered output rarely has both).
      if (kind === 'ReplicaSet' && o.obj.metadata.ownerReferences?.length) { continue; }
      const pod = podOf(o);
      if (!pod) { continue; }
      pods.push(pod);
      podOrigin.set(pod, o.origin);
    }
  }
  const crs = byKind.get('OpenTelemetryCollector') ?? [];
  injectSidecars(pods, crs, opts.operatorVersion);

  const collectorPods = findCollectorPods(pods, () => true, list('ConfigMap'));
  placeOnNode(pods, new Set(collectorPods.map((x) => x.pod)));
  const collectorCRs = list('OpenTelemetryCollector');
  const instrumentations = list('Instrumentation');
  // Files never show the operator's Deployment: its release is the flag's, or unknown where its objects appear.
  const operatorObjects = collectorCRs.length || instrumentations.length || pods.some((p) => Object.keys(p.metadata.annotations ?? {}).some((k) => INJECT_ANNOTATION.test(k) || k === SIDECAR_ANNOTATION));
  const operator = opts.operatorVersion ? { version: opts.operatorVersion, source: '--operator-version' } : operatorObjects ? { version: null, source: 'lint reads no cluster' } : undefined;
  const { configMaps, collectors, apps } = assembleDiscovery(
    { pods, collectorPods, configMapList: list('ConfigMap'), replicaSets: list('ReplicaSet'), deployments: list('Deployment'), daemonSets: list('DaemonSet'), statefulSets: list('StatefulSet'), collectorCRs, instrumentations },
    operator ? { operator } : {},
  );
  const namespaces = list('Namespace');
  const disc: Discovery = {
    scope: { clusterWide: true, namespaces: [] },
    collectorNamespaces: [...new Set(collectors.map((c) => c.pod.metadata.namespace ?? 'default'))],
    appNamespaces: [...new Set(apps.map((a) => a.pod.metadata.namespace ?? 'default'))],
    collectors,
    apps,
    pods,
    services: list('Service'),
    endpoints: [],
    endpointSlices: [],
    networkPolicies: list('NetworkPolicy'),
    configMaps,
    collectorCRs,
    instrumentations,
    workloads: [...list('Deployment'), ...list('DaemonSet'), ...list('StatefulSet')],
    nodes: [],
    namespaces: Promise.resolve(namespaces),
    listFailures: [],
    ...(operator ? { operator } : {}),
  };

  const missingConfigMaps = new Set<string>();
  const snapCollectors = collectors.map((d) => {
    const c = buildCollector(d, disc);
    const origin = (d.pod as any).__sidecarOrigin && d.sidecar ? ((d.pod as any).__sidecarOrigin as Origin) : podOrigin.get(d.pod);
    const configs: { origin: Origin; path: PathSeg[]; embedded: boolean }[] = [];
    if (origin?.shape === 'collector-config') {
      // A bare config has no pod: its config is the file itself, not the env var that carried it here.
      const text = c.env?.OTEL_DOCTOR_LINT_CONFIG;
      c.configSources = [lazyLocation({ kind: 'file', path: origin.sd.file, arg: origin.sd.file, ...(text !== undefined ? { text } : {}) }, origin.sd.file, () => strip(locate(origin.sd, [])))];
      if (c.env) { delete c.env.OTEL_DOCTOR_LINT_CONFIG; }
      delete c.args;
      configs.push({ origin, path: [], embedded: false });
    } else if (d.sidecar && origin?.config) {
      configs.push({ origin, ...origin.config });
    }
    for (const src of c.configSources) {
      if (!src.configMap) { continue; }
      const cm = index.objects.get(objKey('ConfigMap', src.configMap.namespace, src.configMap.name));
      if (!cm) {
        // Not among the files (an existing ConfigMap, another repository): unknown, not invalid.
        delete src.error;
        src.unknown = `ConfigMap ${src.configMap.namespace}/${src.configMap.name} is not among the files`;
        missingConfigMaps.add(`${src.configMap.namespace}/${src.configMap.name}`);
        // The rest of the sources alone are not the config the collector runs.
        c.effectiveConfig = null;
        delete c.configError;
        continue;
      }
      if (cm.origin.shape === 'manifest') {
        const path = [...cm.origin.base, 'data', src.configMap.key];
        configs.push({ origin: cm.origin, path, embedded: true });
        lazyLocation(src, cm.origin.sd.file, () => strip(locate(cm.origin.sd, path)));
      } else if (cm.origin.config) {
        configs.push({ origin: cm.origin, ...cm.origin.config });
        const cfgPath = cm.origin.config.path;
        lazyLocation(src, cm.origin.sd.file, () => strip(locate(cm.origin.sd, cfgPath)));
      }
    }
    if (origin) { lazyLocation(c, origin.sd.file, () => strip(locate(origin.sd, origin.shape === 'manifest' ? [...origin.base, 'kind'] : origin.config?.path ?? []))); }
    const owner = c.sidecar ? { kind: 'Pod', name: c.owner?.name ?? c.pod } : { kind: c.owner?.kind ?? 'Pod', name: c.owner?.name ?? c.pod };
    index.collectors.set(objKey(owner.kind, c.namespace, owner.name), { c, configs });
    return c;
  });

  const services = buildServices(disc, snapCollectors);
  // Without a cluster there are no Endpoints: whether a selector matches anything is known only for the
  // pods these files declare (service-no-endpoints in lint).
  // Grouped by namespace, as buildServices does: a scan of every pod per Service is quadratic on large inputs.
  const podsByNs = new Map<string, KObject[]>();
  for (const p of pods) {
    const ns = p.metadata.namespace ?? 'default';
    (podsByNs.get(ns) ?? podsByNs.set(ns, []).get(ns)!).push(p);
  }
  for (const s of services) {
    const sel = s.selector && Object.keys(s.selector).length ? Object.entries(s.selector) : undefined;
    if (sel) { s.matchedPodsInFiles = (podsByNs.get(s.namespace) ?? []).filter((p) => sel.every(([k, v]) => p.metadata.labels?.[k] === v)).length; }
  }
  for (const s of services) {
    const d = index.objects.get(objKey('Service', s.namespace, s.name));
    if (d) { lazyLocation(s, d.origin.sd.file, () => strip(locate(d.origin.sd, d.origin.shape === 'manifest' ? [...d.origin.base, 'kind'] : []))); }
  }
  const { crs: crInfos, insts } = buildCRs(disc);
  for (const x of crInfos) {
    const d = index.objects.get(objKey('OpenTelemetryCollector', x.namespace, x.name));
    if (d) { lazyLocation(x, d.origin.sd.file, () => strip(locate(d.origin.sd, [...d.origin.base, 'kind']))); }
  }
  for (const x of insts) {
    const d = index.objects.get(objKey('Instrumentation', x.namespace, x.name));
    if (d) { lazyLocation(x, d.origin.sd.file, () => strip(locate(d.origin.sd, [...d.origin.base, 'kind']))); }
  }
  const policies = buildPolicies(disc);
  const appsOut = apps.map((a) => {
    const app = buildApp(a, disc);
    const origin = podOrigin.get(a.pod);
    if (origin) { lazyLocation(app, origin.sd.file, () => strip(locate(origin.sd, origin.shape === 'manifest' ? [...origin.base, 'kind'] : []))); }
    return app;
  });

  const snapshot: Snapshot = {
    version: SNAPSHOT_VERSION,
    meta: {
      time: new Date(0).toISOString(),
      mode: 'lint',
      collectorNamespaces: disc.collectorNamespaces,
      appNamespaces: ['*'],
      exec: false,
      logs: false,
      ...(opts.collectorVersion ? { assumedCollectorVersion: opts.collectorVersion } : {}),
      ...(operator ? { operator } : {}),
      ...(opts.pluginVersion ? { pluginVersion: opts.pluginVersion } : {}),
      files: opts.files,
    },
    collectors: snapCollectors,
    services,
    networkPolicies: policies,
    apps: appsOut,
    probes: [],
    logs: [],
    instrumentations: insts,
    otelCollectorCRs: crInfos,
    notes: [...[...missingConfigMaps].sort().map((k) => `ConfigMap ${k} is not among the files: the collector config it holds was not checked`), ...agentNotes(pods), ...agentCRNotes(list('Alloy'))],
    incomplete: [],
    ...(namespaces.length ? { namespaces: namespaces.map((n) => ({ name: n.metadata.name, labels: n.metadata.labels ?? {} })) } : {}),
  };
  snapshot.notes.push(...injectionNotes(pods, instrumentations, undefined, operator));
  const requests = injectionRequests({ pods, workloads: disc.workloads, instrumentations, namespaces, operator, live: false });
  if (requests.length) { snapshot.injectionRequests = requests; }
  const ignored = ignoreAnnotations(disc);
  if (ignored.ignores.length) { snapshot.ignores = ignored.ignores; }
  snapshot.notes.push(...ignored.notes);
  return { snapshot, index };
}

/**
 * Grafana's alloy-operator runs Alloy from an `Alloy` resource (collectors.grafana.com), so the files hold
 * no pod with its image for agentNotes to name; in a cluster the pods it creates are named instead.
 */
function agentCRNotes(alloys: KObject[]): string[] {
  const alloy = agentForImage('grafana/alloy');
  return alloys
    .filter((o) => String(o.apiVersion ?? '').startsWith('collectors.grafana.com/'))
    .map((o) => `Alloy ${o.metadata.namespace ?? 'default'}/${o.metadata.name} (collectors.grafana.com) runs ${alloy?.name ?? 'Grafana Alloy'}: ${alloy?.note ?? 'not analysed.'}`);
}

/**
 * A snapshot object's location whose line and column are computed when first read: positions need the slow
 * positioned parse of the file, and most objects of a large run are never reported. The fields are enumerable
 * getters, so copies of the snapshot share the object and serialised snapshots still carry the numbers.
 */
function lazyLocation<T extends object>(target: T, file: string, compute: () => SourceLocation): T {
  let cached: SourceLocation | undefined;
  const get = (): SourceLocation => (cached ??= compute());
  const location = {} as SourceLocation;
  Object.defineProperty(location, 'file', { value: file, enumerable: true });
  Object.defineProperty(location, 'line', { get: () => get().line, enumerable: true });
  Object.defineProperty(location, 'column', { get: () => get().column, enumerable: true });
  (target as { location?: SourceLocation }).location = location;
  return target;
}

function strip(l: SourceLocation & { depth?: number }): SourceLocation {
  return { file: l.file, ...(l.line ? { line: l.line } : {}), ...(l.column ? { column: l.column } : {}) };
}

/** ---------------------------------------------------------------- finding -> location */

const CONFIG_PATH = /\b((?:receivers|extensions|exporters|processors|connectors|service)(?:\.[A-Za-z0-9_/-]+)+)/g;
const ENV_NAME = /\bOTEL_[A-Z0-9_]+\b/g;

/** The config key paths a finding names (e.g. `receivers.otlp.protocols.grpc.endpoint`), most specific first. */
function configPaths(f: Finding): PathSeg[][] {
  const text = [f.fix.summary, f.fix.target ?? '', f.fix.patch ?? '', f.summary, f.rootCause, ...f.evidence.map((e) => e.detail)].join('\n');
  const out: PathSeg[][] = [];
  for (const m of text.matchAll(CONFIG_PATH)) {
    const p = m[1].replace(/[./]+$/, '').split('.');
    if (!out.some((x) => x.join('.') === p.join('.'))) { out.push(p); }
  }
  // `the otlp receiver` / `receiver otlp/2` without a dotted path
  if (!out.length) {
    const m = /\b(?:the )?([a-z0-9_]+(?:\/[A-Za-z0-9_-]+)?) receiver\b|\breceiver ([a-z0-9_]+(?:\/[A-Za-z0-9_-]+)?)/.exec(`${f.summary} ${f.rootCause}`);
    const id = m?.[1] ?? m?.[2];
    if (id) { out.push(['receivers', id]); }
  }
  return out;
}

function containerPath(d: Declared, container: string | undefined): PathSeg[] | undefined {
  if (!d.origin.podSpec || !container) { return undefined; }
  let spec: any = d.obj;
  for (const seg of d.origin.podSpec.slice(d.origin.base.length)) { spec = spec?.[seg]; }
  const list: any[] = Array.isArray(spec?.containers) ? spec.containers : [];
  const i = list.findIndex((c) => c?.name === container);
  return i >= 0 ? [...d.origin.podSpec, 'containers', i] : undefined;
}

export function findingLocation(f: Finding, index: LocationIndex): SourceLocation | undefined {
  const s = f.subject;
  const key = objKey(s.kind, s.namespace, s.name);
  const d = index.objects.get(key);
  const col = index.collectors.get(key);
  const candidates: (SourceLocation & { depth: number })[] = [];
  if (col && col.configs.length && /^(receiver-|health-check-|collector-config-|endpoint-)/.test(f.rule)) {
    const paths = configPaths(f);
    // An unused receiver is fixed where it is declared, not in the pipelines the fix text also names.
    const unused = f.rule === 'receiver-not-in-pipeline' ? /^receiver (\S+) is declared/.exec(f.summary)?.[1] : undefined;
    if (unused) { paths.unshift(['receivers', unused]); }
    for (const p of paths) {
      for (const cfg of col.configs) {
        const l = cfg.embedded ? locateEmbedded(cfg.origin.sd, cfg.path, p) : locate(cfg.origin.sd, [...cfg.path, ...p]);
        if (l) { candidates.push(l); }
      }
    }
    if (!candidates.length) {
      const cfg = col.configs[0];
      candidates.push(locate(cfg.origin.sd, cfg.path));
    }
  }
  if (!candidates.length && d) {
    const cpath = containerPath(d, s.container);
    if (cpath) {
      const container: any = cpath.slice(d.origin.base.length).reduce((o: any, seg) => o?.[seg], d.obj);
      const env: any[] = Array.isArray(container?.env) ? container.env : [];
      const text = [f.summary, f.rootCause, ...f.evidence.map((e) => e.detail), f.fix.summary].join('\n');
      const names = [...text.matchAll(ENV_NAME)].map((m) => m[0]);
      const ei = names.map((n) => env.findIndex((e) => e?.name === n)).find((i) => i >= 0);
      if (ei !== undefined) { candidates.push(locate(d.origin.sd, [...cpath, 'env', ei, 'value'])); }
      else if (f.rule === 'daemonset-no-hostport') { candidates.push(locate(d.origin.sd, [...cpath, 'ports'])); }
      else if (f.rule === 'collector-no-readiness-probe') { candidates.push(locate(d.origin.sd, [...cpath, 'name'])); }
      else { candidates.push(locate(d.origin.sd, [...cpath, 'name'])); }
    } else if (s.kind === 'Service' && d.origin.shape === 'manifest') {
      // `Service port otlp-grpc 4317: ...`: the entry (its targetPort when written), not the whole list.
      const m = /^Service port (?:(\S+) )?(\d+):/.exec(f.summary);
      const ports: any[] = Array.isArray(d.obj.spec?.ports) ? d.obj.spec.ports : [];
      const i = m ? ports.findIndex((p) => Number(p?.port) === Number(m[2]) && (m[1] === undefined || p?.name === m[1])) : -1;
      const base = [...d.origin.base, 'spec', 'ports'];
      candidates.push(i < 0 ? locate(d.origin.sd, base) : locate(d.origin.sd, ports[i]?.targetPort !== undefined ? [...base, i, 'targetPort'] : [...base, i]));
    } else if (d.origin.shape === 'helm-values' && f.rule === 'daemonset-no-hostport') {
      // Helm values: the chart's ports.otlp.hostPort, or as near to it as the values file goes (else `mode`).
      const l = locate(d.origin.sd, ['ports', 'otlp', 'hostPort']);
      candidates.push(l.depth > 0 ? l : locate(d.origin.sd, ['mode']));
    } else {
      candidates.push(locate(d.origin.sd, d.origin.shape === 'manifest' ? [...d.origin.base, 'kind'] : d.origin.config?.path ?? []));
    }
  }
  if (!candidates.length) {
    // A finding about something no file declares (a missing Service): point at the first app that names it.
    for (const a of f.affected ?? []) {
      for (const kind of ['Deployment', 'DaemonSet', 'StatefulSet', 'Pod', 'Job', 'CronJob', 'ReplicaSet']) {
        const ad = index.objects.get(objKey(kind, a.namespace, a.workload ?? a.pod));
        if (ad) { return findingLocation({ ...f, rule: 'app', subject: { kind, namespace: a.namespace, name: a.workload ?? a.pod, container: a.container }, affected: [] }, index); }
      }
    }
    return undefined;
  }
  candidates.sort((a, b) => b.depth - a.depth);
  return strip(candidates[0]);
}
