import assert from 'node:assert/strict';
import { rule } from '../../src/rules/app-tls-mismatch.ts';
import { judge } from '../../src/engine.ts';
import { envValue, loadSnapshot, ruleKeys, ruleTester, test, variant } from './helpers.ts';

const WRONG_VERSION = 'E0405 18:57:14.693304400      13 ssl_transport_security.cc:1395] Handshake failed with fatal error SSL_ERROR_SSL: error:100000f7:SSL routines:OPENSSL_internal:WRONG_VERSION_NUMBER.';
const FIRST_RECORD = 'traces export: rpc error: code = Unavailable desc = connection error: desc = "transport: authentication handshake failed: tls: first record does not look like a TLS handshake"';

/** payment with no scheme, so its exporter tried TLS against the plaintext receiver. */
const noScheme = variant(loadSnapshot('healthy-helm'), (s) => {
  s.apps[1].exporter.endpoint = envValue('otel-collector.observability:4317');
  s.logs.push({ namespace: 'shop', pod: s.apps[1].pod, container: 'payment', role: 'app', matches: [{ signature: 'go-tls-to-plaintext', kind: 'tls', line: FIRST_RECORD }] });
});

ruleTester(rule, {
  valid: [{ name: 'healthy: plaintext to plaintext', snapshot: loadSnapshot('healthy-helm') }],
  invalid: [
    {
      name: 'https to a plaintext receiver',
      snapshot: variant(loadSnapshot('healthy-helm'), (s) => (s.apps[0].exporter.endpoint = envValue('https://otel-collector.observability.svc.cluster.local:4318'))),
      findings: [{ severity: 'error', subject: 'Deployment shop/cart:cart', check: { subject: 'Deployment shop/cart', status: 'fail' } }],
    },
    {
      name: 'a TLS signature in the app log alone is enough',
      snapshot: variant(loadSnapshot('healthy-helm'), (s) => {
        s.logs.push({ namespace: 'shop', pod: s.apps[1].pod, container: 'payment', role: 'app', matches: [{ signature: 'ssl-wrong-version', kind: 'tls', line: WRONG_VERSION }] });
      }),
      findings: [{ severity: 'error', subject: 'Deployment shop/payment:payment' }],
    },
  ],
});

test('no scheme, so the exporter tried TLS: one malformed row carrying the handshake error, no TLS row of its own', () => {
  assert.deepEqual(ruleKeys(rule, noScheme), ['app-tls-mismatch error Deployment shop/payment:payment'], 'the rule alone still sees the handshake errors');
  const all = judge(noScheme).findings.filter((f) => f.subject.name === 'payment');
  assert.deepEqual(all.map((f) => f.rule), ['app-endpoint-malformed']);
  assert.ok(all[0].evidence.some((e) => e.detail.startsWith('[app-tls-mismatch]') && e.detail.includes('first record')), JSON.stringify(all[0].evidence));
});
