/**
 * Pure builders: the Snapshot's collector, app, Service, NetworkPolicy and CR models from API objects (a
 * Discovery). No client and no I/O, so `lint` builds its snapshot from files through the same code.
 */
import type { KObject } from '../cluster/types.ts';
import { agentProtocol, operatorForCollector } from '../otel/operator-data.ts';
import { collectorVersionOf } from '../otel/version.ts';
import type {
  AppContainer,
  AppExporterSettings,
  CollectorPod,
  ContainerStatusSummary,
  EndpointAddress,
  HttpProbeInfo,
  InstrumentationInfo,
  NetworkPolicyInfo,
  OtelCollectorCR,
  SdkGuess,
  ServiceInfo,
  SettingValue,
  Signal,
  ValueOrigin,
  WorkloadRef,
} from '../snapshot.ts';
import { collectorConfig } from './config.ts';
import { SIDECAR_ANNOTATION, nativeSidecars, type DiscoveredApp, type DiscoveredCollector, type Discovery } from './discover.ts';
import { envMap, type EnvVar } from './env.ts';
import { primaryInjection } from './instrumentation.ts';
import { parse as parseYaml } from 'yaml';

const OTLP = 'OTEL_EXPORTER_OTLP_';
export const SIGNALS: Signal[] = ['traces', 'metrics', 'logs'];

function workloadRef(w: { kind: string; namespace: string; name: string }): WorkloadRef {
  return { kind: w.kind, namespace: w.namespace, name: w.name };
}

function containerStatuses(pod: KObject): ContainerStatusSummary[] {
  // Native sidecars (restartable init containers, the operator's otc-container from 0.132) report among
  // initContainerStatuses, yet run for the pod's life like its containers.
  const native = new Set(nativeSidecars(pod).map((c: any) => c.name));
  const inits: any[] = Array.isArray(pod.status?.initContainerStatuses) ? pod.status.initContainerStatuses.filter((s: any) => native.has(s?.name)) : [];
  const list: any[] = [...(Array.isArray(pod.status?.containerStatuses) ? pod.status.containerStatuses : []), ...inits];
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
  if (!p || typeof p !== 'object') { return undefined; }
  const named = (port: unknown): number | undefined => {
    if (typeof port === 'number') { return port; }
    const cp = (container?.ports ?? []).find((x: any) => x?.name === port);
    return typeof cp?.containerPort === 'number' ? cp.containerPort : undefined;
  };
  if (p.httpGet) { return { type: 'httpGet', port: p.httpGet.port, resolvedPort: named(p.httpGet.port), path: p.httpGet.path, ...(p.httpGet.host ? { host: p.httpGet.host } : {}) }; }
  if (p.tcpSocket) { return { type: 'tcpSocket', port: p.tcpSocket.port, resolvedPort: named(p.tcpSocket.port) }; }
  if (p.grpc) { return { type: 'grpc', port: p.grpc.port, resolvedPort: p.grpc.port }; }
  if (p.exec) { return { type: 'exec' }; }
  return undefined;
}

/** status.podIPs (`[{ip}]`, the primary first): recorded only when it says more than podIP (a second family). */
function podIPsOf(pod: KObject): { podIPs?: string[] } {
  const ips = (Array.isArray(pod.status?.podIPs) ? pod.status.podIPs : []).map((x: any) => x?.ip).filter((ip: unknown): ip is string => typeof ip === 'string' && ip !== '');
  return ips.length > 1 || (ips.length === 1 && ips[0] !== pod.status?.podIP) ? { podIPs: ips } : {};
}

function envFieldRefs(container: any): Record<string, string> {
  const out: Record<string, string> = {};
  for (const e of Array.isArray(container?.env) ? container.env : []) {
    if (typeof e?.name === 'string' && e.valueFrom?.fieldRef?.fieldPath) { out[e.name] = String(e.valueFrom.fieldRef.fieldPath); }
  }
  return out;
}

/**
 * The operator labels pods with the collector's version, not its own. Its own comes from --operator-version
 * or its Deployment's image (disc.operator); else a CR's status.version, which the operator sets to the
 * collector release it ships (internal/status/collector/collector.go, pkg/collector/upgrade/upgrade.go),
 * names the earliest release shipping that collector: the running operator is that one or a later patch.
 * Unknown stays null: operator-data then assumes the current release.
 */
function operatorVersion(cr: KObject | undefined, disc: Discovery): string | null {
  if (disc.operator?.version) { return disc.operator.version; }
  const status = cr?.status?.version;
  return typeof status === 'string' ? (operatorForCollector(status) ?? null) : null;
}

/**
 * ConfigMaps the diagnosis could not list (RBAC, a failed call) are not missing: a source that names one is
 * unknown, not broken, and collector-config-invalid must not call a config it never saw invalid.
 */
function unlistedConfigMapsUnknown(cfg: ReturnType<typeof collectorConfig>, ns: string, disc: Discovery): ReturnType<typeof collectorConfig> {
  if (!disc.listFailures.some((f) => f.resource === 'configmaps' && (f.namespace === undefined || f.namespace === ns))) { return cfg; }
  let changed = false;
  const sources = cfg.sources.map((src) => {
    if (!src.configMap || src.text !== undefined || !src.error || disc.configMaps.has(`${src.configMap.namespace}/${src.configMap.name}`)) { return src; }
    changed = true;
    const { error: _e, ...rest } = src;
    return { ...rest, unknown: `ConfigMap ${src.configMap.namespace}/${src.configMap.name} could not be listed` };
  });
  return changed ? { ...cfg, sources, effectiveConfig: null } : cfg;
}

export function buildCollector(d: DiscoveredCollector, disc: Discovery): CollectorPod {
  const pod = d.pod;
  const env = envMap(d.env);
  const cfg = unlistedConfigMapsUnknown(collectorConfig(pod, d.container, env, disc.configMaps), pod.metadata.namespace ?? 'default', disc);
  const statuses = containerStatuses(pod);
  const mine = statuses.find((s) => s.name === d.container?.name);
  const labels = pod.metadata.labels ?? {};
  // A sidecar is the operator's only when it injected it (its container name, or the pod asked for it);
  // a hand-written collector container gets neither the operator's endpoint defaults nor a CR to edit.
  const injected = d.sidecar && (d.container?.name === 'otc-container' || pod.metadata.annotations?.[SIDECAR_ANNOTATION] !== undefined);
  const operatorManaged = labels['app.kubernetes.io/managed-by'] === 'opentelemetry-operator' || injected;
  const image = d.image;
  const version = collectorVersionOf(image);
  return {
    namespace: pod.metadata.namespace ?? 'default',
    pod: pod.metadata.name,
    container: String(d.container?.name ?? ''),
    siblingContainers: d.siblings,
    node: pod.spec?.nodeName,
    podIP: pod.status?.podIP,
    ...podIPsOf(pod),
    hostIP: pod.status?.hostIP,
    owner: d.sidecar ? { kind: 'Sidecar', namespace: d.workload.namespace, name: d.workload.name } : workloadRef(d.workload),
    image,
    version: version.version,
    ...(version.reason ? { versionReason: version.reason } : {}),
    ...(version.distribution ? { distribution: version.distribution } : {}),
    labels,
    annotations: pod.metadata.annotations,
    ...(operatorManaged
      ? { managedBy: { operator: 'opentelemetry-operator', version: operatorVersion(d.cr, disc), crName: d.cr?.metadata.name, mode: d.sidecar ? 'sidecar' : d.cr?.spec?.mode } }
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
  if (!v) { return undefined; }
  const origin: ValueOrigin = v.raw !== undefined && v.source === 'value' ? 'var-ref' : ORIGIN[v.source];
  return { env: v.name, origin, ...(v.value !== undefined ? { value: v.value } : {}), ...(v.from ? { from: v.from } : {}), ...(v.raw !== undefined ? { raw: v.raw } : {}) };
}

/**
 * The exporter's settings from the env it reads. For an instrumented container that env is already the
 * operator's result (gather/instrumentation.ts: its additions never override what the container sets).
 */
function exporterSettings(vars: EnvVar[]): AppExporterSettings {
  const byName = new Map<string, { v: EnvVar }>(vars.map((v) => [v.name, { v }]));
  const get = (n: string): SettingValue | undefined => {
    const e = byName.get(n);
    if (!e) { return undefined; }
    const s = setting(e.v)!;
    return e.v.injectedBy ? { ...s, origin: 'instrumentation', from: e.v.injectedBy } : s;
  };
  const out: AppExporterSettings = {};
  const endpoint = get(`${OTLP}ENDPOINT`);
  const protocol = get(`${OTLP}PROTOCOL`);
  const insecure = get(`${OTLP}INSECURE`);
  const certificate = get(`${OTLP}CERTIFICATE`);
  if (endpoint) { out.endpoint = endpoint; }
  if (protocol) { out.protocol = protocol; }
  if (insecure) { out.insecure = insecure; }
  if (certificate) { out.certificate = certificate; }
  for (const s of SIGNALS) {
    const S = s.toUpperCase();
    const sig = { endpoint: get(`${OTLP}${S}_ENDPOINT`), protocol: get(`${OTLP}${S}_PROTOCOL`), insecure: get(`${OTLP}${S}_INSECURE`) };
    const clean = Object.fromEntries(Object.entries(sig).filter(([, v]) => v !== undefined));
    if (Object.keys(clean).length) { (out.signals ??= {})[s] = clean; }
    const exp = byName.get(`OTEL_${S}_EXPORTER`)?.v.value;
    if (exp !== undefined) { (out.exporters ??= {})[s] = exp; }
  }
  if (byName.get('OTEL_SDK_DISABLED')?.v.value?.toLowerCase() === 'true') { out.sdkDisabled = true; }
  return out;
}

/** The SDK from what the pod shows: inject annotation, the simulator's sdk annotation, image, env. */
function guessSdk(app: DiscoveredApp, operator: string | null): SdkGuess | undefined {
  const ann = app.pod.metadata.annotations ?? {};
  // `inject-sdk` injects env only: the SDK is whatever the image runs, guessed below.
  const primary = primaryInjection(app.inject);
  const inj = primary?.language;
  if (inj === 'java' || inj === 'nodejs') {
    // The agent's image decides its protocol: the Instrumentation's spec.<lang>.image, else the release's default.
    const image = primary?.instrumentation?.spec?.[inj]?.image;
    const p = agentProtocol(inj, operator, typeof image === 'string' ? image : undefined);
    const from = `annotation instrumentation.opentelemetry.io/inject-${inj}`;
    const protocol = { protocol: p.protocol, why: p.why };
    return inj === 'java'
      ? { language: 'java', flavour: 'agent', ...(p.imageVersion ? { version: p.imageVersion } : {}), from, defaultProtocol: protocol }
      : { language: 'node', flavour: 'auto', ...(p.imageVersion ? { version: p.imageVersion } : {}), from, defaultProtocol: protocol };
  }
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
    if (map[inj]) { return map[inj]; }
  }
  const sim = ann['sim.otel-doctor.io/sdk'];
  const env = new Map(app.env.map((e) => [e.name, e.value ?? '']));
  const javaAgent = /-javaagent:\S*opentelemetry/i.test(`${env.get('JAVA_TOOL_OPTIONS') ?? ''} ${env.get('JAVA_OPTS') ?? ''}`);
  const known = ['go', 'python', 'java', 'node', 'dotnet', 'php', 'ruby', 'rust', 'cpp', 'erlang'];
  if (sim && known.includes(sim)) {
    return { language: sim as SdkGuess['language'], flavour: sim === 'java' ? (javaAgent ? 'agent' : 'sdk') : 'sdk', from: 'annotation sim.otel-doctor.io/sdk' };
  }
  if (javaAgent) { return { language: 'java', flavour: 'agent', from: 'JAVA_TOOL_OPTIONS -javaagent' }; }
  if (env.has('CORECLR_ENABLE_PROFILING') && env.has('OTEL_DOTNET_AUTO_HOME')) { return { language: 'dotnet', flavour: 'auto', from: 'env OTEL_DOTNET_AUTO_HOME' }; }
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
  for (const [re, lang] of byImage) { if (re.test(image)) { return { language: lang, flavour: 'unknown', from: `image ${app.container?.image}` }; } }
  return undefined;
}

/** Names that, by convention, carry an exporter or collector address outside the SDK's own variables. */
const HOST_ENV_NAME = /OTEL|OTLP|COLLECTOR|TRAC|TELEMETRY|_URL$|_ENDPOINT$|_HOST$|_ADDR(ESS)?$/i;

function hostEnvOf(vars: EnvVar[]): { env: string; value: string; host: string }[] {
  const out: { env: string; value: string; host: string }[] = [];
  for (const v of vars) {
    if (v.name.startsWith(OTLP) || !HOST_ENV_NAME.test(v.name) || !v.value) { continue; }
    const value = v.value.trim();
    let host: string | undefined;
    const url = /^[a-z][a-z0-9+.-]*:\/\/([^/:?#\s]+|\[[^\]]+\])/i.exec(value);
    if (url) { host = url[1]; }
    else if (/^[a-z0-9]([a-z0-9.-]*[a-z0-9])?(:\d+)?$/i.test(value) && /[a-z]/i.test(value)) { host = value.replace(/:\d+$/, ''); }
    if (host) { out.push({ env: v.name, value, host: host.replace(/^\[|\]$/g, '') }); }
    if (out.length >= 20) { break; }
  }
  return out;
}

export function buildApp(a: DiscoveredApp, disc: Discovery): AppContainer {
  const inst = primaryInjection(a.inject);
  const sidecar = disc.collectors.find((c) => c.sidecar && c.pod === a.pod);
  const statuses = containerStatuses(a.pod);
  const sdk = guessSdk(a, disc.operator?.version ?? null);
  return {
    namespace: a.pod.metadata.namespace ?? 'default',
    pod: a.pod.metadata.name,
    container: String(a.container?.name ?? ''),
    workload: workloadRef(a.workload),
    node: a.pod.spec?.nodeName,
    podIP: a.pod.status?.podIP,
    ...podIPsOf(a.pod),
    image: a.container?.image,
    labels: a.pod.metadata.labels ?? {},
    annotations: a.pod.metadata.annotations,
    exporter: exporterSettings(a.exporterEnv ?? a.env),
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
    if (c.sidecar) { continue; }
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
      ...(Array.isArray(s.spec?.clusterIPs) && s.spec.clusterIPs.length ? { clusterIPs: s.spec.clusterIPs.map(String) } : {}),
      ...(Array.isArray(s.spec?.ipFamilies) && s.spec.ipFamilies.length ? { ipFamilies: s.spec.ipFamilies.map(String) } : {}),
      ...(typeof s.spec?.ipFamilyPolicy === 'string' ? { ipFamilyPolicy: s.spec.ipFamilyPolicy } : {}),
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

/** An endpoint's (or Endpoints address's) `hostname`: the label CoreDNS answers it by instead of its dashed IP. */
function hostnameOf(a: any): { hostname?: string } {
  return typeof a?.hostname === 'string' && a.hostname ? { hostname: a.hostname } : {};
}

function endpointsFor(disc: Discovery, ns: string, name: string): ServiceInfo['endpoints'] | undefined {
  // EndpointSlices are what kube-proxy uses; Endpoints is the fallback for clusters or RBAC without them.
  const slices = disc.endpointSlices.filter((e) => e.metadata.namespace === ns && e.metadata.labels?.['kubernetes.io/service-name'] === name);
  if (slices.length) {
    const ready: EndpointAddress[] = [];
    const notReady: typeof ready = [];
    let ports: { name?: string; port: number }[] | undefined;
    for (const sl of slices) {
      ports ??= (Array.isArray(sl.ports) ? (sl.ports as any[]) : []).map((p) => ({ ...(p.name ? { name: p.name } : {}), port: Number(p.port) }));
      for (const ep of Array.isArray(sl.endpoints) ? (sl.endpoints as any[]) : []) {
        const isReady = ep?.conditions?.ready !== false;
        for (const ip of ep?.addresses ?? []) {
          const a = { ip: String(ip), ready: isReady, ...(ep.targetRef?.name ? { pod: ep.targetRef.name } : {}), ...(ep.nodeName ? { node: ep.nodeName } : {}), ...hostnameOf(ep) };
          (isReady ? ready : notReady).push(a);
        }
      }
    }
    return { ready, notReady, ...(ports ? { ports } : {}) };
  }
  const eps = disc.endpoints.find((e) => e.metadata.namespace === ns && e.metadata.name === name);
  if (!eps) { return undefined; }
  const ready: EndpointAddress[] = [];
  const notReady: typeof ready = [];
  let ports: { name?: string; port: number }[] | undefined;
  for (const sub of Array.isArray(eps.subsets) ? (eps.subsets as any[]) : []) {
    ports ??= (sub.ports ?? []).map((p: any) => ({ ...(p.name ? { name: p.name } : {}), port: Number(p.port) }));
    for (const a of sub.addresses ?? []) { ready.push({ ip: a.ip, ready: true, ...(a.targetRef?.name ? { pod: a.targetRef.name } : {}), ...(a.nodeName ? { node: a.nodeName } : {}), ...hostnameOf(a) }); }
    for (const a of sub.notReadyAddresses ?? []) { notReady.push({ ip: a.ip, ready: false, ...(a.targetRef?.name ? { pod: a.targetRef.name } : {}), ...(a.nodeName ? { node: a.nodeName } : {}), ...hostnameOf(a) }); }
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
    ...(Array.isArray(p.spec?.egress) ? { egress: p.spec.egress } : {}),
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
    };
  });
  const insts = disc.instrumentations.map((i): InstrumentationInfo => {
    const env: Record<string, string> = {};
    for (const e of Array.isArray(i.spec?.env) ? i.spec.env : []) { if (typeof e?.name === 'string' && typeof e.value === 'string') { env[e.name] = e.value; } }
    const languageEnv: Record<string, Record<string, string>> = {};
    for (const lang of ['java', 'python', 'nodejs', 'dotnet', 'go', 'apacheHttpd', 'nginx']) {
      const list = i.spec?.[lang]?.env;
      if (!Array.isArray(list)) { continue; }
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
