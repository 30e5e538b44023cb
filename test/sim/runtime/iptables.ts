// Renders one node's complete iptables ruleset (kube-proxy's Service rules, the CNI portmap plugin's
// hostPort rules and the NetworkPolicy chains from netpol.ts) as iptables-restore input. The whole
// node is rewritten by one iptables-restore, as kube-proxy does, so a change is atomic and a rule of
// a deleted Service cannot linger. Each family has its own ruleset (kube-proxy runs one proxier per
// family, pkg/proxy/iptables with ipt.IsIPv6(): iptables-restore for IPv4, ip6tables-restore for IPv6),
// rendered from the same input filtered to that family's addresses.
import { createHash } from 'node:crypto';
import type { KObject } from '../store.ts';
import { RANGES, familyOfIP, joinHostPort, type Family } from '../ip-family.ts';

export const CLUSTER_CIDR = RANGES.IPv4.pods;
export const SERVICE_CIDR = RANGES.IPv4.services;
export const NODE_CIDR = RANGES.IPv4.nodes;
/** kube-proxy's masquerade bit (--iptables-masquerade-bit 14). */
const MASQ_MARK = '0x4000';

export interface EndpointInfo { ip: string; port: number; nodeName?: string; ready: boolean; serving: boolean; terminating: boolean }
export interface ServicePortInfo {
  namespace: string; name: string; portName: string; protocol: string; port: number; nodePort?: number;
  clusterIPs: string[]; internalLocal: boolean; endpoints: EndpointInfo[];
}
export interface HostPortMapping { podIP: string; hostIP?: string; hostPort: number; containerPort: number; protocol: string }
export interface PolicyRules { chains: string[]; rules: string[] }

const proto = (p: unknown): string => (typeof p === 'string' && p ? p : 'TCP').toLowerCase();
/** Cluster data is untrusted: one malformed field must not break the whole node's iptables-restore. */
export const validPort = (n: unknown): n is number => Number.isInteger(n) && (n as number) >= 1 && (n as number) <= 65535;
export const validProto = (p: string): boolean => p === 'tcp' || p === 'udp' || p === 'sctp';
/** An address of `family`, as a string a rule may carry. */
/** One bad field (a zone, a mapped address) must never make the node's whole ruleset fail: see familyOfIP. */
export const isFamilyIP = (s: unknown, family: Family): s is string => typeof s === 'string' && familyOfIP(s) === family;
/** What differs between iptables and ip6tables rules: host prefix, ICMP reject type, loopback. */
function familyRules(family: Family) {
  return family === 'IPv4'
    ? { host: '/32', reject: 'icmp-port-unreachable', loopback: '127.0.0.0/8', pods: RANGES.IPv4.pods }
    : { host: '/128', reject: 'icmp6-port-unreachable', loopback: '::1/128', pods: RANGES.IPv6.pods };
}

/**
 * kube-proxy names its chains KUBE-SVC-/KUBE-SEP- plus 16 base32 characters of a SHA-256 of the
 * service port (and endpoint); the same scheme keeps names unique and within iptables' 28 chars.
 */
export function chainName(prefix: string, ...parts: string[]): string {
  const h = createHash('sha256').update(parts.join('')).digest();
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  let bits = 0, value = 0, out = '';
  for (const byte of h) {
    value = (value << 8) | byte; bits += 8;
    while (bits >= 5 && out.length < 16) { out += alphabet[(value >>> (bits - 5)) & 31]; bits -= 5; }
    if (out.length >= 16) { break; }
  }
  return `${prefix}-${out}`;
}

/** Quotes a comment the way iptables-save prints it; cluster data never reaches a shell here, only iptables-restore's tokenizer. */
export function comment(text: string): string {
  return `-m comment --comment "${text.replace(/["\\\n\r]/g, '_').slice(0, 250)}"`;
}

/**
 * Joins Services with their EndpointSlices (or, when a Service has none, its v1 Endpoints) the way
 * kube-proxy's change trackers do: an endpoint port is matched to a Service port by port name and protocol.
 */
export function servicePorts(services: KObject[], slices: KObject[], endpoints: KObject[], family: Family = 'IPv4'): ServicePortInfo[] {
  const isIPv4 = (s: unknown): s is string => isFamilyIP(s, family);
  const slicesBySvc = new Map<string, KObject[]>();
  for (const s of slices) {
    const svc = s.metadata.labels?.['kubernetes.io/service-name'];
    // kube-proxy's per-family proxier reads only the slices of its family (addressType).
    if (!svc || (s.addressType ?? 'IPv4') !== family) { continue; }
    const k = `${s.metadata.namespace}/${svc}`;
    if (!slicesBySvc.has(k)) { slicesBySvc.set(k, []); }
    slicesBySvc.get(k)!.push(s);
  }
  const epByName = new Map(endpoints.map((e) => [`${e.metadata.namespace}/${e.metadata.name}`, e]));
  const out: ServicePortInfo[] = [];
  for (const svc of services) {
    const spec = svc.spec ?? {};
    if (spec.type === 'ExternalName') { continue; }
    const ips: string[] = (Array.isArray(spec.clusterIPs) && spec.clusterIPs.length ? spec.clusterIPs : [spec.clusterIP]).filter(isIPv4);
    if (ips.length === 0) {
      continue; // headless ("None") or not yet allocated: kube-proxy writes nothing
    }
    const key = `${svc.metadata.namespace}/${svc.metadata.name}`;
    for (const sp of (spec.ports ?? []) as Array<Record<string, unknown>>) {
      const portName = typeof sp.name === 'string' ? sp.name : '';
      const protocol = proto(sp.protocol);
      if (!validPort(sp.port) || !validProto(protocol)) { continue; }
      const eps: EndpointInfo[] = [];
      const seen = new Set<string>();
      const svcSlices = slicesBySvc.get(key);
      if (svcSlices) {
        for (const sl of svcSlices) {
          const port = ((sl.ports ?? []) as Array<Record<string, unknown>>).find((p) => (p.name ?? '') === portName && proto(p.protocol) === protocol);
          if (!port || !validPort(port.port)) { continue; }
          for (const ep of (sl.endpoints ?? []) as Array<Record<string, any>>) {
            const ip = ep.addresses?.[0];
            if (!isIPv4(ip) || seen.has(`${ip}:${port.port}`)) { continue; }
            seen.add(`${ip}:${port.port}`);
            const c = ep.conditions ?? {};
            // Per the EndpointSlice API, an unset ready/serving condition means "unknown" and is treated as true.
            const ready = c.ready !== false;
            eps.push({ ip, port: port.port, nodeName: ep.nodeName, ready, serving: c.serving ?? ready, terminating: c.terminating === true });
          }
        }
      } else {
        const e = epByName.get(key);
        for (const subset of (e?.subsets ?? []) as Array<Record<string, any>>) {
          const port = ((subset.ports ?? []) as Array<Record<string, unknown>>).find((p) => (p.name ?? '') === portName && proto(p.protocol) === protocol)
            ?? ((subset.ports ?? []).length === 1 && !portName ? subset.ports[0] : undefined);
          if (!port || !validPort(port.port)) { continue; }
          for (const [list, ready] of [[subset.addresses, true], [subset.notReadyAddresses, false]] as const) {
            for (const a of (list ?? []) as Array<Record<string, any>>) {
              if (!isIPv4(a.ip) || seen.has(`${a.ip}:${port.port}`)) { continue; }
              seen.add(`${a.ip}:${port.port}`);
              eps.push({ ip: a.ip, port: port.port, nodeName: a.nodeName, ready, serving: ready, terminating: false });
            }
          }
        }
      }
      out.push({
        namespace: svc.metadata.namespace ?? 'default', name: svc.metadata.name, portName, protocol,
        port: Number(sp.port), nodePort: validPort(sp.nodePort) && (spec.type === 'NodePort' || spec.type === 'LoadBalancer') ? sp.nodePort : undefined,
        clusterIPs: ips, internalLocal: spec.internalTrafficPolicy === 'Local', endpoints: eps,
      });
    }
  }
  return out;
}

export interface NodeRulesInput { nodeName: string; nodeIP: string; services: ServicePortInfo[]; hostPorts: HostPortMapping[]; policy: PolicyRules; family?: Family }

export function renderNodeRules(input: NodeRulesInput): string {
  const fam = familyRules(input.family ?? 'IPv4');
  const natChains = new Set(['KUBE-SERVICES', 'KUBE-NODEPORTS', 'KUBE-POSTROUTING', 'KUBE-MARK-MASQ', 'CNI-HOSTPORT-DNAT']);
  const nat: string[] = [];
  const filterChains = new Set(['KUBE-SERVICES', 'KUBE-EXTERNAL-SERVICES', 'KUBE-FORWARD']);
  const filter: string[] = [];
  const svcRules: string[] = [];
  const nodePortRules: string[] = [];
  const filterSvc: string[] = [];
  const filterExt: string[] = [];
  const clusterIPs = new Set<string>();

  for (const sp of input.services) {
    const id = `${sp.namespace}/${sp.name}${sp.portName ? ':' + sp.portName : ''}`;
    for (const ip of sp.clusterIPs) { clusterIPs.add(ip); }
    // kube-proxy's endpoint choice: ready endpoints; only when none is ready, the serving-and-terminating ones.
    let usable = sp.endpoints.filter((e) => e.ready);
    if (usable.length === 0) { usable = sp.endpoints.filter((e) => e.serving && e.terminating); }
    const internal = sp.internalLocal ? usable.filter((e) => e.nodeName === input.nodeName) : usable;
    const p = sp.protocol;
    const svcChain = chainName(sp.internalLocal ? 'KUBE-SVL' : 'KUBE-SVC', id, p);
    const clusterChain = chainName('KUBE-SVC', id, p);
    const needCluster = usable.length > 0 && (sp.nodePort !== undefined || !sp.internalLocal);
    const sepChains = new Map<string, string>();
    const sep = (e: EndpointInfo): string => {
      const key = `${e.ip}:${e.port}`;
      let c = sepChains.get(key);
      if (!c) {
        c = chainName('KUBE-SEP', id, p, key);
        sepChains.set(key, c);
        natChains.add(c);
        // Hairpin: an endpoint reaching itself through its Service must see a reply from elsewhere.
        nat.push(`-A ${c} -s ${e.ip}${fam.host} ${comment(id)} -j KUBE-MARK-MASQ`);
        nat.push(`-A ${c} -p ${p} ${comment(id)} -m ${p} -j DNAT --to-destination ${joinHostPort(e.ip, e.port)}`);
      }
      return c;
    };
    const balance = (chain: string, eps: EndpointInfo[]) => {
      natChains.add(chain);
      eps.forEach((e, i) => {
        const c = sep(e);
        const left = eps.length - i;
        const stat = left > 1 ? ` -m statistic --mode random --probability ${(1 / left).toFixed(11)}` : '';
        nat.push(`-A ${chain} ${comment(`${id} -> ${joinHostPort(e.ip, e.port)}`)}${stat} -j ${c}`);
      });
    };
    if (needCluster) { balance(clusterChain, usable); }
    if (sp.internalLocal && internal.length > 0) { balance(svcChain, internal); }

    for (const cip of sp.clusterIPs) {
      const match = `-d ${cip}${fam.host} -p ${p} -m ${p} --dport ${sp.port}`;
      if (usable.length === 0) {
        filterSvc.push(`-A KUBE-SERVICES ${match} ${comment(`${id} has no endpoints`)} -j REJECT --reject-with ${fam.reject}`);
      } else if (internal.length === 0) {
        // What kube-proxy does for internalTrafficPolicy: Local without a local endpoint: DROP (clients time out).
        filterSvc.push(`-A KUBE-SERVICES ${match} ${comment(`${id} has no local endpoints`)} -j DROP`);
      } else {
        svcRules.push(`-A KUBE-SERVICES ! -s ${fam.pods} ${match} ${comment(`${id} cluster IP`)} -j KUBE-MARK-MASQ`);
        svcRules.push(`-A KUBE-SERVICES ${match} ${comment(`${id} cluster IP`)} -j ${svcChain}`);
      }
    }
    if (sp.nodePort !== undefined) {
      if (usable.length === 0) {
        filterExt.push(`-A KUBE-EXTERNAL-SERVICES -m addrtype --dst-type LOCAL -p ${p} -m ${p} --dport ${sp.nodePort} ${comment(`${id} has no endpoints`)} -j REJECT --reject-with ${fam.reject}`);
      } else {
        const ext = chainName('KUBE-EXT', id, p);
        natChains.add(ext);
        nat.push(`-A ${ext} ${comment('masquerade traffic for ' + id + ' external destinations')} -j KUBE-MARK-MASQ`);
        nat.push(`-A ${ext} -j ${clusterChain}`);
        nodePortRules.push(`-A KUBE-NODEPORTS -p ${p} ${comment(id)} -m ${p} --dport ${sp.nodePort} -j ${ext}`);
      }
    }
  }
  // Simulator rule, as kube-proxy's nftables mode does: any other port of a ClusterIP is rejected
  // rather than routed nowhere, so a wrong port is "connection refused", not a timeout.
  for (const cip of [...clusterIPs].sort()) {
    for (const p of ['tcp', 'udp']) { filterSvc.push(`-A KUBE-SERVICES -d ${cip}${fam.host} -p ${p} ${comment('no such port on this cluster IP')} -j REJECT --reject-with ${fam.reject}`); }
  }

  const hostPortRules: string[] = [];
  for (const hp of input.hostPorts) {
    const p = proto(hp.protocol);
    if (!validProto(p) || !validPort(hp.hostPort) || !validPort(hp.containerPort)) { continue; }
    const c = chainName('CNI-DN', hp.podIP, String(hp.hostPort), p);
    if (natChains.has(c)) { continue; }
    natChains.add(c);
    const dst = hp.hostIP && hp.hostIP !== '0.0.0.0' && hp.hostIP !== '::' ? ` -d ${hp.hostIP}${fam.host}` : '';
    hostPortRules.push(`-A CNI-HOSTPORT-DNAT${dst} -p ${p} -m ${p} --dport ${hp.hostPort} ${comment(`hostPort ${hp.hostPort} -> ${joinHostPort(hp.podIP, hp.containerPort)}`)} -j ${c}`);
    nat.push(`-A ${c} -s ${hp.podIP}${fam.host} -p ${p} -m ${p} --dport ${hp.hostPort} -j KUBE-MARK-MASQ`);
    nat.push(`-A ${c} -p ${p} -m ${p} --dport ${hp.hostPort} -j DNAT --to-destination ${joinHostPort(hp.podIP, hp.containerPort)}`);
  }

  for (const c of input.policy.chains) { filterChains.add(c); }
  filter.push(...input.policy.rules);

  const lines: string[] = [];
  lines.push('*filter', ':INPUT ACCEPT [0:0]', ':FORWARD ACCEPT [0:0]', ':OUTPUT ACCEPT [0:0]');
  for (const c of filterChains) { lines.push(`:${c} - [0:0]`); }
  lines.push(
    `-A INPUT -m conntrack --ctstate NEW ${comment('kubernetes externally-visible service portals')} -j KUBE-EXTERNAL-SERVICES`,
    `-A FORWARD -m conntrack --ctstate NEW ${comment('kubernetes service portals')} -j KUBE-SERVICES`,
    `-A FORWARD -m conntrack --ctstate NEW ${comment('kubernetes externally-visible service portals')} -j KUBE-EXTERNAL-SERVICES`,
    `-A FORWARD ${comment('kubernetes forwarding rules')} -j KUBE-FORWARD`,
    `-A OUTPUT -m conntrack --ctstate NEW ${comment('kubernetes service portals')} -j KUBE-SERVICES`,
    `-A KUBE-FORWARD -m conntrack --ctstate INVALID -j DROP`,
  );
  if (input.policy.chains.length) { lines.push(`-A FORWARD ${comment('network policy')} -j ${input.policy.chains[0]}`); }
  lines.push(...filterSvc, ...filterExt, ...filter, 'COMMIT');

  lines.push('*nat', ':PREROUTING ACCEPT [0:0]', ':INPUT ACCEPT [0:0]', ':OUTPUT ACCEPT [0:0]', ':POSTROUTING ACCEPT [0:0]');
  for (const c of natChains) { lines.push(`:${c} - [0:0]`); }
  lines.push(
    `-A PREROUTING ${comment('kubernetes service portals')} -j KUBE-SERVICES`,
    `-A PREROUTING -m addrtype --dst-type LOCAL ${comment('CNI portfwd requiring masquerade')} -j CNI-HOSTPORT-DNAT`,
    `-A OUTPUT ${comment('kubernetes service portals')} -j KUBE-SERVICES`,
    `-A OUTPUT ! -d ${fam.loopback} -m addrtype --dst-type LOCAL ${comment('CNI portfwd requiring masquerade')} -j CNI-HOSTPORT-DNAT`,
    `-A POSTROUTING ${comment('kubernetes postrouting rules')} -j KUBE-POSTROUTING`,
    `-A KUBE-MARK-MASQ -j MARK --or-mark ${MASQ_MARK}`,
    `-A KUBE-POSTROUTING -m mark ! --mark ${MASQ_MARK}/${MASQ_MARK} -j RETURN`,
    `-A KUBE-POSTROUTING -j MARK --xor-mark ${MASQ_MARK}`,
    `-A KUBE-POSTROUTING ${comment('kubernetes service traffic requiring SNAT')} -j MASQUERADE`,
  );
  lines.push(...svcRules);
  lines.push(`-A KUBE-SERVICES -m addrtype --dst-type LOCAL ${comment('kubernetes service nodeports; NOTE: this must be the last rule in this chain')} -j KUBE-NODEPORTS`);
  lines.push(...nodePortRules, ...hostPortRules, ...nat, 'COMMIT', '');
  return lines.join('\n');
}
