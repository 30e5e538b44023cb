import { test } from 'node:test';
import assert from 'node:assert/strict';
import { rule } from '../../src/rules/app-endpoint-unresolvable.ts';
import { judged, loadSnapshot, ruleKeys, variant } from './helpers.ts';

test('short Service name from another namespace: error, fix names the FQDN', () => {
  const s = variant(loadSnapshot('healthy-helm'), (s) => {
    s.apps[1].exporter.endpoint = { value: 'http://otel-collector:4317', env: 'OTEL_EXPORTER_OTLP_ENDPOINT', origin: 'value' };
    s.probes[1] = { ...s.probes[1], target: { kind: 'app-endpoint', host: 'otel-collector', port: 4317 }, result: 'dns-failure', reason: 'Name or service not known' };
  });
  assert.deepEqual(ruleKeys(rule.check, s), ['app-endpoint-unresolvable error Deployment shop/payment:payment']);
  assert.match((rule.check(s) as any[])[0].fix.summary, /otel-collector\.observability\.svc\.cluster\.local:4317/);
  assert.deepEqual(judged(s), ['app-endpoint-unresolvable error Deployment shop/payment:payment']);
});

test('external host resolves (no DNS failure seen): nothing', () => {
  const s = variant(loadSnapshot('healthy-helm'), (s) => (s.apps[0].exporter.endpoint = { value: 'https://otlp.example.com:443', env: 'OTEL_EXPORTER_OTLP_ENDPOINT', origin: 'value' }));
  assert.deepEqual(ruleKeys(rule.check, s), []);
});
