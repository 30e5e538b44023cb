import assert from 'node:assert/strict';
import { rule } from '../../src/rules/collector-no-readiness-probe.ts';
import type { Snapshot } from '../../src/snapshot.ts';
import { findingsOf, loadSnapshot, ruleTester, test, variant } from './helpers.ts';

const noProbe = (patch: (s: Snapshot) => void = () => {}) =>
  variant(loadSnapshot('healthy-helm'), (s) => {
    delete s.collectors[0].readinessProbe;
    patch(s);
  });
/** An operator-managed collector without a probe, its CR at v1beta1. */
const operatorManaged = noProbe((s) => {
  s.collectors[0].managedBy = { operator: 'opentelemetry-operator', crName: 'otel' };
  s.otelCollectorCRs = [{ namespace: s.collectors[0].namespace, name: 'otel', apiVersion: 'opentelemetry.io/v1beta1' } as Snapshot['otelCollectorCRs'][number]];
});
const COLLECTOR = 'Deployment observability/otel-collector:opentelemetry-collector';

ruleTester(rule, {
  valid: [
    { name: 'the collector has a readiness probe', snapshot: loadSnapshot('healthy-helm'), check: { subject: 'Deployment observability/otel-collector', status: 'pass' } },
    { name: 'sidecars are exempt', snapshot: noProbe((s) => (s.collectors[0].sidecar = true)), check: { subject: 'Pod observability/otel-collector', status: 'skipped', reason: 'sidecar' } },
  ],
  invalid: [
    { name: 'no readiness probe: warning', snapshot: noProbe(), findings: [{ severity: 'warning', subject: COLLECTOR, check: { subject: 'Deployment observability/otel-collector', status: 'fail' } }] },
    { name: 'operator-managed: info', snapshot: operatorManaged, findings: [{ severity: 'info', subject: COLLECTOR }] },
  ],
});

test('no readiness probe: the fix is an httpGet on the health_check port 13133', () => {
  assert.match(findingsOf(rule, noProbe())[0].fix.patch ?? '', /port: 13133/);
});

test('operator-managed: the fix points at the CR health_check extension (v1beta1 also spec.readinessProbe)', () => {
  const f = findingsOf(rule, operatorManaged)[0];
  assert.match(f.fix.target ?? '', /^OpenTelemetryCollector observability\/otel$/);
  assert.match(f.fix.summary, /health_check/);
  assert.match(f.fix.summary, /spec\.readinessProbe/);
  const alpha = variant(operatorManaged, (x) => {
    x.otelCollectorCRs[0].apiVersion = 'opentelemetry.io/v1alpha1';
  });
  assert.doesNotMatch(findingsOf(rule, alpha)[0].fix.summary, /spec\.readinessProbe/);
});

/** The collector's pipelines use only a prometheus receiver: it scrapes, nothing pushes to it. */
const pullOnly = (s: Snapshot): void => {
  const cfg = s.collectors[0].effectiveConfig as any;
  cfg.receivers = { prometheus: { config: { scrape_configs: [] } } };
  for (const p of Object.values(cfg.service.pipelines) as any[]) { p.receivers = ['prometheus']; }
};

ruleTester(rule, {
  valid: [
    {
      name: 'a pull-only collector (prometheus receiver only): no traffic to gate',
      snapshot: noProbe(pullOnly),
      check: { subject: 'Deployment observability/otel-collector', status: 'skipped', reason: 'no receiver that other pods push to: no traffic for a readiness probe to gate' },
    },
    {
      name: 'no Service selects the collector: readiness gates nothing',
      snapshot: noProbe((s) => (s.services = [])),
      check: { subject: 'Deployment observability/otel-collector', status: 'skipped', reason: 'no Service selects it: a readiness probe gates no traffic' },
    },
  ],
  invalid: [
    {
      name: 'an OTLP receiver bound to loopback by mistake is still pushed to: the probe is still missing',
      snapshot: noProbe((s) => {
        (s.collectors[0].effectiveConfig as any).receivers.otlp.protocols.grpc.endpoint = '127.0.0.1:4317';
      }),
      findings: [{ severity: 'warning', subject: COLLECTOR }],
    },
  ],
});
