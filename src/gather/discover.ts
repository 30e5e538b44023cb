/**
 * Finds collectors and the apps that send to them from list calls only (per namespace or cluster-wide,
 * never a get per pod), so API requests grow with namespaces, not pods.
 */
import { ApiError } from '../errors.ts';
import type { ClusterClient, KObject, ResourceName } from '../cluster/types.ts';
import { resolveContainerEnv, type ConfigMapIndex, type EnvVar } from './env.ts';

export const COLLECTOR_IMAGE = /(^|\/)(otel\/opentelemetry-collector[^/:@]*|opentelemetry-collector-releases\/[^/:@]+|[^/:@]*otelcol[^/:@]*)([:@]|$)/i;
export const INJECT_ANNOTATION = /^instrumentation\.opentelemetry\.io\/inject-([a-z-]+)$/;
export const SIDECAR_ANNOTATION = 'sidecar.opentelemetry.io/inject';

export interface Workload {
  kind: string; // Deployment, DaemonSet, StatefulSet, ReplicaSet, Job, Pod, ...
  namespace: string;
  name: string;
  object?: KObject;
}

export interface DiscoveredCollector {
  pod: KObject;
  container: any; // V1Container
  /** other containers of the pod (same network namespace) */
  siblings: string[];
  workload: Workload;
  /** how it was recognised */
  matchedBy: ('image' | 'helm-label' | 'operator-label' | 'sidecar')[];
  sidecar: boolean;
  /** the OpenTelemetryCollector CR that owns it, when operator-managed */
  cr?: KObject;
  image: string;
  /** from the image tag; undefined for `latest`, a digest or no tag */
  version?: string;
  env: EnvVar[];
}

export interface DiscoveredApp {
  pod: KObject;
  container: any;
  workload: Workload;
  env: EnvVar[];
  /** OTEL_EXPORTER_OTLP_* as resolved (value undefined when unknown: secret, missing ConfigMap key) */
  otlpEnv: EnvVar[];
  /** `instrumentation.opentelemetry.io/inject-<lang>` annotations on the pod */
  inject: { language: string; value: string; instrumentation?: KObject }[];
  /** the pod carries an injected collector sidecar */
  sidecarCollector: boolean;
}

export interface Discovery {
  scope: { clusterWide: boolean; namespaces: string[]; note?: string };
  collectorNamespaces: string[];
  appNamespaces: string[];
  collectors: DiscoveredCollector[];
  apps: DiscoveredApp[];
  pods: KObject[];
  services: KObject[];
  endpoints: KObject[];
  endpointSlices: KObject[];
  networkPolicies: KObject[];
  configMaps: ConfigMapIndex;
  collectorCRs: KObject[];
  instrumentations: KObject[];
  workloads: KObject[];
  nodes: KObject[];
  /** namespaces with labels (NetworkPolicy namespaceSelector); undefined when not listable */
  namespaces: Promise<KObject[] | undefined>;
  /** list calls that failed (forbidden, CRD absent): resource -> reason */
  listFailures: { resource: string; namespace?: string; status: number; reason: string; message: string }[];
}

export interface DiscoverOptions {
  /** where collectors are looked for; undefined with allNamespaces */
  namespace: string;
  allNamespaces: boolean;
  appNamespaces: string[];
  /** label selector narrowing the app pods */
  selector?: string;
  /** only collectors whose workload, pod or CR has this name */
  collector?: string;
  /** whether the user may list pods cluster-wide (from the access review) */
  canListClusterWide: boolean;
  signal?: AbortSignal;
}

export function imageVersion(image: string): string | undefined {
  if (image.includes('@')) return undefined;
  const lastSlash = image.lastIndexOf('/');
  const colon = image.indexOf(':', lastSlash + 1);
  if (colon === -1) return undefined;
  const tag = image.slice(colon + 1);
  const m = /^v?(\d+\.\d+\.\d+)(?:[-+].*)?$/.exec(tag);
  return m ? m[1] : undefined;
}

function key(o: KObject): string {
  return `${o.metadata.namespace ?? ''}/${o.metadata.name}`;
}

function controllerRef(o: KObject): { kind: string; name: string } | undefined {
  const refs = o.metadata.ownerReferences ?? [];
  return refs.find((r) => r.controller) ?? refs[0];
}

/** pod -> ReplicaSet -> Deployment (and DaemonSet / StatefulSet / Job directly), from listed objects. */
export function ownerWorkload(pod: KObject, byKindKey: Map<string, KObject>): Workload {
  const ns = pod.metadata.namespace ?? 'default';
  const ref = controllerRef(pod);
  if (!ref) return { kind: 'Pod', namespace: ns, name: pod.metadata.name, object: pod };
  const obj = byKindKey.get(`${ref.kind}/${ns}/${ref.name}`);
  if (ref.kind === 'ReplicaSet') {
    const up = obj ? controllerRef(obj) : undefined;
    if (up?.kind === 'Deployment') return { kind: 'Deployment', namespace: ns, name: up.name, object: byKindKey.get(`Deployment/${ns}/${up.name}`) };
    if (!obj) {
      // ReplicaSet not visible: a Deployment's ReplicaSet is `<deploy>-<hash>`; keep the RS name rather than guess.
      return { kind: 'ReplicaSet', namespace: ns, name: ref.name };
    }
  }
  return { kind: ref.kind, namespace: ns, name: ref.name, object: obj };
}

function isCollectorContainer(c: any): boolean {
  return typeof c?.image === 'string' && COLLECTOR_IMAGE.test(c.image);
}

async function listIn(
  client: ClusterClient,
  resource: ResourceName,
  namespaces: string[] | 'cluster',
  failures: Discovery['listFailures'],
  signal?: AbortSignal,
): Promise<KObject[]> {
  const one = async (ns?: string): Promise<KObject[]> => {
    try {
      return await client.list(resource, { namespace: ns, signal });
    } catch (e) {
      if (e instanceof ApiError && (e.status === 403 || e.status === 404)) {
        failures.push({ resource, namespace: ns, status: e.status, reason: e.reason, message: e.message });
        return [];
      }
      throw e;
    }
  };
  if (namespaces === 'cluster') return one(undefined);
  const lists = await Promise.all([...new Set(namespaces)].map((ns) => one(ns)));
  return lists.flat();
}

export interface CollectorCandidate { pod: KObject; container: any; matchedBy: DiscoveredCollector['matchedBy']; sidecar: boolean }

/** Pure: which pods run a collector (sidecars wherever they are; others only in the collector scope). Shared with lint. */
export function findCollectorPods(pods: KObject[], inCollectorScope: (p: KObject) => boolean): CollectorCandidate[] {
  const collectorPods: CollectorCandidate[] = [];
  for (const pod of pods) {
    const containers: any[] = Array.isArray(pod.spec?.containers) ? pod.spec.containers : [];
    const labels = pod.metadata.labels ?? {};
    const helm = labels['app.kubernetes.io/name'] === 'opentelemetry-collector' || labels['app.kubernetes.io/name']?.endsWith('-opentelemetry-collector') === true;
    const operator = labels['app.kubernetes.io/managed-by'] === 'opentelemetry-operator' && (labels['app.kubernetes.io/component'] ?? 'opentelemetry-collector') === 'opentelemetry-collector';
    const byImage = containers.filter(isCollectorContainer);
    const otc = containers.find((c) => c?.name === 'otc-container');
    const others = containers.filter((c) => !isCollectorContainer(c) && c?.name !== 'otc-container');
    const sidecarContainer = otc ?? byImage[0];
    const annotated = pod.metadata.annotations?.[SIDECAR_ANNOTATION] !== undefined;
    // Hand-written sidecars too: a collector next to a container that exports OTLP serves that pod.
    const exportsNextDoor = others.some((c) => Array.isArray(c?.env) && c.env.some((e: any) => typeof e?.name === 'string' && e.name.startsWith('OTEL_EXPORTER_OTLP_')));
    if (sidecarContainer && others.length > 0 && !helm && !operator && (annotated || otc || exportsNextDoor)) {
      // An operator-injected sidecar: a collector that serves its own pod; it is found wherever the app is.
      collectorPods.push({ pod, container: sidecarContainer, matchedBy: ['sidecar'], sidecar: true });
      continue;
    }
    if (!inCollectorScope(pod)) continue;
    const matchedBy: DiscoveredCollector['matchedBy'] = [];
    if (byImage.length) matchedBy.push('image');
    if (helm) matchedBy.push('helm-label');
    if (operator) matchedBy.push('operator-label');
    if (matchedBy.length === 0) continue;
    const container = byImage[0] ?? otc ?? containers[0];
    if (container) collectorPods.push({ pod, container, matchedBy, sidecar: false });
  }

  return collectorPods;
}

export interface DiscoveryLists {
  pods: KObject[];
  collectorPods: CollectorCandidate[];
  configMapList: KObject[];
  replicaSets: KObject[];
  deployments: KObject[];
  daemonSets: KObject[];
  statefulSets: KObject[];
  collectorCRs: KObject[];
  instrumentations: KObject[];
}

/** Pure: collectors and apps from listed objects (owners, CRs, resolved env). Shared by diagnose and lint. */
export function assembleDiscovery(
  { pods, collectorPods, configMapList, replicaSets, deployments, daemonSets, statefulSets, collectorCRs, instrumentations }: DiscoveryLists,
  opts: { selector?: string; collector?: string },
): { configMaps: ConfigMapIndex; collectors: DiscoveredCollector[]; apps: DiscoveredApp[] } {
  const configMaps: ConfigMapIndex = new Map(configMapList.map((c) => [key(c), c]));
  const byKindKey = new Map<string, KObject>();
  for (const [kind, list] of [['ReplicaSet', replicaSets], ['Deployment', deployments], ['DaemonSet', daemonSets], ['StatefulSet', statefulSets]] as const) {
    for (const o of list) byKindKey.set(`${kind}/${key(o)}`, o);
  }

  const crFor = (pod: KObject): KObject | undefined => {
    const labels = pod.metadata.labels ?? {};
    const instance = labels['app.kubernetes.io/instance']; // operator: `<namespace>.<cr-name>`
    const name = instance?.includes('.') ? instance.slice(instance.indexOf('.') + 1) : labels['app.kubernetes.io/name']?.replace(/-collector$/, '');
    const ns = instance?.includes('.') ? instance.slice(0, instance.indexOf('.')) : pod.metadata.namespace;
    return collectorCRs.find((c) => c.metadata.name === name && c.metadata.namespace === ns);
  };

  let collectors: DiscoveredCollector[] = collectorPods.map(({ pod, container, matchedBy, sidecar }) => {
    // Native sidecars (init containers with restartPolicy: Always) run beside the collector, in its network namespace.
    const containers: any[] = [...(pod.spec?.containers ?? []), ...(pod.spec?.initContainers ?? []).filter((c: any) => c?.restartPolicy === 'Always')];
    const image = String(container?.image ?? '');
    return {
      pod,
      container,
      siblings: containers.map((c) => c?.name).filter((n: unknown): n is string => typeof n === 'string' && n !== container?.name),
      workload: ownerWorkload(pod, byKindKey),
      matchedBy,
      sidecar,
      cr: sidecar ? undefined : crFor(pod),
      image,
      version: imageVersion(image),
      env: resolveContainerEnv(pod, container, configMaps),
    };
  });
  if (opts.collector) {
    const want = opts.collector;
    collectors = collectors.filter((c) => c.sidecar || c.workload.name === want || c.pod.metadata.name === want || c.cr?.metadata.name === want);
  }

  const collectorKeys = new Set(collectors.map((c) => `${key(c.pod)}/${c.container?.name}`));
  const selectorMatch = opts.selector ? labelMatcher(opts.selector) : undefined;
  const apps: DiscoveredApp[] = [];
  for (const pod of pods) {
    if (selectorMatch && !selectorMatch(pod.metadata.labels ?? {})) continue;
    const ann = pod.metadata.annotations ?? {};
    const inject = Object.entries(ann)
      .map(([k, v]) => ({ m: INJECT_ANNOTATION.exec(k), v: String(v) }))
      .filter((x) => x.m && x.v !== 'false')
      .map((x) => ({ language: x.m![1], value: x.v, instrumentation: pickInstrumentation(x.v, pod, instrumentations) }));
    const sidecarCollector = collectors.some((c) => c.sidecar && c.pod === pod);
    for (const container of pod.spec?.containers ?? []) {
      if (collectorKeys.has(`${key(pod)}/${container?.name}`) || isCollectorContainer(container)) continue;
      const env = resolveContainerEnv(pod, container, configMaps);
      const otlpEnv = env.filter((e) => e.name.startsWith('OTEL_EXPORTER_OTLP_'));
      if (otlpEnv.length === 0 && inject.length === 0 && !sidecarCollector) continue;
      apps.push({ pod, container, workload: ownerWorkload(pod, byKindKey), env, otlpEnv, inject, sidecarCollector });
    }
  }

  return { configMaps, collectors, apps };
}

export async function discover(client: ClusterClient, opts: DiscoverOptions): Promise<Discovery> {
  const failures: Discovery['listFailures'] = [];
  const sig = opts.signal;
  const clusterWide = opts.canListClusterWide;
  let note: string | undefined;
  let podScope: string[] | 'cluster';
  if (clusterWide) {
    podScope = 'cluster';
  } else {
    podScope = [...new Set([opts.namespace, ...opts.appNamespaces])];
    note = `cannot list pods cluster-wide: apps were looked for only in ${podScope.join(', ')} (add --app-namespace, or grant list on pods cluster-wide)`;
  }

  // Cluster-scoped lists that do not depend on what the pods show start at once.
  const nodesP = listIn(client, 'nodes', 'cluster', failures, sig).catch(() => [] as KObject[]);
  // Undefined (not an empty list) when namespaces cannot be listed: namespaceSelectors stay unjudged.
  const namespacesP = listIn(client, 'namespaces', 'cluster', failures, sig)
    .then((l) => (failures.some((f) => f.resource === 'namespaces') ? undefined : l), () => undefined);
  const pods = await listIn(client, 'pods', podScope, failures, sig);
  if (pods.length === 0 && failures.some((f) => f.resource === 'pods')) {
    // Nothing to diagnose without pods: the caller turns this into exit 3.
    const f = failures.find((x) => x.resource === 'pods')!;
    throw new ApiError(f.message, { status: f.status, reason: f.reason, path: 'pods' });
  }

  // Collectors first (their namespaces decide what else to list).
  const inCollectorScope = (p: KObject): boolean => opts.allNamespaces || p.metadata.namespace === opts.namespace;
  const collectorPods = findCollectorPods(pods, inCollectorScope);

  const collectorNamespaces = [...new Set(collectorPods.filter((c) => !c.sidecar).map((c) => c.pod.metadata.namespace ?? 'default'))];
  if (!opts.allNamespaces && !collectorNamespaces.includes(opts.namespace)) collectorNamespaces.push(opts.namespace);

  // Candidate apps: any container with OTEL_EXPORTER_OTLP_* (direct or via envFrom, resolved below) or an inject annotation.
  const candidateNamespaces = new Set<string>(collectorNamespaces);
  for (const pod of pods) {
    const ann = pod.metadata.annotations ?? {};
    const containers: any[] = Array.isArray(pod.spec?.containers) ? pod.spec.containers : [];
    const hasOtlp = containers.some(
      (c) => (Array.isArray(c?.env) && c.env.some((e: any) => typeof e?.name === 'string' && e.name.startsWith('OTEL_EXPORTER_OTLP_'))) || (Array.isArray(c?.envFrom) && c.envFrom.length > 0),
    );
    if (hasOtlp || Object.keys(ann).some((k) => INJECT_ANNOTATION.test(k) || k === SIDECAR_ANNOTATION)) candidateNamespaces.add(pod.metadata.namespace ?? 'default');
  }
  const ns = [...candidateNamespaces];
  const scope: string[] | 'cluster' = clusterWide && opts.allNamespaces ? 'cluster' : ns;

  const [services, endpoints, endpointSlices, networkPolicies, configMapList, replicaSets, deployments, daemonSets, statefulSets, crsBeta, instrumentations] = await Promise.all([
    listIn(client, 'services', scope, failures, sig),
    listIn(client, 'endpoints', scope, failures, sig),
    listIn(client, 'endpointslices', scope, failures, sig),
    listIn(client, 'networkpolicies', scope, failures, sig),
    listIn(client, 'configmaps', ns, failures, sig),
    listIn(client, 'replicasets', scope, failures, sig),
    listIn(client, 'deployments', scope, failures, sig),
    listIn(client, 'daemonsets', scope, failures, sig),
    listIn(client, 'statefulsets', scope, failures, sig),
    listIn(client, 'opentelemetrycollectors.v1beta1', scope, failures, sig),
    listIn(client, 'instrumentations', scope, failures, sig),
  ]);
  let collectorCRs = crsBeta;
  if (failures.some((f) => f.resource === 'opentelemetrycollectors.v1beta1' && f.status === 404)) {
    // operator < 0.98 serves v1alpha1 only
    collectorCRs = await listIn(client, 'opentelemetrycollectors.v1alpha1', scope, failures, sig);
  }
  const nodes = await nodesP;

  const { configMaps, collectors, apps } = assembleDiscovery({ pods, collectorPods, configMapList, replicaSets, deployments, daemonSets, statefulSets, collectorCRs, instrumentations }, opts);

  return {
    scope: { clusterWide, namespaces: podScope === 'cluster' ? [] : podScope, note },
    collectorNamespaces,
    appNamespaces: [...new Set(apps.map((a) => a.pod.metadata.namespace ?? 'default'))],
    collectors,
    apps,
    pods,
    services,
    endpoints,
    endpointSlices,
    networkPolicies,
    configMaps,
    collectorCRs,
    instrumentations,
    workloads: [...deployments, ...daemonSets, ...statefulSets],
    nodes,
    namespaces: namespacesP,
    listFailures: failures,
  };
}

/** `inject-java: "true"` picks the namespace's only Instrumentation; `"name"` or `"ns/name"` pick one. */
function pickInstrumentation(value: string, pod: KObject, all: KObject[]): KObject | undefined {
  const ns = pod.metadata.namespace;
  if (value === 'true') {
    const here = all.filter((i) => i.metadata.namespace === ns);
    return here.length === 1 ? here[0] : undefined;
  }
  const [a, b] = value.includes('/') ? value.split('/', 2) : [ns, value];
  return all.find((i) => i.metadata.namespace === a && i.metadata.name === b);
}

/** Equality-based and set-based label selectors, as `kubectl -l` accepts them. */
export function labelMatcher(selector: string): (labels: Record<string, string>) => boolean {
  const terms = selector.split(/,(?![^(]*\))/).map((t) => t.trim()).filter(Boolean);
  return (labels) =>
    terms.every((term) => {
      let m: RegExpExecArray | null;
      if ((m = /^([^!=\s]+)\s+in\s+\(([^)]*)\)$/.exec(term))) return m[2].split(',').map((s) => s.trim()).includes(labels[m[1]] ?? '\0');
      if ((m = /^([^!=\s]+)\s+notin\s+\(([^)]*)\)$/.exec(term))) return !m[2].split(',').map((s) => s.trim()).includes(labels[m[1]] ?? '\0');
      if ((m = /^([^!=]+)!=(.*)$/.exec(term))) return labels[m[1].trim()] !== m[2].trim();
      if ((m = /^([^=]+)==?(.*)$/.exec(term))) return labels[m[1].trim()] === m[2].trim();
      if (term.startsWith('!')) return !(term.slice(1) in labels);
      return term in labels;
    });
}
