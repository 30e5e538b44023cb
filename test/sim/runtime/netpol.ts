// NetworkPolicy (networking.k8s.io/v1) as filter rules in the node that hosts a selected pod, the way
// iptables-based CNIs enforce it: ingress is checked on the destination's node, egress on the source's,
// both on the FORWARD path (every pod packet crosses its node's namespace), after Service DNAT, so a
// policy sees the real endpoint and port. A packet a policy does not admit is dropped: clients time out.
// Replies of admitted connections (conntrack ESTABLISHED/RELATED) always pass.
// Traffic from the pod's own node (kubelet probes, hostNetwork pods there) is never filtered, as the
// Kubernetes documentation promises; it takes the OUTPUT path, which carries no policy rules.
// Rendered once per family (iptables and ip6tables): a pod stands for its address of that family, and an
// ipBlock applies only in its own family, as iptables-based CNIs (Calico's per-family rules) enforce it.
import { createHash } from 'node:crypto';
import { isIPv6 } from 'node:net';
import { matchesSelector, type KObject } from '../store.ts';
import { comment, validPort, validProto } from './iptables.ts';
import type { Family } from '../ip-family.ts';

export interface PolicyPod {
  namespace: string;
  name: string;
  ip: string;
  nodeName: string;
  labels: Record<string, string>;
  containerPorts: Array<{ name?: string; containerPort: number; protocol?: string }>;
}

export const POLICY_CHAIN = 'OSIM-POLICY';
/** A bit of the packet mark outside kube-proxy's (0x4000) and the portmap plugin's (0x2000). */
const ALLOW = '0x10000/0x10000';

type Peer = { podSelector?: any; namespaceSelector?: any; ipBlock?: { cidr: string; except?: string[] } };
type PortSpec = { protocol?: string; port?: number | string; endPort?: number };
type Rule = { peers?: Peer[]; ports?: PortSpec[] };

function isCidr(s: unknown, family: Family = 'IPv4'): s is string {
  if (family === 'IPv6') {
    const m6 = typeof s === 'string' ? /^([0-9a-fA-F:]+)\/(\d{1,3})$/.exec(s) : null;
    return !!m6 && isIPv6(m6[1]) && Number(m6[2]) <= 128;
  }
  const m = typeof s === 'string' ? /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/.exec(s) : null;
  return !!m && m.slice(1, 5).every((o) => Number(o) <= 255) && Number(m[5]) <= 32;
}

function hash(...parts: string[]): string {
  return createHash('sha256').update(parts.join('\0')).digest('hex').slice(0, 12).toUpperCase();
}

export function policyTypes(np: KObject): { ingress: boolean; egress: boolean } {
  const types: string[] | undefined = np.spec?.policyTypes;
  if (Array.isArray(types) && types.length) { return { ingress: types.includes('Ingress'), egress: types.includes('Egress') }; }
  return { ingress: true, egress: Array.isArray(np.spec?.egress) };
}

/** The pods a peer denotes, relative to the policy's namespace. */
function peerPods(peer: Peer, policyNs: string, pods: PolicyPod[], nsLabels: (ns: string) => Record<string, string>): PolicyPod[] {
  if (peer.namespaceSelector) {
    return pods.filter((p) => matchesSelector(nsLabels(p.namespace), peer.namespaceSelector) && (!peer.podSelector || matchesSelector(p.labels, peer.podSelector)));
  }
  if (peer.podSelector) { return pods.filter((p) => p.namespace === policyNs && matchesSelector(p.labels, peer.podSelector)); }
  return [];
}

/** A port spec as (protocol, dport match) pairs; a named port resolves against `target`'s container ports. */
function portMatches(ps: PortSpec | null, target: PolicyPod | undefined): string[] {
  if (ps === null) {
    return ['']; // a rule without ports admits every port of every protocol
  }
  const p = (typeof ps.protocol === 'string' ? ps.protocol : 'TCP').toLowerCase();
  if (!validProto(p)) { return []; }
  if (ps.port === undefined || ps.port === null) { return [`-p ${p}`]; }
  if (typeof ps.port === 'number' || /^\d+$/.test(String(ps.port))) {
    const n = Number(ps.port);
    if (!validPort(n)) { return []; }
    return [`-p ${p} -m ${p} --dport ${n}${validPort(ps.endPort) && ps.endPort > n ? ':' + ps.endPort : ''}`];
  }
  if (!target) { return []; }
  return target.containerPorts
    .filter((cp) => cp.name === ps.port && (cp.protocol ?? 'TCP').toLowerCase() === p && validPort(cp.containerPort))
    .map((cp) => `-p ${p} -m ${p} --dport ${cp.containerPort}`);
}

/**
 * Filter chains for every pod on `nodeName` that some policy isolates. Returns chain names (the first
 * is the dispatch chain FORWARD jumps to) and rules, or nothing when no local pod is isolated. `pods`
 * carry their address of `family`.
 */
export function renderPolicies(nodeName: string, pods: PolicyPod[], policies: KObject[], nsLabels: (ns: string) => Record<string, string>, family: Family = 'IPv4'): { chains: string[]; rules: string[] } {
  const host = family === 'IPv4' ? '/32' : '/128';
  const chains: string[] = [POLICY_CHAIN];
  const rules: string[] = [];
  const dispatch: string[] = [];
  const declared = new Set(chains);
  const declare = (c: string) => { if (!declared.has(c)) { declared.add(c); chains.push(c); } };
  const mark = `-j MARK --set-xmark ${ALLOW}`;

  for (const pod of pods.filter((p) => p.nodeName === nodeName)) {
    for (const dir of ['ingress', 'egress'] as const) {
      const selecting = policies.filter((np) => np.metadata.namespace === pod.namespace && policyTypes(np)[dir] && matchesSelector(pod.labels, np.spec?.podSelector ?? {}));
      if (selecting.length === 0) { continue; }
      const podChain = `OSIM-${dir === 'ingress' ? 'I' : 'E'}-${hash(pod.namespace, pod.name, pod.ip)}`;
      declare(podChain);
      // Ingress is judged by the source address, egress by the destination.
      const peerFlag = dir === 'ingress' ? '-s' : '-d';
      dispatch.push(`-A ${POLICY_CHAIN} ${dir === 'ingress' ? '-d' : '-s'} ${pod.ip}${host} ${comment(`${dir} policy of ${pod.namespace}/${pod.name}`)} -j ${podChain}`);
      rules.push(`-A ${podChain} -j MARK --set-xmark 0x0/0x10000`);
      let n = 0;
      for (const np of selecting) {
        const list: any[] = (dir === 'ingress' ? np.spec?.ingress : np.spec?.egress) ?? [];
        for (const raw of list) {
          const r: Rule = { peers: dir === 'ingress' ? raw?.from : raw?.to, ports: raw?.ports };
          const tag = `${np.metadata.name} ${dir} rule ${n++}`;
          const ports: Array<PortSpec | null> = Array.isArray(r.ports) && r.ports.length ? r.ports.map((x) => x ?? {}) : [null];
          const anyPeer = !Array.isArray(r.peers) || r.peers.length === 0;
          if (anyPeer) {
            // For egress, a named port lives on each destination pod; for "any destination" it can only
            // be resolved against pods we know of.
            if (dir === 'egress') {
              for (const ps of ports) {
                if (ps && typeof ps.port === 'string' && !/^\d+$/.test(ps.port)) {
                  for (const peer of pods) { for (const m of portMatches(ps, peer)) { rules.push(`-A ${podChain} -d ${peer.ip}${host} ${m} ${comment(tag)} ${mark}`); } }
                } else { for (const m of portMatches(ps, undefined)) { rules.push(`-A ${podChain} ${m} ${comment(tag)} ${mark}`); } }
              }
            } else {
              for (const ps of ports) { for (const m of portMatches(ps, pod)) { rules.push(`-A ${podChain} ${m} ${comment(tag)} ${mark}`); } }
            }
          } else {
            for (const peer of r.peers!) {
              if (peer?.ipBlock) {
                const cidr = peer.ipBlock.cidr;
                if (!isCidr(cidr, family)) { continue; }
                const blockChain = `OSIM-B-${hash(podChain, tag, cidr, JSON.stringify(peer.ipBlock.except ?? []))}`;
                if (!declared.has(blockChain)) {
                  declare(blockChain);
                  for (const ex of peer.ipBlock.except ?? []) { if (isCidr(ex, family)) { rules.push(`-A ${blockChain} ${peerFlag} ${ex} -j RETURN`); } }
                  rules.push(`-A ${blockChain} ${mark}`);
                }
                for (const ps of ports) {
                  const ms = dir === 'ingress' ? portMatches(ps, pod) : portMatches(ps, undefined);
                  for (const m of ms) { rules.push(`-A ${podChain} ${peerFlag} ${cidr} ${m} ${comment(tag)} -j ${blockChain}`); }
                }
                continue;
              }
              for (const peerPod of peerPods(peer ?? {}, np.metadata.namespace ?? 'default', pods, nsLabels)) {
                for (const ps of ports) {
                  for (const m of portMatches(ps, dir === 'ingress' ? pod : peerPod)) {
                    rules.push(`-A ${podChain} ${peerFlag} ${peerPod.ip}${host} ${m} ${comment(tag)} ${mark}`);
                  }
                }
              }
            }
          }
        }
      }
      rules.push(`-A ${podChain} -m mark --mark ${ALLOW} -j RETURN`);
      rules.push(`-A ${podChain} ${comment(`not admitted by any ${dir} policy`)} -j DROP`);
    }
  }
  if (dispatch.length === 0) { return { chains: [], rules: [] }; }
  return {
    chains,
    rules: [`-A ${POLICY_CHAIN} -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT`, ...dispatch, ...rules],
  };
}
