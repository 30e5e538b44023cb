import { test } from 'node:test';
import assert from 'node:assert/strict';
import { rule } from '../../src/rules/health-check-bound-to-loopback.ts';
import { judged, loadSnapshot, ruleKeys, variant } from './helpers.ts';

function hc(endpoint: string | undefined, version = '0.111.0') {
  return variant(loadSnapshot('healthy-helm'), (s) => {
    const c = s.collectors[0];
    c.version = version;
    (c.effectiveConfig as any).extensions.health_check = endpoint === undefined ? {} : { endpoint };
  });
}

test('health_check with no endpoint on >= 0.104 defaults to localhost: the readiness probe fails', () => {
  assert.deepEqual(ruleKeys(rule.check, hc(undefined)), ['health-check-bound-to-loopback error Deployment observability/otel-collector:opentelemetry-collector']);
});

test('explicit localhost:13133 folds the not-ready pod and the empty Service into one row', () => {
  const s = hc('localhost:13133');
  s.collectors[0].ready = false;
  s.services[0].endpoints = { ready: [], notReady: [{ ip: '10.244.1.5', ready: false, pod: s.collectors[0].pod }] };
  assert.deepEqual(judged(s), ['health-check-bound-to-loopback error Deployment observability/otel-collector:opentelemetry-collector']);
});

test('operator >= 0.122 defaults health_check to 0.0.0.0', () => {
  const s = hc(undefined);
  s.collectors[0].managedBy = { operator: 'opentelemetry-operator', version: '0.122.0' };
  assert.deepEqual(ruleKeys(rule.check, s), []);
});

test('0.103 default is 0.0.0.0: nothing', () => assert.deepEqual(ruleKeys(rule.check, hc(undefined, '0.103.0')), []));
