import { test } from 'node:test';
import assert from 'node:assert/strict';
import { rule } from '../../src/rules/app-protocol-port-mismatch.ts';
import { loadSnapshot, ruleKeys, variant } from './helpers.ts';

test('Node (http/protobuf by default) pointed at 4317: error', () => {
  const s = variant(loadSnapshot('healthy-helm'), (s) => (s.apps[0].exporter.endpoint = { value: 'http://otel-collector.observability.svc.cluster.local:4317', env: 'OTEL_EXPORTER_OTLP_ENDPOINT', origin: 'value' }));
  assert.deepEqual(ruleKeys(rule.check, s), ['app-protocol-port-mismatch error Deployment shop/cart:cart']);
});

test('explicit grpc to 4318: error', () => {
  const s = variant(loadSnapshot('healthy-helm'), (s) => (s.apps[0].exporter.protocol = { value: 'grpc', env: 'OTEL_EXPORTER_OTLP_PROTOCOL', origin: 'value' }));
  assert.deepEqual(ruleKeys(rule.check, s), ['app-protocol-port-mismatch error Deployment shop/cart:cart']);
});

test('Go with no protocol set: not guessed, unless its log shows the mismatch', () => {
  const s = variant(loadSnapshot('healthy-helm'), (s) => {
    s.apps[0].sdk = { language: 'go', from: 'test' };
    s.apps[0].exporter.endpoint = { value: 'http://otel-collector.observability.svc.cluster.local:4317', env: 'OTEL_EXPORTER_OTLP_ENDPOINT', origin: 'value' };
  });
  assert.deepEqual(ruleKeys(rule.check, s), []);
  s.logs.push({ namespace: 'shop', pod: s.apps[0].pod, container: 'cart', role: 'app', matches: [{ signature: 'go-http-to-grpc-port', kind: 'protocol', line: 'traces export: Post "http://otel-collector.observability.svc.cluster.local:4317/v1/traces": net/http: HTTP/1.x transport connection broken: malformed HTTP response "\\x00\\x00\\x06\\x04\\x00\\x00\\x00\\x00\\x00\\x00\\x05\\x00\\x00@\\x00"' }] });
  assert.deepEqual(ruleKeys(rule.check, s), ['app-protocol-port-mismatch error Deployment shop/cart:cart']);
});

test('healthy: nothing', () => assert.deepEqual(ruleKeys(rule.check, loadSnapshot('healthy-helm')), []));
