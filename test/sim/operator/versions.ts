// The OpenTelemetry Operator releases the simulator can play, and what changed between them where a
// client can see it. Every threshold was read from the operator's source at the named tags (local
// mirror open-telemetry/opentelemetry-operator; see test/sim/README.md, "Operator").

/** Operator release -> the collector release its versions.txt names (`opentelemetry-collector=`), v0.94.0 .. v0.158.0. */
const COLLECTOR_FOR: Record<string, string> = Object.fromEntries(
  ('0.94.0 0.94.0,0.95.0 0.95.0,0.96.0 0.96.0,0.97.0 0.97.0,0.97.1 0.97.0,0.98.0 0.98.0,0.99.0 0.99.0,0.100.0 0.100.0,' +
    '0.100.1 0.100.0,0.101.0 0.101.0,0.102.0 0.102.1,0.103.0 0.103.1,0.104.0 0.104.0,0.105.0 0.105.0,0.106.0 0.106.1,' +
    '0.107.0 0.107.0,0.108.0 0.108.0,0.109.0 0.109.0,0.110.0 0.110.0,0.111.0 0.111.0,0.112.0 0.112.0,0.113.0 0.113.0,' +
    '0.113.1 0.114.0,0.114.0 0.114.0,0.114.1 0.114.0,0.115.0 0.115.1,0.116.0 0.116.1,0.117.0 0.117.0,0.118.0 0.118.0,' +
    '0.119.0 0.119.0,0.120.0 0.120.0,0.121.0 0.121.0,0.122.0 0.122.1,0.123.0 0.123.1,0.124.0 0.124.1,0.125.0 0.125.0,' +
    '0.126.0 0.126.0,0.127.0 0.127.0,0.129.1 0.129.1,0.131.0 0.131.1,0.132.0 0.132.0,0.134.0 0.134.1,0.135.0 0.135.0,' +
    '0.136.0 0.136.0,0.137.0 0.137.0,0.138.0 0.138.0,0.139.0 0.139.0,0.140.0 0.140.0,0.141.0 0.141.0,0.142.0 0.142.0,' +
    '0.143.0 0.143.0,0.144.0 0.144.0,0.145.0 0.145.0,0.146.0 0.146.0,0.147.0 0.147.0,0.148.0 0.148.0,0.149.0 0.149.0,' +
    '0.150.0 0.150.1,0.151.0 0.151.0,0.152.0 0.152.1,0.153.0 0.153.0,0.154.0 0.154.0,0.155.0 0.155.0,0.156.0 0.156.0,' +
    '0.157.0 0.157.0,0.158.0 0.158.0').split(',').map((p) => p.split(' ') as [string, string]),
);

/** The current release: `operator=` in versions.txt at the mirror's HEAD. */
export const CURRENT_OPERATOR_VERSION = '0.158.0';
export const OPERATOR_VERSIONS = Object.keys(COLLECTOR_FOR);

export function isKnownOperatorVersion(v: string): boolean { return Object.hasOwn(COLLECTOR_FOR, v); }

/** The collector release the operator deploys when a CR names no image. */
export function collectorVersionFor(operator: string): string { return COLLECTOR_FOR[operator] ?? operator; }

export function operatorImage(v: string): string { return `ghcr.io/open-telemetry/opentelemetry-operator/opentelemetry-operator:${v}`; }
/** internal/config: `CollectorImage` default. */
export function defaultCollectorImage(v: string): string {
  return `ghcr.io/open-telemetry/opentelemetry-collector-releases/opentelemetry-collector:${collectorVersionFor(v)}`;
}

function parts(v: string): number[] { return v.split('.').map((n) => Number(n)); }
/** a >= b for x.y.z versions. */
export function atLeast(a: string, b: string): boolean {
  const x = parts(a);
  const y = parts(b);
  for (let i = 0; i < 3; i++) { if ((x[i] ?? 0) !== (y[i] ?? 0)) { return (x[i] ?? 0) > (y[i] ?? 0); } }
  return true;
}

/** What a given operator release does differently; each field names the first tag that does it. */
export interface OperatorBehaviour {
  version: string;
  /** v0.101.0: internal/naming ConfigMap(otelcol, configHash) = `<name>-collector-<sha256[:8]>`; before, `<name>-collector`. */
  versionedConfigMap: boolean;
  /** v0.110.0: the webhook's ApplyDefaults gives known receivers/extensions `0.0.0.0:<port>` (gate EnableConfigDefaulting, beta). */
  endpointDefaults: boolean;
  /**
   * Service telemetry default written into the CR: v0.111.0 `metrics.address: 0.0.0.0:8888`;
   * v0.122.0 a pull/prometheus reader (host, port); v0.152.0 plus `without_*: false`
   * (UseCollectorDefaultTelemetryShape alpha); v0.154.0 that gate is beta, so no `without_*` again.
   */
  telemetryDefault: 'none' | 'address' | 'reader' | 'reader-without-false';
  /** v0.140.0: GOMEMLIMIT and GOMAXPROCS from the otc-container's limits (gate operator.golang.flags beta). */
  golangFlags: boolean;
  /**
   * v0.132.0: a sidecar is a native one (an init container with restartPolicy Always) on Kubernetes 1.29+,
   * which the simulated 1.32 cluster is (internal/autodetect NativeSidecarSupport; gate beta at v0.132).
   */
  nativeSidecar: boolean;
  /** v0.154.0: status.observedGeneration and the Ready condition (internal/status/collector/handle.go). */
  statusConditions: boolean;
  /** v0.115.0: extension ports (health_check, jaeger_query) open on the container and get a `-extension` Service. */
  extensionPorts: boolean;
  /** v0.122.0: the webhook defaults health_check's endpoint (0.0.0.0:13133) and path. */
  healthCheckDefaults: boolean;
  /**
   * v0.104.0..v0.109.x: the webhook adds `--feature-gates=-component.UseLocalHostAsDefaultHost` to every CR
   * (ComponentUseLocalHostAsDefaultHost), and in v0.104 `-confmap.unifyEnvVarExpansion` first when a
   * prometheus receiver is configured (TAUnifyEnvVarExpansion).
   */
  localhostGateArg: boolean;
  unifyEnvVarArg: boolean;
  /** v0.100.0: health_check gives a readiness probe too (container.go); before, a liveness probe only. */
  readinessProbe: boolean;
  /** v0.100.0: Services carry `operator.opentelemetry.io/collector-service-type`; v0.97.0 the monitoring label. */
  serviceTypeLabel: boolean;
  monitoringLabel: boolean;
  /** v0.156.0: `operator.opentelemetry.io/prometheus-annotations-added` beside the default prometheus.io/* pod annotations. */
  prometheusMarker: boolean;
  /** v0.137.0: health_check gives a startup probe too (extensions WithStartupGen). */
  startupProbe: boolean;
  /** v0.100.0: the manager's zap encoder uses keys `level` (upper case), `timestamp`, `message`; before, controller-runtime's `level`/`ts`/`msg`. */
  zapKeys: { level: string; time: string; message: string; upper: boolean };
}

export function behaviour(version: string): OperatorBehaviour {
  const at = (v: string) => atLeast(version, v);
  return {
    version,
    versionedConfigMap: at('0.101.0'),
    endpointDefaults: at('0.110.0'),
    telemetryDefault: at('0.154.0') ? 'reader' : at('0.152.0') ? 'reader-without-false' : at('0.122.0') ? 'reader' : at('0.111.0') ? 'address' : 'none',
    startupProbe: at('0.137.0'),
    readinessProbe: at('0.100.0'),
    serviceTypeLabel: at('0.100.0'),
    monitoringLabel: at('0.97.0'),
    prometheusMarker: at('0.156.0'),
    golangFlags: at('0.140.0'),
    nativeSidecar: at('0.132.0'),
    statusConditions: at('0.154.0'),
    extensionPorts: at('0.115.0'),
    healthCheckDefaults: at('0.122.0'),
    localhostGateArg: at('0.104.0') && !at('0.110.0'),
    unifyEnvVarArg: at('0.104.0') && !at('0.105.0'),
    zapKeys: at('0.100.0') ? { level: 'level', time: 'timestamp', message: 'message', upper: true } : { level: 'level', time: 'ts', message: 'msg', upper: false },
  };
}
