import assert from 'node:assert/strict';
import { rule } from '../../src/rules/receiver-bound-to-pod-ip.ts';
import { envValue, judged, loadSnapshot, ruleTester, test, variant } from './helpers.ts';

const COLLECTOR = 'Deployment observability/otel-collector:opentelemetry-collector';

ruleTester(rule, {
  valid: [
    {
      name: 'receivers on 0.0.0.0',
      snapshot: variant(loadSnapshot('healthy-helm'), (s) => {
        const cfg = s.collectors[0].effectiveConfig as any;
        cfg.receivers.otlp.protocols.grpc.endpoint = '0.0.0.0:4317';
        cfg.receivers.otlp.protocols.http.endpoint = '0.0.0.0:4318';
      }),
      check: { subject: 'Deployment observability/otel-collector', status: 'pass' },
    },
  ],
  invalid: [
    {
      name: 'the Helm chart ${env:MY_POD_IP} binding with cross-pod clients: info only',
      snapshot: loadSnapshot('healthy-helm'),
      findings: [{ severity: 'info', subject: COLLECTOR, check: { subject: 'Deployment observability/otel-collector', status: 'fail' } }],
    },
    {
      name: 'lint (no pod IP known): the MY_POD_IP fieldRef still classifies as pod-ip',
      snapshot: variant(loadSnapshot('healthy-helm'), (s) => {
        delete s.collectors[0].env;
        delete s.collectors[0].podIP;
      }),
      findings: [{ severity: 'info', subject: COLLECTOR }],
    },
    {
      name: 'a same-pod container exporting to localhost makes it an error',
      snapshot: variant(loadSnapshot('healthy-helm'), (s) => {
        s.apps.push({ namespace: 'observability', pod: s.collectors[0].pod, container: 'self-monitor', exporter: { endpoint: envValue('http://localhost:4317'), protocol: envValue('grpc', 'OTEL_EXPORTER_OTLP_PROTOCOL') } });
      }),
      findings: [{ severity: 'error', subject: COLLECTOR }],
    },
  ],
});

test('the pod-IP binding alone leaves the report healthy', () => {
  assert.deepEqual(judged(loadSnapshot('healthy-helm')), []);
});
