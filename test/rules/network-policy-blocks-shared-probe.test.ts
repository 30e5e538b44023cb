// network-policy-blocks where one probe speaks for apps of several namespaces (gather/plan.ts groups them):
// the ingress fix admits every namespace it stood for.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parse } from 'yaml';
import { rule } from '../../src/rules/network-policy-blocks.ts';
import { pathContext, pathKey, groupProbes } from '../../src/gather/plan.ts';
import { findingsOf, loadSnapshot, variant } from './helpers.ts';

// Collector ingress admits only `monitoring`; cart (shop) and cart (billing) dial the same FQDN, no
// policy in either namespace: the new key groups them, one probe (from shop) times out.
const s = variant(loadSnapshot('healthy-helm'), (s) => {
  s.networkPolicies = [{
    namespace: 'observability', name: 'collector-ingress',
    podSelector: { matchLabels: { 'app.kubernetes.io/name': 'opentelemetry-collector' } },
    policyTypes: ['Ingress'],
    ingress: [{ from: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'monitoring' } } }], ports: [{ port: 4318, protocol: 'TCP' }] }],
  }];
  s.namespaces = [{ name: 'shop', labels: {} }, { name: 'billing', labels: {} }, { name: 'observability', labels: {} }];
  s.apps = [s.apps[0], { ...structuredClone(s.apps[0]), namespace: 'billing', pod: 'cart-x-bbbbb', workload: { kind: 'Deployment', name: 'cart', namespace: 'billing' } as any }];
  s.probes = s.probes.filter((p) => p.from.pod === s.apps[0].pod).map((p) => ({ ...p, result: 'timeout' as const, reason: 'timed out after 2s' }));
});

test('the grouping puts shop and billing on one path', () => {
  const ctx = pathContext(s.services, s.networkPolicies as any, s.namespaces);
  const plans = s.apps.map((a) => [{ kind: 'app-endpoint', parsed: { ok: true, target: { host: 'otel-collector.observability.svc.cluster.local', port: 4318 } } }] as any);
  const keys = s.apps.map((a, i) => pathKey(a, plans[i], ctx));
  assert.equal(keys[0], keys[1]);
  assert.equal(groupProbes(s.apps, keys, { sample: 0 }).length, 1);
});

test('the ingress fix admits every namespace the probe stood for', () => {
  const g = variant(s, (x) => { x.apps[1].probedBy = { namespace: 'shop', pod: x.apps[0].pod, container: 'cart' }; });
  const f = findingsOf(rule, g).find((f) => f.subject.kind === 'NetworkPolicy');
  assert.ok(f);
  const ing = (parse(f.fix!.patch!) as any).spec.ingress;
  const added = JSON.stringify(ing.at(-1));
  assert.match(added, /billing/, `patch: ${f.fix!.patch}`);
  assert.ok(f.affected?.some((a) => a.namespace === 'billing'), 'billing affected');
});
