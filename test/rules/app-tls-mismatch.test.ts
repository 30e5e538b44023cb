import { test } from 'node:test';
import assert from 'node:assert/strict';
import { rule } from '../../src/rules/app-tls-mismatch.ts';
import { loadSnapshot, ruleKeys, variant } from './helpers.ts';

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
