import assert from 'node:assert/strict';
import { rule } from '../../src/rules/exporter-failing.ts';
import { rule as queueFull } from '../../src/rules/exporter-queue-full.ts';
import { judge } from '../../src/engine.ts';
import { findingsOf, ruleTester, test } from './helpers.ts';
import { DNS_RETRY, FORBIDDEN_DROP, QUEUE_FULL_NEW, REFUSED_RETRY, SUBJECT, collectorLog, withBackend, withLogs, withMetrics } from './exporter-fixtures.ts';

const dns = withLogs(withBackend(), collectorLog([DNS_RETRY, DNS_RETRY]));
const refused = withLogs(withBackend('http://localhost:9009/otlp', { exporter: 'otlphttp' }), collectorLog([REFUSED_RETRY]));
const forbidden = withLogs(withBackend('https://observe.example.com/api/yoroi', { exporter: 'otlphttp/openobserve' }), collectorLog([FORBIDDEN_DROP]));
const failedNeverSent = withMetrics(withBackend(), [
  { name: 'otelcol_exporter_send_failed_spans_total', labels: { exporter: 'otlp/backend' }, value: 120 },
  { name: 'otelcol_exporter_sent_spans_total', labels: { exporter: 'otlp/backend' }, value: 0 },
]);
const blipRecovered = withMetrics(withBackend(), [
  { name: 'otelcol_exporter_send_failed_spans', labels: { exporter: 'otlp/backend' }, value: 3 },
  { name: 'otelcol_exporter_sent_spans', labels: { exporter: 'otlp/backend' }, value: 5000 },
]);

ruleTester(rule, {
  valid: [
    { name: 'a backend that takes the data: no failure in the log', snapshot: withLogs(withBackend(), collectorLog(['2025-01-01T00:00:00.000Z\tinfo\tservice@v0.120.0/service.go:253\tEverything is ready. Begin running and processing data.'])), check: { subject: 'Deployment observability/otel-collector', status: 'pass' } },
    { name: 'metrics: a few failures long since recovered (sent > 0)', snapshot: blipRecovered },
    { name: 'no logs and no metrics read: skipped, not passed', snapshot: withBackend(), check: { subject: 'Deployment observability/otel-collector', status: 'skipped', reason: 'no collector log or metrics read' } },
  ],
  invalid: [
    { name: 'DNS failure of the otlp exporter (contrib#42231 line)', snapshot: dns, findings: [{ severity: 'error', subject: SUBJECT }] },
    { name: 'otlphttp refused (contrib#31356 line)', snapshot: refused, findings: [{ severity: 'error', subject: SUBJECT }] },
    { name: 'otlphttp 403, permanent, dropping (collector#13477 line)', snapshot: forbidden, findings: [{ severity: 'error', subject: SUBJECT }] },
    { name: 'metrics only: failed sends, none delivered', snapshot: failedNeverSent, findings: [{ severity: 'error', subject: SUBJECT }] },
  ],
});

test('exporter-failing names the exporter, its endpoint from the config, the pipelines losing data, and a fix for the class', () => {
  const [f] = findingsOf(rule, dns);
  assert.equal(f.summary, 'exporter otlp/backend cannot deliver to tempo.tracing.svc:4317: its host does not resolve');
  assert.match(f.rootCause, /Pipelines losing data: traces, metrics, logs\./);
  assert.match(f.rootCause, /it retries/);
  assert.ok(f.evidence.some((e) => e.source === 'config' && e.detail === 'exporters.otlp/backend.endpoint: tempo.tracing.svc:4317; pipelines sending to it: traces, metrics, logs'));
  assert.ok(f.evidence.some((e) => e.source === 'log' && e.detail.includes('no such host')));
  assert.match(f.fix.summary, /The name tempo\.tracing\.svc does not resolve/);

  const [r] = findingsOf(rule, refused);
  assert.match(r.fix.summary, /^Nothing accepts connections at http:\/\/localhost:9009\/otlp/);
  const [a] = findingsOf(rule, forbidden);
  assert.match(a.rootCause, /403\); data is being dropped/);
  assert.match(a.fix.summary, /credentials \(403\)/);
});

test('exporter-failing: the metrics are api evidence, and their absence is said', () => {
  const proven = withMetrics(dns, [{ name: 'otelcol_exporter_send_failed_metric_points_total', labels: { exporter: 'otlp/backend', service_name: 'otelcol-k8s' }, value: 42 }]);
  const [f] = findingsOf(rule, proven);
  assert.ok(f.evidence.some((e) => e.source === 'api' && e.detail.includes('otelcol_exporter_send_failed_metric_points_total{exporter="otlp/backend"} 42')), JSON.stringify(f.evidence));
  const holding = withMetrics(dns, [{ name: 'otelcol_exporter_queue_size', labels: { exporter: 'otlp/backend', data_type: 'traces' }, value: 4 }]);
  assert.ok(findingsOf(rule, holding)[0].evidence.some((e) => e.source === 'api' && e.detail.includes('otelcol_exporter_queue_size{exporter="otlp/backend",data_type="traces"} 4')));
  const unread = structuredClone(dns);
  unread.collectors[0].metrics = { endpoint: 'localhost:8888', notRun: { reason: 'loopback', detail: 'the telemetry endpoint localhost:8888 listens on loopback only' } };
  const [g] = findingsOf(rule, unread);
  assert.ok(g.evidence.some((e) => e.source === 'api' && /own metrics were not read \(loopback: /.test(e.detail)));
});

test('a full queue of the failing exporter folds into exporter-failing: one row', () => {
  const both = withLogs(withBackend(), collectorLog([DNS_RETRY, QUEUE_FULL_NEW]));
  assert.equal(findingsOf(queueFull, both).length, 1);
  const rows = judge(both).findings.filter((f) => f.rule === 'exporter-failing' || f.rule === 'exporter-queue-full');
  assert.deepEqual(rows.map((f) => f.rule), ['exporter-failing']);
  assert.ok(rows[0].evidence.some((e) => e.detail.startsWith('[exporter-queue-full]')));
});

test('a backend that only throttles, with room in the queue, is still a failing exporter', async () => {
  const { THROTTLED_DROP } = await import('./exporter-fixtures.ts');
  const [f] = findingsOf(rule, withLogs(withBackend(), collectorLog([THROTTLED_DROP])));
  assert.match(f.summary, /throttling/);
  assert.match(f.fix.summary, /throttles the exporter \(429\)/);
});
