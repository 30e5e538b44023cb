/**
 * Collectors and the apps that send to them, from listed objects (owners, operator CRs, sidecars, resolved
 * env). Pure: list.ts lists for a diagnosis, lint/ reads files; both assemble through here.
 */
import type { KObject } from '../cluster/types.ts';
import { isMap } from '../otel/config.ts';
import { agentForImage, distributionForImage } from '../otel/distributions.ts';
import { configArgs, configMapForPath } from './config.ts';
import { resolveContainerEnv, type ConfigMapIndex, type EnvVar } from './env.ts';
import { injectedEnv, planInjection, type Injection, type OperatorContext } from './instrumentation.ts';
import { parse as parseYaml } from 'yaml';

/**
 * Image names of builds outside the distribution tables (an ocb build is usually called `*otelcol*`, and
 * upstream images the tables do not list, such as the eBPF profiler, are `opentelemetry-collector-*`).
 */
const COLLECTOR_IMAGE_NAME = /(^|\/)(opentelemetry-collector[^/:@]*|[^/:@]*otelcol[^/:@]*)([:@]|$)/i;
export { INJECT_ANNOTATION } from './instrumentation.ts';
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
  matchedBy: ('image' | 'config' | 'helm-label' | 'operator-label' | 'sidecar')[];
  sidecar: boolean;
  /** the OpenTelemetryCollector CR that owns it, when operator-managed */
  cr?: KObject;
  image: string;
  env: EnvVar[];
}

export interface DiscoveredApp {
  pod: KObject;
  container: any;
  workload: Workload;
  env: EnvVar[];
  /** OTEL_EXPORTER_OTLP_* as resolved (value undefined when unknown: secret, missing ConfigMap key) */
  otlpEnv: EnvVar[];
  /** what the operator injects into this container (instrumentation.ts), in its order; empty when nothing */
  inject: Injection[];
  /** an init container the operator instruments (named in container-names) */
  init?: boolean;
  /** what the exporter reads when it is not the container's env: the Go agent sidecar's, a web-server module's config */
  exporterEnv?: EnvVar[];
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
  /** namespaces whose Instrumentations were listed: a missing one there means the operator injects nothing */
  instrumentationsListed?: (namespace: string) => boolean;
  /** the operator as known (--operator-version, its Deployment); undefined: unknown */
  operator?: OperatorContext & { source: string };
  workloads: KObject[];
  nodes: KObject[];
  /** namespaces with labels (NetworkPolicy namespaceSelector); undefined when not listable */
  namespaces: Promise<KObject[] | undefined>;
  /** list calls that failed (forbidden, CRD absent): resource -> reason */
  listFailures: { resource: string; namespace?: string; status: number; reason: string; message: string }[];
  /**
   * Set when the cluster's pods were read by template (gather/templates.ts): `pods` holds one pod per
   * template plus the sampled collector pods, and this says of how many.
   */
  sampling?: {
    pods: number;
    templates: number;
    /** templates whose pod was read (admission changed it, or no owner template to make it from) */
    podsRead: number;
    collectors: import('./templates.ts').CollectorSample[];
    /** how many pods the template of this pod has (1 for a pod read on its own) */
    templatePods: (namespace: string, pod: string) => number;
  };
}

function key(o: KObject): string {
  return `${o.metadata.namespace ?? ''}/${o.metadata.name}`;
}

/**
 * The containers that run for the pod's whole life: its containers, then native sidecars (init containers
 * with restartPolicy: Always; the operator injects its otc-container that way from 0.132, pkg/sidecar/pod.go
 * add, cfg.Internal.NativeSidecarSupport).
 */
export function nativeSidecars(pod: KObject): any[] {
  return (Array.isArray(pod.spec?.initContainers) ? pod.spec.initContainers : []).filter((c: any) => c?.restartPolicy === 'Always');
}

export function controllerRef(o: KObject): { kind: string; name: string } | undefined {
  const refs = o.metadata.ownerReferences ?? [];
  return refs.find((r) => r.controller) ?? refs[0];
}

/** pod -> ReplicaSet -> Deployment (and DaemonSet / StatefulSet / Job directly), from listed objects. */
function ownerWorkload(pod: KObject, byKindKey: Map<string, KObject>): Workload {
  const ns = pod.metadata.namespace ?? 'default';
  const ref = controllerRef(pod);
  if (!ref) { return { kind: 'Pod', namespace: ns, name: pod.metadata.name, object: pod }; }
  const obj = byKindKey.get(`${ref.kind}/${ns}/${ref.name}`);
  if (ref.kind === 'ReplicaSet') {
    const up = obj ? controllerRef(obj) : undefined;
    if (up?.kind === 'Deployment') { return { kind: 'Deployment', namespace: ns, name: up.name, object: byKindKey.get(`Deployment/${ns}/${up.name}`) }; }
    if (!obj) {
      // ReplicaSet not visible: a Deployment's ReplicaSet is `<deploy>-<hash>`; keep the RS name rather than guess.
      return { kind: 'ReplicaSet', namespace: ns, name: ref.name };
    }
  }
  return { kind: ref.kind, namespace: ns, name: ref.name, object: obj };
}

/**
 * A collector by its image: a known distribution (src/otel/distributions.ts), else an upstream-like name.
 * The Elastic Agent image is a collector only in otel mode (its entrypoint otherwise runs the Beats agent).
 */
function isCollectorContainer(c: any): boolean {
  if (typeof c?.image !== 'string') { return false; }
  const match = distributionForImage(c.image);
  if (match) { return match.distribution.id === 'elastic-agent-otel' ? elasticOtelMode(c) : true; }
  return !agentForImage(c.image) && COLLECTOR_IMAGE_NAME.test(c.image);
}

function elasticOtelMode(c: any): boolean {
  const args: unknown[] = [...(Array.isArray(c?.command) ? c.command : []), ...(Array.isArray(c?.args) ? c.args : [])];
  const env = Array.isArray(c?.env) ? c.env : [];
  return args.includes('otel') || env.some((e: any) => e?.name === 'ELASTIC_AGENT_OTEL' && String(e.value).toLowerCase() === 'true');
}

/**
 * A collector whatever its image (a custom ocb build): a --config names a ConfigMap file mounted into it that
 * holds a collector config (receivers and service). Known distributions are already found by image, which
 * covers their default config path.
 */
function runsCollectorConfig(pod: KObject, c: any, configMaps: ConfigMapIndex | undefined): boolean {
  if (!configMaps?.size || typeof c?.image !== 'string') { return false; }
  const argv = [...(Array.isArray(c.command) ? c.command : []), ...(Array.isArray(c.args) ? c.args : [])].map(String);
  const paths = configArgs(argv).configs.map((x) => x.replace(/^file:/, '')).filter((x) => x.startsWith('/'));
  const ns = pod.metadata.namespace ?? 'default';
  return paths.some((path) => {
    const cm = configMapForPath(pod, c, path);
    const text = 'name' in cm ? configMaps.get(`${ns}/${cm.name}`)?.data?.[cm.key] : undefined;
    if (typeof text !== 'string' || !/\breceivers\s*:/.test(text) || !/\bservice\s*:/.test(text)) { return false; }
    try {
      const doc: unknown = parseYaml(text);
      return isMap(doc) && 'receivers' in doc && 'service' in doc;
    } catch {
      return false;
    }
  });
}

/**
 * Known telemetry agents that are not collectors (Grafana Alloy, Fluent Bit, ...), named once per workload
 * in the snapshot's notes: they are not analysed, so no rule may judge them by silence either.
 */
export function agentNotes(pods: KObject[]): string[] {
  const notes = new Set<string>();
  for (const pod of pods) {
    for (const c of [...(pod.spec?.containers ?? []), ...(pod.spec?.initContainers ?? [])]) {
      if (typeof c?.image !== 'string') { continue; }
      const agent = agentForImage(c.image);
      const elastic = !agent && distributionForImage(c.image)?.distribution.id === 'elastic-agent-otel' && !elasticOtelMode(c);
      if (!agent && !elastic) { continue; }
      const owner = pod.metadata.ownerReferences?.[0];
      const where = `${owner ? `${owner.kind} ` : 'Pod '}${pod.metadata.namespace ?? 'default'}/${owner?.name ?? pod.metadata.name} container ${c.name}`;
      const what = agent ? `${agent.name} (${c.image}): ${agent.note}` : `Elastic Agent (${c.image}) not in otel mode (no ELASTIC_AGENT_OTEL=true, no "otel" argument): not analysed.`;
      notes.add(`${where} runs ${what}`);
    }
  }
  return [...notes].sort();
}

export interface CollectorCandidate { pod: KObject; container: any; matchedBy: DiscoveredCollector['matchedBy']; sidecar: boolean }

/**
 * Pure: which pods run a collector (sidecars wherever they are; others only in the collector scope). Shared
 * with lint. With `configMaps`, a container whose --config is a mounted collector config counts too.
 */
export function findCollectorPods(pods: KObject[], inCollectorScope: (p: KObject) => boolean, configMapList?: KObject[]): CollectorCandidate[] {
  const collectorPods: CollectorCandidate[] = [];
  const configMaps: ConfigMapIndex | undefined = configMapList ? new Map(configMapList.map((c) => [key(c), c])) : undefined;
  for (const pod of pods) {
    const containers: any[] = Array.isArray(pod.spec?.containers) ? pod.spec.containers : [];
    const running = [...containers, ...nativeSidecars(pod)];
    // A known non-collector agent that reads collector-style YAML (Jaeger v2) stays an agent: never judged.
    const isCollector = (c: any): boolean => isCollectorContainer(c) || (!agentForImage(String(c?.image ?? '')) && runsCollectorConfig(pod, c, configMaps));
    const labels = pod.metadata.labels ?? {};
    const helm = labels['app.kubernetes.io/name'] === 'opentelemetry-collector' || labels['app.kubernetes.io/name']?.endsWith('-opentelemetry-collector') === true;
    const operator = labels['app.kubernetes.io/managed-by'] === 'opentelemetry-operator' && (labels['app.kubernetes.io/component'] ?? 'opentelemetry-collector') === 'opentelemetry-collector';
    const byImage = running.filter(isCollector);
    const otc = running.find((c) => c?.name === 'otc-container');
    // The apps a sidecar serves are the pod's regular containers.
    const others = containers.filter((c) => !isCollector(c) && c?.name !== 'otc-container');
    const sidecarContainer = otc ?? byImage[0];
    const annotated = pod.metadata.annotations?.[SIDECAR_ANNOTATION] !== undefined;
    // Hand-written sidecars too: a collector next to a container that exports OTLP serves that pod.
    const exportsNextDoor = others.some((c) => Array.isArray(c?.env) && c.env.some((e: any) => typeof e?.name === 'string' && e.name.startsWith('OTEL_EXPORTER_OTLP_')));
    if (sidecarContainer && others.length > 0 && !helm && !operator && (annotated || otc || exportsNextDoor)) {
      // An operator-injected sidecar: a collector that serves its own pod; it is found wherever the app is.
      collectorPods.push({ pod, container: sidecarContainer, matchedBy: ['sidecar'], sidecar: true });
      continue;
    }
    if (!inCollectorScope(pod)) { continue; }
    const matchedBy: DiscoveredCollector['matchedBy'] = [];
    if (byImage.some(isCollectorContainer)) { matchedBy.push('image'); }
    else if (byImage.length) { matchedBy.push('config'); }
    if (helm) { matchedBy.push('helm-label'); }
    if (operator) { matchedBy.push('operator-label'); }
    if (matchedBy.length === 0) { continue; }
    const container = byImage[0] ?? otc ?? containers[0];
    if (container) { collectorPods.push({ pod, container, matchedBy, sidecar: false }); }
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
  /** namespaces whose Instrumentations were listed (diagnose); absent in lint, where one may exist elsewhere */
  instrumentationsListed?: (namespace: string) => boolean;
}

/** Pure: collectors and apps from listed objects (owners, CRs, resolved env). Shared by diagnose and lint. */
export function assembleDiscovery(
  { pods, collectorPods, configMapList, replicaSets, deployments, daemonSets, statefulSets, collectorCRs, instrumentations, instrumentationsListed }: DiscoveryLists,
  opts: { selector?: string; collector?: string; operator?: OperatorContext },
): { configMaps: ConfigMapIndex; collectors: DiscoveredCollector[]; apps: DiscoveredApp[] } {
  const configMaps: ConfigMapIndex = new Map(configMapList.map((c) => [key(c), c]));
  const byKindKey = new Map<string, KObject>();
  for (const [kind, list] of [['ReplicaSet', replicaSets], ['Deployment', deployments], ['DaemonSet', daemonSets], ['StatefulSet', statefulSets]] as const) {
    for (const o of list) { byKindKey.set(`${kind}/${key(o)}`, o); }
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
    const containers: any[] = [...(pod.spec?.containers ?? []), ...nativeSidecars(pod)];
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
    if (selectorMatch && !selectorMatch(pod.metadata.labels ?? {})) { continue; }
    // Each container gets what the operator injects into it: container-names (init containers too), the
    // first container by default, nothing when it would refuse the pod (a note says why: injectionNotes).
    const plan = planInjection(pod, instrumentations, instrumentationsListed, opts.operator);
    const targets = new Map(plan.targets.map((t) => [t.container, t]));
    const sidecarCollector = collectors.some((c) => c.sidecar && c.pod === pod);
    for (const container of [...plan.targets.filter((t) => t.init).map((t) => t.container), ...(pod.spec?.containers ?? [])]) {
      if (collectorKeys.has(`${key(pod)}/${container?.name}`) || isCollectorContainer(container)) { continue; }
      const target = targets.get(container);
      const injected = target ? injectedEnv(pod, target, plan.alreadyInjected, configMaps, opts.operator?.version) : undefined;
      const env = injected?.env ?? resolveContainerEnv(pod, container, configMaps);
      const otlpEnv = (injected?.exporterEnv ?? env).filter((e) => e.name.startsWith('OTEL_EXPORTER_OTLP_'));
      if (otlpEnv.length === 0 && !target && !sidecarCollector) { continue; }
      apps.push({
        pod,
        container,
        workload: ownerWorkload(pod, byKindKey),
        env,
        otlpEnv,
        inject: target?.injections ?? [],
        ...(target?.init ? { init: true } : {}),
        ...(injected?.exporterEnv ? { exporterEnv: injected.exporterEnv } : {}),
        sidecarCollector,
      });
    }
  }

  return { configMaps, collectors, apps };
}

/** Equality-based and set-based label selectors, as `kubectl -l` accepts them. */
export function labelMatcher(selector: string): (labels: Record<string, string>) => boolean {
  const terms = selector.split(/,(?![^(]*\))/).map((t) => t.trim()).filter(Boolean);
  return (labels) =>
    terms.every((term) => {
      let m: RegExpExecArray | null;
      if ((m = /^([^!=\s]+)\s+in\s+\(([^)]*)\)$/.exec(term))) { return m[2].split(',').map((s) => s.trim()).includes(labels[m[1]] ?? '\0'); }
      if ((m = /^([^!=\s]+)\s+notin\s+\(([^)]*)\)$/.exec(term))) { return !m[2].split(',').map((s) => s.trim()).includes(labels[m[1]] ?? '\0'); }
      if ((m = /^([^!=]+)!=(.*)$/.exec(term))) { return labels[m[1].trim()] !== m[2].trim(); }
      if ((m = /^([^=]+)==?(.*)$/.exec(term))) { return labels[m[1].trim()] === m[2].trim(); }
      if (term.startsWith('!')) { return !(term.slice(1) in labels); }
      return term in labels;
    });
}
