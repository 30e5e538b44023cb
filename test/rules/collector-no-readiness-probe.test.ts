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

test('operator-managed: info pointing at the CR health_check extension (v1beta1 also spec.readinessProbe)', () => {
  const s = variant(loadSnapshot('healthy-helm'), (s) => {
    delete s.collectors[0].readinessProbe;
    s.collectors[0].managedBy = { operator: 'opentelemetry-operator', crName: 'otel' };
    s.otelCollectorCRs = [{ namespace: s.collectors[0].namespace, name: 'otel', apiVersion: 'opentelemetry.io/v1beta1' } as any];
  });
  const [key] = ruleKeys(rule.check, s);
  assert.match(key, /^collector-no-readiness-probe info /);
  const f = (rule.check(s) as any).findings[0];
  assert.match(f.fix.target, /^OpenTelemetryCollector observability\/otel$/);
  assert.match(f.fix.summary, /health_check/);
  assert.match(f.fix.summary, /spec\.readinessProbe/);
  const alpha = variant(s, (x) => { x.otelCollectorCRs[0].apiVersion = 'opentelemetry.io/v1alpha1'; });
  assert.doesNotMatch((rule.check(alpha) as any).findings[0].fix.summary, /spec\.readinessProbe/);
});
