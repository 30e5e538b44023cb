/**
 * What a host names, seen from a pod of a namespace: the one reading gather/plan.ts (which Service a probe
 * stands behind) and the rules (resolveHost) share. Pure.
 *
 * Names resolve as a ClusterFirst pod resolves them: kubelet writes `search <ns>.svc.<zone> svc.<zone>
 * <zone>` and `options ndots:5`, so a name with fewer than five dots is tried under each search suffix
 * before as written, one with five or more as written first (glibc res_search, Go's nameList); a name
 * with a trailing dot is absolute and never searched. Each candidate in the cluster zone is answered as
 * CoreDNS's kubernetes plugin answers it (plugin/kubernetes/parse.go parseRequest, kubernetes.go
 * findServices / findPods): `service.ns.svc`, `endpoint.service.ns.svc`, `port.protocol.service.ns.svc`
 * (leading underscores optional, port name and protocol matched case-insensitively against the Service's
 * ports), `ip-with-dashes.ns.pod`; more labels are NXDOMAIN; an ExternalName Service answers only the plain
 * form; a namespace that does not exist answers nothing. The first candidate that answers wins.
 */
import { isIP } from 'node:net';
import type { ServiceInfo } from './snapshot.ts';
import { canonicalIP, CLUSTER_DOMAIN } from './otel/endpoint.ts';

/**
 * What a host leads to:
 * - `ip`: an address, written as one or spelt by a pod A record (`10-244-1-5.ns.pod.<zone>`, answered in
 *   the `pods insecure` / `verified` modes kubeadm's and the simulator's DNS use); `service` when it is one
 *   of a Service's cluster IPs (spec.clusterIP or any of spec.clusterIPs);
 * - `service`: a Service by name (plain or `port.protocol.` form): its cluster IPs, its endpoints when
 *   headless, a CNAME when ExternalName;
 * - `endpoint`: one ready endpoint of a Service by its hostname (`gw-0.gw-headless.ns.svc.<zone>` where the
 *   address has one, else `10-244-1-5.svc-name.ns.svc.<zone>`): that pod's IP, not the Service (its ports
 *   do not apply);
 * - `missing-service`: a cluster name of a Service that does not exist (a namespace known to exist, or
 *   the `.svc` written out); nothing answers it;
 * - `other`: anything else, a name outside the cluster zone or one nothing in the cluster answers.
 */
export type HostAnswer =
  | { kind: 'ip'; ip: string; service?: ServiceInfo }
  | { kind: 'service'; service: ServiceInfo }
  | { kind: 'endpoint'; service: ServiceInfo; ip: string }
  | { kind: 'missing-service'; name: string; namespace: string }
  | { kind: 'other' };

export interface ServiceHosts {
  byName: Map<string, ServiceInfo>;
  byIP: Map<string, ServiceInfo>;
  /** namespaces known to exist: those of the Services and any given */
  namespaces: Set<string>;
  /** answers by namespace and host, frozen: callers share them */
  memo: Map<string, HostAnswer>;
}

/** ndots kubelet writes into every ClusterFirst pod's resolv.conf (pkg/kubelet/network/dns). */
const NDOTS = 5;
const ZONE = CLUSTER_DOMAIN;

export function serviceHosts(services: readonly ServiceInfo[], namespaces: Iterable<string> = []): ServiceHosts {
  const idx: ServiceHosts = { byName: new Map(), byIP: new Map(), namespaces: new Set(namespaces), memo: new Map() };
  for (const v of services) {
    const nk = `${v.namespace}/${v.name}`.toLowerCase();
    if (!idx.byName.has(nk)) { idx.byName.set(nk, v); }
    idx.namespaces.add(v.namespace);
    for (const ip of [v.clusterIP, ...(v.clusterIPs ?? [])]) {
      if (!ip || ip === 'None') { continue; }
      const k = canonicalIP(ip);
      if (!idx.byIP.has(k)) { idx.byIP.set(k, v); }
    }
  }
  return idx;
}

const cache = new WeakMap<readonly ServiceInfo[], { n: number; idx: ServiceHosts }>();

/** serviceHosts kept per Services array (planProbes asks it once per app); rebuilt when the array grows. */
export function serviceHostsOf(services: readonly ServiceInfo[]): ServiceHosts {
  const hit = cache.get(services);
  if (hit && hit.n === services.length) { return hit.idx; }
  const idx = serviceHosts(services);
  cache.set(services, { n: services.length, idx });
  return idx;
}

/** What `host` names from a pod in `fromNs`; the caller answers /etc/hosts names (localhost) first. */
export function lookupHost(idx: ServiceHosts, fromNs: string, host: string): HostAnswer {
  const key = `${fromNs}\0${host}`;
  const hit = idx.memo.get(key);
  if (hit) { return hit; }
  const a = Object.freeze(lookupUncached(idx, fromNs, host));
  idx.memo.set(key, a);
  return a;
}

/** The Service a host leads to through the Service itself (its name or a cluster IP), if any. */
export function serviceOf(a: HostAnswer): ServiceInfo | undefined {
  return a.kind === 'service' || a.kind === 'ip' ? a.service : undefined;
}

function lookupUncached(idx: ServiceHosts, fromNs: string, host: string): HostAnswer {
  const bare = host.trim().replace(/^\[(.*)\]$/, '$1').toLowerCase();
  if (isIP(bare.replace(/%.*$/, ''))) { return ipAnswer(idx, bare); }
  const absolute = bare.endsWith('.');
  const name = absolute ? bare.slice(0, -1) : bare;
  if (name === '') { return { kind: 'other' }; }
  const search = [`${fromNs.toLowerCase()}.svc.${ZONE}`, `svc.${ZONE}`, ZONE].map((s) => `${name}.${s}`);
  const dots = name.split('.').length - 1;
  const candidates = absolute ? [name] : dots >= NDOTS ? [name, ...search] : [...search, name];
  // Written with its `.svc` (and maybe the zone): the writer named a Service, even in a namespace unseen.
  const explicit = /\.svc$/.test(name.endsWith(`.${ZONE}`) ? name.slice(0, -ZONE.length - 1) : name);
  let miss: HostAnswer | undefined;
  for (const c of candidates) {
    const r = answer(idx, c, explicit, fromNs.toLowerCase());
    if (r.kind !== 'other') { return r; }
    if ('miss' in r) { miss ??= r.miss; }
  }
  return miss ?? { kind: 'other' };
}

function ipAnswer(idx: ServiceHosts, ip: string): HostAnswer {
  const k = canonicalIP(ip);
  const service = idx.byIP.get(k);
  return service ? { kind: 'ip', ip: k, service } : { kind: 'ip', ip: k };
}

/** CoreDNS's answer to one fully qualified name (or `other`, with the miss a caller may report). */
function answer(idx: ServiceHosts, fqdn: string, explicit: boolean, fromNs: string): HostAnswer | { kind: 'other'; miss?: HostAnswer } {
  if (!fqdn.endsWith(`.${ZONE}`)) { return { kind: 'other' }; }
  const segs = fqdn.slice(0, -ZONE.length - 1).split('.');
  const podOrSvc = segs.pop();
  const ns = segs.pop();
  const first = segs.pop();
  // Apex and short queries are NODATA, other types NXDOMAIN: neither answers; more than two labels left is "too long".
  if ((podOrSvc !== 'svc' && podOrSvc !== 'pod') || ns === undefined || first === undefined || segs.length > 2) { return { kind: 'other' }; }
  // The asking pod's own namespace exists.
  const nsKnown = ns === fromNs || idx.namespaces.has(ns);
  if (podOrSvc === 'pod') {
    // findPods: four dash-separated parts without `--` spell IPv4, else IPv6 with `-` for `:`.
    const ip = (first.split('-').length === 4 && !first.includes('--')) ? first.replaceAll('-', '.') : first.replaceAll('-', ':');
    return nsKnown && isIP(ip) ? ipAnswer(idx, ip) : { kind: 'other' };
  }
  const service = idx.byName.get(`${ns}/${first}`);
  // No such Service: a miss worth reporting where the namespace exists or the writer spelt out `.svc`.
  const missing = { kind: 'other' as const, ...(nsKnown || explicit ? { miss: { kind: 'missing-service' as const, name: first, namespace: ns } } : {}) };
  if (segs.length === 0) {
    if (service) { return { kind: 'service', service }; }
    return missing;
  }
  if (segs.length === 1) {
    // endpoint.service: a ready address by its endpointHostname (kubernetes.go): its own hostname where it
    // has one (a StatefulSet pod under its headless Service), else its IP dashed; match() ignores case.
    const ep = service && service.type !== 'ExternalName' ? service.endpoints?.ready.find((e) => (e.hostname ? e.hostname.toLowerCase() : dashed(e.ip)) === segs[0]) : undefined;
    return ep && service ? { kind: 'endpoint', service, ip: canonicalIP(ep.ip) } : { kind: 'other' };
  }
  // port.protocol.service: a port of that name and protocol; only TCP/UDP/SCTP are protocols, so other
  // three-label names (`otel.example.com` searched) are no Service the writer meant.
  const [port, protocol] = segs.map((s) => s.replace(/^_/, ''));
  if (!['tcp', 'udp', 'sctp'].includes(protocol)) { return { kind: 'other' }; }
  if (!service) { return missing; }
  const match = service.type !== 'ExternalName' && service.ports.some((p) => (p.name ?? '').toLowerCase() === port && (p.protocol ?? 'TCP').toLowerCase() === protocol);
  return match ? { kind: 'service', service } : { kind: 'other' };
}

/** CoreDNS's endpointHostname for an address without a hostname: dots (or colons) as dashes. */
function dashed(ip: string): string {
  if (ip.includes('.')) { return ip.replaceAll('.', '-'); }
  const h = ip.replaceAll(':', '-');
  return h.endsWith('-') ? `${h}0` : h;
}

/**
 * Whether a host resolves the same from every namespace. A pod's resolv.conf searches
 * `<namespace>.svc.<zone>` first for names of fewer than five dots (kubelet's ndots:5), and CoreDNS's
 * kubernetes plugin (plugin/kubernetes/parse.go parseRequest) answers there for `service`,
 * `endpoint.service` and `port.protocol.service` (leading underscores optional, the protocol matched
 * case-insensitively against the Service's ports in findServices) before the namespace; four labels or
 * more are "too long" (NXDOMAIN) under every namespace and resolve through the namespace-independent
 * suffixes alone. IP literals, absolute names and localhost (/etc/hosts) never search.
 */
export function hostSameFromEveryNamespace(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, '');
  if (isIP(h) || h.endsWith('.') || h === 'localhost') { return true; }
  const labels = h.split('.').filter(Boolean);
  if (labels.length === 3 && ['tcp', 'udp', 'sctp'].includes(labels[1].replace(/^_/, '').toLowerCase())) { return false; }
  return labels.length >= 3;
}
