/**
 * A NetworkPolicy that selects the collector pods and whose ingress rules admit no peer matching the
 * app, on the port used. Requires proof: a probe that timed out (dropped packets), so that a policy that
 * merely looks restrictive is never reported on its own.
 */
import type { AffectedApp, RuleFinding, Rule } from '../report/finding.ts';
import type { AppContainer, CollectorPod, LabelSelector, NetworkPolicyInfo, ProbeRecord, Snapshot } from '../snapshot.ts';
import { stringify } from 'yaml';
import { probeText, probesTo, resolveHost, targetPortOn, unpublishedPort } from './util.ts';

export function selectorMatches(sel: LabelSelector | null | undefined, labels: Record<string, string>): boolean {
  if (!sel) { return true; }
  for (const [k, v] of Object.entries(sel.matchLabels ?? {})) { if (labels[k] !== v) { return false; } }
  for (const e of sel.matchExpressions ?? []) {
    const has = k(labels, e.key);
    const val = labels[e.key];
    const vals = e.values ?? [];
    if (e.operator === 'In' && !(has && vals.includes(val))) { return false; }
    if (e.operator === 'NotIn' && has && vals.includes(val)) { return false; }
    if (e.operator === 'Exists' && !has) { return false; }
    if (e.operator === 'DoesNotExist' && has) { return false; }
  }
  return true;
}
function k(labels: Record<string, string>, key: string): boolean {
  return Object.prototype.hasOwnProperty.call(labels, key);
}

function nsLabels(s: Snapshot, ns: string): Record<string, string> {
  return { 'kubernetes.io/metadata.name': ns, ...(s.namespaces?.find((n) => n.name === ns)?.labels ?? {}) };
}

function ipInCidr(ip: string, cidr: string): boolean {
  const [base, bits] = cidr.split('/');
  const toN = (x: string): number | null => {
    const p = x.split('.').map(Number);
    return p.length === 4 && p.every((n) => n >= 0 && n < 256) ? ((p[0] << 24) | (p[1] << 16) | (p[2] << 8) | p[3]) >>> 0 : null;
  };
  const a = toN(ip);
  const b = toN(base);
  if (a === null || b === null) { return false; }
  const n = Number(bits ?? 32);
  const mask = n === 0 ? 0 : (~0 << (32 - n)) >>> 0;
  return (a & mask) === (b & mask);
}

/**
 * The policy's ingress list with one rule added for every app namespace that was dropped. A patch
 * (strategic-merge or merge) replaces `spec.ingress` whole, since the list has no merge key, so the patch
 * carries the rules already there: a patch of the new rule alone would drop them.
 */
function ingressPatch(np: NetworkPolicyInfo, namespaces: string[], ports: number[]): string {
  const namespaceSelector = namespaces.length === 1
    ? { matchLabels: { 'kubernetes.io/metadata.name': namespaces[0] } }
    : { matchExpressions: [{ key: 'kubernetes.io/metadata.name', operator: 'In', values: namespaces }] };
  const added = { from: [{ namespaceSelector }], ports: ports.map((port) => ({ protocol: 'TCP', port })) };
  return stringify({ spec: { ingress: [...(np.ingress ?? []), added] } }, { flowCollectionPadding: false }).trimEnd();
}

/** Does this policy admit traffic from the app to the collector on port? (true when it does not apply) */
export function admits(s: Snapshot, np: NetworkPolicyInfo, app: AppContainer, c: CollectorPod, port: number): boolean {
  if (!np.ingress) { return false; }
  for (const rule of np.ingress) {
    const portOk = !rule.ports?.length || rule.ports.some((p) => {
      if (p.port === undefined) { return true; }
      const n = typeof p.port === 'number' ? p.port : targetPortOn(c, { port: 0, targetPort: p.port });
      return n !== null && (n === port || (p.endPort !== undefined && port >= n && port <= p.endPort));
    });
    if (!portOk) { continue; }
    if (!rule.from?.length) { return true; }
    for (const peer of rule.from) {
      if (peer.ipBlock) {
        if (app.podIP && ipInCidr(app.podIP, peer.ipBlock.cidr) && !(peer.ipBlock.except ?? []).some((e) => ipInCidr(app.podIP as string, e))) { return true; }
        continue;
      }
      const nsOk = peer.namespaceSelector ? selectorMatches(peer.namespaceSelector, nsLabels(s, app.namespace)) : app.namespace === np.namespace;
      const podOk = peer.podSelector ? selectorMatches(peer.podSelector, app.labels ?? {}) : true;
      if (nsOk && podOk) { return true; }
    }
  }
  return false;
}

/** The collector pod port a probe's packets arrive on: a Service port's targetPort, else the port dialled. */
function podPort(s: Snapshot, c: CollectorPod, pr: ProbeRecord): number {
  if (pr.target.kind !== 'service' && pr.target.kind !== 'app-endpoint') {
    return pr.target.port;
  }
  const svc = s.services.find((v) => v.matchedCollectorPods.includes(`${c.namespace}/${c.pod}`) && v.ports.some((p) => p.port === pr.target.port));
  const sp = svc?.ports.find((p) => p.port === pr.target.port);
  return sp ? (targetPortOn(c, sp) ?? pr.target.port) : pr.target.port;
}

export const rule: Rule = {
  id: 'network-policy-blocks',
  severity: 'error',
  title: 'A NetworkPolicy drops the apps\' traffic to the collector',
  description:
    'A probe from the app to the collector timed out, and an ingress NetworkPolicy selecting the collector pods admits neither the app\'s namespace and labels nor its port. Needs exec probes: without a timed-out probe a policy is not blamed.',
  evidence: ['api', 'exec'],
  fix: 'Add an ingress rule admitting the app namespaces (namespaceSelector) on the receiver ports the probes found dropped.',
  modes: ['diagnose'],
  check(s) {
    if (!s.meta.exec) {
      return { findings: [], skipped: 'needs exec probes (--no-exec)' };
    }
    // One row per set of policies; the fix is written once every probe they drop is known.
    const blocked = new Map<string, { c: CollectorPod; pols: NetworkPolicyInfo[]; ports: Set<number>; namespaces: Set<string>; probes: ProbeRecord[]; affected: AffectedApp[] }>();
    for (const c of s.collectors) {
      const pols = s.networkPolicies.filter((np) => np.namespace === c.namespace && (np.policyTypes.includes('Ingress') || np.ingress !== undefined) && selectorMatches(np.podSelector, c.labels));
      if (!pols.length) {
        continue;
      }
      for (const pr of probesTo(s, c).filter((p) => p.result === 'timeout')) {
        const app = s.apps.find((a) => a.namespace === pr.from.namespace && a.pod === pr.from.pod);
        if (!app) {
          continue;
        }
        // A ClusterIP port the Service does not publish times out too (kube-proxy has no rule for it):
        // that is app-port-not-exposed's, and no policy is to blame.
        const via = resolveHost(s, app.namespace, pr.target.host);
        if (via.kind === 'service' && unpublishedPort(via.service, pr.target.port)) {
          continue;
        }
        const port = podPort(s, c, pr);
        if (pols.some((np) => admits(s, np, app, c, port))) {
          continue;
        }
        const key = `${c.namespace}/${pols.map((p) => p.name).join(',')}`;
        const g = blocked.get(key) ?? { c, pols, ports: new Set<number>(), namespaces: new Set<string>(), probes: [], affected: [] };
        // The policy filters the pod port the packets arrive on, whatever Service port the app dialled.
        g.ports.add(port);
        g.namespaces.add(app.namespace);
        g.probes.push(pr);
        if (!g.affected.some((a) => a.pod === app.pod)) {
          g.affected.push({ namespace: app.namespace, workload: app.workload?.name, pod: app.pod, container: app.container, symptoms: [`probe ${pr.target.host}:${pr.target.port} timeout`] });
        }
        blocked.set(key, g);
      }
    }
    return [...blocked.values()].map(({ c, pols, ports, namespaces, probes, affected }): RuleFinding => {
      const list = [...ports].sort((x, y) => x - y);
      return {
        subject: { kind: 'NetworkPolicy', namespace: c.namespace, name: pols.map((p) => p.name).join(',') },
        summary: `NetworkPolicy ${pols.map((p) => p.name).join(', ')} drops OTLP traffic to the collector`,
        rootCause: `The ingress policies selecting collector pods in ${c.namespace} admit no peer matching the app pods on port ${list.join(', ')}; packets are dropped and exports time out.`,
        evidence: [
          ...pols.map((np) => ({ source: 'api' as const, detail: `NetworkPolicy ${np.namespace}/${np.name}: podSelector ${JSON.stringify(np.podSelector.matchLabels ?? {})}, ingress ${JSON.stringify(np.ingress ?? [])}` })),
          ...probes.map((pr) => ({ source: 'exec' as const, detail: probeText(pr) })),
        ],
        fix: {
          summary: `Allow ingress to the collector on ${list.join(', ')} from the app namespaces in NetworkPolicy ${c.namespace}/${pols[0].name}.`,
          patch: ingressPatch(pols[0], [...namespaces].sort(), list),
          target: `NetworkPolicy ${c.namespace}/${pols[0].name}`,
        },
        affected,
      };
    });
  },
};
