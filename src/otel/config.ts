/**
 * The collector config model: what the collector will actually do with its configuration.
 * Merging follows confmap: several `--config` sources merge in order (maps deep-merge, later wins, lists
 * are replaced), then each `--set key::path=value` applies on top. Only receivers named in some
 * `service.pipelines.*.receivers` start, and only extensions named in `service.extensions`.
 */
import { CORE_SCHEMA, load as fastLoad } from 'js-yaml';
import { parse as parseYaml } from 'yaml';
import { MERGE_KEY, fastParseHolds } from '../yaml-fast.ts';
import type { CollectorPod } from '../snapshot.ts';
import { atLeast } from './version.ts';
import { LOCALHOST_DEFAULT_SINCE } from './distribution-data.ts';
import { operatorEndpointDefault } from './operator-data.ts';
import { envRefs, expandEnv } from './envexpand.ts';
import { classifyHost, splitHostPort, type EndpointClass } from './endpoint.ts';
// Which receiver types listen for pushed data: sourced, per type, in components-push.ts.
import { isPushReceiverType } from './components-push.ts';

export type ConfigMap = Record<string, unknown>;

export function isMap(x: unknown): x is ConfigMap {
  return x !== null && typeof x === 'object' && !Array.isArray(x);
}

export function mergeConfigs(base: ConfigMap, over: ConfigMap): ConfigMap {
  const out: ConfigMap = { ...base };
  for (const [k, v] of Object.entries(over)) {
    const prev = out[k];
    out[k] = isMap(prev) && isMap(v) ? mergeConfigs(prev, v) : v;
  }
  return out;
}

/**
 * Apply one `--set` argument (`receivers::otlp::protocols::grpc::endpoint=0.0.0.0:4317`). The value is
 * YAML, as the collector parses it. Before `::` became the separator (0.8x) `.` was used; a key with no
 * `::` is split on `.` for those.
 */
export function applySet(cfg: ConfigMap, arg: string): ConfigMap {
  const a = arg.replace(/^--set[= ]?/, '');
  const eq = a.indexOf('=');
  if (eq <= 0) { throw new Error(`--set ${JSON.stringify(arg)}: expected key=value`); }
  const key = a.slice(0, eq);
  const raw = a.slice(eq + 1);
  const path = key.includes('::') ? key.split('::') : key.split('.');
  let value: unknown;
  try {
    value = parseYaml(raw);
  } catch {
    value = raw;
  }
  let patch: unknown = value;
  for (let i = path.length - 1; i >= 0; i--) { patch = { [path[i]]: patch }; }
  return mergeConfigs(cfg, patch as ConfigMap);
}

/**
 * js-yaml first (it parses several times faster than `yaml`, which made linting thousands of configs slow),
 * `yaml` where the two could differ (merge keys, aliases of maps and lists: yaml-fast.ts) and for every
 * error, so the collector-like error messages stay those of one parser. An `&` or `*` in a string (a
 * Splunk config's `${SPLUNK_...}` URLs, a `*` glob) no longer sends the text down the slow path.
 */
function parseConfigText(t: string): unknown {
  if (!MERGE_KEY.test(t)) {
    try {
      const v = fastLoad(t, { schema: CORE_SCHEMA });
      if (fastParseHolds(t, [v])) { return v; }
    } catch {
      // fall through: the strict parser gives the message
    }
  }
  return parseYaml(t);
}

/** Merge YAML texts and `--set` args; throws with the collector-like message on a parse error. */
export function buildEffectiveConfig(texts: string[], sets: string[] = []): ConfigMap {
  let cfg: ConfigMap = {};
  for (const t of texts) {
    const doc = parseConfigText(t);
    if (doc === null || doc === undefined) { continue; }
    if (!isMap(doc)) { throw new Error('cannot unmarshal the configuration: the document is not a map'); }
    cfg = mergeConfigs(cfg, doc);
  }
  for (const s of sets) { cfg = applySet(cfg, s); }
  return cfg;
}

export function pipelines(cfg: ConfigMap): Record<string, { receivers: string[]; exporters: string[]; processors: string[] }> {
  const out: Record<string, { receivers: string[]; exporters: string[]; processors: string[] }> = {};
  const service = isMap(cfg.service) ? cfg.service : {};
  const p = isMap(service.pipelines) ? service.pipelines : {};
  for (const [name, def] of Object.entries(p)) {
    const d = isMap(def) ? def : {};
    const list = (x: unknown): string[] => (Array.isArray(x) ? x.filter((s): s is string => typeof s === 'string') : []);
    out[name] = { receivers: list(d.receivers), exporters: list(d.exporters), processors: list(d.processors) };
  }
  return out;
}

/** `traces/2` -> `traces` */
export function receiverType(id: string): string {
  return id.split('/')[0];
}

export interface StartedReceiver {
  id: string;
  pipelines: string[];
}

/** Receivers that start: declared and referenced by some pipeline. */
export function startedReceivers(cfg: ConfigMap): StartedReceiver[] {
  const declared = isMap(cfg.receivers) ? cfg.receivers : {};
  const byId = new Map<string, string[]>();
  for (const [pname, p] of Object.entries(pipelines(cfg))) {
    for (const r of p.receivers) {
      if (!(r in declared)) { continue; }
      byId.set(r, [...(byId.get(r) ?? []), pname]);
    }
  }
  return [...byId.entries()].map(([id, ps]) => ({ id, pipelines: ps }));
}

/** Receivers declared but referenced by no pipeline: they never start. */
export function unusedReceivers(cfg: ConfigMap): string[] {
  const declared = isMap(cfg.receivers) ? Object.keys(cfg.receivers) : [];
  const used = new Set(Object.values(pipelines(cfg)).flatMap((p) => p.receivers));
  return declared.filter((r) => !used.has(r));
}

export function startedExtensions(cfg: ConfigMap): string[] {
  const service = isMap(cfg.service) ? cfg.service : {};
  const declared = isMap(cfg.extensions) ? cfg.extensions : {};
  const list = Array.isArray(service.extensions) ? service.extensions : [];
  return list.filter((e): e is string => typeof e === 'string' && e in declared);
}

export interface PushReceiver {
  id: string;
  /** the endpoints written in its config (top level or under protocols), as written */
  endpoints: string[];
}

/** Started receivers that accept pushed data, with the endpoints their config writes. */
export function pushReceivers(cfg: ConfigMap): PushReceiver[] {
  const declared = isMap(cfg.receivers) ? cfg.receivers : {};
  return startedReceivers(cfg)
    .filter((r) => isPushReceiverType(receiverType(r.id)))
    .map((r) => {
      const rc = isMap(declared[r.id]) ? (declared[r.id] as ConfigMap) : {};
      const nested = isMap(rc.protocols) ? Object.values(rc.protocols).map((p) => (isMap(p) ? p.endpoint : undefined)) : [];
      const endpoints = [rc.endpoint, ...nested].filter((e): e is string => typeof e === 'string' && e.trim() !== '');
      return { id: r.id, endpoints };
    });
}

export type ServerProtocol = 'grpc' | 'http';

export const DEFAULT_PORTS: Record<ServerProtocol, number> = { grpc: 4317, http: 4318 };

export interface EffectiveEndpoint {
  /** `otlp`, `otlp/internal`, `health_check` */
  component: string;
  protocol: ServerProtocol | 'health';
  /** the YAML path a fix edits, e.g. `receivers.otlp.protocols.grpc.endpoint` */
  path: string;
  /** as written (undefined = unset) */
  raw?: string;
  /** after ${env:..} expansion */
  expanded?: string;
  /** what the collector binds */
  effective: string;
  host: string;
  port: number | null;
  class: EndpointClass;
  /** how the endpoint came to be, when not written */
  defaultedBy?: 'collector-default' | 'operator-default';
  /** the collector version is unknown, so the default was assumed */
  versionAssumed?: boolean;
  /** the image does not tell the version; the default follows the version the user gave (--collector-version) */
  versionGiven?: string;
  /** pipelines (for receivers) */
  pipelines?: string[];
  /** env vars referenced that are unset */
  unsetEnv?: string[];
}

export interface EndpointContext {
  version: string | null;
  /** operator-managed and version (null unknown) */
  operator?: { version: string | null } | null;
  env?: Record<string, string>;
  envFieldRefs?: Record<string, string>;
  podIP?: string;
  /** used when version is null */
  assumedVersion?: string;
}

/** The host a component binds by default: localhost from 0.104.0 (LOCALHOST_DEFAULT_SINCE), all interfaces before. */
export function defaultHost(version: string | null, given?: string): { host: string; assumed: boolean; given: boolean } {
  // A version the user gave (lint --collector-version) decides exactly as an image tag would.
  const v = version ?? given ?? null;
  const ge = atLeast(v, LOCALHOST_DEFAULT_SINCE);
  if (ge === null) { return { host: 'localhost', assumed: true, given: false }; }
  return { host: ge ? 'localhost' : '0.0.0.0', assumed: false, given: version === null };
}

/** Whether the operator managing the collector puts 0.0.0.0 before an unset or host-less endpoint (operator-data.ts). */
function operatorDefaults(ctx: EndpointContext, protocol: ServerProtocol | 'health'): boolean {
  if (!ctx.operator) { return false; }
  return operatorEndpointDefault(protocol === 'health' ? 'health_check' : 'receiver', ctx.operator.version, ctx.version).host !== null;
}

export function resolveEndpoint(
  component: string,
  protocol: ServerProtocol | 'health',
  path: string,
  raw: unknown,
  defaultPort: number,
  ctx: EndpointContext,
): EffectiveEndpoint {
  const written = typeof raw === 'string' ? raw : typeof raw === 'number' ? String(raw) : undefined;
  const env = ctx.env ?? {};
  let expanded: string | undefined;
  let unsetEnv: string[] | undefined;
  if (written !== undefined) {
    const e = expandEnv(written, env);
    expanded = e.value;
    if (e.unset.length) { unsetEnv = e.unset; }
  }
  let effective: string;
  let defaultedBy: EffectiveEndpoint['defaultedBy'];
  let versionAssumed = false;
  let versionGiven: string | undefined;
  const byOperator = operatorDefaults(ctx, protocol);
  if (written === undefined || written.trim() === '') {
    if (byOperator) {
      effective = `0.0.0.0:${defaultPort}`;
      defaultedBy = 'operator-default';
    } else {
      const d = defaultHost(ctx.version, ctx.assumedVersion);
      effective = `${d.host}:${defaultPort}`;
      defaultedBy = 'collector-default';
      versionAssumed = d.assumed;
      if (d.given) { versionGiven = ctx.assumedVersion; }
    }
  } else {
    effective = expanded as string;
    // The operator fills a host-less `:4317` with 0.0.0.0; Go would bind all interfaces anyway.
    if (byOperator && /^:\d+$/.test(written.trim())) {
      effective = `0.0.0.0${written.trim()}`;
      defaultedBy = 'operator-default';
    }
  }
  const hp = splitHostPort(effective);
  let cls = classifyHost(hp.host, { podIP: ctx.podIP });
  // A pod-IP variable is pod-ip even when its value is unknown (lint has no pod IP yet).
  if (written && cls !== 'loopback') {
    const hostPart = splitHostPort(written).host;
    const ref = envRefs(hostPart)[0];
    if (ref !== undefined && isPodIpVar(ref, ctx)) {
      const val = env[ref];
      if (val === undefined || val !== '') { cls = 'pod-ip'; }
    }
  }
  return {
    component,
    protocol,
    path,
    raw: written,
    expanded,
    effective,
    host: hp.host,
    port: hp.port,
    class: cls,
    ...(defaultedBy ? { defaultedBy } : {}),
    ...(versionAssumed ? { versionAssumed } : {}),
    ...(versionGiven ? { versionGiven } : {}),
    ...(unsetEnv ? { unsetEnv } : {}),
  };
}

function isPodIpVar(name: string, ctx: EndpointContext): boolean {
  const f = ctx.envFieldRefs?.[name];
  if (f !== undefined) { return f === 'status.podIP' || f === 'status.podIPs'; }
  if (ctx.podIP && ctx.env?.[name] === ctx.podIP) { return true; }
  return /^(MY_)?POD_IP$/.test(name);
}

export interface CollectorModel {
  config: ConfigMap;
  receivers: EffectiveEndpoint[];
  /** declared OTLP receivers whose protocols: both absent (collector refuses to start) */
  unusedReceivers: string[];
  healthCheck?: EffectiveEndpoint;
  /** enabled protocols per started OTLP receiver */
  otlpProtocols: { id: string; grpc: boolean; http: boolean; pipelines: string[] }[];
}

/** OTLP-like receivers whose `protocols.grpc/http` take an endpoint. */
const OTLP_LIKE = new Set(['otlp']);

/** The collector's model from its effective config (null when there is none). */
export function collectorModel(c: CollectorPod, assumedVersion?: string): CollectorModel | null {
  const cfg = c.effectiveConfig;
  if (!cfg || !isMap(cfg)) { return null; }
  const ctx: EndpointContext = {
    version: c.version,
    operator: c.managedBy ? { version: c.managedBy.version ?? null } : null,
    env: c.env,
    envFieldRefs: c.envFieldRefs,
    podIP: c.podIP,
    assumedVersion,
  };
  const receivers: EffectiveEndpoint[] = [];
  const otlpProtocols: CollectorModel['otlpProtocols'] = [];
  const declared = isMap(cfg.receivers) ? cfg.receivers : {};
  for (const r of startedReceivers(cfg)) {
    if (!OTLP_LIKE.has(receiverType(r.id))) { continue; }
    const rc = isMap(declared[r.id]) ? (declared[r.id] as ConfigMap) : {};
    const protocols = isMap(rc.protocols) ? rc.protocols : {};
    const entry = { id: r.id, grpc: 'grpc' in protocols, http: 'http' in protocols, pipelines: r.pipelines };
    otlpProtocols.push(entry);
    for (const proto of ['grpc', 'http'] as const) {
      if (!(proto in protocols)) { continue; }
      const pc = isMap(protocols[proto]) ? (protocols[proto] as ConfigMap) : {};
      const ep = resolveEndpoint(r.id, proto, `receivers.${r.id}.protocols.${proto}.endpoint`, pc.endpoint, DEFAULT_PORTS[proto], ctx);
      ep.pipelines = r.pipelines;
      receivers.push(ep);
    }
  }
  let healthCheck: EffectiveEndpoint | undefined;
  const exts = isMap(cfg.extensions) ? cfg.extensions : {};
  const hcId = startedExtensions(cfg).find((e) => e.split('/')[0] === 'health_check');
  if (hcId) {
    const hc = isMap(exts[hcId]) ? (exts[hcId] as ConfigMap) : {};
    healthCheck = resolveEndpoint(hcId, 'health', `extensions.${hcId}.endpoint`, hc.endpoint, 13133, ctx);
  }
  return { config: cfg, receivers, unusedReceivers: unusedReceivers(cfg), healthCheck, otlpProtocols };
}

/** The health_check path the kubelet probe should hit. */
/**
 * The push receivers of a collector that other pods could reach: every one whose endpoints are not all
 * loopback (an OTLP receiver by its effective endpoints, defaults included; others as written, env
 * expanded). Empty: the collector only pulls, or listens for its own pod only.
 */
export function networkPushReceivers(m: CollectorModel, env: Record<string, string> = {}): string[] {
  return pushReceivers(m.config)
    .filter((r) => {
      const otlp = m.receivers.filter((e) => e.component === r.id);
      if (otlp.length) { return otlp.some((e) => e.class !== 'loopback'); }
      if (!r.endpoints.length) { return true; }
      return r.endpoints.some((e) => classifyHost(splitHostPort(expandEnv(e, env).value).host) !== 'loopback');
    })
    .map((r) => r.id);
}
