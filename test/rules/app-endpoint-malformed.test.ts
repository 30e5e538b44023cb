import { test } from 'node:test';
import assert from 'node:assert/strict';
import { rule } from '../../src/rules/app-endpoint-malformed.ts';
import { judged, loadSnapshot, ruleKeys, variant } from './helpers.ts';
import type { Finding } from '../../src/report/finding.ts';

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

test('hostile values are one malformed row (no unresolvable row on top) that names the bad characters first', () => {
  for (const value of ['http://x;touch /tmp/pwned:4317', 'http://x`touch /tmp/pwned`:4317', 'http://$(touch /tmp/pwned):4317']) {
    const s = variant(loadSnapshot('healthy-helm'), (s: any) => (s.apps[0].exporter.endpoint.value = value));
    assert.deepEqual(judged(s), ['app-endpoint-malformed error Deployment shop/cart:cart'], value);
    const [f] = rule.check(s) as Finding[];
    assert.match(f.summary, /shell characters|invalid host/, value);
    assert.doesNotMatch(f.summary, /no port/, value);
  }
});
