import { test } from 'node:test';
import assert from 'node:assert/strict';
import { rule } from '../../src/rules/check-incomplete.ts';
import { loadSnapshot, ruleKeys, variant } from './helpers.ts';

test('exec forbidden: a warning naming the RBAC rule', () => {
  const s = variant(loadSnapshot('healthy-helm'), (s) => {
    s.permissions = { reviews: [{ verb: 'create', resource: 'pods/exec', allowed: false }, { verb: 'get', resource: 'pods/log', allowed: true }] };
  });
  assert.deepEqual(ruleKeys(rule.check, s), ['check-incomplete warning Check /create pods/exec']);
  assert.match((rule.check(s) as any[])[0].fix.patch, /resources: \["pods\/exec"\]\n  verbs: \["create"\]/);
});

test('a container with no tools: info on that pod', () => {
  const s = variant(loadSnapshot('healthy-helm'), (s) => {
    s.incomplete = [{ check: 'probes', subject: { kind: 'Pod', namespace: 'shop', name: 'cart-5d9f8b7c6-aaaaa', container: 'cart' }, reason: 'no probe tool in the container (bash, nc, wget, curl, python3, node, perl)' }];
  });
  assert.deepEqual(ruleKeys(rule.check, s), ['check-incomplete info Pod shop/cart-5d9f8b7c6-aaaaa:cart']);
});
