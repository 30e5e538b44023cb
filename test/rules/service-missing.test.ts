import assert from 'node:assert/strict';
import { rule } from '../../src/rules/service-missing.ts';
import { findingsOf, judged, loadSnapshot, ruleKeys, ruleTester, test, variant } from './helpers.ts';

const COLLECTOR = 'Deployment observability/otel-collector:opentelemetry-collector';

/** Every app names otel-gateway.observability, which does not exist; cart's probe saw the DNS failure. */
const gateway = variant(loadSnapshot('healthy-helm'), (s) => {
  for (const a of s.apps) {
    a.exporter.endpoint!.value = a.exporter.endpoint!.value!.replace(/otel-collector\.observability(\.svc\.cluster\.local)?/, 'otel-gateway.observability.svc.cluster.local');
  }
  s.probes = [{ from: { namespace: 'shop', pod: s.apps[0].pod, container: s.apps[0].container }, target: { kind: 'app-endpoint', host: 'otel-gateway.observability.svc.cluster.local', port: 4317 }, method: 'node', result: 'dns-failure', reason: 'getaddrinfo ENOTFOUND' }];
});
/** No Service at all, while the apps name one. */
const noServices = variant(loadSnapshot('healthy-helm'), (s) => {
  s.services = [];
});

ruleTester(rule, {
  valid: [{ name: 'the Service the apps name exists and selects the collector', snapshot: loadSnapshot('healthy-helm') }],
  invalid: [
    {
      name: 'apps name otel-gateway.observability, which does not exist: error on that Service',
      snapshot: gateway,
      findings: [{ severity: 'error', subject: 'Service observability/otel-gateway', check: { subject: 'Service observability/otel-gateway', status: 'fail' } }],
    },
    {
      name: 'a collector Deployment no Service selects: warning',
      snapshot: variant(noServices, (s) => {
        s.apps = [];
      }),
      findings: [{ severity: 'warning', subject: COLLECTOR }],
    },
    {
      name: 'no Service at all while apps name one: the missing Service and the unexposed collector',
      snapshot: noServices,
      findings: [
        { severity: 'error', subject: 'Service observability/otel-collector' },
        { severity: 'warning', subject: COLLECTOR },
      ],
    },
  ],
});

test('a missing Service: the app rows are folded in, and each container\'s evidence appears once', () => {
  assert.deepEqual(judged(gateway), ['service-missing error Service observability/otel-gateway']);
  // Traces, metrics and logs of one container dial the same host.
  const details = findingsOf(rule, gateway)[0].evidence.map((e) => e.detail);
  assert.deepEqual(details, [...new Set(details)]);
  assert.equal(details.filter((d) => d.includes('dns-failure')).length, 1);
});

test('no Service at all: the unexposed collector is folded into the missing Service\'s row', () => {
  assert.equal(ruleKeys(rule, noServices).length, 2);
  assert.deepEqual(judged(noServices), ['service-missing error Service observability/otel-collector']);
});
