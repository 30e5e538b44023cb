import { test } from 'node:test';
import assert from 'node:assert/strict';
import { rule } from '../../src/rules/service-port-mismatch.ts';
import { findingsOf, loadSnapshot, ruleKeys, variant } from './helpers.ts';

test('port 4317 -> targetPort 4318 (http behind the grpc port)... and a named targetPort that does not exist', () => {
  const s = variant(loadSnapshot('healthy-helm'), (s) => {
    s.services[0].ports[0].targetPort = 14317;
  });
  assert.deepEqual(ruleKeys(rule.check, s), ['service-port-mismatch error Service observability/otel-collector']);
  const s2 = variant(loadSnapshot('healthy-helm'), (s) => {
    s.services[0].ports[1].targetPort = 'otlp-htp';
  });
  assert.deepEqual(ruleKeys(rule.check, s2), ['service-port-mismatch error Service observability/otel-collector']);
});

test('healthy: nothing', () => assert.deepEqual(ruleKeys(rule.check, loadSnapshot('healthy-helm')), []));

test('non-OTLP ports of the Helm chart Service (jaeger-grpc 14250, zipkin 9411) are not judged without sockets', () => {
  const s = variant(loadSnapshot('healthy-helm'), (s) => {
    delete s.collectors[0].listeners;
    s.services[0].ports.push({ name: 'jaeger-grpc', port: 14250, targetPort: 14250 }, { name: 'zipkin', port: 9411, targetPort: 9411 });
  });
  assert.deepEqual(ruleKeys(rule.check, s), []);
});

test('the fix names the gRPC receiver port, not the health_check port, and lists each app once', () => {
  const s = variant(loadSnapshot('healthy-helm'), (s) => {
    const c = s.collectors[0] as unknown as { effectiveConfig: { receivers: { otlp: { protocols: { grpc: { endpoint: string } } } } }; listeners?: unknown; containerPorts: { containerPort: number }[] };
    c.effectiveConfig.receivers.otlp.protocols.grpc.endpoint = '${env:MY_POD_IP}:14317';
    c.containerPorts[0].containerPort = 14317;
    delete c.listeners;
  });
  const [f] = findingsOf(rule.check(s) as never);
  assert.equal(f?.rule, 'service-port-mismatch');
  assert.match(f.fix.summary, /to 14317\.$/);
  const pods = (f.affected ?? []).map((a) => `${a.pod}/${a.container}`);
  assert.deepEqual(pods, [...new Set(pods)]);
  assert.ok(pods.length >= 1, 'the app exporting to the Service is listed');
});
