// The files `ip netns exec` binds over /etc for a pod or node: resolv.conf by dnsPolicy (the cluster DNS
// with the real search list and ndots:5) and hosts as the kubelet writes it; cluster names are checked
// before they reach a file, so no line can be injected.
import { isIP } from 'node:net';
import type { KObject } from '../store.ts';
import { RANGES } from '../ip-family.ts';

/** kube-dns in an IPv4 or dual cluster (whose primary family is IPv4); RANGES.IPv6.dnsIP in an IPv6 one. */
export const CLUSTER_DNS = RANGES.IPv4.dnsIP;
export const CLUSTER_DOMAIN = 'cluster.local';

const hostsHeader = [
  '# Kubernetes-managed hosts file.',
  '127.0.0.1\tlocalhost',
  '::1\tlocalhost ip6-localhost ip6-loopback',
  'fe00::0\tip6-localnet',
  'fe00::0\tip6-mcastprefix',
  'fe00::1\tip6-allnodes',
  'fe00::2\tip6-allrouters',
];

/** A DNS name from the cluster only reaches files after this check, so no line can be injected. */
const safeName = (s: unknown): s is string => typeof s === 'string' && /^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$/i.test(s);

/**
 * The pod's /etc/resolv.conf by its dnsPolicy and dnsConfig; `nodeResolver` is what a node itself uses,
 * `clusterDns` the kubelet's --cluster-dns (kube-dns's ClusterIP in the cluster's primary family).
 */
export function resolvConf(pod: KObject, hostNetwork: boolean, nodeResolver: string, clusterDns = CLUSTER_DNS): string {
  const ns = pod.metadata.namespace ?? 'default';
  let policy: string = pod.spec?.dnsPolicy ?? 'ClusterFirst';
  // The kubelet gives hostNetwork pods with the default policy the node's resolver.
  if (hostNetwork && policy === 'ClusterFirst') { policy = 'Default'; }
  if (policy === 'ClusterFirstWithHostNet') { policy = 'ClusterFirst'; }
  let nameservers: string[] = [], searches: string[] = [], options: string[] = [];
  if (policy === 'ClusterFirst') {
    nameservers = [clusterDns];
    searches = [`${ns}.svc.${CLUSTER_DOMAIN}`, `svc.${CLUSTER_DOMAIN}`, CLUSTER_DOMAIN];
    options = ['ndots:5'];
  } else if (policy === 'Default') {
    nameservers = [nodeResolver];
  }
  const cfg = pod.spec?.dnsConfig ?? {};
  for (const s of cfg.nameservers ?? []) { if (typeof s === 'string' && isIP(s)) { nameservers.push(s); } }
  for (const s of cfg.searches ?? []) { if (safeName(s)) { searches.push(s); } }
  for (const o of cfg.options ?? []) {
    if (!safeName(o?.name)) { continue; }
    const v = o.value === undefined ? '' : String(o.value);
    if (!/^[\w.-]*$/.test(v)) { continue; }
    options = options.filter((x) => x.split(':')[0] !== o.name);
    options.push(v ? `${o.name}:${v}` : o.name);
  }
  const lines: string[] = [];
  if (searches.length) { lines.push(`search ${[...new Set(searches)].join(' ')}`); }
  for (const n of nameservers.slice(0, 3)) { lines.push(`nameserver ${n}`); }
  if (options.length) { lines.push(`options ${options.join(' ')}`); }
  return lines.join('\n') + '\n';
}

/**
 * The pod's /etc/hosts: the kubelet's header, its own name (with subdomain) on a line per pod IP (the
 * kubelet's managedHostsFileContent loops over the pod's IPs, so a dual-stack pod has two), hostAliases.
 */
export function podHosts(pod: KObject, ip: string | string[]): string {
  const lines = [...hostsHeader];
  const hostname = safeName(pod.spec?.hostname) ? pod.spec.hostname : pod.metadata.name;
  const sub = pod.spec?.subdomain;
  for (const a of Array.isArray(ip) ? ip : [ip]) {
    if (safeName(sub) && safeName(hostname)) { lines.push(`${a}\t${hostname}.${sub}.${pod.metadata.namespace ?? 'default'}.svc.${CLUSTER_DOMAIN}\t${hostname}`); }
    else if (safeName(hostname)) { lines.push(`${a}\t${hostname}`); }
  }
  const aliases = (pod.spec?.hostAliases ?? []).filter((a: any) => typeof a?.ip === 'string' && isIP(a.ip));
  if (aliases.length) {
    lines.push('', '# Entries added by HostAliases.');
    for (const a of aliases) { lines.push(`${a.ip}\t${(a.hostnames ?? []).filter(safeName).join('\t')}`); }
  }
  return lines.join('\n') + '\n';
}

/** A node's /etc/hosts. */
export function nodeHosts(name: string, ip: string): string {
  return `127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n${ip}\t${safeName(name) ? name : 'node'}\n`;
}

/**
 * `hosts: files dns` only: a host whose nsswitch.conf lists `resolve` or `mdns` would send a pod's lookups
 * out through systemd-resolved's Unix socket, past the namespace, instead of to the cluster DNS.
 */
export const NSSWITCH_CONF = 'hosts: files dns\n';
