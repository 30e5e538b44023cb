import { test } from 'node:test';
import assert from 'node:assert/strict';
import { rule } from '../../src/rules/app-endpoint-malformed.ts';
import { loadSnapshot, ruleKeys, variant } from './helpers.ts';

const cases: [string, (s: any) => void][] = [
  ['no scheme', (s) => (s.apps[0].exporter.endpoint.value = 'otel-collector.observability:4318')],
  ['no port', (s) => (s.apps[0].exporter.endpoint.value = 'http://otel-collector.observability')],
  ['0.0.0.0 as a target', (s) => (s.apps[0].exporter.endpoint.value = 'http://0.0.0.0:4318')],
  ['per-signal http endpoint without /v1/traces', (s) => (s.apps[0].exporter.signals = { traces: { endpoint: { value: 'http://otel-collector.observability:4318', env: 'OTEL_EXPORTER_OTLP_TRACES_ENDPOINT', origin: 'value' } } })],
  ['hostile value with shell characters', (s) => (s.apps[0].exporter.endpoint.value = 'http://x;touch /tmp/pwned:4317')],
  ['hostile value with $(...)', (s) => (s.apps[0].exporter.endpoint.value = 'http://$(id):4317')],
  ['invalid protocol', (s) => (s.apps[0].exporter.protocol = { value: 'http/proto', env: 'OTEL_EXPORTER_OTLP_PROTOCOL', origin: 'value' })],
];
for (const [name, patch] of cases) {
  test(`${name}: error`, () => assert.deepEqual(ruleKeys(rule.check, variant(loadSnapshot('healthy-helm'), patch)), ['app-endpoint-malformed error Deployment shop/cart:cart']));
}
test('healthy: nothing', () => assert.deepEqual(ruleKeys(rule.check, loadSnapshot('healthy-helm')), []));
