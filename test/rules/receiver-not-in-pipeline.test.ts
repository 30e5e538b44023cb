import assert from 'node:assert/strict';
import { rule } from '../../src/rules/receiver-not-in-pipeline.ts';
import { findingsOf, loadSnapshot, ruleTester, test, variant } from './helpers.ts';

const COLLECTOR = 'Deployment observability/otel-collector:opentelemetry-collector';
const withReceiver = (id: string, config: unknown) =>
  variant(loadSnapshot('healthy-helm'), (s) => {
    (s.collectors[0].effectiveConfig as any).receivers[id] = config;
  });
/** An unused otlp receiver on the custom port 5317. */
const customPort = withReceiver('otlp/internal', { protocols: { grpc: { endpoint: '0.0.0.0:5317' } } });

ruleTester(rule, {
  valid: [{ name: 'every receiver is in a pipeline', snapshot: loadSnapshot('healthy-helm'), check: { subject: 'Deployment observability/otel-collector', status: 'pass' } }],
  invalid: [
    {
      name: 'otlp declared, the pipelines use another receiver, apps send to 4317: error',
      snapshot: variant(withReceiver('prometheus', { config: {} }), (s) => {
        for (const p of Object.values((s.collectors[0].effectiveConfig as any).service.pipelines) as any[]) {
          p.receivers = ['prometheus'];
        }
      }),
      findings: [{ severity: 'error', subject: COLLECTOR, check: { subject: 'Deployment observability/otel-collector', status: 'fail' } }],
    },
    { name: 'an unused extra receiver nobody sends to: warning', snapshot: withReceiver('otlp/spare', { protocols: { grpc: { endpoint: '0.0.0.0:5317' } } }), findings: [{ severity: 'warning', subject: COLLECTOR }] },
    {
      name: 'an unused scraping receiver (prometheus self-scrape) opens no port: info',
      snapshot: withReceiver('prometheus', { config: { scrape_configs: [{ job_name: 'self', static_configs: [{ targets: ['${env:MY_POD_IP}:8888'] }] }] } }),
      findings: [{ severity: 'info', subject: COLLECTOR }],
    },
    { name: 'an unused otlp receiver on a custom port: warning', snapshot: customPort, findings: [{ severity: 'warning', subject: COLLECTOR }] },
  ],
});

test('an unused otlp receiver on a custom port explains the missing listener on that port', () => {
  const f = findingsOf(rule, customPort);
  assert.equal(f.length, 1);
  assert.ok(f[0].explains?.some((k) => k.endsWith(':5317')), `explains ${f[0].explains}`);
});
