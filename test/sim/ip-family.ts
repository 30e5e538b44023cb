// The cluster's IP family (`npm run sim -- --ip-family ipv4|ipv6|dual`) and the address ranges of each
// family, as kind lays them out (kind pkg/internal/apis/config/default.go: pods 10.244.0.0/16 and
// fd00:10:244::/56, Services 10.96.0.0/16 and fd00:10:96::/112; a dual cluster lists IPv4 first, so IPv4
// is its primary family). Node addresses are kind's docker network `kind` (172.18.0.0/16 and the ULA
// fc00:f853:ccd:e793::/64 kind derives from the network's name). Every module that allocates or routes
// an address asks here, so one flag changes the API server, the controllers and the node network alike.
import { isIPv4, isIPv6 } from 'node:net';

export type IpFamily = 'ipv4' | 'ipv6' | 'dual';
/** The API's spelling (`spec.ipFamilies`, EndpointSlice `addressType`). */
export type Family = 'IPv4' | 'IPv6';
export const IP_FAMILIES: readonly IpFamily[] = ['ipv4', 'ipv6', 'dual'];

export const isIpFamily = (s: unknown): s is IpFamily => typeof s === 'string' && (IP_FAMILIES as readonly string[]).includes(s);

/** The cluster's families, primary first (the order of kube-apiserver's --service-cluster-ip-range). */
export function familiesOf(f: IpFamily): Family[] {
  return f === 'ipv4' ? ['IPv4'] : f === 'ipv6' ? ['IPv6'] : ['IPv4', 'IPv6'];
}

export interface FamilyRanges {
  pods: string;
  services: string;
  nodes: string;
  /** The "physical" bridge's own address (the nodes' gateway to each other's ranges). */
  bridge: string;
  /** The `kubernetes` Service: the first address of the Service range. */
  kubernetesIP: string;
  /** kube-dns: kubeadm's tenth address of the Service range (10.96.0.10, fd00:10:96::a). */
  dnsIP: string;
  /** The pod's gateway: Calico's 169.254.1.1, and for IPv6 the link-local address of ee:ee:ee:ee:ee:ee. */
  gateway: string;
  /** Host bits of a pod address within its node's range (/32 or /128 routes). */
  hostBits: number;
}

export const RANGES: Record<Family, FamilyRanges> = {
  IPv4: { pods: '10.244.0.0/16', services: '10.96.0.0/16', nodes: '172.18.0.0/24', bridge: '172.18.0.1', kubernetesIP: '10.96.0.1', dnsIP: '10.96.0.10', gateway: '169.254.1.1', hostBits: 32 },
  IPv6: { pods: 'fd00:10:244::/56', services: 'fd00:10:96::/112', nodes: 'fc00:f853:ccd:e793::/64', bridge: 'fc00:f853:ccd:e793::1', kubernetesIP: 'fd00:10:96::1', dnsIP: 'fd00:10:96::a', gateway: 'fe80::ecee:eeff:feee:eeee', hostBits: 128 },
};

/** Node N's address: 172.18.0.(N+1), fc00:f853:ccd:e793::(N+1) (the bridge is .1 / ::1). */
export function nodeIP(f: Family, index: number): string {
  return f === 'IPv4' ? `172.18.0.${index + 1}` : `fc00:f853:ccd:e793::${(index + 1).toString(16)}`;
}

/** Node N's pod range: a /24 of 10.244.0.0/16, a /64 of fd00:10:244::/56 (the controller-manager's default mask sizes). */
export function nodePodCIDR(f: Family, index: number): string {
  return f === 'IPv4' ? `10.244.${index}.0/24` : `fd00:10:244:${index.toString(16)}::/64`;
}

/** The `host`-th address of node N's pod range. */
export function podIP(f: Family, index: number, host: number): string {
  return f === 'IPv4' ? `10.244.${index}.${host}` : `fd00:10:244:${index.toString(16)}::${host.toString(16)}`;
}

/**
 * The family of an address as iptables/ip6tables accept it in a rule: Node's isIPv6 also takes a zone
 * (`fe80::1%eth0`) and the IPv4-mapped form (`::ffff:10.0.0.1`), either of which makes ip6tables-restore
 * reject the node's whole ruleset, so neither counts as an address here.
 */
export function familyOfIP(ip: string): Family | undefined {
  if (isIPv4(ip)) { return 'IPv4'; }
  if (!isIPv6(ip) || ip.includes('%') || ip.includes('.')) { return undefined; }
  return 'IPv6';
}

/** host:port as Go's net.JoinHostPort writes it (an IPv6 host in brackets). */
export function joinHostPort(host: string, port: number | string): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}

// The family is the cluster's, and every part of the simulator sees the cluster through its Store.
const BY_STORE = new WeakMap<object, IpFamily>();

export function setClusterIpFamily(store: object, f: IpFamily): void { BY_STORE.set(store, f); }

/** The family of the cluster that owns `store`; ipv4 when none was set (every cluster before this option). */
export function clusterIpFamily(store: object): IpFamily { return BY_STORE.get(store) ?? 'ipv4'; }

/** The offset of `ip` within `cidr`'s range, or undefined when it lies outside (or is of another family). */
export function offsetInRange(ip: string, cidr: string): number | undefined {
  const [base, bitsText] = cidr.split('/');
  const f = familyOfIP(base);
  if (!f || familyOfIP(ip) !== f) { return undefined; }
  const width = f === 'IPv4' ? 32 : 128;
  const span = BigInt(width - Number(bitsText));
  const a = toBig(ip), b = toBig(base);
  if (a >> span !== b >> span) { return undefined; }
  return Number(a - b);
}

/** The address at `offset` within `cidr`'s range, written as Go's net.IP.String() writes it. */
export function addressInRange(cidr: string, offset: number): string {
  const base = cidr.split('/')[0];
  const v = toBig(base) + BigInt(offset);
  if (familyOfIP(base) === 'IPv4') { return [24n, 16n, 8n, 0n].map((s) => String((v >> s) & 255n)).join('.'); }
  const groups = Array.from({ length: 8 }, (_, i) => Number((v >> BigInt(112 - 16 * i)) & 0xffffn));
  // RFC 5952: the longest run (of two or more) of zero groups becomes `::`.
  let best = -1, bestLen = 1;
  for (let i = 0; i < 8;) {
    if (groups[i] !== 0) { i++; continue; }
    let j = i;
    while (j < 8 && groups[j] === 0) { j++; }
    if (j - i > bestLen) { best = i; bestLen = j - i; }
    i = j;
  }
  const hex = groups.map((g) => g.toString(16));
  if (best < 0) { return hex.join(':'); }
  return `${hex.slice(0, best).join(':')}::${hex.slice(best + bestLen).join(':')}`;
}

function toBig(ip: string): bigint {
  if (isIPv4(ip)) { return ip.split('.').reduce((a, o) => (a << 8n) + BigInt(Number(o)), 0n); }
  let text = ip;
  const v4tail = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (v4tail) {
    const n = toBig(v4tail[1]);
    text = `${text.slice(0, -v4tail[1].length)}${(n >> 16n).toString(16)}:${(n & 0xffffn).toString(16)}`;
  }
  const [head, tail] = text.includes('::') ? text.split('::') : [text, undefined];
  const h = head ? head.split(':') : [];
  const t = tail === undefined ? [] : tail ? tail.split(':') : [];
  const groups = tail === undefined ? h : [...h, ...Array(8 - h.length - t.length).fill('0'), ...t];
  return groups.reduce((a, g) => (a << 16n) + BigInt(Number.parseInt(g || '0', 16)), 0n);
}

/** Orders addresses numerically, IPv4 before IPv6 (the controllers' sorted endpoint lists). */
export function compareIPs(a: string, b: string): number {
  const fa = familyOfIP(a), fb = familyOfIP(b);
  if (fa !== fb) { return fa === 'IPv4' ? -1 : fb === 'IPv4' ? 1 : 0; }
  if (!fa) { return 0; }
  const x = toBig(a), y = toBig(b);
  return x < y ? -1 : x > y ? 1 : 0;
}
