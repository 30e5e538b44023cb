import { test } from 'node:test';
import assert from 'node:assert/strict';
import { rule } from '../../src/rules/app-no-endpoint.ts';
import { loadSnapshot, ruleKeys, variant } from './helpers.ts';

test('instrumented app with no endpoint and no sidecar: warning', () => {
  const s = variant(loadSnapshot('healthy-helm'), (s) => delete s.apps[0].exporter.endpoint);
  assert.deepEqual(ruleKeys(rule.check, s), ['app-no-endpoint warning Deployment shop/cart:cart']);
});

test('with a sidecar the localhost default is right', () => {
  const s = variant(loadSnapshot('healthy-helm'), (s) => {
    delete s.apps[0].exporter.endpoint;
    s.apps[0].sidecarCollector = { container: 'otc-container' };
  });
  assert.deepEqual(ruleKeys(rule.check, s), []);
});

test('no SDK endpoint but OTEL_COLLECTOR_HOST names the collector Service (demo frontend-proxy): info, not a warning', () => {
  const s = variant(loadSnapshot('healthy-helm'), (s) => {
    delete s.apps[0].exporter.endpoint;
    const svc = s.services.find((v) => v.matchedCollectorPods.length > 0)!;
    s.apps[0].hostEnv = [{ env: 'OTEL_COLLECTOR_HOST', value: `${svc.name}.${svc.namespace}`, host: `${svc.name}.${svc.namespace}` }];
  });
  assert.deepEqual(ruleKeys(rule.check, s), ['app-no-endpoint info Deployment shop/cart:cart']);
});

test('a host variable that names something other than a collector keeps the warning', () => {
  const s = variant(loadSnapshot('healthy-helm'), (s) => {
    delete s.apps[0].exporter.endpoint;
    s.apps[0].hostEnv = [{ env: 'REDIS_HOST', value: 'redis', host: 'redis' }];
  });
  assert.deepEqual(ruleKeys(rule.check, s), ['app-no-endpoint warning Deployment shop/cart:cart']);
});
