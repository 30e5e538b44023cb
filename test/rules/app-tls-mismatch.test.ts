import { test } from 'node:test';
import assert from 'node:assert/strict';
import { rule } from '../../src/rules/app-tls-mismatch.ts';
import { loadSnapshot, ruleKeys, variant } from './helpers.ts';
import { judge } from '../../src/engine.ts';

test('https to a plaintext receiver: error', () => {
  const s = variant(loadSnapshot('healthy-helm'), (s) => (s.apps[0].exporter.endpoint = { value: 'https://otel-collector.observability.svc.cluster.local:4318', env: 'OTEL_EXPORTER_OTLP_ENDPOINT', origin: 'value' }));
  assert.deepEqual(ruleKeys(rule.check, s), ['app-tls-mismatch error Deployment shop/cart:cart']);
});

test('TLS signature in the app log alone is enough', () => {
  const s = variant(loadSnapshot('healthy-helm'), (s) =>
    s.logs.push({ namespace: 'shop', pod: s.apps[1].pod, container: 'payment', role: 'app', matches: [{ signature: 'ssl-wrong-version', kind: 'tls', line: 'E0405 18:57:14.693304400      13 ssl_transport_security.cc:1395] Handshake failed with fatal error SSL_ERROR_SSL: error:100000f7:SSL routines:OPENSSL_internal:WRONG_VERSION_NUMBER.' }] }),
  );
  assert.deepEqual(ruleKeys(rule.check, s), ['app-tls-mismatch error Deployment shop/payment:payment']);
});

test('healthy: nothing', () => assert.deepEqual(ruleKeys(rule.check, loadSnapshot('healthy-helm')), []));

test('no scheme, so the exporter tried TLS: one malformed row carrying the handshake error, no TLS row of its own', () => {
  const s = variant(loadSnapshot('healthy-helm'), (s) => {
    s.apps[1].exporter.endpoint = { value: 'otel-collector.observability:4317', env: 'OTEL_EXPORTER_OTLP_ENDPOINT', origin: 'value' };
    s.logs.push({ namespace: 'shop', pod: s.apps[1].pod, container: 'payment', role: 'app', matches: [{ signature: 'go-tls-to-plaintext', kind: 'tls', line: 'traces export: rpc error: code = Unavailable desc = connection error: desc = "transport: authentication handshake failed: tls: first record does not look like a TLS handshake"' }] });
  });
  assert.deepEqual(ruleKeys(rule.check, s), ['app-tls-mismatch error Deployment shop/payment:payment'], 'the rule alone still sees the handshake errors');
  const all = judge(s).findings.filter((f) => f.subject.name === 'payment');
  assert.deepEqual(all.map((f) => f.rule), ['app-endpoint-malformed']);
  assert.ok(all[0].evidence.some((e) => e.detail.startsWith('[app-tls-mismatch]') && e.detail.includes('first record')), JSON.stringify(all[0].evidence));
});
