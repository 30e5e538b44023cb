import { test } from 'node:test';
import assert from 'node:assert/strict';
import { rule } from '../../src/rules/daemonset-no-hostport.ts';
import { loadSnapshot, ruleKeys, variant } from './helpers.ts';

function agent(hostPort: boolean) {
  return variant(loadSnapshot('healthy-helm'), (s) => {
    const c = s.collectors[0];
    c.owner = { kind: 'DaemonSet', name: 'otel-agent', namespace: 'observability' };
    c.effectiveConfig = { ...(c.effectiveConfig as any), receivers: { otlp: { protocols: { grpc: { endpoint: '0.0.0.0:4317' } } } } };
    c.containerPorts = [{ name: 'otlp', containerPort: 4317, ...(hostPort ? { hostPort: 4317 } : {}) }];
    s.apps[0].hostIP = '172.18.0.3';
    s.apps[0].exporter = { endpoint: { value: 'http://172.18.0.3:4317', raw: 'http://$(HOST_IP):4317', env: 'OTEL_EXPORTER_OTLP_ENDPOINT', origin: 'var-ref' }, protocol: { value: 'grpc', env: 'OTEL_EXPORTER_OTLP_PROTOCOL', origin: 'value' } };
  });
}

test('apps send to $(HOST_IP):4317, DaemonSet has no hostPort: error', () => {
  assert.deepEqual(ruleKeys(rule.check, agent(false)), ['daemonset-no-hostport error DaemonSet observability/otel-agent:opentelemetry-collector']);
});

test('with hostPort: nothing', () => assert.deepEqual(ruleKeys(rule.check, agent(true)), []));
