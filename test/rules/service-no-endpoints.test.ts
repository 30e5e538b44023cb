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

test('lint: a selector that matches no pod of the files is a warning, only for a Service apps send to', () => {
  const lintVariant = (matched: number | undefined, targeted = true) =>
    variant(loadSnapshot('healthy-helm'), (s) => {
      s.meta.mode = 'lint';
      const v = s.services[0];
      delete v.endpoints;
      v.selector = { 'app.kubernetes.io/name': 'otel-colector' };
      v.matchedCollectorPods = [];
      if (matched !== undefined) v.matchedPodsInFiles = matched;
      if (!targeted) s.apps = [];
    });
  assert.deepEqual(ruleKeys(rule.check, lintVariant(0)), ['service-no-endpoints warning Service observability/otel-collector']);
  assert.deepEqual(ruleKeys(rule.check, lintVariant(1)), [], 'it selects a pod of the files (not a collector): not this rule');
  assert.deepEqual(ruleKeys(rule.check, lintVariant(undefined)), [], 'no selector to judge');
  assert.deepEqual(ruleKeys(rule.check, lintVariant(0, false)), [], 'no app in the files sends to it');
});
