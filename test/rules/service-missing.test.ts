import { test } from 'node:test';
import assert from 'node:assert/strict';
import { rule } from '../../src/rules/service-missing.ts';
import { judged, loadSnapshot, ruleKeys, variant } from './helpers.ts';

test('apps name otel-gateway.observability, which does not exist: error on that Service, app rows folded', () => {
  const s = variant(loadSnapshot('healthy-helm'), (s) => {
    for (const a of s.apps) a.exporter.endpoint!.value = a.exporter.endpoint!.value!.replace(/otel-collector\.observability(\.svc\.cluster\.local)?/, 'otel-gateway.observability.svc.cluster.local');
    s.probes = [{ from: { namespace: 'shop', pod: s.apps[0].pod, container: s.apps[0].container }, target: { kind: 'app-endpoint', host: 'otel-gateway.observability.svc.cluster.local', port: 4317 }, method: 'node', result: 'dns-failure', reason: 'getaddrinfo ENOTFOUND' }];
  });
  assert.deepEqual(ruleKeys(rule.check, s), ['service-missing error Service observability/otel-gateway']);
  assert.deepEqual(judged(s), ['service-missing error Service observability/otel-gateway']);
  // Traces, metrics and logs of one container dial the same host: its evidence appears once.
  const details: string[] = (rule.check(s) as any[])[0].evidence.map((e: any) => e.detail);
  assert.deepEqual(details, [...new Set(details)]);
  assert.equal(details.filter((d: string) => d.includes('dns-failure')).length, 1);
});

test('collector Deployment no Service selects: warning', () => {
  const s = variant(loadSnapshot('healthy-helm'), (s) => {
    s.services = [];
    s.apps = [];
  });
  assert.deepEqual(ruleKeys(rule.check, s), ['service-missing warning Deployment observability/otel-collector:opentelemetry-collector']);
});

test('healthy: nothing', () => assert.deepEqual(ruleKeys(rule.check, loadSnapshot('healthy-helm')), []));

test('no Service at all while apps name one: the error row, with the unexposed collector folded in', () => {
  const s = variant(loadSnapshot('healthy-helm'), (s) => {
    s.services = [];
  });
  assert.deepEqual(ruleKeys(rule.check, s).sort(), [
    'service-missing error Service observability/otel-collector',
    'service-missing warning Deployment observability/otel-collector:opentelemetry-collector',
  ]);
  assert.deepEqual(judged(s), ['service-missing error Service observability/otel-collector']);
});
