import assert from 'node:assert/strict';
import { rule } from '../../src/rules/health-check-bound-to-loopback.ts';
import { judged, loadSnapshot, ruleTester, test, variant } from './helpers.ts';

const COLLECTOR = 'Deployment observability/otel-collector:opentelemetry-collector';

function hc(endpoint: string | undefined, version = '0.111.0') {
  return variant(loadSnapshot('healthy-helm'), (s) => {
    const c = s.collectors[0];
    c.version = version;
    (c.effectiveConfig as any).extensions.health_check = endpoint === undefined ? {} : { endpoint };
  });
}

ruleTester(rule, {
  valid: [
    { name: 'healthy: health_check on the pod IP', snapshot: loadSnapshot('healthy-helm'), check: { subject: 'Deployment observability/otel-collector', status: 'pass' } },
    { name: 'operator >= 0.122 defaults health_check to 0.0.0.0', snapshot: variant(hc(undefined), (s) => (s.collectors[0].managedBy = { operator: 'opentelemetry-operator', version: '0.122.0' })) },
    { name: 'the 0.103 default is 0.0.0.0', snapshot: hc(undefined, '0.103.0') },
  ],
  invalid: [
    {
      name: 'no endpoint on >= 0.104 defaults to localhost: the readiness probe fails',
      snapshot: hc(undefined),
      findings: [{ severity: 'error', subject: COLLECTOR, check: { subject: 'Deployment observability/otel-collector', status: 'fail' } }],
    },
    { name: 'explicit localhost:13133', snapshot: hc('localhost:13133'), findings: [{ severity: 'error', subject: COLLECTOR }] },
    {
      name: 'a tcpSocket readiness probe on the health port fails as an httpGet one would',
      snapshot: variant(hc('localhost:13133'), (s) => {
        const c = s.collectors[0];
        c.readinessProbe = { type: 'tcpSocket', port: 13133 };
        delete c.livenessProbe;
        delete c.startupProbe;
      }),
      findings: [{ severity: 'error', subject: COLLECTOR }],
    },
    {
      name: 'no probe points at it: only an info (nothing fails until a probe is added)',
      snapshot: variant(hc('localhost:13133'), (s) => {
        const c = s.collectors[0];
        delete c.readinessProbe;
        delete c.livenessProbe;
        delete c.startupProbe;
      }),
      findings: [{ severity: 'info', subject: COLLECTOR }],
    },
  ],
});

test('explicit localhost:13133 folds the not-ready pod and the empty Service into one row', () => {
  const s = variant(hc('localhost:13133'), (s) => {
    s.collectors[0].ready = false;
    s.services[0].endpoints = { ready: [], notReady: [{ ip: '10.244.1.5', ready: false, pod: s.collectors[0].pod }] };
  });
  assert.deepEqual(judged(s), [`health-check-bound-to-loopback error ${COLLECTOR}`]);
});
