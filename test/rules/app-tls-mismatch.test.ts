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

/** cart's endpoint probe with the receiver's answer to the app's side of TLS. */
const probed = (endpoint: string, port: number, otlp: NonNullable<ReturnType<typeof loadSnapshot>['probes'][number]['otlp']>) =>
  variant(loadSnapshot('healthy-helm'), (s) => {
    s.apps[0].exporter.endpoint = envValue(endpoint);
    s.probes = [{ from: { namespace: 'shop', pod: s.apps[0].pod, container: 'cart' }, target: { kind: 'app-endpoint', host: 'otlp.example.com', port }, method: 'bash-dev-tcp', result: 'connected', otlp }];
  });
/** Go's net/http over TLS answering the app's plaintext POST (server.go). */
const httpsAnswered = probed('http://otlp.example.com:4318', 4318, { sent: 'http-post', path: '/v1/traces', contentType: 'application/x-protobuf', result: 'tls-expected', answeredBy: 'tls', status: 400, detail: 'the receiver speaks TLS: "HTTP/1.0 400 Bad Request ... Client sent an HTTP request to an HTTPS server."', tool: 'bash' });

ruleTester(rule, {
  valid: [
    { name: 'healthy: plaintext to plaintext', snapshot: loadSnapshot('healthy-helm') },
    { name: 'https to a receiver outside the cluster that answered the ClientHello with TLS', snapshot: probed('https://otlp.example.com:4318', 4318, { sent: 'tls-client-hello', result: 'tls-ok', answeredBy: 'tls', detail: 'a ServerHello', tool: 'bash' }) },
  ],
  invalid: [
    { name: 'plaintext to a receiver outside the cluster that answers with TLS: the probe alone proves it', snapshot: httpsAnswered, findings: [{ severity: 'error', subject: 'Deployment shop/cart:cart' }] },
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

test('the probe\'s answer is the exec evidence and, alone, the summary', () => {
  const [f] = judge(httpsAnswered, { rules: [rule.id] }).findings;
  assert.deepEqual(f.evidence.map((e) => e.source), ['exec']);
  assert.match(f.summary, /otlp.example.com:4318 answered the app's plaintext with TLS/);
  assert.match(f.evidence[0].detail, /tls-expected, .*Client sent an HTTP request to an HTTPS server/);
});

test('an IPv6 receiver in the summary is written as Go\'s JoinHostPort writes it ([ip]:port)', () => {
  const s = variant(httpsAnswered, (x) => {
    x.apps[0].exporter.endpoint = envValue('http://[fd00:10:96::20]:4318');
    x.probes[0].target.host = 'fd00:10:96::20';
  });
  const [f] = judge(s, { rules: [rule.id] }).findings;
  assert.match(f.summary, /^\[fd00:10:96::20\]:4318 answered the app's plaintext with TLS/);
});
