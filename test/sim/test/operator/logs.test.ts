// The operator's log format (zap JSON as internal/operator/setup.go configures it) and what it prints
// for the collector reconciler.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatLine } from '../../operator/logs.ts';
import { harness, yamlOf } from './harness.ts';

test('zap JSON: level, time, logger, message, fields, error last; keys by release', () => {
  const l = { level: 'error' as const, logger: 'pod-webhook', msg: 'm', fields: { error: 'e', namespace: 'default' } };
  assert.equal(formatLine(l, '0.158.0', '2026-01-01T00:00:00.000000001Z'),
    '{"level":"ERROR","timestamp":"2026-01-01T00:00:00.000000001Z","logger":"pod-webhook","message":"m","namespace":"default","error":"e"}');
  assert.equal(formatLine(l, '0.99.0', '2026-01-01T00:00:00.000000001Z'),
    '{"level":"error","ts":"2026-01-01T00:00:00.000000001Z","logger":"pod-webhook","msg":"m","namespace":"default","error":"e"}');
});

test('debug lines are not printed at --zap-log-level=info; an unmanaged CR is skipped with one line per change', async () => {
  const h = harness();
  try {
    h.operator!.logs.emit({ level: 'debug', msg: 'not printed' });
    const cr = yamlOf(`
apiVersion: opentelemetry.io/v1beta1
kind: OpenTelemetryCollector
metadata:
  name: hands-off
spec:
  managementState: unmanaged
  config:
    receivers:
      otlp:
        protocols:
          grpc: {}
    exporters:
      debug: {}
    service:
      pipelines:
        traces:
          receivers: [otlp]
          exporters: [debug]
`);
    h.create(cr);
    await h.settle();
    h.operator!.reconcile();
    await h.settle();
    const lines = h.operator!.logs.lines().map((l) => JSON.parse(l));
    assert.ok(!lines.some((l) => l.message === 'not printed'));
    const skips = lines.filter((l) => l.message === 'Skipping reconciliation for unmanaged OpenTelemetryCollector resource');
    assert.equal(skips.length, 1);
    assert.deepEqual({ ...skips[0], timestamp: undefined }, {
      level: 'INFO', timestamp: undefined, logger: 'controllers.OpenTelemetryCollector', message: 'Skipping reconciliation for unmanaged OpenTelemetryCollector resource',
      opentelemetrycollector: { name: 'hands-off', namespace: 'default' }, name: 'default/hands-off',
    });
    assert.equal(h.get('Deployment', 'hands-off-collector'), undefined);
  } finally { h.stop(); }
});

test('start-up lines by release', () => {
  for (const [version, messages] of [
    ['0.158.0', ['Starting the OpenTelemetry Operator', 'watching all namespaces', 'Native sidecar', 'starting manager']],
    ['0.145.0', ['Starting the OpenTelemetry Operator', 'Native sidecar', 'starting manager']],
    ['0.120.0', ['Starting the OpenTelemetry Operator', 'starting manager']],
  ] as const) {
    const h = harness({ version });
    try {
      const lines = h.operator!.logs.lines().map((l) => JSON.parse(l));
      assert.deepEqual(lines.map((l) => l.message), messages, version);
      assert.equal(lines[0]['opentelemetry-operator'], version);
      const native = lines.find((l) => l.message === 'Native sidecar');
      if (native) { assert.deepEqual([native.logger, native.enabled], ['setup', true]); }
    } finally { h.stop(); }
  }
});
