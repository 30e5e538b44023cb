/**
 * The reasoning shared by receiver-bound-to-loopback and receiver-default-loopback: a receiver that only
 * loopback can reach is wrong unless its only clients share its pod (the sidecar case).
 */
import type { CollectorPod, Snapshot } from '../snapshot.ts';
import type { CheckedEntry, Evidence, RuleFinding, RuleResult } from '../report/finding.ts';
import type { EffectiveEndpoint } from '../otel/config.ts';
import { acceptsFrom, isLoopbackAddr } from '../otel/sockets.ts';
import { isLoopbackHost, joinHostPort, splitHostPort } from '../otel/endpoint.ts';
import {
  affected,
  appLogMatches,
  clientsOf,
  collectorLogMatches,
  collectorModels,
  configTarget,
  endpointEvidence,
  podIpEndpoint,
  podKey,
  probeText,
  probesFrom,
  probesTo,
  targetPortOn,
  truncate,
  type Client,
} from './util.ts';
import { keys } from './keys.ts';

export type LoopbackVariant = 'explicit' | 'default';

export function listenerEvidence(c: CollectorPod, port: number): { evidence?: Evidence; verdict: 'loopback-only' | 'reachable' | 'absent' | 'unknown' } {
  const l = c.listeners;
  if (!l || l.method === 'none') { return { verdict: 'unknown' }; }
  const { accepts, matching } = acceptsFrom(l.sockets, port, c.podIP);
  const where = `${l.method === 'log' ? 'startup log' : `\`${(l.command ?? [l.method]).join(' ')}\``}${l.container ? ` in container ${l.container}` : ''} of pod ${c.namespace}/${c.pod}`;
  if (matching.length === 0) {
    if (l.method === 'log') { return { verdict: 'unknown' }; }
    return { verdict: 'absent', evidence: { source: 'exec', detail: `${where}: nothing listens on port ${port}` } };
  }
  const list = matching.map((s) => `${s.address.includes(':') ? `[${s.address}]` : s.address}:${s.port}`).join(', ');
  const source = l.method === 'log' ? 'log' : 'exec';
  // A socket on another address (a stale literal pod IP, as a pre-0.133 startup log reports it even when
  // the bind then fails) is not a loopback binding: other rules own that case.
  if (accepts === false && !matching.every((s) => isLoopbackAddr(s.address))) { return { verdict: 'unknown' }; }
  if (accepts === false) {
    return { verdict: 'loopback-only', evidence: { source, detail: `${where}: port ${port} listens on ${list} only${l.method === 'log' && l.logAddressKind === 'configured' ? ' (configured address, collector < 0.133)' : ''}` } };
  }
  if (accepts === true) { return { verdict: 'reachable', evidence: { source, detail: `${where}: port ${port} listens on ${list}` } }; }
  return { verdict: 'unknown' };
}

function hasServiceTo(s: Snapshot, c: CollectorPod, port: number): string | undefined {
  for (const v of s.services) {
    if (!v.matchedCollectorPods.includes(podKey(c.namespace, c.pod))) { continue; }
    if (v.ports.some((p) => targetPortOn(c, p) === port)) { return `${v.namespace}/${v.name}`; }
  }
  return undefined;
}

export function patchFor(eps: EffectiveEndpoint[], c: CollectorPod, s?: Snapshot): string {
  const id = eps[0].component;
  const lines = ['receivers:', `  ${id}:`, '    protocols:'];
  for (const ep of eps) { lines.push(`      ${ep.protocol}:`, `        endpoint: 0.0.0.0:${ep.port ?? ''}`); }
  const alt = eps.map((ep) => (s ? podIpEndpoint(s, ep.port) : `\${env:MY_POD_IP}:${ep.port}`)).join(' / ');
  return `${lines.join('\n')}\n# narrower: ${alt} with env MY_POD_IP from fieldRef status.podIP${c.env && 'MY_POD_IP' in c.env ? ' (already set on this pod)' : ''}`;
}

export function checkLoopback(s: Snapshot, variant: LoopbackVariant): RuleResult {
  const findings: RuleFinding[] = [];
  const checked: CheckedEntry[] = [];
  // Subjects already in `checked`, kept up to date lazily: a scan of `checked` per workload was quadratic.
  const checkedSubjects = new Set<string>();
  let indexed = 0;
  for (const { w, c, m } of collectorModels(s, checked)) {
    const subj = w.label;
    const byReceiver = new Map<string, { ep: EffectiveEndpoint; evidence: Evidence[]; clients: Client[]; confirmed: boolean }[]>();
    for (const ep of m.receivers) {
      if (ep.port === null) { continue; }
      const explicit = ep.raw !== undefined && ep.defaultedBy === undefined;
      const cfgLoopback = ep.class === 'loopback';
      // What the sockets say wins over what the config model predicts (env overrides, unknown versions).
      const le = w.pods.map((p) => listenerEvidence(p, ep.port as number)).find((x) => x.verdict !== 'unknown') ?? { verdict: 'unknown' as const };
      if (le.verdict === 'reachable') { continue; }
      const loopback = cfgLoopback || le.verdict === 'loopback-only';
      if (!loopback) { continue; }
      if ((variant === 'explicit') !== explicit) { continue; }
      const clients = w.pods.flatMap((p) => clientsOf(s, p)).filter((cl) => cl.collectorPort === ep.port);
      const cross = clients.filter((cl) => cl.via !== 'same-pod');
      const svc = hasServiceTo(s, c, ep.port);
      const self = selfTelemetryTo(m.config, ep.port);
      if (cross.length === 0 && !svc && (c.sidecar || clients.length > 0 || self)) {
        checked.push({ subject: subj, status: 'pass', reason: `${ep.component}/${ep.protocol} on loopback serves same-pod clients only${self ? ' (the collector\'s own telemetry)' : ''}` });
        continue;
      }
      const evidence: Evidence[] = [endpointEvidence(c, ep)];
      const bare = w.subject.kind === 'CollectorConfig';
      // The distribution table's reason (an unmapped vendor release, a latest tag) when there is one.
      const why = bare ? 'a bare config names no image' : c.versionReason ?? `image ${c.image} has no version tag`;
      if (ep.versionAssumed) { evidence.push({ source: 'config', detail: `collector version unknown (${why}); the localhost default applies to 0.104.0 and later` }); }
      if (ep.versionGiven) { evidence.push({ source: 'config', detail: `collector version ${ep.versionGiven} (--collector-version; ${why}): the localhost default applies` }); }
      if (!ep.versionAssumed && !ep.versionGiven && ep.defaultedBy === 'collector-default' && c.versionReason) { evidence.push({ source: 'config', detail: `collector version ${c.version}: ${c.versionReason}` }); }
      // Nothing else shares the pod's network namespace: no process can ever reach a loopback listener.
      const isolated = !bare && !c.sidecar && !c.hostNetwork && (c.siblingContainers?.length ?? 0) === 0;
      if (isolated && !svc && cross.length === 0) { evidence.push({ source: 'config', detail: `the pod runs no container but ${c.container || 'the collector'} and is not on the host network: nothing but \`kubectl port-forward\` (which connects inside the pod) can reach a loopback address there` }); }
      if (le.evidence) { evidence.push(le.evidence); }
      for (const p of w.pods) {
        for (const lm of collectorLogMatches(s, p, ['startup']).filter((x) => x.fields?.endpoint && x.fields.endpoint.endsWith(`:${ep.port}`))) {
          evidence.push({ source: 'log', detail: `${p.pod}: ${truncate(lm.line.trim())}` });
          break;
        }
      }
      if (svc) { evidence.push({ source: 'api', detail: `Service ${svc} sends port ${ep.port} traffic to the pod IP, where nothing accepts it` }); }
      const list = byReceiver.get(ep.component) ?? [];
      list.push({ ep, evidence, clients: cross, confirmed: le.verdict === 'loopback-only' || svc !== undefined || cross.length > 0 || isolated });
      byReceiver.set(ep.component, list);
    }
    for (const [id, items] of byReceiver) {
      const eps = items.map((i) => i.ep);
      const clients = items.flatMap((i) => i.clients);
      const evidence = items.flatMap((i) => i.evidence);
      const ports = eps.map((e) => e.port);
      // Probes and app logs that this root cause explains: quoted here, not as separate rows.
      for (const p of w.pods) {
        for (const pr of probesTo(s, p).filter((x) => x.result === 'refused' && (ports.includes(x.target.port) || x.target.kind === 'service'))) {
          evidence.push({ source: 'exec', detail: probeText(pr) });
        }
      }
      const seenApps = new Set<string>();
      for (const cl of clients) {
        const k = `${cl.app.namespace}/${cl.app.pod}/${cl.app.container}`;
        if (seenApps.has(k)) { continue; }
        seenApps.add(k);
        const lm = appLogMatches(s, cl.app, ['refused', 'unavailable'])[0];
        if (lm) { evidence.push({ source: 'log', detail: `${cl.app.namespace}/${cl.app.pod} (${cl.app.container}): ${truncate(lm.line.trim())}` }); }
      }
      const dedup = evidence.filter((e, i) => evidence.findIndex((x) => x.detail === e.detail) === i);
      const where = eps.map((e) => e.effective).join(', ');
      const unknownVersion = eps.some((e) => e.versionAssumed) && !items.some((i) => i.evidence.some((e) => e.source === 'exec' || e.source === 'log'));
      const severity = clients.length > 0 || items.some((i) => i.confirmed) ? (unknownVersion ? 'warning' : 'error') : 'warning';
      const rootCause =
        variant === 'explicit'
          ? `The ${id} receiver is bound to ${where}, a loopback address: only processes inside the collector pod can connect, so traffic from other pods and from the Service is refused.`
          : `The ${id} receiver sets no endpoint, and since collector 0.104.0 the default is localhost (${where}): only processes inside the collector pod can connect.`;
      findings.push({
        severity,
        subject: w.subject,
        summary: `${id} receiver listens on loopback only (${where})${clients.length ? `; ${new Set(clients.map((c) => `${c.app.namespace}/${c.app.workload?.name ?? c.app.pod}`)).size} app(s) cannot export` : ''}`,
        rootCause,
        evidence: dedup,
        fix: {
          summary: `In ${configTarget(c, `receivers.${id}.protocols.${eps[0].protocol}.endpoint`)}, set the endpoint to 0.0.0.0:${ports[0]} (all interfaces), or to the narrower ${podIpEndpoint(s, ports[0])} (with MY_POD_IP from fieldRef status.podIP) when the collector must not listen on every interface; the pod-IP binding breaks \`kubectl port-forward\` and same-pod localhost clients.`,
          patch: patchFor(eps, c, s),
          target: configTarget(c),
        },
        affected: affected(clients, (cl) => {
          const syms: string[] = [];
          for (const pr of probesFrom(s, cl.app)) { if (pr.result !== 'connected' && pr.result !== 'not-run') { syms.push(`probe ${joinHostPort(pr.target.host, pr.target.port)} ${pr.result}`); } }
          for (const lm of appLogMatches(s, cl.app, ['refused', 'unavailable']).slice(0, 1)) { syms.push(`log: ${lm.signature}`); }
          return syms;
        }),
        explains: ports.map((p) => keys.listen(w.key, p as number)),
      });
      checked.push({ subject: subj, status: 'fail' });
    }
    for (; indexed < checked.length; indexed++) { checkedSubjects.add(checked[indexed].subject); }
    if (!byReceiver.size && !checkedSubjects.has(subj)) { checked.push({ subject: subj, status: 'pass' }); }
  }
  return { findings, checked };
}

/**
 * The collector's own telemetry (service.telemetry metrics readers, trace and log processors) exporting
 * OTLP to itself over loopback on this port: a same-pod client, the one legitimate use of a loopback receiver
 * in a pod that runs nothing else.
 */
function selfTelemetryTo(config: Record<string, unknown> | null | undefined, port: number): boolean {
  const telemetry = (config?.service as Record<string, unknown> | undefined)?.telemetry;
  if (!telemetry || typeof telemetry !== 'object') { return false; }
  const toSelf = (endpoint: string): boolean => {
    // `http://localhost:4318/v1/metrics` or `localhost:4317`: scheme and path around host:port.
    const hp = splitHostPort(endpoint.trim().replace(/^[a-z][a-z0-9+.-]*:\/\//i, '').replace(/\/.*$/, ''));
    return hp.port === port && isLoopbackHost(hp.host);
  };
  const walk = (v: unknown, key: string): boolean => {
    if (typeof v === 'string') { return key === 'endpoint' && toSelf(v); }
    if (Array.isArray(v)) { return v.some((x) => walk(x, key)); }
    if (v && typeof v === 'object') { return Object.entries(v).some(([k, x]) => walk(x, k)); }
    return false;
  };
  return walk(telemetry, '');
}
