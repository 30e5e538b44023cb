/**
 * The ports the operator opens for a collector config: its component port parsers
 * (internal/components/receivers/helpers.go, exporters/helpers.go, extensions/helpers.go, multi_endpoint.go,
 * single_endpoint.go, component.go ConstructServicePort @v0.158.0), over the components the pipelines and
 * service.extensions enable (otelconfig GetEnabledComponents). Port names as internal/naming PortName writes them.
 */
import { isObj } from './is-obj.ts';

export interface OperatorPort { name: string; port: number; protocol?: 'TCP' | 'UDP'; appProtocol?: string }

interface Proto { port: number; protocol?: 'TCP' | 'UDP'; appProtocol?: string }

const MULTI: Record<string, Record<string, Proto>> = {
  otlp: { grpc: { port: 4317, appProtocol: 'grpc' }, http: { port: 4318, appProtocol: 'http' } },
  skywalking: { grpc: { port: 11800, appProtocol: 'grpc' }, http: { port: 12800, appProtocol: 'http' } },
  jaeger: {
    grpc: { port: 14250, protocol: 'TCP', appProtocol: 'grpc' },
    thrift_http: { port: 14268, protocol: 'TCP', appProtocol: 'http' },
    thrift_compact: { port: 6831, protocol: 'UDP' },
    thrift_binary: { port: 6832, protocol: 'UDP' },
  },
  loki: { grpc: { port: 9095, appProtocol: 'grpc' }, http: { port: 3100, appProtocol: 'http' } },
};

/** Single-endpoint receivers; port 0: none by default, only the endpoint's. */
const SINGLE: Record<string, Proto> = {
  awsxray: { port: 2000, protocol: 'UDP' },
  carbon: { port: 2003 },
  collectd: { port: 8081 },
  fluent_forward: { port: 8006 },
  fluentforward: { port: 8006 },
  influxdb: { port: 8086 },
  sapm: { port: 7276 },
  signalfx: { port: 9943 },
  splunk_hec: { port: 8088 },
  statsd: { port: 8125, protocol: 'UDP' },
  tcp_log: { port: 0, protocol: 'TCP' },
  tcplog: { port: 0, protocol: 'TCP' },
  udp_log: { port: 0, protocol: 'UDP' },
  udplog: { port: 0, protocol: 'UDP' },
  wavefront: { port: 2003 },
  zipkin: { port: 9411, protocol: 'TCP', appProtocol: 'http' },
};

/** Receivers registered as scrapers or with their own parsers that open no port (NewScraperParser, k8s receivers, prometheus, filelog). */
const NO_PORTS = new Set([
  'kubelet_stats', 'kubeletstats', 'k8s_events', 'k8s_cluster', 'k8s_objects', 'k8sobjects', 'prometheus', 'ssh_check', 'sshcheck',
  'cloud_foundry', 'cloudfoundry', 'vcenter', 'oracledb', 'snmp', 'googlecloudpubsub', 'chrony', 'jmx', 'podman_stats', 'pulsar',
  'docker_stats', 'aerospike', 'zookeeper', 'prometheus_simple', 'saphana', 'riak', 'redis', 'rabbitmq', 'purefb', 'postgresql', 'nsxt',
  'nginx', 'mysql', 'memcached', 'http_check', 'httpcheck', 'haproxy', 'flink_metrics', 'flinkmetrics', 'couchdb', 'filelog',
]);

const typeOf = (id: string): string => id.split('/')[0];

/** naming.PortName: a name over 15 characters or not DNS-label-like becomes `port-<n>`. */
function portName(id: string, port: number): string {
  if (id.length > 15) { return `port-${port}`; }
  const c = id.replaceAll('/', '-').replaceAll('_', '-');
  return /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/.test(c) ? c : `port-${port}`;
}

/** components.PortFromEndpoint: the first `:<digits>`; 0 when none. */
function portFromEndpoint(endpoint: unknown): number {
  const m = typeof endpoint === 'string' ? /:\d+/.exec(endpoint) : null;
  return m ? Number(m[0].slice(1)) : 0;
}

/** SingleEndpointConfig.GetPortNum: `endpoint`, else `listen_address`. */
function endpointPort(cfg: unknown): number {
  if (!isObj(cfg)) { return 0; }
  return typeof cfg.endpoint === 'string' && cfg.endpoint ? portFromEndpoint(cfg.endpoint) : portFromEndpoint(cfg.listen_address);
}

export function enabledComponents(cfg: Record<string, any> | null): { receivers: Set<string>; exporters: Set<string>; extensions: Set<string> } {
  const out = { receivers: new Set<string>(), exporters: new Set<string>(), extensions: new Set<string>() };
  const service = isObj(cfg?.service) ? cfg!.service : {};
  for (const e of Array.isArray(service.extensions) ? service.extensions : []) { out.extensions.add(String(e)); }
  for (const p of Object.values<any>(isObj(service.pipelines) ? service.pipelines : {})) {
    if (!isObj(p)) { continue; }
    for (const r of Array.isArray(p.receivers) ? p.receivers : []) { out.receivers.add(String(r)); }
    for (const r of Array.isArray(p.exporters) ? p.exporters : []) { out.exporters.add(String(r)); }
  }
  return out;
}

function with_(p: OperatorPort, d: Proto): OperatorPort {
  return { ...p, ...(d.protocol ? { protocol: d.protocol } : {}), ...(d.appProtocol ? { appProtocol: d.appProtocol } : {}) };
}

function receiverPorts(id: string, cfg: unknown): OperatorPort[] {
  const t = typeOf(id);
  if (MULTI[t]) {
    const out: OperatorPort[] = [];
    for (const [proto, pc] of Object.entries<any>(isObj(cfg) && isObj(cfg.protocols) ? cfg.protocols : {})) {
      const d = MULTI[t][proto];
      // An unknown protocol fails the parse: the webhook rejects the CR (collector-config-invalid's business).
      if (!d) { continue; }
      const port = endpointPort(pc) || d.port;
      out.push(with_({ name: portName(`${id}-${proto}`, port), port }, d));
    }
    return out;
  }
  if (NO_PORTS.has(t)) { return []; }
  // Unknown receivers get the silent single-port parser: the endpoint's port, when it names one.
  const d = SINGLE[t] ?? { port: 0 };
  const port = endpointPort(cfg) || d.port;
  return port ? [with_({ name: portName(id, port), port }, d)] : [];
}

function extensionPorts(id: string, cfg: unknown): OperatorPort[] {
  const t = typeOf(id);
  if (t === 'health_check') {
    const port = endpointPort(cfg) || 13133;
    return [{ name: portName(id, port), port }];
  }
  if (t === 'jaeger_query') {
    const http = (isObj(cfg) && isObj(cfg.http) ? portFromEndpoint(cfg.http.endpoint) : 0) || 16686;
    const grpc = isObj(cfg) && isObj(cfg.grpc) ? portFromEndpoint(cfg.grpc.endpoint) : 0;
    return [{ name: portName(id, http), port: http }, ...(grpc && grpc !== http ? [{ name: portName(`${id}-2`, grpc), port: grpc }] : [])];
  }
  return [];
}

const byName = (a: { name: string }, b: { name: string }): number => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);

/** getPortsForComponentKinds: the enabled components' ports of those kinds, sorted by name. */
export function configPorts(cfg: Record<string, any> | null, kinds: ('receiver' | 'exporter' | 'extension')[]): OperatorPort[] {
  const en = enabledComponents(cfg);
  const section = (k: string): Record<string, any> => (isObj(cfg?.[k]) ? cfg![k] : {});
  const out: OperatorPort[] = [];
  if (kinds.includes('receiver')) { for (const id of en.receivers) { out.push(...receiverPorts(id, section('receivers')[id])); } }
  if (kinds.includes('exporter')) {
    // exporters/helpers.go: only prometheus opens a port (8888 by default).
    for (const id of en.exporters) {
      if (typeOf(id) !== 'prometheus') { continue; }
      const port = endpointPort(section('exporters')[id]) || 8888;
      out.push({ name: portName(id, port), port });
    }
  }
  if (kinds.includes('extension')) { for (const id of en.extensions) { out.push(...extensionPorts(id, section('extensions')[id])); } }
  return out.sort(byName);
}

/**
 * The CR's spec.ports first, then the inferred ports they do not already cover (same number and protocol);
 * an inferred port whose name a spec port takes is renamed `port-<n>`, or dropped when that is taken too
 * (container.go getContainerPorts / service.go, both @v0.158.0).
 */
export function mergeSpecPorts<T extends { name: string; protocol?: string }>(inferred: T[], spec: any[], num: (p: T) => number): { spec: any[]; kept: T[] } {
  if (!spec.length) { return { spec: [], kept: inferred }; }
  const nums = new Set(spec.map((p) => `${p?.port}/${p?.protocol ?? 'TCP'}`));
  const names = new Set(spec.map((p) => p?.name));
  const kept: T[] = [];
  for (const c of inferred) {
    if (nums.has(`${num(c)}/${c.protocol ?? 'TCP'}`)) { continue; }
    if (!names.has(c.name)) { kept.push(c); continue; }
    const fallback = `port-${num(c)}`;
    if (!names.has(fallback)) { kept.push({ ...c, name: fallback }); }
  }
  return { spec, kept };
}

/** The first enabled health_check extension's probe target (GetLivenessProbe / GetReadinessProbe). */
export function healthCheck(cfg: Record<string, any> | null): { path: string; port: number } | undefined {
  for (const id of enabledComponents(cfg).extensions) {
    if (typeOf(id) !== 'health_check') { continue; }
    const hc = isObj(cfg?.extensions) ? cfg!.extensions[id] : undefined;
    return { path: (isObj(hc) && typeof hc.path === 'string' && hc.path) || '/', port: endpointPort(hc) || 13133 };
  }
  return undefined;
}
