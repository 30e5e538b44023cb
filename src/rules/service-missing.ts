import type { RuleFinding, Rule } from '../report/finding.ts';
import { appSubject, collectorWorkloads, exportsOf, podKey, probesFrom, probeText, resolveHost } from './util.ts';
import { keys } from './keys.ts';

export const rule: Rule = {
  id: 'service-missing',
  severity: 'error',
  title: 'Apps export to a collector Service that does not exist',
  description:
    'An app names `<svc>.<namespace>` (or the full `.svc.cluster.local` form) in a namespace that runs collectors, but no such Service exists there: the name does not resolve. Also a warning for a collector Deployment/StatefulSet that no Service selects at all, which other pods cannot reach by name.',
  evidence: ['config', 'api', 'exec'],
  fix: 'Create the Service selecting the collector pods with the OTLP ports, or point the apps at the Service that exists.',
  modes: ['diagnose', 'lint'],
  check(s) {
    const findings: RuleFinding[] = [];
    const missing = new Map<string, RuleFinding>();
    // Sets, not scans per app and per workload: large snapshots (lint over thousands of files) went quadratic.
    const collectorNamespaces = new Set(s.collectors.map((c) => c.namespace));
    const selectedPods = new Set(s.services.flatMap((v) => v.matchedCollectorPods));
    for (const app of s.apps) {
      for (const e of exportsOf(app)) {
        if (!e.parsed || e.defaultEndpoint) continue;
        const r = resolveHost(s, app.namespace, e.parsed.host);
        if (r.kind !== 'missing-service') continue;
        // A short name in the app's own namespace is app-endpoint-unresolvable's case (wrong name space).
        if (r.namespace === app.namespace && !collectorNamespaces.has(r.namespace)) continue;
        if (r.existsIn.length && r.namespace === app.namespace) continue;
        if (!collectorNamespaces.has(r.namespace)) continue;
        const key = `${r.namespace}/${r.name}`;
        const f = missing.get(key) ?? {
          subject: { kind: 'Service', namespace: r.namespace, name: r.name },
          summary: `Service ${key} does not exist, but apps export to it`,
          rootCause: `No Service named ${r.name} exists in ${r.namespace}, so ${e.parsed.host} does not resolve.`,
          evidence: [{ source: 'api' as const, detail: `Services in ${r.namespace}: ${s.services.filter((v) => v.namespace === r.namespace).map((v) => v.name).join(', ') || 'none'}` }],
          fix: {
            summary: `Create Service ${key} selecting the collector pods (ports 4317 otlp-grpc, 4318 otlp-http), or change the apps' OTEL_EXPORTER_OTLP_ENDPOINT to an existing Service.`,
            patch: `apiVersion: v1\nkind: Service\nmetadata:\n  name: ${r.name}\n  namespace: ${r.namespace}\nspec:\n  selector: {}  # the collector pod labels\n  ports:\n    - {name: otlp-grpc, port: 4317, targetPort: 4317}\n    - {name: otlp-http, port: 4318, targetPort: 4318}`,
          },
          affected: [],
          // Creating this Service also gives an unexposed collector of that namespace its Service: one row.
          explains: [keys.unresolvable(r.namespace, r.name), keys.unselected(r.namespace)],
        };
        // Every signal of one container exports to the same place: its evidence goes in once.
        const ev = [
          { source: 'config' as const, detail: `${app.namespace}/${app.pod} (${app.container}) ${e.endpointSetting?.env ?? 'endpoint'}=${e.endpointSetting?.value ?? e.url}` },
          ...probesFrom(s, app).filter((p) => p.result === 'dns-failure').map((p) => ({ source: 'exec' as const, detail: probeText(p) })),
        ];
        for (const x of ev) if (!f.evidence.some((y) => y.detail === x.detail)) f.evidence.push(x);
        const sub = appSubject(app);
        if (!f.affected?.some((a) => a.pod === app.pod && a.container === app.container)) f.affected?.push({ namespace: app.namespace, workload: sub.name, pod: app.pod, container: app.container, endpoint: e.url, symptoms: [] });
        missing.set(key, f);
      }
    }
    findings.push(...missing.values());
    for (const w of collectorWorkloads(s)) {
      const c = w.pods[0];
      if (c.sidecar || !['Deployment', 'StatefulSet'].includes(w.subject.kind)) continue;
      if (w.pods.some((p) => selectedPods.has(podKey(p.namespace, p.pod)))) continue;
      if (s.meta.mode === 'diagnose' && !s.services.length && s.incomplete.some((i) => i.check.includes('service'))) continue;
      findings.push({
        severity: 'warning',
        subject: w.subject,
        summary: 'no Service selects this collector',
        rootCause: 'Apps in other pods can reach the collector only by pod IP, which changes on every restart.',
        evidence: [{ source: 'api', detail: `no Service selector matches the labels of ${w.pods.map((p) => p.pod).join(', ')} (${Object.entries(c.labels).map(([k, v]) => `${k}=${v}`).join(', ')})` }],
        fix: { summary: `Create a Service for ${w.subject.kind} ${w.subject.namespace}/${w.subject.name} with ports 4317 and 4318.` },
        symptomOf: [keys.unselected(w.subject.namespace as string)],
      });
    }
    return findings;
  },
};
