/**
 * gather(client, opts) -> Snapshot: permissions, discovery (lists), collector configs, then the exec and
 * log evidence under one concurrency cap and one overall deadline. Nothing here judges: a fact that
 * could not be gathered is recorded (an `incomplete` entry or a not-run probe), never guessed.
 */
import type { ClusterClient, KObject } from '../cluster/types.ts';
import { RESOURCES } from '../cluster/types.ts';
import { ApiError, CannotDiagnoseError } from '../errors.ts';
import { atLeast, versionFromImage } from '../otel/version.ts';
import {
  SNAPSHOT_VERSION,
  type AppContainer,
  type AppExporterSettings,
  type CollectorPod,
  type ContainerStatusSummary,
  type HttpProbeInfo,
  type IncompleteCheck,
  type InstrumentationInfo,
  type LogEvidence,
  type NetworkPolicyInfo,
  type OtelCollectorCR,
  type ProbeMethod,
  type ProbeRecord,
  type ServiceInfo,
  type SettingValue,
  type Signal,
  type Snapshot,
  type ValueOrigin,
  type SdkGuess,
  type WorkloadRef,
} from '../snapshot.ts';
import { reviewAccess, type AccessReport } from './access.ts';
import { collectorConfig } from './config.ts';
import { discover, labelMatcher, SIDECAR_ANNOTATION, type DiscoveredApp, type DiscoveredCollector, type Discovery } from './discover.ts';
import { envMap, type EnvVar } from './env.ts';
import { limiter } from './limit.ts';
import { listenersFromLog, readLogEvidence } from './logs.ts';
import { parseProbeTarget, probeAll, type ProbeTool } from './probes.ts';
import { listenSockets, listenSocketsViaDebugContainer } from './sockets.ts';
import { parse as parseYaml } from 'yaml';

export interface GatherOptions {
  namespace: string;
  allNamespaces?: boolean;
  appNamespaces?: string[];
  selector?: string;
  collector?: string;
  /** false with --no-exec */
  exec?: boolean;
  concurrency?: number;
  maxPodsPerWorkload?: number;
  /** overall deadline of the diagnosis (--timeout) */
  timeoutMs?: number;
  /** --debug-container: image of an ephemeral container for collector pods where no socket tool runs */
  debugImage?: string;
  /** deadline of one exec */
  execTimeoutMs?: number;
  server?: string;
  context?: string;
  pluginVersion?: string;
  onProgress?: (p: { phase: string; done: number; total: number }) => void;
  /** clock, for reproducible snapshots in tests */
  now?: () => Date;
}

const OTLP = 'OTEL_EXPORTER_OTLP_';
const SIGNALS: Signal[] = ['traces', 'metrics', 'logs'];
const METHOD: Record<ProbeTool, ProbeMethod> = { bash: 'bash-dev-tcp', nc: 'nc', 'nc-busybox': 'nc', wget: 'wget', curl: 'curl', python3: 'python3', node: 'node', perl: 'perl' };

function workloadRef(w: { kind: string; namespace: string; name: string }): WorkloadRef {
  return { kind: w.kind, namespace: w.namespace, name: w.name };
}

function containerStatuses(pod: KObject): ContainerStatusSummary[] {
  const list: any[] = Array.isArray(pod.status?.containerStatuses) ? pod.status.containerStatuses : [];
  return list.map((s) => {
    const stateName = s?.state ? (Object.keys(s.state)[0] ?? 'unknown') : 'unknown';
    const st = s?.state?.[stateName] ?? {};
    const last = s?.lastState?.terminated;
    return {
      name: String(s?.name ?? ''),
      ready: s?.ready === true,
      restartCount: Number(s?.restartCount ?? 0),
      state: stateName,
      ...(st.reason ? { reason: String(st.reason) } : {}),
      ...(st.message ? { message: String(st.message) } : {}),
      ...(typeof st.exitCode === 'number' ? { exitCode: st.exitCode } : {}),
      ...(last?.reason ? { lastTerminationReason: String(last.reason) } : {}),
      ...(typeof last?.exitCode === 'number' ? { lastTerminationExitCode: last.exitCode } : {}),
    };
  });
}

function probeInfo(p: any, container: any): HttpProbeInfo | undefined {
  if (!p || typeof p !== 'object') return undefined;
  const named = (port: unknown): number | undefined => {
    if (typeof port === 'number') return port;
    const cp = (container?.ports ?? []).find((x: any) => x?.name === port);
    return typeof cp?.containerPort === 'number' ? cp.containerPort : undefined;
  };
  if (p.httpGet) return { type: 'httpGet', port: p.httpGet.port, resolvedPort: named(p.httpGet.port), path: p.httpGet.path, ...(p.httpGet.host ? { host: p.httpGet.host } : {}) };
  if (p.tcpSocket) return { type: 'tcpSocket', port: p.tcpSocket.port, resolvedPort: named(p.tcpSocket.port) };
  if (p.grpc) return { type: 'grpc', port: p.grpc.port, resolvedPort: p.grpc.port };
  if (p.exec) return { type: 'exec' };
  return undefined;
}

function envFieldRefs(container: any): Record<string, string> {
  const out: Record<string, string> = {};
  for (const e of Array.isArray(container?.env) ? container.env : []) {
    if (typeof e?.name === 'string' && e.valueFrom?.fieldRef?.fieldPath) out[e.name] = String(e.valueFrom.fieldRef.fieldPath);
  }
  return out;
}

function distribution(image: string): string | undefined {
  const m = /opentelemetry-collector-?([a-z0-9]*)|otelcol-?([a-z0-9]*)/i.exec(image.split('@')[0].split(':')[0]);
  if (!m) return undefined;
  return (m[1] ?? m[2] ?? '') || 'core';
}

function operatorVersion(pod: KObject, cr?: KObject): string | null | undefined {
  const v = cr?.status?.version ?? pod.metadata.labels?.['app.kubernetes.io/version'];
  // The operator labels pods with the collector version; its own version is in the CR status only when
  // it reconciled it. Unknown stays null: the model then assumes a current operator.
  return cr ? (typeof cr.metadata.annotations?.['opentelemetry-operator-config/version'] === 'string' ? cr.metadata.annotations['opentelemetry-operator-config/version'] : null) : v ? null : undefined;
}

export function buildCollector(d: DiscoveredCollector, disc: Discovery): CollectorPod {
  const pod = d.pod;
  const env = envMap(d.env);
  const cfg = collectorConfig(pod, d.container, env, disc.configMaps);
  const statuses = containerStatuses(pod);
  const mine = statuses.find((s) => s.name === d.container?.name);
  const labels = pod.metadata.labels ?? {};
  // A sidecar is the operator's only when it injected it (its container name, or the pod asked for it);
  // a hand-written collector container gets neither the operator's endpoint defaults nor a CR to edit.
  const injected = d.sidecar && (d.container?.name === 'otc-container' || pod.metadata.annotations?.[SIDECAR_ANNOTATION] !== undefined);
  const operatorManaged = labels['app.kubernetes.io/managed-by'] === 'opentelemetry-operator' || injected;
  const image = d.image;
  return {
    namespace: pod.metadata.namespace ?? 'default',
    pod: pod.metadata.name,
    container: String(d.container?.name ?? ''),
    siblingContainers: d.siblings,
    node: pod.spec?.nodeName,
    podIP: pod.status?.podIP,
    hostIP: pod.status?.hostIP,
    owner: d.sidecar ? { kind: 'Sidecar', namespace: d.workload.namespace, name: d.workload.name } : workloadRef(d.workload),
    image,
    version: versionFromImage(image),
    distribution: distribution(image),
    labels,
    annotations: pod.metadata.annotations,
    ...(operatorManaged
      ? { managedBy: { operator: 'opentelemetry-operator', version: operatorVersion(pod, d.cr) ?? null, crName: d.cr?.metadata.name, mode: d.sidecar ? 'sidecar' : d.cr?.spec?.mode } }
      : {}),
    ...(d.sidecar ? { sidecar: true } : {}),
    phase: pod.status?.phase,
    ready: mine ? mine.ready : null,
    restarts: mine?.restartCount ?? 0,
    containerStatuses: statuses,
    configSources: cfg.sources,
    args: Array.isArray(d.container?.args) ? d.container.args.map(String) : undefined,
    command: Array.isArray(d.container?.command) ? d.container.command.map(String) : undefined,
    env,
    envFieldRefs: envFieldRefs(d.container),
    effectiveConfig: cfg.effectiveConfig,
    ...(cfg.configError ? { configError: cfg.configError } : {}),
    readinessProbe: probeInfo(d.container?.readinessProbe, d.container),
    livenessProbe: probeInfo(d.container?.livenessProbe, d.container),
    startupProbe: probeInfo(d.container?.startupProbe, d.container),
    containerPorts: (Array.isArray(d.container?.ports) ? d.container.ports : [])
      .filter((p: any) => typeof p?.containerPort === 'number')
      .map((p: any) => ({ ...(p.name ? { name: p.name } : {}), containerPort: p.containerPort, ...(p.protocol ? { protocol: p.protocol } : {}), ...(p.hostPort ? { hostPort: p.hostPort } : {}) })),
    hostNetwork: pod.spec?.hostNetwork === true,
  };
}

const ORIGIN: Record<EnvVar['source'], ValueOrigin> = {
  value: 'value',
  configMapKeyRef: 'configMap',
  'envFrom-configMap': 'envFrom',
  fieldRef: 'fieldRef',
  secret: 'secret',
  resourceFieldRef: 'unresolved',
  unresolved: 'unresolved',
};

function setting(v: EnvVar | undefined): SettingValue | undefined {
  if (!v) return undefined;
  const origin: ValueOrigin = v.raw !== undefined && v.source === 'value' ? 'var-ref' : ORIGIN[v.source];
  return { env: v.name, origin, ...(v.value !== undefined ? { value: v.value } : {}), ...(v.from ? { from: v.from } : {}), ...(v.raw !== undefined ? { raw: v.raw } : {}) };
}

/** The Instrumentation CR's exporter settings as env (what the operator injects), for an annotated pod. */
function instrumentationEnv(inst: KObject | undefined, language: string): EnvVar[] {
  if (!inst) return [];
  const out: EnvVar[] = [];
  const from = `Instrumentation ${inst.metadata.namespace}/${inst.metadata.name}`;
  const ep = inst.spec?.exporter?.endpoint;
  if (typeof ep === 'string') out.push({ name: `${OTLP}ENDPOINT`, value: ep, source: 'value', from });
  const lang = language === 'nodejs' ? 'nodejs' : language;
  for (const list of [inst.spec?.env, inst.spec?.[lang]?.env]) {
    for (const e of Array.isArray(list) ? list : []) {
      if (typeof e?.name === 'string' && typeof e.value === 'string' && (e.name.startsWith(OTLP) || e.name.startsWith('OTEL_'))) {
        const i = out.findIndex((x) => x.name === e.name);
        if (i >= 0) out.splice(i, 1);
        out.push({ name: e.name, value: e.value, source: 'value', from });
      }
    }
  }
  return out;
}

function exporterSettings(vars: EnvVar[], fromInstrumentation: EnvVar[]): AppExporterSettings {
  // Env written on the container wins over what the operator injects (the operator never overrides).
  const byName = new Map<string, { v: EnvVar; inst: boolean }>();
  for (const v of fromInstrumentation) byName.set(v.name, { v, inst: true });
  for (const v of vars) byName.set(v.name, { v, inst: false });
  const get = (n: string): SettingValue | undefined => {
    const e = byName.get(n);
    if (!e) return undefined;
    const s = setting(e.v)!;
    return e.inst ? { ...s, origin: 'instrumentation' } : s;
  };
  const out: AppExporterSettings = {};
  const endpoint = get(`${OTLP}ENDPOINT`);
  const protocol = get(`${OTLP}PROTOCOL`);
  const insecure = get(`${OTLP}INSECURE`);
  const certificate = get(`${OTLP}CERTIFICATE`);
  if (endpoint) out.endpoint = endpoint;
  if (protocol) out.protocol = protocol;
  if (insecure) out.insecure = insecure;
  if (certificate) out.certificate = certificate;
  for (const s of SIGNALS) {
    const S = s.toUpperCase();
    const sig = { endpoint: get(`${OTLP}${S}_ENDPOINT`), protocol: get(`${OTLP}${S}_PROTOCOL`), insecure: get(`${OTLP}${S}_INSECURE`) };
    const clean = Object.fromEntries(Object.entries(sig).filter(([, v]) => v !== undefined));
    if (Object.keys(clean).length) (out.signals ??= {})[s] = clean;
    const exp = byName.get(`OTEL_${S}_EXPORTER`)?.v.value;
    if (exp !== undefined) (out.exporters ??= {})[s] = exp;
  }
  if (byName.get('OTEL_SDK_DISABLED')?.v.value?.toLowerCase() === 'true') out.sdkDisabled = true;
  return out;
}

/** The SDK from what the pod shows: inject annotation, the simulator's sdk annotation, image, env. */
export function guessSdk(app: DiscoveredApp): SdkGuess | undefined {
  const ann = app.pod.metadata.annotations ?? {};
  const inj = app.inject[0]?.language;
  if (inj) {
    const map: Record<string, SdkGuess> = {
      java: { language: 'java', flavour: 'agent', from: 'annotation instrumentation.opentelemetry.io/inject-java' },
      python: { language: 'python', flavour: 'auto', from: 'annotation instrumentation.opentelemetry.io/inject-python' },
      nodejs: { language: 'node', flavour: 'auto', from: 'annotation instrumentation.opentelemetry.io/inject-nodejs' },
      dotnet: { language: 'dotnet', flavour: 'auto', from: 'annotation instrumentation.opentelemetry.io/inject-dotnet' },
      go: { language: 'go', flavour: 'auto', from: 'annotation instrumentation.opentelemetry.io/inject-go' },
      // The web-server modules (otel-webserver-module, C++) export OTLP/gRPC only: see otel/sdk.ts.
      'apache-httpd': { language: 'cpp', flavour: 'auto', from: 'annotation instrumentation.opentelemetry.io/inject-apache-httpd' },
      nginx: { language: 'cpp', flavour: 'auto', from: 'annotation instrumentation.opentelemetry.io/inject-nginx' },
    };
    if (map[inj]) return map[inj];
  }
  const sim = ann['sim.otel-doctor.io/sdk'];
  const env = new Map(app.env.map((e) => [e.name, e.value ?? '']));
  const javaAgent = /-javaagent:\S*opentelemetry/i.test(`${env.get('JAVA_TOOL_OPTIONS') ?? ''} ${env.get('JAVA_OPTS') ?? ''}`);
  const known = ['go', 'python', 'java', 'node', 'dotnet', 'php', 'ruby', 'rust', 'cpp', 'erlang'];
  if (sim && known.includes(sim)) {
    return { language: sim as SdkGuess['language'], flavour: sim === 'java' ? (javaAgent ? 'agent' : 'sdk') : 'sdk', from: 'annotation sim.otel-doctor.io/sdk' };
  }
  if (javaAgent) return { language: 'java', flavour: 'agent', from: 'JAVA_TOOL_OPTIONS -javaagent' };
  if (env.has('CORECLR_ENABLE_PROFILING') && env.has('OTEL_DOTNET_AUTO_HOME')) return { language: 'dotnet', flavour: 'auto', from: 'env OTEL_DOTNET_AUTO_HOME' };
  const image = String(app.container?.image ?? '').toLowerCase();
  const byImage: [RegExp, SdkGuess['language']][] = [
    [/(^|\/)python[:@-]|python/, 'python'],
    [/(^|\/)node[:@-]|nodejs/, 'node'],
    [/openjdk|temurin|(^|\/)java|jre|jdk|corretto/, 'java'],
    [/dotnet|aspnet/, 'dotnet'],
    [/golang/, 'go'],
    [/(^|\/)php/, 'php'],
    [/(^|\/)ruby/, 'ruby'],
  ];
  for (const [re, lang] of byImage) if (re.test(image)) return { language: lang, flavour: 'unknown', from: `image ${app.container?.image}` };
  return undefined;
}

/** Names that, by convention, carry an exporter or collector address outside the SDK's own variables. */
const HOST_ENV_NAME = /OTEL|OTLP|COLLECTOR|TRAC|TELEMETRY|_URL$|_ENDPOINT$|_HOST$|_ADDR(ESS)?$/i;

function hostEnvOf(vars: EnvVar[]): { env: string; value: string; host: string }[] {
  const out: { env: string; value: string; host: string }[] = [];
  for (const v of vars) {
    if (v.name.startsWith(OTLP) || !HOST_ENV_NAME.test(v.name) || !v.value) continue;
    const value = v.value.trim();
    let host: string | undefined;
    const url = /^[a-z][a-z0-9+.-]*:\/\/([^/:?#\s]+|\[[^\]]+\])/i.exec(value);
    if (url) host = url[1];
    else if (/^[a-z0-9]([a-z0-9.-]*[a-z0-9])?(:\d+)?$/i.test(value) && /[a-z]/i.test(value)) host = value.replace(/:\d+$/, '');
    if (host) out.push({ env: v.name, value, host: host.replace(/^\[|\]$/g, '') });
    if (out.length >= 20) break;
  }
  return out;
}

export function buildApp(a: DiscoveredApp, disc: Discovery): AppContainer {
  const inst = a.inject[0];
  const instEnv = inst ? instrumentationEnv(inst.instrumentation, inst.language) : [];
  const sidecar = disc.collectors.find((c) => c.sidecar && c.pod === a.pod);
  const statuses = containerStatuses(a.pod);
  const sdk = guessSdk(a);
  return {
    namespace: a.pod.metadata.namespace ?? 'default',
    pod: a.pod.metadata.name,
    container: String(a.container?.name ?? ''),
    workload: workloadRef(a.workload),
    node: a.pod.spec?.nodeName,
    podIP: a.pod.status?.podIP,
    image: a.container?.image,
    labels: a.pod.metadata.labels ?? {},
    annotations: a.pod.metadata.annotations,
    exporter: exporterSettings(a.env, instEnv),
    ...(sdk ? { sdk } : {}),
    ...(sidecar ? { sidecarCollector: { container: String(sidecar.container?.name ?? ''), image: sidecar.image } } : {}),
    ...(hostEnvOf(a.env).length ? { hostEnv: hostEnvOf(a.env) } : {}),
    ...(inst?.instrumentation
      ? { instrumentation: { namespace: inst.instrumentation.metadata.namespace ?? '', name: inst.instrumentation.metadata.name, language: inst.language } }
      : {}),
    ready: statuses.find((s) => s.name === a.container?.name)?.ready,
  };
}

export function buildServices(disc: Discovery, collectors: CollectorPod[]): ServiceInfo[] {
  // Grouped by namespace: a Service selects only there, and scanning every collector per Service is
  // quadratic on large inputs (lint over thousands of manifests).
  const collectorPodsByNs = new Map<string, typeof disc.collectors>();
  for (const c of disc.collectors) {
    if (c.sidecar) continue;
    const k = c.pod.metadata.namespace ?? 'default';
    (collectorPodsByNs.get(k) ?? collectorPodsByNs.set(k, []).get(k)!).push(c);
  }
  return disc.services.map((s) => {
    const ns = s.metadata.namespace ?? 'default';
    const selector: Record<string, string> | null = s.spec?.selector && typeof s.spec.selector === 'object' ? s.spec.selector : null;
    const matched = selector && Object.keys(selector).length
      ? (collectorPodsByNs.get(ns) ?? []).filter((c) => c.pod.metadata.namespace === ns && Object.entries(selector).every(([k, v]) => c.pod.metadata.labels?.[k] === v)).map((c) => `${ns}/${c.pod.metadata.name}`)
      : [];
    const ep = endpointsFor(disc, ns, s.metadata.name);
    return {
      namespace: ns,
      name: s.metadata.name,
      type: String(s.spec?.type ?? 'ClusterIP'),
      clusterIP: s.spec?.clusterIP ?? null,
      ports: (Array.isArray(s.spec?.ports) ? s.spec.ports : []).map((p: any) => ({
        ...(p.name ? { name: p.name } : {}),
        port: Number(p.port),
        ...(p.targetPort !== undefined ? { targetPort: p.targetPort } : {}),
        ...(p.protocol ? { protocol: p.protocol } : {}),
        ...(p.nodePort ? { nodePort: p.nodePort } : {}),
        ...(p.appProtocol ? { appProtocol: p.appProtocol } : {}),
      })),
      selector,
      ...(s.spec?.internalTrafficPolicy ? { internalTrafficPolicy: s.spec.internalTrafficPolicy } : {}),
      ...(s.spec?.externalName ? { externalName: s.spec.externalName } : {}),
      matchedCollectorPods: matched,
      ...(ep ? { endpoints: ep } : {}),
      labels: s.metadata.labels ?? {},
    };
  }).filter((s) => s.matchedCollectorPods.length > 0 || collectors.some((c) => c.namespace === s.namespace) || /otel|opentelemetry|collector/i.test(s.name));
}

function endpointsFor(disc: Discovery, ns: string, name: string): ServiceInfo['endpoints'] | undefined {
  // EndpointSlices are what kube-proxy uses; Endpoints is the fallback for clusters or RBAC without them.
  const slices = disc.endpointSlices.filter((e) => e.metadata.namespace === ns && e.metadata.labels?.['kubernetes.io/service-name'] === name);
  if (slices.length) {
    const ready: { ip: string; ready: boolean; pod?: string; node?: string }[] = [];
    const notReady: typeof ready = [];
    let ports: { name?: string; port: number }[] | undefined;
    for (const sl of slices) {
      ports ??= (Array.isArray(sl.ports) ? (sl.ports as any[]) : []).map((p) => ({ ...(p.name ? { name: p.name } : {}), port: Number(p.port) }));
      for (const ep of Array.isArray(sl.endpoints) ? (sl.endpoints as any[]) : []) {
        const isReady = ep?.conditions?.ready !== false;
        for (const ip of ep?.addresses ?? []) {
          const a = { ip: String(ip), ready: isReady, ...(ep.targetRef?.name ? { pod: ep.targetRef.name } : {}), ...(ep.nodeName ? { node: ep.nodeName } : {}) };
          (isReady ? ready : notReady).push(a);
        }
      }
    }
    return { ready, notReady, ...(ports ? { ports } : {}) };
  }
  const eps = disc.endpoints.find((e) => e.metadata.namespace === ns && e.metadata.name === name);
  if (!eps) return undefined;
  const ready: { ip: string; ready: boolean; pod?: string; node?: string }[] = [];
  const notReady: typeof ready = [];
  let ports: { name?: string; port: number }[] | undefined;
  for (const sub of Array.isArray(eps.subsets) ? (eps.subsets as any[]) : []) {
    ports ??= (sub.ports ?? []).map((p: any) => ({ ...(p.name ? { name: p.name } : {}), port: Number(p.port) }));
    for (const a of sub.addresses ?? []) ready.push({ ip: a.ip, ready: true, ...(a.targetRef?.name ? { pod: a.targetRef.name } : {}), ...(a.nodeName ? { node: a.nodeName } : {}) });
    for (const a of sub.notReadyAddresses ?? []) notReady.push({ ip: a.ip, ready: false, ...(a.targetRef?.name ? { pod: a.targetRef.name } : {}), ...(a.nodeName ? { node: a.nodeName } : {}) });
  }
  return { ready, notReady, ...(ports ? { ports } : {}) };
}

export function buildPolicies(disc: Discovery): NetworkPolicyInfo[] {
  return disc.networkPolicies.map((p) => ({
    namespace: p.metadata.namespace ?? 'default',
    name: p.metadata.name,
    podSelector: p.spec?.podSelector ?? {},
    policyTypes: Array.isArray(p.spec?.policyTypes) ? p.spec.policyTypes : p.spec?.egress ? ['Ingress', 'Egress'] : ['Ingress'],
    ...(Array.isArray(p.spec?.ingress) ? { ingress: p.spec.ingress } : {}),
  }));
}

export function buildCRs(disc: Discovery): { crs: OtelCollectorCR[]; insts: InstrumentationInfo[] } {
  const crs = disc.collectorCRs.map((c): OtelCollectorCR => {
    let config: Record<string, unknown> | null = null;
    let configError: string | undefined;
    const raw = c.spec?.config;
    if (typeof raw === 'string') {
      try {
        const doc = parseYaml(raw);
        config = doc && typeof doc === 'object' && !Array.isArray(doc) ? (doc as Record<string, unknown>) : null;
      } catch (e) {
        configError = (e as Error).message;
      }
    } else if (raw && typeof raw === 'object') {
      config = raw as Record<string, unknown>;
    }
    return {
      namespace: c.metadata.namespace ?? 'default',
      name: c.metadata.name,
      apiVersion: String(c.apiVersion ?? ''),
      ...(c.spec?.mode ? { mode: c.spec.mode } : {}),
      ...(c.spec?.image ? { image: c.spec.image } : {}),
      config,
      ...(configError ? { configError } : {}),
      operatorVersion: null,
    };
  });
  const insts = disc.instrumentations.map((i): InstrumentationInfo => {
    const env: Record<string, string> = {};
    for (const e of Array.isArray(i.spec?.env) ? i.spec.env : []) if (typeof e?.name === 'string' && typeof e.value === 'string') env[e.name] = e.value;
    const languageEnv: Record<string, Record<string, string>> = {};
    for (const lang of ['java', 'python', 'nodejs', 'dotnet', 'go', 'apacheHttpd', 'nginx']) {
      const list = i.spec?.[lang]?.env;
      if (!Array.isArray(list)) continue;
      languageEnv[lang] = Object.fromEntries(list.filter((e: any) => typeof e?.name === 'string' && typeof e.value === 'string').map((e: any) => [e.name, e.value]));
    }
    return {
      namespace: i.metadata.namespace ?? 'default',
      name: i.metadata.name,
      ...(typeof i.spec?.exporter?.endpoint === 'string' ? { exporterEndpoint: i.spec.exporter.endpoint } : {}),
      env,
      languageEnv,
    };
  });
  return { crs, insts };
}

function accessIncomplete(access: AccessReport, opts: GatherOptions, exec: boolean): IncompleteCheck[] {
  const out: IncompleteCheck[] = [];
  for (const c of access.checks) {
    if (c.allowed || c.error) continue;
    if (c.id === 'list-pods-cluster') {
      out.push({ check: 'list-apps', reason: `cannot list pods cluster-wide: apps were looked for only in ${[opts.namespace, ...(opts.appNamespaces ?? [])].join(', ')}`, remedy: 'grant list on pods cluster-wide, or name app namespaces with --app-namespace', rbac: c.rule });
    } else if (c.id === 'exec') {
      if (exec) out.push({ check: 'exec', reason: `cannot create pods/exec in ${opts.namespace}: no listen-socket checks and no connectivity probes`, remedy: 'grant create on pods/exec', rbac: c.rule });
    } else if (c.id === 'logs') {
      out.push({ check: 'logs', reason: `cannot get pods/log in ${opts.namespace}: no log evidence`, remedy: 'grant get on pods/log', rbac: c.rule });
    } else if (c.id !== 'list-pods') {
      out.push({ check: c.id, reason: `not allowed: ${c.attrs.verb} ${c.attrs.resource} in ${c.attrs.namespace ?? 'the cluster'} (${c.needed})`, rbac: c.rule });
    }
  }
  return out;
}

interface ProbePlan {
  app: DiscoveredApp;
  kind: ProbeRecord['target']['kind'];
  endpoint?: string;
  signal?: Signal;
  ref?: string;
  parsed: ReturnType<typeof parseProbeTarget>;
}

/** What to probe from one app container: its endpoints, the collector Service behind them, a collector pod IP. */
function planProbes(app: AppContainer, d: DiscoveredApp, disc: Discovery, services: ServiceInfo[]): ProbePlan[] {
  const plans: ProbePlan[] = [];
  const endpoints = new Map<string, Signal | undefined>();
  const ex = app.exporter;
  if (ex.endpoint?.value !== undefined) endpoints.set(ex.endpoint.value, undefined);
  for (const s of SIGNALS) {
    const v = ex.signals?.[s]?.endpoint?.value;
    if (v !== undefined && !endpoints.has(v)) endpoints.set(v, s);
  }
  for (const [endpoint, signal] of endpoints) {
    plans.push({ app: d, kind: 'app-endpoint', endpoint, ...(signal ? { signal } : {}), parsed: parseProbeTarget(endpoint) });
  }
  // The collector Service the endpoint names (short, namespaced or FQDN form), else the first collector Service.
  const appNs = app.namespace;
  const firstOk = plans.find((p) => p.parsed.ok);
  const port = firstOk && firstOk.parsed.ok ? firstOk.parsed.target.port : undefined;
  const host = firstOk && firstOk.parsed.ok ? firstOk.parsed.target.host.replace(/\.$/, '') : undefined;
  const named = host
    ? services.find((s) => {
        const forms = [`${s.name}.${s.namespace}`, `${s.name}.${s.namespace}.svc`, `${s.name}.${s.namespace}.svc.cluster.local`];
        if (s.namespace === appNs) forms.push(s.name);
        return forms.includes(host) || (s.clusterIP && s.clusterIP === host);
      })
    : undefined;
  const svc = named ?? services.find((s) => s.matchedCollectorPods.length > 0 && s.clusterIP !== 'None');
  if (svc && !app.sidecarCollector) {
    const sp = svc.ports.find((p) => p.port === port) ?? svc.ports.find((p) => /otlp|grpc|4317|4318/.test(`${p.name ?? ''} ${p.port}`)) ?? svc.ports[0];
    if (sp) {
      const fqdn = `${svc.name}.${svc.namespace}.svc.cluster.local`;
      if (!(named && host === fqdn && port === sp.port)) {
        plans.push({ app: d, kind: 'service', ref: `${svc.namespace}/${svc.name}`, parsed: parseProbeTarget(`${fqdn}:${sp.port}`) });
      }
      const targetPod = svc.matchedCollectorPods.map((k) => disc.collectors.find((c) => `${c.pod.metadata.namespace}/${c.pod.metadata.name}` === k)).find((c) => c?.pod.status?.podIP);
      if (targetPod) {
        const tp = sp.targetPort ?? sp.port;
        const num = typeof tp === 'number' ? tp : (targetPod.container?.ports ?? []).find((p: any) => p?.name === tp)?.containerPort;
        if (typeof num === 'number') {
          plans.push({ app: d, kind: 'pod-ip', ref: `${targetPod.pod.metadata.namespace}/${targetPod.pod.metadata.name}`, parsed: parseProbeTarget(`${targetPod.pod.status.podIP}:${num}`) });
        }
      }
    }
  }
  return plans;
}

export async function gather(client: ClusterClient, opts: GatherOptions): Promise<Snapshot> {
  const now = opts.now ?? (() => new Date());
  const started = now();
  const exec = opts.exec !== false;
  const run = limiter(opts.concurrency ?? 8);
  const overall = opts.timeoutMs ? AbortSignal.timeout(opts.timeoutMs) : undefined;
  const execTimeoutMs = opts.execTimeoutMs ?? 8000;
  const progress = opts.onProgress ?? (() => undefined);

  progress({ phase: 'Checking permissions', done: 0, total: 1 });
  const access = await reviewAccess(client, opts.namespace);
  progress({ phase: 'Listing', done: 0, total: 1 });
  let disc: Discovery;
  try {
    disc = await discover(client, {
      namespace: opts.namespace,
      allNamespaces: opts.allNamespaces ?? false,
      appNamespaces: opts.appNamespaces ?? [],
      selector: opts.selector,
      collector: opts.collector,
      canListClusterWide: access.listPodsClusterWide,
      signal: overall,
    });
  } catch (e) {
    if (e instanceof ApiError) {
      throw new CannotDiagnoseError(`cannot list pods: ${e.message}`, {
        cause: e,
        hint: e.status === 403 ? 'the diagnosis needs at least list on pods in the collector namespace' : e.status === 0 ? 'is the API server reachable? check --context and --request-timeout' : undefined,
      });
    }
    throw e;
  }

  const snap: Snapshot = {
    version: SNAPSHOT_VERSION,
    meta: {
      time: started.toISOString(),
      mode: 'diagnose',
      ...(opts.server ? { server: opts.server } : {}),
      ...(opts.context ? { context: opts.context } : {}),
      collectorNamespaces: opts.allNamespaces ? ['*'] : disc.collectorNamespaces,
      appNamespaces: disc.scope.clusterWide ? ['*'] : disc.scope.namespaces,
      exec: exec && access.exec,
      logs: access.logs,
      ...(opts.pluginVersion ? { pluginVersion: opts.pluginVersion } : {}),
    },
    permissions: { reviews: access.checks.map((c) => ({ verb: c.attrs.verb, resource: c.attrs.subresource ? `${c.attrs.resource}/${c.attrs.subresource}` : c.attrs.resource, ...(c.attrs.namespace ? { namespace: c.attrs.namespace } : {}), allowed: c.allowed, ...(c.error ? { reason: c.error } : {}) })) },
    collectors: [],
    services: [],
    networkPolicies: buildPolicies(disc),
    apps: [],
    probes: [],
    logs: [],
    instrumentations: [],
    otelCollectorCRs: [],
    notes: [],
    incomplete: accessIncomplete(access, opts, exec),
  };
  if (disc.scope.note) snap.notes.push(disc.scope.note);
  if (!exec) snap.notes.push('--no-exec: no listen-socket checks and no connectivity probes');
  for (const f of disc.listFailures) {
    if (f.status === 404 && /opentelemetrycollectors|instrumentations/.test(f.resource)) continue; // CRD not installed: nothing to read
    const ref = (RESOURCES as Record<string, { group: string; resource: string } | undefined>)[f.resource];
    const group = ref?.group ?? (f.resource.includes('.') ? 'opentelemetry.io' : '');
    const resource = ref?.resource ?? f.resource.split('.')[0];
    snap.incomplete.push({ check: `list-${f.resource}`, reason: `cannot list ${resource}${f.namespace ? ` in ${f.namespace}` : ' cluster-wide'}: ${f.message}`, rbac: `- apiGroups: ["${group}"]\n  resources: ["${resource}"]\n  verbs: ["get", "list"]` });
  }

  const nsList = await disc.namespaces;
  if (nsList) snap.namespaces = nsList.map((n) => ({ name: n.metadata.name, labels: n.metadata.labels ?? {} }));

  snap.collectors = disc.collectors.map((c) => buildCollector(c, disc));
  snap.services = buildServices(disc, snap.collectors);
  const { crs, insts } = buildCRs(disc);
  snap.otelCollectorCRs = crs;
  snap.instrumentations = insts;
  snap.apps = disc.apps.map((a) => buildApp(a, disc));
  if (snap.collectors.length === 0) snap.notes.push(`no collector found in ${opts.allNamespaces ? 'any namespace' : `namespace ${opts.namespace}`}${opts.collector ? ` named ${opts.collector}` : ''}`);

  // ---- evidence: exec and logs, under one cap
  const tasks: Promise<void>[] = [];
  let total = 0;
  let done = 0;
  const tick = (phase: string): void => progress({ phase, done, total });
  const canExec = exec && access.exec;
  const canLogs = access.logs;

  // Collector logs first: sockets fall back to them.
  const collectorLogs = new Map<string, LogEvidence>();
  if (canLogs) {
    for (const c of snap.collectors) {
      total++;
      tasks.push(
        run(async () => {
          const ev = await readLogEvidence(client, { namespace: c.namespace, pod: c.pod, container: c.container, role: 'collector' }, overall);
          collectorLogs.set(`${c.namespace}/${c.pod}`, ev);
          snap.logs.push(ev);
          if (c.restarts > 0) {
            const prev = await readLogEvidence(client, { namespace: c.namespace, pod: c.pod, container: c.container, role: 'collector', previous: true }, overall);
            if (!prev.error) snap.logs.push(prev);
          }
          done++;
          tick('Reading logs');
        }),
      );
    }
  }
  await Promise.all(tasks.splice(0));

  if (canExec) {
    for (const [i, c] of snap.collectors.entries()) {
      total++;
      tasks.push(
        (async () => {
          const so = { client, namespace: c.namespace, pod: c.pod, container: c.container, siblings: c.siblingContainers ?? [], timeoutMs: execTimeoutMs, signal: overall, run };
          let ev = await listenSockets(so);
          if (ev.method === 'none' && opts.debugImage && !/Forbidden/.test(ev.reason ?? '')) {
            const podObject = disc.collectors[i].pod;
            const dbg = await listenSocketsViaDebugContainer({ ...so, image: opts.debugImage, podObject });
            if (dbg.added) snap.notes.push(`added ephemeral container ${dbg.added} (${opts.debugImage}) to pod ${c.namespace}/${c.pod}; it stays in the pod spec until the pod is deleted`);
            ev = dbg.evidence.method === 'none' ? { ...ev, reason: `${ev.reason}; ${dbg.evidence.reason}` } : dbg.evidence;
          }
          if (ev.method === 'none') {
            const log = collectorLogs.get(`${c.namespace}/${c.pod}`);
            const fromLog = log ? listenersFromLog(log) : [];
            if (fromLog.length) {
              snap.collectors[i].listeners = {
                method: 'log',
                container: c.container,
                sockets: fromLog,
                reason: `no socket tool could run (${ev.reason}); addresses from the collector's startup log`,
                logAddressKind: atLeast(c.version, '0.133.0') ? 'bound' : 'configured',
              };
            } else {
              snap.collectors[i].listeners = ev;
            }
          } else {
            snap.collectors[i].listeners = ev;
          }
          done++;
          tick(`Checking sockets of ${snap.collectors.length} collector pods`);
        })(),
      );
    }
  } else if (canLogs) {
    for (const c of snap.collectors) {
      const log = collectorLogs.get(`${c.namespace}/${c.pod}`);
      const fromLog = log ? listenersFromLog(log) : [];
      if (fromLog.length) c.listeners = { method: 'log', container: c.container, sockets: fromLog, reason: exec ? 'exec not permitted' : '--no-exec', logAddressKind: atLeast(c.version, '0.133.0') ? 'bound' : 'configured' };
    }
  }

  // One (or --max-pods-per-workload) pod per app workload probes and is read.
  const perWorkload = new Map<string, number>();
  const chosenPods = new Set<string>();
  const maxPods = Math.max(1, opts.maxPodsPerWorkload ?? 1);
  const ready = (a: DiscoveredApp): number => (a.pod.status?.phase === 'Running' ? 0 : 1);
  const sortedApps = [...disc.apps.entries()].sort(([, x], [, y]) => ready(x) - ready(y));
  const selected: number[] = [];
  for (const [idx, a] of sortedApps) {
    const wk = `${a.workload.kind}/${a.workload.namespace}/${a.workload.name}`;
    const podKey = `${a.pod.metadata.namespace}/${a.pod.metadata.name}`;
    if (!chosenPods.has(podKey)) {
      const n = perWorkload.get(wk) ?? 0;
      if (n >= maxPods) continue;
      perWorkload.set(wk, n + 1);
      chosenPods.add(podKey);
    }
    selected.push(idx);
  }

  if (canLogs) {
    for (const idx of selected) {
      const app = snap.apps[idx];
      total++;
      tasks.push(
        run(async () => {
          snap.logs.push(await readLogEvidence(client, { namespace: app.namespace, pod: app.pod, container: app.container, role: 'app' }, overall));
          done++;
          tick('Reading logs');
        }),
      );
    }
  }

  if (canExec) {
    const podsToProbe = selected.length;
    let probed = 0;
    for (const idx of selected) {
      const app = snap.apps[idx];
      const d = disc.apps[idx];
      const plans = planProbes(app, d, disc, snap.services);
      const from = { namespace: app.namespace, pod: app.pod, container: app.container, ...(app.workload ? { workload: app.workload } : {}) };
      const valid = plans.filter((p) => p.parsed.ok);
      for (const p of plans) {
        if (!p.parsed.ok) {
          // Malformed values are recorded, never probed: nothing from them reaches a command.
          snap.probes.push({ from, target: { kind: p.kind, host: '', port: 0, ...(p.endpoint !== undefined ? { endpoint: p.endpoint } : {}), ...(p.signal ? { signal: p.signal } : {}), ...(p.ref ? { ref: p.ref } : {}) }, result: 'not-run', reason: `malformed endpoint: ${p.parsed.reason}` });
        }
      }
      if (valid.length === 0) continue;
      total++;
      tasks.push(
        run(async () => {
          const ctx = { client, namespace: app.namespace, pod: app.pod, container: app.container, signal: overall };
          // One exec per pod for all its targets when it has a shell (see PROBE_KIT).
          const results = await probeAll(ctx, valid.map((p) => (p.parsed.ok ? p.parsed.target : { host: '', port: 0 })));
          for (const [k, p] of valid.entries()) {
            if (!p.parsed.ok) continue;
            const r = results[k];
            snap.probes.push({
              from,
              target: { kind: p.kind, host: p.parsed.target.host, port: p.parsed.target.port, ...(p.ref ? { ref: p.ref } : {}), ...(p.endpoint !== undefined ? { endpoint: p.endpoint } : {}), ...(p.signal ? { signal: p.signal } : {}) },
              ...(r.tool ? { method: METHOD[r.tool] } : {}),
              result: r.outcome,
              reason: r.detail,
              ...(r.argv ? { argv: r.argv } : {}),
              durationMs: r.durationMs,
            });
          }
          probed++;
          done++;
          tick(`Probing ${podsToProbe} app pods ${probed}/${podsToProbe}`);
        }),
      );
    }
  } else if (!exec) {
    snap.incomplete.push({ check: 'probes', reason: '--no-exec: connectivity was not probed and listen sockets were not read', remedy: 'run without --no-exec' });
  }

  await Promise.all(tasks);
  // A probe that could not run is missing evidence, not a result: one check-incomplete entry per pod says
  // so. Not for malformed endpoints (their own rule; never probed by design), nor for a container that is
  // not running (crash-looping, completed): there is nothing to probe from, and its state is reported.
  const notProbed = new Set<string>();
  for (const p of snap.probes) {
    if (p.result !== 'not-run' || /^malformed endpoint|^invalid host or port/.test(p.reason ?? '')) continue;
    if (/container not found|cannot exec into a container in a completed pod|does not have a host assigned/.test(p.reason ?? '')) continue;
    const key = `${p.from.namespace}/${p.from.pod}/${p.from.container}`;
    if (notProbed.has(key)) continue;
    notProbed.add(key);
    const toolGap = /no probe tool|no tool could probe|not in the container/.test(p.reason ?? '');
    snap.incomplete.push({
      check: toolGap ? 'probes' : 'exec',
      subject: { kind: 'Pod', namespace: p.from.namespace, name: p.from.pod, container: p.from.container },
      reason: `connectivity from ${key} was not probed: ${p.reason ?? 'exec failed'}`,
      remedy: toolGap
        ? 'the container has no shell or network tool to probe with; probe from a pod that has one (e.g. kubectl debug) if this evidence matters'
        : 'exec into this pod failed; retry, and check the API server and kubelet if it persists',
    });
  }
  if (overall?.aborted) {
    snap.incomplete.push({ check: 'timeout', reason: `the diagnosis hit --timeout (${opts.timeoutMs} ms): some probes or logs are missing`, remedy: 'raise --timeout or lower the scope (-n, -l, --collector)' });
  }
  // Stable order: the same cluster gives the same snapshot, whatever finished first.
  snap.logs.sort((a, b) => `${a.namespace}/${a.pod}/${a.container}/${a.previous ? 1 : 0}`.localeCompare(`${b.namespace}/${b.pod}/${b.container}/${b.previous ? 1 : 0}`));
  snap.probes.sort((a, b) => `${a.from.namespace}/${a.from.pod}/${a.target.kind}/${a.target.host}:${a.target.port}`.localeCompare(`${b.from.namespace}/${b.from.pod}/${b.target.kind}/${b.target.host}:${b.target.port}`));
  return snap;
}

export { labelMatcher, SIDECAR_ANNOTATION };
