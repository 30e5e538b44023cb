import type { Evidence, Rule, RuleFinding } from '../report/finding.ts';
import { isMap } from '../otel/config.ts';
import { samplesOf } from '../otel/prometheus.ts';
import type { CollectorPod } from '../snapshot.ts';
import { currentCollectorMatches, ENQUEUE_FAILED, exportersWith, judgeCollectorWorkloads, matchesByExporter, metricEvidence, pipelinesOf } from './exporter-shared.ts';
import { keys } from './keys.ts';
import { truncate } from './util.ts';

/** Exporters whose queue gauge stands at its capacity on some pod (otelcol_exporter_queue_size >= _capacity). */
function queuesAtCapacity(pods: CollectorPod[]): Map<string, { size: number; capacity: number; pod: string }> {
  const out = new Map<string, { size: number; capacity: number; pod: string }>();
  for (const p of pods) {
    const samples = p.metrics?.samples ?? [];
    for (const size of samplesOf(samples, 'otelcol_exporter_queue_size')) {
      const id = size.labels.exporter;
      if (!id) { continue; }
      const cap = samplesOf(samples, 'otelcol_exporter_queue_capacity', { exporter: id })[0];
      if (cap && cap.value > 0 && size.value >= cap.value) { out.set(id, { size: size.value, capacity: cap.value, pod: p.pod }); }
    }
  }
  return out;
}

function queueSize(c: CollectorPod, id: string): string {
  const cfg = c.effectiveConfig;
  const e = cfg && isMap(cfg.exporters) && isMap(cfg.exporters[id]) ? cfg.exporters[id] : undefined;
  const q = e && isMap(e.sending_queue) ? e.sending_queue : undefined;
  return q && (typeof q.queue_size === 'number' || typeof q.queue_size === 'string') ? `sending_queue.queue_size ${q.queue_size}` : 'the default sending_queue.queue_size (1000)';
}

export const rule: Rule = {
  id: 'exporter-queue-full',
  severity: 'error',
  title: 'Exporter sending queue full: new data dropped',
  description:
    'An exporter\'s sending queue is full, so every new batch is dropped before it is even tried: "Dropping data because sending_queue is full. Try increasing queue_size." up to collector 0.92, and from 0.93 "Exporting failed. Rejecting data." with the error "sending queue is full" (exporterhelper queue_sender.go / base_exporter.go). The collector\'s own metrics prove it where they can be read: otelcol_exporter_queue_size at otelcol_exporter_queue_capacity, otelcol_exporter_enqueue_failed_* above zero. That counter is cumulative: alone (the gauge below capacity, no rejection in the log tail) it says the queue overflowed since the pod started, a warning. When the same exporter cannot deliver at all (exporter-failing), this is folded into that row: the backend is the cause, the full queue its consequence.',
  evidence: ['log', 'api', 'config'],
  fix: 'Make the backend keep up first (exporter-failing says why it does not); then size the queue to the outage it must survive (sending_queue.queue_size, num_consumers, a persistent queue with the file_storage extension), with a memory_limiter to keep the collector alive meanwhile.',
  modes: ['diagnose'],
  check(s) {
    return judgeCollectorWorkloads(s, (w) => {
      const byExporter = matchesByExporter(s, w.pods, 'queue-full');
      const full = queuesAtCapacity(w.pods);
      for (const id of new Set([...full.keys(), ...exportersWith(w.pods, ENQUEUE_FAILED)])) {
        if (!byExporter.has(id)) { byExporter.set(id, { lines: [], pods: new Set(w.pods) }); }
      }
      // enqueue_failed is cumulative: alone, it says the queue overflowed since the pod started, not that it is
      // full now. Now is the gauge at capacity or the rejection in the running container's log tail.
      if (!byExporter.size) { return null; }
      const findings: RuleFinding[] = [];
      const c = w.pods[0];
      for (const [id, { lines, pods }] of byExporter) {
        const evidence: Evidence[] = [];
        if (lines.length) {
          evidence.push({ source: 'log', detail: truncate(lines[lines.length - 1].line.trim(), 500) });
          if (lines.length > 1) { evidence.push({ source: 'log', detail: `${lines.length} batches refused by the full queue of ${id} in the last lines of ${[...pods].map((p) => p.pod).join(', ')}` }); }
        }
        // What keeps the queue from draining, when the log tells: a backend that throttles is the usual one.
        const throttled = [...pods].flatMap((p) => currentCollectorMatches(s, p, ['export-failed'])).filter((m) => m.fields?.component === id && m.fields?.class === 'throttled');
        if (throttled.length) {
          const f = throttled[throttled.length - 1].fields ?? {};
          evidence.push({ source: 'log', detail: `Exporting failed (${f.outcome}) ${id}${f.signal ? ` ${f.signal}` : ''}: ${truncate(f.error ?? '', 400)}` });
        }
        const q = full.get(id);
        if (q) { evidence.push({ source: 'api', detail: `${q.pod}: otelcol_exporter_queue_size ${q.size} of otelcol_exporter_queue_capacity ${q.capacity} (exporter="${id}")` }); }
        evidence.push(...metricEvidence([...pods], ENQUEUE_FAILED, { exporter: id }));
        const piped = pipelinesOf(c, id);
        evidence.push({ source: 'config', detail: `exporters.${id}: ${queueSize(c, id)}; pipelines sending to it: ${piped.length ? piped.join(', ') : 'none found'}` });
        if (!lines.length && !q) {
          findings.push({
            subject: w.subject,
            severity: 'warning',
            summary: `exporter ${id}'s sending queue was full at some time since the pod started: data was dropped`,
            rootCause: `otelcol_exporter_enqueue_failed_* of ${id} is above zero: its sending queue (${queueSize(c, id)}) overflowed at some time since the pod started and the batches that arrived meanwhile were dropped. Nothing read shows it full now (the queue gauge is below its capacity or was not read, no rejection in the log tail).`,
            evidence,
            fix: { summary: `If it recurs, find why ${id} fell behind (its retries, the backend's health) and size exporters.${id}.sending_queue for the outage it must ride out.`, target: `exporters.${id}.sending_queue in the collector config of ${w.label}` },
            symptomOf: [keys.exporterFailing(w.key, id)],
          });
          continue;
        }
        findings.push({
          subject: w.subject,
          summary: `exporter ${id}'s sending queue is full: new data is dropped`,
          rootCause: `The ${id} exporter's sending queue (${queueSize(c, id)}) is full: ${throttled.length ? `the backend throttles it (${throttled[throttled.length - 1].fields?.status ?? 'ResourceExhausted'}) and` : 'the backend takes data slower than it arrives, or not at all, and'} each new batch of ${piped.length ? piped.join(', ') : 'its pipelines'} is dropped before it is sent.`,
          evidence,
          fix: { summary: `Find why ${id} does not drain (its retries in the log, the backend's health), then size exporters.${id}.sending_queue (queue_size, num_consumers, or a persistent queue) for the outage it must ride out.`, target: `exporters.${id}.sending_queue in the collector config of ${w.label}` },
          symptomOf: [keys.exporterFailing(w.key, id)],
        });
      }
      return { findings };
    });
  },
};
