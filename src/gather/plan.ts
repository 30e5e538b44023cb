/**
 * Probe planning, pure: which app pods probe (one per distinct path, plus a bounded sample), and which
 * targets each one dials (its endpoints, the collector Service behind them, a collector pod IP).
 */
import type { AppContainer, LabelSelector, NetworkPolicyInfo, ProbeRecord, ServiceInfo, Signal } from '../snapshot.ts';
import { namespaceLabels, selectorMatches } from '../selectors.ts';
import type { DiscoveredApp, Discovery } from './discover.ts';
import { appExports, isHttp } from '../otel/sdk.ts';
import { SIGNALS } from './models.ts';
import { isValidProbePath, type OtlpSpeak } from './otlp-probe.ts';
import { parseProbeTarget } from './probe-target.ts';
import { canonicalIP, CLUSTER_DOMAIN, isLoopbackHost, joinHostPort } from '../otel/endpoint.ts';
import { hostSameFromEveryNamespace, lookupHost, serviceHosts, serviceHostsOf, serviceOf, type ServiceHosts } from '../service-host.ts';

export { hostSameFromEveryNamespace };

export interface ProbePlan {
  app: DiscoveredApp;
  kind: ProbeRecord['target']['kind'];
  endpoint?: string;
  signal?: Signal;
  ref?: string;
  parsed: ReturnType<typeof parseProbeTarget>;
}

/** At most this many extra pods probed beyond one per path, over the largest groups (a check that the path is one). */
export const PROBE_SAMPLE = 10;

export interface ProbeGroup {
  key: string;
  /** indexes into the apps of every container on this path */
  members: number[];
  /** indexes of the containers that probe for all of them (their pods' containers on this path) */
  probing: number[];
  pods: number;
  workloads: number;
  namespaces: number;
}

/** The label keys NetworkPolicies select pods on (their own podSelector and their peers'): paths differ by them. */
export function policyLabelKeys(policies: NetworkPolicyInfo[] | { spec?: any }[]): Set<string> {
  const keys = new Set<string>();
  const add = (sel: any): void => {
    if (!sel || typeof sel !== 'object') { return; }
    for (const k of Object.keys(sel.matchLabels ?? {})) { keys.add(k); }
    for (const e of Array.isArray(sel.matchExpressions) ? sel.matchExpressions : []) { if (typeof e?.key === 'string') { keys.add(e.key); } }
  };
  for (const p of policies as any[]) {
    const spec = p.spec ?? p;
    add(spec.podSelector);
    for (const rule of [...(Array.isArray(spec.ingress) ? spec.ingress : []), ...(Array.isArray(spec.egress) ? spec.egress : [])]) {
      for (const peer of [...(Array.isArray(rule?.from) ? rule.from : []), ...(Array.isArray(rule?.to) ? rule.to : [])]) { add(peer?.podSelector); }
    }
  }
  return keys;
}

/** What an app's path depends on beyond its own targets, read once per diagnosis (pathContext). */
export interface PathContext {
  services: ServiceInfo[];
  /** the label keys NetworkPolicies select pods on (policyLabelKeys) */
  policyKeys: Set<string>;
  /** namespaces holding a NetworkPolicy: their egress rules and their podSelector-only peers apply there alone */
  policyNamespaces: Set<string>;
  /** every distinct namespaceSelector of the policies' peers */
  namespaceSelectors: LabelSelector[];
  /** namespace labels by name; undefined when namespaces could not be listed */
  namespaceLabels?: Map<string, Record<string, string>>;
  /** namespaces whose NetworkPolicies could not be listed ('all': the cluster-wide list failed) */
  policiesUnread: Set<string> | 'all';
  /** addresses in the cluster beside Services (collector pod IPs, node IPs), canonical (canonicalIP) */
  addresses: Set<string>;
  /** what a host names (src/service-host.ts) */
  hosts: ServiceHosts;
  /** API groups of network policies the plugin does not read, served by this cluster (undefined: discovery failed) */
  otherPolicyGroups?: string[];
}

/**
 * Network policy APIs beside networking.k8s.io's NetworkPolicy that can drop a pod's traffic per namespace
 * or by namespace labels, which the plugin does not read: where the cluster serves one, no namespace is
 * assumed to share another's path. Cilium: CiliumNetworkPolicy, CiliumClusterwideNetworkPolicy (cilium.io/v2).
 * Calico: NetworkPolicy, GlobalNetworkPolicy (crd.projectcalico.org/v1; projectcalico.org/v3 through its API
 * server). Antrea: NetworkPolicy, ClusterNetworkPolicy (crd.antrea.io). SIG Network's AdminNetworkPolicy and
 * BaselineAdminNetworkPolicy (policy.networking.k8s.io).
 */
export const OTHER_POLICY_GROUPS = ['cilium.io', 'crd.projectcalico.org', 'projectcalico.org', 'crd.antrea.io', 'policy.networking.k8s.io'] as const;

export function pathContext(
  services: ServiceInfo[],
  policies: NetworkPolicyInfo[] | { metadata?: { namespace?: string }; spec?: any }[],
  namespaces?: { name: string; labels: Record<string, string> }[],
  more: { policyListFailures?: { namespace?: string }[]; addresses?: (string | null | undefined)[]; apiGroups?: string[] | null } = {},
): PathContext {
  const policyNamespaces = new Set<string>();
  const selectors = new Map<string, LabelSelector>();
  for (const p of policies as any[]) {
    const ns = p.metadata?.namespace ?? p.namespace;
    if (typeof ns === 'string') { policyNamespaces.add(ns); }
    const spec = p.spec ?? p;
    for (const rule of [...(Array.isArray(spec.ingress) ? spec.ingress : []), ...(Array.isArray(spec.egress) ? spec.egress : [])]) {
      for (const peer of [...(Array.isArray(rule?.from) ? rule.from : []), ...(Array.isArray(rule?.to) ? rule.to : [])]) {
        if (peer?.namespaceSelector && typeof peer.namespaceSelector === 'object') { selectors.set(JSON.stringify(peer.namespaceSelector), peer.namespaceSelector); }
      }
    }
  }
  const failures = more.policyListFailures ?? [];
  const addresses = new Set<string>();
  for (const a of more.addresses ?? []) { if (a) { addresses.add(canonicalIP(a)); } }
  return {
    services,
    policyKeys: policyLabelKeys(policies),
    policyNamespaces,
    namespaceSelectors: [...selectors.values()],
    ...(namespaces ? { namespaceLabels: new Map(namespaces.map((n) => [n.name, n.labels])) } : {}),
    policiesUnread: failures.some((f) => f.namespace === undefined) ? 'all' : new Set(failures.map((f) => f.namespace!)),
    addresses,
    hosts: serviceHosts(services, (namespaces ?? []).map((n) => n.name)),
    // Discovery not asked (lint, unit tests): nothing known beside NetworkPolicy; asked and failed: unknown.
    ...(more.apiGroups === null ? {} : { otherPolicyGroups: OTHER_POLICY_GROUPS.filter((g) => (more.apiGroups ?? []).includes(g)) }),
  };
}

/**
 * Service meshes that intercept a pod's traffic and take per-namespace configuration (Istio's Sidecar and
 * PeerAuthentication, Linkerd's and Kuma's policies, Consul's intentions, App Mesh's virtual nodes). Each
 * marks the pods it injected, or is asked to inject, with keys of its own domain (Istio:
 * sidecar.istio.io/status, security.istio.io/tlsMode, ambient.istio.io/redirection; Linkerd:
 * linkerd.io/proxy-version; Kuma: kuma.io/sidecar-injected; Consul: consul.hashicorp.com/connect-inject-status;
 * App Mesh: appmesh.k8s.aws/sidecarInjectorWebhook).
 */
const MESH_DOMAINS = /(^|\.)(istio\.io|linkerd\.io|kuma\.io|consul\.hashicorp\.com|appmesh\.k8s\.aws)\//;

/**
 * The namespace's part in an app's path. The namespace itself where it can change the path: a target
 * resolved through the namespace's search path; a target outside the cluster (egress controls beyond
 * NetworkPolicy, such as egress firewalls and gateways, are set per namespace); a NetworkPolicy in the
 * namespace (its egress rules, its same-namespace peers), policies there that could not be read, or policy
 * APIs the plugin does not read (OTHER_POLICY_GROUPS) served anywhere in the cluster; a mesh
 * that configures the pod per namespace; namespace labels unknown while policies select namespaces.
 * Elsewhere only which namespaceSelectors select the namespace, so apps of many namespaces share one probe.
 */
function namespacePart(app: AppContainer, plans: ProbePlan[], ctx: PathContext): string {
  const hosts = plans.flatMap((p) => (p.parsed.ok ? [p.parsed.target.host] : []));
  const searched = hosts.some((h) => !hostSameFromEveryNamespace(h));
  const outside = hosts.some((h) => !inCluster(h, app.namespace, ctx));
  const meshed = [...Object.keys(app.labels ?? {}), ...Object.keys(app.annotations ?? {})].some((k) => MESH_DOMAINS.test(k) || k === 'istio-injection');
  const unknownLabels = ctx.namespaceSelectors.length > 0 && !ctx.namespaceLabels;
  const unread = ctx.policiesUnread === 'all' || ctx.policiesUnread.has(app.namespace) || ctx.otherPolicyGroups === undefined || ctx.otherPolicyGroups.length > 0;
  if (searched || outside || meshed || unknownLabels || unread || ctx.policyNamespaces.has(app.namespace)) { return `ns:${app.namespace}`; }
  const labels = namespaceLabels(app.namespace, ctx.namespaceLabels?.get(app.namespace));
  return `sel:${ctx.namespaceSelectors.map((s) => (selectorMatches(s, labels) ? '1' : '0')).join('')}`;
}

/**
 * Whether a host leads into the cluster from the namespace: a Service (by a name that answers or a cluster
 * IP), one endpoint of one, a collector pod or node address, loopback. A cluster name that answers nothing
 * is not: each namespace keeps its own probe of it.
 */
function inCluster(host: string, ns: string, ctx: PathContext): boolean {
  if (isLoopbackHost(host.replace(/^\[(.*)\]$/, '$1'))) { return true; }
  const a = lookupHost(ctx.hosts, ns, host);
  return a.kind === 'service' || a.kind === 'endpoint' || (a.kind === 'ip' && (a.service !== undefined || ctx.addresses.has(a.ip)));
}

/**
 * The path an app container's telemetry takes, as a key: what the namespace changes of it (namespacePart),
 * what it dials and how it speaks (the planned targets), the values of the labels NetworkPolicies select on,
 * the node where the path depends on it (a node-local Service, an endpoint from the node's IP), and the pod
 * itself where a sidecar collector answers (each pod its own).
 */
export function pathKey(app: AppContainer, plans: ProbePlan[], ctx: PathContext, podDns = ''): string {
  const targets = plans.map((p) => (p.parsed.ok ? `${p.kind}|${p.signal ?? ''}|${p.parsed.target.host}|${p.parsed.target.port}|${JSON.stringify(p.parsed.target.otlp ?? null)}` : `${p.kind}|${p.signal ?? ''}|bad|${p.endpoint ?? ''}`));
  const labels = [...ctx.policyKeys].sort().map((k) => `${k}=${app.labels?.[k] ?? '\0'}`);
  // A node-local Service, however the app names it (planProbes drops the Service target when the
  // endpoint already is its FQDN and port).
  const local = (v: ServiceInfo | undefined): boolean => v?.internalTrafficPolicy === 'Local';
  const nodeLocal = plans.some((p) => (p.kind === 'service' && local(ctx.services.find((s) => `${s.namespace}/${s.name}` === p.ref))) || (p.kind === 'app-endpoint' && p.parsed.ok && local(serviceOf(lookupHost(ctx.hosts, app.namespace, p.parsed.target.host)))))
    || ['fieldRef', 'var-ref'].includes(app.exporter.endpoint?.origin ?? '') || Object.values(app.exporter.signals ?? {}).some((s) => ['fieldRef', 'var-ref'].includes(s?.endpoint?.origin ?? ''));
  return JSON.stringify([namespacePart(app, plans, ctx), targets, labels, nodeLocal ? (app.node ?? '') : '', app.sidecarCollector ? app.pod : '', app.hostNetwork ? (app.node ?? '') : '', podDns]);
}

/**
 * What of a pod's spec changes how its names resolve: dnsPolicy other than ClusterFirst, dnsConfig,
 * hostAliases (kubelet writes the latter two into the pod's resolv.conf and /etc/hosts). Empty when the pod
 * resolves as every ClusterFirst pod of its namespace does.
 */
export function podDnsKey(spec: { dnsPolicy?: unknown; dnsConfig?: unknown; hostAliases?: unknown; hostNetwork?: unknown } | undefined): string {
  if (!spec) { return ''; }
  const policy = typeof spec.dnsPolicy === 'string' ? spec.dnsPolicy : 'ClusterFirst';
  const parts = { ...(policy !== 'ClusterFirst' ? { dnsPolicy: policy } : {}), ...(spec.dnsConfig ? { dnsConfig: spec.dnsConfig } : {}), ...(spec.hostAliases ? { hostAliases: spec.hostAliases } : {}) };
  return Object.keys(parts).length ? JSON.stringify(parts) : '';
}

/**
 * Which pods probe: apps grouped by path (pathKey); per group the pods of the first ready candidates (a
 * running pod, its container ready) up to `perGroup`, then a few more pods over the largest groups, each
 * from a namespace and a workload not yet probing there where the group has one: a check of the grouping,
 * not a second census. One in ten groups gets one, and every group that spans namespaces, at most
 * PROBE_SAMPLE. Every container of a chosen pod on the same path probes.
 */
export function groupProbes(apps: AppContainer[], keys: string[], opts: { perGroup?: number; sample?: number } = {}): ProbeGroup[] {
  const perGroup = Math.max(1, opts.perGroup ?? 1);
  const byKey = new Map<string, number[]>();
  for (const [i, k] of keys.entries()) { (byKey.get(k) ?? byKey.set(k, []).get(k)!).push(i); }
  const podOf = (i: number): string => `${apps[i].namespace}/${apps[i].pod}`;
  const wlOf = (i: number): string => (apps[i].workload ? `${apps[i].namespace}/${apps[i].workload!.kind}/${apps[i].workload!.name}` : `${apps[i].namespace}/Pod/${apps[i].pod}`);
  const rank = (i: number): number => (apps[i].ready === true ? 0 : apps[i].ready === undefined ? 1 : 2);
  const groups: ProbeGroup[] = [];
  const candidates = new Map<string, number[]>();
  for (const [key, members] of byKey) {
    // Stable: ready first, then the order discovery found them in.
    const order = [...members].sort((a, b) => rank(a) - rank(b) || a - b);
    candidates.set(key, order);
    const pods = new Set(members.map(podOf));
    const chosen = new Set<string>();
    for (const i of order) {
      if (chosen.size >= perGroup) { break; }
      chosen.add(podOf(i));
    }
    groups.push({ key, members, probing: members.filter((i) => chosen.has(podOf(i))), pods: pods.size, workloads: new Set(members.map(wlOf)).size, namespaces: new Set(members.map((i) => apps[i].namespace)).size });
  }
  const spanning = groups.filter((g) => g.namespaces > 1).length;
  let left = Math.max(0, opts.sample ?? Math.min(PROBE_SAMPLE, Math.max(Math.ceil(groups.length / 10), spanning)));
  const bySize = [...groups].sort((a, b) => (b.namespaces > 1 ? 1 : 0) - (a.namespaces > 1 ? 1 : 0) || b.members.length - a.members.length || (a.key < b.key ? -1 : 1));
  for (const g of bySize) {
    if (left <= 0) { break; }
    const probingNs = new Set(g.probing.map((i) => apps[i].namespace));
    const probingWl = new Set(g.probing.map(wlOf));
    const probingPods = new Set(g.probing.map(podOf));
    const fresh = candidates.get(g.key)!.filter((i) => !probingWl.has(wlOf(i)) && !probingPods.has(podOf(i)) && apps[i].ready !== false);
    const extra = fresh.find((i) => !probingNs.has(apps[i].namespace)) ?? fresh[0];
    if (extra === undefined) { continue; }
    const pod = podOf(extra);
    g.probing.push(...g.members.filter((i) => podOf(i) === pod));
    left--;
  }
  for (const g of groups) { g.probing.sort((a, b) => a - b); }
  return groups;
}

/** What to probe from one app container: its endpoints, the collector Service behind them, a collector pod IP. */
export function planProbes(app: AppContainer, d: DiscoveredApp, disc: Discovery, services: ServiceInfo[]): ProbePlan[] {
  const plans: ProbePlan[] = [];
  const endpoints = new Map<string, Signal | undefined>();
  const ex = app.exporter;
  if (ex.endpoint?.value !== undefined) { endpoints.set(ex.endpoint.value, undefined); }
  for (const s of SIGNALS) {
    const v = ex.signals?.[s]?.endpoint?.value;
    if (v !== undefined && !endpoints.has(v)) { endpoints.set(v, s); }
  }
  const exports = appExports(app);
  for (const [endpoint, signal] of endpoints) {
    const parsed = parseProbeTarget(endpoint);
    // What the SDK sends on this endpoint: the signal's export when per-signal, else the first one using it.
    const e = exports.find((x) => x.endpointSetting?.value === endpoint && (signal === undefined ? !x.perSignal : x.signal === signal));
    const otlp = e ? speakFor(e) : undefined;
    if (parsed.ok && otlp) { parsed.target.otlp = otlp; }
    plans.push({ app: d, kind: 'app-endpoint', endpoint, ...(signal ? { signal } : {}), parsed });
  }
  // The collector Service the endpoint names (short, namespaced or FQDN form), else the first collector Service.
  const appNs = app.namespace;
  const firstOk = plans.find((p) => p.parsed.ok);
  const port = firstOk && firstOk.parsed.ok ? firstOk.parsed.target.port : undefined;
  const host = firstOk && firstOk.parsed.ok ? firstOk.parsed.target.host : undefined;
  const named = host ? serviceOf(lookupHost(serviceHostsOf(services), appNs, host)) : undefined;
  const svc = named ?? services.find((s) => s.matchedCollectorPods.length > 0 && s.clusterIP !== 'None');
  if (svc && !app.sidecarCollector) {
    const sp = svc.ports.find((p) => p.port === port) ?? svc.ports.find((p) => /otlp|grpc|4317|4318/.test(`${p.name ?? ''} ${p.port}`)) ?? svc.ports[0];
    if (sp) {
      const fqdn = `${svc.name}.${svc.namespace}.svc.${CLUSTER_DOMAIN}`;
      if (!(named && host?.toLowerCase().replace(/\.$/, '') === fqdn && port === sp.port)) {
        plans.push({ app: d, kind: 'service', ref: `${svc.namespace}/${svc.name}`, parsed: parseProbeTarget(`${fqdn}:${sp.port}`) });
      }
      const targetPod = svc.matchedCollectorPods.map((k) => disc.collectors.find((c) => `${c.pod.metadata.namespace}/${c.pod.metadata.name}` === k)).find((c) => c?.pod.status?.podIP);
      if (targetPod) {
        const tp = sp.targetPort ?? sp.port;
        const num = typeof tp === 'number' ? tp : (targetPod.container?.ports ?? []).find((p: any) => p?.name === tp)?.containerPort;
        if (typeof num === 'number') {
          plans.push({ app: d, kind: 'pod-ip', ref: `${targetPod.pod.metadata.namespace}/${targetPod.pod.metadata.name}`, parsed: parseProbeTarget(joinHostPort(targetPod.pod.status.podIP, num)) });
        }
      }
    }
  }
  return plans;
}

/**
 * How the probe speaks to an endpoint as the SDK would: a ClientHello where the SDK starts TLS (https://,
 * or a scheme-less gRPC endpoint not marked insecure, which the gRPC exporters dial with TLS), the HTTP/2
 * preface for gRPC, else an empty POST on the SDK's path with its content type. Unknown protocol, or a
 * path outside the probe's character set: connect only.
 */
export function speakFor(e: ReturnType<typeof appExports>[number]): OtlpSpeak | undefined {
  if (!e.parsed || e.protocol === null) { return undefined; }
  const tls = e.parsed.scheme === 'https' || (e.parsed.scheme === null && e.protocol === 'grpc' && e.insecure !== true);
  if (tls) { return { mode: 't' }; }
  if (!isHttp(e.protocol)) { return { mode: 'g' }; }
  const path = e.parsed.path === '' ? '/' : e.parsed.path;
  return isValidProbePath(path) ? { mode: e.protocol === 'http/json' ? 'j' : 'p', path } : undefined;
}
