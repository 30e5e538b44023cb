import { test } from 'node:test';
import assert from 'node:assert/strict';
import { rule } from '../../src/rules/receiver-bound-to-pod-ip.ts';
import { judged, loadSnapshot, ruleKeys, variant } from './helpers.ts';

test('Helm chart ${env:MY_POD_IP} binding with cross-pod clients: info only, healthy overall', () => {
  const s = loadSnapshot('healthy-helm');
  assert.deepEqual(ruleKeys(rule.check, s), ['receiver-bound-to-pod-ip info Deployment observability/otel-collector:opentelemetry-collector']);
  assert.deepEqual(judged(s), []);
});

test('lint (no pod IP known): the MY_POD_IP fieldRef still classifies as pod-ip', () => {
  const s = variant(loadSnapshot('healthy-helm'), (s) => {
    delete s.collectors[0].env;
    delete s.collectors[0].podIP;
  });
  assert.deepEqual(ruleKeys(rule.check, s), ['receiver-bound-to-pod-ip info Deployment observability/otel-collector:opentelemetry-collector']);
});

test('a same-pod container exporting to localhost makes it an error', () => {
  const s = variant(loadSnapshot('healthy-helm'), (s) => {
    s.apps.push({ namespace: 'observability', pod: s.collectors[0].pod, container: 'self-monitor', exporter: { endpoint: { value: 'http://localhost:4317', env: 'OTEL_EXPORTER_OTLP_ENDPOINT', origin: 'value' }, protocol: { value: 'grpc', env: 'OTEL_EXPORTER_OTLP_PROTOCOL', origin: 'value' } } });
  });
  assert.deepEqual(ruleKeys(rule.check, s), ['receiver-bound-to-pod-ip error Deployment observability/otel-collector:opentelemetry-collector']);
});
