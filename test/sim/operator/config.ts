// The operator's reading of a collector config (apis/v1beta1/config.go, internal/otelconfig/,
// internal/components/ at the tags in versions.ts): the webhook's defaults, the ports each enabled
// component opens, the health_check probes, and the ConfigMap hash (sha256 of Go's json.Marshal).
import { createHash } from 'node:crypto';
import { stringify } from 'yaml';
import type { OperatorBehaviour } from './versions.ts';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Any = any;
export type Config = Record<string, Any>;

export interface ServicePort { name: string; port: number; protocol?: string; appProtocol?: string }

/** components.ComponentType: `otlp/2` is an `otlp`. */
export const componentType = (name: string) => name.split('/')[0];

/** internal/naming PortName: names over 15 characters or not DNS-label-like become `port-<n>`. */
export function portName(receiverName: string, port: number): string {
  if (receiverName.length > 15) { return `port-${port}`; }
  const c = receiverName.replaceAll('/', '-').replaceAll('_', '-');
  return /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/.test(c) ? c : `port-${port}`;
}

/** components.PortFromEndpoint: the first `:<digits>` of the endpoint; 0 when none. */
export function portFromEndpoint(endpoint: string): number {
  const m = /:\d+/.exec(endpoint);
  return m ? Number(m[0].slice(1)) : 0;
}

/**
 * SingleEndpointConfig.GetPortNumOrDefault: the port of `endpoint`, else of `listen_address`, else the
 * default (an address without a port counts as none).
 */
export function portOr(cfg: unknown, def: number): number {
  if (!isMap(cfg)) { return def; }
  const ep = typeof cfg.endpoint === 'string' && cfg.endpoint ? cfg.endpoint : typeof cfg.listen_address === 'string' ? cfg.listen_address : '';
  return portFromEndpoint(ep) || def;
}

interface Proto { port: number; protocol?: string; appProtocol?: string }
/** internal/components/receivers/helpers.go: the multi-protocol receivers. */
const MULTI: Record<string, Record<string, Proto>> = {
  otlp: { grpc: { port: 4317, appProtocol: 'grpc' }, http: { port: 4318, appProtocol: 'http' } },
  skywalking: { grpc: { port: 11800, appProtocol: 'grpc' }, http: { port: 12800, appProtocol: 'http' } },
  jaeger: {
    grpc: { port: 14250, protocol: 'TCP', appProtocol: 'grpc' }, thrift_http: { port: 14268, protocol: 'TCP', appProtocol: 'http' },
    thrift_compact: { port: 6831, protocol: 'UDP' }, thrift_binary: { port: 6832, protocol: 'UDP' },
  },
  loki: { grpc: { port: 9095, appProtocol: 'grpc' }, http: { port: 3100, appProtocol: 'http' } },
};
/** The single-endpoint receivers with a default port (0: none, the endpoint must name one). */
const SINGLE: Record<string, Proto> = {
  awsxray: { port: 2000, protocol: 'UDP' }, carbon: { port: 2003 }, collectd: { port: 8081 },
  fluent_forward: { port: 8006 }, fluentforward: { port: 8006 }, influxdb: { port: 8086 }, sapm: { port: 7276 },
  signalfx: { port: 9943 }, splunk_hec: { port: 8088 }, statsd: { port: 8125, protocol: 'UDP' },
  tcp_log: { port: 0, protocol: 'TCP' }, tcplog: { port: 0, protocol: 'TCP' }, udp_log: { port: 0, protocol: 'UDP' }, udplog: { port: 0, protocol: 'UDP' },
  wavefront: { port: 2003 }, zipkin: { port: 9411, protocol: 'TCP', appProtocol: 'http' },
};
/** Receivers registered without ports or defaults (scrapers, k8s receivers, prometheus). */
const NO_PORTS = new Set(['kubelet_stats', 'kubeletstats', 'k8s_events', 'k8s_cluster', 'k8s_objects', 'k8sobjects', 'prometheus',
  'ssh_check', 'sshcheck', 'cloud_foundry', 'cloudfoundry', 'vcenter', 'oracledb', 'snmp', 'googlecloudpubsub', 'chrony', 'jmx',
  'podman_stats', 'pulsar', 'docker_stats', 'aerospike', 'zookeeper', 'prometheus_simple', 'saphana', 'riak', 'redis', 'rabbitmq',
  'purefb', 'postgresql', 'nsxt', 'nginx', 'mysql', 'memcached', 'http_check', 'httpcheck', 'haproxy', 'flink_metrics', 'flinkmetrics',
  'couchdb', 'filelog']);

const DEFAULT_ADDR = '0.0.0.0';
const isMap = (v: unknown): v is Record<string, Any> => !!v && typeof v === 'object' && !Array.isArray(v);

/** components.AddressDefaulter: no endpoint -> `0.0.0.0:<port>`; an endpoint without host keeps its port. */
function addressDefault(cfg: Any, port: number): Record<string, Any> {
  const c = isMap(cfg) ? { ...cfg } : {};
  const ep = typeof c.endpoint === 'string' ? c.endpoint : '';
  if (ep === '') { c.endpoint = `${DEFAULT_ADDR}:${port}`; } else {
    const v = ep.split(':');
    if (v.length < 2 || v[0] === '') { c.endpoint = `${DEFAULT_ADDR}:${v[v.length - 1]}`; }
  }
  return c;
}

/** The components the pipelines and service.extensions enable (otelconfig GetEnabledComponents). */
export function enabled(c: Config): { receivers: Set<string>; exporters: Set<string>; processors: Set<string>; extensions: Set<string> } {
  const out = { receivers: new Set<string>(), exporters: new Set<string>(), processors: new Set<string>(), extensions: new Set<string>() };
  for (const e of c.service?.extensions ?? []) { out.extensions.add(String(e)); }
  for (const p of Object.values<Any>(c.service?.pipelines ?? {})) {
    if (!isMap(p)) { continue; }
    for (const r of p.receivers ?? []) { out.receivers.add(String(r)); }
    for (const r of p.exporters ?? []) { out.exporters.add(String(r)); }
    for (const r of p.processors ?? []) { out.processors.add(String(r)); }
  }
  return out;
}

/** An error the webhook's defaulting returns (it rejects the CR). */
export class ConfigError extends Error {}

/**
 * The webhook's Default() on `spec.config` (otelconfig.ApplyDefaults, or apis/v1beta1 Config.ApplyDefaults
 * before v0.140): telemetry, then every enabled receiver, exporter and extension with a known default port.
 * Keys the user wrote always win (mergo.Merge without overwrite).
 */
export function applyDefaults(config: Config, b: OperatorBehaviour): Config {
  const c: Config = structuredClone(config);
  applyTelemetryDefault(c, b);
  if (!b.endpointDefaults) { return c; }
  const en = enabled(c);
  for (const name of en.receivers) {
    const t = componentType(name);
    const cur = c.receivers?.[name];
    if (MULTI[t]) {
      const protocols = isMap(cur) && isMap(cur.protocols) ? cur.protocols : {};
      const out: Record<string, Any> = {};
      for (const [proto, pc] of Object.entries(protocols)) {
        const def = MULTI[t][proto];
        if (!def) { throw new ConfigError(`unknown protocol set: ${proto}`); }
        const port = portOr(pc, def.port);
        out[proto] = { ...(isMap(pc) ? pc : {}), ...pick(addressDefault(pc, port), ['endpoint']) };
      }
      c.receivers[name] = { ...(isMap(cur) ? cur : {}), protocols: { ...protocols, ...out } };
    } else if (SINGLE[t] && SINGLE[t].port) {
      const port = portOr(cur, SINGLE[t].port);
      c.receivers[name] = { ...(isMap(cur) ? cur : {}), ...pick(addressDefault(cur, port), ['endpoint']) };
    }
  }
  for (const name of en.exporters) {
    // exporters/helpers.go registers one exporter with a default: prometheus on 8888.
    if (componentType(name) === 'prometheus' && c.exporters) {
      const cur = c.exporters[name];
      const port = portOr(cur, 8888);
      c.exporters[name] = { ...(isMap(cur) ? cur : {}), ...pick(addressDefault(cur, port), ['endpoint']) };
    }
  }
  for (const name of en.extensions) {
    if (componentType(name) === 'jaeger_query' && isMap(c.extensions)) {
      // extensions/jaeger_query_extension.go endpointDefaulter: http on 16686, a host-less grpc endpoint gets the host.
      const cur = isMap(c.extensions[name]) ? c.extensions[name] : {};
      const http = { ...(isMap(cur.http) ? cur.http : {}), ...pick(addressDefault(cur.http, 16686), ['endpoint']) };
      const d: Record<string, Any> = { ...cur, http };
      if (isMap(cur.grpc) && typeof cur.grpc.endpoint === 'string' && cur.grpc.endpoint) {
        const v = cur.grpc.endpoint.split(':');
        if (v.length < 2 || v[0] === '') { d.grpc = { ...cur.grpc, endpoint: `${DEFAULT_ADDR}:${v[v.length - 1]}` }; }
      }
      c.extensions[name] = d;
      continue;
    }
    if (componentType(name) !== 'health_check' || !isMap(c.extensions) || !b.healthCheckDefaults) { continue; }
    const cur = isMap(c.extensions[name]) ? c.extensions[name] : {};
    const d: Record<string, Any> = { ...cur };
    const ep = typeof cur.endpoint === 'string' ? cur.endpoint : '';
    // healthCheckV1AddressDefaulter: net.SplitHostPort, only an empty host is filled in.
    if (ep === '') { d.endpoint = `${DEFAULT_ADDR}:13133`; } else if (/^:\d+$/.test(ep)) { d.endpoint = `${DEFAULT_ADDR}${ep}`; }
    if (!d.path) { d.path = '/'; }
    c.extensions[name] = d;
  }
  return c;
}

function pick(o: Record<string, Any>, keys: string[]): Record<string, Any> {
  return Object.fromEntries(keys.filter((k) => k in o).map((k) => [k, o[k]]));
}

/** The metrics host/port the telemetry names (otelconfig MetricsEndpoint); 0.0.0.0:8888 by default. */
export function metricsEndpoint(c: Config): { host: string; port: number } {
  const m = c.service?.telemetry?.metrics;
  if (isMap(m) && typeof m.address === 'string' && m.address && !(m.readers ?? []).length) {
    const p = /:(\d+)$/.exec(m.address);
    if (/:\$\{.*\}$/.test(m.address)) { throw new ConfigError(`couldn't determine metrics port from configuration: ${m.address}`); }
    return p ? { host: m.address.slice(0, p.index), port: Number(p[1]) } : { host: m.address, port: 8888 };
  }
  for (const r of (isMap(m) ? m.readers ?? [] : [])) {
    const prom = r?.pull?.exporter?.prometheus;
    if (!isMap(prom)) { continue; }
    return { host: prom.host || DEFAULT_ADDR, port: Number(prom.port) || 8888 };
  }
  return { host: DEFAULT_ADDR, port: 8888 };
}

function applyTelemetryDefault(c: Config, b: OperatorBehaviour): void {
  if (b.telemetryDefault === 'none') { return; }
  c.service ??= {};
  const tel = isMap(c.service.telemetry) ? c.service.telemetry : {};
  const metrics = isMap(tel.metrics) ? tel.metrics : {};
  if (b.telemetryDefault === 'address') {
    const { host, port } = metricsEndpoint(c);
    c.service.telemetry = { ...tel, metrics: { address: `${host}:${port}`, ...metrics } };
    return;
  }
  if (metrics.address || (Array.isArray(metrics.readers) && metrics.readers.length)) { return; }
  const { host, port } = metricsEndpoint(c);
  const prometheus: Record<string, Any> = { host, port };
  if (b.telemetryDefault === 'reader-without-false') { Object.assign(prometheus, { without_scope_info: false, without_type_suffix: false, without_units: false }); }
  c.service.telemetry = { ...tel, metrics: { ...metrics, readers: [{ pull: { exporter: { prometheus } } }] } };
}

/** The ports of one enabled receiver (or the prometheus exporter), as the component parsers give them. */
function componentPorts(name: string, cfg: Any, kind: 'receiver' | 'exporter' | 'extension'): ServicePort[] {
  const t = componentType(name);
  if (kind === 'exporter') {
    if (t !== 'prometheus') { return []; }
    const port = portOr(cfg, 8888);
    return [{ name: portName(name, port), port }];
  }
  if (kind === 'extension') {
    if (t === 'jaeger_query') {
      const httpPort = (isMap(cfg) && isMap(cfg.http) && typeof cfg.http.endpoint === 'string' && portFromEndpoint(cfg.http.endpoint)) || 16686;
      const out: ServicePort[] = [{ name: portName(name, httpPort), port: httpPort }];
      const grpcPort = isMap(cfg) && isMap(cfg.grpc) && typeof cfg.grpc.endpoint === 'string' ? portFromEndpoint(cfg.grpc.endpoint) : 0;
      if (grpcPort && grpcPort !== httpPort) { out.push({ name: portName(`${name}-2`, grpcPort), port: grpcPort }); }
      return out;
    }
    if (t !== 'health_check') { return []; }
    const port = portOr(cfg, 13133);
    return [{ name: portName(name, port), port }];
  }
  if (MULTI[t]) {
    const out: ServicePort[] = [];
    for (const [proto, pc] of Object.entries<Any>(isMap(cfg) && isMap(cfg.protocols) ? cfg.protocols : {})) {
      const def = MULTI[t][proto];
      if (!def) { throw new ConfigError(`unknown protocol set: ${proto}`); }
      const port = portOr(pc, def.port);
      out.push(withProto({ name: portName(`${name}-${proto}`, port), port }, def));
    }
    return out;
  }
  if (NO_PORTS.has(t)) { return []; }
  const def = SINGLE[t] ?? { port: 0 };
  const port = portOr(cfg, def.port);
  if (!port) { return []; }
  return [withProto({ name: portName(name, port), port }, def)];
}

function withProto(p: ServicePort, def: Proto): ServicePort {
  if (def.protocol) { p.protocol = def.protocol; }
  if (def.appProtocol) { p.appProtocol = def.appProtocol; }
  return p;
}

const byName = (a: { name: string }, b: { name: string }) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);

/** getPortsForComponentKinds: the ports of the enabled components of those kinds, sorted by name. */
export function ports(c: Config, kinds: Array<'receiver' | 'exporter' | 'extension'>): ServicePort[] {
  const en = enabled(c);
  const out: ServicePort[] = [];
  for (const k of kinds) {
    const names = k === 'receiver' ? en.receivers : k === 'exporter' ? en.exporters : en.extensions;
    const section = k === 'receiver' ? c.receivers : k === 'exporter' ? c.exporters : c.extensions;
    for (const n of names) { out.push(...componentPorts(n, isMap(section) ? section[n] : undefined, k)); }
  }
  return out.sort(byName);
}

/** The first enabled health_check extension's probe (path and port), or undefined. */
export function healthCheckProbe(c: Config): { path: string; port: number } | undefined {
  for (const n of enabled(c).extensions) {
    if (componentType(n) !== 'health_check') { continue; }
    const cfg = isMap(c.extensions) ? c.extensions[n] : undefined;
    const ep = isMap(cfg) && typeof cfg.endpoint === 'string' ? cfg.endpoint : '';
    return { path: (isMap(cfg) && cfg.path) || '/', port: portFromEndpoint(ep) || 13133 };
  }
  return undefined;
}

// ---- Go's json.Marshal of v1beta1.Config, for the hash

/** Go's encoding/json string escaping (HTML-safe: <, >, & and U+2028/9 escaped). */
function goString(s: string): string {
  return JSON.stringify(s).replace(/[<>&\u2028\u2029]/g, (ch) => `\\u${ch.charCodeAt(0).toString(16).padStart(4, '0')}`);
}
/** A value decoded into map[string]any and marshalled again: map keys sorted, numbers as float64. */
function goValue(v: Any): string {
  if (v === null || v === undefined) { return 'null'; }
  if (Array.isArray(v)) { return `[${v.map(goValue).join(',')}]`; }
  if (typeof v === 'object') { return `{${Object.keys(v).sort().map((k) => `${goString(k)}:${goValue(v[k])}`).join(',')}}`; }
  if (typeof v === 'string') { return goString(v); }
  if (typeof v === 'number') { return goFloat(v); }
  return JSON.stringify(v);
}
/** strconv.FormatFloat(f, 'f' or 'e') as encoding/json picks for float64. */
function goFloat(n: number): string {
  const abs = Math.abs(n);
  if (abs !== 0 && (abs < 1e-6 || abs >= 1e21)) {
    return n.toExponential().replace(/e([+-])(\d)$/, 'e$10$2');
  }
  return String(n);
}

/** json.Marshal(&v1beta1.Config): struct fields in declaration order, omitempty where the type says so. */
export function configJson(c: Config): string {
  const f: string[] = [`"receivers":${goValue(c.receivers ?? null)}`, `"exporters":${goValue(c.exporters ?? null)}`];
  if (c.processors != null) { f.push(`"processors":${goValue(c.processors)}`); }
  if (c.connectors != null) { f.push(`"connectors":${goValue(c.connectors)}`); }
  if (c.extensions != null) { f.push(`"extensions":${goValue(c.extensions)}`); }
  const s = c.service ?? {};
  const sf: string[] = [];
  if (Array.isArray(s.extensions) && s.extensions.length) { sf.push(`"extensions":${goValue(s.extensions)}`); }
  if (s.telemetry != null) { sf.push(`"telemetry":${goValue(s.telemetry)}`); }
  const pipes = isMap(s.pipelines) ? s.pipelines : null;
  sf.push(`"pipelines":${pipes ? `{${Object.keys(pipes).sort().map((k) => `${goString(k)}:${goPipeline(pipes[k])}`).join(',')}}` : 'null'}`);
  f.push(`"service":{${sf.join(',')}}`);
  return `{${f.join(',')}}`;
}
function goPipeline(p: Any): string {
  if (!isMap(p)) { return 'null'; }
  const f = [`"exporters":${goValue(p.exporters ?? null)}`];
  if (Array.isArray(p.processors) && p.processors.length) { f.push(`"processors":${goValue(p.processors)}`); }
  f.push(`"receivers":${goValue(p.receivers ?? null)}`);
  return `{${f.join(',')}}`;
}

/** manifestutils.GetConfigMapSHA: hex sha256 of the marshalled config. */
export function configSha(c: Config): string { return createHash('sha256').update(configJson(c)).digest('hex'); }

/** Config.Yaml(): the collector.yaml the ConfigMap holds (sequences indented, as go-yaml's IndentSequence(true)). */
export function configYaml(c: Config): string {
  const o: Config = { receivers: c.receivers ?? {}, exporters: c.exporters ?? {} };
  for (const k of ['processors', 'connectors', 'extensions']) { if (c[k] != null) { o[k] = c[k]; } }
  o.service = c.service ?? {};
  return stringify(o, { sortMapEntries: true, indentSeq: true, lineWidth: 0 });
}
