import type { RuleFinding, Rule } from '../report/finding.ts';
import { exportsOf, probesFrom, probeText, resolveHost } from './util.ts';

export const rule: Rule = {
  id: 'internal-traffic-local-gap',
  severity: 'error',
  title: 'internalTrafficPolicy: Local with apps on nodes without a collector',
  description:
    'A Service with `internalTrafficPolicy: Local` only forwards to endpoints on the client\'s own node. Apps on a node with no ready collector pod have their connections dropped (a timeout), typically when a collector DaemonSet does not run on every node (taints, nodeSelector).',
  evidence: ['api', 'exec'],
  fix: 'Run the collector on every node that runs apps (tolerations), or set `internalTrafficPolicy: Cluster`.',
  modes: ['diagnose'],
  check(s) {
    const findings: RuleFinding[] = [];
    for (const v of s.services) {
      if (v.internalTrafficPolicy !== 'Local' || !v.endpoints) { continue; }
      const nodes = new Set(v.endpoints.ready.map((e) => e.node).filter(Boolean));
      if (v.endpoints.ready.some((e) => !e.node)) {
        continue; // node unknown: cannot judge
      }
      const stranded = s.apps.filter(
        (a) => a.node && !nodes.has(a.node) && exportsOf(a).some((e) => e.parsed && (() => { const r = resolveHost(s, a.namespace, e.parsed.host); return r.kind === 'service' && r.service === v; })()),
      );
      if (!stranded.length) { continue; }
      findings.push({
        subject: { kind: 'Service', namespace: v.namespace, name: v.name },
        summary: `internalTrafficPolicy Local: ${stranded.length} app pod(s) on nodes with no ready collector`,
        rootCause: `Service ${v.namespace}/${v.name} routes only to same-node endpoints; nodes ${[...new Set(stranded.map((a) => a.node))].join(', ')} have none, so exports from there are dropped.`,
        evidence: [
          { source: 'api', detail: `Service ${v.namespace}/${v.name}: internalTrafficPolicy Local; ready endpoints on nodes ${[...nodes].join(', ') || 'none'}` },
          ...stranded.slice(0, 5).map((a) => ({ source: 'api' as const, detail: `app pod ${a.namespace}/${a.pod} runs on ${a.node}` })),
          // The drop itself, when a probe from a stranded pod saw it.
          ...stranded.slice(0, 5).flatMap((a) => probesFrom(s, a).filter((p) => p.result === 'timeout')).map((p) => ({ source: 'exec' as const, detail: probeText(p) })),
        ],
        fix: { summary: `Schedule the collector on every app node (tolerations / nodeSelector), or set internalTrafficPolicy: Cluster on Service ${v.namespace}/${v.name}.`, patch: 'spec:\n  internalTrafficPolicy: Cluster', target: `Service ${v.namespace}/${v.name}` },
        affected: stranded.map((a) => ({ namespace: a.namespace, workload: a.workload?.name, pod: a.pod, container: a.container, symptoms: [] })),
      });
    }
    return findings;
  },
};
