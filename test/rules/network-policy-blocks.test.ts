import assert from 'node:assert/strict';
import { parse } from 'yaml';
import { rule } from '../../src/rules/network-policy-blocks.ts';
import { findingsOf, loadSnapshot, ruleTester, test, variant } from './helpers.ts';

/** An ingress policy on the collector admitting only fromNs on 4317/4318; every probe timed out when asked. */
function withPolicy(fromNs: string, timeout: boolean) {
  return variant(loadSnapshot('healthy-helm'), (s) => {
    s.networkPolicies = [{
      namespace: 'observability', name: 'collector-ingress',
      podSelector: { matchLabels: { 'app.kubernetes.io/name': 'opentelemetry-collector' } },
      policyTypes: ['Ingress'],
      ingress: [{ from: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': fromNs } } }], ports: [{ port: 4317, protocol: 'TCP' }, { port: 4318, protocol: 'TCP' }] }],
    }];
    if (timeout) {
      for (const p of s.probes) {
        p.result = 'timeout';
        p.reason = 'timed out after 2s';
      }
    }
  });
}

/**
 * The collector's OTLP/HTTP receiver on the legacy port 55681 behind Service port 4318; the policy admits
 * 4317/4318 from monitoring only, and cart's probe to the Service's 4318 timed out.
 */
const legacyHttp = variant(withPolicy('monitoring', false), (s) => {
  const c = s.collectors[0];
  (c.effectiveConfig as any).receivers.otlp.protocols.http.endpoint = '${env:MY_POD_IP}:55681';
  c.containerPorts = c.containerPorts.map((p) => (p.containerPort === 4318 ? { ...p, containerPort: 55681 } : p));
  s.services[0].ports = s.services[0].ports.map((p) => (p.port === 4318 ? { ...p, targetPort: 55681 } : p));
  s.probes = s.probes.filter((p) => p.target.port === 4318).map((p) => ({ ...p, result: 'timeout' as const, reason: 'timed out after 2s' }));
});

ruleTester(rule, {
  valid: [
    { name: 'the policy admits shop: not blamed even if a probe timed out', snapshot: withPolicy('shop', true) },
    { name: 'lint: the policy in the files admits shop', snapshot: variant(withPolicy('shop', false), (s) => { s.meta.mode = 'lint'; s.meta.exec = false; s.probes = []; }) },
    { name: 'a restrictive policy but probes connected: not blamed', snapshot: withPolicy('monitoring', false) },
    {
      name: 'no exec: skipped',
      snapshot: variant(withPolicy('monitoring', true), (s) => (s.meta.exec = false)),
      check: { subject: 'Cluster', status: 'skipped', reason: 'needs exec probes (--no-exec)' },
    },
    {
      name: 'a probe timing out on a port the Service does not publish is not blamed on the policy',
      snapshot: variant(withPolicy('monitoring', true), (s) => {
        const svc = s.services.find((v) => v.matchedCollectorPods.length);
        if (svc) {
          // Every probed Service port made unpublished: only app-port-not-exposed may speak for those timeouts.
          const probed = new Set(s.probes.map((p) => p.target.port));
          svc.ports = svc.ports.filter((p) => !probed.has(p.port));
          if (!svc.ports.length) {
            svc.ports = [{ name: 'metrics', port: 8888 }];
          }
        }
      }),
    },
  ],
  invalid: [
    {
      name: 'lint: the policy in the files admits only monitoring and shop exports to the collector',
      snapshot: variant(withPolicy('monitoring', false), (s) => { s.meta.mode = 'lint'; s.meta.exec = false; s.probes = []; }),
      findings: [{ severity: 'error', subject: 'NetworkPolicy observability/collector-ingress' }],
    },
    { name: 'a receiver on 55681 behind Service port 4318, dropped by the policy', snapshot: legacyHttp, findings: [{ severity: 'error', subject: 'NetworkPolicy observability/collector-ingress' }] },
    {
      name: 'the policy admits only monitoring and a probe from shop times out: error on the policy',
      snapshot: withPolicy('monitoring', true),
      findings: [{ severity: 'error', subject: 'NetworkPolicy observability/collector-ingress', check: { subject: 'NetworkPolicy observability/collector-ingress', status: 'fail' } }],
    },
  ],
});

/** The ingress list the fix's patch writes: every rule already there, then the added one. */
function patchedIngress(patch: string | undefined): Array<Record<string, any>> {
  return (parse(patch ?? '') as { spec: { ingress: Array<Record<string, any>> } }).spec.ingress;
}

test('the fix admits the pod port the probe found dropped (the receiver\'s 55681 behind Service port 4318), not 4317/4318', () => {
  const [f] = findingsOf(rule, legacyHttp);
  assert.match(f.fix.summary, /^Allow ingress to the collector on 55681 from the app namespaces/);
  const added = patchedIngress(f.fix.patch).at(-1);
  assert.deepEqual(added?.ports, [{ protocol: 'TCP', port: 55681 }]);
});

test('every dropped port is in the fix, each once', () => {
  const [f] = findingsOf(rule, withPolicy('monitoring', true));
  assert.deepEqual(patchedIngress(f.fix.patch).at(-1)?.ports, [{ protocol: 'TCP', port: 4317 }, { protocol: 'TCP', port: 4318 }]);
});

test('the patch keeps the rules the policy already has: the ingress list is replaced whole by a patch', () => {
  const [f] = findingsOf(rule, withPolicy('monitoring', true));
  const ingress = patchedIngress(f.fix.patch);
  assert.equal(ingress.length, 2);
  assert.deepEqual(ingress[0].from, [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'monitoring' } } }]);
  assert.deepEqual(ingress[1].from, [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'shop' } } }]);
});

test('apps dropped in two namespaces: the added rule admits both', () => {
  const twoNamespaces = variant(withPolicy('monitoring', true), (s) => {
    const app = s.apps[0];
    const copy = { ...structuredClone(app), namespace: 'billing', pod: `${app.pod}-b` };
    s.apps.push(copy);
    const probe = s.probes.find((p) => p.from.pod === app.pod && p.from.namespace === app.namespace);
    assert.ok(probe, 'the fixture probes from its first app');
    s.probes.push({ ...structuredClone(probe), from: { ...probe.from, namespace: 'billing', pod: copy.pod } });
  });
  const [f] = findingsOf(rule, twoNamespaces);
  const from = patchedIngress(f.fix.patch).at(-1)?.from;
  assert.deepEqual(from, [{ namespaceSelector: { matchExpressions: [{ key: 'kubernetes.io/metadata.name', operator: 'In', values: ['billing', twoNamespaces.apps[0].namespace].sort() }] } }]);
});

test('an app\'s symptom names an IPv6 target as [ip]:port', () => {
  const ip = 'fd00:10:244:1::5';
  const s = variant(withPolicy('monitoring', true), (x) => {
    x.collectors[0].podIP = ip;
    x.probes = x.probes.slice(0, 1).map((p) => ({ ...p, target: { ...p.target, kind: 'app-endpoint' as const, host: ip, port: 4317 } }));
  });
  const [f] = findingsOf(rule, s);
  assert.deepEqual(f.affected?.flatMap((a) => a.symptoms), [`probe [${ip}]:4317 timeout`]);
});
