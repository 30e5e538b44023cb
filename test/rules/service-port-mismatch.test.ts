import { test } from 'node:test';
import assert from 'node:assert/strict';
import { rule } from '../../src/rules/service-port-mismatch.ts';
import { loadSnapshot, ruleKeys, variant } from './helpers.ts';

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
