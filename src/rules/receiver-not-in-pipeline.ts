import type { Finding, Rule } from '../report/finding.ts';
import { isMap } from '../otel/config.ts';
import { clientsOf, collectorWorkloads, configTarget, model } from './util.ts';

export const rule: Rule = {
  id: 'receiver-not-in-pipeline',
  severity: 'warning',
  title: 'Receiver declared but not used by any pipeline',
  description:
    'A receiver only starts when some `service.pipelines.<name>.receivers` lists it. One that is declared but not referenced never opens its port: apps sending to it are refused. An error when apps do send to its port.',
  evidence: ['config', 'api'],
  fix: 'Add the receiver to the pipelines of the signals it should accept (`service.pipelines.traces.receivers: [otlp]`).',
  modes: ['diagnose', 'lint'],
  check(s) {
    const findings: Finding[] = [];
    const checked = [];
    for (const w of collectorWorkloads(s)) {
      const c = w.pods[0];
      const m = model(s, c);
      const subj = `${w.subject.kind} ${w.subject.namespace}/${w.subject.name}`;
      if (!m) {
        checked.push({ subject: subj, status: 'skipped' as const, reason: 'effective config unknown' });
        continue;
      }
      for (const id of m.unusedReceivers) {
        const rc = (isMap(m.config.receivers) ? m.config.receivers[id] : undefined) as Record<string, unknown> | undefined;
        const protocols = rc && isMap(rc.protocols) ? Object.keys(rc.protocols) : [];
        const ports: number[] = protocols.map((p) => (p === "grpc" ? 4317 : p === "http" ? 4318 : 0)).filter((p) => p > 0);
        const startedPorts = new Set(m.receivers.map((e) => e.port));
        const clients = w.pods.flatMap((p) => clientsOf(s, p)).filter((cl) => cl.collectorPort !== null && ports.includes(cl.collectorPort) && !startedPorts.has(cl.collectorPort));
        const pipelines = Object.keys(isMap(m.config.service) && isMap(m.config.service.pipelines) ? m.config.service.pipelines : {});
        findings.push({
          rule: 'receiver-not-in-pipeline',
          severity: clients.length ? 'error' : 'warning',
          subject: w.subject,
          summary: `receiver ${id} is declared but no pipeline uses it, so it never starts`,
          rootCause: `receivers.${id} is configured, but none of the pipelines (${pipelines.join(', ') || 'none'}) lists it in its receivers; the collector does not start unused receivers${clients.length ? `, so ${clients.length} export(s) to its port are refused` : ''}.`,
          evidence: [{ source: 'config', detail: `receivers: ${Object.keys(isMap(m.config.receivers) ? m.config.receivers : {}).join(', ')}; pipelines: ${pipelines.map((p) => `${p} <- [${(isMap(m.config.service) && isMap(m.config.service.pipelines) && isMap(m.config.service.pipelines[p]) && Array.isArray((m.config.service.pipelines[p] as Record<string, unknown>).receivers) ? ((m.config.service.pipelines[p] as Record<string, unknown>).receivers as string[]) : []).join(', ')}]`).join('; ')}` }],
          fix: {
            summary: `In ${configTarget(c, 'service.pipelines')}, add ${id} to the receivers of the pipelines that should accept its data (or delete the unused receiver).`,
            patch: `service:\n  pipelines:\n    ${pipelines[0] ?? 'traces'}:\n      receivers: [${id}]`,
            target: configTarget(c),
          },
          ...(clients.length ? { affected: clients.map((cl) => ({ namespace: cl.app.namespace, workload: cl.app.workload?.name, pod: cl.app.pod, container: cl.app.container, endpoint: cl.exp.url, symptoms: [] })) } : {}),
          explains: w.pods.map((p) => `refused:${p.namespace}/${p.pod}`),
        });
      }
      if (!m.unusedReceivers.length) checked.push({ subject: subj });
    }
    return { findings, checked };
  },
};
