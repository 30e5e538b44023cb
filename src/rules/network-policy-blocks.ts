/**
 * A NetworkPolicy that drops the export, on either end of the path: an ingress policy selecting the
 * collector pods that admits no peer matching the app on the port used, or an egress policy selecting the
 * app pods that allows neither the collector nor DNS (Kubernetes "Network Policies": a pod selected by a
 * policy of a direction is isolated in that direction; what any rule of any such policy allows passes).
 * In diagnose it requires proof: a probe that timed out (dropped packets) or failed DNS (dropped lookup),
 * so that a policy that merely looks restrictive is never reported on its own.
 */
import type { AffectedApp, RuleFinding, Rule } from '../report/finding.ts';
import type { AppContainer, CollectorPod, NetworkPolicyInfo, NetworkPolicyPeer, ProbeRecord, Snapshot } from '../snapshot.ts';
import { BlockList, isIP } from 'node:net';
import { stringify } from 'yaml';
import { joinHostPort } from '../otel/endpoint.ts';
import { keys } from './keys.ts';
import { namespaceLabels, selectorMatches } from '../selectors.ts';
import { exportsOf, probeText, probesFrom, probesTo, resolveHost, targetPortOn, unpublishedPort } from './util.ts';

function nsLabels(s: Snapshot, ns: string): Record<string, string> {
  return namespaceLabels(ns, s.namespaces?.find((n) => n.name === ns)?.labels);
}

/** Is ip inside cidr? Either family; an address never matches a block of the other family, as CNIs enforce it. */
function ipInCidr(ip: string, cidr: string): boolean {
  const [base, bits] = cidr.split('/');
  const fam = isIP(base);
  if (!fam || isIP(ip) !== fam) { return false; }
  const n = Number(bits ?? (fam === 4 ? 32 : 128));
  if (!Number.isInteger(n) || n < 0 || n > (fam === 4 ? 32 : 128)) { return false; }
  const list = new BlockList();
  list.addSubnet(base, n, fam === 4 ? 'ipv4' : 'ipv6');
  return list.check(ip, fam === 4 ? 'ipv4' : 'ipv6');
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

type PortSpec = { port?: number | string; protocol?: string; endPort?: number };
/** A pod an app's packets go to: the collector (after the Service's DNAT) or the cluster DNS. */
interface Dest { namespace: string; labels: Record<string, string>; ips: string[]; ports: { name?: string; containerPort: number; protocol?: string }[] }

/** CoreDNS as kubeadm and most distributions deploy it behind Service kube-system/kube-dns; its IP is not read. */
const KUBE_DNS: Dest = {
  namespace: 'kube-system', labels: { 'k8s-app': 'kube-dns' }, ips: [],
  ports: [{ name: 'dns', containerPort: 53, protocol: 'UDP' }, { name: 'dns-tcp', containerPort: 53, protocol: 'TCP' }],
};

/** The policies that isolate the app for egress: Egress in policyTypes and a podSelector matching its pod. */
function egressPolicies(s: Snapshot, app: AppContainer): NetworkPolicyInfo[] {
  return s.networkPolicies.filter((np) => np.namespace === app.namespace && np.policyTypes.includes('Egress') && selectorMatches(np.podSelector, app.labels ?? {}));
}

/** A rule's ports admit protocol/port on dest (no ports: every port; a named port is the destination pod's; endPort: a range). */
function portsAdmit(ports: PortSpec[] | undefined, dest: Dest, port: number, protocol: string): boolean {
  if (!ports?.length) { return true; }
  return ports.some((p) => {
    if ((p.protocol ?? 'TCP').toUpperCase() !== protocol) { return false; }
    if (p.port === undefined || p.port === null) { return true; }
    const n = typeof p.port === 'number' || /^\d+$/.test(p.port) ? Number(p.port)
      : dest.ports.find((cp) => cp.name === p.port && (cp.protocol ?? 'TCP').toUpperCase() === protocol)?.containerPort;
    return n !== undefined && (n === port || (p.endPort !== undefined && port >= n && port <= p.endPort));
  });
}

/**
 * Does a `to` peer denote dest? A peer with only podSelector stays in the policy's namespace; with
 * namespaceSelector it spans the matching namespaces. An ipBlock against a pod whose address was not read
 * is taken as admitting: a policy is blamed only for what it surely drops.
 */
function peerHolds(s: Snapshot, np: NetworkPolicyInfo, peer: NetworkPolicyPeer, dest: Dest): boolean {
  if (peer.ipBlock) {
    const b = peer.ipBlock;
    return !dest.ips.length || dest.ips.some((ip) => ipInCidr(ip, b.cidr) && !(b.except ?? []).some((e) => ipInCidr(ip, e)));
  }
  if (peer.namespaceSelector) {
    return selectorMatches(peer.namespaceSelector, nsLabels(s, dest.namespace)) && (!peer.podSelector || selectorMatches(peer.podSelector, dest.labels));
  }
  if (peer.podSelector) { return dest.namespace === np.namespace && selectorMatches(peer.podSelector, dest.labels); }
  return false;
}

/** Egress is allowed when ANY rule of ANY isolating policy allows it (the policies are additive). */
function egressAllows(s: Snapshot, pols: NetworkPolicyInfo[], dest: Dest, port: number, protocol: 'TCP' | 'UDP'): boolean {
  return pols.some((np) => (np.egress ?? []).some((r) => portsAdmit(r.ports, dest, port, protocol) && (!r.to?.length || r.to.some((peer) => peerHolds(s, np, peer, dest)))));
}

function collectorDest(c: CollectorPod): Dest {
  return { namespace: c.namespace, labels: c.labels, ips: [...new Set([c.podIP, ...(c.podIPs ?? [])].filter((x): x is string => !!x))], ports: c.containerPorts };
}

/** What an app's packets to host:port need that its egress policies do not allow. */
interface EgressGap {
  /** the collector pods (namespace, selector, pod port) the path needs */
  paths: { c: CollectorPod; port: number; selector?: Record<string, string> }[];
  /** the host is a name: the lookup needs kube-dns on UDP 53, which no rule allows */
  dns: boolean;
}

function egressGap(s: Snapshot, app: AppContainer, pols: NetworkPolicyInfo[], host: string, port: number, pr?: ProbeRecord): EgressGap | null {
  const via = resolveHost(s, app.namespace, host);
  // A ClusterIP port the Service does not publish is app-port-not-exposed's, whatever the policies say.
  if (via.kind === 'service' && unpublishedPort(via.service, port)) { return null; }
  const collectors = via.kind === 'service' || via.kind === 'collector-pod' ? via.collectors : [];
  const paths: EgressGap['paths'] = [];
  for (const c of collectors) {
    const podP = pr ? podPort(s, c, pr) : via.kind === 'service' ? (targetPortOn(c, via.service.ports.find((p) => p.port === port) ?? { port }) ?? port) : port;
    if (!egressAllows(s, pols, collectorDest(c), podP, 'TCP')) {
      paths.push({ c, port: podP, ...(via.kind === 'service' && via.service.selector ? { selector: via.service.selector } : {}) });
    }
  }
  const dns = !isIP(host.replace(/^\[|\]$/g, '')) && !egressAllows(s, pols, KUBE_DNS, 53, 'UDP');
  return paths.length || dns ? { paths, dns } : null;
}

/**
 * The policy's egress list with the missing allowances appended. Like `spec.ingress`, `spec.egress` has no
 * merge key: a patch replaces it whole, so it carries the rules already there.
 */
function egressPatch(np: NetworkPolicyInfo, paths: EgressGap['paths'], dns: boolean): string {
  const added: unknown[] = [];
  const byNs = new Map<string, { selector?: Record<string, string>; ports: Set<number> }>();
  for (const p of paths) {
    const g = byNs.get(p.c.namespace) ?? { selector: p.selector, ports: new Set<number>() };
    g.ports.add(p.port);
    byNs.set(p.c.namespace, g);
  }
  for (const [ns, g] of [...byNs].sort(([a], [b]) => a.localeCompare(b))) {
    const peer = { namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': ns } }, ...(g.selector && Object.keys(g.selector).length ? { podSelector: { matchLabels: g.selector } } : {}) };
    added.push({ to: [peer], ports: [...g.ports].sort((a, b) => a - b).map((port) => ({ protocol: 'TCP', port })) });
  }
  if (dns) {
    added.push({
      to: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': KUBE_DNS.namespace } }, podSelector: { matchLabels: KUBE_DNS.labels } }],
      ports: [{ protocol: 'UDP', port: 53 }, { protocol: 'TCP', port: 53 }],
    });
  }
  return stringify({ spec: { egress: [...(np.egress ?? []), ...added] } }, { flowCollectionPadding: false }).trimEnd();
}

interface EgressRow { app: AppContainer; apps: AppContainer[]; pols: NetworkPolicyInfo[]; paths: EgressGap['paths']; dns: boolean; probes: ProbeRecord[]; targets: string[]; affected: AffectedApp[] }

/**
 * Apps whose own egress policies drop their exports. With probes (diagnose), only where a probe's failure
 * is what the gap causes (a timeout for a dropped path, a DNS failure for a dropped lookup); in lint, from
 * the files alone, where the policies are the whole truth about what is allowed.
 */
function egressRows(s: Snapshot, withProbes: boolean): EgressRow[] {
  const rows = new Map<string, EgressRow>();
  for (const app of s.apps) {
    const pols = egressPolicies(s, app);
    if (!pols.length) { continue; }
    const targets: { host: string; port: number; pr?: ProbeRecord }[] = withProbes
      ? probesFrom(s, app).filter((p) => p.result === 'timeout' || p.result === 'dns-failure').map((pr) => ({ host: pr.target.host, port: pr.target.port, pr }))
      : exportsOf(app).flatMap((e) => (e.parsed && !e.defaultEndpoint && !e.parsed.problems.length && e.parsed.port !== null ? [{ host: e.parsed.host, port: e.parsed.port }] : []));
    for (const t of targets) {
      const gap = egressGap(s, app, pols, t.host, t.port, t.pr);
      if (!gap) { continue; }
      // A dropped lookup gets no answer: the resolver retries for longer than a probe waits, so a missing
      // DNS allowance shows as a timeout as often as a DNS failure; a dropped connection only as a timeout.
      if (t.pr && !(t.pr.result === 'timeout' ? gap.paths.length || gap.dns : gap.dns)) { continue; }
      const who = app.workload ? `${app.workload.kind}/${app.workload.name}` : `Pod/${app.pod}`;
      const key = JSON.stringify([app.namespace, who, pols.map((p) => p.name)]);
      const row = rows.get(key) ?? { app, apps: [], pols, paths: [], dns: false, probes: [], targets: [], affected: [] };
      for (const p of gap.paths) {
        if (!row.paths.some((x) => x.c.namespace === p.c.namespace && x.port === p.port)) { row.paths.push(p); }
      }
      row.dns ||= gap.dns;
      if (!row.apps.includes(app)) { row.apps.push(app); }
      if (t.pr) { row.probes.push(t.pr); }
      const target = joinHostPort(t.host, t.port);
      if (!row.targets.includes(target)) { row.targets.push(target); }
      const symptom = t.pr ? `probe ${target} ${t.pr.result}` : `export to ${target} not allowed by egress policy`;
      const cur = row.affected.find((a) => a.pod === app.pod && a.container === app.container);
      if (!cur) { row.affected.push({ namespace: app.namespace, workload: app.workload?.name, pod: app.pod, container: app.container, symptoms: [symptom] }); }
      else if (!cur.symptoms.includes(symptom)) { cur.symptoms.push(symptom); }
      rows.set(key, row);
    }
  }
  return [...rows.values()];
}

function egressFinding(s: Snapshot, row: EgressRow): RuleFinding {
  const { app, pols, paths, dns } = row;
  const names = pols.map((p) => p.name).join(',');
  const who = app.workload ? `${app.workload.kind} ${app.namespace}/${app.workload.name}` : `Pod ${app.namespace}/${app.pod}`;
  const pathText = [...new Map(paths.map((p) => [p.c.namespace, p])).keys()].sort()
    .map((ns) => `the collector pods in ${ns} on TCP ${[...new Set(paths.filter((p) => p.c.namespace === ns).map((p) => p.port))].sort((a, b) => a - b).join(', ')}`);
  const missing = [...pathText, ...(dns ? ['DNS (kube-system/kube-dns on UDP/TCP 53)'] : [])];
  return {
    subject: { kind: 'NetworkPolicy', namespace: app.namespace, name: names },
    summary: `NetworkPolicy ${pols.map((p) => p.name).join(', ')} isolates ${who} for egress and does not allow ${missing.join(' or ')}`,
    rootCause: `An Egress policy selecting the app pods allows only what its egress rules list; none allows ${missing.join(', nor ')}, so ${dns && !paths.length ? 'the collector\'s name cannot be resolved' : dns ? 'the collector\'s name cannot be resolved and its packets are dropped' : 'packets to the collector are dropped and exports time out'}.`,
    evidence: [
      ...pols.map((np) => ({ source: 'api' as const, detail: `NetworkPolicy ${np.namespace}/${np.name}: podSelector ${JSON.stringify(np.podSelector.matchLabels ?? {})}, policyTypes [${np.policyTypes.join(', ')}], egress ${JSON.stringify(np.egress ?? [])}` })),
      ...[...new Set(paths.map((p) => p.c))].map((c) => ({ source: 'api' as const, detail: `collector pod ${c.namespace}/${c.pod}${c.podIP ? ` (${c.podIP})` : ''} receives on TCP ${paths.filter((p) => p.c === c).map((p) => p.port).join(', ')}` })),
      ...(row.probes.length ? row.probes.map((pr) => ({ source: 'exec' as const, detail: probeText(pr) })) : [{ source: 'config' as const, detail: `${who} exports to ${row.targets.join(', ')}` }]),
    ],
    fix: {
      summary: `Allow egress from ${who} to ${missing.join(' and ')} in NetworkPolicy ${app.namespace}/${pols[0].name}.`,
      patch: egressPatch(pols[0], paths, dns),
      target: `NetworkPolicy ${app.namespace}/${pols[0].name}`,
    },
    affected: row.affected,
    // An external name that cannot resolve (app-endpoint-unresolvable) is this row's when DNS is what the policy drops.
    ...(dns ? { explains: row.apps.map(keys.dnsBlocked) } : {}),
  };
}

export const rule: Rule = {
  id: 'network-policy-blocks',
  severity: 'error',
  title: 'A NetworkPolicy drops the apps\' traffic to the collector',
  description:
    'Either side\'s NetworkPolicy drops the export: an ingress policy selecting the collector pods admits neither the app\'s namespace and labels nor its port, or an egress policy selecting the app pods (Egress in policyTypes) allows neither the collector pods on the receiver port nor DNS to kube-dns on port 53, so the collector\'s name does not even resolve. Policies are additive: the traffic is allowed when any rule of any policy selecting the pod allows it. In diagnose a policy is blamed only with proof from an exec probe (a timeout for dropped packets, a DNS failure for a dropped lookup); lint judges the policies in the files, both sides, against the endpoints the apps configure (an ipBlock, which needs pod addresses, is not judged there).',
  evidence: ['api', 'exec', 'config'],
  fix: 'Add the missing allowance to the policy: an ingress rule admitting the app namespaces on the receiver ports, or an egress rule to the collector pods (namespaceSelector + podSelector) on the receiver port and one to kube-dns on UDP/TCP 53.',
  modes: ['diagnose', 'lint'],
  check(s) {
    const lint = s.meta.mode === 'lint';
    if (!lint && !s.meta.exec) {
      return { findings: [], skipped: 'needs exec probes (--no-exec)' };
    }
    // One row per set of policies; the fix is written once every probe they drop is known.
    const blocked = new Map<string, { c: CollectorPod; pols: NetworkPolicyInfo[]; ports: Set<number>; namespaces: Set<string>; probes: ProbeRecord[]; affected: AffectedApp[] }>();
    for (const c of s.collectors) {
      const pols = s.networkPolicies.filter((np) => np.namespace === c.namespace && (np.policyTypes.includes('Ingress') || np.ingress !== undefined) && selectorMatches(np.podSelector, c.labels));
      if (!pols.length) {
        continue;
      }
      // Diagnose: the probes that timed out. Lint: the endpoints the files configure, where the policies
      // in the files are the whole truth about what is admitted.
      const paths: { app: AppContainer; host: string; port: number; pr?: ProbeRecord }[] = lint
        ? s.apps.flatMap((app) => exportsOf(app).flatMap((e) => {
          if (!e.parsed || e.defaultEndpoint || e.parsed.problems.length || e.parsed.port === null) { return []; }
          const via = resolveHost(s, app.namespace, e.parsed.host);
          return (via.kind === 'service' || via.kind === 'collector-pod') && via.collectors.includes(c) ? [{ app, host: e.parsed.host, port: e.parsed.port }] : [];
        }))
        // A probe speaks for every app on its path (probedBy), of whatever namespace: each is judged, and
        // the fix admits all of their namespaces.
        : probesTo(s, c).filter((p) => p.result === 'timeout').flatMap((pr) => s.apps
          .filter((a) => { const by = a.probedBy ?? a; return by.namespace === pr.from.namespace && by.pod === pr.from.pod; })
          .map((app) => ({ app, host: pr.target.host, port: pr.target.port, pr })));
      for (const { app, host, port: dialled, pr } of paths) {
        // A ClusterIP port the Service does not publish times out too (kube-proxy has no rule for it):
        // that is app-port-not-exposed's, and no policy is to blame.
        const via = resolveHost(s, app.namespace, host);
        if (via.kind === 'service' && unpublishedPort(via.service, dialled)) {
          continue;
        }
        const port = pr ? podPort(s, c, pr) : via.kind === 'service' ? (targetPortOn(c, via.service.ports.find((p) => p.port === dialled) ?? { port: dialled }) ?? dialled) : dialled;
        // An ipBlock cannot be judged against an app whose address was not read (lint): not blamed.
        if (pols.some((np) => admits(s, np, app, c, port) || (!app.podIP && (np.ingress ?? []).some((r) => r.from?.some((f) => f.ipBlock))))) {
          continue;
        }
        const key = `${c.namespace}/${pols.map((p) => p.name).join(',')}`;
        const g = blocked.get(key) ?? { c, pols, ports: new Set<number>(), namespaces: new Set<string>(), probes: [], affected: [] };
        // The policy filters the pod port the packets arrive on, whatever Service port the app dialled.
        g.ports.add(port);
        g.namespaces.add(app.namespace);
        if (pr && !g.probes.includes(pr)) { g.probes.push(pr); }
        if (!g.affected.some((a) => a.namespace === app.namespace && a.pod === app.pod)) {
          const by = pr && (pr.from.namespace !== app.namespace || pr.from.pod !== app.pod) ? ` (probed from ${pr.from.namespace}/${pr.from.pod})` : '';
          g.affected.push({ namespace: app.namespace, workload: app.workload?.name, pod: app.pod, container: app.container, symptoms: [pr ? `probe ${joinHostPort(host, dialled)} timeout${by}` : `export to ${joinHostPort(host, dialled)} not admitted by ingress policy`] });
        }
        blocked.set(key, g);
      }
    }
    const ingress = [...blocked.values()].map(({ c, pols, ports, namespaces, probes, affected }): RuleFinding => {
      const list = [...ports].sort((x, y) => x - y);
      return {
        subject: { kind: 'NetworkPolicy', namespace: c.namespace, name: pols.map((p) => p.name).join(',') },
        summary: `NetworkPolicy ${pols.map((p) => p.name).join(', ')} drops OTLP traffic to the collector`,
        rootCause: `The ingress policies selecting collector pods in ${c.namespace} admit no peer matching the app pods on port ${list.join(', ')}; packets are dropped and exports time out.`,
        evidence: [
          ...pols.map((np) => ({ source: 'api' as const, detail: `NetworkPolicy ${np.namespace}/${np.name}: podSelector ${JSON.stringify(np.podSelector.matchLabels ?? {})}, ingress ${JSON.stringify(np.ingress ?? [])}` })),
          ...(probes.length ? probes.map((pr) => ({ source: 'exec' as const, detail: probeText(pr) })) : affected.map((a) => ({ source: 'config' as const, detail: `${a.namespace}/${a.workload ?? a.pod}: ${a.symptoms.join('; ')}` }))),
        ],
        fix: {
          summary: `Allow ingress to the collector on ${list.join(', ')} from the app namespaces in NetworkPolicy ${c.namespace}/${pols[0].name}.`,
          patch: ingressPatch(pols[0], [...namespaces].sort(), list),
          target: `NetworkPolicy ${c.namespace}/${pols[0].name}`,
        },
        affected,
      };
    });
    return [...ingress, ...egressRows(s, !lint).map((row) => egressFinding(s, row))];
  },
};
