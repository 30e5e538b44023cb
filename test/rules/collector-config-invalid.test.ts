import { test } from 'node:test';
import assert from 'node:assert/strict';
import { rule } from '../../src/rules/collector-config-invalid.ts';
import { judged, loadSnapshot, ruleKeys, variant } from './helpers.ts';

test('pipeline references an unconfigured receiver; the crash is folded into one row', () => {
  const s = variant(loadSnapshot('healthy-helm'), (s) => {
    const c = s.collectors[0];
    (c.effectiveConfig as any).service.pipelines.metrics.receivers = ['otlp', 'spanmetrics'];
    c.ready = false;
    s.logs.push({
      namespace: 'observability', pod: c.pod, container: c.container, role: 'collector',
      matches: [{ signature: 'collector-config-invalid', kind: 'config', line: 'Error: invalid configuration: service::pipelines::metrics: references receiver "spanmetrics" which is not configured' }],
    });
  });
  assert.deepEqual(ruleKeys(rule.check, s), ['collector-config-invalid error Deployment observability/otel-collector:opentelemetry-collector']);
  assert.deepEqual(judged(s), ['collector-config-invalid error Deployment observability/otel-collector:opentelemetry-collector']);
});

test('a config that failed to parse (configError from gather)', () => {
  const s = variant(loadSnapshot('healthy-helm'), (s) => {
    s.collectors[0].effectiveConfig = null;
    s.collectors[0].configError = 'yaml: line 3: mapping values are not allowed in this context';
  });
  assert.deepEqual(ruleKeys(rule.check, s), ['collector-config-invalid error Deployment observability/otel-collector:opentelemetry-collector']);
});

test('valid: nothing', () => assert.deepEqual(ruleKeys(rule.check, loadSnapshot('healthy-helm')), []));
