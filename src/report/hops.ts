/**
 * The whole path of each app, hop by hop: app -> Service -> receiver -> pipeline -> exporter -> backend.
 * Pure, called by judge() after the findings are final: every hop is `ok` with the sources that proved it,
 * `failed` with the rules whose findings break it, or `unproven` with why. A hop is never `ok` on a
 * guess: in `diagnose` the receiver needs a socket, a log line or a probe's answer (config alone says what
 * was asked for, not what runs); in `lint` the files are all there is, and config is the proof.
 */
import type { AppContainer, CollectorPod, EvidenceSource, ServiceInfo, Signal, Snapshot } from '../snapshot.ts';
import type { AppSummary, Finding, Subject } from './finding.ts';
import { collectorSubject, exportsOf, hostIndex, model, podKey, resolveHost, targetPortOn, uniq } from '../rules/util.ts';
import { isLoopbackHost, joinHostPort } from '../otel/endpoint.ts';
import { acceptsFrom } from '../otel/sockets.ts';
import { isMap, pipelines } from '../otel/config.ts';
import { isHttp, type SignalExport } from '../otel/sdk.ts';
import { sumOf } from '../otel/prometheus.ts';

export type HopName = 'app' | 'service' | 'receiver' | 'pipeline' | 'exporter' | 'backend';
export type HopStatus = 'ok' | 'failed' | 'unproven';
/** Where a hop's proof came from: the finding sources, plus the collector's own metrics. */
export type HopSource = EvidenceSource | 'metrics';

export interface Hop {
  hop: HopName;
  status: HopStatus;
  /** what this hop is on this app's path: `Service observability/otel-collector:4317`, `otlp/grpc localhost:4317` */
  target: string;
  /** the signals whose path it is (an app exporting to two places has two paths) */
  signals: Signal[];
  /** ok: what proved it */
  sources?: HopSource[];
  /** failed: the rules whose findings break it */
  findings?: string[];
  /** unproven: why not */
  reason?: string;
  /** what was seen, e.g. configured vs listening */
  detail?: string;
}

/**
 * The hop each rule's finding breaks. A rule missing here falls back on its subject's kind (see hopOf);
 * test/report/hops.test.ts holds the catalogue to this table. Rules that break nothing on the path
 * (collector-no-readiness-probe, check-incomplete) are absent on purpose.
 */
export const HOP_OF_RULE: Readonly<Record<string, HopName>> = {
  'app-no-endpoint': 'app',
  'app-endpoint-malformed': 'app',
  'app-endpoint-loopback': 'app',
  'instrumentation-not-injected': 'app',
  'service-missing': 'service',
  'service-no-endpoints': 'service',
  'service-port-mismatch': 'service',
  'app-port-not-exposed': 'service',
  'app-endpoint-unresolvable': 'service',
  'network-policy-blocks': 'service',
  'internal-traffic-local-gap': 'service',
  'daemonset-no-hostport': 'service',
  // a loopback health check fails the kubelet's probe: the pod leaves the Service's ready endpoints
  'health-check-bound-to-loopback': 'service',
  'receiver-bound-to-loopback': 'receiver',
  'receiver-default-loopback': 'receiver',
  'receiver-bound-to-pod-ip': 'receiver',
  'receiver-protocol-disabled': 'receiver',
  'endpoint-ipv6-unbracketed': 'receiver',
  'collector-not-ready': 'receiver',
  'collector-config-invalid': 'receiver',
  'app-protocol-port-mismatch': 'receiver',
  'app-tls-mismatch': 'receiver',
  'app-otlp-rejected': 'receiver',
  'receiver-not-in-pipeline': 'pipeline',
  // the memory limiter refuses what the receiver took: the pipeline drops it
  'collector-refusing-data': 'pipeline',
  'exporter-queue-full': 'exporter',
  'exporter-failing': 'backend',
};

/** Rules reported for completeness that break no hop. */
export const OFF_PATH_RULES: ReadonlySet<string> = new Set(['collector-no-readiness-probe', 'check-incomplete']);

function hopOf(f: Finding): HopName | undefined {
  if (OFF_PATH_RULES.has(f.rule)) { return undefined; }
  const h = HOP_OF_RULE[f.rule];
  if (h) { return h; }
  if (f.subject.kind === 'Service') { return 'service'; }
  return f.affected?.length ? 'receiver' : 'app';
}

/** The exporter helper's item name per signal, as its metric names spell it. */
const ITEMS: Record<Signal, string> = { traces: 'spans', metrics: 'metric_points', logs: 'log_records' };

/** Why a workload's own metrics are not at hand, in gather's words. */
function metricsGap(ctx: Ctx, pods: CollectorPod[]): string {
  if (ctx.lint) { return 'the collector\'s own metrics are read in diagnose only'; }
  const m = pods.find((c) => c.metrics?.notRun)?.metrics?.notRun;
  if (m) { return `the collector's own metrics were not read: ${m.reason}${m.detail ? ` (${m.detail})` : ''}`; }
  return 'the collector\'s own metrics were not read (otelcol_exporter_sent_*, otelcol_exporter_send_failed_*)';
}

/** Exporters that hand data to no network backend (the collector's own log, a file, nowhere). */
const LOCAL_EXPORTERS = new Set(['debug', 'logging', 'file', 'nop']);

const appKey = (ns: string, pod: string, container: string): string => `${ns}/${pod}/${container}`;
const sameSubject = (a: Subject, b: Subject): boolean =>
  a.kind === b.kind && (a.namespace ?? '') === (b.namespace ?? '') && a.name === b.name && (!a.container || !b.container || a.container === b.container);

/** A finding that breaks some hop, indexed once (a root cause may list thousands of affected apps). */
interface PathFinding { f: Finding; hop: HopName; affected: Set<string> | null }

function indexFindings(findings: Finding[]): PathFinding[] {
  const out: PathFinding[] = [];
  for (const f of findings) {
    // an info finding says something worth knowing, not that data stops here
    if (f.severity === 'info') { continue; }
    const hop = hopOf(f);
    if (!hop) { continue; }
    out.push({ f, hop, affected: f.affected?.length ? new Set(f.affected.map((a) => appKey(a.namespace, a.pod, a.container))) : null });
  }
  return out;
}

/** What one path reached: the Service (if any) and the collector pods behind it, with the port they get. */
interface Reached { service?: ServiceInfo; collectors: { c: CollectorPod; port: number | null }[] }

/** The pods a path reaches, grouped by collector workload (`key` names it for the memo of its socket evidence). */
type Workload = { key: string; subject: Subject; pods: { c: CollectorPod; port: number | null }[] };

function concerns(pf: PathFinding, app: AppContainer, appSubj: Subject, service: ServiceInfo | undefined, workloads: Workload[]): boolean {
  if (pf.affected?.has(appKey(app.namespace, app.pod, app.container))) { return true; }
  if (sameSubject(pf.f.subject, appSubj)) { return true; }
  // a root cause that names the apps it affects is about those apps only
  if (pf.affected) { return false; }
  const s = pf.f.subject;
  if (service && s.kind === 'Service' && s.namespace === service.namespace && s.name === service.name) { return true; }
  return workloads.some((w) => sameSubject(s, w.subject));
}

function appSubjectOf(a: AppContainer): Subject {
  return a.workload ? { kind: a.workload.kind, namespace: a.workload.namespace, name: a.workload.name, container: a.container } : { kind: 'Pod', namespace: a.namespace, name: a.pod, container: a.container };
}

interface Route { hop: Hop; reached: Reached; outside?: string; workloads: Workload[] }

interface Ctx {
  s: Snapshot;
  lint: boolean;
  probesByPod: Map<string, Snapshot['probes']>;
  /**
   * Apps of one namespace that dial one endpoint share their route, and the apps of one collector port share
   * its socket evidence: computed once each (a DaemonSet's Service reaches thousands of pods).
   */
  routes: Map<string, Route>;
  sockets: Map<string, { proof: HopSource[]; seen: string[]; refusing?: string }>;
  /** what a Service's port reaches, and its pods by workload, once per Service port */
  reached: Map<string, Reached>;
  workloads: WeakMap<Reached, Workload[]>;
  /** the exporter and backend hops of a workload's port for these signals */
  wayOut: Map<string, [Hop, Hop]>;
  /** why sockets and probes could not run, when the whole diagnosis says so */
  execGap?: string;
}

function hop(h: HopName, signals: Signal[], target: string, rest: Omit<Hop, 'hop' | 'signals' | 'target'>): Hop {
  return { hop: h, status: rest.status, target, signals, ...(rest.sources ? { sources: uniq(rest.sources) } : {}), ...(rest.findings ? { findings: rest.findings } : {}), ...(rest.reason ? { reason: rest.reason } : {}), ...(rest.detail ? { detail: rest.detail } : {}) };
}

/** Findings override what the hop's own evaluation found: a rule that proved a break is the last word. */
function withFindings(h: Hop, breaking: PathFinding[]): Hop {
  const ids = uniq(breaking.filter((b) => b.hop === h.hop).map((b) => b.f.rule));
  if (!ids.length) { return h; }
  return hop(h.hop, h.signals, h.target, { status: 'failed', findings: ids, ...(h.detail ? { detail: h.detail } : {}) });
}

/** The collector workloads a path reaches, one representative set of pods each (replicas share a template). */
function byWorkload(reached: Reached): Workload[] {
  const m = new Map<string, Workload>();
  for (const r of reached.collectors) {
    const subject = collectorSubject(r.c);
    const key = `${subject.kind}/${subject.namespace}/${subject.name}/${subject.container}`;
    const cur = m.get(key) ?? { key, subject, pods: [] };
    cur.pods.push(r);
    m.set(key, cur);
  }
  return [...m.values()];
}

/** The probes that speak for an app: its own, or those of the app that probed for its path (probedBy). */
function probesOf(ctx: Ctx, app: AppContainer): Snapshot['probes'] {
  const by = app.probedBy ?? app;
  return ctx.probesByPod.get(`${by.namespace}/${by.pod}`) ?? [];
}

function route(ctx: Ctx, app: AppContainer, host: string, port: number | null, signals: Signal[]): Route {
  const connected = probesOf(ctx, app).some((p) => p.target.kind === 'app-endpoint' && p.target.host === host && p.target.port === port && p.result === 'connected');
  // only a loopback endpoint depends on the app's own pod
  const key = `${app.namespace}|${isLoopbackHost(host) ? app.pod : ''}|${host}|${port}|${signals.join()}|${connected}`;
  let r = ctx.routes.get(key);
  if (!r) {
    const h = routeHop(ctx, app, host, port, signals, connected);
    let workloads = ctx.workloads.get(h.reached);
    if (!workloads) {
      workloads = byWorkload(h.reached);
      ctx.workloads.set(h.reached, workloads);
    }
    r = { ...h, workloads };
    ctx.routes.set(key, r);
  }
  return r;
}

/** `outside`: why the hops after this one have nothing to look at. */
function routeHop(ctx: Ctx, app: AppContainer, host: string, port: number | null, signals: Signal[], connected: boolean): { hop: Hop; reached: Reached; outside?: string } {
  const { s } = ctx;
  const probeProof: HopSource[] = connected ? ['exec'] : [];
  const r = resolveHost(s, app.namespace, host, hostIndex(s));
  if (r.kind === 'service') {
    const v = r.service;
    const sp = v.ports.find((p) => p.port === port);
    const target = `Service ${v.namespace}/${v.name}:${port ?? '?'}`;
    const reached = ctx.reached.get(`${v.namespace}/${v.name}|${port}`) ?? { service: v, collectors: r.collectors.map((c) => ({ c, port: sp ? targetPortOn(c, sp) : null })) };
    ctx.reached.set(`${v.namespace}/${v.name}|${port}`, reached);
    if (v.type === 'ExternalName') { return { hop: hop('service', signals, target, { status: 'unproven', reason: `ExternalName ${v.externalName ?? ''}: resolved outside the cluster` }), reached, outside: 'the Service is an ExternalName' }; }
    if (!sp) {
      const why = `the Service declares no port ${port ?? '?'}`;
      return { hop: hop('service', signals, target, { status: 'unproven', reason: why }), reached: { service: v, collectors: [] }, outside: `${why}: no collector is reached` };
    }
    const tp = `targetPort ${sp.targetPort ?? sp.port}`;
    if (ctx.lint) {
      const n = v.matchedPodsInFiles ?? v.matchedCollectorPods.length;
      return { hop: n ? hop('service', signals, target, { status: 'ok', sources: ['config'], detail: `${tp}; the selector matches ${n} pod template(s) in the files` }) : hop('service', signals, target, { status: 'unproven', reason: 'the selector matches no pod of the files' }), reached };
    }
    if (!v.endpoints) { return { hop: hop('service', signals, target, { status: 'unproven', reason: 'its Endpoints were not listed', detail: tp }), reached }; }
    const ready = v.endpoints.ready.length;
    const detail = `${tp}; ${ready} ready endpoint(s)${v.endpoints.notReady.length ? `, ${v.endpoints.notReady.length} not ready` : ''}${connected ? '; the app connected' : ''}`;
    return { hop: ready ? hop('service', signals, target, { status: 'ok', sources: ['api', ...probeProof], detail }) : hop('service', signals, target, { status: 'unproven', reason: 'no ready endpoint', detail }), reached };
  }
  if (r.kind === 'collector-pod') {
    const c0 = r.collectors[0];
    const target = `${r.viaHostIP ? 'node IP' : 'pod IP'} ${joinHostPort(host, port ?? '?')} (${c0.namespace}/${c0.pod}${r.collectors.length > 1 ? ` and ${r.collectors.length - 1} more` : ''})`;
    return { hop: hop('service', signals, target, { status: 'ok', sources: [ctx.lint ? 'config' : 'api', ...probeProof], detail: 'no Service: the address is the collector pod\'s own' }), reached: { collectors: r.collectors.map((c) => ({ c, port })) } };
  }
  if (r.kind === 'loopback') {
    const same = (hostIndex(s).collectorsByKey.get(podKey(app.namespace, app.pod)) ?? []).map((x) => x.c);
    if (same.length) {
      return { hop: hop('service', signals, `localhost:${port ?? '?'} (collector container ${same[0].container} in the same pod)`, { status: 'ok', sources: ['config'], detail: 'no Service: a collector in the app\'s own pod' }), reached: { collectors: same.map((c) => ({ c, port })) } };
    }
    return { hop: hop('service', signals, `localhost:${port ?? '?'}`, { status: 'unproven', reason: 'loopback: no collector runs in the app\'s pod' }), reached: { collectors: [] } };
  }
  if (r.kind === 'missing-service') {
    return { hop: hop('service', signals, `Service ${r.namespace}/${r.name}:${port ?? '?'}`, { status: 'unproven', reason: `no Service ${r.namespace}/${r.name} was read` }), reached: { collectors: [] } };
  }
  const outside = r.kind === 'external' ? 'the endpoint leads outside the cluster\'s Services and collector pods' : 'the endpoint is an all-interfaces address, not a destination';
  return {
    hop: connected ? hop('service', signals, joinHostPort(host, port ?? '?'), { status: 'ok', sources: ['exec'], detail: 'the app connected; nothing in the cluster the plugin read' }) : hop('service', signals, joinHostPort(host, port ?? '?'), { status: 'unproven', reason: outside }),
    reached: { collectors: [] },
    outside,
  };
}

/** Why a pod's sockets are unknown, in the words gather left. */
function socketGap(ctx: Ctx, c: CollectorPod): string {
  if (!ctx.s.meta.exec) { return 'listen sockets not read (--no-exec)'; }
  if (c.listeners?.method === 'none' && c.listeners.reason) { return `listen sockets not read: ${c.listeners.reason}`; }
  return ctx.execGap ? `listen sockets not read: ${ctx.execGap}` : 'listen sockets not read';
}

/** What the pods' listen sockets say about one port of a workload (a few pods named, the rest counted). */
function socketEvidence(ctx: Ctx, w: Workload, port: number | null): { proof: HopSource[]; seen: string[]; refusing?: string } {
  const key = `${w.key}|${port}`;
  const hit = ctx.sockets.get(key);
  if (hit) { return hit; }
  const proof: HopSource[] = [];
  const seen: string[] = [];
  let refusing: string | undefined;
  let more = 0;
  for (const { c } of w.pods) {
    const l = c.listeners;
    if (!l || l.method === 'none' || port === null) { continue; }
    const a = acceptsFrom(l.sockets, port, c.podIP);
    if (a.accepts) { proof.push(l.method === 'log' ? 'log' : 'exec'); } else { refusing ??= c.pod; }
    if (seen.length >= 3) { more++; continue; }
    const addrs = a.matching.map((x) => joinHostPort(x.address, x.port));
    seen.push(`${c.pod}: ${addrs.length ? addrs.join(', ') : `nothing on ${port}`} (${l.method})`);
  }
  if (more) { seen.push(`${more} more pod(s) read`); }
  const out = { proof: uniq(proof), seen, ...(refusing ? { refusing } : {}) };
  ctx.sockets.set(key, out);
  return out;
}

function collectorHops(ctx: Ctx, app: AppContainer, signals: Signal[], exps: SignalExport[], w: Workload): Hop[] {
  const { s } = ctx;
  const c0 = w.pods[0].c;
  const port = w.pods[0].port;
  const who = `${w.subject.kind} ${w.subject.namespace}/${w.subject.name}`;
  const m = model(s, c0);
  const blocked = (why: string): Hop[] => (['pipeline', 'exporter', 'backend'] as const).map((h) => hop(h, signals, who, { status: 'unproven', reason: why }));
  if (!m) {
    const why = c0.configError ? 'the collector config is invalid' : 'the effective collector config is unknown';
    return [hop('receiver', signals, `${who} port ${port ?? '?'}`, { status: 'unproven', reason: why }), ...blocked(why)];
  }
  const ep = m.receivers.find((e) => e.port === port);
  if (!ep) {
    const why = `no OTLP receiver of ${who} listens on port ${port ?? '?'}`;
    return [hop('receiver', signals, `${who} port ${port ?? '?'}`, { status: 'unproven', reason: why }), ...blocked(why)];
  }
  const target = `${ep.component}/${ep.protocol} ${ep.effective} (${who})`;
  const configured = `configured ${ep.raw ?? `${ep.effective} (default)`}`;
  const receiver = ((): Hop => {
    const wantHttp = exps.some((e) => isHttp(e.protocol));
    const wantGrpc = exps.some((e) => e.protocol === 'grpc');
    if ((ep.protocol === 'grpc' && wantHttp && !wantGrpc) || (ep.protocol === 'http' && wantGrpc && !wantHttp)) {
      return hop('receiver', signals, target, { status: 'unproven', reason: `the app speaks ${exps[0].protocol}, the receiver on ${port} serves ${ep.protocol}`, detail: configured });
    }
    if (ctx.lint) {
      return ep.class === 'loopback' ? hop('receiver', signals, target, { status: 'unproven', reason: 'loopback: other pods cannot reach it', detail: configured }) : hop('receiver', signals, target, { status: 'ok', sources: ['config'], detail: configured });
    }
    const ev = socketEvidence(ctx, w, port);
    const proof = [...ev.proof];
    const seen = [...ev.seen];
    const refusing = ev.refusing;
    const answered = probesOf(ctx, app).find((p) => p.target.kind === 'app-endpoint' && p.target.host === exps[0].parsed?.host && p.target.port === exps[0].port && p.otlp && (p.otlp.result === 'grpc-ok' || p.otlp.result === 'otlp-http-ok'));
    if (answered?.otlp) { proof.push('exec'); seen.push(`the app's ${answered.otlp.sent} was answered ${answered.otlp.result}`); }
    const detail = [configured, ...(seen.length ? [`listening ${seen.join('; ')}`] : [])].join('; ');
    if (refusing && !answered) { return hop('receiver', signals, target, { status: 'unproven', reason: `pod ${refusing} does not accept connections on ${port} from other pods`, detail }); }
    if (proof.length) { return hop('receiver', signals, target, { status: 'ok', sources: ['config', ...proof], detail }); }
    return hop('receiver', signals, target, { status: 'unproven', reason: socketGap(ctx, c0), detail });
  })();

  // The OTLP receiver registers a signal's gRPC service and HTTP path only when a pipeline of that signal
  // consumes it (collector receiver/otlpreceiver/otlp.go: `if r.nextTraces != nil { ... }`).
  const pls = Object.entries(pipelines(m.config)).filter(([, p]) => p.receivers.includes(ep.component));
  const covered = signals.filter((sig) => pls.some(([name]) => name.split('/')[0] === sig));
  const missing = signals.filter((sig) => !covered.includes(sig));
  const used = pls.filter(([name]) => covered.includes(name.split('/')[0] as Signal));
  const plTarget = `${ep.component} -> ${used.length ? used.map(([n]) => n).join(', ') : 'no pipeline of these signals'}`;
  const pipeline = missing.length
    ? hop('pipeline', signals, plTarget, { status: 'unproven', reason: `no ${missing.join(', ')} pipeline takes ${ep.component}: if the app sends ${missing.length > 1 ? 'them' : 'it'}, the receiver answers gRPC Unimplemented / HTTP 404; whether it does is not known` })
    : hop('pipeline', signals, plTarget, { status: 'ok', sources: ['config'] });

  const exporters = uniq(used.flatMap(([, p]) => p.exporters));
  if (!exporters.length) {
    const why = 'no pipeline of these signals takes the receiver';
    return [receiver, pipeline, hop('exporter', signals, who, { status: 'unproven', reason: why }), hop('backend', signals, who, { status: 'unproven', reason: why })];
  }
  const declared = isMap(m.config.exporters) ? m.config.exporters : {};
  const endpointOf = (id: string): string | undefined => {
    const cfg = declared[id];
    return isMap(cfg) && typeof cfg.endpoint === 'string' ? cfg.endpoint : undefined;
  };
  const wayOutKey = `${w.key}|${port}|${covered.join()}|${signals.join()}`;
  const memo = ctx.wayOut.get(wayOutKey);
  if (memo) { return [receiver, pipeline, ...memo]; }
  const metered = w.pods.map((p) => p.c).filter((c) => c.metrics?.samples);
  const notRead = metricsGap(ctx, w.pods.map((p) => p.c));
  const items = covered.map((sig) => ITEMS[sig]);
  const sum = (base: string, id: string): number | undefined => {
    const xs = metered.flatMap((c) => items.map((it) => sumOf(c.metrics?.samples ?? [], `${base}_${it}`, { exporter: id })));
    return xs.some((x) => x !== undefined) ? xs.reduce<number>((a, x) => a + (x ?? 0), 0) : undefined;
  };
  const gauge = (base: string, id: string): number | undefined => {
    const xs = metered.map((c) => sumOf(c.metrics?.samples ?? [], base, { exporter: id }));
    return xs.some((x) => x !== undefined) ? xs.reduce<number>((a, x) => a + (x ?? 0), 0) : undefined;
  };
  // The exporter helper's own counters (exporterhelper: otelcol_exporter_sent_*, _send_failed_*, _enqueue_failed_*,
  // otelcol_exporter_queue_size / _capacity), summed over the workload's pods whose metrics were read.
  const exporter = ((): Hop => {
    if (!metered.length) { return hop('exporter', signals, exporters.join(', '), { status: 'unproven', reason: notRead }); }
    const seen: string[] = [];
    for (const id of exporters) {
      const sent = sum('otelcol_exporter_sent', id);
      const failed = sum('otelcol_exporter_send_failed', id);
      const enqueueFailed = sum('otelcol_exporter_enqueue_failed', id);
      const size = gauge('otelcol_exporter_queue_size', id);
      const cap = gauge('otelcol_exporter_queue_capacity', id);
      if (sent === undefined && failed === undefined) { return hop('exporter', signals, exporters.join(', '), { status: 'unproven', reason: `no otelcol_exporter_sent_* series for ${id}: it has sent nothing yet` }); }
      if (enqueueFailed || (size !== undefined && cap !== undefined && cap > 0 && size >= cap)) {
        return hop('exporter', signals, exporters.join(', '), { status: 'unproven', reason: `${id}: ${enqueueFailed ?? 0} items refused by a full queue (queue ${size ?? '?'}/${cap ?? '?'})` });
      }
      seen.push(`${id}: queue ${size ?? '?'}/${cap ?? '?'}, 0 refused`);
    }
    return hop('exporter', signals, exporters.join(', '), { status: 'ok', sources: ['metrics'], detail: seen.join('; ') });
  })();
  const remote = exporters.filter((id) => !LOCAL_EXPORTERS.has(id.split('/')[0]));
  const backendTarget = exporters.map((id) => (LOCAL_EXPORTERS.has(id.split('/')[0]) ? `${id} (no network backend)` : `${id} -> ${endpointOf(id) ?? '?'}`)).join(', ');
  const backend = ((): Hop => {
    if (!remote.length) { return hop('backend', signals, backendTarget, { status: 'unproven', reason: `not checked by design: ${exporters.join(', ')} deliver${exporters.length > 1 ? '' : 's'} to no network backend` }); }
    if (!metered.length) { return hop('backend', signals, backendTarget, { status: 'unproven', reason: `delivery is proven by the collector's metrics: ${notRead}` }); }
    const seen: string[] = [];
    for (const id of remote) {
      const sent = sum('otelcol_exporter_sent', id) ?? 0;
      const failed = sum('otelcol_exporter_send_failed', id) ?? 0;
      if (failed > 0) { return hop('backend', signals, backendTarget, { status: 'unproven', reason: `${id}: ${failed} item(s) failed to send, ${sent} sent` }); }
      if (sent === 0) { return hop('backend', signals, backendTarget, { status: 'unproven', reason: `${id} has delivered nothing yet` }); }
      seen.push(`${id}: ${sent} sent, 0 failed`);
    }
    return hop('backend', signals, backendTarget, { status: 'ok', sources: ['metrics'], detail: seen.join('; ') });
  })();
  ctx.wayOut.set(wayOutKey, [exporter, backend]);
  return [receiver, pipeline, exporter, backend];
}

/** The hops of one app container, path by path (one path per distinct host:port it exports to). */
function appPaths(ctx: Ctx, app: AppContainer, pfs: PathFinding[]): Hop[] {
  const exps = exportsOf(app);
  const subj = appSubjectOf(app);
  const mine = pfs.filter((pf) => concerns(pf, app, subj, undefined, []));
  if (!exps.length) {
    return [withFindings(hop('app', [], `${app.namespace}/${app.pod} (${app.container})`, { status: 'unproven', reason: 'the app exports no OTLP signal (OTEL_SDK_DISABLED, or OTEL_<SIGNAL>_EXPORTER without otlp)' }), mine)];
  }
  const groups = new Map<string, SignalExport[]>();
  for (const e of exps) {
    const k = e.parsed && !e.parsed.problems.length ? `${e.parsed.host}|${e.port}` : `unparsed|${e.url ?? ''}`;
    groups.set(k, [...(groups.get(k) ?? []), e]);
  }
  const out: Hop[] = [];
  for (const g of groups.values()) {
    const signals = g.map((e) => e.signal);
    const e0 = g[0];
    const url = uniq(g.map((e) => e.url ?? '')).length === 1 ? e0.url : e0.parsed ? joinHostPort(e0.parsed.host, e0.port ?? '?') : undefined;
    const appTarget = `${url ?? '(no endpoint)'}${e0.protocol ? ` ${e0.protocol}` : ''}`;
    if (!e0.parsed || e0.parsed.problems.length || e0.port === null) {
      const why = e0.parsed?.problems.length ? `the endpoint does not parse: ${e0.parsed.problems.join('; ')}` : 'no endpoint';
      out.push(withFindings(hop('app', signals, appTarget, { status: 'unproven', reason: why }), mine));
      for (const h of ['service', 'receiver', 'pipeline', 'exporter', 'backend'] as const) { out.push(hop(h, signals, '-', { status: 'unproven', reason: why })); }
      continue;
    }
    const r = route(ctx, app, e0.parsed.host, e0.port, signals);
    const workloads = r.workloads;
    const here = pfs.filter((pf) => concerns(pf, app, subj, r.reached.service, workloads));
    const appHop = e0.protocol
      ? hop('app', signals, appTarget, { status: 'ok', sources: ['config'], detail: e0.protocolWhy })
      : hop('app', signals, appTarget, { status: 'unproven', reason: e0.protocolWhy });
    out.push(withFindings(appHop, here), withFindings(r.hop, here));
    if (!workloads.length) {
      const why = r.outside ?? 'no collector reached';
      for (const h of ['receiver', 'pipeline', 'exporter', 'backend'] as const) { out.push(withFindings(hop(h, signals, '-', { status: 'unproven', reason: why }), here)); }
      continue;
    }
    for (const w of workloads) {
      // a collector's own finding counts on the hops of that collector only (a Service may select two)
      const forW = here.filter((pf) => pf.affected || !workloads.some((x) => sameSubject(pf.f.subject, x.subject)) || sameSubject(pf.f.subject, w.subject));
      for (const h of collectorHops(ctx, app, signals, g, w)) { out.push(withFindings(h, forW)); }
    }
  }
  return out;
}

/** The app summaries with their hops (judge() calls this once the findings are final). */
export function withHops(apps: AppSummary[], s: Snapshot, findings: Finding[]): AppSummary[] {
  if (!apps.length) { return apps; }
  const probesByPod = new Map<string, Snapshot['probes']>();
  for (const p of s.probes) {
    const k = `${p.from.namespace}/${p.from.pod}`;
    const list = probesByPod.get(k);
    if (list) { list.push(p); } else { probesByPod.set(k, [p]); }
  }
  const gap = s.incomplete.find((i) => i.check === 'exec' || i.check === 'probes');
  const ctx: Ctx = { s, lint: s.meta.mode === 'lint', probesByPod, routes: new Map(), sockets: new Map(), wayOut: new Map(), reached: new Map(), workloads: new WeakMap(), ...(gap ? { execGap: gap.reason } : {}) };
  const pfs = indexFindings(findings);
  const byKey = new Map(s.apps.map((a) => [appKey(a.namespace, a.pod, a.container), a]));
  // Apps on one path have equal hops: each distinct path is held once and shared (never mutated after
  // this), so 10,000 apps on a few paths do not hold 60,000 hop objects.
  const distinct = new Map<string, Hop[]>();
  return apps.map((sum) => {
    const app = byKey.get(appKey(sum.namespace, sum.pod, sum.container));
    if (!app) { return sum; }
    const hops = appPaths(ctx, app, pfs);
    const k = JSON.stringify(hops);
    const known = distinct.get(k);
    if (!known) { distinct.set(k, hops); }
    return { ...sum, hops: known ?? hops };
  });
}
