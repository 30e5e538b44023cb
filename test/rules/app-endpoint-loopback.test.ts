import { rule } from '../../src/rules/app-endpoint-loopback.ts';
import type { Snapshot } from '../../src/snapshot.ts';
import assert from 'node:assert/strict';
import { envValue, findingsOf, loadSnapshot, ruleTester, test, variant } from './helpers.ts';

const toLocalhost = (patch: (s: Snapshot) => void = () => {}) =>
  variant(loadSnapshot('healthy-helm'), (s) => {
    s.apps[0].exporter.endpoint = envValue('http://localhost:4318');
    patch(s);
  });

ruleTester(rule, {
  valid: [
    { name: 'healthy: apps export to the collector Service', snapshot: loadSnapshot('healthy-helm') },
    { name: 'localhost with a sidecar collector is right', snapshot: toLocalhost((s) => (s.apps[0].sidecarCollector = { container: 'otc-container' })) },
  ],
  invalid: [
    {
      name: 'app exports to localhost without a sidecar: error on the app',
      snapshot: toLocalhost(),
      findings: [{ severity: 'error', subject: 'Deployment shop/cart:cart', check: { subject: 'Deployment shop/cart', status: 'fail' } }],
    },
  ],
});

test('the fix names a Service that fronts a collector, not whichever Service is listed first (an operator\'s webhook)', () => {
  const s = toLocalhost((s) => {
    s.services.unshift({ namespace: 'opentelemetry-operator-system', name: 'opentelemetry-operator-webhook-service', type: 'ClusterIP', clusterIP: '10.96.0.50', ports: [{ port: 443 }], matchedCollectorPods: [] });
  });
  const [f] = findingsOf(rule, s);
  const collectorSvc = s.services.find((v) => v.matchedCollectorPods.length && v.ports.some((p) => p.port === 4318));
  assert.ok(collectorSvc, 'the fixture has a collector Service on 4318');
  assert.match(f.fix.summary, new RegExp(`e\\.g\\. http://${collectorSvc.name}\\.${collectorSvc.namespace}\\.svc\\.cluster\\.local:4318\\.$`));
  assert.doesNotMatch(f.fix.summary + (f.fix.patch ?? ''), /webhook/);
  assert.match(f.fix.patch ?? '', new RegExp(`value: http://${collectorSvc.name}\\.`));
});
