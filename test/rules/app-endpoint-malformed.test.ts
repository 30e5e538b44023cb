import assert from 'node:assert/strict';
import { rule } from '../../src/rules/app-endpoint-malformed.ts';
import type { Snapshot } from '../../src/snapshot.ts';
import { envValue, findingsOf, judged, loadSnapshot, ruleTester, test, variant, type InvalidCase } from './helpers.ts';

const cart = (patch: (s: Snapshot) => void) => variant(loadSnapshot('healthy-helm'), patch);
const endpointValue = (value: string) => cart((s) => ((s.apps[0].exporter.endpoint as { value?: string }).value = value));
const cartError = (): InvalidCase['findings'] => [{ severity: 'error', subject: 'Deployment shop/cart:cart' }];

ruleTester(rule, {
  valid: [{ name: 'healthy: well-formed endpoints', snapshot: loadSnapshot('healthy-helm') }],
  invalid: [
    { name: 'no scheme', snapshot: endpointValue('otel-collector.observability:4318'), findings: cartError() },
    { name: 'no port', snapshot: endpointValue('http://otel-collector.observability'), findings: cartError() },
    { name: '0.0.0.0 as a target', snapshot: endpointValue('http://0.0.0.0:4318'), findings: cartError() },
    {
      name: 'per-signal http endpoint without /v1/traces',
      snapshot: cart((s) => (s.apps[0].exporter.signals = { traces: { endpoint: envValue('http://otel-collector.observability:4318', 'OTEL_EXPORTER_OTLP_TRACES_ENDPOINT') } })),
      findings: cartError(),
    },
    { name: 'hostile value with shell characters', snapshot: endpointValue('http://x;touch /tmp/pwned:4317'), findings: cartError() },
    { name: 'hostile value with $(...)', snapshot: endpointValue('http://$(id):4317'), findings: cartError() },
    { name: 'invalid protocol', snapshot: cart((s) => (s.apps[0].exporter.protocol = envValue('http/proto', 'OTEL_EXPORTER_OTLP_PROTOCOL'))), findings: cartError() },
  ],
});

test('hostile values are one malformed row (no unresolvable row on top) that names the bad characters first', () => {
  for (const value of ['http://x;touch /tmp/pwned:4317', 'http://x`touch /tmp/pwned`:4317', 'http://$(touch /tmp/pwned):4317']) {
    const s = endpointValue(value);
    assert.deepEqual(judged(s), ['app-endpoint-malformed error Deployment shop/cart:cart'], value);
    const [f] = findingsOf(rule, s);
    assert.match(f.summary, /shell characters|invalid host/, value);
    assert.doesNotMatch(f.summary, /no port/, value);
  }
});

test('${VAR} in an endpoint is not expanded by Kubernetes: malformed, and the finding says $(VAR) is the syntax', () => {
  const s = endpointValue('http://${OTEL_NODE_IP}:4318');
  assert.deepEqual(judged(s), ['app-endpoint-malformed error Deployment shop/cart:cart']);
  const [f] = findingsOf(rule, s);
  assert.match(f.summary, /Kubernetes expands \$\(VAR\) in env values, never \$\{VAR\}/);
});

test('an IPv6 node IP from $(HOST_IP) without brackets: the fix brackets the reference as written, a literal as Go joins it', () => {
  const s = cart((x) => {
    x.apps[0].exporter.endpoint = envValue('http://fd00:10:244:2::1:4317', 'OTEL_EXPORTER_OTLP_ENDPOINT', { origin: 'var-ref', raw: 'http://$(HOST_IP):4317' });
  });
  const [f] = findingsOf(rule, s);
  assert.match(f.summary, /IPv6 address without brackets/);
  assert.match(f.fix.summary, /OTEL_EXPORTER_OTLP_ENDPOINT=http:\/\/\[\$\(HOST_IP\)\]:4317/);
  assert.doesNotMatch(f.fix.summary, /<svc>/, 'nothing else is wrong with it');
  assert.equal(f.fix.patch, '- name: OTEL_EXPORTER_OTLP_ENDPOINT\n  value: "http://[$(HOST_IP)]:4317"');
  const literal = findingsOf(rule, endpointValue('http://fd00:10:96::14:4318/v1'))[0];
  assert.equal(literal.fix.patch, '- name: OTEL_EXPORTER_OTLP_ENDPOINT\n  value: "http://[fd00:10:96::14]:4318/v1"');
  // Another mistake beside it keeps the general advice.
  const both = findingsOf(rule, cart((x) => {
    x.apps[0].exporter.endpoint = envValue('http://fd00:10:244:2::1:4317', 'OTEL_EXPORTER_OTLP_ENDPOINT', { origin: 'var-ref', raw: 'http://$(HOST_IP):4317' });
    x.apps[0].exporter.protocol = envValue('http/proto', 'OTEL_EXPORTER_OTLP_PROTOCOL');
  }))[0];
  assert.match(both.fix.summary, /\[\$\(HOST_IP\)\].*Then: use http:\/\/<svc>/);
});
