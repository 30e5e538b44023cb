/**
 * The Snapshot: everything a diagnosis learned, gathered once, as plain JSON-serialisable data.
 *
 * gather/ fills it (from a cluster), lint/ fills it (from manifests, for `lint`), tests write it as YAML.
 * Rules read it and nothing else. Contract: fields are ADDED (optional), never renamed, so a recorded
 * snapshot keeps working; a field nothing reads may be dropped (a snapshot that still carries it loads). Absent facts are `undefined`/empty and mean "not known", never "fine":
 * a rule that needs a fact that is absent skips instead of guessing.
 */
import type { ProbeMethod } from './gather/probe-tools.ts';

export const SNAPSHOT_VERSION = 'otel-doctor-snapshot/v1';

export type Mode = 'diagnose' | 'lint';

/** Where a fact came from: the manifest/config, the API (status, endpoints), an exec in a pod, a log line. */
export type EvidenceSource = 'config' | 'api' | 'exec' | 'log';

export interface Snapshot {
  /** SNAPSHOT_VERSION; optional so that hand-written fixtures can omit it */
  version?: string;
  meta: SnapshotMeta;
  permissions?: Permissions;
  collectors: CollectorPod[];
  services: ServiceInfo[];
  networkPolicies: NetworkPolicyInfo[];
  apps: AppContainer[];
  probes: ProbeRecord[];
  logs: LogEvidence[];
  instrumentations: InstrumentationInfo[];
  otelCollectorCRs: OtelCollectorCR[];
  notes: string[];
  incomplete: IncompleteCheck[];
  /** namespaces seen with their labels (NetworkPolicy namespaceSelector needs them) */
  namespaces?: { name: string; labels: Record<string, string> }[];
  /** `otel-doctor.io/ignore` annotations found on the objects read (src/suppress.ts applies them) */
  ignores?: IgnoreAnnotation[];
  /** the operator's `inject-<lang>` annotations, where each is written and what the operator makes of it (gather/injection.ts) */
  injectionRequests?: InjectionRequest[];
  /** what the evidence stands for where it was sampled: pods read by template, probes per path, collector pods */
  sampling?: SamplingSummary;
}

/** How much of the cluster each piece of evidence speaks for (gather/templates.ts, gather/plan.ts). */
export interface SamplingSummary {
  /** pods in scope, and their templates (one pod read per template); absent when every pod was read */
  pods?: number;
  templates?: number;
  /** templates whose pod was read from the API; the others' were made from their owner's template */
  podsRead?: number;
  /** app containers, the distinct paths among them, and the pods that probed */
  apps: number;
  probeGroups: number;
  probePods: number;
  /** per collector workload: its pods, how many were read and checked, and why */
  collectors?: { namespace: string; workload: string; pods: number; sampled: number; notReady: number; restarting: number; nodePools?: number }[];
}

/** An `instrumentation.opentelemetry.io/inject-<lang>` annotation of a workload (or bare pod). */
export interface InjectionRequest {
  workload: WorkloadRef;
  language: string;
  annotation: string;
  value: string;
  /**
   * `pod-template`: where the operator's pod webhook reads it; `workload-metadata`: on the workload's own
   * metadata only, which the webhook never sees (it is admitted pods, not Deployments)
   */
  placement: 'pod-template' | 'workload-metadata';
  /** Instrumentations (`namespace/name`) in the namespace the value selects from; undefined: not listed */
  available?: string[];
  /** the Instrumentation the operator selects, `namespace/name` */
  selected?: string;
  /** why it selects none: the operator's own error text (podmutator.go getInstrumentationInstance) */
  selectError?: string;
  /** diagnose: live pods carrying the annotation and a selectable Instrumentation, yet none of what the operator injects */
  uninjectedPods?: { name: string; created?: string }[];
  /** the selected Instrumentation's creationTimestamp, when known */
  instrumentationCreated?: string;
}

/** An object's `otel-doctor.io/ignore: "<rule-id>[,<rule-id>]: <reason>"`, parsed. */
export interface IgnoreAnnotation {
  kind: string;
  namespace?: string;
  name: string;
  rules: string[];
  reason: string;
  /** where the annotation was found when not on the object itself, e.g. `pod template` */
  via?: string;
}

export interface SnapshotMeta {
  /** ISO 8601 time the gathering started */
  time: string;
  mode: Mode;
  /** API server URL (diagnose) */
  server?: string;
  context?: string;
  /** namespaces where collectors were looked for */
  collectorNamespaces: string[];
  /** namespaces where apps were looked for; ['*'] for cluster-wide */
  appNamespaces: string[];
  /** false with --no-exec or in lint: no socket checks, no probes */
  exec: boolean;
  /** false in lint: no logs */
  logs?: boolean;
  /** lint: --collector-version, used when an image tag does not tell */
  assumedCollectorVersion?: string;
  /** the OpenTelemetry operator's version (null: unknown, its current release assumed) and how it was learnt */
  operator?: { version: string | null; source: string };
  pluginVersion?: string;
  /** lint: the files read */
  files?: string[];
}

/** What the user may do, from SelfSubjectAccessReviews. undefined = not asked (lint). */
export interface Permissions {
  /** one entry per review made */
  reviews: AccessReview[];
}

export interface AccessReview {
  verb: string; // list | get | create
  resource: string; // pods | pods/exec | pods/log | services | ...
  group?: string;
  /** undefined = cluster-wide */
  namespace?: string;
  allowed: boolean;
  reason?: string;
}

/** ---------------------------------------------------------------- collectors */

export type WorkloadKind = 'Deployment' | 'DaemonSet' | 'StatefulSet' | 'ReplicaSet' | 'Job' | 'Pod' | 'OpenTelemetryCollector' | 'Sidecar' | string;

export interface WorkloadRef {
  kind: WorkloadKind;
  name: string;
  namespace: string;
}

export interface ContainerStatusSummary {
  name: string;
  ready: boolean;
  restartCount: number;
  /** running | waiting | terminated */
  state: string;
  /** e.g. CrashLoopBackOff, Error, OOMKilled */
  reason?: string;
  message?: string;
  exitCode?: number;
  lastTerminationReason?: string;
  lastTerminationExitCode?: number;
}

export interface ContainerPortInfo {
  name?: string;
  containerPort: number;
  protocol?: string; // TCP default
  hostPort?: number;
}

export interface HttpProbeInfo {
  type: 'httpGet' | 'tcpSocket' | 'grpc' | 'exec';
  /** numeric or named port as written */
  port?: number | string;
  /** resolved numeric port when named */
  resolvedPort?: number;
  path?: string;
  /** httpGet.host: rarely set; kubelet dials the pod IP otherwise */
  host?: string;
}

export type ConfigSourceKind = 'configMap' | 'file' | 'env' | 'inline' | 'set' | 'cr' | 'helm-values' | 'yaml-uri' | 'http-uri' | 'unknown';

export interface ConfigSource {
  kind: ConfigSourceKind;
  /** the --config / --set argument exactly as written */
  arg?: string;
  /** configMap: name/key; env: variable; cr: CR name; file: path */
  configMap?: { namespace: string; name: string; key: string };
  env?: string;
  crName?: string;
  path?: string;
  /** the YAML text (when read); lets a recorded snapshot recompute the effective config */
  text?: string;
  /**
   * broken: the pod spec names a config the collector cannot read (a ConfigMap without the key, a
   * directory where a file is named): collector-config-invalid reports it
   */
  error?: string;
  /** exists but cannot be read from here (a file in the image, an emptyDir, an http URI): why */
  unknown?: string;
  /** lint: file + line of this source */
  location?: SourceLocation;
}

export interface SourceLocation {
  file: string;
  line?: number;
  column?: number;
}

export interface CollectorPod {
  /** pod identity; for lint, a workload without pods uses the workload name */
  namespace: string;
  pod: string;
  /** the collector container */
  container: string;
  /** other containers of the pod (same network namespace) */
  siblingContainers?: string[];
  node?: string;
  podIP?: string;
  /** status.podIPs: every family's address, the primary (podIP) first; two on a dual-stack cluster */
  podIPs?: string[];
  hostIP?: string;
  owner?: WorkloadRef;
  image: string;
  /**
   * The upstream collector version it is built on: the tag of an upstream image, the pinned core of a
   * vendor release (src/otel/distributions.ts); null when not knowable (versionReason says why)
   */
  version: string | null;
  /** why version is null, or how it was derived from the image */
  versionReason?: string;
  /** the distribution id from src/otel/distributions.ts (`otelcol-contrib`, `splunk`, ...), when known */
  distribution?: string;
  labels: Record<string, string>;
  annotations?: Record<string, string>;
  /** set when the OpenTelemetry operator manages it */
  managedBy?: { operator: 'opentelemetry-operator' | string; version?: string | null; crName?: string; mode?: string };
  /** injected as a sidecar into an app pod */
  sidecar?: boolean;
  phase?: string;
  ready: boolean | null;
  restarts: number;
  containerStatuses?: ContainerStatusSummary[];
  /** the --config/--set arguments and what they referred to, in order */
  configSources: ConfigSource[];
  /** full container args/command, for evidence */
  args?: string[];
  command?: string[];
  /** the container env as resolved (name -> value); secrets and unresolved absent */
  env?: Record<string, string>;
  /** env vars set from a fieldRef: name -> fieldPath (`MY_POD_IP` -> `status.podIP`); lint knows these but not the value */
  envFieldRefs?: Record<string, string>;
  /**
   * The effective collector config: sources merged in order, --set applied. May contain unresolved
   * `${env:X}` if gather did not expand; otel/config.ts expands with `env` on read.
   */
  effectiveConfig?: Record<string, unknown> | null;
  /** merging/parsing failed: the error text (collector-config-invalid) */
  configError?: string;
  readinessProbe?: HttpProbeInfo;
  livenessProbe?: HttpProbeInfo;
  startupProbe?: HttpProbeInfo;
  containerPorts: ContainerPortInfo[];
  hostNetwork?: boolean;
  listeners?: ListenerEvidence;
  /** diagnose: the collector's own Prometheus metrics, read through the API server's pod proxy (gather/metrics.ts) */
  metrics?: CollectorMetrics;
  /** lint: where this workload is declared */
  location?: SourceLocation;
}

export type ListenerMethod = 'ss' | 'netstat' | 'proc-net-tcp' | 'log' | 'none';

export interface ListenerEvidence {
  method: ListenerMethod;
  /** the container the command ran in */
  container?: string;
  /** argv executed */
  command?: string[];
  exitCode?: number | null;
  /** the lines that matter (trimmed) */
  raw?: string;
  sockets: ListenSocket[];
  /** method 'none' (or partial): why */
  reason?: string;
  /** log method: the log says configured (< 0.133) or bound (>= 0.133) address */
  logAddressKind?: 'configured' | 'bound';
}

export interface ListenSocket {
  /** '0.0.0.0', '::', '127.0.0.1', '10.244.1.5', '*' (netstat/ss wildcard) */
  address: string;
  port: number;
  family?: 4 | 6;
  /** tcp6 `::` also accepts IPv4 (dual stack) */
  dualStack?: boolean;
  /** log method: 'grpc' | 'http' server line */
  server?: string;
}

/**
 * Why the collector's own metrics were not read. `loopback`: the telemetry endpoint listens on localhost only
 * (the default from 0.111), which the API server's pod proxy cannot reach; `other-address`: an address that is
 * neither the pod IP nor every interface; `disabled`: `level: none` or no pull reader; `no-config`: the effective config is unknown; `not-running`: no pod IP or the pod is not Running;
 * `rbac-denied`: no get on pods/proxy; `request-failed`: the proxy or the endpoint answered with an error.
 */
export type MetricsNotRunReason = 'loopback' | 'other-address' | 'disabled' | 'no-config' | 'not-running' | 'rbac-denied' | 'request-failed';

export interface MetricSample {
  /** as served, e.g. `otelcol_exporter_send_failed_spans_total` (the `_total` suffix depends on the version) */
  name: string;
  labels: Record<string, string>;
  value: number;
}

export interface CollectorMetrics {
  /** the Prometheus endpoint as the collector binds it (`host:port`, env expanded) */
  endpoint?: string;
  /** which setting gave it: `service.telemetry.metrics.readers[0]`, `service.telemetry.metrics.address`, the version's default */
  from?: string;
  port?: number;
  /** the API server path read, `/api/v1/namespaces/<ns>/pods/<pod>:<port>/proxy/metrics` */
  path?: string;
  notRun?: { reason: MetricsNotRunReason; detail?: string };
  /** the exporter, receiver and refusal series only (otelcol_exporter_*, otelcol_receiver_*, otelcol_processor_*refused*) */
  samples?: MetricSample[];
}

/** ---------------------------------------------------------------- services */

export interface ServicePortInfo {
  name?: string;
  port: number;
  /** number or named port, as written; undefined means same as port */
  targetPort?: number | string;
  protocol?: string;
  nodePort?: number;
  appProtocol?: string;
}

export interface EndpointAddress {
  ip: string;
  ready: boolean;
  pod?: string;
  node?: string;
}

export interface ServiceInfo {
  namespace: string;
  name: string;
  type: string; // ClusterIP | NodePort | LoadBalancer | ExternalName
  clusterIP?: string | null; // 'None' for headless
  /** spec.clusterIPs: one per family, the primary first (dual-stack Services have two) */
  clusterIPs?: string[];
  /** spec.ipFamilies as written or defaulted by the API server (`IPv4`, `IPv6`), the primary first */
  ipFamilies?: string[];
  /** spec.ipFamilyPolicy: SingleStack | PreferDualStack | RequireDualStack */
  ipFamilyPolicy?: string;
  ports: ServicePortInfo[];
  selector?: Record<string, string> | null;
  internalTrafficPolicy?: 'Cluster' | 'Local' | string;
  externalName?: string;
  /** collector pods ("namespace/pod") the selector matches */
  matchedCollectorPods: string[];
  /** lint only: how many pods (pod templates) of the linted files the selector matches, collectors or not */
  matchedPodsInFiles?: number;
  /** from Endpoints/EndpointSlices; undefined when not listed */
  endpoints?: { ready: EndpointAddress[]; notReady: EndpointAddress[]; ports?: { name?: string; port: number }[] };
  labels?: Record<string, string>;
  location?: SourceLocation;
}

/** ---------------------------------------------------------------- network policies */

export interface NetworkPolicyPeer {
  podSelector?: LabelSelector | null;
  namespaceSelector?: LabelSelector | null;
  ipBlock?: { cidr: string; except?: string[] };
}

export interface LabelSelector {
  matchLabels?: Record<string, string>;
  matchExpressions?: { key: string; operator: string; values?: string[] }[];
}

export interface NetworkPolicyInfo {
  namespace: string;
  name: string;
  podSelector: LabelSelector;
  policyTypes: string[];
  /** undefined: no ingress section; [] : deny all ingress */
  ingress?: { from?: NetworkPolicyPeer[]; ports?: { port?: number | string; protocol?: string; endPort?: number }[] }[];
  /** undefined: no egress section; [] : deny all egress (when policyTypes holds Egress) */
  egress?: { to?: NetworkPolicyPeer[]; ports?: { port?: number | string; protocol?: string; endPort?: number }[] }[];
  /** namespace labels of every namespace known, so namespaceSelector can be evaluated */
  location?: SourceLocation;
}

/** ---------------------------------------------------------------- apps */

export type Signal = 'traces' | 'metrics' | 'logs';

export type OtlpProtocol = 'grpc' | 'http/protobuf' | 'http/json';

export type ValueOrigin = 'value' | 'configMap' | 'envFrom' | 'var-ref' | 'instrumentation' | 'fieldRef' | 'secret' | 'default' | 'unresolved';

export interface SettingValue {
  /** the value after $(VAR) expansion; undefined when not knowable (secret) */
  value?: string;
  /** the env var that carried it, e.g. OTEL_EXPORTER_OTLP_TRACES_ENDPOINT */
  env: string;
  origin: ValueOrigin;
  /** human text: `ConfigMap apps/otel key endpoint`, `Instrumentation apps/default` */
  from?: string;
  /** before $(VAR) expansion when it differed */
  raw?: string;
}

export interface AppExporterSettings {
  /** OTEL_EXPORTER_OTLP_ENDPOINT */
  endpoint?: SettingValue;
  protocol?: SettingValue;
  insecure?: SettingValue;
  /** per-signal overrides */
  signals?: Partial<Record<Signal, { endpoint?: SettingValue; protocol?: SettingValue; insecure?: SettingValue }>>;
  /** OTEL_TRACES_EXPORTER etc. ('none' disables OTLP for that signal) */
  exporters?: Partial<Record<Signal, string>>;
  /** OTEL_SDK_DISABLED=true */
  sdkDisabled?: boolean;
  /** certificate env set (OTEL_EXPORTER_OTLP_CERTIFICATE) */
  certificate?: SettingValue;
}

export type SdkLanguage = 'java' | 'python' | 'node' | 'dotnet' | 'go' | 'php' | 'ruby' | 'rust' | 'cpp' | 'erlang' | 'unknown';

export interface SdkGuess {
  language: SdkLanguage;
  /** java: 'agent' (javaagent 2.x) vs 'sdk'; dotnet: 'auto' vs 'sdk' */
  flavour?: 'agent' | 'sdk' | 'auto' | 'unknown';
  /** e.g. agent major version when known */
  version?: string;
  /** what the guess was made from: annotation, image, env JAVA_TOOL_OPTIONS, sim annotation */
  from: string;
  /** the injected agent's default protocol when its image decides it (Java, Node.js: operator-data.ts agentProtocol) */
  defaultProtocol?: { protocol: OtlpProtocol; why: string };
}

export interface AppContainer {
  namespace: string;
  pod: string;
  container: string;
  workload?: WorkloadRef;
  node?: string;
  podIP?: string;
  /** status.podIPs: every family's address, the primary (podIP) first */
  podIPs?: string[];
  /** the node's IP (apps that export to a DaemonSet collector via `$(HOST_IP)`) */
  hostIP?: string;
  hostNetwork?: boolean;
  image?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  exporter: AppExporterSettings;
  sdk?: SdkGuess;
  /** a collector container in the same pod (operator sidecar or hand-written) */
  sidecarCollector?: { container: string; image?: string };
  /**
   * Env outside OTEL_EXPORTER_OTLP_* that names a host (OTEL_COLLECTOR_HOST, TRACELOOP_BASE_URL, ...): apps
   * whose own code or config template builds the exporter target from it, as several demo services do.
   */
  hostEnv?: { env: string; value: string; host: string }[];
  /** injected by the operator: the Instrumentation CR that supplies env */
  instrumentation?: { namespace: string; name: string; language?: string };
  ready?: boolean;
  /**
   * The pod whose probes speak for this container: another app of the same path (namespace, endpoints,
   * protocol, the labels NetworkPolicies select on) probed for both. Absent: its own probes, or none.
   */
  probedBy?: { namespace: string; pod: string; container: string };
  /** pods of this container's template when the cluster was read by template (gather/templates.ts) */
  templatePods?: number;
  location?: SourceLocation;
}

/** ---------------------------------------------------------------- probes */

export type ProbeTargetKind = 'app-endpoint' | 'service' | 'pod-ip';
export type ProbeResultKind = 'connected' | 'refused' | 'timeout' | 'dns-failure' | 'unreachable' | 'not-run';
/** the tool that decided, as labelled in gather/probe-tools.ts */
export type { ProbeMethod };

/**
 * Why a probe did not run, for code (gather's incomplete entries read this, never the text in `reason`).
 * `malformed-endpoint`: never probed by design (app-endpoint-malformed reports it); `invalid-target`: failed
 * validation at probe time; `no-answer`: tools ran but none could tell; `container-not-running`: crash-
 * looping, completed or unscheduled, nothing to probe from.
 */
export type ProbeNotRunReason = 'malformed-endpoint' | 'invalid-target' | 'no-tool' | 'no-answer' | 'rbac-denied' | 'container-not-running' | 'exec-failed';

export interface ProbeNotRun {
  reason: ProbeNotRunReason;
  /** the underlying text: the endpoint's parse error, the API server's message */
  detail?: string;
}

export interface ProbeRecord {
  /** from: the app pod/container the probe ran in */
  from: { namespace: string; pod: string; container: string; workload?: WorkloadRef };
  target: {
    kind: ProbeTargetKind;
    host: string;
    port: number;
    /** service: namespace/name; pod-ip: namespace/pod of the collector */
    ref?: string;
    /** the app endpoint value it was derived from */
    endpoint?: string;
    signal?: Signal;
  };
  method?: ProbeMethod;
  result: ProbeResultKind;
  /** not-run: why; otherwise the deciding output */
  reason?: string;
  /** not-run: why, for code */
  notRun?: ProbeNotRun;
  raw?: string;
  argv?: string[];
  durationMs?: number;
  /** app-endpoint probes: what the receiver answered when spoken to in the app's own protocol */
  otlp?: OtlpProbeRecord;
  /** the apps on the same path this probe speaks for (itself included): containers, their pods, workloads */
  standsFor?: { apps: number; pods: number; workloads: number; namespaces?: number };
}

/**
 * The OTLP-level probe's reading (gather/otlp-probe.ts). `wrong-protocol`: the other OTLP transport (or
 * something else) answered, `answeredBy` says which; `wrong-path`: 404; `rejected`: another HTTP error
 * (415 content type, 405 method); `tls-expected` / `plaintext-expected`: the two sides disagree on TLS;
 * `tls-ok`: a TLS server answered the ClientHello (the OTLP layer behind it unproven); `no-answer`:
 * connected, nothing recognisable came back; `not-run`: no tool could speak it (`fallback` says why; the
 * record's TCP connect result stands).
 */
export type OtlpProbeResultKind =
  | 'otlp-http-ok' | 'grpc-ok' | 'tls-ok' | 'wrong-protocol' | 'wrong-path' | 'rejected' | 'tls-expected' | 'plaintext-expected' | 'no-answer'
  | 'refused' | 'timeout' | 'dns-failure' | 'not-run';

export interface OtlpProbeRecord {
  /** what was sent: an empty POST, the HTTP/2 preface with SETTINGS, a TLS ClientHello */
  sent: 'http-post' | 'h2-preface' | 'tls-client-hello';
  path?: string;
  contentType?: string;
  result: OtlpProbeResultKind;
  answeredBy?: 'otlp-http' | 'http/1.1' | 'http/2' | 'tls' | 'none';
  status?: number;
  detail: string;
  /** the speaker that ran (bash, python3) */
  tool?: string;
  argv?: string[];
  /** not-run: why the probe stayed a TCP connect */
  fallback?: string;
}

/** ---------------------------------------------------------------- logs */

export type LogKind = 'refused' | 'timeout' | 'dns' | 'tls' | 'protocol' | 'unavailable' | 'http-status' | 'ready' | 'startup' | 'bind' | 'config' | 'unset-env' | 'crash' | 'other'
  /** the collector's way out (docs/reference/collector-exporter-logs.md): an exporter's failed send, its full queue, the memory limiter */
  | 'export-failed' | 'queue-full' | 'memory-limit'
  /** an app told by the collector's receiver to back off (its memory limiter refused the data) */
  | 'backpressure';

export interface LogMatch {
  signature: string;
  kind: LogKind;
  line: string;
  /** parsed fields: endpoint, address, component id, ... */
  fields?: Record<string, string>;
}

export interface LogEvidence {
  namespace: string;
  pod: string;
  container: string;
  /** 'collector' | 'app' | 'operator' (the OpenTelemetry operator's manager: its pod webhook's refusals) */
  role: 'collector' | 'app' | 'operator';
  /** previous container instance (crash) */
  previous?: boolean;
  matches: LogMatch[];
  /** last lines, raw (bounded), when a rule wants to quote a crash */
  tail?: string[];
  /** could not read: why */
  error?: string;
}

/** ---------------------------------------------------------------- CRs */

export interface InstrumentationInfo {
  namespace: string;
  name: string;
  exporterEndpoint?: string;
  /** per-language env overrides, e.g. { java: {OTEL_EXPORTER_OTLP_PROTOCOL: ...} } */
  env?: Record<string, string>;
  languageEnv?: Record<string, Record<string, string>>;
  location?: SourceLocation;
}

export interface OtelCollectorCR {
  namespace: string;
  name: string;
  apiVersion: string;
  mode?: string; // deployment | daemonset | statefulset | sidecar
  image?: string;
  /** the config as an object (v1alpha1 string parsed) */
  config?: Record<string, unknown> | null;
  configError?: string;
  location?: SourceLocation;
}

/** ---------------------------------------------------------------- meta */

export interface IncompleteCheck {
  /** which check: 'listen-sockets', 'probes', 'logs', 'list-apps', ... */
  check: string;
  subject?: { kind: string; namespace?: string; name: string; container?: string };
  reason: string;
  /** the permission or flag that would let it run, e.g. an RBAC rule in YAML, or `drop --no-exec` */
  remedy?: string;
  /** the RBAC rule to add, as text */
  rbac?: string;
}

/** An empty snapshot to start from (gather, lint and tests). */
export function emptySnapshot(meta: Partial<SnapshotMeta> = {}): Snapshot {
  return {
    version: SNAPSHOT_VERSION,
    meta: { time: new Date(0).toISOString(), mode: 'diagnose', collectorNamespaces: [], appNamespaces: [], exec: true, ...meta },
    collectors: [],
    services: [],
    networkPolicies: [],
    apps: [],
    probes: [],
    logs: [],
    instrumentations: [],
    otelCollectorCRs: [],
    notes: [],
    incomplete: [],
  };
}

/** Fill absent arrays, so a hand-written or older snapshot can be judged. */
export function normalizeSnapshot(s: Partial<Snapshot> & { meta?: Partial<SnapshotMeta> }): Snapshot {
  const base = emptySnapshot(s.meta ?? {});
  return {
    ...base,
    ...s,
    meta: base.meta,
    collectors: (s.collectors ?? []).map((c) => ({
      ...c,
      labels: c.labels ?? {},
      containerPorts: c.containerPorts ?? [],
      configSources: c.configSources ?? [],
      restarts: c.restarts ?? 0,
      ready: c.ready ?? null,
      version: c.version ?? null,
    })),
    services: (s.services ?? []).map((v) => ({ ...v, ports: v.ports ?? [], matchedCollectorPods: v.matchedCollectorPods ?? [], type: v.type ?? 'ClusterIP' })),
    networkPolicies: s.networkPolicies ?? [],
    apps: (s.apps ?? []).map((a) => ({ ...a, exporter: a.exporter ?? {} })),
    probes: s.probes ?? [],
    logs: s.logs ?? [],
    instrumentations: s.instrumentations ?? [],
    otelCollectorCRs: s.otelCollectorCRs ?? [],
    notes: s.notes ?? [],
    incomplete: s.incomplete ?? [],
  };
}
