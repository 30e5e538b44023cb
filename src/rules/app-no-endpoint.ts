import type { Finding, Rule } from '../report/finding.ts';
import { appSubject, exportsOf } from './util.ts';

export const rule: Rule = {
  id: 'app-no-endpoint',
  severity: 'warning',
  title: 'Instrumented app without an OTLP endpoint',
  description:
    'The app is instrumented (OTEL_* env, an inject annotation) but sets no OTEL_EXPORTER_OTLP_ENDPOINT: the SDK sends to its default, localhost:4317 or localhost:4318, which is only right with a collector sidecar in the pod.',
  evidence: ['config'],
  fix: 'Set OTEL_EXPORTER_OTLP_ENDPOINT to the collector Service (or the Instrumentation CR\'s spec.exporter.endpoint).',
  modes: ['diagnose', 'lint'],
  check(s) {
    const findings: Finding[] = [];
    for (const app of s.apps) {
      if (app.sidecarCollector || s.collectors.some((c) => c.namespace === app.namespace && c.pod === app.pod)) continue;
      const ex = exportsOf(app);
      if (!ex.length) continue;
      const defaults = ex.filter((e) => e.defaultEndpoint);
      if (defaults.length !== ex.length) continue;
      findings.push({
        rule: 'app-no-endpoint',
        severity: 'warning',
        subject: appSubject(app),
        summary: `no OTLP endpoint set; the SDK default ${defaults[0].url ?? 'localhost:4317/4318'} has no collector behind it`,
        rootCause: 'Without OTEL_EXPORTER_OTLP_ENDPOINT the SDK exports to localhost, and this pod has no collector container.',
        evidence: [{ source: 'config', detail: `container ${app.container}: no OTEL_EXPORTER_OTLP_ENDPOINT or per-signal endpoint${app.instrumentation ? `; Instrumentation ${app.instrumentation.namespace}/${app.instrumentation.name} sets none` : ''}` }],
        fix: {
          summary: app.instrumentation ? `Set spec.exporter.endpoint in Instrumentation ${app.instrumentation.namespace}/${app.instrumentation.name}.` : `Set OTEL_EXPORTER_OTLP_ENDPOINT on ${app.namespace}/${app.workload?.name ?? app.pod}.`,
          patch: '- name: OTEL_EXPORTER_OTLP_ENDPOINT\n  value: http://<svc>.<ns>.svc.cluster.local:4317',
        },
      });
    }
    return findings;
  },
};
