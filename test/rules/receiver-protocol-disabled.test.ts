import { test } from 'node:test';
import assert from 'node:assert/strict';
import { rule } from '../../src/rules/receiver-protocol-disabled.ts';
import { loadSnapshot, ruleKeys, variant } from './helpers.ts';

test('grpc-only receiver, a Node app (http/protobuf by default) sends to 4318: error', () => {
  const s = variant(loadSnapshot('healthy-helm'), (s) => {
    delete (s.collectors[0].effectiveConfig as any).receivers.otlp.protocols.http;
  });
  assert.deepEqual(ruleKeys(rule.check, s), ['receiver-protocol-disabled error Deployment observability/otel-collector:opentelemetry-collector']);
});

test('both enabled: nothing', () => assert.deepEqual(ruleKeys(rule.check, loadSnapshot('healthy-helm')), []));
