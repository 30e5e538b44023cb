import assert from 'node:assert/strict';
import { rule } from '../../src/rules/exporter-queue-full.ts';
import { findingsOf, ruleTester, test } from './helpers.ts';
import { QUEUE_FULL_NEW, QUEUE_FULL_OLD, SUBJECT, collectorLog, withBackend, withLogs, withMetrics } from './exporter-fixtures.ts';

const atCapacity = withMetrics(withBackend(), [
  { name: 'otelcol_exporter_queue_size', labels: { exporter: 'otlp/backend', data_type: 'traces' }, value: 1000 },
  { name: 'otelcol_exporter_queue_capacity', labels: { exporter: 'otlp/backend', data_type: 'traces' }, value: 1000 },
]);
const draining = withMetrics(withBackend(), [
  { name: 'otelcol_exporter_queue_size', labels: { exporter: 'otlp/backend' }, value: 12 },
  { name: 'otelcol_exporter_queue_capacity', labels: { exporter: 'otlp/backend' }, value: 1000 },
  { name: 'otelcol_exporter_enqueue_failed_spans_total', labels: { exporter: 'otlp/backend' }, value: 0 },
]);
// The counter stays where the overflow left it after the backend caught up and the queue emptied.
const drained = withMetrics(withBackend(), [
  { name: 'otelcol_exporter_queue_size', labels: { exporter: 'otlp/backend' }, value: 3 },
  { name: 'otelcol_exporter_queue_capacity', labels: { exporter: 'otlp/backend' }, value: 1000 },
  { name: 'otelcol_exporter_enqueue_failed_spans_total', labels: { exporter: 'otlp/backend' }, value: 4096 },
]);

ruleTester(rule, {
  valid: [
    { name: 'a queue with room and no enqueue failure', snapshot: draining, check: { subject: 'Deployment observability/otel-collector', status: 'pass' } },
    { name: 'no logs and no metrics read: skipped, not passed', snapshot: withBackend(), check: { subject: 'Deployment observability/otel-collector', status: 'skipped', reason: 'no collector log or metrics read' } },
  ],
  invalid: [
    { name: '0.93+: "Rejecting data." with "sending queue is full"', snapshot: withLogs(withBackend(), collectorLog([QUEUE_FULL_NEW])), findings: [{ severity: 'error', subject: SUBJECT }] },
    { name: 'up to 0.92: "Dropping data because sending_queue is full" (JSON encoding)', snapshot: withLogs(withBackend(), collectorLog([QUEUE_FULL_OLD, QUEUE_FULL_OLD])), findings: [{ severity: 'error', subject: SUBJECT }] },
    { name: 'metrics: queue_size at queue_capacity', snapshot: atCapacity, findings: [{ severity: 'error', subject: SUBJECT }] },
    // v0.130.0 with a `readers:` prometheus exporter names the gauges with the unit doubled (#13449).
    { name: 'metrics: v0.130.0\'s otelcol_exporter_queue_size__batches_ at _capacity__batches_', snapshot: withMetrics(withBackend(), [
      { name: 'otelcol_exporter_queue_size__batches_', labels: { exporter: 'otlp/backend', data_type: 'traces' }, value: 1000 },
      { name: 'otelcol_exporter_queue_capacity__batches_', labels: { exporter: 'otlp/backend', data_type: 'traces' }, value: 1000 },
    ]), findings: [{ severity: 'error', subject: SUBJECT }] },
    { name: 'metrics: enqueue_failed above zero but the queue drained: a past overflow, a warning', snapshot: drained, findings: [{ severity: 'warning', subject: SUBJECT }] },
  ],
});

test('exporter-queue-full quotes the line, the queue size from the config, and the gauge', () => {
  const s = withMetrics(withLogs(withBackend(), collectorLog([QUEUE_FULL_NEW])), [
    { name: 'otelcol_exporter_queue_size', labels: { exporter: 'otlp/backend' }, value: 1000 },
    { name: 'otelcol_exporter_queue_capacity', labels: { exporter: 'otlp/backend' }, value: 1000 },
  ]);
  const [f] = findingsOf(rule, s);
  assert.equal(f.summary, "exporter otlp/backend's sending queue is full: new data is dropped");
  assert.ok(f.evidence.some((e) => e.source === 'log' && e.detail.includes('"error": "sending queue is full"')));
  assert.ok(f.evidence.some((e) => e.source === 'api' && e.detail.endsWith('otelcol_exporter_queue_size 1000 of otelcol_exporter_queue_capacity 1000 (exporter="otlp/backend")')));
  assert.ok(f.evidence.some((e) => e.source === 'config' && e.detail.startsWith('exporters.otlp/backend: the default sending_queue.queue_size (1000)')));
});

test('a backend that throttles while the queue overflows: exporter-queue-full is the one row, the throttling its evidence', async () => {
  const { judge } = await import('../../src/engine.ts');
  const { THROTTLED_DROP } = await import('./exporter-fixtures.ts');
  const s = withLogs(withBackend(), collectorLog([THROTTLED_DROP, QUEUE_FULL_NEW]));
  const rows = judge(s).findings.filter((f) => f.rule === 'exporter-failing' || f.rule === 'exporter-queue-full');
  assert.deepEqual(rows.map((f) => f.rule), ['exporter-queue-full']);
  assert.match(rows[0].rootCause, /the backend throttles it \(429\)/);
  assert.ok(rows[0].evidence.some((e) => e.source === 'log' && e.detail.includes('HTTP Status Code 429')));
});

test('exporter-queue-full: a drained queue\'s counter is said in the past, the log tail\'s rejection is now', () => {
  const [f] = findingsOf(rule, drained);
  assert.match(f.summary, /was full at some time since the pod started/);
  assert.doesNotMatch(f.summary, /new data is dropped/);
  const [now] = findingsOf(rule, withLogs(drained, collectorLog([QUEUE_FULL_NEW])));
  assert.equal(now.severity ?? 'error', 'error');
  assert.match(now.summary, /is full: new data is dropped/);
});
