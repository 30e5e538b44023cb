/**
 * Shared reasoning for rules: who a collector is (its workload, the object to edit), who its clients are,
 * and what an app's endpoint points at. Pure functions of the Snapshot.
 */
import type { AppContainer, CollectorPod, ProbeRecord, ServiceInfo, Snapshot } from '../snapshot.ts';
import type { AffectedApp, CheckedEntry, Evidence, Subject } from '../report/finding.ts';
import { collectorModel, type CollectorModel, type EffectiveEndpoint } from '../otel/config.ts';
import { appExports, type SignalExport } from '../otel/sdk.ts';
import { canonicalIP, CLUSTER_DOMAIN, isLoopbackHost, joinHostPort } from '../otel/endpoint.ts';
import { lookupHost, serviceHosts, serviceOf, type ServiceHosts } from '../service-host.ts';
export { CLUSTER_DOMAIN };
import { isIP } from 'node:net';


/** Collector pods grouped by owning workload: a finding is per workload, not per replica. */
/** One entry per collector workload; `label` ("Kind ns/name") names it in a rule's checks[]. */
export function collectorWorkloads(s: Snapshot): { subject: Subject; pods: CollectorPod[]; key: string; label: string }[] {
  const m = new Map<string, { subject: Subject; pods: CollectorPod[]; key: string; label: string }>();
  for (const c of s.collectors) {
    const subject = collectorSubject(c);
    const key = `${subject.kind}/${subject.namespace}/${subject.name}/${c.container}`;
    const cur = m.get(key) ?? { subject, pods: [], key, label: `${subject.kind} ${subject.namespace}/${subject.name}` };
    cur.pods.push(c);
    m.set(key, cur);
  }
  return [...m.values()];
}

/**
 * The collector workloads whose effective config is known, with the model of their first replica
 * (replicas share one pod template); every other workload goes into `checked` as skipped, saying why.
 */
export function collectorModels(s: Snapshot, checked: CheckedEntry[]): { w: ReturnType<typeof collectorWorkloads>[number]; c: CollectorPod; m: CollectorModel }[] {
  const out = [];
  for (const w of collectorWorkloads(s)) {
    const c = w.pods[0];
    const m = model(s, c);
    if (m) { out.push({ w, c, m }); }
    else { checked.push({ subject: w.label, status: 'skipped', reason: c.configError ? 'config invalid' : 'effective config unknown' }); }
  }
  return out;
}

export function collectorSubject(c: CollectorPod): Subject {
  if (c.sidecar) { return { kind: 'Pod', namespace: c.namespace, name: c.owner?.name ?? c.pod, container: c.container }; }
  if (c.owner) { return { kind: c.owner.kind, namespace: c.owner.namespace, name: c.owner.name, container: c.container }; }
  return { kind: 'Pod', namespace: c.namespace, name: c.pod, container: c.container };
}

export function appSubject(a: AppContainer): Subject {
  if (a.workload) { return { kind: a.workload.kind, namespace: a.workload.namespace, name: a.workload.name, container: a.container }; }
  return { kind: 'Pod', namespace: a.namespace, name: a.pod, container: a.container };
}

export function podKey(ns: string, pod: string): string {
  return `${ns}/${pod}`;
}

const modelCache = new WeakMap<CollectorPod, CollectorModel | null>();
export function model(s: Snapshot, c: CollectorPod): CollectorModel | null {
  if (!modelCache.has(c)) { modelCache.set(c, collectorModel(c, s.meta.assumedCollectorVersion)); }
  return modelCache.get(c) ?? null;
}

const exportsCache = new WeakMap<AppContainer, SignalExport[]>();
export function exportsOf(a: AppContainer): SignalExport[] {
  if (!exportsCache.has(a)) { exportsCache.set(a, appExports(a)); }
  return exportsCache.get(a) as SignalExport[];
}

export function isHelmChart(c: CollectorPod): boolean {
  const l = c.labels ?? {};
  return (l['helm.sh/chart'] ?? '').startsWith('opentelemetry-collector') || l['app.kubernetes.io/managed-by'] === 'Helm' && l['app.kubernetes.io/name'] === 'opentelemetry-collector';
}

/** The object a user edits to change the collector config, in words. */
export function configTarget(c: CollectorPod, path?: string): string {
  if (c.managedBy?.crName || c.managedBy) {
    const name = c.managedBy?.crName ?? c.owner?.name?.replace(/-collector$/, '') ?? c.pod;
    return `OpenTelemetryCollector ${c.namespace}/${name} (spec.config${path ? `.${path}` : ''})`;
  }
  if (isHelmChart(c) && path) { return `Helm value \`config.${path}\` (release of chart opentelemetry-collector)`; }
  const cm = c.configSources.find((x) => x.kind === 'configMap' && x.configMap);
  if (cm?.configMap) { return `ConfigMap ${cm.configMap.namespace}/${cm.configMap.name} key ${cm.configMap.key}${path ? ` (${path})` : ''}`; }
  const env = c.configSources.find((x) => x.kind === 'env');
  if (env) { return `the env var ${env.env} of ${collectorSubject(c).kind} ${c.namespace}/${collectorSubject(c).name}${path ? ` (${path})` : ''}`; }
  return `the collector config of ${collectorSubject(c).kind} ${c.namespace}/${collectorSubject(c).name}${path ? ` (${path})` : ''}`;
}

export function configSourceText(c: CollectorPod): string {
  const srcs = c.configSources.map((x) =>
    x.configMap ? `ConfigMap ${x.configMap.namespace}/${x.configMap.name} key ${x.configMap.key}` : x.crName ? `OpenTelemetryCollector ${c.namespace}/${x.crName}` : x.arg ?? x.kind,
  );
  return srcs.length ? srcs.join(', ') : 'the collector config';
}

/** Where an app's endpoint host leads. */
export type TargetResolution =
  | { kind: 'loopback' }
  | { kind: 'all-interfaces' }
  | { kind: 'service'; service: ServiceInfo; collectors: CollectorPod[] }
  | { kind: 'missing-service'; name: string; namespace: string; existsIn: string[] }
  | { kind: 'collector-pod'; collectors: CollectorPod[]; viaHostIP?: boolean }
  | { kind: 'external' };

/**
 * Lookup tables over one snapshot for resolveHost: clientsOf resolves every app's endpoint once per
 * collector, and linear scans there made a 1,000-collector lint run cubic.
 */
export interface HostIndex {
  byPodIP: Map<string, CollectorPod[]>;
  byHostIP: Map<string, CollectorPod[]>;
  /** what a host names (src/service-host.ts), with every namespace the snapshot knows */
  hosts: ServiceHosts;
  serviceNamespaces: Map<string, string[]>;
  collectorsByKey: Map<string, { c: CollectorPod; i: number }[]>;
  /** resolveHost's answers by namespace and host */
  resolved?: Map<string, TargetResolution>;
}

/**
 * Rules judge a snapshot without changing it (judge() hands them a fresh normalised copy each run), so the
 * index is kept per snapshot; it is rebuilt when the arrays it was built from are replaced or change length.
 */
const hostIndexes = new WeakMap<Snapshot, { idx: HostIndex; from: unknown[]; clients?: Map<CollectorPod, Client[]> }>();

function indexEntry(s: Snapshot): { idx: HostIndex; from: unknown[]; clients?: Map<CollectorPod, Client[]> } {
  const from = [s.collectors, s.collectors.length, s.services, s.services.length, s.apps, s.apps.length, s.namespaces, s.namespaces?.length, s.meta.collectorNamespaces, s.meta.collectorNamespaces.length];
  const hit = hostIndexes.get(s);
  if (hit && hit.from.every((x, i) => x === from[i])) { return hit; }
  const entry = { idx: buildHostIndex(s), from };
  hostIndexes.set(s, entry);
  return entry;
}

export function hostIndex(s: Snapshot): HostIndex {
  return indexEntry(s).idx;
}

function buildHostIndex(s: Snapshot): HostIndex {
  const push = <V>(m: Map<string, V[]>, k: string | null | undefined, v: V): void => {
    if (k === null || k === undefined) { return; }
    const list = m.get(k);
    if (list) { list.push(v); } else { m.set(k, [v]); }
  };
  const byPodIP = new Map<string, CollectorPod[]>();
  const byHostIP = new Map<string, CollectorPod[]>();
  const collectorsByKey = new Map<string, { c: CollectorPod; i: number }[]>();
  const serviceNamespaces = new Map<string, string[]>();
  const namespaces = new Set<string>();
  s.collectors.forEach((c, i) => {
    push(byPodIP, c.podIP ? canonicalIP(c.podIP) : c.podIP, c);
    push(byHostIP, c.hostIP ? canonicalIP(c.hostIP) : c.hostIP, c);
    push(collectorsByKey, podKey(c.namespace, c.pod), { c, i });
    namespaces.add(c.namespace);
  });
  for (const v of s.services) { push(serviceNamespaces, v.name, v.namespace); }
  for (const n of s.namespaces ?? []) { namespaces.add(n.name); }
  for (const a of s.apps) { namespaces.add(a.namespace); }
  for (const n of s.meta.collectorNamespaces) { namespaces.add(n); }
  const idx: HostIndex = { byPodIP, byHostIP, hosts: serviceHosts(s.services, namespaces), serviceNamespaces, collectorsByKey };
  return idx;
}

/**
 * What a host names, seen from a namespace. Answers are kept per index (every rule asks it of every app's
 * endpoints: at 10,000 apps most of judge's time was spent here) and frozen, as callers share them.
 */
export function resolveHost(s: Snapshot, fromNs: string, host: string, idx: HostIndex = hostIndex(s)): TargetResolution {
  const memo = idx.resolved ?? (idx.resolved = new Map());
  const key = `${fromNs}\0${host}`;
  const hit = memo.get(key);
  if (hit) { return hit; }
  const r = resolveHostUncached(s, fromNs, host, idx);
  for (const v of Object.values(r)) { if (Array.isArray(v)) { Object.freeze(v); } }
  memo.set(key, Object.freeze(r));
  return r;
}

function resolveHostUncached(s: Snapshot, fromNs: string, host: string, idx: HostIndex): TargetResolution {
  if (isLoopbackHost(host.replace(/^\[(.*)\]$/, '$1'))) { return { kind: 'loopback' }; }
  const a = lookupHost(idx.hosts, fromNs, host);
  if (a.kind === 'ip') {
    if (a.ip === '0.0.0.0' || a.ip === '::') { return { kind: 'all-interfaces' }; }
    const byIP = idx.byPodIP.get(a.ip) ?? [];
    if (byIP.length) { return { kind: 'collector-pod', collectors: byIP }; }
    const byNodeIP = idx.byHostIP.get(a.ip) ?? [];
    const byHost = byNodeIP.filter((c) => c.hostNetwork || c.containerPorts.some((p) => p.hostPort));
    if (byHost.length) { return { kind: 'collector-pod', collectors: byHost, viaHostIP: true }; }
    if (byNodeIP.length) { return { kind: 'collector-pod', collectors: byNodeIP, viaHostIP: true }; }
  }
  const svc = serviceOf(a);
  if (svc) { return { kind: 'service', service: svc, collectors: collectorsOfService(s, svc, idx) }; }
  if (a.kind === 'endpoint') {
    // One endpoint by name: that pod, not the Service (its ports and policy do not apply).
    const byIP = idx.byPodIP.get(a.ip) ?? [];
    if (byIP.length) { return { kind: 'collector-pod', collectors: byIP }; }
  }
  if (a.kind === 'missing-service') {
    return { kind: 'missing-service', name: a.name, namespace: a.namespace, existsIn: [...(idx.serviceNamespaces.get(a.name) ?? [])] };
  }
  return { kind: 'external' };
}

export function collectorsOfService(s: Snapshot, svc: ServiceInfo, idx: HostIndex = hostIndex(s)): CollectorPod[] {
  // The collectors whose pod key the Service matched, in snapshot order, found by key: a scan of every
  // collector per Service made large snapshots quadratic.
  const hits: { c: CollectorPod; i: number }[] = [];
  for (const k of new Set(svc.matchedCollectorPods)) { hits.push(...(idx.collectorsByKey.get(k) ?? [])); }
  return hits.sort((x, y) => x.i - y.i).map((h) => h.c);
}

/** The TCP ports a Service declares (OTLP is TCP; a UDP port of the same number carries nothing of it). */
export function serviceTcpPorts(v: ServiceInfo): ServiceInfo['ports'] {
  return v.ports.filter((p) => !p.protocol || p.protocol.toUpperCase() === 'TCP');
}

/**
 * A ClusterIP Service that declares TCP ports, none of them `port`: kube-proxy forwards nothing there, so
 * a connection times out or is refused (app-port-not-exposed's case; other rules leave it to that one).
 */
export function unpublishedPort(v: ServiceInfo, port: number): boolean {
  if (v.type === 'ExternalName' || v.clusterIP === 'None') { return false; }
  const ports = serviceTcpPorts(v);
  return ports.length > 0 && !ports.some((p) => p.port === port);
}

/** The container port a Service port leads to on a pod (named targetPort resolved), or null. */
export function targetPortOn(c: CollectorPod, sp: { port: number; targetPort?: number | string }): number | null {
  const tp = sp.targetPort ?? sp.port;
  if (typeof tp === 'number') { return tp; }
  if (/^\d+$/.test(tp)) { return Number(tp); }
  const cp = c.containerPorts.find((p) => p.name === tp);
  return cp ? cp.containerPort : null;
}

export interface Client {
  app: AppContainer;
  exp: SignalExport;
  /** the collector port the traffic arrives on */
  collectorPort: number | null;
  via: 'service' | 'pod-ip' | 'host-ip' | 'same-pod';
  service?: ServiceInfo;
}

/** Apps whose exports land on this collector pod, and on which port. */
export function clientsOf(s: Snapshot, c: CollectorPod): Client[] {
  const entry = indexEntry(s);
  // Every app's endpoint is resolved once for all collectors: per collector it made large snapshots quadratic.
  entry.clients ??= allClients(s, entry.idx);
  return [...(entry.clients.get(c) ?? [])];
}

function allClients(s: Snapshot, idx: HostIndex): Map<CollectorPod, Client[]> {
  const out = new Map<CollectorPod, Client[]>();
  const add = (c: CollectorPod, client: Client): void => {
    const list = out.get(c);
    if (list) { list.push(client); } else { out.set(c, [client]); }
  };
  for (const app of s.apps) {
    for (const exp of exportsOf(app)) {
      if (!exp.parsed || exp.port === null) { continue; }
      const r = resolveHost(s, app.namespace, exp.parsed.host, idx);
      if (r.kind === 'loopback') {
        for (const { c } of idx.collectorsByKey.get(podKey(app.namespace, app.pod)) ?? []) {
          if (c.namespace === app.namespace && c.pod === app.pod) { add(c, { app, exp, collectorPort: exp.port, via: 'same-pod' }); }
        }
      } else if (r.kind === 'collector-pod') {
        for (const c of new Set(r.collectors)) { add(c, { app, exp, collectorPort: exp.port, via: r.viaHostIP ? 'host-ip' : 'pod-ip' }); }
      } else if (r.kind === 'service') {
        const sp = r.service.ports.find((p) => p.port === exp.port);
        for (const c of new Set(r.collectors)) { add(c, { app, exp, collectorPort: sp ? targetPortOn(c, sp) : null, via: 'service', service: r.service }); }
      }
    }
  }
  return out;
}

export function affected(clients: Client[], symptoms: (c: Client) => string[] = () => []): AffectedApp[] {
  const m = new Map<string, AffectedApp>();
  for (const cl of clients) {
    const a = cl.app;
    const k = `${a.namespace}/${a.pod}/${a.container}`;
    const cur = m.get(k) ?? { namespace: a.namespace, workload: a.workload?.name, pod: a.pod, container: a.container, endpoint: cl.exp.url, symptoms: [] };
    for (const sy of symptoms(cl)) { if (!cur.symptoms.includes(sy)) { cur.symptoms.push(sy); } }
    m.set(k, cur);
  }
  return [...m.values()];
}

export function probesFrom(s: Snapshot, app: AppContainer): ProbeRecord[] {
  // An app on a path another pod probed for (gather/plan.ts groupProbes) has that pod's probes.
  const by = app.probedBy ?? app;
  return s.probes.filter((p) => p.from.namespace === by.namespace && p.from.pod === by.pod);
}

/** ` (for N apps in M pods)` when a probe spoke for more than its own container. */
function standsForText(p: ProbeRecord): string {
  const f = p.standsFor;
  return f && f.apps > 1 ? ` (one probe for ${f.apps} apps in ${f.pods} pods of ${f.workloads} workloads${f.namespaces ? ` in ${f.namespaces} namespaces` : ''} on this path)` : '';
}

/** Probes that aimed at this collector (its service, its pod IP, or an app endpoint that resolves to it). */
export function probesTo(s: Snapshot, c: CollectorPod, port?: number): ProbeRecord[] {
  return s.probes.filter((p) => {
    if (port !== undefined && p.target.port !== port && !(p.target.kind === 'service')) { return false; }
    if (p.target.kind === 'pod-ip') { return p.target.host === c.podIP || p.target.ref === podKey(c.namespace, c.pod); }
    const svcRef = p.target.ref;
    if (p.target.kind === 'service' && svcRef) {
      const svc = s.services.find((v) => `${v.namespace}/${v.name}` === svcRef);
      return !!svc && svc.matchedCollectorPods.includes(podKey(c.namespace, c.pod));
    }
    const r = resolveHost(s, p.from.namespace, p.target.host);
    return (r.kind === 'service' || r.kind === 'collector-pod') && r.collectors.includes(c);
  });
}

export function probeText(p: ProbeRecord): string {
  const how = p.method ? ` via ${p.method}` : '';
  return `probe from ${p.from.namespace}/${p.from.pod} to ${joinHostPort(p.target.host, p.target.port)}${how}: ${p.result}${p.reason ? ` (${p.reason})` : ''}${standsForText(p)}`;
}

/** An app-endpoint probe that spoke the app's protocol and read an answer. */
export type OtlpProbe = ProbeRecord & { otlp: NonNullable<ProbeRecord['otlp']> };

/** The app's endpoint probes that spoke OTLP (gather/otlp-probe.ts), whose answer is in `results` when given. */
export function otlpProbesFrom(s: Snapshot, app: AppContainer, results?: readonly string[]): OtlpProbe[] {
  return probesFrom(s, app).filter((p): p is OtlpProbe => p.from.container === (app.probedBy ?? app).container && p.target.kind === 'app-endpoint' && !!p.otlp && (!results || results.includes(p.otlp.result)));
}

export function otlpProbeText(p: OtlpProbe): string {
  const o = p.otlp;
  const sent = o.sent === 'http-post' ? `POST ${o.path ?? '/'}${o.contentType ? ` (${o.contentType})` : ''}` : o.sent === 'h2-preface' ? 'the HTTP/2 preface (gRPC)' : 'a TLS ClientHello';
  return `probe from ${p.from.namespace}/${p.from.pod} sent ${sent} to ${joinHostPort(p.target.host, p.target.port)}${o.tool ? ` with ${o.tool}` : ''}: ${o.result}, ${o.detail}${standsForText(p)}`;
}

/**
 * What an app's protocol-mismatch log lines (appLogMatches(..., ['protocol'])) show it sending: the only
 * evidence for a Go exporter, which links one protocol and has no variable to read.
 */
export function protocolFromLogs(matches: { signature: string }[]): { protocol: 'grpc' | 'http/protobuf'; signature: string } | undefined {
  const sig = matches[0]?.signature;
  if (!sig) { return undefined; }
  if (/grpc-to-http/.test(sig)) { return { protocol: 'grpc', signature: sig }; }
  if (/http-to-grpc/.test(sig)) { return { protocol: 'http/protobuf', signature: sig }; }
  return undefined;
}

export function appLogMatches(s: Snapshot, app: AppContainer, kinds?: string[]): { line: string; signature: string; kind: string }[] {
  return s.logs
    .filter((l) => l.role === 'app' && l.namespace === app.namespace && l.pod === app.pod && l.container === app.container)
    .flatMap((l) => l.matches)
    .filter((m) => !kinds || kinds.includes(m.kind));
}

export function collectorLogMatches(s: Snapshot, c: CollectorPod, kinds?: string[]): { line: string; signature: string; kind: string; fields?: Record<string, string> }[] {
  return s.logs
    .filter((l) => l.role === 'collector' && l.namespace === c.namespace && l.pod === c.pod)
    .flatMap((l) => l.matches)
    .filter((m) => !kinds || kinds.includes(m.kind));
}

export function endpointEvidence(c: CollectorPod, ep: EffectiveEndpoint): Evidence {
  const how = ep.raw === undefined ? `unset; ${ep.defaultedBy === 'operator-default' ? 'the operator sets' : 'the collector defaults to'} ${ep.effective}` : `\`${ep.raw}\`${ep.expanded !== ep.raw ? ` -> ${ep.expanded}` : ''}`;
  return { source: 'config', detail: `${ep.path}: ${how} (${configSourceText(c)}, ${c.image})` };
}

export function truncate(s: string, n = 300): string {
  return s.length > n ? `${s.slice(0, n - 1)}…` : s;
}

export function uniq<T>(xs: T[]): T[] {
  return [...new Set(xs)];
}

/** What the files or the cluster say of the address family: IPv6-first or dual-stack Services, IPv6 pod IPs, IPv6 ipBlocks. */
export function ipv6Hints(s: Snapshot): string[] {
  const out: string[] = [];
  for (const v of s.services) {
    const fam = v.ipFamilies ?? [];
    const ips = [v.clusterIP ?? '', ...(v.clusterIPs ?? [])].filter((ip) => isIP(ip) === 6);
    if (fam[0] === 'IPv6') { out.push(`Service ${v.namespace}/${v.name} spec.ipFamilies: [${fam.join(', ')}] (IPv6 first)`); }
    else if (fam.includes('IPv6')) { out.push(`Service ${v.namespace}/${v.name} spec.ipFamilies: [${fam.join(', ')}] (dual-stack)`); }
    else if (v.ipFamilyPolicy === 'RequireDualStack' || v.ipFamilyPolicy === 'PreferDualStack') { out.push(`Service ${v.namespace}/${v.name} spec.ipFamilyPolicy: ${v.ipFamilyPolicy}`); }
    else if (ips.length) { out.push(`Service ${v.namespace}/${v.name} has the IPv6 cluster IP ${ips[0]}`); }
  }
  for (const p of [...s.collectors, ...s.apps]) {
    const v6 = [p.podIP ?? '', ...(p.podIPs ?? [])].find((ip) => isIP(ip) === 6);
    if (v6) { out.push(`pod ${p.namespace}/${p.pod} has the IPv6 pod IP ${v6}`); }
  }
  for (const np of s.networkPolicies) {
    const cidr = (np.ingress ?? []).flatMap((r) => r.from ?? []).map((f) => f.ipBlock?.cidr).find((x) => x?.includes(':'));
    if (cidr) { out.push(`NetworkPolicy ${np.namespace}/${np.name} allows the IPv6 block ${cidr}`); }
  }
  return out;
}

const hintsCache = new WeakMap<Snapshot, boolean>();

/**
 * The pod-IP binding a fix suggests: `[${env:MY_POD_IP}]:port` where the snapshot shows IPv6 (the bare form
 * is Go's `too many colons in address` there: endpoint-ipv6-unbracketed), the chart's bare form elsewhere.
 */
export function podIpEndpoint(s: Snapshot, port: number | string | null): string {
  if (!hintsCache.has(s)) { hintsCache.set(s, ipv6Hints(s).length > 0); }
  return hintsCache.get(s) ? `[\${env:MY_POD_IP}]:${port}` : `\${env:MY_POD_IP}:${port}`;
}
