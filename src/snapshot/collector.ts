/** A collector pod: its effective config and where it came from, what it listens on, its own metrics. */
import type { ContainerPortInfo, ContainerStatusSummary, HttpProbeInfo, SourceLocation, WorkloadRef } from './pod.ts';

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
