import { test } from 'node:test';
import assert from 'node:assert/strict';
import { rule } from '../../src/rules/network-policy-blocks.ts';
import { loadSnapshot, ruleKeys, variant } from './helpers.ts';

function withPolicy(fromNs: string, timeout: boolean) {
  return variant(loadSnapshot('healthy-helm'), (s) => {
    s.networkPolicies = [{
      namespace: 'observability', name: 'collector-ingress',
      podSelector: { matchLabels: { 'app.kubernetes.io/name': 'opentelemetry-collector' } },
      policyTypes: ['Ingress'],
      ingress: [{ from: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': fromNs } } }], ports: [{ port: 4317, protocol: 'TCP' }, { port: 4318, protocol: 'TCP' }] }],
    }];
    if (timeout) for (const p of s.probes) { p.result = 'timeout'; p.reason = 'timed out after 2s'; }
  });
}

test('policy admits only monitoring, probe from shop times out: error on the policy', () => {
  assert.deepEqual(ruleKeys(rule.check, withPolicy('monitoring', true)), ['network-policy-blocks error NetworkPolicy observability/collector-ingress']);
});

test('policy admits shop: not blamed even if a probe timed out', () => assert.deepEqual(ruleKeys(rule.check, withPolicy('shop', true)), []));
test('restrictive policy but probes connected: not blamed', () => assert.deepEqual(ruleKeys(rule.check, withPolicy('monitoring', false)), []));
test('no exec: skipped', () => {
  const s = withPolicy('monitoring', true);
  s.meta.exec = false;
  assert.equal((rule.check(s) as any).skipped, 'needs exec probes (--no-exec)');
});

test('a probe timing out on a port the Service does not publish is not blamed on the policy', () => {
  const s = withPolicy('monitoring', true);
  const svc = s.services.find((v) => v.matchedCollectorPods.length)!;
  // Every probed Service port made unpublished: only app-port-not-exposed may speak for those timeouts.
  const probed = new Set(s.probes.map((p) => p.target.port));
  svc.ports = svc.ports.filter((p) => !probed.has(p.port));
  if (!svc.ports.length) svc.ports = [{ name: 'metrics', port: 8888 }];
  assert.deepEqual(ruleKeys(rule.check, s), []);
});
