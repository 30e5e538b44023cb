import type { RuleFinding, Rule } from '../report/finding.ts';
import { clientsOf, collectorsOfService, collectorWorkloads, configTarget, model } from './util.ts';
import { keys } from './keys.ts';

export const rule: Rule = {
  id: 'service-port-mismatch',
  severity: 'error',
  title: 'Service targetPort does not reach a receiver',
  description:
    'The Service port forwards to a targetPort: a named port that the collector container does not declare, or a number on which no receiver listens (e.g. targetPort 4318 behind port 4317). Connections through the Service are refused or reach the wrong protocol.',
  evidence: ['api', 'config', 'exec'],
  fix: 'Point targetPort at the receiver port (or the containerPort name that carries it).',
  modes: ['diagnose', 'lint'],
  check(s) {
    const findings: RuleFinding[] = [];
    const checked = [];
    for (const v of s.services) {
      const cols = collectorsOfService(s, v);
      if (!cols.length) { continue; }
      const c = cols[0];
      const m = model(s, c);
      const listening = new Set<number>();
      for (const e of m?.receivers ?? []) { if (e.port) { listening.add(e.port); } }
      for (const sk of c.listeners?.sockets ?? []) { listening.add(sk.port); }
      if (m?.healthCheck?.port) { listening.add(m.healthCheck.port); }
      const subj = `Service ${v.namespace}/${v.name}`;
      if (!listening.size) {
        checked.push({ subject: subj, status: 'skipped' as const, reason: 'receiver ports unknown' });
        continue;
      }
      const clients = clientsOf(s, c).filter((cl) => cl.service === v);
      for (const sp of v.ports) {
        const tp = sp.targetPort ?? sp.port;
        let problem: string | undefined;
        let resolved: number | null = null;
        if (typeof tp === 'string' && !/^\d+$/.test(tp)) {
          const cp = c.containerPorts.find((p) => p.name === tp);
          if (!cp) { problem = `targetPort "${tp}" is not a port name of container ${c.container} (names: ${c.containerPorts.map((p) => p.name).filter(Boolean).join(', ') || 'none'})`; }
          else { resolved = cp.containerPort; }
        } else { resolved = Number(tp); }
        if (!problem && resolved !== null && !listening.has(resolved)) {
          // Only OTLP-looking ports: other ports (metrics 8888, zpages) are not ours to judge without sockets.
          const otlpish = [4317, 4318].includes(sp.port) || /^otlp/i.test(sp.name ?? '');
          if (otlpish) { problem = `port ${sp.port} forwards to ${resolved}, where no receiver listens (receivers: ${[...listening].sort((a, b) => a - b).join(', ')})`; }
        }
        if (!problem) { continue; }
        // One row per app container, not per signal it exports.
        const users = clients.filter((cl, i, all) => cl.exp.port === sp.port && all.findIndex((o) => o.exp.port === sp.port && o.app.pod === cl.app.pod && o.app.container === cl.app.container) === i);
        // The port to forward to: the receiver speaking what this Service port carries, never the health port.
        const wants = sp.port === 4318 || /http/i.test(sp.name ?? '') ? 'http' : sp.port === 4317 || /grpc/i.test(sp.name ?? '') ? 'grpc' : null;
        const suggest = listening.has(sp.port) ? sp.port : (m?.receivers.find((r) => r.port && r.protocol === wants)?.port ?? [...listening].filter((p) => p !== m?.healthCheck?.port).sort((a, b) => a - b)[0] ?? sp.port);
        // port == targetPort and nothing listens there: the Service is right and the collector is not
        // listening; a collector rule that names why (receiver unused, protocol disabled) absorbs this row.
        const wkey = resolved === sp.port ? collectorWorkloads(s).find((w) => w.pods.includes(c))?.key : undefined;
        findings.push({
          subject: { kind: 'Service', namespace: v.namespace, name: v.name },
          summary: `Service port ${sp.name ? `${sp.name} ` : ''}${sp.port}: ${problem}`,
          rootCause: `Traffic to ${v.name}:${sp.port} is forwarded to a pod port that no OTLP receiver serves.`,
          evidence: [
            { source: 'api', detail: `Service ${v.namespace}/${v.name} port ${sp.port} -> targetPort ${tp}` },
            { source: 'config', detail: `collector ${c.pod}: receiver ports ${[...listening].sort((a, b) => a - b).join(', ')}; containerPorts ${c.containerPorts.map((p) => `${p.name ?? ''}=${p.containerPort}`).join(', ')} (${configTarget(c)})` },
          ],
          fix: {
            summary: `Set targetPort of port ${sp.port} in Service ${v.namespace}/${v.name} to ${suggest}.`,
            patch: `spec:\n  ports:\n    - name: ${sp.name ?? 'otlp'}\n      port: ${sp.port}\n      targetPort: ${suggest}`,
            target: `Service ${v.namespace}/${v.name}`,
          },
          ...(users.length ? { affected: users.map((u) => ({ namespace: u.app.namespace, workload: u.app.workload?.name, pod: u.app.pod, container: u.app.container, endpoint: u.exp.url, symptoms: [] })) } : {}),
          ...(wkey ? { symptomOf: [keys.listen(wkey, sp.port)] } : {}),
        });
      }
      if (!findings.some((f) => f.subject.name === v.name && f.subject.namespace === v.namespace)) { checked.push({ subject: subj }); }
    }
    return { findings, checked };
  },
};
