import type { CheckedEntry, RuleFinding, Rule } from '../report/finding.ts';
import { isMap, receiverType } from '../otel/config.ts';
import { clientsOf, collectorModels, configTarget } from './util.ts';
import { keys } from './keys.ts';

/**
 * Receivers that scrape, read files or consume from a broker: they open no port an app could send to, so
 * leaving one out of the pipelines loses that data but refuses no export (the OpenTelemetry demo's agent
 * declares an unused `prometheus` self-scrape).
 */
const PULL_RECEIVERS = new Set([
  'prometheus', 'prometheus_simple', 'hostmetrics', 'kubeletstats', 'k8s_cluster', 'k8sobjects', 'k8s_events', 'k8sevents',
  'filelog', 'journald', 'k8slog', 'otlpjsonfile', 'kafka', 'kafkametrics', 'receiver_creator', 'httpcheck', 'sqlquery',
  'postgresql', 'mysql', 'redis', 'mongodb', 'rabbitmq', 'nginx', 'apache', 'memcached', 'zookeeper', 'elasticsearch',
  'jmx', 'docker_stats', 'podman_stats', 'windowseventlog', 'awscontainerinsightreceiver', 'awsecscontainermetrics',
]);

/** The port a protocol of an unused OTLP receiver would have opened: its endpoint's, else the default. */
function receiverPort(rc: Record<string, unknown> | undefined, proto: string): number {
  const pc = rc && isMap(rc.protocols) ? (rc.protocols as Record<string, unknown>)[proto] : undefined;
  const ep = isMap(pc) ? pc.endpoint : undefined;
  const m = typeof ep === 'string' ? /:(\d+)$/.exec(ep.trim()) : null;
  if (m) { return Number(m[1]); }
  return proto === 'grpc' ? 4317 : proto === 'http' ? 4318 : 0;
}

export const rule: Rule = {
  id: 'receiver-not-in-pipeline',
  severity: 'warning',
  title: 'Receiver declared but not used by any pipeline',
  description:
    'A receiver only starts when some `service.pipelines.<name>.receivers` lists it. One that is declared but not referenced never opens its port: apps sending to it are refused. An error when apps do send to its port; info for a receiver that opens no port (scrapers such as `prometheus` or `hostmetrics`, file and broker readers).',
  evidence: ['config', 'api'],
  fix: 'Add the receiver to the pipelines of the signals it should accept (`service.pipelines.traces.receivers: [otlp]`).',
  modes: ['diagnose', 'lint'],
  check(s) {
    const findings: RuleFinding[] = [];
    const checked: CheckedEntry[] = [];
    for (const { w, c, m } of collectorModels(s, checked)) {
      const subj = w.label;
      for (const id of m.unusedReceivers) {
        const rc = (isMap(m.config.receivers) ? m.config.receivers[id] : undefined) as Record<string, unknown> | undefined;
        const protocols = rc && isMap(rc.protocols) ? Object.keys(rc.protocols) : [];
        const ports: number[] = protocols.map((p) => receiverPort(rc, p)).filter((p) => p > 0);
        const startedPorts = new Set(m.receivers.map((e) => e.port));
        const clients = w.pods.flatMap((p) => clientsOf(s, p)).filter((cl) => cl.collectorPort !== null && ports.includes(cl.collectorPort) && !startedPorts.has(cl.collectorPort));
        // The ports nothing else opens: apps dialling them are refused because of this receiver.
        const silent = ports.filter((p) => !startedPorts.has(p));
        const pipelines = Object.keys(isMap(m.config.service) && isMap(m.config.service.pipelines) ? m.config.service.pipelines : {});
        findings.push({
          severity: clients.length ? 'error' : PULL_RECEIVERS.has(receiverType(id)) ? 'info' : 'warning',
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
          ...(silent.length ? { explains: silent.map((p) => keys.listen(w.key, p)) } : {}),
        });
      }
      if (!m.unusedReceivers.length) { checked.push({ subject: subj }); }
    }
    return { findings, checked };
  },
};
