import { test } from 'node:test';
import assert from 'node:assert/strict';
import { rule } from '../../src/rules/app-endpoint-loopback.ts';
import { loadSnapshot, ruleKeys, variant } from './helpers.ts';

test('app exports to localhost without a sidecar: error on the app', () => {
  const s = variant(loadSnapshot('healthy-helm'), (s) => (s.apps[0].exporter.endpoint = { value: 'http://localhost:4318', env: 'OTEL_EXPORTER_OTLP_ENDPOINT', origin: 'value' }));
  assert.deepEqual(ruleKeys(rule.check, s), ['app-endpoint-loopback error Deployment shop/cart:cart']);
});

test('with a sidecar collector: right, nothing', () => {
  const s = variant(loadSnapshot('healthy-helm'), (s) => {
    s.apps[0].exporter.endpoint = { value: 'http://localhost:4318', env: 'OTEL_EXPORTER_OTLP_ENDPOINT', origin: 'value' };
    s.apps[0].sidecarCollector = { container: 'otc-container' };
  });
  assert.deepEqual(ruleKeys(rule.check, s), []);
});
