import assert from 'node:assert/strict';
import { rule } from '../../src/rules/collector-refusing-data.ts';
import { judge } from '../../src/engine.ts';
import { findingsOf, ruleTester, test } from './helpers.ts';
import { JAVA_REFUSED, LIMITER_CONFIGURED, LIMITER_RECOVERED, LIMITER_REFUSING, SUBJECT, appLog, collectorLog, withBackend, withLogs, withMetrics } from './exporter-fixtures.ts';

const limited = withBackend(undefined, { memoryLimiter: true });
const refusing = withLogs(limited, collectorLog([LIMITER_CONFIGURED, LIMITER_RECOVERED, LIMITER_REFUSING]), appLog('cart-5d9f8b7c6-aaaaa', 'cart', [JAVA_REFUSED]));
const recovered = withLogs(limited, collectorLog([LIMITER_CONFIGURED, LIMITER_REFUSING, LIMITER_RECOVERED]));
const byMetric = withMetrics(limited, [
  { name: 'otelcol_processor_refused_spans', labels: { processor: 'memory_limiter', service_name: 'otelcol-contrib' }, value: 340 },
  { name: 'otelcol_receiver_refused_spans', labels: { receiver: 'otlp', transport: 'grpc' }, value: 340 },
]);
const newMetricName = withMetrics(limited, [{ name: 'otelcol_processor_memory_limiter_refused_spans_total', labels: {}, value: 7 }]);
const otherProcessor = withMetrics(limited, [{ name: 'otelcol_processor_refused_spans', labels: { processor: 'filter' }, value: 7 }]);

ruleTester(rule, {
  valid: [
    { name: 'refused once, then back within limits', snapshot: recovered, check: { subject: 'Deployment observability/otel-collector', status: 'pass' } },
    { name: 'another processor refusing is not the memory limiter', snapshot: otherProcessor },
    { name: 'no memory_limiter: nothing can refuse, a pass', snapshot: withBackend(), check: { subject: 'Deployment observability/otel-collector', status: 'pass' } },
    { name: 'a memory_limiter, but no log or metrics read: skipped', snapshot: limited, check: { subject: 'Deployment observability/otel-collector', status: 'skipped', reason: 'no collector log or metrics read' } },
  ],
  invalid: [
    { name: '"Refusing data." is the last transition (collector#9043 lines), an app logs the refusal', snapshot: refusing, findings: [{ severity: 'error', subject: SUBJECT }] },
    { name: 'metrics only: otelcol_processor_refused_spans{processor="memory_limiter"}, a past refusal', snapshot: byMetric, findings: [{ severity: 'warning', subject: SUBJECT }] },
    { name: 'metrics only: the newer otelcol_processor_memory_limiter_refused_*_total, a past refusal', snapshot: newMetricName, findings: [{ severity: 'warning', subject: SUBJECT }] },
    { name: 'only the apps say so (the collector line rolled out of the tail)', snapshot: withLogs(limited, appLog('cart-5d9f8b7c6-aaaaa', 'cart', [JAVA_REFUSED])), findings: [{ severity: 'error', subject: SUBJECT }] },
  ],
});

test('collector-refusing-data: one row, the apps that reach the collector folded in with their logged refusal', () => {
  const [f] = findingsOf(rule, refusing);
  assert.match(f.rootCause, /limit_mib 900, spike_limit_mib 650 \(refusing from 250 MiB\)/);
  const cart = f.affected?.find((a) => a.pod === 'cart-5d9f8b7c6-aaaaa');
  assert.deepEqual(cart?.symptoms, [`log: ${JAVA_REFUSED}`]);
  assert.ok(f.affected?.some((a) => a.pod === 'payment-6c8d7b9f5-bbbbb'));
  assert.ok(f.evidence.some((e) => e.source === 'config' && e.detail === 'memory_limiter in traces: limit_percentage 80, spike_limit_percentage 25; memory_limiter in metrics: limit_percentage 80, spike_limit_percentage 25; memory_limiter in logs: limit_percentage 80, spike_limit_percentage 25'));
  // The app's line once, though it is a client once per signal it exports.
  assert.equal(f.evidence.filter((e) => e.source === 'log' && e.detail.startsWith('shop/cart-5d9f8b7c6-aaaaa: ')).length, 1);
  const rows = judge(refusing).findings.filter((x) => x.rule === 'collector-refusing-data');
  assert.equal(rows.length, 1);
});

test('collector-refusing-data: metrics as api evidence', () => {
  const [f] = findingsOf(rule, byMetric);
  assert.ok(f.evidence.some((e) => e.source === 'api' && e.detail.includes('otelcol_processor_refused_spans{processor="memory_limiter"} 340')));
  assert.ok(f.evidence.some((e) => e.source === 'api' && e.detail.includes('otelcol_receiver_refused_spans{receiver="otlp",transport="grpc"} 340')));
});

test('collector-refusing-data: the previous container\'s refusal is not the running one\'s', async () => {
  const { collectorLog: log } = await import('./exporter-fixtures.ts');
  const prev = { ...log([LIMITER_REFUSING]), previous: true };
  const s = withLogs(limited, log([LIMITER_CONFIGURED]), prev);
  assert.deepEqual(findingsOf(rule, s), []);
});

// An app whose collector's exporter queue is full logs the receiver's answer "sending queue is full": that is
// backpressure, but not the memory limiter's, though one is configured.
const APP_QUEUE_FULL = 'WARNING: Failed to export spans. Server responded with gRPC status code 13. Error message: sending queue is full';

test('collector-refusing-data: an app\'s "sending queue is full" is not the memory limiter refusing', () => {
  const s = withLogs(limited, collectorLog([LIMITER_CONFIGURED]), appLog('cart-5d9f8b7c6-aaaaa', 'cart', [APP_QUEUE_FULL]));
  assert.deepEqual(findingsOf(rule, s), []);
  // The same app line beside a real refusal is not one of its symptoms.
  const both = withLogs(limited, collectorLog([LIMITER_CONFIGURED, LIMITER_REFUSING]), appLog('cart-5d9f8b7c6-aaaaa', 'cart', [APP_QUEUE_FULL]));
  const [f] = findingsOf(rule, both);
  assert.ok(!f.evidence.some((e) => e.detail.includes('sending queue is full')));
  assert.ok(!(f.affected ?? []).some((a) => a.symptoms.some((x) => x.includes('sending queue is full'))));
});

test('collector-refusing-data: a counter above zero after "back within limits" is a past refusal, not the current state', () => {
  const s = withLogs(byMetric, collectorLog([LIMITER_CONFIGURED, LIMITER_REFUSING, LIMITER_RECOVERED]));
  const [f] = findingsOf(rule, s);
  assert.equal(f.severity, 'warning');
  assert.match(f.summary, /refused data on 1\/1 pod\(s\) since they started, and is back within limits/);
  assert.match(f.rootCause, /back within limits now/);
  // A "Refusing data." line as the last transition is the current state, whatever the counters say.
  const [now] = findingsOf(rule, withLogs(byMetric, collectorLog([LIMITER_CONFIGURED, LIMITER_RECOVERED, LIMITER_REFUSING])));
  assert.equal(now.severity ?? 'error', 'error');
  assert.match(now.summary, /the memory limiter refuses data/);
});

test('collector-refusing-data: an app\'s refusal logged before the collector\'s "back within limits" is past too', () => {
  const s = withLogs(limited, collectorLog([LIMITER_CONFIGURED, LIMITER_REFUSING, LIMITER_RECOVERED]), appLog('cart-5d9f8b7c6-aaaaa', 'cart', [JAVA_REFUSED]));
  const [f] = findingsOf(rule, s);
  assert.equal(f.severity, 'warning');
  assert.match(f.rootCause, /^The apps logged the limiter's refusal: .*back within limits now/);
});
