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
    { name: 'metrics: otelcol_processor_refused_spans{processor="memory_limiter"}', snapshot: byMetric, findings: [{ severity: 'error', subject: SUBJECT }] },
    { name: 'metrics: the newer otelcol_processor_memory_limiter_refused_*_total', snapshot: newMetricName, findings: [{ severity: 'error', subject: SUBJECT }] },
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
