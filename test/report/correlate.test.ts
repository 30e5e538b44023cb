/** correlate(): symptom findings fold into the root cause that explains them, apps and evidence kept. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { correlate } from '../../src/report/correlate.ts';
import type { AffectedApp, Finding, Severity } from '../../src/report/finding.ts';

interface Spec {
  rule: string;
  severity?: Severity;
  name?: string;
  evidence?: string[];
  affected?: AffectedApp[];
  explains?: string[];
  symptomOf?: string[];
}

// Correlation keys are plain strings at run time, whatever type the rules give them.
function finding(s: Spec): Finding {
  return {
    rule: s.rule,
    severity: s.severity ?? 'error',
    subject: { kind: 'Deployment', namespace: 'observability', name: s.name ?? s.rule },
    summary: s.rule,
    rootCause: s.rule,
    evidence: (s.evidence ?? []).map((detail) => ({ source: 'exec' as const, detail })),
    fix: { summary: 'fix' },
    ...(s.affected ? { affected: s.affected } : {}),
    ...(s.explains ? { explains: s.explains } : {}),
    ...(s.symptomOf ? { symptomOf: s.symptomOf } : {}),
  } as unknown as Finding;
}

function app(pod: string, symptoms: string[], container = 'app'): AffectedApp {
  return { namespace: 'shop', pod, container, symptoms };
}

const root = (affected?: AffectedApp[]): Finding =>
  finding({ rule: 'receiver-bound-to-loopback', evidence: ['config: localhost:4317'], explains: ['listen:c:4317'], ...(affected ? { affected } : {}) });

test('a symptom of an app the root does not list yet: the app is added with its symptoms, the row folded', () => {
  const r = root([app('checkout', ['refused'])]);
  const s = finding({ rule: 'service-port-mismatch', evidence: ['probe refused'], affected: [app('frontend', ['timeout'])], symptomOf: ['listen:c:4317'] });
  const out = correlate([r, s]);
  assert.deepEqual(out.map((f) => f.rule), ['receiver-bound-to-loopback']);
  assert.deepEqual(out[0].affected, [app('checkout', ['refused']), app('frontend', ['timeout'])]);
  assert.deepEqual(out[0].evidence.map((e) => e.detail), ['config: localhost:4317', '[service-port-mismatch] probe refused']);
});

test('a root with no affected list yet gains the app', () => {
  const out = correlate([root(), finding({ rule: 's', affected: [app('checkout', ['refused'])], symptomOf: ['listen:c:4317'] })]);
  assert.deepEqual(out[0].affected, [app('checkout', ['refused'])]);
});

test('the same app with a new symptom: the symptom is added to its entry, no second entry', () => {
  const out = correlate([root([app('checkout', ['refused'])]), finding({ rule: 's', affected: [app('checkout', ['tls-mismatch'])], symptomOf: ['listen:c:4317'] })]);
  assert.deepEqual(out[0].affected, [app('checkout', ['refused', 'tls-mismatch'])]);
});

test('the same app with a symptom it already has: nothing repeated', () => {
  const out = correlate([root([app('checkout', ['refused'])]), finding({ rule: 's', affected: [app('checkout', ['refused'])], symptomOf: ['listen:c:4317'] })]);
  assert.deepEqual(out[0].affected, [app('checkout', ['refused'])]);
});

test('another container of the same pod is another app', () => {
  const out = correlate([root([app('checkout', ['refused'])]), finding({ rule: 's', affected: [app('checkout', ['refused'], 'worker')], symptomOf: ['listen:c:4317'] })]);
  assert.deepEqual(out[0].affected, [app('checkout', ['refused']), app('checkout', ['refused'], 'worker')]);
});

test('evidence already quoted by the root is not repeated', () => {
  const out = correlate([root(), finding({ rule: 's', evidence: ['config: localhost:4317', 'new'], symptomOf: ['listen:c:4317'] })]);
  assert.deepEqual(out[0].evidence.map((e) => e.detail), ['config: localhost:4317', '[s] new']);
});

test('two roots: each symptom folds into the root whose keys it meets, and the originals are not mutated', () => {
  const a = root([app('checkout', ['refused'])]);
  const b = finding({ rule: 'collector-not-ready', name: 'gateway', explains: ['no-endpoints:observability/gw-0'] });
  const sa = finding({ rule: 'sa', affected: [app('frontend', ['refused'])], symptomOf: ['listen:c:4317'] });
  const sb = finding({ rule: 'sb', affected: [app('cart', ['timeout'])], symptomOf: ['no-endpoints:observability/gw-0'] });
  const out = correlate([a, sb, b, sa]);
  assert.deepEqual(out.map((f) => f.rule), ['receiver-bound-to-loopback', 'collector-not-ready']);
  assert.deepEqual(out[0].affected?.map((x) => x.pod), ['checkout', 'frontend']);
  assert.deepEqual(out[1].affected?.map((x) => x.pod), ['cart']);
  assert.deepEqual(a.affected, [app('checkout', ['refused'])]);
  assert.equal(b.affected, undefined);
});

test('an info root does not absorb: its symptom keeps its own row', () => {
  const info = finding({ rule: 'receiver-default-loopback', severity: 'info', explains: ['listen:c:4317'] });
  const s = finding({ rule: 's', severity: 'warning', affected: [app('checkout', ['refused'])], symptomOf: ['listen:c:4317'] });
  const out = correlate([info, s]);
  assert.deepEqual(out.map((f) => f.rule), ['receiver-default-loopback', 's']);
  assert.equal(out[0].affected, undefined);
});

test('a symptom whose keys meet no root keeps its row; a finding is never folded into itself', () => {
  const self = finding({ rule: 'self', explains: ['k'], symptomOf: ['k'] });
  const lone = finding({ rule: 'lone', symptomOf: ['nothing'] });
  assert.deepEqual(correlate([self, lone]).map((f) => f.rule), ['self', 'lone']);
});

test('a chain folds whole: a symptom folded into a middle root reaches the top root with its apps', () => {
  const top = finding({ rule: 'collector-config-invalid', explains: ['not-ready:w'] });
  const middle = finding({ rule: 'collector-not-ready', evidence: ['not ready'], symptomOf: ['not-ready:w'], explains: ['no-endpoints:p'] });
  const leaf = finding({ rule: 'service-no-endpoints', evidence: ['no endpoints'], affected: [app('checkout', ['refused'])], symptomOf: ['no-endpoints:p'] });
  const out = correlate([top, leaf, middle]);
  assert.deepEqual(out.map((f) => f.rule), ['collector-config-invalid']);
  assert.deepEqual(out[0].affected, [app('checkout', ['refused'])]);
  assert.ok(out[0].evidence.some((e) => e.detail.includes('no endpoints')), JSON.stringify(out[0].evidence));
});

test('replicas: the same finding of each pod of a workload is one row with the evidence and apps of all', () => {
  const a = finding({ rule: 'app-endpoint-malformed', name: 'checkout', evidence: ['env OTEL_EXPORTER_OTLP_ENDPOINT of pod checkout-1'], affected: [app('checkout-1', ['malformed'])], symptomOf: ['k1'] });
  const b = finding({ rule: 'app-endpoint-malformed', name: 'checkout', evidence: ['env OTEL_EXPORTER_OTLP_ENDPOINT of pod checkout-2'], affected: [app('checkout-2', ['malformed'])], symptomOf: ['k2'] });
  const other = finding({ rule: 'app-endpoint-malformed', name: 'cart', evidence: ['env of cart'] });
  const out = correlate([a, b, other]);
  assert.equal(out.length, 2);
  const [merged] = out;
  assert.deepEqual(merged.evidence.map((e) => e.detail), ['env OTEL_EXPORTER_OTLP_ENDPOINT of pod checkout-1', 'env OTEL_EXPORTER_OTLP_ENDPOINT of pod checkout-2']);
  assert.deepEqual(merged.affected?.map((x) => x.pod), ['checkout-1', 'checkout-2']);
  assert.deepEqual(merged.symptomOf, ['k1', 'k2']);
  assert.equal(a.evidence.length, 1, 'the input is not changed');
});

test('findings that differ in their words stay apart, even on one subject', () => {
  const a = finding({ rule: 'app-endpoint-malformed', name: 'checkout' });
  const b = { ...finding({ rule: 'app-endpoint-malformed', name: 'checkout' }), summary: 'another endpoint' };
  assert.equal(correlate([a, b]).length, 2);
});
