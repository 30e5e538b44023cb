import type { RuleFinding, Rule } from '../report/finding.ts';
import { collectorWorkloads, exportsOf } from './util.ts';

export const rule: Rule = {
  id: 'daemonset-no-hostport',
  severity: 'error',
  title: 'Apps send to the node IP but the collector DaemonSet has no hostPort',
  description:
    'The agent pattern: apps export to `$(HOST_IP):4317` (fieldRef status.hostIP) and a collector DaemonSet receives on every node. That works only when the collector container declares `hostPort` for the receiver port (or runs with hostNetwork); otherwise nothing listens on the node IP.',
  evidence: ['config', 'api'],
  fix: 'Add `hostPort: 4317` / `hostPort: 4318` to the collector container ports (the Helm chart: `ports.otlp.hostPort`).',
  modes: ['diagnose', 'lint'],
  check(s) {
    const findings: RuleFinding[] = [];
    const hostIPs = new Set(s.collectors.map((c) => c.hostIP).filter(Boolean));
    for (const w of collectorWorkloads(s)) {
      if (w.subject.kind !== 'DaemonSet') { continue; }
      const c = w.pods[0];
      if (c.hostNetwork) { continue; }
      const users = s.apps.flatMap((a) =>
        exportsOf(a)
          .filter((e) => e.parsed && e.port !== null && ((a.hostIP && e.parsed.host === a.hostIP) || hostIPs.has(e.parsed.host) || /\$\((HOST_IP|NODE_IP|K8S_NODE_IP)\)/.test(e.endpointSetting?.raw ?? '')))
          .map((e) => ({ a, e })),
      );
      const ports = [...new Set(users.map((u) => u.e.port as number))];
      const missing = ports.filter((p) => !c.containerPorts.some((cp) => cp.containerPort === p && cp.hostPort));
      if (!missing.length) { continue; }
      findings.push({
        subject: w.subject,
        summary: `apps export to the node IP on ${missing.join(', ')}, but the DaemonSet declares no hostPort for it`,
        rootCause: `Without hostPort (or hostNetwork) nothing listens on the node's IP at ${missing.join('/')}: exports to $(HOST_IP) are refused.`,
        evidence: [
          { source: 'config', detail: `container ${c.container} ports: ${c.containerPorts.map((p) => `${p.containerPort}${p.hostPort ? `->host ${p.hostPort}` : ''}`).join(', ') || 'none'}` },
          ...users.slice(0, 5).map((u) => ({ source: 'config' as const, detail: `${u.a.namespace}/${u.a.pod} (${u.a.container}) exports to ${u.e.url}${u.e.endpointSetting?.raw ? ` (${u.e.endpointSetting.raw})` : ''}` })),
        ],
        fix: {
          summary: `Declare hostPort ${missing.join(', ')} on container ${c.container} of DaemonSet ${w.subject.namespace}/${w.subject.name} (Helm: ports.otlp.hostPort / ports.otlp-http.hostPort).`,
          patch: `ports:\n${missing.map((p) => `  - containerPort: ${p}\n    hostPort: ${p}\n    protocol: TCP`).join('\n')}`,
          target: `DaemonSet ${w.subject.namespace}/${w.subject.name}`,
        },
        affected: users.map((u) => ({ namespace: u.a.namespace, workload: u.a.workload?.name, pod: u.a.pod, container: u.a.container, endpoint: u.e.url, symptoms: [] })).filter((x, i, arr) => arr.findIndex((y) => y.pod === x.pod && y.container === x.container) === i),
      });
    }
    return findings;
  },
};
