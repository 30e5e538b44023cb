// network-policy-blocks, egress side: Egress policies selecting the app pods, judged as the Kubernetes
// "Network Policies" page defines them (isolation per direction, additive rules, to/ports/endPort, DNS).
import assert from 'node:assert/strict';
import { parse } from 'yaml';
import type { Finding } from '../../src/report/finding.ts';
import { correlate } from '../../src/report/correlate.ts';
import { keys } from '../../src/rules/keys.ts';
import { rule } from '../../src/rules/network-policy-blocks.ts';
import type { NetworkPolicyInfo, Snapshot } from '../../src/snapshot.ts';
import { envValue, findingsOf, judged, loadSnapshot, ruleTester, test, variant } from './helpers.ts';

type Egress = NonNullable<NetworkPolicyInfo['egress']>;
const DNS: Egress[number] = {
  to: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'kube-system' } }, podSelector: { matchLabels: { 'k8s-app': 'kube-dns' } } }],
  ports: [{ protocol: 'UDP', port: 53 }, { protocol: 'TCP', port: 53 }],
};
const COLLECTOR_NS = { namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'observability' } } };

/** shop's pods isolated for egress by one policy with these rules; cart's probe ended as `result` (none: connected). */
function egress(rules: Egress, result?: 'timeout' | 'dns-failure', mutate?: (s: Snapshot) => void): Snapshot {
  return variant(loadSnapshot('healthy-helm'), (s) => {
    s.networkPolicies = [{ namespace: 'shop', name: 'shop-egress', podSelector: {}, policyTypes: ['Egress'], egress: rules }];
    if (result) {
      for (const p of s.probes) {
        p.result = result;
        p.reason = result === 'timeout' ? 'timed out after 2s' : 'could not resolve host';
      }
    }
    mutate?.(s);
  });
}
const lint = (s: Snapshot): Snapshot => variant(s, (x) => { x.meta.mode = 'lint'; x.meta.exec = false; x.probes = []; });

const SUBJECT = 'NetworkPolicy shop/shop-egress';

ruleTester(rule, {
  valid: [
    { name: 'collector ports and DNS allowed: clean even with timed-out probes', snapshot: egress([{ to: [COLLECTOR_NS], ports: [{ protocol: 'TCP', port: 4317 }, { protocol: 'TCP', port: 4318 }] }, DNS], 'timeout') },
    { name: 'the collector pod CIDR by ipBlock, DNS allowed: clean', snapshot: egress([{ to: [{ ipBlock: { cidr: '10.244.0.0/16' } }], ports: [{ protocol: 'TCP', port: 4317, endPort: 4318 }] }, DNS], 'timeout') },
    { name: 'an endPort range covering 4317-4318: clean', snapshot: egress([{ to: [COLLECTOR_NS], ports: [{ protocol: 'TCP', port: 4000, endPort: 5000 }] }, DNS], 'timeout') },
    { name: 'a restrictive egress policy but the probes connected: not blamed in diagnose', snapshot: egress([]) },
    { name: 'a rule with no `to` on the ports allows every destination', snapshot: egress([{ ports: [{ protocol: 'TCP', port: 4317 }, { protocol: 'TCP', port: 4318 }] }, DNS], 'timeout') },
    { name: 'a second policy allowing the collector: policies are additive', snapshot: egress([DNS], 'timeout', (s) => { s.networkPolicies.push({ namespace: 'shop', name: 'to-collector', podSelector: { matchLabels: { app: 'cart' } }, policyTypes: ['Egress'], egress: [{ to: [COLLECTOR_NS], ports: [{ port: 4318 }] }] }); s.probes = s.probes.filter((p) => p.from.pod.startsWith('cart')); }) },
    { name: 'an Ingress-only policy in the app namespace does not isolate egress', snapshot: egress([], 'timeout', (s) => { s.networkPolicies[0].policyTypes = ['Ingress']; }) },
    { name: 'lint: a full allowance in the files is clean', snapshot: lint(egress([{ to: [COLLECTOR_NS], ports: [{ protocol: 'TCP', port: 4317 }, { protocol: 'TCP', port: 4318 }] }, DNS])) },
  ],
  invalid: [
    { name: 'default-deny egress and a timed-out probe: error on the policy', snapshot: egress([], 'timeout'), findings: [{ severity: 'error', subject: SUBJECT }, { severity: 'error', subject: SUBJECT }] },
    { name: 'an allow-list without the collector (DNS only)', snapshot: egress([DNS], 'timeout'), findings: [{ severity: 'error', subject: SUBJECT }, { severity: 'error', subject: SUBJECT }] },
    { name: 'an allow-list with the collector but without DNS, and the lookups failed', snapshot: egress([{ to: [COLLECTOR_NS], ports: [{ protocol: 'TCP', port: 4317 }, { protocol: 'TCP', port: 4318 }] }], 'dns-failure'), findings: [{ severity: 'error', subject: SUBJECT }, { severity: 'error', subject: SUBJECT }] },
    { name: 'an endPort range short of 4318', snapshot: egress([{ to: [COLLECTOR_NS], ports: [{ protocol: 'TCP', port: 4000, endPort: 4317 }] }, DNS], 'timeout'), findings: [{ severity: 'error', subject: SUBJECT }] },
    { name: 'lint: default-deny egress in the files', snapshot: lint(egress([])), findings: [{ severity: 'error', subject: SUBJECT }, { severity: 'error', subject: SUBJECT }] },
  ],
});

function added(patch: string | undefined): Egress {
  return (parse(patch ?? '') as { spec: { egress: Egress } }).spec.egress;
}

test('default-deny: the finding names the workload, the missing collector path and DNS; the fix adds both', () => {
  const f = findingsOf(rule, egress([], 'timeout')).find((x) => x.summary.includes('shop/cart'));
  assert.ok(f);
  assert.equal(f.summary, 'NetworkPolicy shop-egress isolates Deployment shop/cart for egress and does not allow the collector pods in observability on TCP 4318 or DNS (kube-system/kube-dns on UDP/TCP 53)');
  assert.deepEqual(added(f.fix.patch), [
    { to: [{ ...COLLECTOR_NS, podSelector: { matchLabels: { 'app.kubernetes.io/name': 'opentelemetry-collector', 'app.kubernetes.io/instance': 'otel-collector', component: 'standalone-collector' } } }], ports: [{ protocol: 'TCP', port: 4318 }] },
    DNS,
  ]);
  assert.ok(f.evidence.some((e) => e.source === 'exec' && /timeout/.test(e.detail)));
  assert.ok(f.evidence.some((e) => e.source === 'api' && e.detail.startsWith('NetworkPolicy shop/shop-egress: podSelector {}, policyTypes [Egress], egress []')));
  assert.deepEqual(f.affected?.map((a) => a.symptoms), [['probe otel-collector.observability.svc.cluster.local:4318 timeout']]);
});

test('collector allowed, DNS not: only the DNS allowance is missing, and the patch keeps the rules already there', () => {
  const kept = { to: [COLLECTOR_NS], ports: [{ protocol: 'TCP', port: 4317 }, { protocol: 'TCP', port: 4318 }] };
  const [f] = findingsOf(rule, egress([kept], 'dns-failure'));
  assert.match(f.summary, /does not allow DNS \(kube-system\/kube-dns on UDP\/TCP 53\)$/);
  assert.match(f.rootCause, /cannot be resolved/);
  assert.deepEqual(added(f.fix.patch), [kept, DNS]);
});

test('a DNS failure is not blamed on a policy that allows DNS, nor a timeout to an IP on a missing DNS allowance', () => {
  assert.deepEqual(findingsOf(rule, egress([DNS], 'dns-failure')), []);
  const byIP = egress([{ to: [COLLECTOR_NS], ports: [{ port: 4317 }, { port: 4318 }] }], 'timeout', (s) => {
    for (const p of s.probes) { p.target = { ...p.target, host: s.collectors[0].podIP as string, kind: 'pod-ip' }; }
  });
  assert.deepEqual(findingsOf(rule, byIP), []);
});

test('the collector allowed, DNS not, and the probe timed out (the dropped lookup outlasts the probe): DNS is what is missing', () => {
  const fs = findingsOf(rule, egress([{ to: [COLLECTOR_NS], ports: [{ port: 4317 }, { port: 4318 }] }], 'timeout'));
  assert.equal(fs.length, 2);
  for (const f of fs) { assert.match(f.summary, /does not allow DNS \(kube-system\/kube-dns on UDP\/TCP 53\)$/); }
});

test('an ipBlock that leaves the collector pod out (except) does not allow it', () => {
  const fs = findingsOf(rule, egress([{ to: [{ ipBlock: { cidr: '10.244.0.0/16', except: ['10.244.1.0/24'] } }] }, DNS], 'timeout'));
  assert.equal(fs.length, 2);
});

test('endPort: the fix adds the port the range missed', () => {
  const [f] = findingsOf(rule, egress([{ to: [COLLECTOR_NS], ports: [{ protocol: 'TCP', port: 4000, endPort: 4317 }] }, DNS], 'timeout'));
  assert.match(f.summary, /shop\/cart .* on TCP 4318$/);
});

test('UDP on the receiver port does not allow OTLP (TCP)', () => {
  assert.equal(findingsOf(rule, egress([{ to: [COLLECTOR_NS], ports: [{ protocol: 'UDP', port: 4317 }, { protocol: 'UDP', port: 4318 }] }, DNS], 'timeout')).length, 2);
});

test('a DNS gap explains the app\'s unresolvable name: a finding naming keys.dnsBlocked of the app folds into the policy\'s row', () => {
  const s = egress([{ to: [COLLECTOR_NS], ports: [{ port: 4317 }, { port: 4318 }] }], 'dns-failure');
  const [root] = findingsOf(rule, s).filter((f) => f.summary.includes('shop/cart'));
  const cart = s.apps.find((a) => a.pod.startsWith('cart'));
  assert.ok(cart);
  assert.deepEqual(root.explains, [keys.dnsBlocked(cart)]);
  const symptom: Finding = {
    rule: 'app-endpoint-unresolvable', severity: 'error', subject: { kind: 'Deployment', namespace: 'shop', name: 'cart', container: cart.container },
    summary: 'endpoint host does not resolve', rootCause: '-', evidence: [{ source: 'exec', detail: 'lookup failed' }], fix: { summary: '-' },
    symptomOf: [keys.dnsBlocked(cart)],
  };
  const out = correlate([root, symptom]);
  assert.equal(out.length, 1);
  assert.ok(out[0].evidence.some((e) => e.detail === '[app-endpoint-unresolvable] lookup failed'));
  // A path-only gap explains no lookup.
  assert.equal(findingsOf(rule, egress([DNS], 'timeout'))[0].explains, undefined);
});

test('the whole engine: an external name whose lookups an egress policy drops is one row, the policy\'s (app-endpoint-unresolvable folds in)', () => {
  const s = egress([{ to: [{ ipBlock: { cidr: '0.0.0.0/0' } }], ports: [{ protocol: 'TCP', port: 4318 }] }], 'dns-failure', (x) => {
    for (const a of x.apps) { if (a.pod.startsWith('cart')) { a.exporter = { endpoint: envValue('http://otel.example.com:4318') }; } }
    x.probes = x.probes.filter((p) => p.from.pod.startsWith('cart'));
    for (const p of x.probes) { p.target.host = 'otel.example.com'; p.target.port = 4318; }
  });
  const rows = judged(s).filter((k) => k.includes('cart') || k.includes('shop-egress'));
  assert.ok(rows.some((k) => k.startsWith('network-policy-blocks error NetworkPolicy shop/shop-egress')), rows.join('\n'));
  assert.ok(!rows.some((k) => k.startsWith('app-endpoint-unresolvable')), `the unresolvable name is the policy's symptom, not a row of its own:\n${rows.join('\n')}`);
});
