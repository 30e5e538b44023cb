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

export function familyOfIP(ip: string): Family | undefined {
  return isIPv4(ip) ? 'IPv4' : isIPv6(ip) ? 'IPv6' : undefined;
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
