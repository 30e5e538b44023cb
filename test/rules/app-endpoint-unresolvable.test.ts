import assert from 'node:assert/strict';
import { rule } from '../../src/rules/app-endpoint-unresolvable.ts';
import { envValue, findingsOf, judged, loadSnapshot, ruleTester, test, variant } from './helpers.ts';

/** payment dials the short name otel-collector from shop, and its probe saw the DNS failure. */
const shortName = variant(loadSnapshot('healthy-helm'), (s) => {
  s.apps[1].exporter.endpoint = envValue('http://otel-collector:4317');
  s.probes[1] = { ...s.probes[1], target: { kind: 'app-endpoint', host: 'otel-collector', port: 4317 }, result: 'dns-failure', reason: 'Name or service not known' };
});

ruleTester(rule, {
  valid: [
    { name: 'healthy: fully qualified names', snapshot: loadSnapshot('healthy-helm') },
    { name: 'an external host with no DNS failure seen', snapshot: variant(loadSnapshot('healthy-helm'), (s) => (s.apps[0].exporter.endpoint = envValue('https://otlp.example.com:443'))) },
  ],
  invalid: [
    {
      name: 'short Service name from another namespace',
      snapshot: shortName,
      findings: [{ severity: 'error', subject: 'Deployment shop/payment:payment', check: { subject: 'Deployment shop/payment', status: 'fail' } }],
    },
  ],
});

test('short Service name from another namespace: the fix names the FQDN, and it is the one row of the report', () => {
  assert.match(findingsOf(rule, shortName)[0].fix.summary, /otel-collector\.observability\.svc\.cluster\.local:4317/);
  assert.deepEqual(judged(shortName), ['app-endpoint-unresolvable error Deployment shop/payment:payment']);
});
