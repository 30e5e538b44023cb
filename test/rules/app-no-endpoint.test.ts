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
