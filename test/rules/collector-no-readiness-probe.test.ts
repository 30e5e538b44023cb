import { test } from 'node:test';
import assert from 'node:assert/strict';
import { rule } from '../../src/rules/collector-no-readiness-probe.ts';
import { loadSnapshot, ruleKeys, variant } from './helpers.ts';

test('no readiness probe: warning suggesting httpGet 13133', () => {
  const s = variant(loadSnapshot('healthy-helm'), (s) => delete s.collectors[0].readinessProbe);
  assert.deepEqual(ruleKeys(rule.check, s), ['collector-no-readiness-probe warning Deployment observability/otel-collector:opentelemetry-collector']);
  const f = (rule.check(s) as any).findings[0];
  assert.match(f.fix.patch, /port: 13133/);
});

test('sidecars are exempt', () => {
  const s = variant(loadSnapshot('healthy-helm'), (s) => {
    delete s.collectors[0].readinessProbe;
    s.collectors[0].sidecar = true;
  });
  assert.deepEqual(ruleKeys(rule.check, s), []);
});
