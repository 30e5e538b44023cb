import { test } from 'node:test';
import assert from 'node:assert/strict';
import { rule } from '../../src/rules/service-no-endpoints.ts';
import { judged, loadSnapshot, ruleKeys, variant } from './helpers.ts';

test('selector typo: the Service matches no pod', () => {
  const s = variant(loadSnapshot('healthy-helm'), (s) => {
    const v = s.services[0];
    v.selector = { 'app.kubernetes.io/name': 'otel-colector' };
    v.matchedCollectorPods = [];
    v.endpoints = { ready: [], notReady: [] };
  });
  assert.deepEqual(ruleKeys(rule.check, s), ['service-no-endpoints error Service observability/otel-collector']);
  assert.deepEqual(judged(s), ['service-no-endpoints error Service observability/otel-collector']);
});

test('endpoints not listed (RBAC): skipped, not guessed', () => {
  const s = variant(loadSnapshot('healthy-helm'), (s) => delete s.services[0].endpoints);
  const r = rule.check(s) as any;
  assert.deepEqual(r.findings, []);
  assert.equal(r.checked[0].status, 'skipped');
});
