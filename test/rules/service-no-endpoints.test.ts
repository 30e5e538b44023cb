import assert from 'node:assert/strict';
import { rule } from '../../src/rules/service-no-endpoints.ts';
import { judged, loadSnapshot, ruleTester, test, variant } from './helpers.ts';

const SERVICE = 'Service observability/otel-collector';

/** A selector typo: the Service matches no pod. */
const typo = variant(loadSnapshot('healthy-helm'), (s) => {
  const v = s.services[0];
  v.selector = { 'app.kubernetes.io/name': 'otel-colector' };
  v.matchedCollectorPods = [];
  v.endpoints = { ready: [], notReady: [] };
});
/** lint: the selector typo, judged against the pods the files declare. */
const lintVariant = (matched: number | undefined, targeted = true) =>
  variant(loadSnapshot('healthy-helm'), (s) => {
    s.meta.mode = 'lint';
    const v = s.services[0];
    delete v.endpoints;
    v.selector = { 'app.kubernetes.io/name': 'otel-colector' };
    v.matchedCollectorPods = [];
    if (matched !== undefined) {
      v.matchedPodsInFiles = matched;
    }
    if (!targeted) {
      s.apps = [];
    }
  });

ruleTester(rule, {
  valid: [
    { name: 'ready endpoints', snapshot: loadSnapshot('healthy-helm'), check: { subject: SERVICE, status: 'pass' } },
    { name: 'endpoints not listed (RBAC): skipped, not guessed', snapshot: variant(loadSnapshot('healthy-helm'), (s) => delete s.services[0].endpoints), check: { subject: SERVICE, status: 'skipped', reason: 'endpoints not listed' } },
    { name: 'lint: it selects a pod of the files (not a collector)', snapshot: lintVariant(1) },
    { name: 'lint: no selector match count to judge', snapshot: lintVariant(undefined) },
    { name: 'lint: no app in the files sends to it', snapshot: lintVariant(0, false) },
  ],
  invalid: [
    { name: 'a selector typo: the Service matches no pod', snapshot: typo, findings: [{ severity: 'error', subject: SERVICE, check: { subject: SERVICE, status: 'fail' } }] },
    { name: 'lint: a selector that matches no pod of the files, for a Service apps send to: warning', snapshot: lintVariant(0), findings: [{ severity: 'warning', subject: SERVICE }] },
  ],
});

test('a selector typo is the one row of the report', () => {
  assert.deepEqual(judged(typo), [`service-no-endpoints error ${SERVICE}`]);
});
