import type { RuleFinding, Rule } from '../report/finding.ts';
import { keys } from './keys.ts';
import { appSubject, exportsOf, resolveHost } from './util.ts';

export const rule: Rule = {
  id: 'app-no-endpoint',
  severity: 'warning',
  title: 'Instrumented app without an OTLP endpoint',
  description:
    'The app is instrumented (OTEL_* env, an inject annotation) but sets no OTEL_EXPORTER_OTLP_ENDPOINT: the SDK sends to its default, localhost:4317 or localhost:4318, which is only right with a collector sidecar in the pod. Info instead of a warning when another variable of the container (OTEL_COLLECTOR_HOST, a vendor SDK URL) names a collector Service: the app may build its exporter from that.',
  evidence: ['config'],
  fix: 'Set OTEL_EXPORTER_OTLP_ENDPOINT to the collector Service (or the Instrumentation CR\'s spec.exporter.endpoint).',
  modes: ['diagnose', 'lint'],
  check(s) {
    const findings: RuleFinding[] = [];
    for (const app of s.apps) {
      if (app.sidecarCollector || s.collectors.some((c) => c.namespace === app.namespace && c.pod === app.pod)) { continue; }
      const ex = exportsOf(app);
      if (!ex.length) { continue; }
      const defaults = ex.filter((e) => e.defaultEndpoint);
      if (defaults.length !== ex.length) { continue; }
      // The collector named in the app's own settings (Envoy/nginx templates, vendor SDKs): the export
      // target is built outside the SDK variables, so the SDK default may not be what it uses.
      const named = (app.hostEnv ?? []).find((e) => {
        const r = resolveHost(s, app.namespace, e.host);
        return (r.kind === 'service' || r.kind === 'collector-pod') && r.collectors.length > 0;
      });
      findings.push({
        severity: named ? 'info' : 'warning',
        subject: appSubject(app),
        summary: named
          ? `no OTLP endpoint set, but ${named.env}=${named.value} names the collector; only the app's own code or config reads it`
          : `no OTLP endpoint set; the SDK default ${defaults[0].url ?? 'localhost:4317/4318'} has no collector behind it`,
        rootCause: named
          ? `The OTLP SDK variables are unset; if the app uses an OpenTelemetry SDK it exports to localhost, unless it builds its exporter from ${named.env}.`
          : 'Without OTEL_EXPORTER_OTLP_ENDPOINT the SDK exports to localhost, and this pod has no collector container.',
        evidence: [
          { source: 'config', detail: `container ${app.container}: no OTEL_EXPORTER_OTLP_ENDPOINT or per-signal endpoint${app.instrumentation ? `; Instrumentation ${app.instrumentation.namespace}/${app.instrumentation.name} sets none` : ''}` },
          ...(named ? [{ source: 'config' as const, detail: `container ${app.container}: ${named.env}=${named.value}` }] : []),
        ],
        fix: {
          summary: app.instrumentation ? `Set spec.exporter.endpoint in Instrumentation ${app.instrumentation.namespace}/${app.instrumentation.name}.` : `Set OTEL_EXPORTER_OTLP_ENDPOINT on ${app.namespace}/${app.workload?.name ?? app.pod}.`,
          patch: '- name: OTEL_EXPORTER_OTLP_ENDPOINT\n  value: http://<svc>.<ns>.svc.cluster.local:4317',
        },
        // An annotated app whose Instrumentation is missing gets no endpoint because nothing is injected.
        ...(app.workload ? { symptomOf: [keys.notInjected(app.workload)] } : {}),
      });
    }
    return findings;
  },
};
