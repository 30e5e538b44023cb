import type { RuleFinding, Rule } from '../report/finding.ts';
import { isLoopbackHost } from '../otel/endpoint.ts';
import { appLogMatches, appSubject, exportsOf, truncate } from './util.ts';

export const rule: Rule = {
  id: 'app-endpoint-loopback',
  severity: 'error',
  title: 'App exports to localhost with no collector in its pod',
  description:
    'An app configured with `http://localhost:4317` talks to its own pod. That is right with a sidecar collector, and wrong otherwise: nothing listens there and every export is refused.',
  evidence: ['config', 'log'],
  fix: 'Point OTEL_EXPORTER_OTLP_ENDPOINT at the collector Service (`http://<svc>.<ns>.svc.cluster.local:4317`), or add a sidecar collector.',
  modes: ['diagnose', 'lint'],
  check(s) {
    const findings: RuleFinding[] = [];
    for (const app of s.apps) {
      if (app.sidecarCollector || s.collectors.some((c) => c.namespace === app.namespace && c.pod === app.pod)) { continue; }
      // hostNetwork apps share the node's loopback with hostNetwork collectors on that node.
      if (app.hostNetwork && s.collectors.some((c) => c.hostNetwork && c.node === app.node)) { continue; }
      const bad = exportsOf(app).filter((e) => e.parsed && !e.defaultEndpoint && isLoopbackHost(e.parsed.host));
      if (!bad.length) { continue; }
      const logs = appLogMatches(s, app, ['refused', 'unavailable']);
      // A Service that fronts a collector (never the first Service listed: in an operator's cluster that is its
      // webhook), one publishing the port the app dials when there is one.
      const fronting = s.services.filter((v) => v.matchedCollectorPods.length && v.clusterIP !== 'None' && v.type !== 'ExternalName');
      const svc = fronting.find((v) => v.ports.some((p) => p.port === bad[0].port)) ?? fronting[0];
      const url = svc ? `http://${svc.name}.${svc.namespace}.svc.cluster.local:${svc.ports.some((p) => p.port === bad[0].port) ? bad[0].port : svc.ports[0]?.port ?? bad[0].port}` : undefined;
      findings.push({
        subject: appSubject(app),
        summary: `exports to ${bad[0].url}, but no collector runs in this pod`,
        rootCause: 'localhost inside a pod is the pod itself; with no collector container in it, nothing listens there.',
        evidence: [
          ...[...new Set(bad.map((e) => `${e.endpointSetting?.env}=${e.endpointSetting?.value}${e.endpointSetting?.from ? ` (${e.endpointSetting.from})` : ''}`))].map((d) => ({ source: 'config' as const, detail: d })),
          ...logs.slice(0, 2).map((m) => ({ source: 'log' as const, detail: truncate(m.line.trim()) })),
        ],
        fix: {
          summary: `Set ${bad[0].endpointSetting?.env ?? 'OTEL_EXPORTER_OTLP_ENDPOINT'} of ${app.namespace}/${app.workload?.name ?? app.pod} to the collector Service${url ? `, e.g. ${url}` : ''}.`,
          patch: `env:\n  - name: ${bad[0].endpointSetting?.env ?? 'OTEL_EXPORTER_OTLP_ENDPOINT'}\n    value: ${url ?? `http://<collector-service>.<namespace>.svc.cluster.local:${bad[0].port}`}`,
          target: `${appSubject(app).kind} ${app.namespace}/${appSubject(app).name} container ${app.container}`,
        },
      });
    }
    return findings;
  },
};
