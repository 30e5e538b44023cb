import assert from 'node:assert/strict';
import { rule } from '../../src/rules/service-port-mismatch.ts';
import { findingsOf, loadSnapshot, ruleTester, test, variant } from './helpers.ts';

const SERVICE = 'Service observability/otel-collector';

ruleTester(rule, {
  valid: [
    { name: 'every targetPort reaches a receiver', snapshot: loadSnapshot('healthy-helm'), check: { subject: SERVICE, status: 'pass' } },
    {
      name: 'non-OTLP ports of the Helm chart Service (jaeger-grpc 14250, zipkin 9411) are not judged without sockets',
      snapshot: variant(loadSnapshot('healthy-helm'), (s) => {
        delete s.collectors[0].listeners;
        s.services[0].ports.push({ name: 'jaeger-grpc', port: 14250, targetPort: 14250 }, { name: 'zipkin', port: 9411, targetPort: 9411 });
      }),
    },
  ],
  invalid: [
    {
      name: 'port 4317 -> a targetPort where no receiver listens',
      snapshot: variant(loadSnapshot('healthy-helm'), (s) => {
        s.services[0].ports[0].targetPort = 14317;
      }),
      findings: [{ severity: 'error', subject: SERVICE, check: { subject: SERVICE, status: 'fail' } }],
    },
    {
      name: 'a named targetPort that the container does not declare',
      snapshot: variant(loadSnapshot('healthy-helm'), (s) => {
        s.services[0].ports[1].targetPort = 'otlp-htp';
      }),
      findings: [{ severity: 'error', subject: SERVICE }],
    },
  ],
});

test('the fix names the gRPC receiver port, not the health_check port, and lists each app once', () => {
  const s = variant(loadSnapshot('healthy-helm'), (s) => {
    const c = s.collectors[0] as unknown as { effectiveConfig: { receivers: { otlp: { protocols: { grpc: { endpoint: string } } } } }; listeners?: unknown; containerPorts: { containerPort: number }[] };
    c.effectiveConfig.receivers.otlp.protocols.grpc.endpoint = '${env:MY_POD_IP}:14317';
    c.containerPorts[0].containerPort = 14317;
    delete c.listeners;
  });
  const [f] = findingsOf(rule, s);
  assert.equal(f?.rule, 'service-port-mismatch');
  assert.match(f.fix.summary, /to 14317\.$/);
  const pods = (f.affected ?? []).map((a) => `${a.pod}/${a.container}`);
  assert.deepEqual(pods, [...new Set(pods)]);
  assert.ok(pods.length >= 1, 'the app exporting to the Service is listed');
});
